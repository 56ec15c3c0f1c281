#include "lxc_limits.h"

#include "lxc_driver.h"

#include <lxc/lxccontainer.h>

#include <sys/stat.h>

#include <cctype>
#include <fstream>
#include <optional>

namespace lxdp_lxc {

namespace {

// One limits.* key and how it becomes a cgroup item.
struct LimitKey {
    const char *key;
    const char *v2_item;
    const char *v1_item;
    // The value the item takes when the key is unset: no limit.
    std::string (*unlimited)(bool cgroup2);
    std::string (*value)(std::string_view key, std::string_view v);
};

// The host's online CPUs ("0-3,6"), which is what an unpinned container may use.
std::string online_cpus() {
    std::ifstream in("/sys/devices/system/cpu/online");
    std::string cpus;
    in >> cpus;
    return cpus.empty() ? "0" : cpus;
}

// The online CPU numbers, in order.
std::vector<int> online_cpu_list() {
    std::vector<int> out;
    const std::string cpus = online_cpus();
    size_t pos = 0;
    while (pos < cpus.size()) {
        size_t comma = cpus.find(',', pos);
        std::string part = cpus.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        size_t dash = part.find('-');
        int first = std::stoi(part.substr(0, dash));
        int last = dash == std::string::npos ? first : std::stoi(part.substr(dash + 1));
        for (int c = first; c <= last; c++)
            out.push_back(c);
        pos = comma == std::string::npos ? cpus.size() : comma + 1;
    }
    return out;
}

// limits.cpu: a count gives the container that many of the host's CPUs (all of them when it
// asks for more), a set ("0-1", "0,2") pins it to those, as upstream.
std::string cpuset_of(std::string_view key, std::string_view v) {
    if (v.empty() || v.find_first_not_of("0123456789,-") != std::string_view::npos || v.size() > 64)
        fail(LXDP_E_INVAL, "Invalid value \"%.*s\" for %.*s", int(v.size()), v.data(), int(key.size()), key.data());
    if (v.find_first_of(",-") != std::string_view::npos)
        return std::string(v);
    const long count = std::stol(std::string(v));
    if (count < 1)
        fail(LXDP_E_INVAL, "Invalid value \"%.*s\" for %.*s: at least one CPU", int(v.size()), v.data(),
             int(key.size()), key.data());
    const std::vector<int> cpus = online_cpu_list();
    std::string out;
    for (size_t i = 0; i < cpus.size() && i < size_t(count); i++)
        out += (out.empty() ? "" : ",") + std::to_string(cpus[i]);
    return out;
}

std::string bytes_of(std::string_view key, std::string_view v) { return std::to_string(parse_size(key, v)); }

std::string count_of(std::string_view key, std::string_view v) {
    if (v.empty() || v.size() > 18 || v.find_first_not_of("0123456789") != std::string_view::npos)
        fail(LXDP_E_INVAL, "Invalid value \"%.*s\" for %.*s", int(v.size()), v.data(), int(key.size()), key.data());
    return std::string(v);
}

const LimitKey kLimits[] = {
    {"limits.memory", "memory.max", "memory.limit_in_bytes",
     [](bool v2) { return std::string(v2 ? "max" : "-1"); }, bytes_of},
    {"limits.processes", "pids.max", "pids.max", [](bool) { return std::string("max"); }, count_of},
    {"limits.cpu", "cpuset.cpus", "cpuset.cpus", [](bool) { return online_cpus(); }, cpuset_of},
};

std::optional<std::string_view> set_value(const InstanceView &inst, const char *key) {
    auto v = inst.get(key);
    if (!v || v->empty())
        return std::nullopt;
    return v;
}

} // namespace

bool controller_available(const std::string &item, bool v2) {
    const std::string controller = item.substr(0, item.find('.'));
    if (!v2) {
        struct stat st;
        return stat(("/sys/fs/cgroup/" + controller).c_str(), &st) == 0;
    }
    std::ifstream in("/sys/fs/cgroup/cgroup.controllers");
    std::string word;
    while (in >> word)
        if (word == controller)
            return true;
    return false;
}

bool cgroup2_only() {
    struct stat st;
    return stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0;
}

int64_t parse_size(std::string_view key, std::string_view v) {
    size_t digits = 0;
    while (digits < v.size() && std::isdigit(static_cast<unsigned char>(v[digits])))
        digits++;
    if (digits == 0 || digits > 18)
        fail(LXDP_E_INVAL, "Invalid value \"%.*s\" for %.*s", int(v.size()), v.data(), int(key.size()),
             key.data());
    int64_t n = std::stoll(std::string(v.substr(0, digits)));
    std::string_view unit = v.substr(digits);
    static const std::pair<std::string_view, int64_t> units[] = {
        {"", 1},          {"B", 1},         {"kB", 1000LL},      {"MB", 1000LL * 1000},
        {"GB", 1000LL * 1000 * 1000},       {"TB", 1000LL * 1000 * 1000 * 1000},
        {"KiB", 1LL << 10}, {"MiB", 1LL << 20}, {"GiB", 1LL << 30}, {"TiB", 1LL << 40}};
    for (const auto &[name, mult] : units)
        if (unit == name)
            return n * mult;
    fail(LXDP_E_INVAL, "Invalid value \"%.*s\" for %.*s (percentages are not supported by the lxc driver)",
         int(v.size()), v.data(), int(key.size()), key.data());
}

void validate_limits(const InstanceView &inst) {
    for (const LimitKey &limit : kLimits)
        if (auto v = set_value(inst, limit.key))
            limit.value(limit.key, *v);
}

std::vector<std::pair<std::string, std::string>> limit_cgroup_items(const InstanceView &inst) {
    const bool v2 = cgroup2_only();
    std::vector<std::pair<std::string, std::string>> items;
    for (const LimitKey &limit : kLimits) {
        const char *item = v2 ? limit.v2_item : limit.v1_item;
        if (auto v = set_value(inst, limit.key); v && controller_available(item, v2))
            items.emplace_back(item, limit.value(limit.key, *v));
    }
    return items;
}

void update_limits(const Driver &drv, const InstanceView &before, const InstanceView &after) {
    const bool v2 = cgroup2_only();
    Container c(drv, after);
    require_running(c);
    for (const LimitKey &limit : kLimits) {
        const auto old_value = set_value(before, limit.key);
        const auto new_value = set_value(after, limit.key);
        const char *item = v2 ? limit.v2_item : limit.v1_item;
        if (old_value == new_value || !controller_available(item, v2))
            continue;
        const std::string value = new_value ? limit.value(limit.key, *new_value) : limit.unlimited(v2);
        if (!c->set_cgroup_item(c.get(), item, value.c_str()))
            fail(LXDP_E_INVAL, "Failed to set %s to \"%s\" for %s on the running instance", item, value.c_str(),
                 limit.key);
    }
}

} // namespace lxdp_lxc
