// lxd-plugin-check PLUGIN.so [key=value ...]: the conformance kit for storage plugins.
//
// Loads the plugin through the daemon's own loader (PluginScratch) and, in a scratch $LXD_DIR,
// exercises every operation its table and flags advertise with real data: pool create, mount and
// usage; volumes filled with files that are read back; snapshots, modification and restore;
// copies; renames; quotas when advertised; streams to a second pool when advertised; deletion and
// cleanup. An advertised capability that is not honoured fails, and so does an unadvertised one
// that does anything but refuse. One line per check, then "N passed, N failed"; the exit status is
// 0 only when nothing failed.
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <lxdp/storage.h>

#include "PluginScratch.h"
#include "plugins/PluginError.h"
#include "plugins/StorageDriver.h"

namespace fs = std::filesystem;
using lxdp::plugins::PluginError;
using lxdp::plugins::StoragePool;
using lxdp::plugins::VolumeRef;

namespace {

constexpr uint64_t kMiB = 1ull << 20;

int passed = 0, failed = 0;

void report(bool ok, const std::string& name, const std::string& why = "") {
    (ok ? passed : failed)++;
    std::cout << (ok ? "ok   " : "FAIL ") << name << (ok || why.empty() ? "" : ": " + why) << std::endl;
}

void skip(const std::string& name, const std::string& why) { std::cout << "skip " << name << ": " << why << std::endl; }

// Runs one check: it passes when body returns without throwing.
bool check(const std::string& name, const std::function<void()>& body) {
    try {
        body();
        report(true, name);
        return true;
    } catch (const std::exception& e) {
        report(false, name, e.what());
        return false;
    }
}

[[noreturn]] void fail(const std::string& why) { throw std::runtime_error(why); }

// The status a call refused with, or nothing when it succeeded.
std::optional<lxdp_status> refusal(const std::function<void()>& call) {
    try {
        call();
        return std::nullopt;
    } catch (const PluginError& e) {
        return e.code();
    }
}

void expectRefused(const std::string& what, const std::function<void()>& call, std::vector<lxdp_status> codes) {
    auto code = refusal(call);
    if (!code) fail(what + " succeeded instead of refusing");
    for (auto c : codes)
        if (*code == c) return;
    fail(what + " refused with status " + std::to_string(*code) + ", not the expected one");
}

VolumeRef custom(const std::string& name, lxdp::plugins::StringMap config = {}) {
    VolumeRef v;
    v.type = LXDP_VOLUME_CUSTOM;
    v.name = name;
    v.config = std::move(config);
    return v;
}

void writeFile(const fs::path& path, const std::string& data, mode_t mode = 0644) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << data;
    out.close();
    if (!out) fail("cannot write " + path.string());
    fs::permissions(path, static_cast<fs::perms>(mode));
}

std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail("cannot read " + path.string());
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void expectFile(const fs::path& path, const std::string& data) {
    if (!fs::exists(path)) fail(path.string() + " is missing");
    if (readFile(path) != data) fail(path.string() + " does not hold what was written");
}

void expectMissing(const fs::path& path) {
    if (fs::exists(fs::symlink_status(path))) fail(path.string() + " exists but should not");
}

// The tree every test volume starts with: a file, a private file, a directory and a symlink.
void fillSample(const std::string& mountPath) {
    fs::path root(mountPath);
    writeFile(root / "hello.txt", "hello from lxd-plugin-check\n");
    fs::create_directory(root / "dir");
    writeFile(root / "dir" / "secret", "private", 0600);
    fs::create_symlink("dir/secret", root / "link");
}

void expectSample(const std::string& mountPath) {
    fs::path root(mountPath);
    expectFile(root / "hello.txt", "hello from lxd-plugin-check\n");
    expectFile(root / "dir" / "secret", "private");
    if ((fs::status(root / "dir" / "secret").permissions() & fs::perms::all) != static_cast<fs::perms>(0600))
        fail("the mode of dir/secret was not kept");
    if (!fs::is_symlink(root / "link") || fs::read_symlink(root / "link") != "dir/secret") fail("the symlink was not kept");
}

