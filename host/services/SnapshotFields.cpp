#include "services/SnapshotFields.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <stdexcept>

#include "templates/Template.h"
#include "util/ApiError.h"
#include "util/SnapshotExpiry.h"
#include "util/Time.h"

namespace lxdp::services {

namespace {

// The number n when name is prefix + n + suffix, else -1.
long long numberIn(const std::string& name, const std::string& prefix, const std::string& suffix) {
    if (name.size() <= prefix.size() + suffix.size() || name.compare(0, prefix.size(), prefix) != 0 ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
        return -1;
    const std::string digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    if (digits.size() > 18 || !std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); }))
        return -1;
    return std::stoll(digits);
}

std::string numbered(const std::string& pattern, const std::vector<std::string>& existing) {
    const size_t at = pattern.find("%d");
    const std::string prefix = pattern.substr(0, at), suffix = pattern.substr(at + 2);
    long long next = 0;
    for (const auto& name : existing) next = std::max(next, numberIn(name, prefix, suffix) + 1);
    return prefix + std::to_string(next) + suffix;
}

}  // namespace

std::string nextSnapshotName(const std::string& pattern, const std::vector<std::string>& existing) {
    const size_t first = pattern.find("%d");
    if (first != std::string::npos && pattern.find("%d", first + 2) != std::string::npos)
        throw BadRequest("Snapshot pattern may contain '%d' only once");
    if (first != std::string::npos) return numbered(pattern, existing);
    if (std::find(existing.begin(), existing.end(), pattern) == existing.end()) return pattern;
    return numbered(pattern + "-%d", existing);
}

std::string snapshotNameFromPattern(const std::string& pattern, const std::string& createdAt,
                                    const std::vector<std::string>& existing) {
    const bool isTemplate = pattern.find("{{") != std::string::npos || pattern.find("{%") != std::string::npos;
    const std::string rendered = isTemplate ? templates::render(pattern, {{"creation_date", createdAt}}) : pattern;
    return nextSnapshotName(rendered, existing);
}

std::string snapshotExpiry(const nlohmann::json& value) {
    if (value.is_null()) return "";
    if (!value.is_string()) throw BadRequest("Invalid expires_at: expected a timestamp");
    const std::string text = value.get<std::string>();
    if (text.empty() || text.rfind("0001-01-01T00:00:00", 0) == 0) return "";
    if (!util::parseRfc3339(text)) throw BadRequest("Invalid expires_at \"" + text + "\": expected RFC 3339");
    return text;
}

std::string newSnapshotExpiry(const nlohmann::json& req, const std::string& configuredExpiry) {
    if (req.contains("expires_at") && !req["expires_at"].is_null()) return snapshotExpiry(req["expires_at"]);
    try {
        // Stored values were validated, so a failure is an internal error.
        auto expiry = util::snapshotExpiryAfter(std::time(nullptr), configuredExpiry);
        return expiry ? util::rfc3339FromUnix(*expiry) : "";
    } catch (const std::invalid_argument& e) {
        throw InternalError(std::string("snapshots.expiry: ") + e.what());
    }
}

}  // namespace lxdp::services
