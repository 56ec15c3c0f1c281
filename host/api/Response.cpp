#include "api/Response.h"

#include <Poco/Net/HTTPServerResponse.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "ops/Operation.h"
#include "util/ApiError.h"
#include "util/Random.h"

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

namespace {
// A regular file of the host, never opened through a symlink in its last component.
std::shared_ptr<int> openRegularFile(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) throw NotFound("File not found");
    if (fd < 0 && errno == ELOOP) throw BadRequest("The file is a symlink: path escapes");
    if (fd < 0) throw InternalError("Cannot open the file");
    std::shared_ptr<int> shared(new int(fd), [](int* p) {
        ::close(*p);
        delete p;
    });
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) throw BadRequest("Not a regular file");
    return shared;
}

off_t fileSize(int fd) {
    struct stat st {};
    return ::fstat(fd, &st) == 0 ? st.st_size : 0;
}

void copyFile(int fd, off_t size, std::ostream& out) {
    char buf[65536];
    for (off_t at = 0; at < size && out;) {
        // pread: copies of this response share the descriptor, not a file position.
        const ssize_t n = ::pread(fd, buf, sizeof buf, at);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        out.write(buf, n);
        at += n;
    }
}

// The head of a part of a multipart body; parts after the first begin on a new line.
std::string partHead(const std::string& boundary, const std::string& name, const std::string& filename, bool first) {
    return std::string(first ? "" : "\r\n") + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name +
           "\"; filename=\"" + filename + "\"\r\nContent-Type: application/octet-stream\r\n\r\n";
}
}  // namespace

Response Response::file(const std::string& path, std::map<std::string, std::string> headers) {
    Response r;
    r.files_.push_back({openRegularFile(path), "", ""});
    r.kind_ = Kind::File;
    r.headers_ = std::move(headers);
    r.contentType_ = "application/octet-stream";
    return r;
}

Response Response::files(const std::vector<FilePart>& parts) {
    Response r;
    for (const auto& part : parts) r.files_.push_back({openRegularFile(part.path), part.name, part.filename});
    r.kind_ = Kind::Multipart;
    r.body_ = util::randomSecret().substr(0, 32);
    r.contentType_ = "multipart/form-data; boundary=" + r.body_;
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
        const off_t size = fileSize(*files_.front().fd);
        http.setContentLength64(static_cast<Poco::Int64>(size));
        copyFile(*files_.front().fd, size, http.send());
        return;
    }
    case Kind::Multipart: {
        const std::string tail = "\r\n--" + body_ + "--\r\n";
        std::vector<std::string> heads;
        std::vector<off_t> sizes;
        Poco::Int64 length = static_cast<Poco::Int64>(tail.size());
        for (const auto& f : files_) {
            heads.push_back(partHead(body_, f.name, f.filename, heads.empty()));
            sizes.push_back(fileSize(*f.fd));
            length += static_cast<Poco::Int64>(heads.back().size() + sizes.back());
        }
        http.setContentType(contentType_);
        http.setContentLength64(length);
        std::ostream& out = http.send();
        for (size_t i = 0; i < files_.size(); ++i) {
            out << heads[i];
            copyFile(*files_[i].fd, sizes[i], out);
        }
        out << tail;
        return;
    }
    }
}

}  // namespace lxdp::api
