#include "tls/ServerCertificate.h"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace lxdp::tls {

namespace {

constexpr long kValiditySeconds = 10L * 365 * 24 * 3600;

using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error("server certificate: " + what); }

std::string hostName() {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    return host[0] ? host : "localhost";
}

void addExtension(X509* cert, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (!ext) fail("cannot make extension " + value);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

std::string toPem(const std::function<int(BIO*)>& write) {
    BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
    if (write(bio.get()) != 1) fail("cannot encode");
    char* data = nullptr;
    long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(size));
}

// Written beside the target and renamed over it, so a crash never leaves half a file.
void writePrivateFile(const std::string& path, const std::string& content) {
    const std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) fail("cannot write " + tmp + ": " + std::strerror(errno));
    bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
    ok = ::fsync(fd) == 0 && ok;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        ::unlink(tmp.c_str());
        fail("cannot write " + path);
    }
}

void generate(const std::string& certPath, const std::string& keyPath) {
    KeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"), EVP_PKEY_free);
    if (!key) fail("cannot generate an EC P-384 key");
    X509Ptr cert(X509_new(), X509_free);
    X509_set_version(cert.get(), 2);

    unsigned char serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f;  // a positive serial number
    std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(BN_bin2bn(serial, sizeof serial, nullptr), BN_free);
    BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get()));
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), kValiditySeconds);
    X509_set_pubkey(cert.get(), key.get());

    const std::string host = hostName();
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("linuxcontainers.org"), -1, -1, 0);
    const std::string cn = "root@" + host;
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);

    addExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE");
    addExtension(cert.get(), NID_key_usage, "critical,digitalSignature");
    addExtension(cert.get(), NID_ext_key_usage, "serverAuth");
    // The Go client pins this certificate and checks the name against its first DNS entry.
    addExtension(cert.get(), NID_subject_alt_name, "DNS:" + host + ",IP:127.0.0.1,IP:::1");
    if (X509_sign(cert.get(), key.get(), EVP_sha384()) <= 0) fail("cannot sign");

    writePrivateFile(keyPath, toPem([&](BIO* b) {
        return PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    }));
    writePrivateFile(certPath, toPem([&](BIO* b) { return PEM_write_bio_X509(b, cert.get()); }));
}

}  // namespace

ServerCertificate loadOrCreateServerCertificate(const std::string& varDir) {
    ServerCertificate out{varDir + "/server.crt", varDir + "/server.key", {}};
    if (!std::filesystem::exists(out.certPath) || !std::filesystem::exists(out.keyPath))
        generate(out.certPath, out.keyPath);
    std::ifstream in(out.certPath);
    std::stringstream text;
    text << in.rdbuf();
    try {
        out.certificate = parseCertificate(text.str());
    } catch (const std::exception&) {
        fail(out.certPath + " is not a PEM certificate");
    }
    return out;
}

}  // namespace lxdp::tls
