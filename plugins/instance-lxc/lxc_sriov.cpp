#include "lxc_sriov.h"

#include <dirent.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>

namespace lxdp_lxc {

namespace {

// VFs picked by starts and hot-plugs still under way (their interfaces still on the host).
std::mutex claims_mutex;
std::set<std::string> claimed;

// How long a rebound VF's interface takes to come back at most (upstream waits 0.5 s; some
// drivers take longer here).
constexpr auto kBindWait = std::chrono::seconds(5);
constexpr auto kBindPoll = std::chrono::milliseconds(50);

bool write_sysfs(const std::string &path, const std::string &value) {
    UniqueFd fd(open(path.c_str(), O_WRONLY | O_CLOEXEC));
    return fd && write(fd.get(), value.data(), value.size()) == ssize_t(value.size());
}

int sysfs_int(const std::string &device, const std::string &path) {
    const auto v = read_sysfs(path);
    if (!v || v->empty() || v->find_first_not_of("0123456789") != std::string::npos)
        fail(LXDP_E_IO, "Device %s: failed to read %s", device.c_str(), path.c_str());
    return std::stoi(*v);
}

// Upstream's InterfaceStatus: up, or holding an address other than a link-local one.
bool interface_busy(const std::string &name) {
    const auto flags = read_sysfs("/sys/class/net/" + name + "/flags");
    if (!flags || (std::stoul(*flags, nullptr, 16) & IFF_UP) != 0)
        return true;
    ifaddrs *list = nullptr;
    if (getifaddrs(&list) != 0)
        return true;
    bool addressed = false;
    for (ifaddrs *a = list; a != nullptr && !addressed; a = a->ifa_next) {
        if (a->ifa_addr == nullptr || a->ifa_name == nullptr || name != a->ifa_name)
            continue;
        if (a->ifa_addr->sa_family == AF_INET)
            addressed = true;
        else if (a->ifa_addr->sa_family == AF_INET6)
            addressed = !IN6_IS_ADDR_LINKLOCAL(&reinterpret_cast<const sockaddr_in6 *>(a->ifa_addr)->sin6_addr);
    }
    freeifaddrs(list);
    return addressed;
}

// Upstream's sriovGetFreeVFInterface over VFs first..count-1; claims what it finds.
Vf free_vf(const std::string &parent, int first, int count, const std::string &pf_dev_id,
           const std::string &pf_dev_port) {
    for (int id = first; id < count; id++) {
        const std::string dir = "/sys/class/net/" + parent + "/device/virtfn" + std::to_string(id) + "/net";
        DIR *d = opendir(dir.c_str());
        if (d == nullptr)
            continue; // unbound (a VM's, upstream says): not usable
        std::vector<std::string> names;
        while (struct dirent *de = readdir(d))
            if (de->d_name[0] != '.')
                names.emplace_back(de->d_name);
        closedir(d);
        for (const std::string &name : names) {
            if (claimed.count(name) || read_sysfs(dir + "/" + name + "/dev_id") != pf_dev_id ||
                read_sysfs(dir + "/" + name + "/dev_port") != pf_dev_port || interface_busy(name))
                continue;
            claimed.insert(name);
            Vf vf;
            vf.id = id;
            vf.netdev = name;
            static const int token = 0;
            vf.claim = std::shared_ptr<const void>(&token, [name](const void *) {
                std::lock_guard<std::mutex> lock(claims_mutex);
                claimed.erase(name);
            });
            return vf;
        }
    }
    return {};
}

} // namespace

std::optional<std::string> read_sysfs(const std::string &path) {
    UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        return std::nullopt;
    char buf[4096];
    const ssize_t n = read(fd.get(), buf, sizeof buf);
    if (n < 0)
        return std::nullopt;
    std::string out(buf, size_t(n));
    while (!out.empty() && (out.back() == '\n' || out.back() == ' '))
        out.pop_back();
    return out;
}

bool is_infiniband_interface(const std::string &name) {
    return read_sysfs("/sys/class/net/" + name + "/type") == std::to_string(ARPHRD_INFINIBAND) &&
           access(("/sys/class/net/" + name + "/device/infiniband").c_str(), F_OK) == 0;
}

Vf claim_free_vf(const std::string &device, const std::string &parent, bool grow) {
    const std::string dev = "/sys/class/net/" + parent + "/device/";
    if (access((dev + "sriov_totalvfs").c_str(), F_OK) != 0)
        fail(LXDP_E_INVAL, "Device %s: parent \"%s\" doesn't support SR-IOV (it has no %ssriov_totalvfs)",
             device.c_str(), parent.c_str(), dev.c_str());
    const auto dev_id = read_sysfs("/sys/class/net/" + parent + "/dev_id");
    const auto dev_port = read_sysfs("/sys/class/net/" + parent + "/dev_port");
    if (!dev_id || !dev_port)
        fail(LXDP_E_IO, "Device %s: failed to read the dev_id and dev_port of \"%s\"", device.c_str(), parent.c_str());
    const int total = sysfs_int(device, dev + "sriov_totalvfs");
    const int enabled = sysfs_int(device, dev + "sriov_numvfs");
    std::lock_guard<std::mutex> lock(claims_mutex);
    Vf vf = free_vf(parent, 0, enabled, *dev_id, *dev_port);
    if (vf.id < 0 && grow && enabled < total) {
        if (!write_sysfs(dev + "sriov_numvfs", std::to_string(total)))
            fail_errno(errno, "Device %s: failed growing the virtual functions of \"%s\" from %d to %d", device.c_str(),
                       parent.c_str(), enabled, total);
        std::this_thread::sleep_for(std::chrono::seconds(1)); // for the new VFs to appear, as upstream
        vf = free_vf(parent, enabled, total, *dev_id, *dev_port);
    }
    if (vf.id < 0)
        fail(LXDP_E_BUSY, "Device %s: all virtual functions of parent \"%s\" are already in use", device.c_str(),
             parent.c_str());
    return vf;
}

std::string vf_pci_slot(const std::string &device, const std::string &parent, int id) {
    const std::string link = "/sys/class/net/" + parent + "/device/virtfn" + std::to_string(id);
    char target[PATH_MAX];
    const ssize_t n = readlink(link.c_str(), target, sizeof target - 1);
    if (n <= 0)
        fail_errno(errno, "Device %s: failed to read %s", device.c_str(), link.c_str());
    const std::string path(target, size_t(n));
    return path.substr(path.rfind('/') + 1);
}

void unbind_vf(const std::string &device, const std::string &slot) {
    const std::string path = "/sys/bus/pci/devices/" + slot + "/driver/unbind";
    if (!write_sysfs(path, slot))
        fail_errno(errno, "Device %s: failed unbinding the virtual function %s via %s", device.c_str(), slot.c_str(),
                   path.c_str());
}

void rebind_vf(const std::string &device, const std::string &slot, const std::string &netdev) {
    if (!write_sysfs("/sys/bus/pci/drivers_probe", slot))
        fail_errno(errno, "Device %s: failed to bind the virtual function %s to its driver", device.c_str(),
                   slot.c_str());
    const auto until = std::chrono::steady_clock::now() + kBindWait;
    while (access(("/sys/class/net/" + netdev).c_str(), F_OK) != 0) {
        if (std::chrono::steady_clock::now() > until)
            fail(LXDP_E_IO, "Device %s: the interface %s of the virtual function %s did not come back after its bind",
                 device.c_str(), netdev.c_str(), slot.c_str());
        std::this_thread::sleep_for(kBindPoll);
    }
}

std::vector<std::string> unbind_vf_command(const std::string &slot) {
    return {"sh", "-c", "echo \"$1\" > \"/sys/bus/pci/devices/$1/driver/unbind\"", "sh", slot};
}

std::vector<std::string> rebind_vf_command(const std::string &slot, const std::string &netdev) {
    return {"sh", "-c",
            "echo \"$1\" > /sys/bus/pci/drivers_probe; i=0; "
            "while [ ! -e \"/sys/class/net/$2\" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done",
            "sh", slot, netdev};
}

} // namespace lxdp_lxc