// Writes up to limit bytes of incompressible data; returns how many went in and the errno that
// stopped it (0 when all did).
std::pair<uint64_t, int> writeBytes(const fs::path& path, uint64_t limit) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) fail("cannot create " + path.string() + ": " + std::strerror(errno));
    std::vector<char> buf(kMiB);
    uint64_t seed = 0x9e3779b97f4a7c15ull, done = 0;
    int error = 0;
    while (done < limit) {
        for (auto& c : buf) {
            seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
            c = static_cast<char>(seed);
        }
        ssize_t n = ::write(fd, buf.data(), buf.size());
        if (n < 0) {
            error = errno;
            break;
        }
        done += static_cast<uint64_t>(n);
    }
    if (error == 0 && ::fsync(fd) != 0) error = errno;
    if (::close(fd) != 0 && error == 0) error = errno;
    return {done, error};
}

// True when the file's data shares its extents with another file (a reflink or a snapshot).
bool sharesExtents(const fs::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    std::vector<char> buf(sizeof(fiemap) + 32 * sizeof(fiemap_extent));
    auto* map = reinterpret_cast<fiemap*>(buf.data());
    map->fm_length = FIEMAP_MAX_OFFSET;
    map->fm_flags = FIEMAP_FLAG_SYNC;
    map->fm_extent_count = 32;
    bool shared = ::ioctl(fd, FS_IOC_FIEMAP, map) == 0 && map->fm_mapped_extents > 0;
    for (uint32_t i = 0; shared && i < map->fm_mapped_extents; ++i)
        shared = (map->fm_extents[i].fe_flags & FIEMAP_EXTENT_SHARED) != 0;
    ::close(fd);
    return shared;
}

// Mounts and loop devices left under dir, from the kernel's own tables.
std::vector<std::string> leftovers(const std::string& dir) {
    std::vector<std::string> found;
    std::ifstream mounts("/proc/self/mountinfo");
    std::string line;
    while (std::getline(mounts, line)) {
        std::istringstream f(line);
        std::string id, parent, dev, root, where;
        f >> id >> parent >> dev >> root >> where;
        if (where.rfind(dir, 0) == 0) found.push_back("mount " + where);
    }
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/sys/block", ec)) {
        std::ifstream backing(e.path() / "loop" / "backing_file");
        std::string file;
        if (std::getline(backing, file) && file.rfind(dir, 0) == 0)
            found.push_back("loop device " + e.path().filename().string() + " on " + file);
    }
    return found;
}

struct Options {
    std::string plugin;
    lxdp::plugins::StringMap poolConfig;
};

