#include "services/MigrationRsync.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <optional>
#include <thread>

#include <lxdp/abi.h>

#include "api/WebSocket.h"
#include "plugins/CommandRunner.h"
#include "util/ApiError.h"
#include "util/ClosingFd.h"
#include "util/Random.h"

namespace lxdp::services {

namespace {

using Clock = std::chrono::steady_clock;

// How long the sending rsync may take to reach our socket through its remote shell, and how
// long a peer whose side of a transfer ended may take to send its barrier.
constexpr auto kConnectTimeout = std::chrono::seconds(10);
constexpr auto kBarrierTimeout = std::chrono::seconds(30);

// Upstream's rsync arguments for its feature names.
std::vector<std::string> featureArgs(const std::vector<std::string>& features) {
    std::vector<std::string> args;
    auto has = [&](const char* name) { return std::find(features.begin(), features.end(), name) != features.end(); };
    if (has("xattrs")) args.insert(args.end(), {"--xattrs", "--filter=-x security.selinux"});
    if (has("delete")) args.push_back("--delete");
    if (has("compress")) args.insert(args.end(), {"--compress", "--compress-level=2"});
    return args;
}

// rsync run to its end on a thread of its own, the websocket side being served meanwhile.
class RsyncRun {
public:
    // atExit runs on rsync's thread as soon as it ended (and its output was forwarded).
    RsyncRun(std::vector<std::string> args, int stdinFd, const lxdp_byte_sink* out, std::function<void()> atExit = {})
        : args_(std::move(args)), atExit_(std::move(atExit)), thread_([this, stdinFd, out] { run(stdinFd, out); }) {}
    ~RsyncRun() {
        if (thread_.joinable()) thread_.join();
    }
    bool done() const { return done_; }
    // Waits for the end; the failure names what rsync said.
    void finish(const std::string& what) {
        if (thread_.joinable()) thread_.join();
        if (status_ != 0)
            throw InternalError(what + " failed: rsync exited with status " + std::to_string(status_) +
                                (error_.empty() ? "" : " (" + error_ + ")"));
    }

private:
    void run(int stdinFd, const lxdp_byte_sink* out) {
        std::vector<const char*> argv;
        for (const auto& a : args_) argv.push_back(a.c_str());
        argv.push_back(nullptr);
        lxdp_command cmd{sizeof(lxdp_command), 0, argv.data(), nullptr, out, nullptr, stdinFd, 0};
        lxdp_error err{};
        int32_t status = 0;
        if (plugins::runCommand(cmd, nullptr, &status, &err) != LXDP_OK) status = status != 0 ? status : -1;
        error_ = err.message;
        status_ = status;
        if (atExit_) atExit_();
        done_ = true;
    }

