#include "lxc_config.h"

#include <lxc/lxccontainer.h>

#include "lxc_device_cgroup.h"
#include "lxc_disk.h"
#include "lxc_disk_limits.h"
#include "lxc_limits.h"
#include "lxc_notify_mount.h"
#include "lxc_notify_server.h"
#include "lxc_seccomp.h"
#include "lxc_unix_dev.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <fstream>
#include <utility>
#include <vector>

namespace lxdp_lxc {

namespace {

// Keys raw.lxc may not override: the daemon owns logging, storage and the id map.
constexpr std::string_view kRawLxcForbidden[] = {"lxc.logfile", "lxc.log.file", "lxc.syslog", "lxc.log.syslog",
                                                 "lxc.ephemeral", "lxc.rootfs.path", "lxc.idmap", "lxc.id_map"};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

std::vector<std::pair<std::string, std::string>> parse_raw_lxc(std::string_view raw) {
    std::vector<std::pair<std::string, std::string>> items;
    while (!raw.empty()) {
        size_t nl = raw.find('\n');
        std::string_view line = trim(raw.substr(0, nl));
        raw = nl == std::string_view::npos ? std::string_view() : raw.substr(nl + 1);
        if (line.empty() || line.front() == '#')
            continue;
        size_t eq = line.find('=');
        std::string_view key = eq == std::string_view::npos ? line : trim(line.substr(0, eq));
        if (eq == std::string_view::npos || key.substr(0, 4) != "lxc.")
            fail(LXDP_E_INVAL, "Invalid raw.lxc line \"%.*s\": expected \"lxc.<key> = <value>\"",
                 int(line.size()), line.data());
        for (std::string_view forbidden : kRawLxcForbidden)
            if (key == forbidden)
                fail(LXDP_E_INVAL, "raw.lxc may not set %.*s", int(key.size()), key.data());
        items.emplace_back(std::string(key), std::string(trim(line.substr(eq + 1))));
    }
    return items;
}

bool apparmor_enabled() {
    std::ifstream in("/sys/module/apparmor/parameters/enabled");
    std::string v;
    return in >> v && v == "Y";
}

// The NAME of a namespaced key (limits.kernel.NAME), checked before it becomes part of a liblxc
// key: liblxc saves keys as they are, so a newline or '=' in one would add lines of its own.
std::string config_key_suffix(std::string_view key, size_t prefix) {
    const std::string_view name = key.substr(prefix);
    const bool plain = !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char ch) {
        return std::isalnum(ch) || ch == '.' || ch == '_' || ch == '-' || ch == '/';
    });
    if (!plain)
        fail(LXDP_E_INVAL, "Invalid configuration key %.*s", static_cast<int>(key.size()), key.data());
    return std::string(name);
}

class ConfigWriter {
public:
    explicit ConfigWriter(Container &c) : c_(c) {}
    void set(const std::string &key, const std::string &value) {
        // A newline would smuggle extra lines into the saved config file.
        if (value.find('\n') != std::string::npos)
            fail(LXDP_E_INVAL, "Invalid newline in the value of %s", key.c_str());
        if (!c_->set_config_item(c_.get(), key.c_str(), value.c_str()))
            fail(LXDP_E_INVAL, "liblxc refused %s = %s", key.c_str(), value.c_str());
    }

private:
    Container &c_;
};

// liblxc opens its log and console log with O_CREAT and follows symlinks: a link left there
// (by anyone with access to the log dir) would have the container's output appended to its
// target. The dir must be a real directory, and links at the log names are removed.
void confine_log_dir(const std::string &dir) {
    struct stat st {};
    if (lstat(dir.c_str(), &st) != 0)
        fail_errno(errno, "Failed to stat %s", dir.c_str());
    if (!S_ISDIR(st.st_mode))
        fail(LXDP_E_INVAL, "%s is not a directory: path escapes", dir.c_str());
    for (const char *name : {"lxc.log", "console.log"}) {
        const std::string path = dir + "/" + name;
        if (lstat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && unlink(path.c_str()) != 0)
            fail_errno(errno, "Failed to remove %s", path.c_str());
    }
}

} // namespace

void validate_config(const InstanceView &inst) {
    validate_limits(inst);
    const lxdp_kv_list *cfg = inst.raw()->config;
    for (uint32_t i = 0; cfg != nullptr && cfg->items != nullptr && i < cfg->count; i++) {
        std::string_view key = cfg->items[i].key != nullptr ? cfg->items[i].key : "";
        std::string_view value = cfg->items[i].value != nullptr ? cfg->items[i].value : "";
        if (key == "raw.lxc")
            parse_raw_lxc(value);
        else if (key.substr(0, 12) == "environment." &&
                 (key.size() == 12 || key.find_first_of("=\n") != std::string_view::npos ||
                  value.find('\n') != std::string_view::npos))
            fail(LXDP_E_INVAL, "Invalid environment key or value for %.*s", int(key.size()), key.data());
    }
}

