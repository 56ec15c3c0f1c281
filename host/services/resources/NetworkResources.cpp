// The "network" part: physical network cards (netdevs with a device), their ports with link
// state and ethtool's view of modes, driver and firmware (resources_v2,
// resources_network_firmware, resources_network_usb).
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <map>

#include "services/resources/DeviceAddress.h"
#include "services/resources/HostResources.h"

namespace lxdp::services::resources {

namespace {

const std::string kNetDir = "/sys/class/net";

// What the driver says of a port, through the ethtool ioctl (no process spawned per request).
struct Ethtool {
    bool haveSettings = false;
    ethtool_cmd settings{};
    std::string driverVersion, firmware;
};

Ethtool ethtoolOf(const std::string& ifname) {
    Ethtool out;
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || ifname.size() >= IFNAMSIZ) {
        if (fd >= 0) ::close(fd);
        return out;
    }
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
    ethtool_drvinfo info{};
    info.cmd = ETHTOOL_GDRVINFO;
    ifr.ifr_data = reinterpret_cast<char*>(&info);
    if (::ioctl(fd, SIOCETHTOOL, &ifr) == 0) {
        out.driverVersion = std::string(info.version, strnlen(info.version, sizeof info.version));
        out.firmware = std::string(info.fw_version, strnlen(info.fw_version, sizeof info.fw_version));
    }
    out.settings.cmd = ETHTOOL_GSET;
    ifr.ifr_data = reinterpret_cast<char*>(&out.settings);
    out.haveSettings = ::ioctl(fd, SIOCETHTOOL, &ifr) == 0;
    ::close(fd);
    return out;
}

void addEthtoolFields(nlohmann::json& port, const ethtool_cmd& s) {
    static const std::pair<uint32_t, const char*> modes[] = {
        {SUPPORTED_10baseT_Half, "10baseT/Half"},         {SUPPORTED_10baseT_Full, "10baseT/Full"},
        {SUPPORTED_100baseT_Half, "100baseT/Half"},       {SUPPORTED_100baseT_Full, "100baseT/Full"},
        {SUPPORTED_1000baseT_Half, "1000baseT/Half"},     {SUPPORTED_1000baseT_Full, "1000baseT/Full"},
        {SUPPORTED_2500baseX_Full, "2500baseX/Full"},     {SUPPORTED_1000baseKX_Full, "1000baseKX/Full"},
        {SUPPORTED_10000baseT_Full, "10000baseT/Full"},   {SUPPORTED_10000baseKX4_Full, "10000baseKX4/Full"},
        {SUPPORTED_10000baseKR_Full, "10000baseKR/Full"}, {SUPPORTED_10000baseR_FEC, "10000baseR/FEC"},
        {SUPPORTED_20000baseMLD2_Full, "20000baseMLD2/Full"}, {SUPPORTED_20000baseKR2_Full, "20000baseKR2/Full"},
        {SUPPORTED_40000baseKR4_Full, "40000baseKR4/Full"}, {SUPPORTED_40000baseCR4_Full, "40000baseCR4/Full"},
        {SUPPORTED_40000baseSR4_Full, "40000baseSR4/Full"}, {SUPPORTED_40000baseLR4_Full, "40000baseLR4/Full"},
        {SUPPORTED_56000baseKR4_Full, "56000baseKR4/Full"}, {SUPPORTED_56000baseCR4_Full, "56000baseCR4/Full"},
        {SUPPORTED_56000baseSR4_Full, "56000baseSR4/Full"}, {SUPPORTED_56000baseLR4_Full, "56000baseLR4/Full"}};
    static const std::pair<uint32_t, const char*> ports[] = {
        {SUPPORTED_TP, "twisted pair"}, {SUPPORTED_AUI, "aui"},   {SUPPORTED_BNC, "bnc"},
        {SUPPORTED_MII, "mii"},         {SUPPORTED_FIBRE, "fibre"}, {SUPPORTED_Backplane, "backplane"}};
    nlohmann::json supportedModes = nlohmann::json::array(), supportedPorts = nlohmann::json::array();
    for (const auto& [bit, name] : modes)
        if (s.supported & bit) supportedModes.push_back(name);
    for (const auto& [bit, name] : ports)
        if (s.supported & bit) supportedPorts.push_back(name);
    if (!supportedModes.empty()) port["supported_modes"] = supportedModes;
    if (!supportedPorts.empty()) port["supported_ports"] = supportedPorts;
    static const std::map<uint8_t, const char*> portTypes = {
        {PORT_TP, "twisted pair"}, {PORT_AUI, "aui"}, {PORT_BNC, "bnc"},  {PORT_MII, "mii"},
        {PORT_FIBRE, "fibre"},     {PORT_DA, "direct attach"},          {PORT_NONE, "none"}, {PORT_OTHER, "other"}};
    if (auto it = portTypes.find(s.port); it != portTypes.end()) port["port_type"] = it->second;
    if (s.transceiver == XCVR_INTERNAL) port["transceiver_type"] = "internal";
    if (s.transceiver == XCVR_EXTERNAL) port["transceiver_type"] = "external";
    port["auto_negotiation"] = s.autoneg == AUTONEG_ENABLE;
}

nlohmann::json portOf(const HostFiles& host, const std::string& ifname, const Ethtool& ethtool) {
    const std::string dir = kNetDir + "/" + ifname;
    nlohmann::json port = {{"id", ifname},
                           {"port", host.number(dir + "/dev_port").value_or(0)},
                           {"protocol", host.number(dir + "/type").value_or(1) == 32 ? "infiniband" : "ethernet"},
                           {"auto_negotiation", false},
                           {"link_detected", host.number(dir + "/carrier").value_or(0) == 1}};
    if (auto mac = host.text(dir + "/address"); !mac.empty()) port["address"] = mac;
    // The kernel says -1 (not a number here) for an unknown speed, and refuses the read when down.
    if (auto speed = host.number(dir + "/speed"); speed && *speed > 0) port["link_speed"] = *speed;
    if (auto duplex = host.text(dir + "/duplex"); !duplex.empty() && duplex != "unknown") port["link_duplex"] = duplex;
    if (ethtool.haveSettings) addEthtoolFields(port, ethtool.settings);
    return port;
}

}  // namespace

