// A websocket: server-side over an API request, or client-side to another server (a migration's
// source). Whole messages in (fragments reassembled, pings answered), frames out, safe to send
// from several threads.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace Poco::Net { class WebSocket; }
namespace lxdp::tls { struct ServerCertificate; }

namespace lxdp::api {

class Request;

class WebSocket {
public:
    enum class Kind { Text, Binary, Closed };
    struct Message {
        Kind kind;
        std::string data;
    };

    // Answers the upgrade (101); a request that is not a websocket handshake is a 400.
    explicit WebSocket(Request& request);
    // Connects to url (https://) presenting identity, the server having to present
    // pinnedCertificate (PEM). BadRequest naming the URL when the connection or upgrade fails.
    static std::unique_ptr<WebSocket> connect(const std::string& url, const std::string& pinnedCertificate,
                                              const tls::ServerCertificate& identity);
    ~WebSocket();

    bool sendText(const std::string& text);
    bool sendBinary(const void* data, size_t len);
    bool ping(const std::string& payload);

    // The next whole message, waiting up to timeoutMs (-1: no limit); nullopt on timeout.
    // Kind::Closed when the peer closed or the connection failed.
    std::optional<Message> receive(int timeoutMs);

    // Ends the connection from any thread (no close frame: the LXD clients expect none).
    void shutdown();

    // Reads and drops what the peer sends (pings answered) until it closes the connection or
    // timeoutMs pass. A stream we are done with ends this way rather than with our close: a peer
    // that reads lazily answers the frames it comes across (the Go client pongs our ping when it
    // reaches it), and a write to a connection we closed fails its whole read, with the data it
    // had not read yet.
    void awaitPeerClose(int timeoutMs);

private:
    explicit WebSocket(std::unique_ptr<Poco::Net::WebSocket> connected);
    bool sendFrame(const void* data, size_t len, int flags);

    std::unique_ptr<Poco::Net::WebSocket> ws_;
    std::mutex sendMutex_;
    std::string partial_;
    int partialKind_ = 0;
};

}  // namespace lxdp::api
