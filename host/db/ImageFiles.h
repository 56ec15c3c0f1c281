// What the files of images/ are checked against at start (ImageService::pruneLeftoverFiles).
#pragma once

#include <set>
#include <string>

namespace lxdp::db {

class Database;

// Every stored image's fingerprint, whatever its project: one file of images/ each.
std::set<std::string> storedImageFingerprints(Database& db);

}  // namespace lxdp::db
