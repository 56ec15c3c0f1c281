// Drives the instance-lxc plugin through its C ABI against real unprivileged containers booted
// from the acceptance busybox image. Needs root; skips otherwise.
#include <lxdp/instance.h>

#include <gtest/gtest.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

// ---- A minimal host -----------------------------------------------------------------------

std::string g_var_dir;
std::string g_log_dir;

void host_log(lxdp_host *, uint32_t level, const char *msg) {
    static const char *names[] = {"ERROR", "WARN", "INFO", "DEBUG"};
    fprintf(stderr, "[instance-lxc %s] %s\n", level < 4 ? names[level] : "?", msg);
}

size_t host_config_get(lxdp_host *, const char *key, char *buf, size_t len) {
    std::string v;
    if (std::strcmp(key, LXDP_HOST_KEY_VAR_DIR) == 0)
        v = g_var_dir;
    else if (std::strcmp(key, LXDP_HOST_KEY_LOG_DIR) == 0)
        v = g_log_dir;
    else
        return 0;
    snprintf(buf, len, "%s", v.c_str());
    return v.size();
}

// The daemon's run_command in essence (the plugin starts containers through its helper): argv[0]
// as given or found on PATH, stdin from /dev/null, the exit status reported. The command sees
// this process's environment (the PATH SetUp may have narrowed) and writes to its stdout/stderr.
lxdp_status host_run_command(lxdp_host *, const lxdp_command *cmd, lxdp_op *, int32_t *exit_status,
                             lxdp_error *err) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    pid_t pid = -1;
    int rc = posix_spawnp(&pid, cmd->argv[0], &actions, nullptr, const_cast<char *const *>(cmd->argv), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0)
        return lxdp_error_set(err, LXDP_E_IO, "cannot run %s: %s", cmd->argv[0], std::strerror(rc));
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (exit_status != nullptr)
        *exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return LXDP_OK;
}

void host_op_progress(lxdp_op *, const lxdp_progress *) {}
int32_t host_op_cancelled(lxdp_op *) { return 0; }

lxdp_host_api make_host_api(uint32_t major) {
    lxdp_host_api api{};
    api.struct_size = sizeof(api);
    api.abi_major = major;
    api.abi_minor = LXDP_ABI_MINOR;
    api.log = host_log;
    api.config_get = host_config_get;
    api.run_command = host_run_command;
    api.op_progress = host_op_progress;
    api.op_cancelled = host_op_cancelled;
    return api;
}

lxdp_host_api g_host = make_host_api(LXDP_ABI_MAJOR);

lxdp_plugin_entry_fn load_entry() {
    static void *so = dlopen(LXDP_INSTANCE_LXC_PLUGIN, RTLD_NOW | RTLD_LOCAL);
    if (so == nullptr)
        return nullptr;
    return reinterpret_cast<lxdp_plugin_entry_fn>(dlsym(so, LXDP_PLUGIN_ENTRY_SYMBOL));
}

const lxdp_instance_ops *load_ops() {
    lxdp_plugin_entry_fn entry = load_entry();
    if (entry == nullptr)
        return nullptr;
    const lxdp_plugin_info *info = nullptr;
    lxdp_error err{sizeof(err), 0, {}};
    if (entry(&g_host, &info, &err) != LXDP_OK)
        return nullptr;
    for (uint32_t i = 0; i < info->n_components; i++)
        if (info->components[i].kind == LXDP_COMPONENT_INSTANCE)
            return static_cast<const lxdp_instance_ops *>(info->components[i].ops);
    return nullptr;
}

// ---- Helpers ------------------------------------------------------------------------------

