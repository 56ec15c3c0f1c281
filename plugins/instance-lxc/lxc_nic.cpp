#include "lxc_nic.h"

#include <lxc/lxccontainer.h>

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>

#include "command.h"
#include "lxc_sriov.h"
#include "lxc_ns.h"
#include "netif.h"

namespace lxdp_lxc {

namespace {

std::string get(const DeviceConfig &dev, const std::string &key) {
    auto it = dev.find(key);
    return it == dev.end() ? std::string() : it->second;
}

// Keys of volatile.<dev>.last_state.* that NICs record (upstream's).
const char *const kLastStateKeys[] = {"created", "hwaddr", "mtu", "vf.id", "vf.hwaddr", "vf.vlan", "vf.spoofcheck"};

// The instance's NIC devices (infiniband ones too), in name order (the host sends them sorted).
std::vector<std::pair<std::string, DeviceConfig>> nic_devices(const InstanceView &inst) {
    std::vector<std::pair<std::string, DeviceConfig>> out;
    const lxdp_device_list *devs = inst.raw()->devices;
    for (uint32_t i = 0; devs != nullptr && devs->items != nullptr && i < devs->count; i++) {
        const lxdp_device &d = devs->items[i];
        DeviceConfig cfg;
        for (uint32_t j = 0; d.config != nullptr && d.config->items != nullptr && j < d.config->count; j++)
            if (d.config->items[j].key != nullptr)
                cfg[d.config->items[j].key] = d.config->items[j].value != nullptr ? d.config->items[j].value : "";
        if ((get(cfg, "type") == "nic" || get(cfg, "type") == "infiniband") && d.name != nullptr)
            out.emplace_back(d.name, std::move(cfg));
    }
    return out;
}

std::string key_of(const InstanceView &inst, const std::string &key) {
    auto v = inst.get(key);
    return v ? std::string(*v) : std::string();
}

const NicType *nic_type(const std::string &device, const DeviceConfig &cfg) {
    // A NIC on a managed network is bridged: LXD 4.0 networks are bridges named as the network.
    const std::string nictype = !get(cfg, "nictype").empty() ? get(cfg, "nictype")
                                : !get(cfg, "network").empty() ? "bridged"
                                                               : "";
    static const std::vector<const NicType *> nic_types = {&kNicBridged, &kNicP2p,     &kNicMacvlan, &kNicIpvlan,
                                                           &kNicRouted,  &kNicPhysical, &kNicSriov};
    static const std::vector<const NicType *> infiniband_types = {&kInfinibandPhysical, &kInfinibandSriov};
    for (const NicType *t : get(cfg, "type") == "infiniband" ? infiniband_types : nic_types)
        if (nictype == t->nictype)
            return t;
    fail(LXDP_E_NOTSUP, "Device %s: NIC type \"%s\" is not supported by the lxc driver", device.c_str(),
         nictype.c_str());
}

} // namespace

std::string Nic::get(const std::string &key) const { return lxdp_lxc::get(config, key); }

std::string random_hex(size_t bytes) {
    unsigned char buf[8] = {};
    UniqueFd fd(open("/dev/urandom", O_RDONLY | O_CLOEXEC));
    if (!fd || bytes > sizeof buf || read(fd.get(), buf, bytes) != ssize_t(bytes))
        fail(LXDP_E_IO, "Failed to read /dev/urandom");
    std::string out;
    for (size_t i = 0; i < bytes; i++) {
        char b[3];
        std::snprintf(b, sizeof b, "%02x", buf[i]);
        out += b;
    }
    return out;
}

bool host_interface_exists(const std::string &name) {
    struct stat st;
    return !name.empty() && name.find('/') == std::string::npos && name != "." && name != ".." &&
           stat(("/sys/class/net/" + name).c_str(), &st) == 0;
}

void require_parent(const Nic &nic, bool bridge) {
    const std::string parent = !nic.get("parent").empty() ? nic.get("parent") : nic.get("network");
    struct stat st;
    if (!host_interface_exists(parent))
        fail(LXDP_E_NOTFOUND, "Device %s: parent interface \"%s\" not found on the host", nic.device.c_str(),
             parent.c_str());
    if (bridge && stat(("/sys/class/net/" + parent + "/bridge").c_str(), &st) != 0 && !is_ovs_bridge(parent))
        fail(LXDP_E_INVAL, "Device %s: parent \"%s\" is not a bridge", nic.device.c_str(), parent.c_str());
}

void refuse_keys(const Nic &nic, std::initializer_list<const char *> keys) {
    for (const char *key : keys)
        if (!nic.get(key).empty())
            fail(LXDP_E_NOTSUP, "Device %s: \"%s\" is not supported by the lxc driver for nictype %s yet",
                 nic.device.c_str(), key, nic.type->nictype);
}

std::vector<std::string> split_list(const std::string &value) {
    std::vector<std::string> out;
    for (size_t pos = 0; pos <= value.size();) {
        size_t comma = value.find(',', pos);
        std::string item = value.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        item.erase(0, item.find_first_not_of(" \t"));
        item.erase(item.find_last_not_of(" \t") + 1);
        if (!item.empty())
            out.push_back(item);
        if (comma == std::string::npos)
            break;
        pos = comma + 1;
    }
    return out;
}

void run_host(const Driver &drv, const std::vector<std::string> &argv) {
    const lxdp_cmd::Result r = lxdp_cmd::run(drv.host(), argv);
    if (r.rc != LXDP_OK)
        fail(r.rc, "\"%s\": %s", r.shown.c_str(), r.message.c_str());
    if (r.exit_status != 0)
        fail(LXDP_E_IO, "\"%s\" failed (exit %d): %s", r.shown.c_str(), r.exit_status, r.err.c_str());
}

void passed_interface_keys(const Nic &nic, NetKeys &keys) {
    keys.emplace_back("type", "phys");
    keys.emplace_back("link", nic.host_name);
}

void snapshot_interface(Nic &nic) {
    for (const char *key : {"address", "mtu"}) {
        const std::string path = "/sys/class/net/" + nic.host_name + "/" + key;
        const auto value = read_sysfs(path);
        if (!value)
            fail(LXDP_E_IO, "Device %s: failed to read %s", nic.device.c_str(), path.c_str());
        nic.last_state[key == std::string("address") ? "hwaddr" : "mtu"] = *value;
    }
}

std::vector<std::vector<std::string>> restore_interface_commands(const Nic &nic) {
    std::vector<std::vector<std::string>> out;
    if (auto it = nic.last_state.find("hwaddr"); it != nic.last_state.end())
        out.push_back({"ip", "link", "set", "dev", nic.host_name, "address", it->second});
    if (auto it = nic.last_state.find("mtu"); it != nic.last_state.end())
        out.push_back({"ip", "link", "set", "dev", nic.host_name, "mtu", it->second});
    return out;
}

void prepare_nic_interfaces(const Driver &drv, const std::vector<Nic> &nics) {
    for (const Nic &nic : nics)
        if (nic.type->prepare != nullptr)
            nic.type->prepare(drv, nic);
}

std::vector<Nic> instance_nics(const InstanceView &inst, const std::string &only) {
    std::vector<Nic> nics;
    // Names inside the container and the device holding each: set names first, then the names
    // earlier starts chose (volatile.<dev>.name), so a NIC added to a running container never
    // takes a name another one uses.
    std::map<std::string, std::string> taken;
    const auto devices = nic_devices(inst);
    for (const auto &[device, cfg] : devices)
        if (!get(cfg, "name").empty())
            taken.emplace(get(cfg, "name"), device);
    for (const auto &[device, cfg] : devices)
        if (get(cfg, "name").empty() && !key_of(inst, "volatile." + device + ".name").empty())
            taken.emplace(key_of(inst, "volatile." + device + ".name"), device);
    for (const auto &[device, cfg] : devices) {
        if (!only.empty() && device != only)
            continue;
        Nic nic;
        nic.device = device;
        nic.type = nic_type(device, cfg);
        nic.config = cfg;
        nic.name = get(cfg, "name");
        if (nic.name.empty()) {
            // The name an earlier start chose, else the first free ethN, as upstream does.
            nic.name = key_of(inst, "volatile." + device + ".name");
            if (auto owner = taken.find(nic.name); owner == taken.end() || owner->second != device)
                nic.name.clear();
            for (int i = 0; nic.name.empty(); i++)
                if (!taken.count("eth" + std::to_string(i)))
                    nic.name = "eth" + std::to_string(i);
        }
        taken.emplace(nic.name, device);
        if (nic.type->own_mac) {
            nic.hwaddr = get(cfg, "hwaddr");
            if (nic.hwaddr.empty())
                nic.hwaddr = key_of(inst, "volatile." + device + ".hwaddr");
            if (nic.hwaddr.empty()) {
                const std::string r = random_hex(3);
                nic.hwaddr = "00:16:3e:" + r.substr(0, 2) + ":" + r.substr(2, 2) + ":" + r.substr(4, 2);
            }
        } else if (!get(cfg, "hwaddr").empty() && nic.type->prepare == nullptr) {
            // (A type that prepares its host interface sets its address there: infiniband's.)
            fail(LXDP_E_NOTSUP, "Device %s: nictype %s keeps the parent's MAC address, \"hwaddr\" cannot be set",
                 device.c_str(), nic.type->nictype);
        }
        if (nic.type->host_veth) {
            nic.host_name = get(cfg, "host_name");
            if (nic.host_name.empty())
                nic.host_name = "veth" + random_hex(4);
            if (!nic.get("host_name").empty() && host_interface_exists(nic.host_name))
                fail(LXDP_E_EXISTS, "Device %s: host interface \"%s\" already exists", device.c_str(),
                     nic.host_name.c_str());
        }
        nic.type->check(nic);
        if (nic.type->claim != nullptr)
            nic.type->claim(nic);
        nics.push_back(std::move(nic));
    }
    return nics;
}

Nic recorded_nic(const InstanceView &inst, const std::string &device) {
    for (auto &[name, cfg] : nic_devices(inst)) {
        if (name != device)
            continue;
        Nic nic;
        nic.device = device;
        nic.type = nic_type(device, cfg);
        nic.name = !get(cfg, "name").empty() ? get(cfg, "name") : key_of(inst, "volatile." + device + ".name");
        nic.hwaddr = key_of(inst, "volatile." + device + ".hwaddr");
        nic.host_name = key_of(inst, "volatile." + device + ".host_name");
        for (const char *key : kLastStateKeys)
            if (const std::string v = key_of(inst, "volatile." + device + ".last_state." + key); !v.empty())
                nic.last_state[key] = v;
        nic.config = std::move(cfg);
        return nic;
    }
    fail(LXDP_E_NOTFOUND, "Device %s: the instance has no such NIC", device.c_str());
}

void report_nics(const std::vector<Nic> &nics, const lxdp_kv_sink *volatile_out) {
    if (volatile_out == nullptr || volatile_out->set == nullptr)
        return;
    for (const Nic &nic : nics) {
        const std::string prefix = "volatile." + nic.device + ".";
        // An empty value removes a key an earlier start of another type recorded.
        volatile_out->set(volatile_out->ctx, (prefix + "hwaddr").c_str(), nic.hwaddr.c_str());
        volatile_out->set(volatile_out->ctx, (prefix + "host_name").c_str(), nic.host_name.c_str());
        volatile_out->set(volatile_out->ctx, (prefix + "name").c_str(), nic.name.c_str());
        for (const char *key : kLastStateKeys) {
            auto it = nic.last_state.find(key);
            volatile_out->set(volatile_out->ctx, (prefix + "last_state." + key).c_str(),
                              it == nic.last_state.end() ? "" : it->second.c_str());
        }
    }
}

void setup_nic_host_sides(const Driver &drv, const std::vector<Nic> &nics) {
    for (const Nic &nic : nics) {
        if (nic.type->host_setup != nullptr)
            nic.type->host_setup(drv, nic);
        if (nic.type->host_veth) {
            apply_nic_limits(drv, nic);
            add_nic_routes(drv, nic);
        }
    }
}

void instance_interfaces(const Driver &drv, const InstanceView &inst, const lxdp_net_interface_sink *out) {
    pid_t pid;
    {
        Container c(drv, inst);
        if (!c->is_running(c.get()))
            return;
        pid = c->init_pid(c.get());
    }
    std::vector<lxdp_netif::Interface> ifaces;
    const std::string what = "Failed to read the interfaces of " + inst.lxc_name();
    in_namespace(pid, CLONE_NEWNET, what.c_str(), [&] {
        return lxdp_netif::read_interfaces("", ifaces) ? 0 : (errno != 0 ? errno : EIO);
    });
    for (const auto &[device, cfg] : nic_devices(inst)) {
        std::string name = get(cfg, "name");
        if (name.empty())
            name = key_of(inst, "volatile." + device + ".name");
        for (auto &iface : ifaces)
            if (iface.name == name)
                iface.host_name = key_of(inst, "volatile." + device + ".host_name");
    }
    lxdp_netif::report_interfaces(ifaces, out);
}

} // namespace lxdp_lxc
