// One HTTP connection of the API servers: Poco's HTTPServerConnection loop, with a deadline on
// the request head. Poco's receive timeout applies to each read, so a client sending one header
// byte every few seconds (slowloris) would hold a thread for as long as it likes; here the
// whole head must arrive within kHeadTimeoutSeconds, and an idle keep-alive connection is closed
// after the server's keep-alive timeout.
#pragma once

#include <Poco/BasicEvent.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/TCPServerConnectionFactory.h>

namespace lxdp::api {

// Upstream's ReadHeaderTimeout (LXD and Incus use 3 s for the same reason).
inline constexpr int kHeadTimeoutSeconds = 3;

class HttpConnectionFactory : public Poco::Net::TCPServerConnectionFactory {
public:
    HttpConnectionFactory(Poco::Net::HTTPServerParams::Ptr params, Poco::Net::HTTPRequestHandlerFactory::Ptr handlers)
        : params_(std::move(params)), handlers_(std::move(handlers)) {}
    Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override;
    // Tells the open connections to stop; abortCurrent also shuts their sockets.
    void stopAll(bool abortCurrent) { stopping(this, abortCurrent); }

    // What each open connection listens to (Poco's own serverStopped is HTTPServer's only).
    Poco::BasicEvent<const bool> stopping;

private:
    Poco::Net::HTTPServerParams::Ptr params_;
    Poco::Net::HTTPRequestHandlerFactory::Ptr handlers_;
};

}  // namespace lxdp::api