nlohmann::json networkResources(const HostFiles& host, const DeviceNames& names) {
    // One card per device, whatever the number of its ports (netdevs).
    std::map<std::string, std::vector<std::string>> portsByDevice;
    for (const auto& ifname : host.list(kNetDir)) {
        // Without a device: virtual interfaces (lo, bridges, veth), which upstream leaves out.
        const std::string device = host.resolved(kNetDir + "/" + ifname + "/device");
        if (!device.empty()) portsByDevice[device].push_back(ifname);
    }
    nlohmann::json cards = nlohmann::json::array();
    for (const auto& [device, ifnames] : portsByDevice) {
        const std::string pci = pciFunctionOf(host, device);
        nlohmann::json card = pci.empty() ? nlohmann::json{{"numa_node", host.numaNode(device)}} : pciIdentity(host, names, pci);
        // The netdev's own driver (virtio_net below virtio-pci, say), as upstream names it.
        const auto [driver, version] = host.driver(device);
        if (!driver.empty()) card["driver"] = driver;
        const Ethtool first = ethtoolOf(ifnames.front());
        const std::string driverVersion = first.driverVersion.empty() ? version : first.driverVersion;
        if (!driverVersion.empty()) card["driver_version"] = driverVersion;
        if (!first.firmware.empty() && first.firmware != "N/A") card["firmware_version"] = first.firmware;
        if (auto usb = usbAddressOf(host, device); !usb.empty()) card["usb_address"] = usb;
        if (!pci.empty())
            if (auto sriov = sriovOf(host, pci); !sriov.is_null()) card["sriov"] = sriov;
        nlohmann::json ports = nlohmann::json::array();
        for (const auto& ifname : ifnames) ports.push_back(portOf(host, ifname, &ifname == &ifnames.front() ? first : ethtoolOf(ifname)));
        card["ports"] = ports;
        cards.push_back(std::move(card));
    }
    return {{"cards", cards}, {"total", cards.size()}};
}

}  // namespace lxdp::services::resources
