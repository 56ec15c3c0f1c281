// Arbitrary SQL for `lxd sql`, the administrator's escape hatch, and the patch files an
// administrator can drop into database/ to be applied at start-up.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace lxdp::db {

class Database;

// Runs one statement, or ".dump" / ".schema": {"type":"select","columns":[..],"rows":[[..]]},
// {"type":"exec","rows_affected":N} or {"type":"dump","text":"..."}. Errors throw BadRequest.
nlohmann::json runSql(Database& db, const std::string& query);

// Applies path (statements separated by ';') in one transaction and removes the file on
// success; a missing file is fine. Returns true when a patch was applied.
bool applyPatchFile(Database& db, const std::string& path);

}  // namespace lxdp::db
