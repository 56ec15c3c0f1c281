// The REST API over the unix socket (HTTPS comes with the remote API).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <Poco/SharedPtr.h>

#include "api/HttpConnection.h"
#include "api/Router.h"
#include "util/PeriodicTask.h"

#include <Poco/AutoPtr.h>

namespace Poco {
class ThreadPool;
namespace Net {
class TCPServer;
class HTTPServerRequest;
class ServerSocket;
class TCPServerConnectionFilter;
}  // namespace Net
}  // namespace Poco

namespace lxdp::api {

// Names the caller of one request (the HTTPS listener reads the client certificate).
using Identify = std::function<Requestor(Poco::Net::HTTPServerRequest&)>;

class HttpServer {
public:
    // Binds path (replacing a stale socket), mode 0660, owned by root and group (when not empty).
    // Every caller on the unix socket is trusted.
    HttpServer(const Router& router, const std::string& socketPath, const std::string& group);
    // Serves a bound, listening socket (the HTTPS listener's).
    HttpServer(const Router& router, const Poco::Net::ServerSocket& socket, Identify identify);
    ~HttpServer();

    // Sees each new connection before any byte of it is read for HTTP (PROXY headers); before start().
    void setConnectionFilter(const Poco::AutoPtr<Poco::Net::TCPServerConnectionFilter>& filter);
    void start();
    // Stops accepting and closes open connections.
    void stop();

private:
    void serve(const Poco::Net::ServerSocket& socket, Identify identify);

    const Router& router_;
    std::unique_ptr<Poco::ThreadPool> pool_;
    Poco::SharedPtr<HttpConnectionFactory> connections_;  // shared with server_
    std::unique_ptr<Poco::Net::TCPServer> server_;
    // Ends the pool's threads that have been idle for a while (HttpServer.cpp says why).
    util::PeriodicTask idleThreads_{"http-idle-threads"};
};

}  // namespace lxdp::api
