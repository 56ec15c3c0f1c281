#include "config/RawIdmap.h"

#include <charconv>
#include <optional>
#include <string_view>
#include <sstream>

#include "config/Validators.h"

namespace lxdp::config {

namespace {

// A kernel id: 0 to 2^32-2 (2^32-1 is the invalid id).
constexpr int64_t kMaxId = 4294967294;

struct IdRange {
    int64_t first = 0;
    int64_t size = 0;
};

std::optional<int64_t> parseId(std::string_view text) {
    int64_t v = -1;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < 0 || v > kMaxId)
        return std::nullopt;
    return v;
}

// "N" or "N-M" (inclusive).
std::optional<IdRange> parseIdRange(const std::string& text) {
    const size_t dash = text.find('-');
    const auto first = parseId(std::string_view(text).substr(0, dash));
    const auto last = dash == std::string::npos ? first : parseId(std::string_view(text).substr(dash + 1));
    if (!first || !last || *last < *first) return std::nullopt;
    return IdRange{*first, *last - *first + 1};
}

bool overlap(int64_t a, int64_t b, int64_t size, int64_t otherSize) { return a < b + otherSize && b < a + size; }

}  // namespace

std::vector<RawIdmapEntry> parseRawIdmap(const std::string& value) {
    std::vector<RawIdmapEntry> entries;
    std::istringstream lines(value);
    int number = 0;
    for (std::string line; std::getline(lines, line);) {
        ++number;
        std::istringstream words(line);
        std::string kind, host, ns, extra;
        if (!(words >> kind)) continue;
        auto refuse = [&](const std::string& why) -> InvalidValue {
            return InvalidValue("line " + std::to_string(number) + " (\"" + line + "\"): " + why);
        };
        if (!(words >> host >> ns) || (words >> extra))
            throw refuse("expected \"uid|gid|both HOST-IDS CONTAINER-IDS\"");
        RawIdmapEntry e;
        e.line = number;
        e.uid = kind == "uid" || kind == "both";
        e.gid = kind == "gid" || kind == "both";
        if (!e.uid && !e.gid) throw refuse("unknown kind \"" + kind + "\" (uid, gid or both)");
        const auto hostIds = parseIdRange(host), nsIds = parseIdRange(ns);
        if (!hostIds) throw refuse("invalid host id range \"" + host + "\"");
        if (!nsIds) throw refuse("invalid container id range \"" + ns + "\"");
        if (hostIds->size != nsIds->size)
            throw refuse("the host range holds " + std::to_string(hostIds->size) + " ids, the container range " +
                         std::to_string(nsIds->size));
        e.hostId = hostIds->first;
        e.nsId = nsIds->first;
        e.size = hostIds->size;
        for (const auto& earlier : entries) {
            if (!e.sharesKindWith(earlier)) continue;
            if (overlap(e.nsId, earlier.nsId, e.size, earlier.size))
                throw refuse("its container ids are mapped by line " + std::to_string(earlier.line) + " already");
            if (overlap(e.hostId, earlier.hostId, e.size, earlier.size))
                throw refuse("its host ids are mapped by line " + std::to_string(earlier.line) + " already");
        }
        entries.push_back(e);
    }
    return entries;
}

void isRawIdmap(const std::string& value) { parseRawIdmap(value); }

}  // namespace lxdp::config
