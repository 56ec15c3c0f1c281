// A minimal HTTP client on the unix socket, for the subcommands that talk to a running daemon.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace lxdp::daemon {

// Sends one request; returns the HTTP status, or 0 when the daemon could not be reached.
int localRequest(const std::string& socketPath, const std::string& method, const std::string& path,
                 std::string* body = nullptr, int timeoutSec = 10, const std::string& requestBody = "");

// The REST API of the running daemon, for subcommands such as `lxd init`: sync answers give their
// metadata, async ones are waited for; an error envelope throws std::runtime_error.
class LocalApi {
public:
    explicit LocalApi(std::string socketPath) : socket_(std::move(socketPath)) {}
    nlohmann::json get(const std::string& path);
    // Status 404 answers nullopt instead of throwing.
    std::optional<nlohmann::json> find(const std::string& path);
    nlohmann::json call(const std::string& method, const std::string& path, const nlohmann::json& body = nullptr);

private:
    std::string socket_;
};

}  // namespace lxdp::daemon
