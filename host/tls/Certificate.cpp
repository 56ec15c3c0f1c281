#include "tls/Certificate.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

#include "util/ApiError.h"
#include "util/Hash.h"

namespace lxdp::tls {

namespace {

using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

std::string base64Decode(const std::string& text) {
    std::string clean;
    for (char c : text)
        if (c != '\n' && c != '\r' && c != ' ' && c != '\t') clean += c;
    if (clean.empty() || clean.size() % 4 != 0) return "";
    std::string out(clean.size() / 4 * 3, '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(clean.data()), static_cast<int>(clean.size()));
    if (n < 0) return "";
    // EVP_DecodeBlock counts the padding as data.
    size_t pad = clean.size() - clean.find_last_not_of('=') - 1;
    out.resize(static_cast<size_t>(n) - pad);
    return out;
}

}  // namespace

std::string fingerprintOf(const std::string& der) { return util::sha256Hex(der); }

Certificate fromX509(const X509* cert) {
    unsigned char* der = nullptr;
    int len = i2d_X509(cert, &der);
    if (len <= 0) throw BadRequest("Invalid certificate");
    std::string derText(reinterpret_cast<char*>(der), static_cast<size_t>(len));
    OPENSSL_free(der);

    BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_X509(bio.get(), const_cast<X509*>(cert));
    char* data = nullptr;
    long size = BIO_get_mem_data(bio.get(), &data);

    Certificate out{std::string(data, static_cast<size_t>(size)), fingerprintOf(derText), ""};
    char cn[256] = {};
    if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn) > 0) out.commonName = cn;
    return out;
}

Certificate parseCertificate(const std::string& text) {
    X509Ptr cert(nullptr, X509_free);
    if (text.find("-----BEGIN CERTIFICATE-----") != std::string::npos) {
        BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), BIO_free);
        cert.reset(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    } else {
        std::string der = base64Decode(text);
        const auto* p = reinterpret_cast<const unsigned char*>(der.data());
        // d2i_X509 must consume every byte: trailing data is not a certificate.
        cert.reset(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
        if (cert && p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) cert.reset();
    }
    if (!cert) throw BadRequest("Invalid certificate");
    return fromX509(cert.get());
}

}  // namespace lxdp::tls
