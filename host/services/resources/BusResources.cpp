// The "pci" and "usb" parts: every PCI function and USB device of the host with its driver,
// ids and names (resources_usb_pci, resources_pci_iommu).
#include <cstdio>

#include "services/resources/DeviceAddress.h"
#include "services/resources/HostResources.h"

namespace lxdp::services::resources {

namespace {

const std::string kPciDevices = "/sys/bus/pci/devices";
const std::string kUsbDevices = "/sys/bus/usb/devices";

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

// The USB descriptors in sysfs are hexadecimal without a prefix ("03").
uint64_t hexField(const HostFiles& host, const std::string& path) {
    try {
        return std::stoull(host.text(path), nullptr, 16);
    } catch (const std::exception&) {
        return 0;
    }
}

nlohmann::json usbInterface(const HostFiles& host, const DeviceNames& names, const std::string& dir) {
    const std::string modalias = host.text(dir + "/modalias");
    const auto [driver, version] = host.driver(dir);
    return {{"class", names.lookup(modalias, "ID_USB_CLASS_FROM_DATABASE")},
            {"class_id", hexField(host, dir + "/bInterfaceClass")},
            {"subclass", names.lookup(modalias, "ID_USB_SUBCLASS_FROM_DATABASE")},
            {"subclass_id", hexField(host, dir + "/bInterfaceSubClass")},
            {"number", hexField(host, dir + "/bInterfaceNumber")},
            {"driver", driver},
            {"driver_version", version}};
}

}  // namespace

nlohmann::json pciResources(const HostFiles& host, const DeviceNames& names) {
    nlohmann::json devices = nlohmann::json::array();
    for (const auto& address : host.list(kPciDevices)) {
        const std::string dir = host.resolved(kPciDevices + "/" + address);
        if (dir.empty()) continue;
        nlohmann::json d = pciIdentity(host, names, dir);
        // The PCI entries have no omitted field.
        for (const char* key : {"driver", "driver_version", "vendor", "vendor_id", "product", "product_id"})
            if (!d.contains(key)) d[key] = "";
        uint64_t group = 0;
        try {
            group = std::stoull(host.linkName(dir + "/iommu_group"));
        } catch (const std::exception&) {
        }
        d["iommu_group"] = group;
        devices.push_back(std::move(d));
    }
    return {{"devices", devices}, {"total", devices.size()}};
}

nlohmann::json usbResources(const HostFiles& host, const DeviceNames& names) {
    nlohmann::json devices = nlohmann::json::array();
    for (const auto& name : host.list(kUsbDevices)) {
        // Interfaces ("1-1:1.0") are listed under their device.
        if (name.find(':') != std::string::npos) continue;
        const std::string dir = host.resolved(kUsbDevices + "/" + name);
        const auto bus = host.number(dir + "/busnum");
        const auto dev = host.number(dir + "/devnum");
        if (dir.empty() || !bus || !dev) continue;
        const std::string vendorId = host.text(dir + "/idVendor");
        const std::string productId = host.text(dir + "/idProduct");
        const std::string modalias = "usb:v" + upper(vendorId) + "p" + upper(productId);
        std::string vendor = names.lookup(modalias, "ID_VENDOR_FROM_DATABASE");
        std::string product = names.lookup(modalias, "ID_MODEL_FROM_DATABASE");
        nlohmann::json interfaces = nlohmann::json::array();
        for (const auto& entry : host.list(dir))
            if (entry.rfind(name + ":", 0) == 0) interfaces.push_back(usbInterface(host, names, dir + "/" + entry));
        double speed = 0;
        std::sscanf(host.text(dir + "/speed").c_str(), "%lf", &speed);
        devices.push_back({{"bus_address", *bus},
                           {"device_address", *dev},
                           {"vendor", vendor.empty() ? host.text(dir + "/manufacturer") : vendor},
                           {"vendor_id", vendorId},
                           {"product", product.empty() ? host.text(dir + "/product") : product},
                           {"product_id", productId},
                           {"speed", speed},
                           {"interfaces", interfaces}});
    }
    return {{"devices", devices}, {"total", devices.size()}};
}

}  // namespace lxdp::services::resources
