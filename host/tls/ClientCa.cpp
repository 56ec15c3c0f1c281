#include "tls/ClientCa.h"

#include <Poco/Logger.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <sys/stat.h>

namespace lxdp::tls {

namespace {

std::string stampOf(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return "-";
    return std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + ":" + std::to_string(st.st_size);
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

ClientCa::ClientCa(std::string varDir) : caPath_(varDir + "/server.ca"), crlPath_(varDir + "/ca.crl") {}

ClientCa::~ClientCa() = default;

void ClientCa::reloadIfChanged() {
    const std::string stamp = stampOf(caPath_) + "|" + stampOf(crlPath_);
    if (stamp == stamp_) return;
    stamp_ = stamp;
    store_.reset();
    if (!exists(caPath_)) return;
    std::shared_ptr<X509_STORE> store(X509_STORE_new(), X509_STORE_free);
    auto& log = Poco::Logger::get("https");
    if (X509_STORE_load_file(store.get(), caPath_.c_str()) != 1) {
        // A CA that cannot be read trusts nobody rather than everybody.
        log.error("cannot read the client CA %s: every client certificate is refused", caPath_);
    }
    if (exists(crlPath_)) {
        if (X509_STORE_load_file(store.get(), crlPath_.c_str()) == 1)
            X509_STORE_set_flags(store.get(), X509_V_FLAG_CRL_CHECK);
        else
            log.error("cannot read the revocation list %s", crlPath_);
    }
    store_ = std::move(store);
}

ClientCa::Verdict ClientCa::verify(X509* cert) {
    std::shared_ptr<X509_STORE> store;
    {
        std::lock_guard lock(mutex_);
        reloadIfChanged();
        store = store_;
    }
    if (!store) return Verdict::NoCa;
    if (!cert) return Verdict::Refused;
    std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(), X509_STORE_CTX_free);
    if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), cert, nullptr) != 1) return Verdict::Refused;
    X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_CLIENT);
    return X509_verify_cert(ctx.get()) == 1 ? Verdict::Issued : Verdict::Refused;
}

}  // namespace lxdp::tls
