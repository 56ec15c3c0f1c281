// The daemon's own key pair: generated on first start, reused afterwards.
#pragma once

#include <string>

#include "tls/Certificate.h"

namespace lxdp::tls {

struct ServerCertificate {
    std::string certPath;
    std::string keyPath;
    Certificate certificate;
};

// Loads varDir/server.crt and server.key; when either is missing, makes a new self-signed
// EC P-384 certificate (SHA-384 signature, 10 years, CN root@<hostname>) and writes both, 0600.
ServerCertificate loadOrCreateServerCertificate(const std::string& varDir);

}  // namespace lxdp::tls
