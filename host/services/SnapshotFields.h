// Fields of snapshot requests: the name a snapshot gets when the request names none, and the
// expiry.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lxdp::services {

// As upstream: "%d" (at most once) becomes one more than the highest number among the existing
// names that match the pattern, 0 when none does; a pattern without "%d" is the name itself,
// or "<pattern>-%d" once that name is taken.
std::string nextSnapshotName(const std::string& pattern, const std::vector<std::string>& existing);

// The name snapshots.pattern gives a snapshot taken at createdAt (RFC 3339): the pattern is a
// template with creation_date ({{ creation_date|date:"2006-01-02_15-04-05" }}), and its
// output is numbered as nextSnapshotName does.
std::string snapshotNameFromPattern(const std::string& pattern, const std::string& createdAt,
                                    const std::vector<std::string>& existing);

// expires_at of a request as stored: null and Go's zero time mean never (""); anything but an
// RFC 3339 timestamp is a 400.
std::string snapshotExpiry(const nlohmann::json& value);

// The expiry of a new snapshot, as upstream: the request's expires_at (the zero time included)
// wins; without one (lxc snapshot sends null) snapshots.expiry (configuredExpiry) after now.
std::string newSnapshotExpiry(const nlohmann::json& req, const std::string& configuredExpiry);

}  // namespace lxdp::services
