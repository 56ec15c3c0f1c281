#include "db/UnforkedWalIndex.h"

#include <sqlite3.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <stdexcept>

namespace lxdp::db {
namespace {

sqlite3_vfs* base = nullptr;
sqlite3_vfs vfs;
// Where, after the base VFS's own file structure, each open file keeps its base methods (a unix
// file gets one of several method tables, by file system and locking style).
size_t methodsAt = 0;

const sqlite3_io_methods*& baseMethods(sqlite3_file* file) {
    return *reinterpret_cast<const sqlite3_io_methods**>(reinterpret_cast<char*>(file) + methodsAt);
}

int shmMap(sqlite3_file* file, int region, int size, int extend, void volatile** at) {
    int rc = baseMethods(file)->xShmMap(file, region, size, extend, at);
    if (rc == SQLITE_OK && *at != nullptr) {
        const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
        const auto start = reinterpret_cast<uintptr_t>(*at);
        const auto first = start & ~(page - 1);
        // Regions are mmap'ed whole: a failure here leaves the region inheritable, never unusable.
        madvise(reinterpret_cast<void*>(first), start + static_cast<uintptr_t>(size) - first, MADV_DONTFORK);
    }
    return rc;
}

// The base table with xShmMap replaced, one per base table (they live as long as the process).
const sqlite3_io_methods* wrapped(const sqlite3_io_methods* methods) {
    static std::mutex mutex;
    static auto* tables = new std::map<const sqlite3_io_methods*, sqlite3_io_methods>();
    std::lock_guard lock(mutex);
    auto [it, added] = tables->try_emplace(methods, *methods);
    if (added && methods->iVersion >= 2 && methods->xShmMap != nullptr) it->second.xShmMap = shmMap;
    return &it->second;
}

int open(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* outFlags) {
    int rc = base->xOpen(base, name, file, flags, outFlags);
    if (file->pMethods != nullptr) {
        baseMethods(file) = file->pMethods;
        file->pMethods = wrapped(file->pMethods);
    }
    return rc;
}

}  // namespace

void useUnforkedWalIndex() {
    static std::once_flag once;
    std::call_once(once, [] {
        base = sqlite3_vfs_find(nullptr);
        if (base == nullptr) throw std::runtime_error("SQLite has no default VFS");
        vfs = *base;
        methodsAt = (static_cast<size_t>(base->szOsFile) + alignof(void*) - 1) & ~(alignof(void*) - 1);
        vfs.szOsFile = static_cast<int>(methodsAt + sizeof(void*));
        vfs.zName = "lxdp-unforked-wal-index";
        vfs.pNext = nullptr;
        vfs.xOpen = open;
        if (sqlite3_vfs_register(&vfs, 1) != SQLITE_OK) throw std::runtime_error("cannot register SQLite's VFS");
    });
}

}  // namespace lxdp::db