// Shell helpers get a fixed PATH: the fixture may hide shadow's tools from liblxc (see SetUp).
int run(const std::string &cmd) {
    int rc = std::system(("PATH=/usr/sbin:/usr/bin:/sbin:/bin; " + cmd).c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string read_fd(int fd) {
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
        if (n > 0)
            out.append(buf, size_t(n));
    return out;
}

struct Err : lxdp_error {
    Err() : lxdp_error{sizeof(lxdp_error), 0, {}} {}
};

struct ExecResult {
    int32_t code = -1;
    std::string out;
    std::string err;
};

struct ExecOptions {
    uint32_t uid = 0;
    uint32_t gid = 0;
    const char *cwd = nullptr;
    std::vector<std::string> env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                    "HOME=/root", "USER=root", "LANG=C.UTF-8"};
};

void collect_volatile(void *ctx, const char *key, const char *value) {
    (*static_cast<std::map<std::string, std::string> *>(ctx))[key] = value;
}

struct MemSink {
    std::string data;
    static int32_t write(void *ctx, const void *d, size_t len) {
        static_cast<MemSink *>(ctx)->data.append(static_cast<const char *>(d), len);
        return 0;
    }
    lxdp_byte_sink sink() { return {sizeof(lxdp_byte_sink), 0, write, this}; }
};

struct MemSource {
    std::string data;
    size_t pos = 0;
    static int64_t read(void *ctx, void *buf, size_t len) {
        auto *s = static_cast<MemSource *>(ctx);
        size_t n = std::min(len, s->data.size() - s->pos);
        std::memcpy(buf, s->data.data() + s->pos, n);
        s->pos += n;
        return int64_t(n);
    }
    lxdp_byte_source source() { return {sizeof(lxdp_byte_source), 0, read, this}; }
};

struct NameList {
    std::vector<std::string> names;
    static void add(void *ctx, const char *name) { static_cast<NameList *>(ctx)->names.push_back(name); }
    lxdp_name_sink sink() { return {sizeof(lxdp_name_sink), 0, add, this}; }
};

// ---- Fixture: one busybox container per test ------------------------------------------------

class InstanceLxcTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (geteuid() != 0)
            GTEST_SKIP() << "needs root to run containers";
        if (access(LXDP_BUSYBOX_IMAGE_SCRIPT, R_OK) != 0)
            GTEST_SKIP() << "busybox image script not found at " << LXDP_BUSYBOX_IMAGE_SCRIPT;
        ops_ = load_ops();
        ASSERT_NE(ops_, nullptr) << "cannot load " << LXDP_INSTANCE_LXC_PLUGIN << ": " << dlerror();

        char tmpl[] = "/tmp/lxdp-lxc-test-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        tmp_ = tmpl;
        // The container's root (an unprivileged host uid) must traverse down to its rootfs.
        chmod(tmp_.c_str(), 0755);
        g_var_dir = tmp_ + "/var";
        g_log_dir = g_var_dir + "/logs";
        volume_ = tmp_ + "/volume";
        fs::create_directories(g_var_dir);
        fs::create_directories(volume_);
        // As restrictive as upstream's container volumes: the plugin must open what it needs.
        chmod(volume_.c_str(), 0100);
        std::string image = tmp_ + "/busybox.tar.gz";
        ASSERT_EQ(run("bash " LXDP_BUSYBOX_IMAGE_SCRIPT " " + image + " >/dev/null"), 0);
        ASSERT_EQ(run("tar -C " + volume_ + " --numeric-owner -xzpf " + image), 0);
        rootfs_ = volume_ + "/rootfs";

        // liblxc writes id maps through shadow's newuidmap whenever it finds it on PATH, and
        // shadow refuses root any range /etc/subuid does not grant. On a host with the tools but
        // no root entry (upstream calls that a broken shadow setup), run liblxc without them so
        // that it writes the default map itself, as on a host without shadow.
        old_path_ = getenv("PATH") != nullptr ? getenv("PATH") : "";
        if (!root_has_subids() && access("/usr/bin/newuidmap", X_OK) == 0)
            setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin", 1);

        lxdp_error err{sizeof(err), 0, {}};
        ASSERT_EQ(ops_->open(&g_host, &driver_, &err), LXDP_OK) << err.message;
        name_ = "t" + std::to_string(getpid());
        config_ = {{"environment.FROM_CONFIG", "yes"}};
    }

    void TearDown() override {
        if (driver_ != nullptr) {
            Err err;
            ops_->stop(driver_, inst(), 1, 30, nullptr, &err);
            Err err2;
            ops_->remove(driver_, inst(), &err2);
            ops_->close(driver_);
        }
        if (!tmp_.empty()) {
            std::error_code ec;
            fs::remove_all(tmp_, ec);
        }
        if (!old_path_.empty())
            setenv("PATH", old_path_.c_str(), 1);
    }

    static bool root_has_subids() {
        for (const char *file : {"/etc/subuid", "/etc/subgid"}) {
            std::ifstream in(file);
            std::string line;
            bool found = false;
            while (std::getline(in, line))
                found = found || line.rfind("root:", 0) == 0 || line.rfind("0:", 0) == 0;
            if (!found)
                return false;
        }
        return true;
    }

    // The lxdp_instance the host would build for one call; valid until the next inst().
    const lxdp_instance *inst() {
        kvs_.clear();
        for (const auto &[k, v] : config_)
            kvs_.push_back({k.c_str(), v.c_str()});
        kv_list_ = {sizeof(lxdp_kv_list), uint32_t(kvs_.size()), kvs_.data()};
        devices_ = {sizeof(lxdp_device_list), 0, nullptr};
        instance_ = {sizeof(lxdp_instance), LXDP_INSTANCE_CONTAINER, "default", name_.c_str(),
                     volume_.c_str(),      &kv_list_,               &devices_};
        return &instance_;
    }

    void create() {
        std::map<std::string, std::string> out;
        lxdp_kv_sink sink{sizeof(sink), 0, collect_volatile, &out};
        Err err;
        ASSERT_EQ(ops_->create(driver_, inst(), &sink, nullptr, &err), LXDP_OK) << err.message;
        for (auto &[k, v] : out)
            config_[k] = v;
        volatile_ = out;
    }

    void start() {
        std::map<std::string, std::string> out;
        lxdp_kv_sink sink{sizeof(sink), 0, collect_volatile, &out};
        Err err;
        ASSERT_EQ(ops_->start(driver_, inst(), &sink, nullptr, &err), LXDP_OK) << err.message;
        for (auto &[k, v] : out)
            config_[k] = v;
    }

    lxdp_instance_state state() {
        lxdp_instance_state st{};
        st.struct_size = sizeof(st);
        Err err;
        EXPECT_EQ(ops_->state(driver_, inst(), &st, &err), LXDP_OK) << err.message;
        return st;
    }

    ExecResult exec(std::vector<std::string> argv, const ExecOptions &o = {}) {
        ExecResult r;
        int out[2], errp[2];
        if (pipe2(out, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0)
            return r;
        int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
        std::vector<const char *> args, env;
        for (auto &a : argv)
            args.push_back(a.c_str());
        args.push_back(nullptr);
        for (auto &e : o.env)
            env.push_back(e.c_str());
        env.push_back(nullptr);
        lxdp_exec_request req{};
        req.struct_size = sizeof(req);
        req.uid = o.uid;
        req.gid = o.gid;
        req.argv = args.data();
        req.envp = env.data();
        req.cwd = o.cwd;
        req.stdin_fd = in;
        req.stdout_fd = out[1];
        req.stderr_fd = errp[1];
        void *handle = nullptr;
        Err err;
        lxdp_status st = ops_->exec(driver_, inst(), &req, &handle, &err);
        close(in);
        close(out[1]);
        close(errp[1]);
        EXPECT_EQ(st, LXDP_OK) << err.message;
        if (st == LXDP_OK) {
            r.out = read_fd(out[0]);
            r.err = read_fd(errp[0]);
            Err werr;
            EXPECT_EQ(ops_->exec_wait(handle, &r.code, &werr), LXDP_OK) << werr.message;
            ops_->exec_release(handle);
        }
        close(out[0]);
        close(errp[0]);
        return r;
    }

    lxdp_status put(const std::string &path, uint32_t type, const std::string &content, int64_t uid = -1,
                    int64_t gid = -1, int32_t mode = -1, uint32_t write_mode = LXDP_FILE_WRITE_OVERWRITE) {
        lxdp_file_info info{sizeof(info), type, uid, gid, mode, write_mode, 0, 0};
        MemSource src{content};
        lxdp_byte_source s = src.source();
        Err err;
        lxdp_status st = ops_->file_put(driver_, inst(), path.c_str(), &info, &s, &err);
        last_error_ = err.message;
        return st;
    }

    lxdp_status get(const std::string &path, lxdp_file_info *info, std::string *content,
                    std::vector<std::string> *names = nullptr) {
        *info = lxdp_file_info{sizeof(lxdp_file_info), 0, 0, 0, 0, 0, 0, 0};
        MemSink sink;
        NameList list;
        lxdp_byte_sink bs = sink.sink();
        lxdp_name_sink ns = list.sink();
        Err err;
        lxdp_status st = ops_->file_get(driver_, inst(), path.c_str(), info, &bs, &ns, &err);
        last_error_ = err.message;
        if (content != nullptr)
            *content = sink.data;
        if (names != nullptr)
            *names = list.names;
        return st;
    }

    const lxdp_instance_ops *ops_ = nullptr;
    void *driver_ = nullptr;
    std::string tmp_, volume_, rootfs_, name_, last_error_, old_path_;
    std::map<std::string, std::string> config_, volatile_;
    std::vector<lxdp_kv> kvs_;
    lxdp_kv_list kv_list_{};
    lxdp_device_list devices_{};
    lxdp_instance instance_{};
};

