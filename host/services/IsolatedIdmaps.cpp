#include "services/IsolatedIdmaps.h"

#include <algorithm>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/Validators.h"
#include "db/Database.h"
#include "util/ApiError.h"

namespace lxdp::services {

namespace {

// The first ids of root's range: every non-isolated container maps its 0..65535 there.
constexpr int64_t kSharedIds = 65536;
constexpr int64_t kDefaultSize = 65536;

struct IdRange {
    int64_t start = 1000000;  // upstream's default when /etc/sub[ug]id grant root nothing
    int64_t size = 1000000000;
    int64_t end() const { return start + size; }
};

// Root's first range in /etc/subuid or /etc/subgid (by name or uid), the one the driver maps.
IdRange subordinateRange(const char* path) {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        std::istringstream fields(line);
        std::string owner, start, size;
        if (!std::getline(fields, owner, ':') || (owner != "root" && owner != "0")) continue;
        if (!std::getline(fields, start, ':') || !std::getline(fields, size)) continue;
        try {
            IdRange r{std::stoll(start), std::stoll(size)};
            if (r.start >= 0 && r.size > 0) return r;
        } catch (const std::exception&) {
        }
    }
    return {};
}

// The host uids a volatile.idmap.next map gives the container's ids from 0.
std::optional<IdRange> uidRangeOf(const std::string& json) {
    const auto map = nlohmann::json::parse(json, nullptr, false);
    if (!map.is_array()) return std::nullopt;
    for (const auto& e : map)
        if (e.is_object() && e.value("Isuid", false) && e.value("Nsid", int64_t{-1}) == 0)
            return IdRange{e.value("Hostid", int64_t{0}), e.value("Maprange", int64_t{0})};
    return std::nullopt;
}

std::string idmapJson(int64_t uid, int64_t gid, int64_t size) {
    return nlohmann::json::array({{{"Isuid", true}, {"Isgid", false}, {"Hostid", uid}, {"Nsid", 0}, {"Maprange", size}},
                                  {{"Isuid", false}, {"Isgid", true}, {"Hostid", gid}, {"Nsid", 0}, {"Maprange", size}}})
        .dump();
}

std::string valueOf(const db::StringMap& config, const std::string& key) {
    auto it = config.find(key);
    return it == config.end() ? std::string() : it->second;
}

// Two creations at once must not both take the same free range.
std::mutex allocation;

}  // namespace

bool assignIsolatedIdmap(db::Database& db, const db::InstanceRecord& rec, const db::StringMap& expandedConfig,
                         const VolatileRecorder& record) {
    if (rec.type != 0 || config::isTrue(valueOf(expandedConfig, "security.privileged")) ||
        !config::isTrue(valueOf(expandedConfig, "security.idmap.isolated")))
        return false;
    const IdRange uids = subordinateRange("/etc/subuid"), gids = subordinateRange("/etc/subgid");
    const std::string sizeKey = valueOf(expandedConfig, "security.idmap.size");
    const int64_t size = sizeKey.empty() || std::stoll(sizeKey) == 0 ? kDefaultSize : std::stoll(sizeKey);
    const std::string current = valueOf(rec.config, "volatile.idmap.next");
    std::lock_guard lock(allocation);
    auto take = [&](const std::string& next) {
        if (next == current) return false;
        record({{"volatile.idmap.next", next}});
        return true;
    };
    // security.idmap.base overrides the allocation, as upstream.
    if (const std::string base = valueOf(expandedConfig, "security.idmap.base"); !base.empty())
        return take(idmapJson(std::stoll(base), std::stoll(base), size));

    // The ranges other isolated containers hold (all past the shared ids; the others' maps start
    // at the range itself).
    std::vector<IdRange> taken;
    for (const auto& project : db.projects())
        for (const auto& other : db.instances(project.name)) {
            if (other.project == rec.project && other.name == rec.name) continue;
            if (auto r = uidRangeOf(valueOf(other.config, "volatile.idmap.next")); r && r->start >= uids.start + kSharedIds)
                taken.push_back(*r);
        }
    auto available = [&](int64_t start) {
        return start >= uids.start + kSharedIds && start + size <= uids.start + std::min(uids.size, gids.size) &&
               std::none_of(taken.begin(), taken.end(),
                            [&](const IdRange& t) { return start < t.end() && t.start < start + size; });
    };
    // Its own range stays while no other container holds it (a copy's, taken from its source, does not).
    if (auto own = uidRangeOf(current); own && own->size == size && available(own->start)) return false;
    std::sort(taken.begin(), taken.end(), [](const IdRange& a, const IdRange& b) { return a.start < b.start; });
    int64_t start = uids.start + kSharedIds;
    for (const auto& t : taken) {
        if (start + size <= t.start) break;
        start = std::max(start, t.end());
    }
    if (!available(start)) throw BadRequest("Not enough uid/gid available for the container");
    return take(idmapJson(start, gids.start + (start - uids.start), size));
}

}  // namespace lxdp::services
