// One REST request as the handlers see it: path parameters, query, project, JSON body.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace Poco::Net {
class HTTPServerRequest;
class HTTPServerResponse;
}  // namespace Poco::Net

namespace lxdp::api {

// Who sent a request. The unix socket is trusted as a whole; over HTTPS the client certificate
// decides, looked up in the trust store for every request.
struct Requestor {
    std::string protocol = "unix";  // "unix" or "tls"
    bool trusted = true;
    std::string address;      // the peer's IP address, over HTTPS
    std::string certificate;  // the client certificate (PEM), when one was sent
    std::string fingerprint;  // its SHA-256
    // A trusted certificate limited to some projects: it reaches only what RestrictedAccess
    // allows, in those projects.
    bool restricted = false;
    std::vector<std::string> projects;
    // The caller's pid as the host sees it, on /dev/lxd (SO_PEERCRED); 0 elsewhere.
    int64_t pid = 0;

    bool mayUse(const std::string& project) const {
        return !restricted || std::find(projects.begin(), projects.end(), project) != projects.end();
    }
};

class Request {
public:
    Request(Poco::Net::HTTPServerRequest& http, Poco::Net::HTTPServerResponse& response,
            std::string path, std::map<std::string, std::string> query);

    const std::string& method() const;
    const std::string& path() const { return path_; }
    // A {name} segment of the route, URL-decoded.
    const std::string& param(const std::string& name) const;
    void setParams(std::map<std::string, std::string> params) { params_ = std::move(params); }
    // A query parameter, or fallback when absent.
    std::string query(const std::string& name, const std::string& fallback = "") const;
    bool hasQuery(const std::string& name) const { return query_.count(name) != 0; }
    // ?project=, "default" when absent.
    std::string project() const;
    // ?recursion=N as a number (0 when absent or not a number).
    int recursion() const;
    std::string header(const std::string& name) const;

    // The body parsed as JSON; a malformed body is a 400. An empty body is an empty object.
    const nlohmann::json& json();
    // The body as a stream (uploads); de-chunked by the HTTP layer.
    std::istream& body();

    const Requestor& requestor() const { return requestor_; }
    void setRequestor(Requestor requestor) { requestor_ = std::move(requestor); }

    Poco::Net::HTTPServerRequest& http() { return http_; }
    Poco::Net::HTTPServerResponse& response() { return response_; }

private:
    Poco::Net::HTTPServerRequest& http_;
    Poco::Net::HTTPServerResponse& response_;
    std::string path_;
    std::map<std::string, std::string> query_;
    std::map<std::string, std::string> params_;
    nlohmann::json json_;
    bool jsonRead_ = false;
    Requestor requestor_;
};

}  // namespace lxdp::api
