// The TLS context of the daemon's outbound connections (image servers, a migration's source).
// With a pinned certificate (PEM) the server must present that certificate: it is the only trust
// anchor and the host name is not checked, as upstream's pinned TLSServerCert. Without one, the
// system's CAs and the host name are checked. With an identity, the daemon presents its own
// certificate, as upstream does to another LXD server.
#pragma once

#include <Poco/AutoPtr.h>
#include <Poco/Net/Context.h>
#include <Poco/URI.h>

#include <string>

namespace lxdp::tls {

struct ServerCertificate;

// BadRequest for a pinned certificate that is not PEM.
Poco::AutoPtr<Poco::Net::Context> clientContext(const std::string& pinnedCertificate,
                                                const ServerCertificate* identity = nullptr);

// The URL of an outbound connection, which must be HTTPS with a host; BadRequest naming WHAT
// (e.g. "image server") otherwise.
Poco::URI httpsUrl(const std::string& url, const std::string& what);

}  // namespace lxdp::tls
