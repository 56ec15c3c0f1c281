// The files of one image downloaded from an image server into upload-* files of images/, where
// ImageService::import takes them: a unified image's file, or a split image's metadata and rootfs
// (two files of a simplestreams server, or the multipart answer of an LXD server's export, as
// upstream). Bounded by the bytes the project's limits.disk leaves, hashed on the way to the
// image's fingerprint (the sha256 of the unified file, or of the metadata then the rootfs),
// reported in the operation's download_progress and stopped by its cancellation. What a failed
// download wrote is removed.
#pragma once

#include <chrono>
#include <cstdint>
#include <istream>
#include <optional>
#include <string>

#include "images/SimpleStreams.h"
#include "util/Hash.h"

namespace lxdp::ops { class Operation; }

namespace lxdp::services {

struct ImageUpload;

class ImageDownload {
public:
    // `project` names the project whose limits.disk leaves `room` bytes (none: unbounded).
    ImageDownload(const std::string& imagesDir, const std::string& project, std::optional<int64_t> room,
                  ops::Operation& op);
    ~ImageDownload();
    ImageDownload(const ImageDownload&) = delete;
    ImageDownload& operator=(const ImageDownload&) = delete;

    // One file a simplestreams server lists (at `url`), bounded by the size the stream gives and
    // checked against its sha256 there: first the unified or metadata file, then a split image's
    // rootfs.
    void streamFile(const std::string& url, const std::string& certificate, const images::StreamFile& file);
    // An LXD server's export of the image (or an image URL's file): a unified image's body, or a
    // split image's multipart body.
    void exportedImage(const std::string& url, const std::string& certificate);
    // Hands the files over to upload (path, rootfsPath, size, fingerprint) once their hash is the
    // `expected` fingerprint; BadRequest naming the files otherwise.
    void finish(ImageUpload& upload, const std::string& expected);

private:
    // A new upload file for the next part: the metadata (or unified) file, then the rootfs.
    std::string& nextFile();
    // Copies in to a new file at path (hashed into fileHash too, if given): `what` names it in
    // errors, `label` in the progress (none: the progress is that of the whole download); `total`
    // is the size of what the progress counts (-1: unknown), `bound` the most the file may hold.
    void receive(std::istream& in, const std::string& path, const std::string& what, const std::string& label,
                 int64_t total, std::optional<int64_t> bound, util::Sha256* fileHash);
    void report(const std::string& label, int64_t done, int64_t total);

    const std::string imagesDir_, project_;
    const std::optional<int64_t> room_;
    ops::Operation& op_;
    std::string metaPath_, rootfsPath_, sources_;
    int64_t size_ = 0;
    util::Sha256 fingerprint_;
    std::chrono::steady_clock::time_point started_, reported_;
    std::string reportedLabel_ = "-";  // none yet: the first block of each file is reported
};

}  // namespace lxdp::services