int64_t base_of(const std::map<std::string, std::string> &cfg) {
    auto it = cfg.find("volatile.idmap.base");
    return it == cfg.end() ? -1 : std::stoll(it->second);
}

struct stat lstat_of(const std::string &path) {
    struct stat st {};
    lstat(path.c_str(), &st);
    return st;
}

// ---- Tests --------------------------------------------------------------------------------

TEST(InstanceLxcEntry, RefusesOtherAbiMajor) {
    lxdp_plugin_entry_fn entry = load_entry();
    ASSERT_NE(entry, nullptr) << dlerror();
    lxdp_host_api api = make_host_api(LXDP_ABI_MAJOR + 1);
    const lxdp_plugin_info *info = nullptr;
    Err err;
    EXPECT_EQ(entry(&api, &info, &err), LXDP_E_ABI);
    EXPECT_NE(std::string(err.message), "");

    ASSERT_EQ(entry(&g_host, &info, &err), LXDP_OK);
    EXPECT_STREQ(info->name, "instance-lxc");
    ASSERT_EQ(info->n_components, 1u);
    EXPECT_EQ(info->components[0].kind, LXDP_COMPONENT_INSTANCE);
    EXPECT_STREQ(info->components[0].name, "lxc");
    auto *ops = static_cast<const lxdp_instance_ops *>(info->components[0].ops);
    EXPECT_EQ(ops->info()->type, LXDP_INSTANCE_CONTAINER);
    EXPECT_STRNE(ops->info()->version, "");
}

