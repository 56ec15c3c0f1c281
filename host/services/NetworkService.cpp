#include "services/NetworkService.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <filesystem>
#include <optional>

#include "db/Database.h"
#include "events/EventHub.h"
#include "plugins/NetworkDriver.h"
#include "plugins/PluginRegistry.h"
#include "services/InstanceService.h"
#include "services/InterfaceJson.h"
#include "util/ApiError.h"
#include "util/Hash.h"
#include "util/Random.h"

namespace lxdp::services {

namespace {

namespace fs = std::filesystem;

// Networks are not per project in LXD 4.0: every record lives in the default project.
const std::string kProject = "default";

std::string networkUrl(const std::string& name) { return "/1.0/networks/" + name; }

plugins::NetworkRef refOf(const db::NetworkRecord& rec) { return plugins::NetworkRef{rec.project, rec.name, rec.config}; }

std::string valueOf(const db::StringMap& m, const std::string& key) {
    auto it = m.find(key);
    return it == m.end() ? std::string() : it->second;
}

// The NICs of a device map attached to a managed network: device name -> network name.
std::map<std::string, std::string> networkNics(const db::DeviceMap& devices) {
    std::map<std::string, std::string> out;
    for (const auto& [name, dev] : devices)
        if (valueOf(dev, "type") == "nic" && !valueOf(dev, "network").empty()) out[name] = valueOf(dev, "network");
    return out;
}

// The kind of a host interface, as upstream names it for unmanaged networks.
std::string interfaceType(const std::string& name) {
    std::error_code ec;
    const fs::path dir = fs::path("/sys/class/net") / name;
    if (name == "lo") return "loopback";
    if (fs::exists(dir / "bridge", ec)) return "bridge";
    if (fs::exists(dir / "bonding", ec)) return "bond";
    if (fs::exists(fs::path("/proc/net/vlan") / name, ec)) return "vlan";
    if (fs::exists(dir / "device", ec)) return "physical";
    return "unknown";
}

std::vector<std::string> hostInterfaces() {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/sys/class/net", ec)) out.push_back(entry.path().filename());
    std::sort(out.begin(), out.end());
    return out;
}

bool hostInterfaceExists(const std::string& name) {
    std::error_code ec;
    return name.find('/') == std::string::npos && name != "." && name != ".." &&
           fs::exists(fs::path("/sys/class/net") / name, ec);
}

std::string randomMac() {
    const std::string hex = util::randomSecret();
    return "00:16:3e:" + hex.substr(0, 2) + ":" + hex.substr(2, 2) + ":" + hex.substr(4, 2);
}

// The static lease file of one NIC: "<project>_<instance>.<device>", as upstream names it.
std::string leaseOwner(const db::InstanceRecord& rec, const std::string& device) {
    return rec.project + "_" + rec.name + "." + device;
}

}  // namespace

NetworkService::NetworkService(db::Database& db, events::EventHub& events, plugins::PluginRegistry& plugins,
                               InstanceService& instances)
    : db_(db), events_(events), plugins_(plugins), instances_(instances) {}

db::NetworkRecord NetworkService::get(const std::string& name) {
    auto rec = db::network(db_, kProject, name);
    if (!rec) throw NotFound("Network not found");
    return *rec;
}

const plugins::NetworkDriver& NetworkService::driver(const std::string& type) {
    const auto* d = plugins_.networkDriver(type);
    if (d == nullptr) throw BadRequest("Network type \"" + type + "\" is not supported by this server");
    if (!d->usable()) throw BadRequest("Network type \"" + type + "\" is not usable here: " + d->probeError());
    return *d;
}

void NetworkService::startAll() {
    auto& log = Poco::Logger::get("networks");
    for (const auto& rec : db::networks(db_, kProject)) {
        try {
            driver(rec.type).start(refOf(rec));
        } catch (const std::exception& e) {
            log.error("network %s is unavailable: %s", rec.name, std::string(e.what()));
        }
    }
}

std::vector<std::string> NetworkService::names() {
    std::vector<std::string> out;
    for (const auto& rec : db::networks(db_, kProject)) out.push_back(rec.name);
    for (const auto& iface : hostInterfaces())
        if (std::find(out.begin(), out.end(), iface) == out.end()) out.push_back(iface);
    return out;
}

nlohmann::json NetworkService::renderManaged(const db::NetworkRecord& rec) {
    return {{"name", rec.name},         {"description", rec.description}, {"type", rec.type},
            {"managed", true},          {"status", rec.status},           {"config", rec.config},
            {"locations", {"none"}},    {"used_by", usedBy(rec.name)}};
}

nlohmann::json NetworkService::render(const std::string& name) {
    if (auto rec = db::network(db_, kProject, name)) return renderManaged(*rec);
    if (!hostInterfaceExists(name)) throw NotFound("Network not found");
    return {{"name", name},
            {"description", ""},
            {"type", interfaceType(name)},
            {"managed", false},
            {"status", ""},
            {"config", nlohmann::json::object()},
            {"locations", nullptr},
            {"used_by", usedBy(name)}};
}

std::string NetworkService::etag(const std::string& name) {
    auto rec = db::network(db_, kProject, name);
    if (!rec) return "";
    return util::sha256Hex(nlohmann::json{{"description", rec->description}, {"config", rec->config}}.dump());
}

std::vector<std::string> NetworkService::usedBy(const std::string& name) {
    std::vector<std::string> out;
    auto uses = [&](const db::DeviceMap& devices) {
        for (const auto& [dev, cfg] : devices)
            if (valueOf(cfg, "type") == "nic" && (valueOf(cfg, "network") == name || valueOf(cfg, "parent") == name))
                return true;
        return false;
    };
    for (const auto& project : db_.projects()) {
        const std::string suffix = project.name == "default" ? "" : "?project=" + project.name;
        for (const auto& profile : db_.profiles(project.name))
            if (uses(profile.devices)) out.push_back("/1.0/profiles/" + profile.name + suffix);
        for (const auto& inst : db_.instances(project.name))
            if (uses(instances_.expand(inst).devices)) out.push_back("/1.0/instances/" + inst.name + suffix);
    }
    return out;
}

void NetworkService::create(const std::string& name, const std::string& type, const std::string& description,
                            const db::StringMap& config) {
    std::lock_guard lock(mutex_);
    if (name.empty()) throw BadRequest("No name provided");
    const auto& drv = driver(type.empty() ? "bridge" : type);
    if (db::network(db_, kProject, name)) throw Conflict("The network already exists");
    policy_.checkNetworkCreation(kProject);
    db::NetworkRecord rec{kProject, name, drv.name(), description, config, "Created"};
    drv.validate(refOf(rec));
    for (const auto& [k, v] : drv.create(refOf(rec))) rec.config[k] = v;
    db::createNetwork(db_, rec);
    try {
        drv.start(refOf(rec));
    } catch (...) {
        // No half-made networks: the driver has removed what the start made; the rest goes.
        try { drv.remove(refOf(rec)); } catch (...) {}
        db::deleteNetwork(db_, kProject, name);
        throw;
    }
    events_.lifecycle(kProject, "network-created", networkUrl(name));
}

void NetworkService::update(const std::string& name, const std::string& description, const db::StringMap& config,
                            bool patch, const std::string& ifMatch) {
    std::lock_guard lock(mutex_);
    auto rec = db::network(db_, kProject, name);
    if (!rec) {
        if (hostInterfaceExists(name)) throw BadRequest("Only managed networks can be modified");
        throw NotFound("Network not found");
    }
    if (!ifMatch.empty() && ifMatch != etag(name))
        throw PreconditionFailed("ETag doesn't match: " + etag(name) + " vs " + ifMatch);
    auto next = *rec;
    next.description = description;
    if (!patch) next.config.clear();
    for (const auto& [k, v] : config) {
        if (v.empty()) next.config.erase(k);
        else next.config[k] = v;
    }
    const auto& drv = driver(rec->type);
    drv.validate(refOf(next));
    if (next.config != rec->config) {
        try {
            drv.update(refOf(*rec), refOf(next));
        } catch (...) {
            // Put back what ran before; the first failure is the one to report.
            try { drv.update(refOf(next), refOf(*rec)); } catch (...) {}
            throw;
        }
    }
    db::updateNetwork(db_, next);
    events_.lifecycle(kProject, "network-updated", networkUrl(name));
}

void NetworkService::rename(const std::string& from, const std::string& to) {
    std::lock_guard lock(mutex_);
    auto rec = get(from);
    if (to.empty()) throw BadRequest("No name provided");
    if (db::network(db_, kProject, to) || hostInterfaceExists(to)) throw Conflict("Network \"" + to + "\" already exists");
    if (!usedBy(from).empty()) throw BadRequest("The network is currently in use");
    const auto& drv = driver(rec.type);
    auto renamed = rec;
    renamed.name = to;
    drv.validate(refOf(renamed));
    // A bridge is named as its network: the old one goes, the new one comes up.
    drv.remove(refOf(rec));
    try {
        drv.start(refOf(renamed));
    } catch (...) {
        try { drv.start(refOf(rec)); } catch (...) {}
        throw;
    }
    db::renameNetwork(db_, kProject, from, to);
    events_.lifecycle(kProject, "network-renamed", networkUrl(to), {{"old_name", from}});
}

void NetworkService::remove(const std::string& name) {
    std::lock_guard lock(mutex_);
    auto rec = db::network(db_, kProject, name);
    if (!rec) {
        if (hostInterfaceExists(name)) throw BadRequest("Only managed networks can be deleted");
        throw NotFound("Network not found");
    }
    if (!usedBy(name).empty()) throw BadRequest("The network is currently in use");
    driver(rec->type).remove(refOf(*rec));
    db::deleteNetwork(db_, kProject, name);
    events_.lifecycle(kProject, "network-deleted", networkUrl(name));
}

nlohmann::json NetworkService::state(const std::string& name) {
    auto rec = db::network(db_, kProject, name);
    if (!rec) {
        if (hostInterfaceExists(name)) throw BadRequest("Network state is only available for managed networks");
        throw NotFound("Network not found");
    }
    auto ifaces = driver(rec->type).state(refOf(*rec));
    if (ifaces.empty()) throw NotFound("Network interface not found");
    auto out = interfaceJson(ifaces.front());
    out["bond"] = nullptr;
    out["bridge"] = nullptr;
    out["vlan"] = nullptr;
    return out;
}

nlohmann::json NetworkService::leases(const std::string& name) {
    auto rec = get(name);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& l : driver(rec.type).leases(refOf(rec)))
        out.push_back({{"hostname", l.hostname},
                       {"hwaddr", l.hwaddr},
                       {"address", l.address},
                       {"type", l.type},
                       {"location", "none"}});
    return out;
}

