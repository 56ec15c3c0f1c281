#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace lxdp::util {

// RFC 3339 UTC timestamps, as the Go clients parse them ("2026-11-28T02:01:21.123456789Z").
std::string nowRfc3339();
std::string rfc3339FromUnix(int64_t seconds);
// Unix seconds of an RFC 3339 timestamp (fractions and "+01:00" offsets allowed), or nothing
// when text isn't one.
std::optional<int64_t> parseRfc3339(const std::string& text);
// The Go zero time, LXD's "never".
inline const char* kZeroTime = "0001-01-01T00:00:00Z";

}  // namespace lxdp::util
