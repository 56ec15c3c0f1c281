// What a handler answers: one of the LXD envelopes (sync, async, error) or a raw body.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace Poco::Net { class HTTPServerResponse; }

namespace lxdp::ops { class Operation; }

namespace lxdp::api {

class Response {
public:
    // 200 sync envelope; etag, when set, goes into the Etag header.
    static Response sync(nlohmann::json metadata, std::string etag = "");
    // The same with the metadata already serialized (by serialize): for bodies kept between requests.
    static Response syncSerialized(std::string metadataJson, std::string etag = "");
    // JSON text as every response writes it (invalid UTF-8 replaced, not thrown on).
    static std::string serialize(const nlohmann::json& value);
    // 201 sync envelope with a Location header and null metadata.
    static Response created(std::string location);
    // 202 async envelope for an operation.
    static Response async(std::shared_ptr<ops::Operation> op);
    static Response error(int status, const std::string& message);
    // A raw body with its own headers (file pulls, image exports).
    static Response raw(std::string body, std::map<std::string, std::string> headers,
                        std::string contentType = "application/octet-stream");
    // Streams a regular file of the host as the body. It is opened here, never through a symlink
    // in its last component (a log or export replaced by a link must not serve the link's
    // target): NotFound when it is missing, BadRequest when it is a link or not a regular file.
    static Response file(const std::string& path, std::map<std::string, std::string> headers);
    // One part of a multipart answer: its form name, the file name it offers, the host file.
    struct FilePart {
        std::string name;
        std::string filename;
        std::string path;
    };
    // Streams regular files of the host as one multipart/form-data body (a split image's export,
    // as upstream), each opened as file() opens one.
    static Response files(const std::vector<FilePart>& parts);
    // The handler already answered (websocket upgrades).
    static Response handled();

    void send(Poco::Net::HTTPServerResponse& http) const;
    int status() const { return status_; }

private:
    enum class Kind { Sync, Async, Error, Raw, File, Multipart, Handled };
    // A file being served: the descriptor is shared by copies of the response, closed with the last.
    struct OpenFile {
        std::shared_ptr<int> fd;
        std::string name;
        std::string filename;
    };
    Kind kind_ = Kind::Sync;
    int status_ = 200;
    nlohmann::json metadata_;
    std::string etag_;
    std::string location_;
    std::string body_;  // error message, raw body, multipart boundary, or serialized sync metadata
    std::string contentType_;
    std::map<std::string, std::string> headers_;
    std::shared_ptr<ops::Operation> op_;
    std::vector<OpenFile> files_;  // Kind::File: one; Kind::Multipart: each part
};

}  // namespace lxdp::api
