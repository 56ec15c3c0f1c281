#include "services/ImageDownload.h"

#include <Poco/Net/MultipartReader.h>
#include <Poco/Net/NetException.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>

#include "ops/Operation.h"
#include "services/ImageService.h"
#include "services/MultipartImage.h"
#include "tls/HttpsFetch.h"
#include "util/ApiError.h"
#include "util/ClosingFd.h"
#include "util/Random.h"

namespace lxdp::services {

namespace {

// How often download_progress changes at most within a file: each change is an operation event.
constexpr auto kReportInterval = std::chrono::seconds(1);

// A byte count as upstream's units.GetByteSizeString(n, 2) writes it (decimal units: "2.50MB").
std::string byteSize(double n) {
    if (n < 1000) return std::to_string(static_cast<int64_t>(n)) + "B";
    const char* units[] = {"kB", "MB", "GB", "TB", "PB", "EB"};
    size_t unit = 0;
    for (n /= 1000; n >= 1000 && unit + 1 < std::size(units); ++unit) n /= 1000;
    char text[32];
    std::snprintf(text, sizeof text, "%.2f%s", n, units[unit]);
    return text;
}

void requireOk(const tls::FetchResult& head, const std::string& url) {
    if (head.status != 200)
        throw BadRequest("The image server answered HTTP status " + std::to_string(head.status) + " for \"" + url + "\"");
}

}  // namespace

ImageDownload::ImageDownload(const std::string& imagesDir, const std::string& project, std::optional<int64_t> room,
                             ops::Operation& op)
    : imagesDir_(imagesDir), project_(project), room_(room), op_(op), started_(std::chrono::steady_clock::now()) {}

ImageDownload::~ImageDownload() {
    if (!metaPath_.empty()) ::unlink(metaPath_.c_str());
    if (!rootfsPath_.empty()) ::unlink(rootfsPath_.c_str());
}

std::string& ImageDownload::nextFile() {
    std::string& path = metaPath_.empty() ? metaPath_ : rootfsPath_;
    if (!path.empty()) throw BadRequest("The image server offers more than a metadata and a rootfs file");
    path = imagesDir_ + "/upload-" + util::randomSecret().substr(0, 16);
    return path;
}

void ImageDownload::streamFile(const std::string& url, const std::string& certificate, const images::StreamFile& file) {
    const std::string label = metaPath_.empty() ? "metadata" : "rootfs";
    const std::string what = "The " + label + " file \"" + url + "\"";
    std::string& path = nextFile();
    util::Sha256 hash;
    tls::httpsFetchStream("GET", url, certificate, {}, [&](const tls::FetchResult& head, std::istream& body) {
        requireOk(head, url);
        receive(body, path, what, label, file.size, file.size > 0 ? std::optional<int64_t>(file.size) : std::nullopt,
                &hash);
    });
    // Each file is checked on its own, so that the error names the one that is wrong.
    const std::string got = hash.hex();
    if (got != file.sha256)
        throw BadRequest(what + " doesn't match its sha256 in the stream: got " + got + ", expected " + file.sha256);
    sources_ += (sources_.empty() ? "\"" : " then \"") + url + "\"";
}

void ImageDownload::exportedImage(const std::string& url, const std::string& certificate) {
    sources_ = "\"" + url + "\"";
    tls::httpsFetchStream("GET", url, certificate, {}, [&](const tls::FetchResult& head, std::istream& body) {
        requireOk(head, url);
        const std::string image = "image \"" + url + "\"";
        // The progress is that of the whole body, as upstream's.
        const auto length = head.headers.find("content-length");
        const int64_t total = length == head.headers.end() ? -1 : std::strtoll(length->second.c_str(), nullptr, 10);
        if (head.contentType.rfind("multipart/", 0) != 0)
            return receive(body, nextFile(), "The " + image, "", total, std::nullopt, nullptr);
        // A split image: its metadata, then its rootfs, as upstream's export sends them.
        try {
            Poco::Net::MultipartReader reader(body, multipartBoundary(head.contentType));
            nextImagePart(reader, "metadata");
            receive(reader.stream(), nextFile(), "The metadata part of the " + image, "", total, std::nullopt, nullptr);
            nextImagePart(reader, "rootfs");
            receive(reader.stream(), nextFile(), "The rootfs part of the " + image, "", total, std::nullopt, nullptr);
        } catch (const Poco::Net::MessageException& e) {
            throw BadRequest("Invalid multipart image from \"" + url + "\": " + e.displayText());
        }
    });
}

void ImageDownload::receive(std::istream& in, const std::string& path, const std::string& what, const std::string& label,
                            int64_t total, std::optional<int64_t> bound, util::Sha256* fileHash) {
    util::ClosingFd fd{::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)};
    if (fd.fd < 0) throw InternalError("Cannot create a file for the download");
    int64_t done = 0;
    char buf[1 << 16];
    while (in) {
        if (op_.cancelled()) throw BadRequest("Operation cancelled");
        in.read(buf, sizeof buf);
        const auto n = in.gcount();
        if (n <= 0) break;
        if (bound && done + n > *bound)
            throw BadRequest(what + " is larger than the " + std::to_string(*bound) + " bytes the image server announced");
        if (room_ && size_ + n > *room_)
            throw BadRequest("The image exceeds the " + std::to_string(*room_) + " bytes left by \"limits.disk\" of project \"" +
                             project_ + "\"");
        fingerprint_.update(buf, static_cast<size_t>(n));
        if (fileHash) fileHash->update(buf, static_cast<size_t>(n));
        for (const char* p = buf; p < buf + n;) {
            const ssize_t w = ::write(fd.fd, p, static_cast<size_t>(buf + n - p));
            if (w <= 0) throw InternalError(std::string("Cannot store the download: ") + std::strerror(w < 0 ? errno : ENOSPC));
            p += w;
        }
        done += n;
        size_ += n;
        report(label, done, total);
    }
    if (in.bad()) throw BadRequest(what + " was cut short");
    if (::fsync(fd.fd) != 0) throw InternalError("Cannot store the download");
}

void ImageDownload::report(const std::string& label, int64_t done, int64_t total) {
    const auto now = std::chrono::steady_clock::now();
    if (label == reportedLabel_ && now - reported_ < kReportInterval) return;
    reported_ = now;
    reportedLabel_ = label;
    // As upstream's: "45% (2.50MB/s)" of an export's whole body, "rootfs: 45% (2.50MB/s)" of each
    // file of a simplestreams server.
    const double seconds = std::chrono::duration<double>(now - started_).count();
    const std::string speed = byteSize(seconds > 0 ? static_cast<double>(size_) / seconds : 0) + "/s";
    const int64_t shown = label.empty() ? size_ : done;
    const std::string amount = total > 0 ? std::to_string(std::min<int64_t>(100, shown * 100 / total)) + "%" : byteSize(shown);
    op_.updateMetadata({{"download_progress", (label.empty() ? "" : label + ": ") + amount + " (" + speed + ")"}});
}

void ImageDownload::finish(ImageUpload& upload, const std::string& expected) {
    const std::string got = fingerprint_.hex();
    // Checked before anything is recorded: the image is only what the fingerprint says.
    if (got != expected)
        throw BadRequest("Image fingerprint doesn't match. Got " + got + " expected " + expected + " (the sha256 of " +
                         sources_ + ")");
    upload.path = metaPath_;
    upload.rootfsPath = rootfsPath_;
    upload.size = size_;
    upload.fingerprint = got;
    metaPath_.clear();
    rootfsPath_.clear();
}

}  // namespace lxdp::services
