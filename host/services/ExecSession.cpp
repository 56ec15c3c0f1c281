#include "services/ExecSession.h"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <Poco/Logger.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <thread>

#include "api/Request.h"
#include "api/WebSocket.h"
#include "services/TerminalSize.h"
#include "util/ApiError.h"

namespace lxdp::services {

namespace {
// Upstream waits this long for the client to attach its streams.
constexpr int kAttachTimeoutMs = 10000;
// After the command exits, how long its output may keep flowing (a background child can hold
// the pipes open forever).
constexpr int kDrainTimeoutMs = 2000;
// How long an output stream that has sent its end stays open for the client to read it and close
// it: a loaded client reads late, and our close before its read would lose the output
// (WebSocket::awaitPeerClose). The operation does not wait for this.
constexpr int kPeerCloseTimeoutMs = 10000;

void closeFd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
}

// The command's terminal: one the driver opens in the instance, so that the command sees its own
// /dev/pts/N (and tty names it), else one of the host's devpts, which works but has no name in the
// instance.
plugins::TerminalFds openTerminal(const plugins::InstanceDriver& driver, const plugins::InstanceRef& ref) {
    if (auto fds = driver.openTerminal(ref)) return *fds;
    plugins::TerminalFds fds;
    if (::openpty(&fds.master, &fds.terminal, nullptr, nullptr, nullptr) != 0)
        throw InternalError("Cannot allocate a terminal");
    // Neither side may leak into a process another thread starts meanwhile: a stray copy of the
    // terminal side would keep the master from ever reporting the command's end.
    ::fcntl(fds.master, F_SETFD, FD_CLOEXEC);
    ::fcntl(fds.terminal, F_SETFD, FD_CLOEXEC);
    return fds;
}
}  // namespace

ExecSession::ExecSession(bool interactive, int width, int height)
    : interactive_(interactive),
      width_(width),
      height_(height),
      secrets_(interactive ? WebSocketSecrets{"0", "control"} : WebSocketSecrets{"0", "1", "2", "control"}) {}

ExecSession::~ExecSession() {
    closeFd(stdinFd_);
    closeFd(stdoutFd_);
    closeFd(stderrFd_);
    closeFd(ptyFd_);
}

bool ExecSession::waitFor(const std::function<bool()>& ready, int timeoutMs) {
    std::unique_lock lock(mutex_);
    if (timeoutMs < 0) {
        cv_.wait(lock, ready);
        return true;
    }
    return cv_.wait_for(lock, std::chrono::milliseconds(timeoutMs), ready);
}

void ExecSession::setPhase(Phase p) {
    std::lock_guard lock(mutex_);
    phase_ = p;
    cv_.notify_all();
}

void ExecSession::serve(const std::string& secret, api::Request& request) {
    const std::string fd = secrets_.streamOf(secret);
    {
        std::lock_guard lock(mutex_);
        if (fd.empty() || attached_[fd] || phase_ == Phase::Finished || phase_ == Phase::Aborted)
            throw Forbidden("Invalid websocket secret");
    }
    api::WebSocket ws(request);
    {
        std::lock_guard lock(mutex_);
        attached_[fd] = true;
        cv_.notify_all();
    }
    // Streams start only once the command runs (pylxd never attaches control: don't wait on it).
    waitFor([&] { return phase_ != Phase::Waiting; }, -1);
    if (phase_ == Phase::Aborted) return;
    if (fd == "control") pumpControl(ws);
    else if (interactive_) pumpTerminal(ws);
    else if (fd == "0") pumpStdin(ws);
    else {
        pumpOutput(ws, fd == "1" ? stdoutFd_ : stderrFd_, fd);
        ws.awaitPeerClose(kPeerCloseTimeoutMs);
    }
}

void ExecSession::pumpStdin(api::WebSocket& ws) {
    for (;;) {
        auto msg = ws.receive(200);
        if (!msg) {
            std::lock_guard lock(mutex_);
            if (phase_ == Phase::Finished && done_["1"] && done_["2"]) break;
            continue;
        }
        if (msg->kind == api::WebSocket::Kind::Closed) break;
        // An empty text message is the client's end of input.
        if (msg->kind == api::WebSocket::Kind::Text && msg->data.empty()) {
            std::lock_guard lock(mutex_);
            closeFd(stdinFd_);
            continue;
        }
        int fd;
        {
            std::lock_guard lock(mutex_);
            fd = stdinFd_;
        }
        const char* p = msg->data.data();
        size_t left = msg->data.size();
        while (fd >= 0 && left > 0) {
            ssize_t n = ::write(fd, p, left);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;  // the command closed its stdin
            p += n;
            left -= static_cast<size_t>(n);
        }
    }
    std::lock_guard lock(mutex_);
    closeFd(stdinFd_);
}