TEST_F(InstanceLxcTest, CreateShiftsRootfsIntoIdmap) {
    // Inodes whose shifting needs care: setuid, a POSIX ACL naming a user, a v2 file capability.
    std::string suid = rootfs_ + "/bin/suid-test";
    ASSERT_EQ(run("cp " + rootfs_ + "/bin/busybox " + suid + " && chmod 4755 " + suid), 0);
    const unsigned char acl[] = {2, 0, 0, 0,                            // version
                                 1, 0, 7, 0, 0xff, 0xff, 0xff, 0xff,    // USER_OBJ
                                 2, 0, 6, 0, 0xe8, 3, 0, 0,             // USER 1000 rw
                                 4, 0, 5, 0, 0xff, 0xff, 0xff, 0xff,    // GROUP_OBJ
                                 0x10, 0, 7, 0, 0xff, 0xff, 0xff, 0xff, // MASK
                                 0x20, 0, 5, 0, 0xff, 0xff, 0xff, 0xff};// OTHER
    std::string aclfile = rootfs_ + "/etc/acl-test";
    ASSERT_EQ(run("touch " + aclfile), 0);
    bool have_acl = setxattr(aclfile.c_str(), "system.posix_acl_access", acl, sizeof(acl), 0) == 0;
    std::string capfile = rootfs_ + "/bin/cap-test";
    ASSERT_EQ(run("cp " + rootfs_ + "/bin/busybox " + capfile), 0);
    vfs_cap_data cap{};
    cap.magic_etc = VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE;
    cap.data[0].permitted = 1u << CAP_NET_RAW;
    ASSERT_EQ(setxattr(capfile.c_str(), "security.capability", &cap, XATTR_CAPS_SZ_2, 0), 0) << strerror(errno);

    create();
    if (HasFatalFailure())
        return;
    const int64_t base = base_of(volatile_);
    std::ifstream subuid("/etc/subuid");
    if (std::string l; !(subuid >> l) || l.rfind("root:", 0) != 0) {
        EXPECT_EQ(base, 1000000);
    }
    const std::string map = "[{\"Isuid\":true,\"Isgid\":false,\"Hostid\":" + std::to_string(base) +
                            ",\"Nsid\":0,\"Maprange\":1000000000},{\"Isuid\":false,\"Isgid\":true,\"Hostid\":" +
                            std::to_string(base) + ",\"Nsid\":0,\"Maprange\":1000000000}]";
    if (base == 1000000) {
        EXPECT_EQ(volatile_["volatile.idmap.next"], map);
        EXPECT_EQ(volatile_["volatile.idmap.current"], map);
        EXPECT_EQ(volatile_["volatile.last_state.idmap"], map);
    }

    EXPECT_EQ(lstat_of(rootfs_).st_uid, uid_t(base));
    EXPECT_EQ(lstat_of(rootfs_ + "/bin/busybox").st_uid, uid_t(base));
    EXPECT_EQ(lstat_of(rootfs_ + "/bin/busybox").st_gid, gid_t(base));
    EXPECT_EQ(lstat_of(rootfs_ + "/bin/sh").st_uid, uid_t(base)) << "symlinks are shifted themselves";
    EXPECT_EQ(lstat_of(rootfs_ + "/tmp").st_mode & 07777, 01777u);
    EXPECT_EQ(lstat_of(suid).st_mode & 07777, 04755u) << "setuid bit restored after chown";

    if (have_acl) {
        unsigned char got[64];
        ssize_t n = getxattr(aclfile.c_str(), "system.posix_acl_access", got, sizeof(got));
        ASSERT_EQ(n, ssize_t(sizeof(acl)));
        uint32_t id;
        std::memcpy(&id, got + 12 + 4, 4);
        EXPECT_EQ(int64_t(id), base + 1000) << "ACL_USER entry shifted";
    }
    vfs_ns_cap_data got{};
    ssize_t n = getxattr(capfile.c_str(), "security.capability", &got, sizeof(got));
    ASSERT_EQ(n, ssize_t(XATTR_CAPS_SZ_3)) << "file capability kept, as v3";
    EXPECT_EQ(got.magic_etc & VFS_CAP_REVISION_MASK, uint32_t(VFS_CAP_REVISION_3));
    EXPECT_EQ(int64_t(got.rootid), base);
    EXPECT_EQ(got.data[0].permitted, 1u << CAP_NET_RAW);

    // Creating again (same map recorded) must not shift twice.
    create();
    EXPECT_EQ(lstat_of(rootfs_ + "/bin/busybox").st_uid, uid_t(base));
}

