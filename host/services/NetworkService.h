// Networks: managed ones as records in the database, set up by the network plugins; the host's
// other interfaces listed as unmanaged. Also gives NICs on managed networks their MAC address and
// static DHCP lease when their instance starts.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "db/NetworkQueries.h"
#include "db/Records.h"
#include "services/ProjectPolicy.h"

namespace lxdp::db { class Database; }
namespace lxdp::events { class EventHub; }
namespace lxdp::plugins {
class PluginRegistry;
class NetworkDriver;
struct NetworkRef;
}  // namespace lxdp::plugins

namespace lxdp::services {

class InstanceService;

class NetworkService {
public:
    NetworkService(db::Database& db, events::EventHub& events, plugins::PluginRegistry& plugins,
                   InstanceService& instances);

    // Brings up every managed network at daemon start; a failure is logged, the daemon carries on.
    void startAll();

    // The names of GET /1.0/networks: managed networks and the host's interfaces.
    std::vector<std::string> names();
    // A managed network or a host interface; 404 otherwise.
    nlohmann::json render(const std::string& name);
    std::string etag(const std::string& name);

    void create(const std::string& name, const std::string& type, const std::string& description,
                const db::StringMap& config);
    // PUT (patch false) replaces the config, PATCH merges into it; ifMatch as InstanceService.
    void update(const std::string& name, const std::string& description, const db::StringMap& config, bool patch,
                const std::string& ifMatch);
    void rename(const std::string& from, const std::string& to);
    void remove(const std::string& name);

    nlohmann::json state(const std::string& name);
    nlohmann::json leases(const std::string& name);
    std::vector<std::string> usedBy(const std::string& name);

    // For InstanceService::start: every NIC of devices on a managed network gets its MAC
    // (volatile.<dev>.hwaddr, made up when missing) and a static lease naming the instance.
    // Returns the volatile keys to record.
    db::StringMap prepareNics(const db::InstanceRecord& rec, const db::DeviceMap& devices);
    // For InstanceService::remove: the instance's static leases go.
    void releaseNics(const db::InstanceRecord& rec, const db::DeviceMap& devices);

private:
    db::NetworkRecord get(const std::string& name);
    const plugins::NetworkDriver& driver(const std::string& type);
    nlohmann::json renderManaged(const db::NetworkRecord& rec);

    db::Database& db_;
    ProjectPolicy policy_{db_};
    events::EventHub& events_;
    plugins::PluginRegistry& plugins_;
    InstanceService& instances_;
    std::mutex mutex_;  // one change of a network at a time
};

}  // namespace lxdp::services
