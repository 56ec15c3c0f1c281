// PKI mode: with server.ca in the data dir, client certificates must be issued by that CA, and
// ca.crl (when present) revokes some of them. The files are read again whenever they change, so
// an administrator can drop a new CRL in without a restart.
#pragma once

#include <ctime>
#include <memory>
#include <mutex>
#include <string>

#include <openssl/types.h>

namespace lxdp::tls {

class ClientCa {
public:
    enum class Verdict {
        NoCa,     // not in PKI mode: the trust store alone decides
        Issued,   // issued by the CA, valid now, not revoked
        Refused,  // not issued by the CA, expired, or revoked
    };

    explicit ClientCa(std::string varDir);
    ~ClientCa();

    Verdict verify(X509* cert);

private:
    struct Files;
    void reloadIfChanged();

    const std::string caPath_;
    const std::string crlPath_;
    std::mutex mutex_;
    std::string stamp_;  // mtimes and sizes the loaded store was made from
    std::shared_ptr<X509_STORE> store_;
};

}  // namespace lxdp::tls
