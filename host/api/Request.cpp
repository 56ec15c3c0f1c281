#include "api/Request.h"

#include <Poco/Net/HTTPServerRequest.h>

#include <iterator>

#include "api/JsonBody.h"
#include "util/ApiError.h"

namespace lxdp::api {

Request::Request(Poco::Net::HTTPServerRequest& http, Poco::Net::HTTPServerResponse& response,
                 std::string path, std::map<std::string, std::string> query)
    : http_(http), response_(response), path_(std::move(path)), query_(std::move(query)) {}

const std::string& Request::method() const { return http_.getMethod(); }

const std::string& Request::param(const std::string& name) const {
    static const std::string empty;
    auto it = params_.find(name);
    return it == params_.end() ? empty : it->second;
}

std::string Request::query(const std::string& name, const std::string& fallback) const {
    auto it = query_.find(name);
    return it == query_.end() ? fallback : it->second;
}

std::string Request::project() const {
    auto p = query("project");
    return p.empty() ? "default" : p;
}

int Request::recursion() const {
    try {
        return std::stoi(query("recursion", "0"));
    } catch (...) {
        return 0;
    }
}

std::string Request::header(const std::string& name) const { return http_.get(name, ""); }

std::istream& Request::body() { return http_.stream(); }

const nlohmann::json& Request::json() {
    if (jsonRead_) return json_;
    jsonRead_ = true;
    json_ = parseJsonBody(readJsonBody(http_.stream()));
    return json_;
}

}  // namespace lxdp::api
