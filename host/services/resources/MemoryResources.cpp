// The "memory" part: totals and use from /proc/meminfo, huge pages, and the same per NUMA node
// from /sys/devices/system/node (resources_v2).
#include <map>
#include <sstream>

#include "services/resources/HostResources.h"

namespace lxdp::services::resources {

namespace {

// "MemTotal:  16 kB" (or a node's "Node 0 MemTotal:  16 kB") -> {"MemTotal": 16384}; counts
// without a unit (HugePages_Total) stay as they are.
std::map<std::string, uint64_t> parseMeminfo(const std::string& text) {
    std::map<std::string, uint64_t> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string key = line.substr(0, colon);
        if (const auto space = key.find_last_of(' '); space != std::string::npos) key = key.substr(space + 1);
        std::istringstream value(line.substr(colon + 1));
        uint64_t n = 0;
        std::string unit;
        if (!(value >> n)) continue;
        value >> unit;
        out[key] = unit == "kB" ? n * 1024 : n;
    }
    return out;
}

uint64_t at(const std::map<std::string, uint64_t>& m, const std::string& key) {
    const auto it = m.find(key);
    return it == m.end() ? 0 : it->second;
}

// Used memory as upstream counts it: neither free nor page cache nor buffers.
uint64_t used(uint64_t total, uint64_t reclaimable) { return total > reclaimable ? total - reclaimable : 0; }

}  // namespace

nlohmann::json memoryResources(const HostFiles& host) {
    const auto info = parseMeminfo(host.text("/proc/meminfo"));
    const uint64_t pageSize = at(info, "Hugepagesize");
    const uint64_t total = at(info, "MemTotal");
    nlohmann::json out = {
        {"total", total},
        {"used", used(total, at(info, "MemFree") + at(info, "Cached") + at(info, "Buffers"))},
        {"hugepages_size", pageSize},
        {"hugepages_total", at(info, "HugePages_Total") * pageSize},
        {"hugepages_used", (at(info, "HugePages_Total") - std::min(at(info, "HugePages_Free"), at(info, "HugePages_Total"))) * pageSize}};

    nlohmann::json nodes = nlohmann::json::array();
    const std::string nodeDir = "/sys/devices/system/node";
    for (const auto& name : host.list(nodeDir)) {
        if (name.size() <= 4 || name.rfind("node", 0) != 0 || name.find_first_not_of("0123456789", 4) != std::string::npos)
            continue;
        const auto node = parseMeminfo(host.text(nodeDir + "/" + name + "/meminfo"));
        const uint64_t nodeTotal = at(node, "MemTotal");
        // Huge pages of the default size, which the host totals above count.
        const std::string pages = nodeDir + "/" + name + "/hugepages/hugepages-" + std::to_string(pageSize / 1024) + "kB";
        const uint64_t pagesTotal = host.number(pages + "/nr_hugepages").value_or(0);
        const uint64_t pagesFree = std::min(host.number(pages + "/free_hugepages").value_or(0), pagesTotal);
        nodes.push_back({{"numa_node", std::stoull(name.substr(4))},
                         {"total", nodeTotal},
                         {"used", used(nodeTotal, at(node, "MemFree") + at(node, "FilePages"))},
                         {"hugepages_total", pagesTotal * pageSize},
                         {"hugepages_used", (pagesTotal - pagesFree) * pageSize}});
    }
    if (!nodes.empty()) out["nodes"] = nodes;
    return out;
}

}  // namespace lxdp::services::resources
