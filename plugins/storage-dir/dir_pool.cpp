// Pool operations of the dir driver: the pool is one directory holding upstream's layout.
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <set>
#include <vector>

#include "dir_driver.h"

namespace lxdp_dir {
namespace {

const char* find(const lxdp_kv_list* config, const char* key) {
    if (config == nullptr) return nullptr;
    for (uint32_t i = 0; i < config->count; ++i)
        if (config->items[i].key != nullptr && std::strcmp(config->items[i].key, key) == 0) return config->items[i].value;
    return nullptr;
}

// A daemon-wide value through the host (snprintf semantics: ask again when it did not fit).
std::string hostConfig(const lxdp_host_api* host, const char* key) {
    std::string value(256, '\0');
    size_t len = host->config_get(host->host, key, value.data(), value.size());
    if (len >= value.size()) {
        value.assign(len + 1, '\0');
        len = host->config_get(host->host, key, value.data(), value.size());
    }
    value.resize(std::min(len, value.size() - 1));
    return value;
}

bool isDir(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Pool& poolOf(void* pool) { return *static_cast<Pool*>(pool); }

}  // namespace

lxdp_status pool_validate(const lxdp_host_api*, const lxdp_kv_list* config, lxdp_error* err) {
    return guard(err, [&] {
        // "volume.size" is accepted for compatibility and ignored: dir volumes have no quota.
        static const std::set<std::string> known{"source", "rsync.bwlimit", "rsync.compression", "volume.size",
                                                 "volatile.pool.pristine"};
        for (uint32_t i = 0; config != nullptr && i < config->count; ++i) {
            const std::string key = config->items[i].key != nullptr ? config->items[i].key : "";
            // Other "volume.*" keys are defaults of the common volume keys, which the host checks.
            const bool volumeDefault = key.rfind("volume.", 0) == 0 && key.rfind("volume.dir.", 0) != 0;
            if (known.count(key) || key.rfind("user.", 0) == 0 || volumeDefault) continue;
            if (key == "size") throw Failure(LXDP_E_INVAL, "dir pools have no size: they use their directory's filesystem");
            throw Failure(LXDP_E_INVAL, "the dir driver does not support the pool config key \"" + key + "\"");
        }
        const char* source = find(config, "source");
        if (source != nullptr && *source != '\0' && *source != '/')
            throw Failure(LXDP_E_INVAL, "source must be an absolute path, not \"" + std::string(source) + "\"");
    });
}

lxdp_status pool_open(const lxdp_host_api* host, const char* name, const lxdp_kv_list* config, void** pool,
                      lxdp_error* err) {
    return guard(err, [&] {
        const char* source = find(config, "source");
        auto p = std::make_unique<Pool>(Pool{host, name, "", false});
        if (source != nullptr && *source != '\0') {
            p->path = source;
            while (p->path.size() > 1 && p->path.back() == '/') p->path.pop_back();
        } else {
            const std::string varDir = hostConfig(host, LXDP_HOST_KEY_VAR_DIR);
            if (varDir.empty()) throw Failure(LXDP_E_INTERNAL, "pool " + p->name + ": the host gave no var dir");
            p->path = varDir + "/storage-pools/" + p->name;
        }
        // Only a directory the driver placed itself is its to remove; a given source stays.
        p->defaultLocation = source == nullptr || *source == '\0';
        *pool = p.release();
    });
}

void pool_close(void* pool) { delete static_cast<Pool*>(pool); }

lxdp_status pool_create(void* pool, const lxdp_kv_sink* config_out, lxdp_error* err) {
    return guard(err, [&] {
        Pool& p = poolOf(pool);
        if (p.defaultLocation) makeDir(p.path.substr(0, p.path.find_last_of('/')), 0711);
        bool madePool = false;
        if (exists(p.path)) {
            if (!isEmptyDir(p.path))
                throw Failure(LXDP_E_INVAL, "pool " + p.name + ": " + p.path + " exists and is not an empty directory");
        } else {
            madePool = makeDir(p.path, 0711);
        }
        std::vector<std::string> made;
        try {
            for (size_t i = 0; i < kPoolDirCount; ++i) {
                std::string dir = p.path + "/" + kPoolDirs[i].name;
                if (makeDir(dir, kPoolDirs[i].mode)) made.push_back(dir);
            }
        } catch (...) {
            // Nothing left behind: what this call made goes again.
            if (madePool) removeTree(p.path);
            else
                for (const auto& dir : made) ::rmdir(dir.c_str());
            throw;
        }
        if (config_out != nullptr) config_out->set(config_out->ctx, "source", p.path.c_str());
    });
}

lxdp_status pool_delete(void* pool, lxdp_error* err) {
    return guard(err, [&] {
        Pool& p = poolOf(pool);
        if (!exists(p.path)) return;
        for (size_t i = 0; i < kPoolDirCount; ++i) {
            std::string dir = p.path + "/" + kPoolDirs[i].name;
            if (exists(dir) && !isEmptyDir(dir))
                throw Failure(LXDP_E_BUSY, "pool " + p.name + " still holds volumes in " + dir);
        }
        for (size_t i = 0; i < kPoolDirCount; ++i) {
            std::string dir = p.path + "/" + kPoolDirs[i].name;
            if (::rmdir(dir.c_str()) != 0 && errno != ENOENT) failErrno("remove " + dir);
        }
        if (p.defaultLocation && ::rmdir(p.path.c_str()) != 0 && errno != ENOENT) failErrno("remove " + p.path);
    });
}

lxdp_status pool_mount(void* pool, lxdp_error* err) {
    return guard(err, [&] {
        Pool& p = poolOf(pool);
        if (!isDir(p.path)) throw Failure(LXDP_E_NOTFOUND, "pool " + p.name + ": directory " + p.path + " is missing");
    });
}

// A dir pool is never mounted by the driver.
lxdp_status pool_unmount(void*, lxdp_error*) { return LXDP_OK; }

lxdp_status pool_usage(void* pool, uint64_t* used_bytes, uint64_t* total_bytes, lxdp_error* err) {
    return guard(err, [&] {
        Pool& p = poolOf(pool);
        struct statvfs fs {};
        if (::statvfs(p.path.c_str(), &fs) != 0) failErrno("statvfs " + p.path);
        *total_bytes = static_cast<uint64_t>(fs.f_blocks) * fs.f_frsize;
        *used_bytes = static_cast<uint64_t>(fs.f_blocks - fs.f_bfree) * fs.f_frsize;
    });
}

}  // namespace lxdp_dir
