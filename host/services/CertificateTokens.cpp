#include "services/CertificateTokens.h"

#include <Poco/Base64Decoder.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <sstream>

#include "ops/OperationManager.h"
#include "util/Random.h"
#include "util/Time.h"

namespace lxdp::services {

namespace {

using Clock = std::chrono::steady_clock;
// How often a waiting token operation looks whether it was cancelled.
constexpr auto kCancelPoll = std::chrono::milliseconds(250);

// The secret inside a token the client printed; text that is no token is taken as a bare secret.
std::string secretOf(const std::string& presented) {
    try {
        std::istringstream in(presented);
        Poco::Base64Decoder decoder(in);
        std::string json((std::istreambuf_iterator<char>(decoder)), std::istreambuf_iterator<char>());
        const auto token = nlohmann::json::parse(json);
        if (token.is_object() && token.contains("secret") && token["secret"].is_string()) return token["secret"];
    } catch (const std::exception&) {
    }
    return presented;
}

}  // namespace

struct CertificateTokens::State {
    struct Pending {
        std::string secret;
        nlohmann::json request;
        Clock::time_point expires;
        // Revoked the moment its cancellation is asked, before the operation notices.
        std::weak_ptr<ops::Operation> operation;
    };
    std::mutex mutex;
    std::condition_variable changed;
    std::map<std::string, Pending> pending;  // by operation id
};

CertificateTokens::CertificateTokens(ops::OperationManager& ops, std::chrono::seconds lifetime)
    : ops_(ops), lifetime_(lifetime), state_(std::make_shared<State>()) {}

std::shared_ptr<ops::Operation> CertificateTokens::issue(const nlohmann::json& request, const std::string& serverFingerprint,
                                                         const std::vector<std::string>& addresses) {
    const std::string secret = util::randomSecret();
    const auto now = std::chrono::system_clock::now();
    const auto expiresAt = util::rfc3339FromUnix(
        std::chrono::duration_cast<std::chrono::seconds>((now + lifetime_).time_since_epoch()).count());
    const nlohmann::json metadata = {{"request", request},
                                     {"secret", secret},
                                     {"fingerprint", serverFingerprint},
                                     {"addresses", addresses},
                                     {"expiresAt", expiresAt}};
    // Project-less: listed to unrestricted callers of every project, never to restricted ones.
    auto op = ops_.create("", "token", "Certificate add token", nlohmann::json::object(), metadata, true);
    {
        std::lock_guard lock(state_->mutex);
        state_->pending[op->id()] = {secret, request, Clock::now() + lifetime_, op};
    }
    op->start([state = state_, id = op->id(), op](ops::Operation& self) {
        std::unique_lock lock(state->mutex);
        while (true) {
            const auto it = state->pending.find(id);
            // Redeemed: the operation succeeds.
            if (it == state->pending.end()) return;
            if (self.cancelled()) {
                state->pending.erase(it);
                throw std::runtime_error("Token revoked");
            }
            if (Clock::now() >= it->second.expires) {
                state->pending.erase(it);
                throw std::runtime_error("Token expired");
            }
            state->changed.wait_for(lock, kCancelPoll);
        }
    });
    return op;
}

std::optional<nlohmann::json> CertificateTokens::redeem(const std::string& presented) {
    const std::string secret = secretOf(presented);
    std::lock_guard lock(state_->mutex);
    // Every pending secret is compared, in constant time, whichever matches.
    auto found = state_->pending.end();
    for (auto it = state_->pending.begin(); it != state_->pending.end(); ++it)
        if (util::secretsEqual(it->second.secret, secret)) found = it;
    if (found == state_->pending.end() || Clock::now() >= found->second.expires) return std::nullopt;
    const auto op = found->second.operation.lock();
    if (!op || op->cancelled()) return std::nullopt;
    nlohmann::json request = found->second.request;
    state_->pending.erase(found);
    state_->changed.notify_all();
    return request;
}

}  // namespace lxdp::services