db::StringMap NetworkService::prepareNics(const db::InstanceRecord& rec, const db::DeviceMap& devices) {
    db::StringMap keys;
    for (const auto& [device, network] : networkNics(devices)) {
        auto net = db::network(db_, kProject, network);
        if (!net) throw BadRequest("Device \"" + device + "\": network \"" + network + "\" not found");
        const auto& dev = devices.at(device);
        std::string mac = valueOf(dev, "hwaddr");
        if (mac.empty()) mac = valueOf(rec.config, "volatile." + device + ".hwaddr");
        if (mac.empty()) mac = keys["volatile." + device + ".hwaddr"] = randomMac();
        plugins::NetLease lease{rec.name, mac, valueOf(dev, "ipv4.address"), "static"};
        driver(net->type).staticLease(refOf(*net), leaseOwner(rec, device), lease);
    }
    return keys;
}

void NetworkService::releaseNics(const db::InstanceRecord& rec, const db::DeviceMap& devices) {
    for (const auto& [device, network] : networkNics(devices)) {
        auto net = db::network(db_, kProject, network);
        if (!net) continue;
        try {
            driver(net->type).staticLease(refOf(*net), leaseOwner(rec, device), std::nullopt);
        } catch (const std::exception& e) {
            Poco::Logger::get("networks").warning("static lease of %s on %s: %s", leaseOwner(rec, device), network,
                                                  std::string(e.what()));
        }
    }
}

}  // namespace lxdp::services
