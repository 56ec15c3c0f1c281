#include "services/ProxyDevices.h"

#include <Poco/Logger.h>

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include "util/ApiError.h"

namespace lxdp::services {

namespace {

std::string valueOf(const db::StringMap& m, const std::string& key) {
    auto it = m.find(key);
    return it == m.end() ? std::string() : it->second;
}

bool isTrueValue(const std::string& v) { return v == "true" || v == "1" || v == "yes" || v == "on"; }

struct Endpoint {
    std::string proto;  // "tcp" or "unix"
    std::string host;   // tcp
    std::string port;   // tcp
    std::string path;   // unix
};

Endpoint parseEndpoint(const std::string& device, const std::string& key, const std::string& value) {
    const auto colon = value.find(':');
    Endpoint e;
    e.proto = value.substr(0, colon);
    const std::string rest = colon == std::string::npos ? "" : value.substr(colon + 1);
    const auto bad = [&](const std::string& why) {
        return BadRequest("Device \"" + device + "\": " + key + " \"" + value + "\": " + why);
    };
    if (e.proto == "unix") {
        if (rest.empty() || rest.front() != '/') throw bad("expected unix:/absolute/path");
        e.path = rest;
        return e;
    }
    if (e.proto == "udp") throw bad("udp proxies are not supported yet");
    if (e.proto != "tcp") throw bad("expected tcp:<address>:<port> or unix:<path>");
    const auto lastColon = rest.rfind(':');
    if (lastColon == std::string::npos || lastColon + 1 == rest.size()) throw bad("missing port");
    e.host = rest.substr(0, lastColon);
    e.port = rest.substr(lastColon + 1);
    if (e.host.size() >= 2 && e.host.front() == '[' && e.host.back() == ']') e.host = e.host.substr(1, e.host.size() - 2);
    if (e.host.empty()) throw bad("missing address");
    if (e.port.find_first_not_of("0123456789") != std::string::npos || e.port.size() > 5 || std::stoul(e.port) > 65535)
        throw bad("port ranges and lists are not supported yet, one port only");
    return e;
}

struct Fd {
    int fd = -1;
    Fd() = default;
    explicit Fd(int f) : fd(f) {}
    Fd(Fd&& o) noexcept : fd(o.fd) { o.fd = -1; }
    Fd& operator=(Fd&& o) noexcept {
        std::swap(fd, o.fd);
        return *this;
    }
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

// socket() inside the network namespace of pid (0: the daemon's own), from a thread that
// enters it and ends: the socket stays in that namespace, the daemon's threads never leave theirs.
Fd socketIn(int64_t pid, int family, int type) {
    if (pid == 0) return Fd(::socket(family, type | SOCK_CLOEXEC, 0));
    Fd ns(::open(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC));
    if (ns.fd < 0) return Fd();
    int fd = -1, err = 0;
    std::thread([&] {
        if (::setns(ns.fd, CLONE_NEWNET) != 0) err = errno;
        else if ((fd = ::socket(family, type | SOCK_CLOEXEC, 0)) < 0) err = errno;
    }).join();
    errno = err;
    return Fd(fd);
}

// A unix path as seen from the side's mount namespace: the instance's through /proc/PID/root.
std::string unixPath(int64_t pid, const std::string& path) {
    return pid == 0 ? path : "/proc/" + std::to_string(pid) + "/root" + path;
}

// The socket address of an endpoint; tcp addresses are numeric or resolved on the host.
bool socketAddress(const Endpoint& e, int64_t pid, sockaddr_storage& ss, socklen_t& len, int& family) {
    std::memset(&ss, 0, sizeof ss);
    if (e.proto == "unix") {
        const std::string p = unixPath(pid, e.path);
        auto* sun = reinterpret_cast<sockaddr_un*>(&ss);
        if (p.size() >= sizeof sun->sun_path) {
            errno = ENAMETOOLONG;
            return false;
        }
        sun->sun_family = AF_UNIX;
        std::memcpy(sun->sun_path, p.c_str(), p.size() + 1);
        len = sizeof(sockaddr_un);
        family = AF_UNIX;
        return true;
    }
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* res = nullptr;
    if (::getaddrinfo(e.host.c_str(), e.port.c_str(), &hints, &res) != 0 || res == nullptr) {
        errno = EADDRNOTAVAIL;
        return false;
    }
    std::memcpy(&ss, res->ai_addr, res->ai_addrlen);
    len = res->ai_addrlen;
    family = res->ai_family;
    ::freeaddrinfo(res);
    return true;
}

// Copies bytes both ways until either side closes or stop is signalled.
void pump(Fd a, Fd b, std::shared_ptr<Fd> stop) {
    char buf[16384];
    bool aOpen = true, bOpen = true;
    while (aOpen || bOpen) {
        pollfd fds[3] = {{aOpen ? a.fd : -1, POLLIN, 0}, {bOpen ? b.fd : -1, POLLIN, 0}, {stop->fd, POLLIN, 0}};
        if (::poll(fds, 3, -1) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if (fds[2].revents != 0) return;
        for (int i = 0; i < 2; i++) {
            if (fds[i].revents == 0) continue;
            const int from = i == 0 ? a.fd : b.fd, to = i == 0 ? b.fd : a.fd;
            const ssize_t n = ::read(from, buf, sizeof buf);
            if (n <= 0) {
                // Half-close: the other side sees the end of this direction.
                ::shutdown(to, SHUT_WR);
                (i == 0 ? aOpen : bOpen) = false;
                continue;
            }
            for (ssize_t off = 0; off < n;) {
                const ssize_t w = ::send(to, buf + off, size_t(n - off), MSG_NOSIGNAL);
                if (w <= 0) return;
                off += w;
            }
        }
    }
}

}  // namespace

// One proxy device: its listener and the connections it accepted.
class ProxyForwarder {
public:
    ProxyForwarder(std::string device, db::StringMap config, int64_t pid)
        : device_(std::move(device)), config_(std::move(config)), pid_(pid), stop_(std::make_shared<Fd>(::eventfd(0, EFD_CLOEXEC))) {
        const bool bindInstance = valueOf(config_, "bind") == "instance";
        listenPid_ = bindInstance ? pid : 0;
        connectPid_ = bindInstance ? 0 : pid;
        listen_ = parseEndpoint(device_, "listen", valueOf(config_, "listen"));
        connect_ = parseEndpoint(device_, "connect", valueOf(config_, "connect"));
        sockaddr_storage ss;
        socklen_t len;
        int family;
        const auto fail = [&](const std::string& what) {
            return BadRequest("Device \"" + device_ + "\": " + what + ": " + std::strerror(errno));
        };
        if (!socketAddress(listen_, listenPid_, ss, len, family)) throw fail("cannot listen on " + valueOf(config_, "listen"));
        listenFd_ = socketIn(listenPid_, family, SOCK_STREAM);
        if (listenFd_.fd < 0) throw fail("cannot make the listening socket");
        if (family == AF_UNIX) {
            unixFile_ = unixPath(listenPid_, listen_.path);
            ::unlink(unixFile_.c_str());
        } else {
            const int one = 1;
            ::setsockopt(listenFd_.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        }
        if (::bind(listenFd_.fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(listenFd_.fd, 64) != 0)
            throw fail("cannot listen on " + valueOf(config_, "listen"));
        if (family == AF_UNIX) applyOwnership();
        acceptor_ = std::thread([this] { acceptLoop(); });
    }

    ~ProxyForwarder() {
        const uint64_t one = 1;
        if (::write(stop_->fd, &one, sizeof one) < 0) {}
        ::shutdown(listenFd_.fd, SHUT_RDWR);  // wakes accept()
        if (acceptor_.joinable()) acceptor_.join();
        if (!unixFile_.empty()) ::unlink(unixFile_.c_str());
    }

    // Whether this forwarder serves that device config of the instance whose init is pid.
    bool serves(const db::StringMap& config, int64_t pid) const { return config == config_ && pid == pid_; }

private:
    // uid, gid and mode of a unix listener, as the device asks.
    void applyOwnership() {
        const std::string mode = valueOf(config_, "mode");
        if (!mode.empty()) ::chmod(unixFile_.c_str(), static_cast<mode_t>(std::stoul(mode, nullptr, 8)));
        const std::string uid = valueOf(config_, "uid"), gid = valueOf(config_, "gid");
        if (!uid.empty() || !gid.empty())
            if (::lchown(unixFile_.c_str(), uid.empty() ? uid_t(-1) : uid_t(std::stoul(uid)),
                         gid.empty() ? gid_t(-1) : gid_t(std::stoul(gid))) != 0)
                Poco::Logger::get("devices").warning("proxy %s: cannot set the owner of %s", device_, unixFile_);
    }

    void acceptLoop() {
        for (;;) {
            Fd client(::accept4(listenFd_.fd, nullptr, nullptr, SOCK_CLOEXEC));
            if (client.fd < 0) {
                if (errno == EINTR || errno == ECONNABORTED) continue;
                return;  // shut down
            }
            sockaddr_storage ss;
            socklen_t len;
            int family;
            if (!socketAddress(connect_, connectPid_, ss, len, family)) continue;
            Fd upstream = socketIn(connectPid_, family, SOCK_STREAM);
            if (upstream.fd < 0 || ::connect(upstream.fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
                Poco::Logger::get("devices").warning("proxy %s: cannot connect to %s: %s", device_,
                                                     valueOf(config_, "connect"), std::string(std::strerror(errno)));
                continue;  // the client sees its connection closed
            }
            // Each connection ends on its own or with the device (stop_).
            std::thread(pump, std::move(client), std::move(upstream), stop_).detach();
        }
    }

    std::string device_;
    db::StringMap config_;
    int64_t pid_;
    std::shared_ptr<Fd> stop_;
    int64_t listenPid_ = 0, connectPid_ = 0;
    Endpoint listen_, connect_;
    Fd listenFd_;
    std::string unixFile_;
    std::thread acceptor_;
};

ProxyDevices::ProxyDevices() = default;

ProxyDevices::~ProxyDevices() {
    std::lock_guard guard(mutex_);
    running_.clear();
}

void ProxyDevices::check(const db::DeviceMap& devices) {
    for (const auto& [name, dev] : devices) {
        if (valueOf(dev, "type") != "proxy") continue;
        const auto refuse = [&](const std::string& what) {
            throw BadRequest("Device \"" + name + "\": " + what + " is not supported yet");
        };
        if (isTrueValue(valueOf(dev, "nat"))) refuse("nat=true");
        if (isTrueValue(valueOf(dev, "proxy_protocol"))) refuse("proxy_protocol");
        if (!valueOf(dev, "security.uid").empty() || !valueOf(dev, "security.gid").empty()) refuse("security.uid/gid");
        parseEndpoint(name, "listen", valueOf(dev, "listen"));
        parseEndpoint(name, "connect", valueOf(dev, "connect"));
    }
}

void ProxyDevices::sync(const std::string& key, int64_t pid, const db::DeviceMap& devices) {
    std::lock_guard guard(mutex_);
    auto& mine = running_[key];
    for (auto it = mine.begin(); it != mine.end();) {
        auto dev = devices.find(it->first);
        if (dev == devices.end() || !it->second->serves(dev->second, pid)) it = mine.erase(it);
        else ++it;
    }
    for (const auto& [name, dev] : devices)
        if (valueOf(dev, "type") == "proxy" && !mine.count(name))
            mine[name] = std::make_unique<ProxyForwarder>(name, dev, pid);
    if (mine.empty()) running_.erase(key);
}

void ProxyDevices::stop(const std::string& key) {
    std::lock_guard guard(mutex_);
    running_.erase(key);
}

}  // namespace lxdp::services
