#include "api/HttpConnection.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Delegate.h>
#include <Poco/Mutex.h>
#include <Poco/Net/SocketImpl.h>
#include <Poco/Timestamp.h>

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>
#include <memory>

namespace lxdp::api {

namespace {

using namespace Poco::Net;

// Shuts the socket of a connection whose request head is overdue: the blocked read then ends
// as if the peer had closed. (Poco reads the head through non-virtual calls, so the deadline
// cannot be checked inside the session.) One thread for all connections; it checks four
// times a second, and a connection disarms before its socket closes, so an fd is never reused
// under it.
class HeadWatchdog {
public:
    using Clock = std::chrono::steady_clock;

    static HeadWatchdog& instance() {
        static HeadWatchdog* watchdog = new HeadWatchdog;  // lives as long as the process
        return *watchdog;
    }

    uint64_t arm(int fd, std::chrono::seconds within) {
        std::lock_guard lock(mutex_);
        armed_[++last_] = {Clock::now() + within, fd};
        return last_;
    }
    void disarm(uint64_t id) {
        std::lock_guard lock(mutex_);
        armed_.erase(id);
    }

private:
    HeadWatchdog() {
        std::thread([this] {
            for (;;) {
                std::this_thread::sleep_for(std::chrono::milliseconds(250));
                std::lock_guard lock(mutex_);
                const auto now = Clock::now();
                for (auto it = armed_.begin(); it != armed_.end();) {
                    if (it->second.first > now) {
                        ++it;
                        continue;
                    }
                    ::shutdown(it->second.second, SHUT_RDWR);
                    it = armed_.erase(it);
                }
            }
        }).detach();
    }

    std::mutex mutex_;
    uint64_t last_ = 0;
    std::map<uint64_t, std::pair<Clock::time_point, int>> armed_;
};

// Arms the watchdog for one request head, disarms when the head is read or reading it failed.
class HeadDeadline {
public:
    explicit HeadDeadline(const StreamSocket& socket)
        : id_(HeadWatchdog::instance().arm(socket.impl()->sockfd(), std::chrono::seconds(kHeadTimeoutSeconds))) {}
    ~HeadDeadline() { disarm(); }
    void disarm() {
        if (id_) HeadWatchdog::instance().disarm(id_);
        id_ = 0;
    }

private:
    uint64_t id_;
};

// Poco's HTTPServerSession, waiting for the requests after the first with poll(2): Poco's
// Socket::poll creates, arms and closes an epoll instance per call, three of the ten system calls
// a keep-alive GET /1.0 cost. The first request goes through Poco's own wait, which also counts
// it for canKeepAlive(); the next ones get Poco's keep-alive timeout.
class ServerSession : public HTTPServerSession {
public:
    ServerSession(const StreamSocket& socket, const HTTPServerParams::Ptr& params)
        : HTTPServerSession(socket, params), keepAliveTimeout_(params->getKeepAliveTimeout()) {}

    bool hasMoreRequests() {
        if (first_) {
            first_ = false;
            return HTTPServerSession::hasMoreRequests();
        }
        return socket().impl()->initialized() && canKeepAlive() && getKeepAlive() &&
               (buffered() > 0 || readable(keepAliveTimeout_));
    }

private:
    bool readable(const Poco::Timespan& within) {
        pollfd p{socket().impl()->sockfd(), POLLIN, 0};
        int ready;
        do ready = ::poll(&p, 1, static_cast<int>(within.totalMilliseconds()));
        while (ready < 0 && errno == EINTR);
        return ready > 0;
    }

    const Poco::Timespan keepAliveTimeout_;
    bool first_ = true;
};

class HttpConnection : public TCPServerConnection {
public:
    // The factory outlives its connections: the server's dispatcher holds it until the last ends.
    HttpConnection(const StreamSocket& socket, HTTPServerParams::Ptr params, HTTPRequestHandlerFactory::Ptr handlers,
                   HttpConnectionFactory& factory)
        : TCPServerConnection(socket), params_(std::move(params)), handlers_(std::move(handlers)), factory_(factory) {
        factory_.stopping += Poco::delegate(this, &HttpConnection::onServerStopped);
    }
    ~HttpConnection() override {
        try {
            factory_.stopping -= Poco::delegate(this, &HttpConnection::onServerStopped);
        } catch (...) {
        }
    }

    // Poco's HTTPServerConnection::run, with the head deadline armed around each request head.
    void run() override {
        ServerSession session(socket(), params_);
        while (!stopped_ && session.hasMoreRequests()) {
            try {
                Poco::FastMutex::ScopedLock lock(mutex_);
                if (stopped_) break;
                HTTPServerResponseImpl response(session);
                HeadDeadline deadline(socket());
                HTTPServerRequestImpl request(response, session, params_);
                deadline.disarm();
                response.setDate(Poco::Timestamp());
                response.setVersion(request.getVersion());
                response.setKeepAlive(params_->getKeepAlive() && request.getKeepAlive() && session.canKeepAlive());
                try {
                    std::unique_ptr<HTTPRequestHandler> handler(handlers_->createRequestHandler(request));
                    if (!handler) {
                        sendError(session, HTTPResponse::HTTP_NOT_IMPLEMENTED);
                        continue;
                    }
                    if (request.getExpectContinue() && response.getStatus() == HTTPResponse::HTTP_OK)
                        response.sendContinue();
                    handler->handleRequest(request, response);
                    session.setKeepAlive(params_->getKeepAlive() && response.getKeepAlive() && session.canKeepAlive());
                } catch (const Poco::Exception&) {
                    if (!response.sent()) {
                        try {
                            sendError(session, HTTPResponse::HTTP_INTERNAL_SERVER_ERROR);
                        } catch (...) {
                        }
                    }
                    throw;
                }
            } catch (const NoMessageException&) {
                break;
            } catch (const MessageException&) {
                try {  // the watchdog may have shut the socket: then there is no one to answer
                    sendError(session, HTTPResponse::HTTP_BAD_REQUEST);
                } catch (const Poco::Exception&) {
                    break;
                }
            } catch (const Poco::Exception&) {
                if (session.networkException()) session.networkException()->rethrow();
                throw;
            }
        }
    }

private:
    void sendError(HTTPServerSession& session, HTTPResponse::HTTPStatus status) {
        HTTPServerResponseImpl response(session);
        response.setVersion(HTTPMessage::HTTP_1_1);
        response.setStatusAndReason(status);
        response.setKeepAlive(false);
        response.send();
        session.setKeepAlive(false);
    }

    void onServerStopped(const bool& abortCurrent) {
        stopped_ = true;
        if (abortCurrent) {
            try {
                socket().shutdown();  // wakes a handler blocked on this connection
            } catch (...) {
            }
        } else {
            Poco::FastMutex::ScopedLock lock(mutex_);  // let the current request finish
        }
    }

    HTTPServerParams::Ptr params_;
    HTTPRequestHandlerFactory::Ptr handlers_;
    HttpConnectionFactory& factory_;
    Poco::FastMutex mutex_;
    std::atomic<bool> stopped_{false};
};

}  // namespace

Poco::Net::TCPServerConnection* HttpConnectionFactory::createConnection(const Poco::Net::StreamSocket& socket) {
    return new HttpConnection(socket, params_, handlers_, *this);
}

}  // namespace lxdp::api
