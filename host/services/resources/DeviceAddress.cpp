#include "services/resources/DeviceAddress.h"

#include <regex>

namespace lxdp::services::resources {

namespace {
bool isPciAddress(const std::string& name) {
    static const std::regex pattern("[0-9a-f]{4,}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7]");
    return std::regex_match(name, pattern);
}

std::string parentOf(const std::string& path) {
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos || slash == 0 ? "" : path.substr(0, slash);
}

std::string nameOf(const std::string& path) { return path.substr(path.find_last_of('/') + 1); }
}  // namespace

std::string pciFunctionOf(const HostFiles& host, const std::string& devicePath) {
    for (std::string p = host.resolved(devicePath); !p.empty(); p = parentOf(p))
        if (isPciAddress(nameOf(p)) && host.exists(p + "/vendor")) return p;
    return "";
}

std::string usbAddressOf(const HostFiles& host, const std::string& devicePath) {
    for (std::string p = host.resolved(devicePath); !p.empty(); p = parentOf(p)) {
        const auto bus = host.number(p + "/busnum");
        const auto dev = host.number(p + "/devnum");
        if (bus && dev) return std::to_string(*bus) + ":" + std::to_string(*dev);
    }
    return "";
}

nlohmann::json pciIdentity(const HostFiles& host, const DeviceNames& names, const std::string& pciDir) {
    nlohmann::json out = {{"numa_node", host.numaNode(pciDir)}};
    const auto [driver, version] = host.driver(pciDir);
    const std::string modalias = host.text(pciDir + "/modalias");
    const std::pair<const char*, std::string> fields[] = {
        {"driver", driver},
        {"driver_version", version},
        {"pci_address", nameOf(pciDir)},
        {"vendor_id", hexId(host.text(pciDir + "/vendor"))},
        {"product_id", hexId(host.text(pciDir + "/device"))},
        {"vendor", names.lookup(modalias, "ID_VENDOR_FROM_DATABASE")},
        {"product", names.lookup(modalias, "ID_MODEL_FROM_DATABASE")}};
    for (const auto& [key, value] : fields)
        if (!value.empty()) out[key] = value;
    return out;
}

nlohmann::json sriovOf(const HostFiles& host, const std::string& pciDir) {
    const auto maximum = host.number(pciDir + "/sriov_totalvfs");
    if (!maximum) return nullptr;
    return {{"current_vfs", host.number(pciDir + "/sriov_numvfs").value_or(0)},
            {"maximum_vfs", *maximum},
            {"vfs", nlohmann::json::array()}};
}

}  // namespace lxdp::services::resources
