#include "services/ProxyDevices.h"

#include <Poco/Logger.h>

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <thread>
#include <vector>

#include "config/Validators.h"
#include "services/ProxyAddress.h"
#include "services/ProxyNat.h"
#include "tls/ProxyProtocol.h"
#include "util/ApiError.h"

namespace lxdp::services {

namespace {

constexpr size_t kMaxUdpSessions = 256;              // peers of one device served at once
constexpr auto kUdpSessionIdle = std::chrono::seconds(60);  // a peer silent this long is forgotten

std::string valueOf(const db::StringMap& m, const std::string& key) {
    auto it = m.find(key);
    return it == m.end() ? std::string() : it->second;
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

int socketType(const ProxyAddress& a) { return a.proto == "udp" ? SOCK_DGRAM : SOCK_STREAM; }

// One side of a device: an address with one of its ports, in the namespace of pid (0: the host's).
struct Side {
    ProxyAddress address;
    uint16_t port = 0;  // tcp, udp
    int64_t pid = 0;
    int64_t uid = -1, gid = -1;  // host ids a connection to it is made with, -1: the daemon's
    bool instanceRoot = false;   // uid is the instance's root
};

// The host id of id in the user namespace of the process pid (map: "uid_map" or "gid_map"), -1
// when that namespace has no such id.
int64_t hostId(int64_t pid, const char* map, int64_t id) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/" + map);
    int64_t inside, outside, count;
    while (in >> inside >> outside >> count)
        if (id >= inside && id < inside + count) return outside + (id - inside);
    return -1;
}

// The socket address of a side; tcp and udp addresses are numeric or resolved on the host.
bool socketAddress(const Side& side, sockaddr_storage& ss, socklen_t& len, int& family) {
    std::memset(&ss, 0, sizeof ss);
    const ProxyAddress& e = side.address;
    if (e.proto == "unix") {
        const std::string p = unixPath(side.pid, e.path);
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
    hints.ai_socktype = socketType(e);
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* res = nullptr;
    if (::getaddrinfo(e.host.c_str(), std::to_string(side.port).c_str(), &hints, &res) != 0 || res == nullptr) {
        errno = EADDRNOTAVAIL;
        return false;
    }
    std::memcpy(&ss, res->ai_addr, res->ai_addrlen);
    len = res->ai_addrlen;
    family = res->ai_family;
    ::freeaddrinfo(res);
    return true;
}

// A socket of the side's type connected to it; an invalid Fd (errno set) when that fails.
// Where it takes the side's namespace or ids, a thread of its own enters the namespace, takes
// the ids (raw syscalls: a thread's own credentials, where glibc's setuid changes every thread's)
// and connects, then ends with them. A unix socket is reached from its directory, opened first:
// the ids may not reach it through /proc/PID/root, and a process with them could not either.
Fd connectTo(const Side& side) {
    sockaddr_storage ss;
    socklen_t len;
    int family;
    if (!socketAddress(side, ss, len, family)) return Fd();
    const bool ids = side.uid >= 0 || side.gid >= 0;
    if (side.pid == 0 && !ids) {
        Fd fd(::socket(family, socketType(side.address) | SOCK_CLOEXEC, 0));
        if (fd.fd >= 0 && ::connect(fd.fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) return Fd();
        return fd;
    }
    Fd ns(side.pid == 0 ? -1 : ::open(("/proc/" + std::to_string(side.pid) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC));
    if (side.pid != 0 && ns.fd < 0) return Fd();
    Fd out;
    int err = 0;
    std::thread([&] {
        if (ns.fd >= 0 && ::setns(ns.fd, CLONE_NEWNET) != 0) {
            err = errno;
            return;
        }
        if (family == AF_UNIX) {
            auto* sun = reinterpret_cast<sockaddr_un*>(&ss);
            const std::string path = sun->sun_path;
            const size_t slash = path.rfind('/');
            Fd dir(::open(slash == 0 ? "/" : path.substr(0, slash).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
            if (::unshare(CLONE_FS) != 0 || dir.fd < 0 || ::fchdir(dir.fd) != 0) {
                err = errno;
                return;
            }
            const std::string name = path.substr(slash + 1);
            std::memcpy(sun->sun_path, name.c_str(), name.size() + 1);
            len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() + 1);
        }
        if (ids && ((side.instanceRoot && ::prctl(PR_SET_KEEPCAPS, 1) != 0) || ::syscall(SYS_setgroups, 0, nullptr) != 0 ||
                    (side.gid >= 0 && ::syscall(SYS_setresgid, side.gid, side.gid, side.gid) != 0) ||
                    (side.uid >= 0 && ::syscall(SYS_setresuid, side.uid, side.uid, side.uid) != 0))) {
            err = errno;
            return;
        }
        // The instance's root passes its permission checks on the instance's files, as root
        // there would: the capabilities root had stay effective for this thread's connect.
        if (side.instanceRoot) {
            __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
            __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3];
            if (::syscall(SYS_capget, &header, caps) != 0) {
                err = errno;
                return;
            }
            for (auto& c : caps) c.effective = c.permitted;
            if (::syscall(SYS_capset, &header, caps) != 0) {
                err = errno;
                return;
            }
        }
        Fd fd(::socket(family, socketType(side.address) | SOCK_CLOEXEC, 0));
        if (fd.fd < 0 || ::connect(fd.fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) err = errno;
        else out = std::move(fd);
    }).join();
    errno = err;
    return out;
}

bool sendAll(int fd, const char* data, size_t n) {
    for (size_t off = 0; off < n;) {
        const ssize_t w = ::send(fd, data + off, n - off, MSG_NOSIGNAL);
        if (w <= 0) return false;
        off += static_cast<size_t>(w);
    }
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
            if (!sendAll(to, buf, static_cast<size_t>(n))) return;
        }
    }
}

// One accepted stream connection: connects to the target (a thread of its own, so that a slow
// target holds up no other client), sends the PROXY header when asked, then pumps.
void serveConnection(Fd client, Side target, bool proxyProtocol, std::string device, std::shared_ptr<Fd> stop) {
    Fd upstream = connectTo(target);
    if (upstream.fd < 0) {
        Poco::Logger::get("devices").warning("proxy %s: cannot connect to %s: %s", device,
                                             target.address.proto + ":" + target.address.host + target.address.path,
                                             std::string(std::strerror(errno)));
        return;  // the client sees its connection closed
    }
    if (proxyProtocol) {
        sockaddr_storage source{}, destination{};
        socklen_t len = sizeof source;
        ::getpeername(client.fd, reinterpret_cast<sockaddr*>(&source), &len);
        len = sizeof destination;
        ::getsockname(client.fd, reinterpret_cast<sockaddr*>(&destination), &len);
        const std::string header = tls::proxyV2Header(source, destination);
        if (!sendAll(upstream.fd, header.data(), header.size())) return;
    }
    pump(std::move(client), std::move(upstream), std::move(stop));
}

}  // namespace

// A proxy device at work for one instance, as long as the object lives.
class RunningProxy {
public:
    RunningProxy(db::StringMap config, int64_t pid) : config_(std::move(config)), pid_(pid) {}
    virtual ~RunningProxy() = default;
    // Whether this serves that device config of the instance whose init is pid.
    bool serves(const db::StringMap& config, int64_t pid) const { return config == config_ && pid == pid_; }
    int64_t pid() const { return pid_; }

protected:
    db::StringMap config_;
    int64_t pid_;
};

// nat=true: the device's DNAT table.
class NatProxy : public RunningProxy {
public:
    NatProxy(const std::string& instance, const std::string& device, db::StringMap config, int64_t pid,
             const db::DeviceMap& devices)
        : RunningProxy(std::move(config), pid),
          nat_({instance, device, parseProxyAddress(device, "listen", valueOf(config_, "listen")),
                parseProxyAddress(device, "connect", valueOf(config_, "connect")),
                natConnectHost(parseProxyAddress(device, "connect", valueOf(config_, "connect")), devices)}) {}

private:
    ProxyNat nat_;
};

// nat=false: the listeners, one per listen port, and what they accepted. One thread polls the
// listeners and the udp peers' sockets; each stream connection has a thread of its own.
class ProxyForwarder : public RunningProxy {
public:
    ProxyForwarder(std::string device, db::StringMap config, int64_t pid)
        : RunningProxy(std::move(config), pid), device_(std::move(device)), stop_(std::make_shared<Fd>(::eventfd(0, EFD_CLOEXEC))) {
        const bool bindInstance = valueOf(config_, "bind") == "instance";
        listen_.pid = bindInstance ? pid : 0;
        connect_.pid = bindInstance ? 0 : pid;
        listen_.address = parseProxyAddress(device_, "listen", valueOf(config_, "listen"));
        connect_.address = parseProxyAddress(device_, "connect", valueOf(config_, "connect"));
        proxyProtocol_ = config::isTrue(valueOf(config_, "proxy_protocol"));
        connectAs(pid);
        const size_t count = listen_.address.proto == "unix" ? 1 : listen_.address.ports.size();
        for (size_t i = 0; i < count; i++) listeners_.push_back(makeListener(i));
        if (listen_.address.proto == "unix") applyOwnership();
        loop_ = std::thread([this] { loop(); });
    }

    ~ProxyForwarder() override {
        const uint64_t one = 1;
        if (::write(stop_->fd, &one, sizeof one) < 0) {}
        if (loop_.joinable()) loop_.join();
        if (!unixFile_.empty()) ::unlink(unixFile_.c_str());
    }

private:
    struct UdpPeer {
        size_t listener;  // the listener it sent to, which sends its replies
        sockaddr_storage address;
        socklen_t length;
        Fd upstream;      // connected to the target
        std::chrono::steady_clock::time_point lastActive;
    };

    Fd makeListener(size_t i) {
        Side side = listen_;
        if (side.address.proto != "unix") side.port = side.address.ports[i];
        sockaddr_storage ss;
        socklen_t len;
        int family;
        const auto fail = [&](const std::string& what) {
            return BadRequest("Device \"" + device_ + "\": " + what + ": " + std::strerror(errno));
        };
        const std::string where = side.address.proto == "unix" ? valueOf(config_, "listen")
                                                                : side.address.proto + ":" + side.address.host + ":" + std::to_string(side.port);
        if (!socketAddress(side, ss, len, family)) throw fail("cannot listen on " + where);
        Fd fd = socketIn(side.pid, family, socketType(side.address));
        if (fd.fd < 0) throw fail("cannot make the listening socket");
        if (family == AF_UNIX) {
            unixFile_ = unixPath(side.pid, side.address.path);
            ::unlink(unixFile_.c_str());
        } else {
            const int one = 1;
            ::setsockopt(fd.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        }
        if (::bind(fd.fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 ||
            (socketType(side.address) == SOCK_STREAM && ::listen(fd.fd, 64) != 0))
            throw fail("cannot listen on " + where);
        return fd;
    }

    // The ids the connections are made with (security.uid, security.gid). In the instance, its
    // own (upstream's forkproxy joins its user namespace), so root by default.
    void connectAs(int64_t pid) {
        const std::string uid = valueOf(config_, "security.uid"), gid = valueOf(config_, "security.gid");
        if (connect_.pid == 0) {
            if (!uid.empty()) connect_.uid = std::stoll(uid);
            if (!gid.empty()) connect_.gid = std::stoll(gid);
            return;
        }
        connect_.instanceRoot = uid.empty() || std::stoll(uid) == 0;
        connect_.uid = hostId(pid, "uid_map", uid.empty() ? 0 : std::stoll(uid));
        connect_.gid = hostId(pid, "gid_map", gid.empty() ? 0 : std::stoll(gid));
        if (connect_.uid < 0 || connect_.gid < 0)
            throw BadRequest("Device \"" + device_ + "\": security.uid " + (uid.empty() ? "0" : uid) + " or security.gid " +
                             (gid.empty() ? "0" : gid) + " has no id on the host in the instance's map");
    }

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

    // The target of what arrives at listener i.
    Side targetFor(size_t i) const {
        Side target = connect_;
        if (target.address.proto != "unix") target.port = target.address.portFor(i);
        return target;
    }

    void loop() {
        std::vector<pollfd> fds;
        for (;;) {
            fds.assign(1, pollfd{stop_->fd, POLLIN, 0});
            for (const Fd& l : listeners_) fds.push_back({l.fd, POLLIN, 0});
            for (const UdpPeer& p : peers_) fds.push_back({p.upstream.fd, POLLIN, 0});
            if (::poll(fds.data(), fds.size(), peers_.empty() ? -1 : 1000) < 0 && errno != EINTR) return;
            if (fds[0].revents != 0) return;
            for (size_t i = 0; i < listeners_.size(); i++) {
                if (fds[1 + i].revents == 0) continue;
                if (listen_.address.proto == "udp") fromPeer(i);
                else accept(i);
            }
            // Backwards: toPeer may drop a peer whose target is gone.
            for (size_t j = peers_.size(); j-- > 0;)
                if (j < fds.size() - 1 - listeners_.size() && fds[1 + listeners_.size() + j].revents != 0) toPeer(j);
            const auto now = std::chrono::steady_clock::now();
            peers_.erase(std::remove_if(peers_.begin(), peers_.end(),
                                        [&](const UdpPeer& p) { return now - p.lastActive > kUdpSessionIdle; }),
                         peers_.end());
        }
    }

    void accept(size_t i) {
        Fd client(::accept4(listeners_[i].fd, nullptr, nullptr, SOCK_CLOEXEC));
        if (client.fd < 0) return;
        // Each connection ends on its own or with the device (stop_).
        std::thread(serveConnection, std::move(client), targetFor(i), proxyProtocol_, device_, stop_).detach();
    }

    // A datagram from a peer at listener i goes to the target through the peer's own socket, so
    // that the replies find their way back to it.
    void fromPeer(size_t i) {
        char buf[65536];
        UdpPeer peer{i, {}, sizeof(sockaddr_storage), Fd(), std::chrono::steady_clock::now()};
        const ssize_t n = ::recvfrom(listeners_[i].fd, buf, sizeof buf, MSG_DONTWAIT,
                                     reinterpret_cast<sockaddr*>(&peer.address), &peer.length);
        if (n < 0) return;
        auto known = std::find_if(peers_.begin(), peers_.end(), [&](const UdpPeer& p) {
            return p.listener == i && p.length == peer.length && std::memcmp(&p.address, &peer.address, p.length) == 0;
        });
        if (known == peers_.end()) {
            if (peers_.size() >= kMaxUdpSessions) return;  // dropped, as a full network would
            peer.upstream = connectTo(targetFor(i));
            if (peer.upstream.fd < 0) return;
            peers_.push_back(std::move(peer));
            known = peers_.end() - 1;
        }
        known->lastActive = std::chrono::steady_clock::now();
        ::send(known->upstream.fd, buf, static_cast<size_t>(n), MSG_DONTWAIT);
    }

    void toPeer(size_t j) {
        char buf[65536];
        UdpPeer& peer = peers_[j];
        const ssize_t n = ::recv(peer.upstream.fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n < 0) {
            // ICMP port unreachable: nothing listens at the target (yet); the peer may retry.
            if (errno != EAGAIN && errno != EINTR) peers_.erase(peers_.begin() + static_cast<std::ptrdiff_t>(j));
            return;
        }
        peer.lastActive = std::chrono::steady_clock::now();
        ::sendto(listeners_[peer.listener].fd, buf, static_cast<size_t>(n), MSG_DONTWAIT,
                 reinterpret_cast<const sockaddr*>(&peer.address), peer.length);
    }

    std::string device_;
    std::shared_ptr<Fd> stop_;
    Side listen_, connect_;
    bool proxyProtocol_ = false;
    std::vector<Fd> listeners_;
    std::vector<UdpPeer> peers_;  // the loop thread's only
    std::string unixFile_;
    std::thread loop_;
};

ProxyDevices::ProxyDevices() = default;

ProxyDevices::~ProxyDevices() {
    std::lock_guard guard(mutex_);
    running_.clear();
}

void ProxyDevices::check(const db::DeviceMap& devices) {
    for (const auto& [name, dev] : devices)
        if (valueOf(dev, "type") == "proxy") checkProxyDevice(name, dev, devices);
}

void ProxyDevices::sync(const std::string& key, int64_t pid, const db::DeviceMap& devices) {
    std::lock_guard guard(mutex_);
    auto& mine = running_[key];
    for (auto it = mine.begin(); it != mine.end();) {
        auto dev = devices.find(it->first);
        if (dev == devices.end() || !it->second->serves(dev->second, pid)) it = mine.erase(it);
        else ++it;
    }
    // key is "<project>/<instance>": the NAT rules name the instance "<project>_<instance>".
    std::string instance = key;
    std::replace(instance.begin(), instance.end(), '/', '_');
    for (const auto& [name, dev] : devices) {
        if (valueOf(dev, "type") != "proxy" || mine.count(name)) continue;
        if (config::isTrue(valueOf(dev, "nat"))) mine[name] = std::make_unique<NatProxy>(instance, name, dev, pid, devices);
        else mine[name] = std::make_unique<ProxyForwarder>(name, dev, pid);
    }
    if (mine.empty()) running_.erase(key);
}

void ProxyDevices::stop(const std::string& key) {
    std::lock_guard guard(mutex_);
    running_.erase(key);
}

void ProxyDevices::stopFor(const std::string& key, int64_t pid) {
    std::lock_guard guard(mutex_);
    auto mine = running_.find(key);
    if (mine == running_.end()) return;
    std::erase_if(mine->second, [&](const auto& entry) { return entry.second->pid() == pid; });
    if (mine->second.empty()) running_.erase(mine);
}

}  // namespace lxdp::services