void write_lxc_config(const Driver &drv, const InstanceView &inst, const Idmap &idmap, const std::vector<Nic> &nics,
                      Container &c) {
    validate_config(inst);
    std::string dir = drv.container_dir(inst);
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
        fail_errno(errno, "Failed to create %s", dir.c_str());
    confine_log_dir(dir);
    write_file(dir + "/seccomp", seccomp_policy(inst));
    write_file(dir + "/" + kMountPolicyFile, mount_policy_text(inst));

    c->clear_config(c.get());
    ConfigWriter w(c);
    w.set("lxc.uts.name", std::string(inst.name()));
    w.set("lxc.rootfs.path", "dir:" + inst.volume_path() + "/rootfs");
    for (const auto &line : idmap_lxc_values(idmap))
        w.set("lxc.idmap", line);
    struct utsname uts;
    if (uname(&uts) == 0)
        w.set("lxc.arch", uts.machine);
    w.set("lxc.autodev", "1");
    w.set("lxc.pty.max", "1024");
    w.set("lxc.tty.max", "0");
    w.set("lxc.mount.auto", "proc:rw sys:rw cgroup:mixed");
    w.set("lxc.cap.drop", "sys_time sys_module sys_rawio mac_admin mac_override");
    w.set("lxc.signal.halt", "SIGPWR");
    w.set("lxc.signal.reboot", "SIGINT");
    w.set("lxc.init.cmd", "/sbin/init");
    w.set("lxc.log.file", dir + "/lxc.log");
    w.set("lxc.log.level", "info");
    w.set("lxc.console.logfile", dir + "/console.log");
    w.set("lxc.seccomp.profile", dir + "/seccomp");
    // The monitor forwards the policy's notifications to the daemon, naming its container.
    if (seccomp_intercepts(inst)) {
        w.set("lxc.seccomp.notify.proxy", drv.notify_server().proxy_address());
        w.set("lxc.seccomp.notify.cookie", inst.lxc_name());
    }
    if (apparmor_enabled())
        w.set("lxc.apparmor.profile", "generated");
    // Always a private network namespace: with no NIC it holds only lo, never the host's.
    if (nics.empty())
        w.set("lxc.net.0.type", "empty");
    for (size_t i = 0; i < nics.size(); i++) {
        const Nic &nic = nics[i];
        NetKeys keys;
        nic.type->lxc_keys(nic, keys);
        keys.emplace_back("name", nic.name);
        if (!nic.hwaddr.empty())
            keys.emplace_back("hwaddr", nic.hwaddr);
        if (!nic.get("mtu").empty())
            keys.emplace_back("mtu", nic.get("mtu"));
        keys.emplace_back("flags", "up");
        const std::string prefix = "lxc.net." + std::to_string(i) + ".";
        for (const auto &[key, value] : keys)
            w.set(prefix + key, value);
    }
    for (const auto &[key, value] : nic_stop_hook_keys(drv, inst))
        w.set(key, value);

    const bool v2 = cgroup2_only();
    // Privileged or not: an unprivileged container's root may open the nodes its image ships.
    // raw.lxc (below) may still widen it.
    for (const auto &[key, value] : default_device_cgroup_keys(v2))
        w.set(key, value);
    std::vector<std::pair<std::string, DeviceConfig>> infiniband;
    for (const Nic &nic : nics)
        for (DeviceConfig &cfg : nic_unix_nodes(nic))
            infiniband.emplace_back(nic.device, std::move(cfg));
    for (const auto &[key, value] : prepare_unix_devices(drv, inst, idmap, v2, infiniband))
        w.set(key, value);
    for (const auto &[key, value] : prepare_disks(drv, inst, idmap, nullptr))
        w.set(key, value);
    // /dev/lxd (security.devlxd, default true): the daemon serves $LXD_DIR/devlxd/sock and the
    // container sees that directory as /dev/lxd.
    const std::string devlxd = host_config(drv.host(), LXDP_HOST_KEY_VAR_DIR) + "/devlxd";
    struct stat devlxd_st;
    if (auto on = inst.get("security.devlxd"); (!on || on->empty() || parse_bool(*on)) &&
                                               stat((devlxd + "/sock").c_str(), &devlxd_st) == 0)
        w.set("lxc.mount.entry", devlxd + " dev/lxd none bind,create=dir 0 0");
    for (const auto &[item, value] : limit_cgroup_items(inst))
        w.set((v2 ? "lxc.cgroup2." : "lxc.cgroup.") + item, value);
    for (const auto &[item, value] : disk_io_cgroup_items(inst))
        w.set((v2 ? "lxc.cgroup2." : "lxc.cgroup.") + item, value);

    const lxdp_kv_list *cfg = inst.raw()->config;
    for (uint32_t i = 0; cfg != nullptr && cfg->items != nullptr && i < cfg->count; i++) {
        std::string_view key = cfg->items[i].key != nullptr ? cfg->items[i].key : "";
        const std::string value = cfg->items[i].value != nullptr ? cfg->items[i].value : "";
        // The free-form namespaces, as upstream hands them to liblxc: environment.NAME,
        // limits.kernel.LIMIT (a process limit: "N", "SOFT:HARD" or "unlimited") and
        // linux.sysctl.KEY (set in the container's namespaces).
        if (key.substr(0, 12) == "environment.")
            w.set("lxc.environment", std::string(key.substr(12)) + "=" + value);
        else if (key.substr(0, 14) == "limits.kernel." && !value.empty())
            w.set("lxc.prlimit." + config_key_suffix(key, 14), value);
        else if (key.substr(0, 13) == "linux.sysctl." && !value.empty())
            w.set("lxc.sysctl." + config_key_suffix(key, 13), value);
    }
    if (auto raw = inst.get("raw.lxc"))
        for (const auto &[key, value] : parse_raw_lxc(*raw))
            w.set(key, value);

    if (!c->save_config(c.get(), nullptr))
        fail(LXDP_E_IO, "Failed to save the liblxc config of %s in %s", inst.lxc_name().c_str(), dir.c_str());
}

} // namespace lxdp_lxc
