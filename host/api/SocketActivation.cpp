#include "api/SocketActivation.h"

#include <Poco/Net/ServerSocketImpl.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace lxdp::api {

namespace {

constexpr int kListenFdsStart = 3;  // SD_LISTEN_FDS_START

// Poco opens its own sockets; these two take one that is already bound and listening.
class InheritedSocketImpl : public Poco::Net::ServerSocketImpl {
public:
    explicit InheritedSocketImpl(int fd) { reset(fd); }
};

class InheritedServerSocket : public Poco::Net::ServerSocket {
public:
    explicit InheritedServerSocket(int fd) : ServerSocket(new InheritedSocketImpl(fd), true) {}
};

bool isListeningUnixSocket(int fd) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    int listening = 0;
    socklen_t optLen = sizeof listening;
    return ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0 && addr.ss_family == AF_UNIX &&
           ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &optLen) == 0 && listening != 0;
}

}  // namespace

std::optional<Poco::Net::ServerSocket> activatedSocket() {
    const char* pid = std::getenv("LISTEN_PID");
    const char* fds = std::getenv("LISTEN_FDS");
    bool ours = pid != nullptr && fds != nullptr && std::to_string(::getpid()) == pid && std::atoi(fds) >= 1;
    ::unsetenv("LISTEN_PID");
    ::unsetenv("LISTEN_FDS");
    ::unsetenv("LISTEN_FDNAMES");
    if (!ours || !isListeningUnixSocket(kListenFdsStart)) return std::nullopt;
    // systemd hands it over inheritable; instances and helpers must not keep it open.
    int flags = ::fcntl(kListenFdsStart, F_GETFD);
    if (flags < 0 || ::fcntl(kListenFdsStart, F_SETFD, flags | FD_CLOEXEC) != 0) return std::nullopt;
    return InheritedServerSocket(kListenFdsStart);
}

}  // namespace lxdp::api
