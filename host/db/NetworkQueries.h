// The SQL of managed networks (table networks).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "db/Records.h"

namespace lxdp::db {

class Database;

struct NetworkRecord {
    std::string project = "default";
    std::string name;
    std::string type = "bridge";  // the network driver
    std::string description;
    StringMap config;
    std::string status = "Created";
};

std::vector<NetworkRecord> networks(Database& db, const std::string& project);
std::optional<NetworkRecord> network(Database& db, const std::string& project, const std::string& name);
void createNetwork(Database& db, const NetworkRecord& network);
// Stores description, config and status.
void updateNetwork(Database& db, const NetworkRecord& network);
void renameNetwork(Database& db, const std::string& project, const std::string& from, const std::string& to);
void deleteNetwork(Database& db, const std::string& project, const std::string& name);

}  // namespace lxdp::db
