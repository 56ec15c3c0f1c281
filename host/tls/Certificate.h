// X.509 certificates as the API carries them: PEM text, base64 DER, and the SHA-256 fingerprint
// of the DER that names a certificate everywhere (trust store, URLs, `lxc remote add`).
#pragma once

#include <string>

#include <openssl/types.h>

namespace lxdp::tls {

struct Certificate {
    std::string pem;
    std::string fingerprint;  // SHA-256 of the DER, lower-case hex
    std::string commonName;   // of the subject, for display and default names
};

// Reads a certificate given as PEM or as base64 DER (what `lxc config trust add` sends);
// anything else is a 400.
Certificate parseCertificate(const std::string& text);
// The same for a certificate OpenSSL already holds (the TLS peer's).
Certificate fromX509(const X509* cert);

// SHA-256 of bytes, lower-case hex.
std::string fingerprintOf(const std::string& der);

}  // namespace lxdp::tls
