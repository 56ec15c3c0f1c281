// Where a device sits on the PCI and USB buses, and what its PCI function says of itself: the
// fields that GPU, network, disk and PCI entries share.
#pragma once

#include <nlohmann/json.hpp>

#include "services/resources/DeviceNames.h"
#include "services/resources/HostFiles.h"

namespace lxdp::services::resources {

// The PCI function directory (/sys/devices/pci0000:00/0000:00:02.0) that holds the device at
// devicePath (itself, or a virtio or USB device below it); empty when it is on no PCI bus.
std::string pciFunctionOf(const HostFiles& host, const std::string& devicePath);
// "bus:device" of the USB device that holds the device at devicePath; empty when none does.
std::string usbAddressOf(const HostFiles& host, const std::string& devicePath);
// driver, driver_version, numa_node, pci_address, vendor(_id), product(_id) of a PCI function,
// those without a value left out (as upstream's omitempty fields).
nlohmann::json pciIdentity(const HostFiles& host, const DeviceNames& names, const std::string& pciDir);
// SR-IOV counts of a PCI function ("sriov" of GPUs and network cards); null when it has none.
nlohmann::json sriovOf(const HostFiles& host, const std::string& pciDir);

}  // namespace lxdp::services::resources
