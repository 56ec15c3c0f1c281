#include "tls/ClientContext.h"

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tls/ServerCertificate.h"
#include "util/ApiError.h"

namespace lxdp::tls {

Poco::AutoPtr<Poco::Net::Context> clientContext(const std::string& certificate, const ServerCertificate* identity) {
    Poco::Net::Context::Params params;
    params.verificationMode = Poco::Net::Context::VERIFY_RELAXED;
    params.loadDefaultCAs = certificate.empty();
    if (identity) {
        params.certificateFile = identity->certPath;
        params.privateKeyFile = identity->keyPath;
    }
    Poco::AutoPtr<Poco::Net::Context> context(new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params));
    context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
    SSL_CTX* ssl = context->sslContext();
    // OpenSSL's own verdict, without Poco's certificate handlers: a failed check ends the handshake.
    SSL_CTX_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
    if (!certificate.empty()) {
        BIO* bio = BIO_new_mem_buf(certificate.data(), static_cast<int>(certificate.size()));
        X509* pinned = bio ? PEM_read_bio_X509(bio, nullptr, nullptr, nullptr) : nullptr;
        if (bio) BIO_free(bio);
        if (!pinned) throw BadRequest("The server certificate is not a PEM certificate");
        X509_STORE* store = SSL_CTX_get_cert_store(ssl);
        X509_STORE_add_cert(store, pinned);
        X509_free(pinned);
        // The pinned certificate is the anchor even when it is not a self-signed root.
        X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
        context->enableExtendedCertificateVerification(false);
    }
    return context;
}

Poco::URI httpsUrl(const std::string& url, const std::string& what) {
    Poco::URI uri;
    try {
        uri = Poco::URI(url);
    } catch (const Poco::Exception&) {
        throw BadRequest("Invalid " + what + " URL \"" + url + "\"");
    }
    if (uri.getScheme() != "https" || uri.getHost().empty())
        throw BadRequest("Only HTTPS " + what + "s are supported, not \"" + url + "\"");
    return uri;
}

}  // namespace lxdp::tls
