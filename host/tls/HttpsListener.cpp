#include "tls/HttpsListener.h"

#include <Poco/Exception.h>
#include <Poco/Logger.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/Net/X509Certificate.h>

#include <openssl/ssl.h>

#include <algorithm>
#include <cstdlib>
#include <map>

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include "api/HttpServer.h"
#include "api/Router.h"
#include "tls/ProxyProtocol.h"
#include "util/ApiError.h"

namespace lxdp::tls {

// A trusted proxy sends its header at once; an idle one must not hold the accepting thread long.
constexpr auto kProxyHeaderTimeout = std::chrono::seconds(2);

class ProxiedSources {
public:
    void set(const std::string& connection, const std::optional<std::string>& client) {
        std::lock_guard lock(mutex_);
        // Every connection from a proxy passes here first, so a reused port never keeps a stale client.
        if (client) sources_[connection] = *client;
        else sources_.erase(connection);
    }
    std::optional<std::string> get(const std::string& connection) {
        std::lock_guard lock(mutex_);
        const auto it = sources_.find(connection);
        if (it == sources_.end()) return std::nullopt;
        return it->second;
    }

private:
    std::mutex mutex_;
    std::map<std::string, std::string> sources_;
};

namespace {

// Reads the PROXY header of connections from trusted proxies, before TLS starts on them (the
// server side's handshake waits for the first read). Anyone else's header is not read, and
// fails as TLS.
class ProxyHeaderFilter : public Poco::Net::TCPServerConnectionFilter {
public:
    ProxyHeaderFilter(HttpsListener::ProxyCheck trusted, std::shared_ptr<ProxiedSources> sources)
        : trusted_(std::move(trusted)), sources_(std::move(sources)) {}

    bool accept(const Poco::Net::StreamSocket& socket) override {
        try {
            const auto peer = socket.peerAddress();
            if (!trusted_(peer.host().toString())) return true;
            sources_->set(peer.toString(), readProxyHeader(socket.impl()->sockfd(), kProxyHeaderTimeout));
            return true;
        } catch (const std::exception& e) {
            Poco::Logger::get("https").warning("dropped a connection: %s", std::string(e.what()));
            return false;
        }
    }

private:
    HttpsListener::ProxyCheck trusted_;
    std::shared_ptr<ProxiedSources> sources_;
};

}  // namespace

namespace {

constexpr const char* kDefaultPort = "8443";
// TLS 1.3 only, as upstream since 5.0; LXD_INSECURE_TLS in the daemon's environment re-enables
// TLS 1.2 (upstream's switch, for old clients), then with forward secrecy and AEAD only (ECDSA for
// our key, RSA for an administrator's own).
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256";
constexpr const char* kTls13Suites = "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256";
// SHA-2 signatures only, for the handshake and for client certificates.
constexpr const char* kSigAlgs =
    "ECDSA+SHA384:ECDSA+SHA256:ECDSA+SHA512:ed25519:rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:"
    "rsa_pss_rsae_sha512:RSA+SHA256:RSA+SHA384:RSA+SHA512";

// The client certificate is requested and then judged by the trust store, not by a CA.
int acceptAnyClientCertificate(int, X509_STORE_CTX*) { return 1; }

Poco::AutoPtr<Poco::Net::Context> makeContext(const ServerCertificate& certificate) {
    Poco::Net::Context::Params params;
    params.privateKeyFile = certificate.keyPath;
    params.certificateFile = certificate.certPath;
    params.verificationMode = Poco::Net::Context::VERIFY_RELAXED;
    params.loadDefaultCAs = false;
    params.cipherList = kTls12Ciphers;
    Poco::AutoPtr<Poco::Net::Context> context(new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params));
    context->requireMinimumProtocol(std::getenv("LXD_INSECURE_TLS") ? Poco::Net::Context::PROTO_TLSV1_2
                                                                    : Poco::Net::Context::PROTO_TLSV1_3);
    context->preferServerCiphers();
    SSL_CTX* ssl = context->sslContext();
    SSL_CTX_set_verify(ssl, SSL_VERIFY_PEER, acceptAnyClientCertificate);
    // No resumption: every connection presents its certificate afresh.
    SSL_CTX_set_session_cache_mode(ssl, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ssl, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(ssl, 0);
    if (SSL_CTX_set_ciphersuites(ssl, kTls13Suites) != 1 || SSL_CTX_set1_sigalgs_list(ssl, kSigAlgs) != 1 ||
        SSL_CTX_set1_client_sigalgs_list(ssl, kSigAlgs) != 1)
        throw std::runtime_error("cannot configure the TLS ciphers");
    return context;
}

struct HostPort {
    std::string host;
    std::string port;
};

HostPort splitAddress(const std::string& text) {
    HostPort out{text, kDefaultPort};
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string::npos) throw BadRequest("Invalid address \"" + text + "\"");
        out.host = text.substr(1, close - 1);
        const std::string rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') throw BadRequest("Invalid address \"" + text + "\"");
            out.port = rest.substr(1);
        }
    } else if (std::count(text.begin(), text.end(), ':') == 1) {
        const auto colon = text.find(':');
        out.host = text.substr(0, colon);
        out.port = text.substr(colon + 1);
    }
    // ":8443" listens everywhere.
    if (out.host.empty()) out.host = "::";
    return out;
}

