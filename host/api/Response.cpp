#include "api/Response.h"

#include <Poco/Net/HTTPServerResponse.h>

#include <fstream>

#include "ops/Operation.h"

namespace lxdp::api {

Response Response::sync(nlohmann::json metadata, std::string etag) {
    Response r;
    r.metadata_ = std::move(metadata);
    r.etag_ = std::move(etag);
    return r;
}

Response Response::created(std::string location) {
    Response r;
    r.status_ = 201;
    r.location_ = std::move(location);
    return r;
}

Response Response::async(std::shared_ptr<ops::Operation> op) {
    Response r;
    r.kind_ = Kind::Async;
    r.status_ = 202;
    r.op_ = std::move(op);
    return r;
}

Response Response::error(int status, const std::string& message) {
    Response r;
    r.kind_ = Kind::Error;
    r.status_ = status;
    r.body_ = message;
    return r;
}

Response Response::raw(std::string body, std::map<std::string, std::string> headers, std::string contentType) {
    Response r;
    r.kind_ = Kind::Raw;
    r.body_ = std::move(body);
    r.headers_ = std::move(headers);
    r.contentType_ = std::move(contentType);
    return r;
}

Response Response::file(std::string path, std::map<std::string, std::string> headers) {
    Response r;
    r.kind_ = Kind::File;
    r.body_ = std::move(path);
    r.headers_ = std::move(headers);
    r.contentType_ = "application/octet-stream";
    return r;
}

Response Response::handled() {
    Response r;
    r.kind_ = Kind::Handled;
    return r;
}

namespace {
void sendJson(Poco::Net::HTTPServerResponse& http, int status, const nlohmann::json& body) {
    http.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    http.setContentType("application/json");
    std::string text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    text += '\n';
    http.setContentLength64(static_cast<Poco::Int64>(text.size()));
    http.send() << text;
}
}  // namespace

void Response::send(Poco::Net::HTTPServerResponse& http) const {
    switch (kind_) {
    case Kind::Handled:
        return;
    case Kind::Sync: {
        if (!etag_.empty()) http.set("ETag", "\"" + etag_ + "\"");
        if (!location_.empty()) http.set("Location", location_);
        nlohmann::json env = {{"type", "sync"},       {"status", "Success"}, {"status_code", 200},
                              {"operation", ""},      {"error_code", 0},     {"error", ""},
                              {"metadata", metadata_}};
        sendJson(http, status_, env);
        return;
    }
    case Kind::Async: {
        std::string url = "/1.0/operations/" + op_->id();
        http.set("Location", url);
        nlohmann::json env = {{"type", "async"},   {"status", "Operation created"}, {"status_code", 100},
                              {"operation", url},  {"error_code", 0},               {"error", ""},
                              {"metadata", op_->render()}};
        sendJson(http, status_, env);
        return;
    }
    case Kind::Error: {
        http.set("X-Content-Type-Options", "nosniff");
        nlohmann::json env = {{"type", "error"},     {"status", ""},       {"status_code", 0},
                              {"operation", ""},     {"error_code", status_}, {"error", body_},
                              {"metadata", nullptr}};
        sendJson(http, status_, env);
        return;
    }
    case Kind::Raw:
        for (const auto& [k, v] : headers_) http.set(k, v);
        http.setContentType(contentType_);
        http.setContentLength64(static_cast<Poco::Int64>(body_.size()));
        http.send() << body_;
        return;
    case Kind::File: {
        for (const auto& [k, v] : headers_) http.set(k, v);
        http.setContentType(contentType_);
        std::ifstream in(body_, std::ios::binary);
        in.seekg(0, std::ios::end);
        http.setContentLength64(static_cast<Poco::Int64>(in.tellg()));
        in.seekg(0);
        std::ostream& out = http.send();
        out << in.rdbuf();
        return;
    }
    }
}

}  // namespace lxdp::api
