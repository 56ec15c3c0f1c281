// The secrets of one websocket operation (exec, console): a random secret per stream, which the
// client that asked for the operation gets (its metadata's "fds") and presents to attach that
// stream.
#pragma once

#include <initializer_list>
#include <map>
#include <string>

namespace lxdp::services {

class WebSocketSecrets {
public:
    // One secret for each stream name ("0", "1", "2", "control").
    explicit WebSocketSecrets(std::initializer_list<const char*> streams);

    // Stream name to secret.
    const std::map<std::string, std::string>& byStream() const { return secrets_; }
    // The stream a secret attaches, "" for none. Every secret is compared, each in constant time.
    std::string streamOf(const std::string& secret) const;

private:
    std::map<std::string, std::string> secrets_;
};

}  // namespace lxdp::services
