#include "api/WebSocket.h"

#include <Poco/Buffer.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/WebSocket.h>
#include <Poco/URI.h>

#include <chrono>

#include "api/Request.h"
#include "tls/ClientContext.h"
#include "util/ApiError.h"

namespace lxdp::api {

using PocoWs = Poco::Net::WebSocket;

lxdp::api::WebSocket::WebSocket(Request& request) {
    try {
        ws_ = std::make_unique<Poco::Net::WebSocket>(request.http(), request.response());
    } catch (const Poco::Net::WebSocketException& e) {
        throw BadRequest("Expected a websocket upgrade: " + e.message());
    }
    // Blocking reads are bounded by receive()'s poll, never by a socket timeout.
    ws_->setReceiveTimeout(Poco::Timespan(0));
    ws_->setSendTimeout(Poco::Timespan(30, 0));
    ping("keepalive");
}

lxdp::api::WebSocket::WebSocket(std::unique_ptr<Poco::Net::WebSocket> connected) : ws_(std::move(connected)) {
    ws_->setReceiveTimeout(Poco::Timespan(0));
    ws_->setSendTimeout(Poco::Timespan(30, 0));
}

std::unique_ptr<lxdp::api::WebSocket> lxdp::api::WebSocket::connect(const std::string& url,
                                                                    const std::string& pinnedCertificate,
                                                                    const tls::ServerCertificate& identity) {
    const Poco::URI uri = tls::httpsUrl(url, "websocket");
    try {
        Poco::Net::HTTPSClientSession session(uri.getHost(), uri.getPort(), tls::clientContext(pinnedCertificate, &identity));
        session.setTimeout(Poco::Timespan(30, 0));
        Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, uri.getPathAndQuery(),
                                       Poco::Net::HTTPMessage::HTTP_1_1);
        request.set("User-Agent", "LXD 5.0.2");
        Poco::Net::HTTPResponse response;
        try {
            return std::unique_ptr<WebSocket>(new WebSocket(std::make_unique<PocoWs>(session, request, response)));
        } catch (const Poco::Net::WebSocketException&) {
            // The server refused the upgrade: its answer says why (a wrong secret is a 403).
            if (response.getStatus() == Poco::Net::HTTPResponse::HTTP_SWITCHING_PROTOCOLS) throw;
            throw BadRequest("Failed to connect to \"" + uri.getScheme() + "://" + uri.getAuthority() + uri.getPath() +
                             "\": the server answered " + std::to_string(static_cast<int>(response.getStatus())) + " " +
                             response.getReason());
        }
    } catch (const Poco::Exception& e) {
        throw BadRequest("Failed to connect to \"" + uri.getScheme() + "://" + uri.getAuthority() + uri.getPath() +
                         "\": " + e.displayText());
    }
}

lxdp::api::WebSocket::~WebSocket() {
    shutdown();
    try {
        ws_->close();
    } catch (...) {
    }
}

bool lxdp::api::WebSocket::sendFrame(const void* data, size_t len, int flags) {
    std::lock_guard lock(sendMutex_);
    try {
        ws_->sendFrame(data, static_cast<int>(len), flags);
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

bool lxdp::api::WebSocket::sendText(const std::string& text) {
    return sendFrame(text.data(), text.size(), PocoWs::FRAME_TEXT);
}

bool lxdp::api::WebSocket::sendBinary(const void* data, size_t len) {
    return sendFrame(data, len, PocoWs::FRAME_BINARY);
}

bool lxdp::api::WebSocket::ping(const std::string& payload) {
    return sendFrame(payload.data(), payload.size(), int(PocoWs::FRAME_FLAG_FIN) | int(PocoWs::FRAME_OP_PING));
}

std::optional<lxdp::api::WebSocket::Message> lxdp::api::WebSocket::receive(int timeoutMs) {
    try {
        for (;;) {
            if (timeoutMs >= 0 &&
                !ws_->poll(Poco::Timespan(static_cast<long>(timeoutMs) * 1000), Poco::Net::Socket::SELECT_READ))
                return std::nullopt;
            Poco::Buffer<char> buffer(0);
            int flags = 0;
            int n = ws_->receiveFrame(buffer, flags);
            int op = flags & PocoWs::FRAME_OP_BITMASK;
            if (n <= 0 && flags == 0) return Message{Kind::Closed, {}};
            std::string payload(buffer.begin(), buffer.begin() + std::max(n, 0));
            switch (op) {
            case PocoWs::FRAME_OP_PING:
                sendFrame(payload.data(), payload.size(), int(PocoWs::FRAME_FLAG_FIN) | int(PocoWs::FRAME_OP_PONG));
                continue;
            case PocoWs::FRAME_OP_PONG:
                continue;
            case PocoWs::FRAME_OP_CLOSE:
                return Message{Kind::Closed, {}};
            case PocoWs::FRAME_OP_CONT:
                partial_ += payload;
                break;
            default:  // text or binary: the first frame of a message
                partialKind_ = op;
                partial_ = std::move(payload);
                break;
            }
            if (!(flags & PocoWs::FRAME_FLAG_FIN)) continue;
            Message m{partialKind_ == PocoWs::FRAME_OP_TEXT ? Kind::Text : Kind::Binary, std::move(partial_)};
            partial_.clear();
            return m;
        }
    } catch (const std::exception&) {
        return Message{Kind::Closed, {}};
    }
}

void lxdp::api::WebSocket::awaitPeerClose(int timeoutMs) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    for (;;) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0) return;
        const auto msg = receive(static_cast<int>(left));
        if (!msg || msg->kind == Kind::Closed) return;
    }
}

void lxdp::api::WebSocket::shutdown() {
    // Only shuts the socket down, so that a thread blocked in receive() wakes up; the object
    // itself lives until its owner destroys it.
    try {
        ws_->shutdown();
    } catch (...) {
    }
}

}  // namespace lxdp::api
