// HTTP/1.1 over the daemon's unix socket, as the benchmark tools need it: connect, one
// request and its whole response, reading up to a marker.
#pragma once

#include <string>

namespace bench {

// A connected socket, or -1 (errno set).
int tryConnectUnix(const std::string& path);

// A connected socket; exits with a message when the socket does not answer.
int connectUnix(const std::string& path);

// Reads until `buffer` holds at least `size` bytes; false when the connection ends first.
bool fill(int fd, std::string& buffer, size_t size);

// Reads until `buffer` holds `marker` at or after `from`; its position, or npos when the connection ends.
size_t fillUntil(int fd, std::string& buffer, const char* marker, size_t from);

// Sends one request and reads the whole response, framed by Content-Length or chunked (Go's
// net/http, so upstream, chunks any body it did not buffer whole); false on error.
bool roundTrip(int fd, const std::string& request, std::string& buffer);

}  // namespace bench
