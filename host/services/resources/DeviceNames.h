// Vendor, product and class names of PCI and USB devices from udev's hardware database (the
// pci.ids/usb.ids data upstream reads); empty where the host has no database.
#pragma once

#include <memory>
#include <string>

struct udev;
struct udev_hwdb;

namespace lxdp::services::resources {

class DeviceNames {
public:
    DeviceNames();
    ~DeviceNames();
    DeviceNames(const DeviceNames&) = delete;
    DeviceNames& operator=(const DeviceNames&) = delete;

    // The value of property (e.g. ID_VENDOR_FROM_DATABASE) for a device's modalias
    // ("pci:v00008086d00005916...", "usb:v1D6Bp0002").
    std::string lookup(const std::string& modalias, const std::string& property) const;

private:
    udev* udev_ = nullptr;
    udev_hwdb* hwdb_ = nullptr;
};

}  // namespace lxdp::services::resources