std::string slurp(const std::string &path) {
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST_F(InstanceLxcTest, LifecycleAndExec) {
    const std::string own_cgroups = slurp("/proc/self/cgroup");
    create();
    start();
    if (HasFatalFailure())
        return;
    EXPECT_EQ(slurp("/proc/self/cgroup"), own_cgroups) << "the caller must stay in its own cgroups";
    const int64_t base = base_of(config_);

    lxdp_instance_state st = state();
    EXPECT_EQ(st.status, LXDP_STATE_RUNNING);
    EXPECT_GT(st.pid, 0);
    EXPECT_NE(st.memory_usage, 0);

    {
        Err err;
        std::map<std::string, std::string> out;
        lxdp_kv_sink sink{sizeof(sink), 0, collect_volatile, &out};
        EXPECT_EQ(ops_->start(driver_, inst(), &sink, nullptr, &err), LXDP_E_INSTANCE_RUNNING);
        EXPECT_STREQ(err.message, "The instance is already running");
    }

    ExecResult r = exec({"cat", "/proc/self/uid_map"});
    EXPECT_EQ(r.code, 0) << r.err;
    std::string line = r.out.substr(0, r.out.find('\n'));
    std::string squeezed;
    for (char c : line)
        if (!(c == ' ' && (squeezed.empty() || squeezed.back() == ' ')))
            squeezed += c;
    EXPECT_EQ(squeezed, "0 " + std::to_string(base) + " 1000000000");

    EXPECT_EQ(exec({"sh", "-c", "exit 7"}).code, 7);
    EXPECT_EQ(exec({"/nonexistent/command"}).code, 127);
    EXPECT_EQ(exec({"nonexistent-command"}).code, 127);
    ASSERT_EQ(put("/root/not-exec", LXDP_FILE_REGULAR, "#!/bin/sh\necho hi\n", 0, 0, 0644), LXDP_OK) << last_error_;
    EXPECT_EQ(exec({"/root/not-exec"}).code, 126);

    ExecOptions user;
    user.uid = 1000;
    user.gid = 1000;
    r = exec({"id", "-u"}, user);
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "1000\n");
    r = exec({"id", "-g"}, user);
    EXPECT_EQ(r.out, "1000\n");

    ExecOptions envcwd;
    envcwd.env = {"PATH=/bin:/sbin", "FOO=bar baz", "HOME=/root"};
    envcwd.cwd = "/etc";
    r = exec({"sh", "-c", "echo \"$FOO|$(pwd)|${FROM_CONFIG:-unset}|$(env | grep -c .)\""}, envcwd);
    EXPECT_EQ(r.code, 0) << r.err;
    // The request's environment; environment.* of the config fills gaps, as upstream.
    EXPECT_EQ(r.out.substr(0, r.out.rfind('|')), "bar baz|/etc|yes");
    envcwd.env.push_back("FROM_CONFIG=request");
    r = exec({"sh", "-c", "echo $FROM_CONFIG"}, envcwd);
    EXPECT_EQ(r.out, "request\n") << "the request wins over the config";
    r = exec({"env"}, envcwd);
    EXPECT_EQ(r.out.find("GTEST"), std::string::npos) << "nothing of the calling process: " << r.out;
    ExecOptions home;
    r = exec({"pwd"}, home);
    EXPECT_EQ(r.out, "/root\n") << "no cwd: HOME";

    r = exec({"sh", "-c", "echo out; echo err >&2"});
    EXPECT_EQ(r.out, "out\n");
    EXPECT_EQ(r.err, "err\n");

    // No fd of the daemon may reach the container.
    int leak = open("/etc/hostname", O_RDONLY);
    ASSERT_GE(leak, 0);
    ASSERT_EQ(dup2(leak, 77), 77);
    r = exec({"ls", "/proc/self/fd"});
    close(77);
    close(leak);
    EXPECT_EQ(r.out.find("77"), std::string::npos) << r.out;

    // The environment keys of the instance config reach init.
    r = exec({"sh", "-c", "tr '\\0' '\\n' < /proc/1/environ"});
    EXPECT_NE(r.out.find("FROM_CONFIG=yes"), std::string::npos) << r.out;

    // Signals reach the attached process, and its status comes back as 128+N.
    {
        int out[2];
        ASSERT_EQ(pipe2(out, O_CLOEXEC), 0);
        const char *argv[] = {"sleep", "1000", nullptr};
        const char *envp[] = {"PATH=/bin", nullptr};
        lxdp_exec_request req{};
        req.struct_size = sizeof(req);
        req.argv = argv;
        req.envp = envp;
        req.stdin_fd = -1;
        req.stdout_fd = out[1];
        req.stderr_fd = out[1];
        void *handle = nullptr;
        Err err;
        ASSERT_EQ(ops_->exec(driver_, inst(), &req, &handle, &err), LXDP_OK) << err.message;
        close(out[1]);
        EXPECT_EQ(ops_->exec_signal(handle, SIGTERM, &err), LXDP_OK) << err.message;
        int32_t code = -1;
        EXPECT_EQ(ops_->exec_wait(handle, &code, &err), LXDP_OK) << err.message;
        EXPECT_EQ(code, 128 + SIGTERM);
        EXPECT_NE(ops_->exec_signal(handle, SIGTERM, &err), LXDP_OK) << "signal after exit";
        ops_->exec_release(handle);
        close(out[0]);
    }

    // Freeze and unfreeze.
    {
        Err err;
        ASSERT_EQ(ops_->freeze(driver_, inst(), &err), LXDP_OK) << err.message;
        EXPECT_EQ(state().status, LXDP_STATE_FROZEN);
        ASSERT_EQ(ops_->unfreeze(driver_, inst(), &err), LXDP_OK) << err.message;
        EXPECT_EQ(state().status, LXDP_STATE_RUNNING);
    }

    // A clean shutdown through init.
    {
        Err err;
        auto t0 = std::chrono::steady_clock::now();
        EXPECT_EQ(ops_->stop(driver_, inst(), 0, 30, nullptr, &err), LXDP_OK) << err.message;
        auto secs = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - t0).count();
        EXPECT_LT(secs, 30);
        fprintf(stderr, "clean stop took %llds\n", static_cast<long long>(secs));
        EXPECT_EQ(state().status, LXDP_STATE_STOPPED);
        EXPECT_EQ(state().pid, 0);
        EXPECT_EQ(ops_->stop(driver_, inst(), 0, 30, nullptr, &err), LXDP_E_INSTANCE_NOT_RUNNING);
        void *handle = nullptr;
        const char *argv[] = {"true", nullptr};
        lxdp_exec_request req{};
        req.struct_size = sizeof(req);
        req.argv = argv;
        req.stdin_fd = req.stdout_fd = req.stderr_fd = -1;
        EXPECT_EQ(ops_->exec(driver_, inst(), &req, &handle, &err), LXDP_E_INSTANCE_NOT_RUNNING);
    }

    // Again, forced.
    start();
    EXPECT_EQ(state().status, LXDP_STATE_RUNNING);
    {
        Err err;
        EXPECT_EQ(ops_->remove(driver_, inst(), &err), LXDP_E_INSTANCE_RUNNING);
        EXPECT_EQ(ops_->stop(driver_, inst(), 1, 30, nullptr, &err), LXDP_OK) << err.message;
        EXPECT_EQ(state().status, LXDP_STATE_STOPPED);
    }

    std::string dir = g_log_dir + "/" + name_;
    EXPECT_TRUE(fs::exists(dir + "/config"));
    EXPECT_TRUE(fs::exists(dir + "/lxc.log"));
    std::ifstream log(dir + "/lxc.log");
    std::string log_text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    EXPECT_NE(log_text.find("seccomp"), std::string::npos) << "seccomp profile loaded:\n" << log_text;
    EXPECT_TRUE(fs::exists(dir + "/console.log"));
    Err err;
    EXPECT_EQ(ops_->remove(driver_, inst(), &err), LXDP_OK) << err.message;
    EXPECT_FALSE(fs::exists(dir));
}

