// The REST API over HTTPS on core.https_address: started, moved and stopped live. Every request
// carries its client certificate, judged by the trust check each time.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <Poco/AutoPtr.h>
#include <openssl/types.h>

#include "tls/ServerCertificate.h"

namespace Poco::Net {
class Context;
class SocketAddress;
}  // namespace Poco::Net
namespace lxdp::api {
class HttpServer;
class Router;
struct Requestor;
}  // namespace lxdp::api

namespace lxdp::tls {

class ProxiedSources;

class HttpsListener {
public:
    // Decides who the caller presenting a client certificate (null: none) is.
    using TrustCheck = std::function<void(api::Requestor& who, X509* cert)>;

    // Whether a peer address is a proxy whose PROXY header names the real client
    // (core.https_trusted_proxy); that client's address then stands for the caller's.
    using ProxyCheck = std::function<bool(const std::string& address)>;

    HttpsListener(const api::Router& router, const ServerCertificate& certificate, TrustCheck trusted,
                  ProxyCheck trustedProxy);
    ~HttpsListener();

    // Serves on address ("host:port", "host", ":port", "[v6]:port"; port 8443 by default), or
    // stops when it is empty. On failure (a bad or busy address) the previous listener keeps
    // serving and a 400 is thrown.
    void listen(const std::string& address);
    void stop();

private:
    static Poco::Net::SocketAddress resolve(const std::string& address);
    void serveOn(const Poco::Net::SocketAddress& where);

    const api::Router& router_;
    TrustCheck trusted_;
    ProxyCheck trustedProxy_;
    // The client each proxied connection stands for, by the proxy's "address:port".
    std::shared_ptr<ProxiedSources> proxied_;
    Poco::AutoPtr<Poco::Net::Context> context_;
    std::mutex mutex_;
    std::string address_;
    std::unique_ptr<api::HttpServer> server_;
};

// The addresses clients reach a listener on core.https_address at (every interface's address
// for a wildcard host), as "host:port".
std::vector<std::string> reachableAddresses(const std::string& httpsAddress);

}  // namespace lxdp::tls
