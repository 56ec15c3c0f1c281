// The "system" part: what the firmware's DMI tables say of the machine, and whether it is a
// physical machine, a virtual one or a container (resources_system).
#include <map>

#include "services/resources/HostResources.h"

namespace lxdp::services::resources {

namespace {

const std::string kDmi = "/sys/class/dmi/id";

// SMBIOS chassis types (DMTF DSP0134, 7.4.1), as upstream names them.
std::string chassisType(const std::string& raw) {
    static const std::map<std::string, std::string> names = {
        {"1", "Other"},         {"2", "Unknown"},       {"3", "Desktop"},        {"4", "Low Profile Desktop"},
        {"5", "Pizza Box"},     {"6", "Mini Tower"},    {"7", "Tower"},          {"8", "Portable"},
        {"9", "Laptop"},        {"10", "Notebook"},     {"11", "Hand Held"},     {"12", "Docking Station"},
        {"13", "All In One"},   {"14", "Sub Notebook"}, {"15", "Space-saving"},  {"16", "Lunch Box"},
        {"17", "Main Server Chassis"}, {"18", "Expansion Chassis"}, {"19", "SubChassis"},
        {"20", "Bus Expansion Chassis"}, {"21", "Peripheral Chassis"}, {"22", "RAID Chassis"},
        {"23", "Rack Mount Chassis"}, {"24", "Sealed-case PC"}, {"25", "Multi-system"},
        {"26", "Compact PCI"}, {"27", "Advanced TCA"}, {"28", "Blade"}, {"29", "Blade Enclosure"},
        {"30", "Tablet"}, {"31", "Convertible"}, {"32", "Detachable"}, {"33", "IoT Gateway"},
        {"34", "Embedded PC"}, {"35", "Mini PC"}, {"36", "Stick PC"}};
    const auto it = names.find(raw);
    return it == names.end() ? "" : it->second;
}

// A container manager says so in PID 1's environment or systemd's marker; a hypervisor shows in
// the CPU flags; anything else is taken as a physical machine.
std::string systemType(const HostFiles& host) {
    if (!host.text("/run/systemd/container").empty() || host.exists("/.dockerenv") ||
        host.text("/proc/1/environ").find(std::string("container=")) != std::string::npos)
        return "container";
    const std::string cpuinfo = host.text("/proc/cpuinfo");
    if (cpuinfo.find(" hypervisor") != std::string::npos) return "virtual-machine";
    return cpuinfo.empty() ? "unknown" : "physical";
}

}  // namespace

nlohmann::json systemResources(const HostFiles& host) {
    auto dmi = [&](const std::string& key) { return host.text(kDmi + "/" + key); };
    nlohmann::json out = {{"uuid", dmi("product_uuid")},   {"vendor", dmi("sys_vendor")},
                          {"product", dmi("product_name")}, {"family", dmi("product_family")},
                          {"version", dmi("product_version")}, {"sku", dmi("product_sku")},
                          {"serial", dmi("product_serial")}, {"type", systemType(host)},
                          {"firmware", nullptr},            {"chassis", nullptr},
                          {"motherboard", nullptr}};
    // Without DMI tables (most non-x86 machines) the parts stay null, as upstream leaves them.
    if (!host.exists(kDmi)) return out;
    out["firmware"] = {{"vendor", dmi("bios_vendor")}, {"date", dmi("bios_date")}, {"version", dmi("bios_version")}};
    out["chassis"] = {{"vendor", dmi("chassis_vendor")},
                      {"type", chassisType(dmi("chassis_type"))},
                      {"serial", dmi("chassis_serial")},
                      {"version", dmi("chassis_version")}};
    out["motherboard"] = {{"vendor", dmi("board_vendor")},
                          {"product", dmi("board_name")},
                          {"serial", dmi("board_serial")},
                          {"version", dmi("board_version")}};
    return out;
}

}  // namespace lxdp::services::resources
