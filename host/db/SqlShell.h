// Arbitrary SQL for `lxd sql`, the administrator's escape hatch, and the patch files an
// administrator can drop into database/ to be applied at start-up.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lxdp::db {

class Database;

// Runs the statements of query in one transaction (all or nothing):
// {"type":"batch","results":[{"type":"select","columns":[..],"rows":[[..]]} or
// {"type":"exec","rows_affected":N}, one per statement]}; ".dump" and ".schema" answer
// {"type":"dump","text":"..."}, ".sync" checkpoints the WAL. Errors throw BadRequest.
nlohmann::json runSql(Database& db, const std::string& query);

// Applies the files among paths that exist, in order, in one transaction, then removes them.
// A statement that fails rolls all of them back, keeps the files and throws (std::runtime_error
// naming the file and SQLite's message). Returns the paths applied.
std::vector<std::string> applyPatchFiles(Database& db, const std::vector<std::string>& paths);

}  // namespace lxdp::db
