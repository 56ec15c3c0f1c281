// The REST API over the unix socket (HTTPS comes with the remote API).
#pragma once

#include <memory>
#include <string>

#include "api/Router.h"

namespace Poco {
class ThreadPool;
namespace Net { class HTTPServer; }
}  // namespace Poco

namespace lxdp::api {

class HttpServer {
public:
    // Binds path (replacing a stale socket), mode 0660, owned by root and group (when not empty).
    HttpServer(const Router& router, const std::string& socketPath, const std::string& group);
    ~HttpServer();

    void start();
    // Stops accepting and closes open connections.
    void stop();

private:
    const Router& router_;
    std::unique_ptr<Poco::ThreadPool> pool_;
    std::unique_ptr<Poco::Net::HTTPServer> server_;
};

}  // namespace lxdp::api