// terminal_open (@since 1.4): the pty is the container's own, so an interactive command's tty is
// its /dev/pts/N, which its root owns; the host reads the master until the command is gone.
TEST_F(InstanceLxcTest, TerminalIsTheContainersOwn) {
    create();
    start();
    if (HasFatalFailure())
        return;
    int32_t master = -1, terminal = -1;
    Err err;
    ASSERT_EQ(ops_->terminal_open(driver_, inst(), &master, &terminal, &err), LXDP_OK) << err.message;
    EXPECT_NE(fcntl(master, F_GETFD) & FD_CLOEXEC, 0);
    EXPECT_NE(fcntl(terminal, F_GETFD) & FD_CLOEXEC, 0);
    const char *argv[] = {"sh", "-c", "tty && stat -c owner=%u \"$(tty)\"", nullptr};
    const char *envp[] = {"PATH=/bin:/usr/bin", nullptr};
    lxdp_exec_request req{};
    req.struct_size = sizeof(req);
    req.argv = argv;
    req.envp = envp;
    req.stdin_fd = req.stdout_fd = req.stderr_fd = terminal;
    void *handle = nullptr;
    ASSERT_EQ(ops_->exec(driver_, inst(), &req, &handle, &err), LXDP_OK) << err.message;
    close(terminal);
    const std::string out = read_fd(master); // ends with EIO once the terminal side is gone
    close(master);
    int32_t code = -1;
    EXPECT_EQ(ops_->exec_wait(handle, &code, &err), LXDP_OK) << err.message;
    ops_->exec_release(handle);
    EXPECT_EQ(code, 0) << out;
    EXPECT_EQ(out.rfind("/dev/pts/", 0), 0u) << out;
    EXPECT_NE(out.find("owner=0"), std::string::npos) << out;

    EXPECT_EQ(ops_->stop(driver_, inst(), 1, 30, nullptr, &err), LXDP_OK) << err.message;
    EXPECT_EQ(ops_->terminal_open(driver_, inst(), &master, &terminal, &err), LXDP_E_INSTANCE_NOT_RUNNING);
}

