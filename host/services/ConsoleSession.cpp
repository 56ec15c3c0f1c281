#include "services/ConsoleSession.h"

#include <poll.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <thread>

#include "api/Request.h"
#include "api/WebSocket.h"
#include "services/TerminalSize.h"
#include "util/ApiError.h"

namespace lxdp::services {

namespace {
// Upstream waits this long for the client to attach its websockets.
constexpr auto kAttachTimeout = std::chrono::seconds(10);
}  // namespace

ConsoleSession::ConsoleSession(int width, int height)
    : width_(width), height_(height), secrets_{"0", "control"} {}

ConsoleSession::~ConsoleSession() {
    if (fd_ >= 0) ::close(fd_);
}

void ConsoleSession::end() {
    std::lock_guard lock(mutex_);
    ended_ = true;
    cv_.notify_all();
}

void ConsoleSession::serve(const std::string& secret, api::Request& request) {
    const std::string fd = secrets_.streamOf(secret);
    {
        std::lock_guard lock(mutex_);
        if (fd.empty() || attached_[fd] || ended_) throw Forbidden("Invalid websocket secret");
    }
    api::WebSocket ws(request);
    {
        std::unique_lock lock(mutex_);
        attached_[fd] = true;
        cv_.notify_all();
        cv_.wait(lock, [&] { return started_ || ended_.load(); });
        if (ended_) return;
    }
    if (fd == "0") mirror(ws);
    else control(ws);
}

// Console output to the client while its keys go to the console; either side's end ends both.
void ConsoleSession::mirror(api::WebSocket& ws) {
    std::thread output([&] {
        char buf[65536];
        while (!ended_) {
            struct pollfd p {fd_, POLLIN, 0};
            const int r = ::poll(&p, 1, 200);
            if (r < 0 && errno == EINTR) continue;
            if (r < 0) break;
            if (r == 0) continue;
            const ssize_t n = ::read(fd_, buf, sizeof buf);
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            // EIO: liblxc's monitor let the console go (the instance stopped).
            if (n <= 0 || !ws.sendBinary(buf, static_cast<size_t>(n))) break;
        }
        end();
    });
    while (!ended_) {
        auto msg = ws.receive(200);
        if (!msg) continue;
        if (msg->kind == api::WebSocket::Kind::Closed) break;
        const char* p = msg->data.data();
        size_t left = msg->data.size();
        while (left > 0) {
            const ssize_t n = ::write(fd_, p, left);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            p += n;
            left -= static_cast<size_t>(n);
        }
    }
    end();
    output.join();
    ws.shutdown();
}

// The lxc client detaches (ctrl+a q) by closing this websocket.
void ConsoleSession::control(api::WebSocket& ws) {
    while (!ended_) {
        auto msg = ws.receive(200);
        if (!msg) continue;
        if (msg->kind == api::WebSocket::Kind::Closed) break;
        if (msg->kind != api::WebSocket::Kind::Text) continue;
        try {
            const auto j = nlohmann::json::parse(msg->data);
            if (j.value("command", "") == "window-resize")
                resizeTerminal(fd_, std::stoi(j["args"].value("width", "80")), std::stoi(j["args"].value("height", "24")));
        } catch (const std::exception&) {
            // A malformed control message is ignored, as upstream does.
        }
    }
    end();
}

void ConsoleSession::run(int consoleFd) {
    std::unique_lock lock(mutex_);
    fd_ = consoleFd;
    if (!cv_.wait_for(lock, kAttachTimeout, [&] { return attached_["0"] && attached_["control"]; })) {
        ended_ = true;
        cv_.notify_all();
        throw BadRequest("Timed out waiting for the client to attach its websockets");
    }
    resizeTerminal(fd_, width_, height_);
    started_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return ended_.load(); });
}

}  // namespace lxdp::services
