#include "tls/HttpsFetch.h"

#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cctype>
#include <istream>

#include "tls/ClientContext.h"
#include "util/ApiError.h"

namespace lxdp::tls {

namespace {

constexpr int kTimeoutSeconds = 30;

}  // namespace

FetchResult httpsFetchStream(const std::string& method, const std::string& url, const std::string& certificate,
                             const std::map<std::string, std::string>& requestHeaders,
                             const std::function<void(const FetchResult& head, std::istream& body)>& reader) {
    const Poco::URI uri = httpsUrl(url, "image server");
    FetchResult out;
    try {
        Poco::Net::HTTPSClientSession session(uri.getHost(), uri.getPort(), clientContext(certificate));
        session.setTimeout(Poco::Timespan(kTimeoutSeconds, 0));
        Poco::Net::HTTPRequest request(method, uri.getPathAndQuery(), Poco::Net::HTTPMessage::HTTP_1_1);
        request.set("User-Agent", "LXD 5.0.2");
        for (const auto& [k, v] : requestHeaders) request.set(k, v);
        session.sendRequest(request);
        Poco::Net::HTTPResponse response;
        std::istream& body = session.receiveResponse(response);
        out.status = static_cast<int>(response.getStatus());
        out.contentType = response.getContentType();
        for (const auto& [k, v] : response) {
            std::string name = k;
            std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
            out.headers[name] = v;
        }
        if (method != "HEAD") reader(out, body);
    } catch (const Poco::Exception& e) {
        throw BadRequest("Cannot reach the image server \"" + url + "\": " + e.displayText());
    }
    return out;
}

FetchResult httpsFetch(const std::string& method, const std::string& url, const std::string& certificate,
                       const std::map<std::string, std::string>& requestHeaders,
                       const std::function<void(const char* data, size_t size)>& sink) {
    return httpsFetchStream(method, url, certificate, requestHeaders, [&](const FetchResult&, std::istream& body) {
        char buf[1 << 16];
        while (body) {
            body.read(buf, sizeof buf);
            const auto n = body.gcount();
            if (n <= 0) break;
            sink(buf, static_cast<size_t>(n));
        }
        if (body.bad()) throw BadRequest("The download from \"" + url + "\" was cut short");
    });
}

}  // namespace lxdp::tls
