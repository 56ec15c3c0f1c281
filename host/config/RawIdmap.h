// raw.idmap: host ids mapped 1:1 into an unprivileged container, one entry a line
// ("both 1000 1000", "uid 1000-1002 500-502", "gid 100000-110000 10000-20000": the kind, the
// host ids, the container's ids), as upstream parses them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lxdp::config {

struct RawIdmapEntry {
    int line = 0;  // 1-based, for the messages that name it
    bool uid = false;
    bool gid = false;  // "both" sets uid and gid
    int64_t hostId = 0;
    int64_t nsId = 0;
    int64_t size = 0;
    bool sharesKindWith(const RawIdmapEntry& other) const { return (uid && other.uid) || (gid && other.gid); }
};

// The entries of a raw.idmap value (blank lines skipped). Throws InvalidValue naming the line
// when a line is malformed, its two ranges differ in size, or it maps container ids (or host
// ids) of its kind that an earlier line maps already: a user namespace maps each id once.
std::vector<RawIdmapEntry> parseRawIdmap(const std::string& value);

// The instance key's validator.
void isRawIdmap(const std::string& value);

}  // namespace lxdp::config