void ExecSession::pumpOutput(api::WebSocket& ws, int fd, const std::string& name) {
    char buf[65536];
    const char* why = nullptr;  // set when the stream ends otherwise than at end of file
    bool eof = false;
    while (!eof && !why && !stopPumps_) {
        struct pollfd p {fd, POLLIN, 0};
        int r = ::poll(&p, 1, 200);
        if (r == 0 || (r < 0 && errno == EINTR)) continue;
        if (r < 0) {
            why = "poll failed";
            break;
        }
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        // A terminal's master reads EIO, not 0, once nothing holds the terminal side any more.
        if (n < 0 && errno == EIO && interactive_) eof = true;
        else if (n < 0) why = "read failed";
        else if (n == 0) eof = true;
        else if (!ws.sendBinary(buf, static_cast<size_t>(n))) why = "the client is gone";
    }
    // Stopped while the pipe is still open (a background process holds it): what the pipe holds
    // now is still sent, but no more, since that process may write forever.
    if (!eof && !why) {
        why = "stopped while the pipe was still open";
        int left = 0;
        if (::ioctl(fd, FIONREAD, &left) != 0) left = 0;
        while (left > 0) {
            ssize_t n = ::read(fd, buf, std::min(sizeof buf, static_cast<size_t>(left)));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0 || !ws.sendBinary(buf, static_cast<size_t>(n))) break;
            left -= static_cast<int>(n);
        }
    }
    if (!ws.sendText("")) why = "the client is gone";  // end of stream
    if (why) Poco::Logger::get("exec").warning("exec stream %s ended early: %s", name, std::string(why));
    std::lock_guard lock(mutex_);
    done_[name] = true;
    cv_.notify_all();
}

void ExecSession::pumpControl(api::WebSocket& ws) {
    for (;;) {
        auto msg = ws.receive(200);
        if (!msg) {
            std::lock_guard lock(mutex_);
            if (phase_ == Phase::Finished) break;
            continue;
        }
        if (msg->kind == api::WebSocket::Kind::Closed) break;
        if (msg->kind != api::WebSocket::Kind::Text) continue;
        try {
            auto j = nlohmann::json::parse(msg->data);
            std::string command = j.value("command", "");
            if (command == "signal" && process_) {
                process_->signal(j.value("signal", 15));
            } else if (command == "window-resize" && ptyFd_ >= 0) {
                resizeTerminal(ptyFd_, std::stoi(j["args"].value("width", "80")), std::stoi(j["args"].value("height", "24")));
            }
        } catch (const std::exception&) {
            // A malformed control message is ignored, as upstream does.
        }
    }
}

void ExecSession::pumpTerminal(api::WebSocket& ws) {
    std::thread output([&] { pumpOutput(ws, ptyFd_, "1"); });
    bool clientGone = false;
    for (;;) {
        auto msg = ws.receive(200);
        if (!msg) {
            std::lock_guard lock(mutex_);
            if (phase_ == Phase::Finished && done_["1"]) break;
            continue;
        }
        if (msg->kind == api::WebSocket::Kind::Closed) {
            clientGone = true;
            break;
        }
        if (msg->data.empty()) continue;
        const char* p = msg->data.data();
        size_t left = msg->data.size();
        while (left > 0) {
            ssize_t n = ::write(ptyFd_, p, left);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            p += n;
            left -= static_cast<size_t>(n);
        }
    }
    stopPumps_ = true;
    output.join();
    if (!clientGone) ws.awaitPeerClose(kPeerCloseTimeoutMs);
}

bool ExecSession::outputsDone() { return interactive_ ? done_["1"] : done_["1"] && done_["2"]; }

int ExecSession::run(const plugins::InstanceDriver& driver, const plugins::InstanceRef& ref, plugins::ExecSpec spec) {
    bool ready = waitFor([&] { return interactive_ ? attached_["0"] : attached_["0"] && attached_["1"] && attached_["2"]; },
                         kAttachTimeoutMs);
    if (!ready) {
        setPhase(Phase::Aborted);
        throw BadRequest("Timed out waiting for the client to attach its websockets");
    }
    int childFds[3] = {-1, -1, -1};
    if (interactive_) {
        plugins::TerminalFds terminal;
        try {
            terminal = openTerminal(driver, ref);
        } catch (...) {
            setPhase(Phase::Aborted);
            throw;
        }
        ptyFd_ = terminal.master;
        resizeTerminal(ptyFd_, width_, height_);
        childFds[0] = childFds[1] = childFds[2] = terminal.terminal;
    } else {
        int in[2], out[2], err[2];
        if (::pipe2(in, O_CLOEXEC) || ::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC)) {
            setPhase(Phase::Aborted);
            throw InternalError("Cannot create pipes for the command");
        }
        stdinFd_ = in[1];
        stdoutFd_ = out[0];
        stderrFd_ = err[0];
        childFds[0] = in[0];
        childFds[1] = out[1];
        childFds[2] = err[1];
    }
    spec.stdinFd = childFds[0];
    spec.stdoutFd = childFds[1];
    spec.stderrFd = childFds[2];
    try {
        process_ = driver.exec(ref, spec);
    } catch (...) {
        for (int i = 0; i < (interactive_ ? 1 : 3); ++i) ::close(childFds[i]);
        setPhase(Phase::Aborted);
        throw;
    }
    // Our copies of the child's ends must go, or the pipes never reach end-of-file.
    for (int i = 0; i < (interactive_ ? 1 : 3); ++i) ::close(childFds[i]);
    setPhase(Phase::Running);

    int code = process_->wait();
    if (!waitFor([&] { return outputsDone(); }, kDrainTimeoutMs)) {
        stopPumps_ = true;
        waitFor([&] { return outputsDone(); }, kDrainTimeoutMs);
    }
    setPhase(Phase::Finished);
    return code;
}

}  // namespace lxdp::services
