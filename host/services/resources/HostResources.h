// GET /1.0/resources: what the host has (extension resources and its 4.0 follow-ups), read from
// /proc and /sys in the shape of upstream's api.Resources, so `lxc info --resources` and pylxd
// read it as they read upstream's.
#pragma once

#include <nlohmann/json.hpp>

#include "services/resources/DeviceNames.h"
#include "services/resources/HostFiles.h"

namespace lxdp::services::resources {

// Each part of the answer, by the key it has in it.
nlohmann::json cpuResources(const HostFiles& host);      // "cpu"
nlohmann::json memoryResources(const HostFiles& host);   // "memory"
nlohmann::json gpuResources(const HostFiles& host, const DeviceNames& names);      // "gpu"
nlohmann::json networkResources(const HostFiles& host, const DeviceNames& names);  // "network"
nlohmann::json storageResources(const HostFiles& host, const DeviceNames& names);  // "storage"
nlohmann::json usbResources(const HostFiles& host, const DeviceNames& names);      // "usb"
nlohmann::json pciResources(const HostFiles& host, const DeviceNames& names);      // "pci"
nlohmann::json systemResources(const HostFiles& host);   // "system"

// The whole answer.
nlohmann::json hostResources(const HostFiles& host = HostFiles());

}  // namespace lxdp::services::resources