TEST_F(InstanceLxcTest, FilesMapIdsAndStayInsideRootfs) {
    create();
    if (HasFatalFailure())
        return;
    const int64_t base = base_of(config_);
    lxdp_file_info info;
    std::string content;

    // Round trip with ownership and mode, container ids in, host ids on disk.
    ASSERT_EQ(put("/root/hello.txt", LXDP_FILE_REGULAR, "hello\n", 1000, 1001, 0640), LXDP_OK) << last_error_;
    struct stat st = lstat_of(rootfs_ + "/root/hello.txt");
    EXPECT_EQ(int64_t(st.st_uid), base + 1000);
    EXPECT_EQ(int64_t(st.st_gid), base + 1001);
    EXPECT_EQ(st.st_mode & 07777, 0640u);
    ASSERT_EQ(get("/root/hello.txt", &info, &content), LXDP_OK) << last_error_;
    EXPECT_EQ(info.type, LXDP_FILE_REGULAR);
    EXPECT_EQ(content, "hello\n");
    EXPECT_EQ(info.uid, 1000);
    EXPECT_EQ(info.gid, 1001);
    EXPECT_EQ(info.mode, 0640);
    EXPECT_EQ(info.size, 6);

    ASSERT_EQ(put("/root/hello.txt", LXDP_FILE_REGULAR, "world\n", -1, -1, -1, LXDP_FILE_WRITE_APPEND), LXDP_OK);
    ASSERT_EQ(get("/root/hello.txt", &info, &content), LXDP_OK);
    EXPECT_EQ(content, "hello\nworld\n");
    EXPECT_EQ(info.uid, 1000) << "existing owner kept when unset";
    EXPECT_EQ(info.mode, 0640);
    ASSERT_EQ(put("/root/hello.txt", LXDP_FILE_REGULAR, "over", -1, -1, -1), LXDP_OK);
    ASSERT_EQ(get("/root/hello.txt", &info, &content), LXDP_OK);
    EXPECT_EQ(content, "over");

    // Defaults for new files and directories: root-owned, 0644 / 0755.
    ASSERT_EQ(put("/new.txt", LXDP_FILE_REGULAR, "x"), LXDP_OK) << last_error_;
    st = lstat_of(rootfs_ + "/new.txt");
    EXPECT_EQ(int64_t(st.st_uid), base);
    EXPECT_EQ(st.st_mode & 07777, 0644u);
    ASSERT_EQ(put("/srv", LXDP_FILE_DIRECTORY, ""), LXDP_OK) << last_error_;
    ASSERT_EQ(put("/srv", LXDP_FILE_DIRECTORY, ""), LXDP_OK) << "existing directory is fine";
    st = lstat_of(rootfs_ + "/srv");
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0755u);
    EXPECT_EQ(int64_t(st.st_gid), base);
    ASSERT_EQ(put("/srv/a", LXDP_FILE_REGULAR, "a"), LXDP_OK);
    std::vector<std::string> names;
    ASSERT_EQ(get("/srv", &info, nullptr, &names), LXDP_OK);
    EXPECT_EQ(info.type, LXDP_FILE_DIRECTORY);
    EXPECT_EQ(names, std::vector<std::string>{"a"});

    ASSERT_EQ(put("/srv/link", LXDP_FILE_SYMLINK, "/srv/a"), LXDP_OK) << last_error_;
    ASSERT_EQ(get("/srv/link", &info, &content), LXDP_OK);
    EXPECT_EQ(info.type, LXDP_FILE_SYMLINK);
    EXPECT_EQ(content, "/srv/a");
    EXPECT_EQ(int64_t(lstat_of(rootfs_ + "/srv/link").st_uid), base);

    EXPECT_EQ(put("/missing/dir/file", LXDP_FILE_REGULAR, "x"), LXDP_E_NOTFOUND);
    EXPECT_EQ(get("/missing", &info, &content), LXDP_E_NOTFOUND);
    EXPECT_EQ(put("/root/x", LXDP_FILE_REGULAR, "x", 2000000000), LXDP_E_INVAL) << "uid outside the map";

    // Escapes: in-container symlinks and ".." resolve inside the rootfs, never on the host.
    ASSERT_EQ(run("printf container-shadow > " + rootfs_ + "/etc/shadow"), 0);
    ASSERT_EQ(symlink("/etc/shadow", (rootfs_ + "/root/escape").c_str()), 0);
    ASSERT_EQ(symlink("/etc", (rootfs_ + "/root/etcdir").c_str()), 0);
    ASSERT_EQ(symlink("/tmp/", (rootfs_ + "/tmp/outside").c_str()), 0);
    ASSERT_EQ(get("/root/escape", &info, &content), LXDP_OK);
    EXPECT_EQ(info.type, LXDP_FILE_SYMLINK);
    EXPECT_EQ(content, "/etc/shadow") << "the link itself, not the host file";
    ASSERT_EQ(get("/root/etcdir/shadow", &info, &content), LXDP_OK) << last_error_;
    EXPECT_EQ(content, "container-shadow");
    ASSERT_EQ(get("/../../../../etc/shadow", &info, &content), LXDP_OK) << last_error_;
    EXPECT_EQ(content, "container-shadow");
    std::string marker = "lxdp-escape-" + std::to_string(getpid());
    ASSERT_EQ(put("/tmp/outside/" + marker, LXDP_FILE_REGULAR, "x"), LXDP_OK) << last_error_;
    EXPECT_FALSE(fs::exists("/tmp/" + marker)) << "written on the host through a symlink";
    std::error_code ec;
    fs::remove("/tmp/" + marker, ec);
    EXPECT_TRUE(fs::exists(rootfs_ + "/tmp/" + marker));
    ASSERT_EQ(put("/root/escape", LXDP_FILE_REGULAR, "pwned"), LXDP_E_INVAL) << "no write through a final symlink";

    // Delete.
    Err err;
    EXPECT_EQ(ops_->file_delete(driver_, inst(), "/srv", &err), LXDP_E_BUSY) << "not empty";
    EXPECT_EQ(ops_->file_delete(driver_, inst(), "/srv/a", &err), LXDP_OK) << err.message;
    EXPECT_EQ(ops_->file_delete(driver_, inst(), "/srv/link", &err), LXDP_OK) << err.message;
    EXPECT_EQ(ops_->file_delete(driver_, inst(), "/srv", &err), LXDP_OK) << err.message;
    EXPECT_EQ(ops_->file_delete(driver_, inst(), "/root/escape", &err), LXDP_OK) << err.message;
    EXPECT_TRUE(fs::exists(rootfs_ + "/etc/shadow"));
    EXPECT_EQ(ops_->file_delete(driver_, inst(), "/srv", &err), LXDP_E_NOTFOUND);

    // The same while the container runs, and visible from inside.
    start();
    if (HasFatalFailure())
        return;
    ASSERT_EQ(put("/root/live.txt", LXDP_FILE_REGULAR, "live", 1000, 1000, 0600), LXDP_OK) << last_error_;
    ExecResult r = exec({"stat", "-c", "%u:%g:%a", "/root/live.txt"});
    EXPECT_EQ(r.out, "1000:1000:600\n");
    r = exec({"sh", "-c", "echo inside > /root/inside.txt && chown 123:456 /root/inside.txt"});
    EXPECT_EQ(r.code, 0) << r.err;
    ASSERT_EQ(get("/root/inside.txt", &info, &content), LXDP_OK);
    EXPECT_EQ(content, "inside\n");
    EXPECT_EQ(info.uid, 123);
    EXPECT_EQ(info.gid, 456);
}

