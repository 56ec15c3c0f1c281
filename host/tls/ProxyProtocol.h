// The PROXY protocol (HAProxy's, v1 text and v2 binary) that a load balancer in front of the
// listener sends before the TLS handshake, naming the client it connects on behalf of.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <optional>
#include <string>

namespace lxdp::tls {

// Reads a PROXY header from the start of the connection on fd, if it begins with one. Returns
// the client's address it names; nullopt when there is no header (the connection starts with
// TLS) or the header names no address (v1 UNKNOWN, v2 LOCAL). Throws std::runtime_error on a
// malformed or incomplete header, or when nothing arrives within timeout.
std::optional<std::string> readProxyHeader(int fd, std::chrono::milliseconds timeout);

// The PROXY v2 header (PROXY command, stream transport) that names a connection from source to
// destination; both must be AF_INET or both AF_INET6, else the header names no address
// (AF_UNSPEC: a unix socket's client, say).
std::string proxyV2Header(const sockaddr_storage& source, const sockaddr_storage& destination);

// Whether address is one of the comma-separated IP addresses of list (core.https_trusted_proxy),
// compared as addresses ("::ffff:10.0.0.1" is 10.0.0.1).
bool isListedAddress(const std::string& list, const std::string& address);

}  // namespace lxdp::tls
