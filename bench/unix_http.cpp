#include "unix_http.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace bench {

int tryConnectUnix(const std::string& path) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

int connectUnix(const std::string& path) {
    int fd = tryConnectUnix(path);
    if (fd < 0) {
        std::perror("connect");
        std::exit(2);
    }
    return fd;
}

bool fill(int fd, std::string& buffer, size_t size) {
    char chunk[65536];
    while (buffer.size() < size) {
        ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n <= 0) return false;
        buffer.append(chunk, static_cast<size_t>(n));
    }
    return true;
}

size_t fillUntil(int fd, std::string& buffer, const char* marker, size_t from) {
    for (;;) {
        size_t at = buffer.find(marker, from);
        if (at != std::string::npos) return at;
        if (!fill(fd, buffer, buffer.size() + 1)) return std::string::npos;
    }
}

bool roundTrip(int fd, const std::string& request, std::string& buffer) {
    if (::write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) return false;
    buffer.clear();
    const size_t headerEnd = fillUntil(fd, buffer, "\r\n\r\n", 0);
    if (headerEnd == std::string::npos) return false;
    std::string head = buffer.substr(0, headerEnd);
    std::transform(head.begin(), head.end(), head.begin(), ::tolower);
    size_t at = headerEnd + 4;
    if (size_t cl = head.find("content-length:"); cl != std::string::npos)
        return fill(fd, buffer, at + std::stoul(head.substr(cl + 15)));
    if (head.find("transfer-encoding: chunked") == std::string::npos) return false;
    for (;;) {  // each chunk: size in hex, CRLF, data, CRLF; the last has size 0 and ends with CRLF CRLF
        const size_t lineEnd = fillUntil(fd, buffer, "\r\n", at);
        if (lineEnd == std::string::npos) return false;
        const size_t size = std::stoul(buffer.substr(at, lineEnd - at), nullptr, 16);
        if (size == 0) return fillUntil(fd, buffer, "\r\n", lineEnd + 2) != std::string::npos;
        at = lineEnd + 2 + size + 2;
        if (!fill(fd, buffer, at)) return false;
    }
}

}  // namespace bench
