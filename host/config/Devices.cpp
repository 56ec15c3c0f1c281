#include "config/Devices.h"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <vector>

#include "config/Names.h"
#include "config/Validators.h"
#include "util/ApiError.h"

namespace lxdp::config {

namespace {

constexpr auto kAny = InstanceKind::Any;
constexpr auto kCT = InstanceKind::Container;
constexpr auto kVM = InstanceKind::VirtualMachine;

using Rules = std::map<std::string, Validator>;

// One flavour of a device type: its keys, the instances it works with and its mandatory keys.
struct Variant {
    Variant(Rules r = {}, InstanceKind o = kAny, std::vector<std::string> req = {})
        : rules(std::move(r)), only(o), required(std::move(req)) {}
    Rules rules;
    InstanceKind only;
    std::vector<std::string> required;
};

// A device type, with one Variant per value of its sub-type key (nictype, gputype), or a single
// Variant under "" when the type has no sub-types.
struct TypeSpec {
    std::string subTypeKey;
    std::map<std::string, Variant> variants;
};

Rules merge(std::initializer_list<Rules> parts) {
    Rules out;
    for (const auto& p : parts) out.insert(p.begin(), p.end());
    return out;
}

// Interface names (name, parent, host_name) reach `ip link` and sysfs paths: IFNAMSIZ-1 chars,
// none of '/', ':' or blanks, and not "." or "..".
void isInterfaceName(const std::string& value) {
    const bool ok = !value.empty() && value.size() <= 15 && value != "." && value != ".." &&
                    std::none_of(value.begin(), value.end(), [](unsigned char c) {
                        return c == '/' || c == ':' || std::isspace(c) || std::iscntrl(c);
                    });
    if (!ok) throw InvalidValue("Invalid interface name \"" + value + "\"");
}

void isVlan(const std::string& value) {
    if (parseUint(value, 4094) == 0) throw InvalidValue("VLAN ID must be between 1 and 4094");
}

void isMTU(const std::string& value) {
    if (const auto mtu = parseUint(value, 65535); mtu < 576) throw InvalidValue("MTU must be between 576 and 65535");
}

void isFileMode(const std::string& value) {
    if (value.empty() || value.size() > 4 ||
        !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '7'; }))
        throw InvalidValue("Invalid file mode \"" + value + "\", expected octal like 0660");
}

void isBitRate(const std::string& value) { parseBitSize(value); }

// A USB or PCI vendor or product id: four lowercase hex digits, as upstream's IsDeviceID.
void isDeviceID(const std::string& value) {
    if (value.size() != 4 || !std::all_of(value.begin(), value.end(), [](char c) {
            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        }))
        throw InvalidValue("Invalid device id \"" + value + "\", must be four lower case hex characters");
}

// A PCI address: [domain:]bus:slot.function, "0000:01:00.0" or "01:00.0".
void isPCIAddress(const std::string& value) {
    const auto hex = [&](size_t from, size_t count) {
        return from + count <= value.size() &&
               std::all_of(value.begin() + from, value.begin() + from + count, [](unsigned char c) { return std::isxdigit(c); });
    };
    const size_t at = value.size() == 12 ? 5 : 0;  // past "dddd:"
    const bool ok = (value.size() == 7 || (value.size() == 12 && hex(0, 4) && value[4] == ':')) && hex(at, 2) &&
                    value[at + 2] == ':' && hex(at + 3, 2) && value[at + 5] == '.' && hex(at + 6, 1);
    if (!ok) throw InvalidValue("Invalid PCI address \"" + value + "\", expected like 0000:01:00.0");
}

// An infiniband hardware address: 20 bytes, or the last 8 (the spec's short form), hex octets
// joined by ':'.
void isInfinibandMAC(const std::string& value) {
    const size_t octets = (value.size() + 1) / 3;
    bool ok = (octets == 8 || octets == 20) && value.size() == octets * 3 - 1;
    for (size_t i = 0; ok && i < value.size(); ++i)
        ok = (i % 3 == 2) ? value[i] == ':' : std::isxdigit(static_cast<unsigned char>(value[i])) != 0;
    if (!ok) throw InvalidValue("Invalid infiniband address \"" + value + "\", must be 8 or 20 bytes");
}

// Disk I/O limits: a byte rate ("10MB") or an operation rate ("100iops").
void isIOLimit(const std::string& value) {
    const std::string iops = "iops";
    if (value.size() > iops.size() && value.compare(value.size() - iops.size(), iops.size(), iops) == 0)
        parseUint(value.substr(0, value.size() - iops.size()), UINT32_MAX);
    else
        isSize(value);
}

