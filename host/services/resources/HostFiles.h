// Reading the kernel's view of the hardware (/sys, /proc) for the resources API. Every path is
// taken under a root ("/" on a host) so tests can describe a machine as a directory tree.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lxdp::services::resources {

class HostFiles {
public:
    explicit HostFiles(std::string root = "/") : root_(std::move(root)) {}

    // The full path of p (absolute, as on the host) under the root.
    std::string path(const std::string& p) const;
    bool exists(const std::string& p) const;
    // The file's content without surrounding white space; empty when it cannot be read.
    std::string text(const std::string& p) const;
    // A decimal (or 0x hexadecimal) number from the file; nullopt when absent or not a number.
    std::optional<uint64_t> number(const std::string& p) const;
    // The names in a directory, sorted; none when it does not exist.
    std::vector<std::string> list(const std::string& dir) const;
    // The last component of where the symbolic link p points; empty when p is no link.
    std::string linkName(const std::string& p) const;
    // p with every link resolved, as a path on the host (without the root).
    std::string resolved(const std::string& p) const;

    // The NUMA node of a device directory (numa_node; the kernel says -1 when there is none).
    uint64_t numaNode(const std::string& deviceDir) const;
    // The kernel driver bound to a device directory and its version (the module's own version
    // when it has one, else the kernel release as upstream reports); both empty without driver.
    std::pair<std::string, std::string> driver(const std::string& deviceDir) const;

private:
    std::string root_;
};

// "0x8086" -> "8086", as the API spells PCI and USB ids.
std::string hexId(const std::string& raw);
// "32K" -> 32768 (cache sizes).
uint64_t sizeWithUnit(const std::string& raw);
// "0-2,5" -> {0,1,2,5} (CPU lists).
std::vector<uint64_t> cpuList(const std::string& raw);

}  // namespace lxdp::services::resources
