#include "lxc_notify_server.h"

#include "lxc_notify_syscalls.h"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <vector>

namespace lxdp_lxc {

namespace {

// liblxc's struct seccomp_notify_proxy_msg (lxcseccomp.h), the head of every message.
struct ProxyMsg {
    uint64_t reserved;
    pid_t monitor_pid;
    pid_t init_pid;
    seccomp_notif_sizes sizes;
    uint64_t cookie_len;
};
static_assert(sizeof(ProxyMsg) == 32, "liblxc's seccomp_notify_proxy_msg is 32 bytes");

constexpr size_t kCookieMax = 256; // ours are liblxc names: a project name, "_" and an instance name
constexpr size_t kMessageMin = sizeof(ProxyMsg) + sizeof(seccomp_notif) + sizeof(seccomp_notif_resp);
constexpr int kFdsPerMessage = 3;     // /proc/PID, /proc/PID/mem, the seccomp listener
constexpr int kMaxConnections = 4096; // one per running intercepting container
constexpr int kSendTimeoutS = 5;      // liblxc's monitor waits 30 s for an answer
constexpr size_t kCmdlineMax = 4096;

struct Message {
    ProxyMsg head{};
    seccomp_notif req{};
    seccomp_notif_resp resp{};
    char cookie[kCookieMax]{};
    std::vector<UniqueFd> fds;
    size_t size = 0;
    bool truncated = false;
};

// One message and the fds it carries; false once the peer is gone.
bool receive(int conn, Message &m) {
    iovec iov[] = {{&m.head, sizeof(m.head)}, {&m.req, sizeof(m.req)}, {&m.resp, sizeof(m.resp)},
                   {m.cookie, sizeof(m.cookie)}};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kFdsPerMessage)];
    msghdr hdr{};
    hdr.msg_iov = iov;
    hdr.msg_iovlen = 4;
    hdr.msg_control = control;
    hdr.msg_controllen = sizeof(control);
    ssize_t n;
    do
        n = recvmsg(conn, &hdr, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    for (cmsghdr *c = CMSG_FIRSTHDR(&hdr); n > 0 && c != nullptr; c = CMSG_NXTHDR(&hdr, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; i++) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            m.fds.emplace_back(fd);
        }
    }
    m.size = n > 0 ? size_t(n) : 0;
    m.truncated = (hdr.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0;
    return n > 0;
}

// What a well-formed message of this monitor holds: its own pid, the kernel's structure sizes
// (the ones we were built with), the cookie of its container, the three fds.
const char *invalid_reason(const Message &m, pid_t monitor, const std::string &name) {
    if (m.truncated || m.size < kMessageMin)
        return "a truncated message";
    if (m.head.reserved != 0)
        return "a reserved field set";
    if (m.head.sizes.seccomp_notif != sizeof(seccomp_notif) ||
        m.head.sizes.seccomp_notif_resp != sizeof(seccomp_notif_resp) ||
        m.head.sizes.seccomp_data != sizeof(seccomp_data))
        return "seccomp structure sizes other than the kernel's";
    if (m.head.cookie_len > kCookieMax || m.size != kMessageMin + m.head.cookie_len)
        return "a cookie of the wrong size";
    if (std::string_view(m.cookie, m.head.cookie_len) != name)
        return "another container's cookie";
    if (m.head.monitor_pid != monitor)
        return "another monitor's pid";
    if (m.fds.size() != kFdsPerMessage)
        return "the wrong number of fds";
    return nullptr;
}

bool send_answer(int conn, Message &m) {
    iovec iov[] = {{&m.head, sizeof(m.head)}, {&m.req, sizeof(m.req)}, {&m.resp, sizeof(m.resp)}};
    msghdr hdr{};
    hdr.msg_iov = iov;
    hdr.msg_iovlen = 3;
    ssize_t n;
    do
        n = sendmsg(conn, &hdr, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n == ssize_t(kMessageMin);
}

// The container whose liblxc monitor pid is ("[lxc monitor] LXCPATH NAME", the title liblxc
// gives it), or "" when pid is no monitor of ours.
std::string monitored_container(pid_t pid, const std::string &lxcpath) {
    UniqueFd fd(open(("/proc/" + std::to_string(pid) + "/cmdline").c_str(), O_RDONLY | O_CLOEXEC));
    char buf[kCmdlineMax];
    const ssize_t n = fd ? read(fd.get(), buf, sizeof(buf) - 1) : -1;
    if (n <= 0)
        return "";
    buf[n] = '\0';
    const std::string prefix = "[lxc monitor] " + lxcpath + " ";
    const std::string title(buf, strnlen(buf, size_t(n)));
    if (title.compare(0, prefix.size(), prefix) != 0)
        return "";
    return title.substr(prefix.size());
}

} // namespace

struct NotifyServer::Shared {
    UniqueFd stop{eventfd(0, EFD_CLOEXEC)};
    std::mutex mu;
    std::condition_variable idle;
    int connections = 0;
    const Driver *drv; // null once the server is gone: a connection stuck in a call may outlive it