Options parseArgs(int argc, char** argv) {
    if (argc < 2 || std::string(argv[1]) == "--help") {
        std::cerr << "usage: lxd-plugin-check PLUGIN.so [pool-key=value ...]\n"
                     "Checks that a storage plugin honours the lxdp storage ABI; run as root.\n";
        std::exit(2);
    }
    Options o;
    o.plugin = fs::absolute(argv[1]).string();
    for (int i = 2; i < argc; ++i) {
        std::string kv = argv[i];
        auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) {
            std::cerr << "lxd-plugin-check: \"" << kv << "\" is not key=value\n";
            std::exit(2);
        }
        o.poolConfig[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    return o;
}

// The volume checks, on a created and mounted pool.
void checkVolumes(StoragePool& pool, uint32_t flags) {
    const VolumeRef vol = custom("vol");
    StoragePool::Filler sample = fillSample;
    check("volume create with a filler", [&] { pool.createVolume(vol, &sample, nullptr); });
    std::string path;
    check("volume files read back", [&] {
        path = pool.mountVolume(vol);
        expectSample(path);
    });
    check("volume create refuses an existing name",
          [&] { expectRefused("creating \"vol\" twice", [&] { pool.createVolume(vol, nullptr, nullptr); }, {LXDP_E_EXISTS}); });
    check("volume create leaves nothing when the filler fails", [&] {
        StoragePool::Filler broken = [](const std::string& where) {
            writeFile(fs::path(where) / "partial", "x");
            throw std::runtime_error("filler failure on purpose");
        };
        bool threw = false;
        try {
            pool.createVolume(custom("broken"), &broken, nullptr);
        } catch (const std::runtime_error& e) {
            threw = std::string(e.what()) == "filler failure on purpose";
        }
        if (!threw) fail("the filler's exception did not come back");
        expectRefused("mounting the failed volume", [&] { pool.mountVolume(custom("broken")); }, {LXDP_E_NOTFOUND});
        pool.createVolume(custom("broken"), nullptr, nullptr);
        pool.deleteVolume(custom("broken"), nullptr);
    });
    check("volume usage", [&] {
        if (pool.volumeUsage(vol) == 0) fail("a volume holding files reports 0 bytes");
    });

    check("snapshot", [&] { pool.snapshotVolume(custom("vol/snap0"), nullptr); });
    check("snapshot is unchanged by later writes", [&] {
        writeFile(fs::path(path) / "hello.txt", "changed\n");
        writeFile(fs::path(path) / "new.txt", "new\n");
        fs::remove(fs::path(path) / "dir" / "secret");
        expectSample(pool.mountVolume(custom("vol/snap0")));
        expectMissing(fs::path(pool.mountVolume(custom("vol/snap0"))) / "new.txt");
    });
    check("restore", [&] {
        pool.restoreVolume(vol, custom("vol/snap0"), nullptr);
        path = pool.mountVolume(vol);
        expectSample(path);
        expectMissing(fs::path(path) / "new.txt");
    });
    check("copy", [&] {
        pool.copyVolume(custom("copy"), vol, nullptr);
        const std::string copy = pool.mountVolume(custom("copy"));
        expectSample(copy);
        writeFile(fs::path(copy) / "hello.txt", "only in the copy\n");
        expectSample(path);
    });
    check("copy of a snapshot", [&] {
        writeFile(fs::path(path) / "new.txt", "new\n");
        pool.copyVolume(custom("fromsnap"), custom("vol/snap0"), nullptr);
        const std::string copy = pool.mountVolume(custom("fromsnap"));
        expectSample(copy);
        expectMissing(fs::path(copy) / "new.txt");
    });

    if (flags & LXDP_STORAGE_FAST_SNAPSHOTS) {
        check("FAST_SNAPSHOTS: snapshots and copies share data", [&] {
            pool.createVolume(custom("big"), nullptr, nullptr);
            const fs::path big = fs::path(pool.mountVolume(custom("big"))) / "data";
            if (writeBytes(big, 64 * kMiB).second != 0) fail("cannot write 64MiB into a volume");
            auto [usedBefore, total] = pool.usage();
            pool.snapshotVolume(custom("big/s"), nullptr);
            pool.copyVolume(custom("bigcopy"), custom("big"), nullptr);
            const fs::path copied = fs::path(pool.mountVolume(custom("bigcopy"))) / "data";
            ::sync();
            auto [usedAfter, total2] = pool.usage();
            const uint64_t grown = usedAfter > usedBefore ? usedAfter - usedBefore : 0;
            if (!sharesExtents(copied) && grown > 32 * kMiB)
                fail("a snapshot and a copy of 64MiB grew the pool by " + std::to_string(grown / kMiB) +
                     "MiB and share no extents: they are full copies");
            pool.deleteVolume(custom("bigcopy"), nullptr);
            pool.deleteVolume(custom("big"), nullptr);
        });
    } else {
        skip("FAST_SNAPSHOTS", "not advertised");
    }

    if (flags & LXDP_STORAGE_QUOTAS) {
        check("QUOTAS: writes stop at the size", [&] {
            pool.createVolume(custom("quota"), nullptr, nullptr);
            pool.setVolumeSize(custom("quota"), "32MiB");
            auto [written, error] = writeBytes(fs::path(pool.mountVolume(custom("quota"))) / "fill", 128 * kMiB);
            if (error == 0) fail("128MiB went into a volume of 32MiB");
            if (error != EDQUOT && error != ENOSPC) fail(std::string("writing stopped with ") + std::strerror(error));
            if (written > 48 * kMiB) fail(std::to_string(written / kMiB) + "MiB went into a volume of 32MiB");
        });
        check("QUOTAS: a size below usage is refused", [&] {
            expectRefused("shrinking to 1MiB", [&] { pool.setVolumeSize(custom("quota"), "1MiB"); },
                          {LXDP_E_STORAGE_CANNOT_SHRINK});
        });
        check("QUOTAS: removing the size lifts the limit", [&] {
            pool.setVolumeSize(custom("quota"), "");
            auto [written, error] = writeBytes(fs::path(pool.mountVolume(custom("quota"))) / "fill", 64 * kMiB);
            if (error != 0) fail(std::string("writing 64MiB without a size failed: ") + std::strerror(error));
            pool.deleteVolume(custom("quota"), nullptr);
        });
    } else {
        check("no QUOTAS: a size is refused", [&] {
            expectRefused("setting a size of 32MiB", [&] { pool.setVolumeSize(vol, "32MiB"); },
                          {LXDP_E_NOTSUP, LXDP_E_INVAL});
            pool.setVolumeSize(vol, "");
        });
    }
    // Block volumes are optional whatever the flags (a filesystem driver may keep them as image
    // files): a driver either refuses them with LXDP_E_NOTSUP and keeps nothing, or honours
    // the contract of storage.h (grow, never shrink, delete).
    check("block volume: refused and nothing left, or created, grown, not shrunk, deleted", [&] {
        VolumeRef block = custom("block", {{"size", "32MiB"}});
        block.content = LXDP_CONTENT_BLOCK;
        auto refused = refusal([&] { pool.createVolume(block, nullptr, nullptr); });
        if (refused) {
            if (*refused != LXDP_E_NOTSUP && *refused != LXDP_E_INVAL)
                fail("creating a block volume refused with status " + std::to_string(*refused) + ", not NOTSUP");
            expectRefused("mounting the refused block volume", [&] { pool.mountVolume(custom("block")); }, {LXDP_E_NOTFOUND});
            return;
        }
        auto grownAndNotShrunk = refusal([&] {
            pool.setVolumeSize(block, "64MiB");
            expectRefused("shrinking the block volume to 32MiB", [&] { pool.setVolumeSize(block, "32MiB"); },
                          {LXDP_E_STORAGE_CANNOT_SHRINK});
        });
        pool.deleteVolume(block, nullptr);
        if (grownAndNotShrunk) fail("growing the block volume to 64MiB refused with status " + std::to_string(*grownAndNotShrunk));
        expectRefused("mounting the deleted block volume", [&] { pool.mountVolume(block); }, {LXDP_E_NOTFOUND});
    });

    check("rename a snapshot", [&] {
        pool.renameVolume(custom("vol/snap0"), "vol/snap1");
        expectSample(pool.mountVolume(custom("vol/snap1")));
        expectRefused("mounting the old snapshot name", [&] { pool.mountVolume(custom("vol/snap0")); }, {LXDP_E_NOTFOUND});
    });
    check("rename a volume with its snapshots", [&] {
        pool.renameVolume(vol, "renamed");
        expectSample(pool.mountVolume(custom("renamed")));
        expectSample(pool.mountVolume(custom("renamed/snap1")));
        expectRefused("mounting the old name", [&] { pool.mountVolume(vol); }, {LXDP_E_NOTFOUND});
    });
    check("delete a snapshot", [&] {
        pool.deleteVolume(custom("renamed/snap1"), nullptr);
        expectRefused("mounting the deleted snapshot", [&] { pool.mountVolume(custom("renamed/snap1")); },
                      {LXDP_E_NOTFOUND});
        expectSample(pool.mountVolume(custom("renamed")));
    });
    check("delete volumes", [&] {
        pool.snapshotVolume(custom("renamed/last"), nullptr);
        for (const char* name : {"renamed", "copy", "fromsnap"}) {
            pool.unmountVolume(custom(name));
            pool.deleteVolume(custom(name), nullptr);
            expectRefused(std::string("mounting deleted ") + name, [&] { pool.mountVolume(custom(name)); },
                          {LXDP_E_NOTFOUND});
        }
        expectRefused("mounting the snapshot of a deleted volume", [&] { pool.mountVolume(custom("renamed/last")); },
                      {LXDP_E_NOTFOUND});
    });
}

// A stream written to a file by one pool and read back by another (the fds are regular files,
// as an optimized backup's are; a pipe works the same for the driver).
class StreamFile {
public:
    explicit StreamFile(const std::string& path) : path_(path) {}
    ~StreamFile() { ::unlink(path_.c_str()); }
    void send(StoragePool& from, const VolumeRef& vol, const VolumeRef* parent) {
        int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) fail("cannot create " + path_ + ": " + std::strerror(errno));
        try {
            from.sendVolume(vol, parent, fd, nullptr);
        } catch (...) {
            ::close(fd);
            throw;
        }
        struct stat st {};
        ::fstat(fd, &st);
        ::close(fd);
        if (st.st_size == 0) fail("volume_send of \"" + vol.name + "\" wrote nothing");
    }
    void receive(StoragePool& to, const VolumeRef& vol) {
        int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) fail("cannot open " + path_ + ": " + std::strerror(errno));
        try {
            to.receiveVolume(vol, fd, nullptr);
        } catch (...) {
            ::close(fd);
            throw;
        }
        ::close(fd);
    }

