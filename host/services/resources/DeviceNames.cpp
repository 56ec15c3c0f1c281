#include "services/resources/DeviceNames.h"

#include <libudev.h>

namespace lxdp::services::resources {

DeviceNames::DeviceNames() : udev_(udev_new()), hwdb_(udev_ ? udev_hwdb_new(udev_) : nullptr) {}

DeviceNames::~DeviceNames() {
    if (hwdb_) udev_hwdb_unref(hwdb_);
    if (udev_) udev_unref(udev_);
}

std::string DeviceNames::lookup(const std::string& modalias, const std::string& property) const {
    if (!hwdb_ || modalias.empty()) return "";
    udev_list_entry* entry;
    udev_list_entry_foreach(entry, udev_hwdb_get_properties_list_entry(hwdb_, modalias.c_str(), 0)) {
        if (property == udev_list_entry_get_name(entry)) {
            const char* value = udev_list_entry_get_value(entry);
            return value ? value : "";
        }
    }
    return "";
}

}  // namespace lxdp::services::resources