// "<tcp|udp|unix>:<address>" as the proxy device's listen and connect keys.
void isProxyAddress(const std::string& value) {
    const auto colon = value.find(':');
    const auto proto = value.substr(0, colon);
    if (colon == std::string::npos || colon + 1 == value.size() || (proto != "tcp" && proto != "udp" && proto != "unix"))
        throw InvalidValue("Invalid proxy address \"" + value + "\", expected <tcp|udp|unix>:<address>");
}

const std::map<std::string, TypeSpec>& types() {
    static const std::map<std::string, TypeSpec> specs = [] {
        auto o = [](Validator v) { return optional(std::move(v)); };
        const Rules owner{{"uid", o(isUint32)}, {"gid", o(isUint32)}, {"mode", o(isFileMode)}};
        const Rules usbIds{{"vendorid", o(isDeviceID)}, {"productid", o(isDeviceID)}};
        const Rules gpuIds = merge({usbIds, {{"id", o(isAny)}, {"pci", o(isPCIAddress)}}});
        const Rules required{{"required", o(isBool)}};
        const Rules boot{{"boot.priority", o(isUint32)}};

        const Rules nicBase{{"name", o(isInterfaceName)}, {"mtu", o(isMTU)}, {"hwaddr", o(isNetworkMAC)}};
        const Rules parent{{"parent", o(isInterfaceName)}};
        const Rules hostName{{"host_name", o(isInterfaceName)}};
        const Rules vlan{{"vlan", o(isVlan)}};
        const Rules maas{{"maas.subnet.ipv4", o(isAny)}, {"maas.subnet.ipv6", o(isAny)}};
        const Rules limits{{"limits.ingress", o(isBitRate)}, {"limits.egress", o(isBitRate)}, {"limits.max", o(isBitRate)}};
        const Rules routes{{"ipv4.routes", o(isListOf(isIPv4CIDR))}, {"ipv6.routes", o(isListOf(isIPv6CIDR))}};
        const Rules staticIPs{{"ipv4.address", o(isListOf(isIPv4))}, {"ipv6.address", o(isListOf(isIPv6))},
                              {"ipv4.gateway", o(isOneOf({"auto", "none"}))}, {"ipv6.gateway", o(isOneOf({"auto", "none"}))}};

        TypeSpec nic{"nictype", {
            {"bridged", {merge({nicBase, parent, hostName, limits, routes, maas, boot,
                                {{"network", o(isAny)}, {"ipv4.address", o(isIPv4)}, {"ipv6.address", o(isIPv6)},
                                 {"security.mac_filtering", o(isBool)}, {"security.ipv4_filtering", o(isBool)},
                                 {"security.ipv6_filtering", o(isBool)}}})}},
            {"macvlan", {merge({nicBase, parent, vlan, maas, boot}), kAny, {"parent"}}},
            {"sriov", {merge({nicBase, parent, vlan, maas, boot, {{"security.mac_filtering", o(isBool)}}}), kAny, {"parent"}}},
            {"physical", {merge({nicBase, parent, vlan, maas, boot}), kAny, {"parent"}}},
            {"ipvlan", {merge({nicBase, parent, vlan, staticIPs}), kCT, {"parent"}}},
            {"p2p", {merge({nicBase, hostName, limits, routes, boot})}},
            {"routed", {merge({nicBase, parent, hostName, limits, vlan, staticIPs,
                               {{"ipv4.host_address", o(isIPv4)}, {"ipv6.host_address", o(isIPv6)},
                                {"ipv4.host_table", o(isUint32)}, {"ipv6.host_table", o(isUint32)}}})}},
        }};

        // The infiniband hwaddr is 20 bytes (or the last 8), so it is not an Ethernet MAC.
        const Rules ib{{"name", o(isInterfaceName)}, {"mtu", o(isMTU)}, {"hwaddr", o(isInfinibandMAC)},
                       {"parent", o(isInterfaceName)}};
        TypeSpec infiniband{"nictype", {{"physical", {ib, kCT, {"parent"}}}, {"sriov", {ib, kCT, {"parent"}}}}};

        TypeSpec gpu{"gputype", {
            {"physical", {merge({gpuIds, owner})}},
            {"mdev", {merge({gpuIds, {{"mdev", o(isAny)}}}), kVM, {"mdev"}}},
            {"mig", {merge({gpuIds, {{"mig.ci", o(isUint32)}, {"mig.gi", o(isUint32)}, {"mig.uuid", o(isAny)}}}), kCT}},
            {"sriov", {gpuIds, kVM}},
        }};

        const Rules unixDevice = merge({owner, required, {{"source", o(isAny)}, {"path", o(isAny)},
                                                          {"major", o(isUint32)}, {"minor", o(isUint32)}}});
        const Rules disk{
            {"path", o(isAny)}, {"source", o(isAny)}, {"pool", o(isAny)},
            {"size", o(isSize)}, {"size.state", o(isSize)},
            {"readonly", o(isBool)}, {"recursive", o(isBool)}, {"required", o(isBool)}, {"shift", o(isBool)},
            {"propagation", o(isOneOf({"private", "shared", "slave", "unbindable",
                                       "rprivate", "rshared", "rslave", "runbindable"}))},
            {"raw.mount-options", o(isAny)}, {"ceph.user_name", o(isAny)}, {"ceph.cluster_name", o(isAny)},
            {"limits.read", o(isIOLimit)}, {"limits.write", o(isIOLimit)}, {"limits.max", o(isIOLimit)},
            {"boot.priority", o(isUint32)},
        };
        const Rules proxy{
            {"listen", o(isProxyAddress)}, {"connect", o(isProxyAddress)}, {"bind", o(isOneOf({"host", "instance"}))},
            {"uid", o(isUint32)}, {"gid", o(isUint32)}, {"mode", o(isFileMode)},
            {"nat", o(isBool)}, {"proxy_protocol", o(isBool)},
            {"security.uid", o(isUint32)}, {"security.gid", o(isUint32)},
        };

        return std::map<std::string, TypeSpec>{
            {"none", {"", {{"", {}}}}},
            {"nic", nic},
            {"disk", {"", {{"", {disk}}}}},
            {"unix-char", {"", {{"", {unixDevice, kCT}}}}},
            {"unix-block", {"", {{"", {unixDevice, kCT}}}}},
            {"usb", {"", {{"", {merge({usbIds, owner, required})}}}}},
            {"gpu", gpu},
            {"infiniband", infiniband},
            {"proxy", {"", {{"", {proxy, kAny, {"listen", "connect"}}}}}},
            {"unix-hotplug", {"", {{"", {merge({usbIds, owner, required}), kCT}}}}},
            {"tpm", {"", {{"", {{{"path", o(isAny)}}, kAny, {"path"}}}}}},
        };
    }();
    return specs;
}

