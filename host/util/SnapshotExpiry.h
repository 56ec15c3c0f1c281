// snapshots.expiry: "1M 2H 3d 4w 5m 6y" (minutes, hours, days, weeks, months, years; any
// subset, in any order), the time a new snapshot is kept for.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace lxdp::util {

// The Unix time `expression` after `now`, as Go's AddDate for months and years (Jan 31 + 1m is
// Mar 3 or 2), in UTC; nothing for an empty expression. std::invalid_argument when malformed.
std::optional<int64_t> snapshotExpiryAfter(int64_t now, const std::string& expression);

}  // namespace lxdp::util
