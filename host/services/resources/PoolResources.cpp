#include "services/resources/PoolResources.h"

#include <sys/stat.h>
#include <sys/statvfs.h>

#include "plugins/StorageDriver.h"

namespace lxdp::services::resources {

namespace {
// Where the pool's filesystem is seen from the host: its mount under storage-pools, or, for a
// pool kept in a directory the administrator gave (dir's source), that directory.
std::string poolFilesystem(const db::PoolRecord& record, const std::string& poolsDir) {
    struct stat st {};
    const std::string mount = poolsDir + "/" + record.name;
    if (::stat(mount.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return mount;
    const auto source = record.config.find("source");
    if (source != record.config.end() && ::stat(source->second.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
        return source->second;
    return "";
}
}  // namespace

nlohmann::json poolResources(const db::PoolRecord& record, plugins::StoragePool& pool, const std::string& poolsDir) {
    const auto [used, total] = pool.usage();
    nlohmann::json space = {{"total", total}};
    // Upstream leaves out a used space of 0 (omitempty).
    if (used > 0) space["used"] = used;
    nlohmann::json inodes = {{"used", 0}, {"total", 0}};
    struct statvfs fs {};
    const std::string path = poolFilesystem(record, poolsDir);
    // btrfs reports no inode limit (f_files 0): both stay 0, as upstream's statfs shows them.
    if (!path.empty() && ::statvfs(path.c_str(), &fs) == 0 && fs.f_files >= fs.f_ffree)
        inodes = {{"used", static_cast<uint64_t>(fs.f_files - fs.f_ffree)}, {"total", static_cast<uint64_t>(fs.f_files)}};
    return {{"space", space}, {"inodes", inodes}};
}

}  // namespace lxdp::services::resources
