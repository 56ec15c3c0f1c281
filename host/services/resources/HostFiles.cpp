#include "services/resources/HostFiles.h"

#include <sys/utsname.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace lxdp::services::resources {

namespace {
std::string trim(std::string s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return "";
    return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}
}  // namespace

std::string HostFiles::path(const std::string& p) const {
    return root_ == "/" ? p : root_ + (p.empty() || p.front() != '/' ? "/" : "") + p;
}

bool HostFiles::exists(const std::string& p) const {
    std::error_code ec;
    return fs::exists(path(p), ec);
}

std::string HostFiles::text(const std::string& p) const {
    std::ifstream in(path(p));
    if (!in) return "";
    std::stringstream s;
    s << in.rdbuf();
    return trim(s.str());
}

std::optional<uint64_t> HostFiles::number(const std::string& p) const {
    const std::string t = text(p);
    // stoull takes "-1" (the kernel's "none" for numa_node and speed) and wraps it.
    if (t.empty() || t.front() == '-') return std::nullopt;
    try {
        size_t used = 0;
        const bool hex = t.rfind("0x", 0) == 0;
        const uint64_t v = std::stoull(hex ? t.substr(2) : t, &used, hex ? 16 : 10);
        if (used != (hex ? t.size() - 2 : t.size())) return std::nullopt;
        return v;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::vector<std::string> HostFiles::list(const std::string& dir) const {
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(path(dir), ec), end; !ec && it != end; it.increment(ec))
        names.push_back(it->path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

std::string HostFiles::linkName(const std::string& p) const {
    std::error_code ec;
    const auto target = fs::read_symlink(path(p), ec);
    return ec ? "" : target.filename().string();
}

std::string HostFiles::resolved(const std::string& p) const {
    std::error_code ec;
    std::string full = fs::canonical(path(p), ec).string();
    if (ec) return "";
    if (root_ != "/" && full.rfind(root_, 0) == 0) full = full.substr(root_.size());
    return full;
}

uint64_t HostFiles::numaNode(const std::string& deviceDir) const {
    // -1 does not parse as unsigned: no node is node 0, as upstream reports it.
    return number(deviceDir + "/numa_node").value_or(0);
}

std::pair<std::string, std::string> HostFiles::driver(const std::string& deviceDir) const {
    const std::string name = linkName(deviceDir + "/driver");
    if (name.empty()) return {"", ""};
    std::string version = text("/sys/module/" + name + "/version");
    if (version.empty()) {
        struct utsname u {};
        ::uname(&u);
        version = u.release;
    }
    return {name, version};
}

std::string hexId(const std::string& raw) { return raw.rfind("0x", 0) == 0 ? raw.substr(2) : raw; }

uint64_t sizeWithUnit(const std::string& raw) {
    if (raw.empty()) return 0;
    uint64_t factor = 1;
    switch (raw.back()) {
    case 'K': factor = 1024; break;
    case 'M': factor = 1024 * 1024; break;
    case 'G': factor = 1024 * 1024 * 1024; break;
    default: break;
    }
    try {
        return std::stoull(raw) * factor;
    } catch (const std::exception&) {
        return 0;
    }
}

std::vector<uint64_t> cpuList(const std::string& raw) {
    std::vector<uint64_t> out;
    std::stringstream ranges(raw);
    std::string range;
    while (std::getline(ranges, range, ',')) {
        range = trim(range);
        if (range.empty()) continue;
        try {
            const auto dash = range.find('-');
            const uint64_t first = std::stoull(range.substr(0, dash));
            const uint64_t last = dash == std::string::npos ? first : std::stoull(range.substr(dash + 1));
            for (uint64_t c = first; c <= last && c - first < 65536; ++c) out.push_back(c);
        } catch (const std::exception&) {
        }
    }
    return out;
}

}  // namespace lxdp::services::resources
