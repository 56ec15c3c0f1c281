#include "services/OptimizedBackup.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>

#include "images/ArchiveReader.h"
#include "images/ArchiveWriter.h"
#include "images/ImageArchive.h"
#include "images/MemberPath.h"
#include "ops/Operation.h"
#include "plugins/PluginError.h"
#include "services/BackupFile.h"
#include "util/ApiError.h"
#include "util/SafeYaml.h"
#include "util/YamlEmit.h"

namespace lxdp::services {
namespace {

constexpr const char* kHeaderMember = "backup/optimized_header.yaml";
constexpr const char* kVolumeMember = "backup/container.bin";
constexpr size_t kMaxHeaderBytes = 1 << 20;

std::string snapshotMember(const std::string& snapshot) { return "backup/snapshots/" + snapshot + ".bin"; }
// A stream's file is named by its member (snapshot names hold no '/').
std::string fileName(const std::string& member) {
    return member == kVolumeMember ? "container.bin" : "snapshot-" + member.substr(member.find_last_of('/') + 1);
}

plugins::VolumeRef snapshotOf(const plugins::VolumeRef& volume, const std::string& snapshot) {
    auto ref = volume;
    ref.name = volume.name + "/" + snapshot;
    return ref;
}

// An fd that closes itself.
class File {
public:
    File(const std::string& path, int flags) : fd_(::open(path.c_str(), flags | O_CLOEXEC, 0600)) {
        if (fd_ < 0) throw InternalError("Failed to open " + path + ": " + std::strerror(errno));
    }
    File(const File&) = delete;
    File& operator=(const File&) = delete;
    ~File() { ::close(fd_); }
    int fd() const { return fd_; }

private:
    int fd_;
};

// The subvolumes upstream's header lists: the snapshots' roots, then the volume's.
nlohmann::json header(const std::vector<std::string>& snapshots) {
    auto subvolumes = nlohmann::json::array();
    for (const auto& s : snapshots) subvolumes.push_back({{"path", "/"}, {"snapshot", s}, {"readonly", true}});
    subvolumes.push_back({{"path", "/"}, {"snapshot", ""}, {"readonly", false}});
    return {{"subvolumes", subvolumes}};
}

std::optional<nlohmann::json> readHeader(const std::string& tarballPath) {
    images::ArchiveReader reader(tarballPath);
    while (archive_entry* entry = reader.next()) {
        const char* raw = archive_entry_pathname(entry);
        if (images::memberPath(raw ? raw : "") != kHeaderMember) continue;
        if (archive_entry_filetype(entry) != AE_IFREG) throw BadRequest(std::string("Backup member \"") + kHeaderMember + "\" is not a file");
        return util::yamlToJson(util::loadYamlSafely(reader.readData(kHeaderMember, kMaxHeaderBytes), kHeaderMember, 32,
                                                     kMaxHeaderBytes));
    }
    return std::nullopt;
}

// Copies the data of the members named in wanted into files (of the same names in files), in one
// pass over the tarball; BadRequest naming the first member missing.
void extractStreams(const std::string& tarballPath, const std::set<std::string>& wanted, const StreamFiles& files,
                    ops::Operation& op) {
    images::ArchiveReader reader(tarballPath);
    std::set<std::string> found;
    while (archive_entry* entry = reader.next()) {
        const char* raw = archive_entry_pathname(entry);
        const std::string name = images::memberPath(raw ? raw : "");
        if (!wanted.count(name) || found.count(name)) continue;
        if (archive_entry_filetype(entry) != AE_IFREG) throw BadRequest("Backup member \"" + name + "\" is not a file");
        File out(files.path(name), O_WRONLY | O_CREAT | O_TRUNC);
        char buf[64 * 1024];
        for (;;) {
            if (op.cancelled()) throw ApiError(400, images::kOperationCancelled);
            const la_ssize_t n = archive_read_data(reader.handle(), buf, sizeof buf);
            if (n == 0) break;
            if (n < 0) {
                const char* why = archive_error_string(reader.handle());
                throw BadRequest("Failed to read backup member \"" + name + "\": " + (why ? why : "unknown error"));
            }
            for (la_ssize_t done = 0; done < n;) {
                const ssize_t w = ::write(out.fd(), buf + done, static_cast<size_t>(n - done));
                if (w < 0 && errno == EINTR) continue;
                if (w < 0) throw InternalError("Failed to write " + files.path(name) + ": " + std::strerror(errno));
                done += w;
            }
        }
        found.insert(name);
    }
    for (const auto& name : wanted)
        if (!found.count(name)) throw BadRequest("Optimized backup lacks \"" + name + "\"");
}

}  // namespace

StreamFiles::StreamFiles(const std::string& backupsDir) {
    std::filesystem::create_directories(backupsDir);
    std::string pattern = backupsDir + "/.streams-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
        throw InternalError("Failed to create a directory in " + backupsDir + ": " + std::strerror(errno));
    dir_ = pattern;
}

StreamFiles::~StreamFiles() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

std::string StreamFiles::path(const std::string& member) const { return dir_ + "/" + fileName(member); }

bool sendOptimizedStreams(plugins::StoragePool& pool, const plugins::VolumeRef& volume,
                          const std::vector<std::string>& snapshots, const StreamFiles& files, ops::Operation& op) {
    std::optional<plugins::VolumeRef> parent;
    for (const auto& s : snapshots) {
        const auto snap = snapshotOf(volume, s);
        File out(files.path(snapshotMember(s)), O_WRONLY | O_CREAT | O_TRUNC);
        pool.sendVolume(snap, parent ? &*parent : nullptr, out.fd(), op.abiHandle());
        parent = snap;
    }
    File out(files.path(kVolumeMember), O_WRONLY | O_CREAT | O_TRUNC);
    try {
        pool.sendVolume(volume, parent ? &*parent : nullptr, out.fd(), op.abiHandle());
    } catch (const plugins::PluginError& e) {
        if (e.code() == LXDP_E_NOTSUP) return false;
        throw;
    }
    return true;
}

void addOptimizedMembers(images::ArchiveWriter& writer, const std::vector<std::string>& snapshots,
                         const StreamFiles& files) {
    writer.addFile(kHeaderMember, util::jsonToYaml(header(snapshots)), 0644);
    for (const auto& s : snapshots) {
        File in(files.path(snapshotMember(s)), O_RDONLY);
        writer.addFileFrom(snapshotMember(s), in.fd(), 0600);
    }
    File in(files.path(kVolumeMember), O_RDONLY);
    writer.addFileFrom(kVolumeMember, in.fd(), 0600);
}

void checkOptimizedImport(const nlohmann::json& index, const std::string& tarballPath, const std::string& poolName,
                          const plugins::StoragePool& pool) {
    const std::string backend = backupText(index, "backend");
    if (backend != pool.driverName() || !pool.streamsVolumes())
        throw BadRequest("Optimized backup of a \"" + backend + "\" pool cannot be imported into storage pool \"" +
                         poolName + "\" (driver \"" + pool.driverName() + "\"): its data is " + backend +
                         "'s own stream; import it into a " + backend + " pool or export it without optimized storage");
    if (backupText(index, "optimized_header") != "true") return;
    const auto hdr = readHeader(tarballPath);
    if (!hdr) throw BadRequest(std::string("Optimized backup lacks \"") + kHeaderMember + "\"");
    if (!hdr->is_object() || !hdr->contains("subvolumes") || !(*hdr)["subvolumes"].is_array())
        throw BadRequest(std::string("Invalid subvolume list in \"") + kHeaderMember + "\"");
    // Only the volumes' own roots: a nested subvolume's path would name a place in the volume
    // to put it, which is not restored here (and was upstream's path traversal, CVE-2026-85526).
    for (const auto& sub : (*hdr)["subvolumes"])
        if (backupText(sub, "path") != "/")
            throw BadRequest("Optimized backup holds the nested subvolume \"" + backupText(sub, "path") +
                             "\", which cannot be restored: export it without optimized storage");
}

void receiveOptimizedStreams(const std::string& tarballPath, plugins::StoragePool& pool,
                             const plugins::VolumeRef& volume, const std::vector<std::string>& snapshots,
                             const std::string& backupsDir, ops::Operation& op) {
    StreamFiles files(backupsDir);
    std::set<std::string> wanted = {kVolumeMember};
    for (const auto& s : snapshots) wanted.insert(snapshotMember(s));
    extractStreams(tarballPath, wanted, files, op);
    std::vector<plugins::VolumeRef> received;
    try {
        for (const auto& s : snapshots) {
            File in(files.path(snapshotMember(s)), O_RDONLY);
            pool.receiveVolume(snapshotOf(volume, s), in.fd(), op.abiHandle());
            received.push_back(snapshotOf(volume, s));
        }
        File in(files.path(kVolumeMember), O_RDONLY);
        pool.receiveVolume(volume, in.fd(), op.abiHandle());
    } catch (...) {
        for (auto it = received.rbegin(); it != received.rend(); ++it) try { pool.deleteVolume(*it, nullptr); } catch (...) {}
        throw;
    }
}

}  // namespace lxdp::services
