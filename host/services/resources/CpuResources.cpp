// The "cpu" part: sockets, dies and cores, threads with their NUMA node, online and isolated
// state, per-socket caches and frequencies (resources_v2, resources_cpu_socket,
// resources_cpu_threads_numa, resources_cpu_core_die, resources_cpu_isolated).
#include <sys/utsname.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "services/resources/HostResources.h"

namespace lxdp::services::resources {

namespace {

const std::string kCpuDir = "/sys/devices/system/cpu";

bool isCpuEntry(const std::string& name) {
    return name.size() > 3 && name.rfind("cpu", 0) == 0 &&
           std::all_of(name.begin() + 3, name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// What /proc/cpuinfo says of each logical CPU: its model name, vendor and current MHz.
struct CpuInfo {
    std::string name, vendor;
    uint64_t mhz = 0;
};

std::map<uint64_t, CpuInfo> parseCpuInfo(const std::string& text) {
    std::map<uint64_t, CpuInfo> out;
    std::istringstream in(text);
    std::string line;
    std::optional<uint64_t> current;
    while (std::getline(in, line)) {
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string key = line.substr(0, colon);
        key.erase(key.find_last_not_of(" \t") + 1);
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(" \t"));
        try {
            if (key == "processor") current = std::stoull(value);
            else if (!current) continue;
            else if (key == "model name") out[*current].name = value;
            else if (key == "vendor_id") out[*current].vendor = value;
            else if (key == "cpu MHz") out[*current].mhz = static_cast<uint64_t>(std::stod(value));
        } catch (const std::exception&) {
        }
    }
    return out;
}

// The NUMA node a CPU directory links to (nodeN inside it); 0 on machines without NUMA.
uint64_t numaNodeOfCpu(const HostFiles& host, const std::string& dir) {
    for (const auto& name : host.list(dir))
        if (name.size() > 4 && name.rfind("node", 0) == 0) {
            try {
                return std::stoull(name.substr(4));
            } catch (const std::exception&) {
            }
        }
    return 0;
}

nlohmann::json caches(const HostFiles& host, const std::string& dir) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& index : host.list(dir + "/cache")) {
        if (index.rfind("index", 0) != 0) continue;
        const std::string d = dir + "/cache/" + index;
        out.push_back({{"level", host.number(d + "/level").value_or(0)},
                       {"type", host.text(d + "/type")},
                       {"size", sizeWithUnit(host.text(d + "/size"))}});
    }
    return out;
}

struct Thread {
    uint64_t id, numa;
    bool online, isolated;
};
struct Core {
    uint64_t core = 0, die = 0;
    uint64_t frequency = 0;
    std::vector<Thread> threads;
};
struct Socket {
    uint64_t socket = 0;
    std::string name, vendor;
    nlohmann::json cache = nlohmann::json::array();
    uint64_t minimum = 0, turbo = 0;
    std::map<std::pair<uint64_t, uint64_t>, Core> cores;  // by (die, core)
};

}  // namespace

nlohmann::json cpuResources(const HostFiles& host) {
    const auto info = parseCpuInfo(host.text("/proc/cpuinfo"));
    const auto isolatedList = cpuList(host.text(kCpuDir + "/isolated"));
    const std::set<uint64_t> isolated(isolatedList.begin(), isolatedList.end());

    std::vector<uint64_t> ids;
    for (const auto& name : host.list(kCpuDir))
        if (isCpuEntry(name)) ids.push_back(std::stoull(name.substr(3)));
    std::sort(ids.begin(), ids.end());

    std::map<uint64_t, Socket> sockets;
    uint64_t total = 0;
    for (uint64_t id : ids) {
        const std::string dir = kCpuDir + "/cpu" + std::to_string(id);
        // The boot CPU often has no "online" file: it cannot be taken offline.
        const bool online = host.number(dir + "/online").value_or(1) == 1;
        // An offline CPU has no topology: it counts in socket and core 0, as upstream shows it.
        const uint64_t socketId = host.number(dir + "/topology/physical_package_id").value_or(0);
        const uint64_t coreId = host.number(dir + "/topology/core_id").value_or(0);
        const uint64_t dieId = host.number(dir + "/topology/die_id").value_or(0);

        Socket& socket = sockets[socketId];
        socket.socket = socketId;
        const auto cpuInfo = info.find(id);
        if (socket.name.empty() && cpuInfo != info.end()) {
            socket.name = cpuInfo->second.name;
            socket.vendor = cpuInfo->second.vendor;
        }
        if (socket.cache.empty()) socket.cache = caches(host, dir);
        if (socket.turbo == 0) {
            socket.minimum = host.number(dir + "/cpufreq/cpuinfo_min_freq").value_or(0) / 1000;
            socket.turbo = host.number(dir + "/cpufreq/cpuinfo_max_freq").value_or(0) / 1000;
        }

        Core& core = socket.cores[{dieId, coreId}];
        core.core = coreId;
        core.die = dieId;
        if (core.frequency == 0) {
            // Without cpufreq (virtual machines) the kernel's last measure in cpuinfo.
            const auto khz = host.number(dir + "/cpufreq/scaling_cur_freq");
            core.frequency = khz ? *khz / 1000 : (cpuInfo != info.end() ? cpuInfo->second.mhz : 0);
        }
        core.threads.push_back({id, numaNodeOfCpu(host, dir), online, isolated.count(id) > 0});
        ++total;
    }

    nlohmann::json out = nlohmann::json::array();
    for (auto& [socketId, socket] : sockets) {
        nlohmann::json cores = nlohmann::json::array();
        uint64_t frequencySum = 0, measured = 0;
        for (auto& [key, core] : socket.cores) {
            nlohmann::json threads = nlohmann::json::array();
            for (size_t i = 0; i < core.threads.size(); ++i) {
                const auto& t = core.threads[i];
                threads.push_back({{"id", t.id},
                                   {"numa_node", t.numa},
                                   {"thread", i},
                                   {"online", t.online},
                                   {"isolated", t.isolated}});
            }
            nlohmann::json c = {{"core", core.core}, {"die", core.die}, {"threads", threads}};
            if (core.frequency > 0) {
                c["frequency"] = core.frequency;
                frequencySum += core.frequency;
                ++measured;
            }
            cores.push_back(std::move(c));
        }
        nlohmann::json s = {{"socket", socketId}, {"cores", cores}};
        if (!socket.name.empty()) s["name"] = socket.name;
        if (!socket.vendor.empty()) s["vendor"] = socket.vendor;
        if (!socket.cache.empty()) s["cache"] = socket.cache;
        if (measured > 0) s["frequency"] = frequencySum / measured;
        if (socket.minimum > 0) s["frequency_minimum"] = socket.minimum;
        if (socket.turbo > 0) s["frequency_turbo"] = socket.turbo;
        out.push_back(std::move(s));
    }
    struct utsname u {};
    ::uname(&u);
    return {{"architecture", std::string(u.machine)}, {"sockets", out}, {"total", total}};
}

}  // namespace lxdp::services::resources
