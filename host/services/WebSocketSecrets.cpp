#include "services/WebSocketSecrets.h"

#include "util/Random.h"

namespace lxdp::services {

WebSocketSecrets::WebSocketSecrets(std::initializer_list<const char*> streams) {
    for (const char* stream : streams) secrets_[stream] = util::randomSecret();
}

std::string WebSocketSecrets::streamOf(const std::string& secret) const {
    std::string found;
    for (const auto& [stream, s] : secrets_)
        if (util::secretsEqual(s, secret)) found = stream;
    return found;
}

}  // namespace lxdp::services