private:
    std::string path_;
};

// SEND_RECEIVE: a volume with two snapshots goes from pool to a second pool of the driver (the
// snapshots oldest first, the second and the volume as differences) and arrives with each one's
// data; the received volume is writable, its snapshots are not changed by that. Without the
// flag, volume_send and volume_receive refuse with NOTSUP.
void checkStreams(const lxdp::plugins::StorageDriver& driver, StoragePool& pool, const Options& opts,
                  const std::string& scratch, uint32_t flags) {
    StoragePool::Filler sample = fillSample;
    if (!(flags & LXDP_STORAGE_SEND_RECEIVE)) {
        check("no SEND_RECEIVE: send and receive are refused", [&] {
            pool.createVolume(custom("unsent"), &sample, nullptr);
            const int fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
            auto refusedSend = refusal([&] { pool.sendVolume(custom("unsent"), nullptr, fd, nullptr); });
            auto refusedReceive = refusal([&] { pool.receiveVolume(custom("unreceived"), fd, nullptr); });
            ::close(fd);
            pool.deleteVolume(custom("unsent"), nullptr);
            if (refusedSend != LXDP_E_NOTSUP) fail("volume_send did not refuse with NOTSUP");
            if (refusedReceive != LXDP_E_NOTSUP) fail("volume_receive did not refuse with NOTSUP");
            expectRefused("mounting what a refused receive names", [&] { pool.mountVolume(custom("unreceived")); },
                          {LXDP_E_NOTFOUND});
        });
        return;
    }
    std::unique_ptr<StoragePool> other;
    if (!check("SEND_RECEIVE: a second pool", [&] {
            other = driver.openPool("check2", opts.poolConfig);
            other->create();
            other->mount();
        }))
        return;
    check("SEND_RECEIVE: volume and snapshots round trip", [&] {
        pool.createVolume(custom("src"), &sample, nullptr);
        const fs::path src = pool.mountVolume(custom("src"));
        pool.snapshotVolume(custom("src/s0"), nullptr);
        writeFile(src / "s1.txt", "in s1\n");
        pool.snapshotVolume(custom("src/s1"), nullptr);
        writeFile(src / "hello.txt", "now\n");
        fs::remove(src / "s1.txt");

        StreamFile stream(scratch + "/stream");
        const VolumeRef s0 = custom("src/s0"), s1 = custom("src/s1");
        stream.send(pool, s0, nullptr);
        stream.receive(*other, custom("rt/s0"));
        stream.send(pool, s1, &s0);
        stream.receive(*other, custom("rt/s1"));
        stream.send(pool, custom("src"), &s1);
        stream.receive(*other, custom("rt"));

        const fs::path rt0 = other->mountVolume(custom("rt/s0")), rt1 = other->mountVolume(custom("rt/s1"));
        expectSample(rt0);
        expectMissing(rt0 / "s1.txt");
        expectSample(rt1);
        expectFile(rt1 / "s1.txt", "in s1\n");
        const fs::path rt = other->mountVolume(custom("rt"));
        expectFile(rt / "hello.txt", "now\n");
        expectMissing(rt / "s1.txt");
        expectFile(rt / "dir" / "secret", "private");
        writeFile(rt / "written.txt", "the received volume is writable\n");
        expectMissing(rt1 / "written.txt");
        other->restoreVolume(custom("rt"), custom("rt/s1"), nullptr);
        expectFile(fs::path(other->mountVolume(custom("rt"))) / "s1.txt", "in s1\n");
    });
    check("SEND_RECEIVE: receiving over an existing volume is refused", [&] {
        StreamFile stream(scratch + "/stream");
        stream.send(pool, custom("src/s0"), nullptr);
        expectRefused("receiving \"rt\" twice", [&] { stream.receive(*other, custom("rt")); }, {LXDP_E_EXISTS});
        expectFile(fs::path(other->mountVolume(custom("rt"))) / "s1.txt", "in s1\n");
    });
    check("SEND_RECEIVE: a damaged stream leaves nothing", [&] {
        StreamFile stream(scratch + "/stream");
        stream.send(pool, custom("src/s0"), nullptr);
        // Every byte of the first 64 inverted: whatever the format's framing, it no longer holds.
        std::string data = readFile(scratch + "/stream");
        for (size_t i = 0; i < std::min<size_t>(64, data.size()); ++i) data[i] = static_cast<char>(~data[i]);
        writeFile(scratch + "/stream", data, 0600);
        if (!refusal([&] { stream.receive(*other, custom("damaged")); })) fail("a damaged stream was received");
        expectRefused("mounting the volume of a damaged stream", [&] { other->mountVolume(custom("damaged")); },
                      {LXDP_E_NOTFOUND});
    });
    check("SEND_RECEIVE: volumes deleted, second pool removed", [&] {
        other->deleteVolume(custom("rt"), nullptr);
        pool.deleteVolume(custom("src"), nullptr);
        other->unmount();
        other->remove();
        other.reset();
    });
}

}  // namespace

