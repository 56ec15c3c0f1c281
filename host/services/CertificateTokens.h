// Certificate add tokens (`lxc config trust add` without a file): each token is a running
// operation of class "token" whose metadata carry what the client folds into the token it prints
// (request name, secret, server fingerprint, addresses, expiry). A new client presents the token
// once; it then stops working, as it does when it expires or its operation is cancelled
// (`lxc config trust revoke-token`).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lxdp::ops {
class Operation;
class OperationManager;
}  // namespace lxdp::ops

namespace lxdp::services {

class CertificateTokens {
public:
    // How long a token stays valid when nobody uses it.
    static constexpr std::chrono::seconds kDefaultLifetime = std::chrono::hours(24);

    explicit CertificateTokens(ops::OperationManager& ops, std::chrono::seconds lifetime = kDefaultLifetime);

    // request: the certificate fields the new client will get (name, type, restricted, projects).
    std::shared_ptr<ops::Operation> issue(const nlohmann::json& request, const std::string& serverFingerprint,
                                          const std::vector<std::string>& addresses);

    // The request a token was issued for, if presented is one of ours, unused and unexpired;
    // the token is used up. presented is the token as the client prints it (base64 JSON) or its
    // bare secret.
    std::optional<nlohmann::json> redeem(const std::string& presented);

private:
    struct State;
    ops::OperationManager& ops_;
    const std::chrono::seconds lifetime_;
    std::shared_ptr<State> state_;
};

}  // namespace lxdp::services
