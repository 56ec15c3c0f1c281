#include "services/InstanceIdmaps.h"

#include <algorithm>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/RawIdmap.h"
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

// One entry of upstream's JSON map (Isuid, Isgid, Hostid, Nsid, Maprange).
struct MapEntry {
    bool uid = false;
    int64_t hostId = 0;
    int64_t nsId = 0;
    int64_t size = 0;
};

// The host uids an isolated container's map holds in the isolated part of root's range (past
// the shared ids): its allocation, split or not around raw.idmap's entries (one whose host ids
// lie there too widens the span: a range kept free, never one given twice).
std::optional<IdRange> isolatedUidsOf(const std::string& json, int64_t isolatedStart) {
    const auto map = nlohmann::json::parse(json, nullptr, false);
    if (!map.is_array()) return std::nullopt;
    std::optional<IdRange> span;
    for (const auto& e : map) {
        if (!e.is_object() || !e.value("Isuid", false)) continue;
        const int64_t start = e.value("Hostid", int64_t{0}), size = e.value("Maprange", int64_t{0});
        if (start < isolatedStart || size <= 0) continue;
        const int64_t first = span ? std::min(span->start, start) : start;
        const int64_t end = span ? std::max(span->end(), start + size) : start + size;
        span = IdRange{first, end - first};
    }
    return span;
}

// Lays entry over map (entries of its kind): the entries holding its container ids are split
// around them, as upstream's AddSafe.
void overlay(std::vector<MapEntry>& map, const MapEntry& entry, const config::RawIdmapEntry& raw) {
    std::vector<MapEntry> out;
    for (const auto& e : map) {
        if (e.uid != entry.uid) {
            out.push_back(e);
            continue;
        }
        if (entry.hostId < e.hostId + e.size && e.hostId < entry.hostId + entry.size)
            throw BadRequest("Invalid config: raw.idmap line " + std::to_string(raw.line) + ": host " +
                             (entry.uid ? "uids " : "gids ") + std::to_string(entry.hostId) + "-" +
                             std::to_string(entry.hostId + entry.size - 1) + " are in the container's own range " +
                             std::to_string(e.hostId) + "-" + std::to_string(e.hostId + e.size - 1));
        const int64_t lower = std::clamp(entry.nsId - e.nsId, int64_t{0}, e.size);
        const int64_t upperNs = std::max(entry.nsId + entry.size, e.nsId);
        const int64_t upper = e.nsId + e.size - upperNs;
        if (lower == e.size || upper == e.size) {
            out.push_back(e);  // no container id in common
            continue;
        }
        if (lower > 0) out.push_back({e.uid, e.hostId, e.nsId, lower});
        if (upper > 0) out.push_back({e.uid, e.hostId + (upperNs - e.nsId), upperNs, upper});
    }
    out.push_back(entry);
    map = std::move(out);
}

std::string idmapJson(const std::vector<MapEntry>& map) {
    auto out = nlohmann::json::array();
    for (const auto& e : map)
        out.push_back({{"Isuid", e.uid}, {"Isgid", !e.uid}, {"Hostid", e.hostId}, {"Nsid", e.nsId}, {"Maprange", e.size}});
    return out.dump();
}

// The base range (uids from uidStart, gids from gidStart) with raw.idmap's entries laid over it.
std::string mapWithRawEntries(int64_t uidStart, int64_t gidStart, int64_t uidSize, int64_t gidSize,
                              const std::vector<config::RawIdmapEntry>& raw) {
    std::vector<MapEntry> map{{true, uidStart, 0, uidSize}, {false, gidStart, 0, gidSize}};
    for (const auto& r : raw) {
        if (r.uid) overlay(map, {true, r.hostId, r.nsId, r.size}, r);
        if (r.gid) overlay(map, {false, r.hostId, r.nsId, r.size}, r);
    }
    return idmapJson(map);
}

std::string valueOf(const db::StringMap& config, const std::string& key) {
    auto it = config.find(key);
    return it == config.end() ? std::string() : it->second;
}

// Two creations at once must not both take the same free range.
std::mutex allocation;

}  // namespace

bool assignInstanceIdmap(db::Database& db, const db::InstanceRecord& rec, const db::StringMap& expandedConfig,
                         const VolatileRecorder& record) {
    if (rec.type != 0 || config::isTrue(valueOf(expandedConfig, "security.privileged"))) return false;
    const bool isolated = config::isTrue(valueOf(expandedConfig, "security.idmap.isolated"));
    const std::string rawIdmap = valueOf(expandedConfig, "raw.idmap");
    if (!isolated && rawIdmap.empty()) return false;  // the driver's default map
    std::vector<config::RawIdmapEntry> raw;
    try {
        raw = config::parseRawIdmap(rawIdmap);
    } catch (const config::InvalidValue& e) {
        throw BadRequest(std::string("Invalid config: Invalid value for \"raw.idmap\": ") + e.what());
    }
    const IdRange uids = subordinateRange("/etc/subuid"), gids = subordinateRange("/etc/subgid");
    const std::string current = valueOf(rec.config, "volatile.idmap.next");
    std::lock_guard lock(allocation);
    auto take = [&](const std::string& next) {
        if (next == current) return false;
        record({{"volatile.idmap.next", next}});
        return true;
    };
    if (!isolated) return take(mapWithRawEntries(uids.start, gids.start, uids.size, gids.size, raw));

    const std::string sizeKey = valueOf(expandedConfig, "security.idmap.size");
    const int64_t size = sizeKey.empty() || std::stoll(sizeKey) == 0 ? kDefaultSize : std::stoll(sizeKey);
    auto isolatedAt = [&](int64_t start) {
        return take(mapWithRawEntries(start, gids.start + (start - uids.start), size, size, raw));
    };
    // security.idmap.base overrides the allocation, as upstream.
    if (const std::string base = valueOf(expandedConfig, "security.idmap.base"); !base.empty()) {
        const int64_t at = std::stoll(base);
        return take(mapWithRawEntries(at, at, size, size, raw));
    }

    // The ranges other isolated containers hold (all past the shared ids).
    const int64_t isolatedStart = uids.start + kSharedIds;
    std::vector<IdRange> taken;
    for (const auto& project : db.projects())
        for (const auto& other : db.instances(project.name)) {
            if (other.project == rec.project && other.name == rec.name) continue;
            if (auto r = isolatedUidsOf(valueOf(other.config, "volatile.idmap.next"), isolatedStart)) taken.push_back(*r);
        }
    auto available = [&](int64_t start) {
        return start >= isolatedStart && start + size <= uids.start + std::min(uids.size, gids.size) &&
               std::none_of(taken.begin(), taken.end(),
                            [&](const IdRange& t) { return start < t.end() && t.start < start + size; });
    };
    if (auto own = isolatedUidsOf(current, isolatedStart); own && own->size == size && available(own->start))
        return isolatedAt(own->start);
    std::sort(taken.begin(), taken.end(), [](const IdRange& a, const IdRange& b) { return a.start < b.start; });
    int64_t start = isolatedStart;
    for (const auto& t : taken) {
        if (start + size <= t.start) break;
        start = std::max(start, t.end());
    }
    if (!available(start)) throw BadRequest("Not enough uid/gid available for the container");
    return isolatedAt(start);
}

}  // namespace lxdp::services
