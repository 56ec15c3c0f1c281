#include "lxc_nic.h"

#include <lxc/lxccontainer.h>

#include <fcntl.h>
#include <sched.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <thread>

#include "netif.h"

namespace lxdp_lxc {

namespace {

using DeviceConfig = std::map<std::string, std::string>;

std::string get(const DeviceConfig &dev, const std::string &key) {
    auto it = dev.find(key);
    return it == dev.end() ? std::string() : it->second;
}

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

// The instance's NIC devices, in name order (the host sends them sorted).
std::vector<std::pair<std::string, DeviceConfig>> nic_devices(const InstanceView &inst) {
    std::vector<std::pair<std::string, DeviceConfig>> out;
    const lxdp_device_list *devs = inst.raw()->devices;
    for (uint32_t i = 0; devs != nullptr && devs->items != nullptr && i < devs->count; i++) {
        const lxdp_device &d = devs->items[i];
        DeviceConfig cfg;
        for (uint32_t j = 0; d.config != nullptr && d.config->items != nullptr && j < d.config->count; j++)
            if (d.config->items[j].key != nullptr)
                cfg[d.config->items[j].key] = d.config->items[j].value != nullptr ? d.config->items[j].value : "";
        if (get(cfg, "type") == "nic" && d.name != nullptr)
            out.emplace_back(d.name, std::move(cfg));
    }
    return out;
}

std::string key_of(const InstanceView &inst, const std::string &key) {
    auto v = inst.get(key);
    return v ? std::string(*v) : std::string();
}

} // namespace

std::vector<Nic> instance_nics(const InstanceView &inst) {
    std::vector<Nic> nics;
    std::set<std::string> taken;
    const auto devices = nic_devices(inst);
    for (const auto &[device, cfg] : devices)
        if (!get(cfg, "name").empty())
            taken.insert(get(cfg, "name"));
    for (const auto &[device, cfg] : devices) {
        // A NIC on a managed network is bridged: LXD 4.0 networks are bridges named as the network.
        const std::string nictype = !get(cfg, "nictype").empty() ? get(cfg, "nictype")
                                    : !get(cfg, "network").empty() ? "bridged"
                                                                   : "";
        if (nictype != "bridged")
            fail(LXDP_E_NOTSUP, "Device %s: NIC type \"%s\" is not supported by the lxc driver yet", device.c_str(),
                 nictype.c_str());
        Nic nic;
        nic.device = device;
        nic.link = !get(cfg, "parent").empty() ? get(cfg, "parent") : get(cfg, "network");
        nic.name = get(cfg, "name");
        if (nic.name.empty()) {
            // The name an earlier start chose, else the first free ethN, as upstream does.
            nic.name = key_of(inst, "volatile." + device + ".name");
            if (taken.count(nic.name))
                nic.name.clear();
            for (int i = 0; nic.name.empty(); i++)
                if (!taken.count("eth" + std::to_string(i)))
                    nic.name = "eth" + std::to_string(i);
        }
        taken.insert(nic.name);
        nic.hwaddr = get(cfg, "hwaddr");
        if (nic.hwaddr.empty())
            nic.hwaddr = key_of(inst, "volatile." + device + ".hwaddr");
        if (nic.hwaddr.empty()) {
            const std::string r = random_hex(3);
            nic.hwaddr = "00:16:3e:" + r.substr(0, 2) + ":" + r.substr(2, 2) + ":" + r.substr(4, 2);
        }
        nic.host_name = get(cfg, "host_name");
        if (nic.host_name.empty())
            nic.host_name = "veth" + random_hex(4);
        nic.mtu = get(cfg, "mtu");
        nics.push_back(std::move(nic));
    }
    return nics;
}

void report_nics(const std::vector<Nic> &nics, const lxdp_kv_sink *volatile_out) {
    if (volatile_out == nullptr || volatile_out->set == nullptr)
        return;
    for (const Nic &nic : nics) {
        const std::string prefix = "volatile." + nic.device + ".";
        volatile_out->set(volatile_out->ctx, (prefix + "hwaddr").c_str(), nic.hwaddr.c_str());
        volatile_out->set(volatile_out->ctx, (prefix + "host_name").c_str(), nic.host_name.c_str());
        volatile_out->set(volatile_out->ctx, (prefix + "name").c_str(), nic.name.c_str());
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
    const std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
    UniqueFd ns(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns)
        fail_errno(errno, "Failed to open the network namespace of %s", inst.lxc_name().c_str());
    // The namespace is entered by a thread of its own that ends right after: the calling thread
    // (and the daemon) never leave the host's namespace, and no process is forked.
    std::vector<lxdp_netif::Interface> ifaces;
    int err = 0;
    std::thread reader([&] {
        if (setns(ns.get(), CLONE_NEWNET) != 0 || !lxdp_netif::read_interfaces("", ifaces))
            err = errno;
    });
    reader.join();
    if (err != 0)
        fail_errno(err, "Failed to read the interfaces of %s", inst.lxc_name().c_str());
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
