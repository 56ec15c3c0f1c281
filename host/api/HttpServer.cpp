#include "api/HttpServer.h"

#include <Poco/Exception.h>
#include <Poco/Logger.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "api/HttpConnection.h"
#include "api/SocketActivation.h"
#include "util/ApiError.h"
#include "util/FreeMemory.h"

namespace lxdp::api {

namespace {

// Websocket connections (events, exec streams) hold a thread each for their lifetime, so the
// pool is sized for many long-lived connections rather than for CPU parallelism.
constexpr int kMaxThreads = 512;
// A pooled thread idle this long ends at the next collection. Each thread keeps malloc's cache
// of its own (tcache: up to 7 freed blocks of each small size), which pins the pages those
// blocks lie on until the thread ends: a pool grown by a burst (battery R-4's 100 slow clients)
// and kept idle made the RSS grow by 5.6 MiB over R-5's 100 lifecycles, 0.7 MiB with the caches
// off. Poco itself collects only on every 32nd thread it hands out.
constexpr int kThreadIdleSeconds = 10;
constexpr std::chrono::seconds kCollectEvery{10};
const Poco::Timespan kReadTimeout(60, 0);
// Incus's IdleTimeout: a client may pause between requests this long on one connection.
const Poco::Timespan kIdleTimeout(30, 0);

class ApiHandler : public Poco::Net::HTTPRequestHandler {
public:
    ApiHandler(const Router& router, const Identify& identify) : router_(router), identify_(identify) {}

    void handleRequest(Poco::Net::HTTPServerRequest& http, Poco::Net::HTTPServerResponse& response) override {
        auto& log = Poco::Logger::get("api");
        Response result = Response::handled();
        try {
            Poco::URI uri(http.getURI());
            std::map<std::string, std::string> query;
            for (const auto& [k, v] : uri.getQueryParameters()) query[k] = v;
            Request request(http, response, uri.getPath(), std::move(query));
            if (identify_) request.setRequestor(identify_(http));
            if (log.debug()) log.debug("%s %s", http.getMethod(), http.getURI());
            result = router_.dispatch(request);
        } catch (const ApiError& e) {
            result = Response::error(e.status(), e.what());
        } catch (const nlohmann::json::exception& e) {
            // Go clients decode strictly; so do we: a field of the wrong type is the client's error.
            result = Response::error(400, std::string("Invalid request: ") + e.what());
        } catch (const Poco::SyntaxException& e) {
            // A URL or header that does not parse is the client's error.
            result = Response::error(400, e.displayText());
        } catch (const Poco::Exception& e) {
            log.error("%s %s: %s", http.getMethod(), http.getURI(), e.displayText());
            result = Response::error(500, e.displayText());
        } catch (const std::exception& e) {
            log.error("%s %s: %s", http.getMethod(), http.getURI(), std::string(e.what()));
            result = Response::error(500, e.what());
        }
        try {
            if (!response.sent()) result.send(response);
        } catch (const std::exception& e) {
            log.debug("could not answer %s: %s", http.getURI(), std::string(e.what()));
        }
    }

private:
    const Router& router_;
    const Identify& identify_;
};

class ApiHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    ApiHandlerFactory(const Router& router, Identify identify) : router_(router), identify_(std::move(identify)) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        return new ApiHandler(router_, identify_);
    }

private:
    const Router& router_;
    const Identify identify_;
};

}  // namespace

HttpServer::HttpServer(const Router& router, const std::string& socketPath, const std::string& group)
    : router_(router) {
    // Under socket activation (lxd.socket) systemd has bound the path with its owner and mode.
    if (auto inherited = activatedSocket()) {
        serve(*inherited, nullptr);
        return;
    }
    // A socket that answers belongs to a running daemon; one that does not is stale.
    try {
        Poco::Net::StreamSocket probe;
        probe.connect(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, socketPath));
        throw std::runtime_error("another daemon is already serving " + socketPath);
    } catch (const Poco::Exception&) {
    }
    ::unlink(socketPath.c_str());
    Poco::Net::ServerSocket socket;
    socket.bind(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, socketPath), false);
    socket.listen(128);
    gid_t gid = 0;
    if (!group.empty()) {
        struct group* g = ::getgrnam(group.c_str());
        if (!g) throw std::runtime_error("unknown group '" + group + "' for the unix socket");
        gid = g->gr_gid;
    }
    if (::chown(socketPath.c_str(), 0, gid) != 0 || ::chmod(socketPath.c_str(), 0660) != 0)
        throw std::runtime_error("cannot set the owner and mode of " + socketPath + ": " + std::strerror(errno));
    serve(socket, nullptr);
}

HttpServer::HttpServer(const Router& router, const Poco::Net::ServerSocket& socket, Identify identify)
    : router_(router) {
    serve(socket, std::move(identify));
}

void HttpServer::serve(const Poco::Net::ServerSocket& socket, Identify identify) {
    pool_ = std::make_unique<Poco::ThreadPool>(4, kMaxThreads, kThreadIdleSeconds);
    idleThreads_.start(kCollectEvery, [this] {
        pool_->collect();
        // What the ended threads cached is free now.
        util::releaseFreeMemory();
        return std::chrono::duration_cast<std::chrono::milliseconds>(kCollectEvery);
    });
    Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(kMaxThreads);
    params->setMaxQueued(256);
    params->setKeepAlive(true);
    // Each read of a request (a stalled upload, say) waits this long; the head has kHeadTimeoutSeconds
    // in all, and an idle keep-alive connection kIdleTimeout before it is closed.
    params->setTimeout(kReadTimeout);
    params->setKeepAliveTimeout(kIdleTimeout);
    connections_ = new HttpConnectionFactory(params, new ApiHandlerFactory(router_, std::move(identify)));
    server_ = std::make_unique<Poco::Net::TCPServer>(connections_, *pool_, socket, params);
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::setConnectionFilter(const Poco::AutoPtr<Poco::Net::TCPServerConnectionFilter>& filter) {
    server_->setConnectionFilter(filter);
}

void HttpServer::start() { server_->start(); }

void HttpServer::stop() {
    idleThreads_.stop();
    if (server_) {
        server_->stop();
        connections_->stopAll(true);
        server_.reset();
    }
}

}  // namespace lxdp::api
