#include "services/resources/HostResources.h"

namespace lxdp::services::resources {

nlohmann::json hostResources(const HostFiles& host) {
    const DeviceNames names;
    return {{"cpu", cpuResources(host)},
            {"memory", memoryResources(host)},
            {"gpu", gpuResources(host, names)},
            {"network", networkResources(host, names)},
            {"storage", storageResources(host, names)},
            {"usb", usbResources(host, names)},
            {"pci", pciResources(host, names)},
            {"system", systemResources(host)}};
}

}  // namespace lxdp::services::resources
