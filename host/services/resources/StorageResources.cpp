// The "storage" part: the host's disks (block devices backed by hardware, not loop, zram or
// device-mapper ones) with their partitions, type, identifiers and bus addresses
// (resources_v2, resources_disk_sata, resources_disk_id, resources_disk_address).
#include <libudev.h>

#include <memory>

#include "services/resources/DeviceAddress.h"
#include "services/resources/HostResources.h"

namespace lxdp::services::resources {

namespace {

const std::string kBlockDir = "/sys/class/block";

// udev's record of a disk (bus, serial, firmware, rotation) where udev runs on the host; every
// property is empty otherwise.
class UdevDisk {
public:
    explicit UdevDisk(const std::string& name) : udev_(udev_new(), udev_unref), dev_(nullptr, udev_device_unref) {
        if (udev_) dev_.reset(udev_device_new_from_subsystem_sysname(udev_.get(), "block", name.c_str()));
    }
    std::string property(const char* key) const {
        const char* v = dev_ ? udev_device_get_property_value(dev_.get(), key) : nullptr;
        return v ? v : "";
    }

private:
    std::unique_ptr<udev, udev* (*)(udev*)> udev_;
    std::unique_ptr<udev_device, udev_device* (*)(udev_device*)> dev_;
};

// The first of a /dev/disk/by-* folder's links that names /dev/<name>.
std::string diskLink(const HostFiles& host, const std::string& folder, const std::string& name) {
    for (const auto& link : host.list("/dev/disk/" + folder))
        if (host.resolved("/dev/disk/" + folder + "/" + link) == "/dev/" + name) return link;
    return "";
}

std::string firstOf(std::initializer_list<std::string> values) {
    for (const auto& v : values)
        if (!v.empty()) return v;
    return "";
}

std::string diskType(const HostFiles& host, const std::string& name, const std::string& device, const UdevDisk& udev) {
    if (name.rfind("nvme", 0) == 0) return "nvme";
    if (name.rfind("mmcblk", 0) == 0) return "mmc";
    if (udev.property("ID_CDROM") == "1") return "cdrom";
    const std::string bus = udev.property("ID_BUS");
    if (bus == "ata") return udev.property("ID_ATA_SATA") == "1" ? "sata" : "ata";
    if (bus == "usb" || bus == "scsi") return bus;
    const std::string subsystem = host.linkName(device + "/subsystem");
    return subsystem == "virtio" || subsystem == "scsi" ? subsystem : "";
}

nlohmann::json partitionsOf(const HostFiles& host, const std::string& dir, const std::string& name) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& entry : host.list(dir)) {
        if (entry.rfind(name, 0) != 0 || !host.exists(dir + "/" + entry + "/partition")) continue;
        const std::string p = dir + "/" + entry;
        out.push_back({{"id", entry},
                       {"device", host.text(p + "/dev")},
                       {"read_only", host.number(p + "/ro").value_or(0) == 1},
                       {"size", host.number(p + "/size").value_or(0) * 512},
                       {"partition", host.number(p + "/partition").value_or(0)}});
    }
    return out;
}

}  // namespace

nlohmann::json storageResources(const HostFiles& host, const DeviceNames&) {
    nlohmann::json disks = nlohmann::json::array();
    for (const auto& name : host.list(kBlockDir)) {
        const std::string dir = host.resolved(kBlockDir + "/" + name);
        // Partitions are listed under their disk; devices without hardware are left out.
        if (dir.empty() || host.exists(dir + "/partition") || !host.exists(dir + "/device")) continue;
        const std::string device = host.resolved(dir + "/device");
        const UdevDisk udev(name);
        const std::string pci = pciFunctionOf(host, device);
        nlohmann::json disk = {
            {"id", name},
            {"device", host.text(dir + "/dev")},
            {"read_only", host.number(dir + "/ro").value_or(0) == 1},
            {"size", host.number(dir + "/size").value_or(0) * 512},
            {"removable", host.number(dir + "/removable").value_or(0) == 1},
            {"numa_node", pci.empty() ? 0 : host.numaNode(pci)},
            {"block_size", host.number(dir + "/queue/logical_block_size").value_or(0)},
            {"rpm", 0},
            {"device_id", diskLink(host, "by-id", name)},
            {"partitions", partitionsOf(host, dir, name)}};
        try {
            disk["rpm"] = std::stoull(udev.property("ID_ATA_ROTATION_RATE_RPM"));
        } catch (const std::exception&) {
        }
        const std::pair<const char*, std::string> optional[] = {
            {"model", firstOf({host.text(device + "/model"), udev.property("ID_MODEL")})},
            {"type", diskType(host, name, device, udev)},
            {"wwn", firstOf({host.text(dir + "/wwid"), host.text(device + "/wwid"), udev.property("ID_WWN")})},
            {"device_path", diskLink(host, "by-path", name)},
            {"firmware_version", firstOf({host.text(device + "/firmware_rev"), host.text(device + "/rev"), udev.property("ID_REVISION")})},
            {"serial", firstOf({host.text(dir + "/serial"), host.text(device + "/serial"), udev.property("ID_SERIAL_SHORT")})},
            {"pci_address", pci.empty() ? "" : pci.substr(pci.find_last_of('/') + 1)},
            {"usb_address", usbAddressOf(host, device)}};
        for (const auto& [key, value] : optional)
            if (!value.empty()) disk[key] = value;
        disks.push_back(std::move(disk));
    }
    return {{"disks", disks}, {"total", disks.size()}};
}

}  // namespace lxdp::services::resources