    const std::vector<std::string> args_;
    const std::function<void()> atExit_;
    std::atomic<bool> done_{false};
    int32_t status_ = 0;
    std::string error_;
    std::thread thread_;
};

bool writeAll(int fd, const std::string& data) {
    const char* p = data.data();
    size_t left = data.size();
    while (left > 0) {
        const ssize_t n = ::send(fd, p, left, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            // A pipe, not a socket (the receiving rsync's stdin).
            const ssize_t w = n < 0 && errno == ENOTSOCK ? ::write(fd, p, left) : -1;
            if (w <= 0) return false;
            p += w;
            left -= static_cast<size_t>(w);
            continue;
        }
        p += n;
        left -= static_cast<size_t>(n);
    }
    return true;
}

// The peer's half of a transfer: its binary messages go to fd until its barrier, which ends
// fd's writing side (endInput). After rsync ended, the barrier is awaited a while longer;
// false when the peer closed or never sent it.
bool relayPeerData(api::WebSocket& ws, int fd, const RsyncRun& rsync, const std::function<void()>& endInput) {
    bool inputOpen = true;
    std::optional<Clock::time_point> endedAt;
    for (;;) {
        auto msg = ws.receive(200);
        if (!msg) {
            if (!rsync.done()) continue;
            if (!endedAt) endedAt = Clock::now();
            if (Clock::now() - *endedAt > kBarrierTimeout) break;
            continue;
        }
        if (msg->kind == api::WebSocket::Kind::Closed) break;
        if (msg->kind == api::WebSocket::Kind::Text) {
            endInput();
            return true;
        }
        // Once rsync is gone what still comes is dropped; its exit status tells the failure.
        if (inputOpen && !writeAll(fd, msg->data)) inputOpen = false;
    }
    endInput();
    return false;
}

int32_t sendToWebSocket(void* ctx, const void* data, size_t len) {
    return static_cast<api::WebSocket*>(ctx)->sendBinary(data, len) ? 0 : 1;
}

}  // namespace

void sendTreeOverWebSocket(api::WebSocket& ws, const std::string& path, const std::vector<std::string>& features,
                           const std::string& bwlimit, const std::string& exePath) {
    // The remote shell reaches us through an abstract socket of a random name, as upstream's.
    const std::string name = "lxdp/" + util::randomSecret().substr(0, 32);
    const util::ClosingFd listener{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path + 1, name.data(), name.size());
    const auto addrLen = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    if (listener.fd < 0 || ::bind(listener.fd, reinterpret_cast<sockaddr*>(&addr), addrLen) != 0 ||
        ::listen(listener.fd, 1) != 0)
        throw InternalError(std::string("Failed to listen for rsync: ") + std::strerror(errno));

    std::vector<std::string> args = {"rsync", "-ar", "--devices", "--numeric-ids", "--partial", "--sparse"};
    if (!bwlimit.empty()) args.insert(args.end(), {"--bwlimit", bwlimit});
    for (auto& a : featureArgs(features)) args.push_back(std::move(a));
    // The destination path is the receiver's: its `rsync --server` ignores this one.
    args.insert(args.end(), {path + "/", "localhost:/tmp/foo", "-e", exePath + " netcat @" + name + " --"});
    RsyncRun rsync(args, 0, nullptr);

    util::ClosingFd conn{-1};
    const auto deadline = Clock::now() + kConnectTimeout;
    while (conn.fd < 0 && !rsync.done() && Clock::now() < deadline) {
        pollfd p{listener.fd, POLLIN, 0};
        if (::poll(&p, 1, 100) > 0) conn.fd = ::accept4(listener.fd, nullptr, nullptr, SOCK_CLOEXEC);
    }
    if (conn.fd < 0) {
        ws.sendText("");  // the receiver's rsync must not wait for us
        rsync.finish("Sending " + path);
        throw InternalError("Sending " + path + " failed: rsync did not start its transfer");
    }
    // rsync's output to the receiver, then our barrier.
    std::thread out([&] {
        char buf[1 << 16];
        for (;;) {
            const ssize_t n = ::read(conn.fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0 || !ws.sendBinary(buf, static_cast<size_t>(n))) break;
        }
        ws.sendText("");
    });
    const bool complete = relayPeerData(ws, conn.fd, rsync, [&] { ::shutdown(conn.fd, SHUT_WR); });
    if (!complete) ::shutdown(conn.fd, SHUT_RDWR);
    out.join();
    rsync.finish("Sending " + path);
    if (!complete) throw InternalError("Sending " + path + " failed: the receiver went away");
}

void receiveTreeOverWebSocket(api::WebSocket& ws, const std::string& path, const std::vector<std::string>& features) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw InternalError(std::string("pipe: ") + std::strerror(errno));
    const util::ClosingFd input{fds[0]};
    util::ClosingFd feed{fds[1]};
    std::vector<std::string> args = {"rsync", "--server", "-vlogDtpre.iLsfx", "--numeric-ids", "--devices",
                                     "--partial", "--sparse", "--modify-window=-1"};
    for (auto& a : featureArgs(features)) args.push_back(std::move(a));
    args.insert(args.end(), {".", path});
    const lxdp_byte_sink out{sizeof(lxdp_byte_sink), 0, sendToWebSocket, &ws};
    // Once rsync's output has all gone, our barrier ends the transfer for the sender, whose
    // barrier then follows.
    RsyncRun rsync(args, input.fd, &out, [&ws] { ws.sendText(""); });
    const bool complete = relayPeerData(ws, feed.fd, rsync, [&] {
        ::close(feed.fd);
        feed.fd = -1;
    });
    rsync.finish("Receiving " + path);
    if (!complete) throw InternalError("Receiving " + path + " failed: the sender went away");
}

int runMigrationNetcat(const std::string& socketName) {
    if (socketName.size() < 2 || socketName[0] != '@' || socketName.size() > sizeof(sockaddr_un::sun_path) - 1) return 1;
    const util::ClosingFd sock{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path + 1, socketName.data() + 1, socketName.size() - 1);
    const auto addrLen = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socketName.size());
    if (sock.fd < 0 || ::connect(sock.fd, reinterpret_cast<sockaddr*>(&addr), addrLen) != 0) return 1;
    // stdin to the daemon on a thread; the daemon's data to stdout until it ends, which ends us.
    std::thread in([fd = sock.fd] {
        char buf[1 << 16];
        for (;;) {
            const ssize_t n = ::read(0, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0 || !writeAll(fd, std::string(buf, static_cast<size_t>(n)))) break;
        }
        ::shutdown(fd, SHUT_WR);
    });
    in.detach();
    char buf[1 << 16];
    for (;;) {
        const ssize_t n = ::read(sock.fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || !writeAll(1, std::string(buf, static_cast<size_t>(n)))) break;
    }
    ::_exit(0);
}

}  // namespace lxdp::services
