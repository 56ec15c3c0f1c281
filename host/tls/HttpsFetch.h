// Outbound HTTPS, for image servers (LXD and simplestreams remotes, image URLs). Only https://
// URLs are accepted, as upstream ("only HTTPS is supported"). With a certificate (PEM) the
// server must present that certificate: it is the only trust anchor and the host name is not
// checked, as upstream's pinned TLSServerCert. Without one, the system's CAs and the host name
// are checked.
#pragma once

#include <cstddef>
#include <functional>
#include <istream>
#include <map>
#include <string>

namespace lxdp::tls {

struct FetchResult {
    int status = 0;
    std::string contentType;
    std::map<std::string, std::string> headers;  // names in lower case
};

// Sends one request and hands the response body to `sink` block by block (the sink may throw to
// stop, e.g. over a size limit). BadRequest for a URL that is not https:// or a server that
// cannot be reached or fails the TLS check, naming the URL.
FetchResult httpsFetch(const std::string& method, const std::string& url, const std::string& certificate,
                       const std::map<std::string, std::string>& requestHeaders,
                       const std::function<void(const char* data, size_t size)>& sink);

// The same request, with the response body read by `reader` from the connection (a body read in
// parts, as a multipart answer); it is not called for a HEAD. Poco's exceptions from the
// connection become BadRequest naming the URL, as above.
FetchResult httpsFetchStream(const std::string& method, const std::string& url, const std::string& certificate,
                             const std::map<std::string, std::string>& requestHeaders,
                             const std::function<void(const FetchResult& head, std::istream& body)>& reader);

}  // namespace lxdp::tls
