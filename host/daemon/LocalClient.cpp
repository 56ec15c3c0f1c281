#include "daemon/LocalClient.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <iterator>
#include <stdexcept>

namespace lxdp::daemon {

int localRequest(const std::string& socketPath, const std::string& method, const std::string& path,
                 std::string* body, int timeoutSec, const std::string& requestBody) {
    try {
        Poco::Net::StreamSocket socket;
        socket.connect(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, socketPath));
        Poco::Net::HTTPClientSession session(socket);
        session.setTimeout(Poco::Timespan(timeoutSec, 0));
        Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
        request.setHost("lxd");
        request.setContentLength(static_cast<std::streamsize>(requestBody.size()));
        if (!requestBody.empty()) request.setContentType("application/json");
        session.sendRequest(request) << requestBody;
        Poco::Net::HTTPResponse response;
        std::istream& in = session.receiveResponse(response);
        std::string text(std::istreambuf_iterator<char>(in), {});
        if (body) *body = std::move(text);
        return static_cast<int>(response.getStatus());
    } catch (const std::exception&) {
        return 0;
    }
}

namespace {
// Long enough for a pool or network to be created; the API answers bad input at once.
constexpr int kCallTimeoutSec = 600;
}  // namespace

nlohmann::json LocalApi::call(const std::string& method, const std::string& path, const nlohmann::json& body) {
    std::string text;
    int status = localRequest(socket_, method, path, &text, kCallTimeoutSec, body.is_null() ? "" : body.dump());
    if (status == 0) throw std::runtime_error("The daemon is not running (" + socket_ + ")");
    nlohmann::json reply = nlohmann::json::parse(text, nullptr, false);
    if (reply.is_discarded()) throw std::runtime_error(method + " " + path + ": unreadable answer");
    if (reply.value("type", "") == "error") throw std::runtime_error(reply.value("error", "unknown error"));
    if (reply.value("type", "") == "async") {
        std::string op = reply.value("operation", "");
        auto done = call("GET", op + "/wait");
        if (done.value("status_code", 0) != 200) throw std::runtime_error(done.value("err", "operation failed"));
        return done;
    }
    return reply.contains("metadata") ? reply["metadata"] : nlohmann::json();
}

nlohmann::json LocalApi::get(const std::string& path) { return call("GET", path); }

std::optional<nlohmann::json> LocalApi::find(const std::string& path) {
    std::string text;
    int status = localRequest(socket_, "GET", path, &text, kCallTimeoutSec);
    if (status == 404) return std::nullopt;
    return get(path);
}

}  // namespace lxdp::daemon
