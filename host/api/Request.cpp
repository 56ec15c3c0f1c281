#include "api/Request.h"

#include <Poco/Net/HTTPServerRequest.h>

#include <iterator>

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

namespace {
// No API object comes near these; past them a body is an attack or a mistake.
constexpr size_t kMaxJsonBytes = 16 * 1024 * 1024;
constexpr int kMaxJsonDepth = 64;
}  // namespace

const nlohmann::json& Request::json() {
    if (jsonRead_) return json_;
    jsonRead_ = true;
    std::string text;
    char buf[65536];
    std::istream& in = http_.stream();
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        text.append(buf, static_cast<size_t>(in.gcount()));
        if (text.size() > kMaxJsonBytes) throw ApiError(413, "Request body too large");
    }
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
        json_ = nlohmann::json::object();
        return json_;
    }
    try {
        // The depth is checked while parsing, before a deep tree exists.
        json_ = nlohmann::json::parse(text, [](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
            if (depth > kMaxJsonDepth) throw BadRequest("Invalid JSON in request body: nested too deeply");
            return true;
        });
    } catch (const nlohmann::json::exception& e) {
        throw BadRequest(std::string("Invalid JSON in request body: ") + e.what());
    }
    return json_;
}

}  // namespace lxdp::api
