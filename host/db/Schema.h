// Versioned schema migrations: entry N upgrades a database at version N to N+1. Released
// entries never change; a schema change is a new entry at the end.
#pragma once

#include <string>
#include <vector>

namespace lxdp::db {

const std::vector<std::vector<std::string>>& schemaMigrations();

}  // namespace lxdp::db
