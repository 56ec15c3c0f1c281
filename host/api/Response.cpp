#include "api/Response.h"

#include <Poco/Net/HTTPServerResponse.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "ops/Operation.h"
#include "util/ApiError.h"

namespace lxdp::api {

Response Response::sync(nlohmann::json metadata, std::string etag) {
    Response r;
    r.metadata_ = std::move(metadata);
    r.etag_ = std::move(etag);
    return r;
}

Response Response::syncSerialized(std::string metadataJson, std::string etag) {
    Response r;
    r.body_ = std::move(metadataJson);
    r.etag_ = std::move(etag);
    return r;
}

std::string Response::serialize(const nlohmann::json& value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
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

Response Response::file(const std::string& path, std::map<std::string, std::string> headers) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) throw NotFound("File not found");
    if (fd < 0 && errno == ELOOP) throw BadRequest("The file is a symlink: path escapes");
    if (fd < 0) throw InternalError("Cannot open the file");
    Response r;
    r.fd_ = std::shared_ptr<int>(new int(fd), [](int* p) {
        ::close(*p);
        delete p;
    });
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) throw BadRequest("Not a regular file");
    r.kind_ = Kind::File;
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
void sendText(Poco::Net::HTTPServerResponse& http, int status, std::string text) {
    http.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    http.setContentType("application/json");
    text += '\n';
    // One write of the head and one of the body, not the body through an ostream.
    http.sendBuffer(text.data(), text.size());
}

void sendJson(Poco::Net::HTTPServerResponse& http, int status, const nlohmann::json& body) {
    sendText(http, status, Response::serialize(body));
}
}  // namespace

void Response::send(Poco::Net::HTTPServerResponse& http) const {
    switch (kind_) {
    case Kind::Handled:
        return;
    case Kind::Sync: {
        if (!etag_.empty()) http.set("ETag", "\"" + etag_ + "\"");
        if (!location_.empty()) http.set("Location", location_);
        // The envelope around the metadata, written as text: the metadata (a whole instance
        // list, say) is serialized in place rather than first copied into an envelope object.
        // Keys in the order nlohmann's std::map gives every other envelope.
        static constexpr std::string_view head = R"({"error":"","error_code":0,"metadata":)";
        static constexpr std::string_view tail = R"(,"operation":"","status":"Success","status_code":200,"type":"sync"})";
        const std::string metadata = body_.empty() ? serialize(metadata_) : std::string();
        const std::string& body = body_.empty() ? metadata : body_;
        std::string text;
        text.reserve(head.size() + body.size() + tail.size() + 1);  // sendText's newline: no regrowth
        text.append(head).append(body).append(tail);
        sendText(http, status_, std::move(text));
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
        struct stat st {};
        ::fstat(*fd_, &st);
        http.setContentLength64(static_cast<Poco::Int64>(st.st_size));
        std::ostream& out = http.send();
        char buf[65536];
        for (off_t at = 0; at < st.st_size && out;) {
            // pread: copies of this response share the descriptor, not a file position.
            const ssize_t n = ::pread(*fd_, buf, sizeof buf, at);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            out.write(buf, n);
            at += n;
        }
        return;
    }
    }
}

}  // namespace lxdp::api