std::string joinHostPort(const std::string& host, const std::string& port) {
    return host.find(':') == std::string::npos ? host + ":" + port : "[" + host + "]:" + port;
}

std::vector<std::string> interfaceAddresses(const std::string& port) {
    std::vector<std::string> out;
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) return out;
    for (ifaddrs* i = list; i; i = i->ifa_next) {
        if (!i->ifa_addr || (i->ifa_flags & IFF_LOOPBACK)) continue;
        const int family = i->ifa_addr->sa_family;
        if (family != AF_INET && family != AF_INET6) continue;
        Poco::Net::IPAddress ip(i->ifa_addr, family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6));
        if (ip.isLinkLocal()) continue;
        out.push_back(joinHostPort(ip.toString(), port));
    }
    ::freeifaddrs(list);
    return out;
}

}  // namespace

HttpsListener::HttpsListener(const api::Router& router, const ServerCertificate& certificate, TrustCheck trusted,
                             ProxyCheck trustedProxy)
    : router_(router),
      trusted_(std::move(trusted)),
      trustedProxy_(std::move(trustedProxy)),
      proxied_(std::make_shared<ProxiedSources>()),
      context_(makeContext(certificate)) {}

HttpsListener::~HttpsListener() { stop(); }

Poco::Net::SocketAddress HttpsListener::resolve(const std::string& address) {
    const HostPort hp = splitAddress(address);
    try {
        return Poco::Net::SocketAddress(hp.host, hp.port);
    } catch (const Poco::Exception& e) {
        throw BadRequest("Invalid address \"" + address + "\": " + e.displayText());
    }
}

void HttpsListener::listen(const std::string& address) {
    std::lock_guard lock(mutex_);
    if (address == address_) return;
    // A bad address is refused before the current listener is touched.
    const auto where = address.empty() ? Poco::Net::SocketAddress() : resolve(address);
    // The old listener goes first: the new address may reuse its port.
    if (server_) server_->stop();
    server_.reset();
    const std::string previous = address_;
    address_.clear();
    if (address.empty()) return;
    try {
        serveOn(where);
        address_ = address;
    } catch (const Poco::Exception& e) {
        if (!previous.empty()) {
            try {
                serveOn(resolve(previous));
                address_ = previous;
            } catch (const std::exception& again) {
                Poco::Logger::get("https").error("cannot go back to %s: %s", previous, std::string(again.what()));
            }
        }
        throw BadRequest("Cannot listen on " + address + ": " + e.displayText());
    }
}

void HttpsListener::serveOn(const Poco::Net::SocketAddress& where) {
    auto identify = [trusted = trusted_, proxied = proxied_](Poco::Net::HTTPServerRequest& http) {
        api::Requestor who;
        who.protocol = "tls";
        who.trusted = false;
        who.address = proxied->get(http.clientAddress().toString()).value_or(http.clientAddress().host().toString());
        Poco::Net::SecureStreamSocket socket(dynamic_cast<Poco::Net::HTTPServerRequestImpl&>(http).socket());
        if (socket.havePeerCertificate()) {
            const Poco::Net::X509Certificate peer = socket.peerCertificate();
            trusted(who, const_cast<X509*>(peer.certificate()));
        } else {
            trusted(who, nullptr);
        }
        return who;
    };
    Poco::Net::SecureServerSocket socket(context_);
    socket.bind(where, true);
    socket.listen(128);
    server_ = std::make_unique<api::HttpServer>(router_, socket, identify);
    server_->setConnectionFilter(new ProxyHeaderFilter(trustedProxy_, proxied_));
    server_->start();
    Poco::Logger::get("https").information("serving the API on %s", where.toString());
}

void HttpsListener::stop() { listen(""); }

std::vector<std::string> reachableAddresses(const std::string& httpsAddress) {
    if (httpsAddress.empty()) return {};
    const HostPort hp = splitAddress(httpsAddress);
    Poco::Net::IPAddress ip;
    if (Poco::Net::IPAddress::tryParse(hp.host, ip) && ip.isWildcard()) return interfaceAddresses(hp.port);
    return {joinHostPort(hp.host, hp.port)};
}

}  // namespace lxdp::tls