    explicit Shared(const Driver &d) : drv(&d) {}
    void log(uint32_t level, const std::string &msg) {
        std::lock_guard<std::mutex> lock(mu);
        if (drv != nullptr)
            drv->log(level, "%s", msg.c_str());
    }
    // Waits until fd is readable; false once the server stops.
    bool wait_readable(int fd) const {
        pollfd p[] = {{fd, POLLIN, 0}, {stop.get(), POLLIN, 0}};
        while (poll(p, 2, -1) < 0)
            if (errno != EINTR)
                return false;
        return p[1].revents == 0;
    }
};

namespace {

void serve(std::shared_ptr<NotifyServer::Shared> shared, UniqueFd conn, pid_t monitor, std::string name,
           std::string container_dir) {
    const timeval timeout{kSendTimeoutS, 0};
    setsockopt(conn.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    while (shared->wait_readable(conn.get())) {
        Message m;
        if (!receive(conn.get(), m))
            break;
        if (const char *why = invalid_reason(m, monitor, name)) {
            shared->log(LXDP_LOG_WARN, "Seccomp notification from the monitor of " + name + " (pid " +
                                           std::to_string(monitor) + ") refused: " + why);
            // An empty answer: liblxc sees a short reply and answers the kernel itself at once.
            send(conn.get(), nullptr, 0, MSG_NOSIGNAL);
            continue;
        }
        m.resp.id = m.req.id;
        answer_notification(m.req, NotifyCaller{m.fds[0].get(), m.fds[1].get(), m.fds[2].get(), container_dir},
                            m.resp);
        if (!send_answer(conn.get(), m))
            break;
    }
    std::lock_guard<std::mutex> lock(shared->mu);
    shared->connections--;
    shared->idle.notify_all();
}

void accept_loop(std::shared_ptr<NotifyServer::Shared> shared, int listener, std::string lxcpath) {
    while (shared->wait_readable(listener)) {
        UniqueFd conn(accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
        if (!conn) {
            // Out of fds or memory: wait instead of spinning on a listener that stays readable.
            if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            continue;
        }
        ucred peer{};
        socklen_t len = sizeof(peer);
        const std::string name = getsockopt(conn.get(), SOL_SOCKET, SO_PEERCRED, &peer, &len) == 0 && peer.uid == 0
                                     ? monitored_container(peer.pid, lxcpath)
                                     : "";
        if (name.empty()) {
            shared->log(LXDP_LOG_WARN, "Seccomp socket: refused a connection of pid " + std::to_string(peer.pid) +
                                           " uid " + std::to_string(peer.uid) + ", not a monitor of ours");
            continue;
        }
        {
            std::lock_guard<std::mutex> lock(shared->mu);
            if (shared->connections >= kMaxConnections) {
                shared->drv->log(LXDP_LOG_WARN, "Seccomp socket: refused the monitor of %s, %d connections open",
                                 name.c_str(), shared->connections);
                continue;
            }
            shared->connections++;
        }
        std::thread(serve, shared, std::move(conn), peer.pid, name, lxcpath + "/" + name).detach();
    }
}

} // namespace

namespace {

std::string socket_path(const Driver &drv) {
    const std::string var_dir = host_config(drv.host(), LXDP_HOST_KEY_VAR_DIR);
    return var_dir.empty() ? "" : var_dir + "/seccomp.socket";
}

} // namespace

NotifyServer::NotifyServer(const Driver &drv) : socket_path_(socket_path(drv)), shared_(std::make_shared<Shared>(drv)) {}

NotifyServer::~NotifyServer() {
    if (acceptor_.joinable()) {
        const uint64_t one = 1;
        if (write(shared_->stop.get(), &one, sizeof(one)) != sizeof(one))
            shared_->log(LXDP_LOG_WARN, "Seccomp socket: failed to signal its threads to stop");
        acceptor_.join();
    }
    // Connections end at their next wait; one held in a call on a stuck file system is left
    // behind with the state it shares rather than holding the daemon's stop.
    std::unique_lock<std::mutex> lock(shared_->mu);
    shared_->idle.wait_for(lock, std::chrono::seconds(2), [&] { return shared_->connections == 0; });
    shared_->drv = nullptr;
}

void NotifyServer::listen() {
    std::lock_guard<std::mutex> lock(mu_);
    if (listener_)
        return;
    if (socket_path_.empty())
        fail(LXDP_E_NOTSUP, "System call interception needs the daemon's directory for its socket");
    seccomp_notif_sizes sizes{};
    if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) != 0)
        fail(LXDP_E_NOTSUP, "System call interception is not supported by this kernel (no seccomp notifications)");
    if (sizes.seccomp_notif != sizeof(seccomp_notif) || sizes.seccomp_notif_resp != sizeof(seccomp_notif_resp) ||
        sizes.seccomp_data != sizeof(seccomp_data))
        fail(LXDP_E_NOTSUP, "System call interception: the kernel's seccomp notification structures differ from "
                            "the ones the lxc driver was built with");
    if (!shared_->stop)
        fail_errno(errno, "Failed to make the seccomp socket's stop signal");
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (socket_path_.size() >= sizeof(addr.sun_path))
        fail(LXDP_E_INVAL, "%s is too long for a unix socket: system call interception is not possible",
             socket_path_.c_str());
    std::memcpy(addr.sun_path, socket_path_.c_str(), socket_path_.size() + 1);
    UniqueFd fd(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    if (!fd)
        fail_errno(errno, "Failed to make the seccomp socket");
    // A socket left by an earlier daemon is replaced; anything else there is not ours to remove.
    struct stat st {};
    if (lstat(socket_path_.c_str(), &st) == 0 && (!S_ISSOCK(st.st_mode) || unlink(socket_path_.c_str()) != 0))
        fail(LXDP_E_EXISTS, "%s exists and is not a socket the daemon can replace", socket_path_.c_str());
    // Nothing connects before listen(): the mode is set in between.
    if (bind(fd.get(), reinterpret_cast<const sockaddr *>(&addr), sizeof(addr)) != 0)
        fail_errno(errno, "Failed to bind %s", socket_path_.c_str());
    if (chmod(socket_path_.c_str(), 0600) != 0 || ::listen(fd.get(), SOMAXCONN) != 0) {
        const int err = errno;
        unlink(socket_path_.c_str());
        fail_errno(err, "Failed to listen on %s", socket_path_.c_str());
    }
    acceptor_ = std::thread(accept_loop, shared_, fd.get(), shared_->drv->lxcpath());
    listener_ = std::move(fd);
}

void NotifyServer::resume() {
    struct stat st {};
    if (lstat(socket_path_.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode))
        return;
    try {
        listen();
    } catch (const Error &e) {
        shared_->log(LXDP_LOG_WARN, std::string("Running containers' system call interception stays off: ") + e.what());
    }
}

} // namespace lxdp_lxc
