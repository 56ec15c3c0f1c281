// The events /dev/lxd/sock streams on /1.0/events (spec 3.5.4, devlxd_events): changes of the
// instance's user.* keys ("config") and of its devices ("device"), as the instance sees them
// (its expanded config and devices).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "db/Records.h"

namespace lxdp::services {

struct Expanded;

// What the events report changes of.
struct DevLxdView {
    std::map<std::string, std::string> userConfig;  // the user.* keys only
    db::DeviceMap devices;
};

DevLxdView devLxdView(const Expanded& expanded);

// Checks the ?type= list of /1.0/events ("config,device"; empty: both); throws BadRequest
// naming an unknown type.
std::set<std::string> devLxdEventTypes(const std::string& list);

// The events that turn before into after, of the given types: {"timestamp", "type",
// "metadata"} with metadata {"key", "old_value", "value"} for config and {"name", "action"
// (added, updated, removed), "config"} for devices.
std::vector<nlohmann::json> devLxdChanges(const DevLxdView& before, const DevLxdView& after,
                                          const std::set<std::string>& types);

}  // namespace lxdp::services