const char* kindName(InstanceKind kind) { return kind == kCT ? "containers" : "virtual machines"; }

std::string get(const DeviceConfig& dev, const std::string& key) {
    auto it = dev.find(key);
    return it == dev.end() ? std::string() : it->second;
}

// The sub-type of a device: nictype, gputype (physical when unset) or "" for plain types. A NIC
// attached to a managed network takes its type from the network; LXD 4.0 networks are bridges.
std::string subTypeOf(const std::string& type, const TypeSpec& spec, const DeviceConfig& dev) {
    if (spec.subTypeKey.empty()) return "";
    auto sub = get(dev, spec.subTypeKey);
    if (sub.empty() && type == "gpu") return "physical";
    if (sub.empty() && type == "nic" && !get(dev, "network").empty()) return "bridged";
    return sub;
}

// Rules that relate several keys, following LXD's per-type validateConfig.
void checkCombinations(const std::string& type, const DeviceConfig& dev, InstanceKind kind) {
    const auto has = [&dev](const char* key) { return !get(dev, key).empty(); };
    if (type == "disk") {
        if (isRootDisk(dev)) {
            if (!has("pool")) throw InvalidValue("Root disk entry must have a \"pool\" property set");
            return;
        }
        // The VM config drive is the one disk without a path (spec: "source=cloud-init:config").
        if (!has("path") && get(dev, "source") != "cloud-init:config")
            throw InvalidValue("Disk entry is missing the required \"path\" property");
        if (!has("source")) throw InvalidValue("Disk entry is missing the required \"source\" property");
        if (has("size") || has("size.state")) throw InvalidValue("Only the root disk may have a size quota");
        if (has("pool") && get(dev, "source").front() == '/')
            throw InvalidValue("Storage volumes cannot be specified as absolute paths");
    } else if (type == "unix-char" || type == "unix-block") {
        if (!has("source") && !has("path")) throw InvalidValue("Unix device entry is missing the required \"source\" or \"path\" property");
    } else if (type == "nic" && has("network") && has("parent")) {
        throw InvalidValue("Cannot use \"parent\" property in conjunction with \"network\" property");
    } else if (type == "nic" && get(dev, "nictype") == "bridged" && !has("parent") && !has("network")) {
        throw InvalidValue("Missing required \"parent\" or \"network\" property");
    } else if (type == "proxy" && kind == kVM && !isTrue(get(dev, "nat"))) {
        throw InvalidValue("Only NAT mode is supported for proxies on VM instances");
    } else if (type == "gpu") {
        // One way to pick the card, as upstream's gpu devices.
        if (has("pci") && (has("id") || has("vendorid") || has("productid")))
            throw InvalidValue("Cannot use \"id\", \"productid\" or \"vendorid\" when \"pci\" is set");
        if (has("id") && (has("vendorid") || has("productid")))
            throw InvalidValue("Cannot use \"productid\" or \"vendorid\" when \"id\" is set");
        if (get(dev, "gputype") == "mig") {
            if (!has("mig.uuid") && !(has("mig.ci") && has("mig.gi")))
                throw InvalidValue("Either \"mig.uuid\" or both \"mig.ci\" and \"mig.gi\" must be set");
            if (has("mig.uuid") && (has("mig.ci") || has("mig.gi")))
                throw InvalidValue("Cannot use \"mig.uuid\" together with \"mig.ci\" and \"mig.gi\"");
            if (!has("pci") && !has("id"))
                throw InvalidValue("A MIG device needs the \"pci\" or \"id\" of its GPU");
        }
    } else if (type == "unix-hotplug" && !has("vendorid") && !has("productid")) {
        throw InvalidValue("Unix hotplug devices require a \"vendorid\" or a \"productid\"");
    }
}

