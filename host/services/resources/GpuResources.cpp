// The "gpu" part: display-class PCI functions with their DRM nodes (resources_gpu,
// resources_v2, resources_numa) and SR-IOV counts.
#include "services/resources/DeviceAddress.h"
#include "services/resources/HostResources.h"

namespace lxdp::services::resources {

namespace {

const std::string kPciDevices = "/sys/bus/pci/devices";

// cardN, controlDN and renderDN of the card, with their device numbers; null without DRM driver.
nlohmann::json drmOf(const HostFiles& host, const std::string& pciDir) {
    nlohmann::json drm;
    for (const auto& name : host.list(pciDir + "/drm")) {
        const std::string dev = host.text(pciDir + "/drm/" + name + "/dev");
        if (name.rfind("card", 0) == 0) {
            try {
                drm["id"] = std::stoull(name.substr(4));
            } catch (const std::exception&) {
                continue;
            }
            drm["card_name"] = name;
            drm["card_device"] = dev;
        } else if (name.rfind("controlD", 0) == 0) {
            drm["control_name"] = name;
            drm["control_device"] = dev;
        } else if (name.rfind("renderD", 0) == 0) {
            drm["render_name"] = name;
            drm["render_device"] = dev;
        }
    }
    return drm.contains("card_name") ? drm : nlohmann::json();
}

}  // namespace

nlohmann::json gpuResources(const HostFiles& host, const DeviceNames& names) {
    nlohmann::json cards = nlohmann::json::array();
    for (const auto& address : host.list(kPciDevices)) {
        const std::string dir = host.resolved(kPciDevices + "/" + address);
        // PCI class 0x03xxxx: display controllers.
        if (dir.empty() || host.text(dir + "/class").rfind("0x03", 0) != 0) continue;
        nlohmann::json card = pciIdentity(host, names, dir);
        if (auto drm = drmOf(host, dir); !drm.is_null()) card["drm"] = drm;
        if (auto sriov = sriovOf(host, dir); !sriov.is_null()) card["sriov"] = sriov;
        cards.push_back(std::move(card));
    }
    return {{"cards", cards}, {"total", cards.size()}};
}

}  // namespace lxdp::services::resources