int main(int argc, char** argv) {
    const Options opts = parseArgs(argc, argv);
    std::optional<lxdp::tools::PluginScratch> scratchHost;
    try {
        scratchHost.emplace("lxd-plugin-check");
    } catch (const std::exception& e) {
        std::cerr << "lxd-plugin-check: " << e.what() << std::endl;
        return 2;
    }
    const std::string scratch = scratchHost->dir();
    const std::string varDir = scratchHost->varDir();
    const auto& loaded = scratchHost->load(opts.plugin);
    const auto& registry = scratchHost->registry();

    const lxdp::plugins::StorageDriver* driver = nullptr;
    check("load", [&] {
        if (!loaded.ok) fail(loaded.reason);
        auto drivers = registry.storageDrivers();
        if (drivers.empty()) fail("the plugin provides no storage driver");
        driver = drivers.front();
        std::cout << "     driver \"" << driver->name() << "\" version \"" << driver->version() << "\" flags 0x"
                  << std::hex << driver->flags() << std::dec << std::endl;
    });
    if (driver != nullptr && check("probe", [&] {
            if (!driver->usable()) fail("the driver is not usable here: " + driver->probeError());
        })) {
        check("pool config validated", [&] { driver->validatePool(opts.poolConfig); });
        check("unknown pool key refused", [&] {
            auto bad = opts.poolConfig;
            bad["lxd-plugin-check.no-such-key"] = "1";
            expectRefused("an unknown key", [&] { driver->validatePool(bad); }, {LXDP_E_INVAL, LXDP_E_NOTSUP});
        });

        std::unique_ptr<StoragePool> pool;
        bool created = check("pool create and mount", [&] {
            pool = driver->openPool("check", opts.poolConfig);
            pool->create();
            pool->mount();
        });
        if (created) {
            check("pool usage", [&] {
                auto [used, total] = pool->usage();
                if (total == 0 || used > total) fail("used " + std::to_string(used) + " of " + std::to_string(total));
            });
            checkVolumes(*pool, driver->flags());
            checkStreams(*driver, *pool, opts, scratch, driver->flags());
            check("pool delete refuses while a volume remains", [&] {
                pool->createVolume(custom("last"), nullptr, nullptr);
                pool->unmount();
                expectRefused("deleting a pool holding a volume", [&] { pool->remove(); }, {LXDP_E_BUSY, LXDP_E_INVAL});
                pool->mount();
                pool->deleteVolume(custom("last"), nullptr);
            });
            check("pool unmount and delete", [&] {
                pool->unmount();
                pool->remove();
                pool.reset();
            });
        }
        check("nothing left behind", [&] {
            auto left = leftovers(scratch);
            if (!left.empty()) fail(left.front());
            for (const char* dir : {"storage-pools/check", "disks/check.img", "storage-pools/check2", "disks/check2.img"})
                expectMissing(fs::path(varDir) / dir);
        });
    }
    // Clean up even after failures, without crossing into what a broken plugin left mounted.
    if (!leftovers(scratch).empty()) {
        scratchHost->keep();
        std::cout << "     left " << scratch << " in place: something is still mounted there" << std::endl;
    }
    std::cout << passed << " passed, " << failed << " failed" << std::endl;
    return failed == 0 ? 0 : 1;
}