TEST_F(InstanceLxcTest, RenameMovesRecordsAndValidateChecksRawLxc) {
    create();
    start();
    if (HasFatalFailure())
        return;
    Err err;
    ASSERT_EQ(ops_->stop(driver_, inst(), 1, 30, nullptr, &err), LXDP_OK) << err.message;
    std::string old_dir = g_log_dir + "/" + name_;
    ASSERT_TRUE(fs::exists(old_dir));
    std::string new_name = name_ + "-renamed";
    ASSERT_EQ(ops_->rename(driver_, inst(), new_name.c_str(), &err), LXDP_OK) << err.message;
    EXPECT_FALSE(fs::exists(old_dir));
    EXPECT_TRUE(fs::exists(g_log_dir + "/" + new_name));
    name_ = new_name;
    start();
    EXPECT_EQ(state().status, LXDP_STATE_RUNNING);
    // The image's rcS sets the hostname from /etc/hostname (a host template): check the config.
    std::ifstream cfg(g_log_dir + "/" + new_name + "/config");
    std::string cfg_text((std::istreambuf_iterator<char>(cfg)), std::istreambuf_iterator<char>());
    EXPECT_NE(cfg_text.find("lxc.uts.name = " + new_name + "\n"), std::string::npos) << cfg_text;

    config_["raw.lxc"] = "lxc.environment = RAW=1\n# comment\n";
    EXPECT_EQ(ops_->validate(driver_, inst(), &err), LXDP_OK) << err.message;
    config_["raw.lxc"] = "not a config line";
    EXPECT_EQ(ops_->validate(driver_, inst(), &err), LXDP_E_INVAL);
    config_["raw.lxc"] = "lxc.log.file = /etc/passwd";
    EXPECT_EQ(ops_->validate(driver_, inst(), &err), LXDP_E_INVAL);
    config_.erase("raw.lxc");
    config_["environment.BAD"] = "a\nlxc.rootfs.path = /";
    EXPECT_EQ(ops_->validate(driver_, inst(), &err), LXDP_E_INVAL);
}

TEST_F(InstanceLxcTest, PrivilegedContainerHasNoIdmap) {
    config_["security.privileged"] = "true";
    create();
    if (HasFatalFailure())
        return;
    EXPECT_EQ(config_["volatile.last_state.idmap"], "[]");
    EXPECT_EQ(lstat_of(rootfs_ + "/bin/busybox").st_uid, 0u);
    start();
    if (HasFatalFailure())
        return;
    ExecResult r = exec({"cat", "/proc/self/uid_map"});
    std::string squeezed;
    for (char c : r.out.substr(0, r.out.find('\n')))
        if (!(c == ' ' && (squeezed.empty() || squeezed.back() == ' ')))
            squeezed += c;
    EXPECT_EQ(squeezed, "0 0 4294967295");
}

} // namespace