void validateDevice(const DeviceConfig& dev, InstanceKind kind) {
    const auto type = get(dev, "type");
    if (type.empty()) throw InvalidValue("Missing device type");
    const auto spec = types().find(type);
    if (spec == types().end()) throw InvalidValue("Unsupported device type \"" + type + "\"");

    const auto sub = subTypeOf(type, spec->second, dev);
    const auto variant = spec->second.variants.find(sub);
    if (variant == spec->second.variants.end())
        throw InvalidValue(sub.empty() ? "Missing \"" + spec->second.subTypeKey + "\" property"
                                       : "Unsupported " + spec->second.subTypeKey + " \"" + sub + "\"");
    const auto& v = variant->second;
    if (kind != kAny && v.only != kAny && v.only != kind) {
        const auto what = sub.empty() ? type : type + " (" + sub + ")";
        throw InvalidValue("Device type " + what + " is only supported by " + kindName(v.only));
    }

    for (const auto& [key, value] : dev) {
        if (key == "type" || key == spec->second.subTypeKey || (key.size() > 5 && key.compare(0, 5, "user.") == 0)) continue;
        const auto rule = v.rules.find(key);
        if (rule == v.rules.end()) throw InvalidValue("Invalid device option \"" + key + "\"");
        try {
            rule->second(value);
        } catch (const InvalidValue& e) {
            throw InvalidValue("Invalid value for device option \"" + key + "\": " + e.what());
        }
    }
    for (const auto& key : v.required)
        if (get(dev, key).empty()) throw InvalidValue("Missing required \"" + key + "\" property");
    checkCombinations(type, dev, kind);
}

}  // namespace

bool isRootDisk(const DeviceConfig& device) {
    return get(device, "type") == "disk" && get(device, "path") == "/" && get(device, "source").empty();
}

std::optional<std::pair<std::string, DeviceConfig>> findRootDisk(const DeviceMap& devices) {
    std::optional<std::pair<std::string, DeviceConfig>> root;
    for (const auto& [name, dev] : devices) {
        if (!isRootDisk(dev)) continue;
        if (root) throw BadRequest("Invalid devices: More than one root device found");
        root.emplace(name, dev);
    }
    return root;
}

void validateDevices(const DeviceMap& devices, bool isProfile, InstanceKind kind) {
    if (isProfile) kind = kAny;
    for (const auto& [name, dev] : devices) {
        checkDeviceName(name);
        try {
            validateDevice(dev, kind);
        } catch (const InvalidValue& e) {
            throw BadRequest("Invalid devices: Device validation failed for \"" + name + "\": " + e.what());
        }
    }
    findRootDisk(devices);
}

}  // namespace lxdp::config
