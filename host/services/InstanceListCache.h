// GET /1.0/instances?recursion=1 kept serialized between requests. Everything a recursion-1
// list shows of an instance but its status comes from the database, so it is rendered once and
// kept while the database's change stamp is equal; a list then asks each instance's driver for
// its status only and concatenates.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "db/Database.h"
#include "plugins/InstanceDriver.h"

namespace lxdp::services {

class InstanceService;

class InstanceListCache {
public:
    InstanceListCache(db::Database& db, InstanceService& instances) : db_(db), instances_(instances) {}

    // The project's instances as a recursion-1 list shows them, in the database's order: the
    // serialized objects joined by commas, without the array's brackets.
    std::string recursion1(const std::string& project);

private:
    struct Entry {
        std::string head;  // the serialized instance without its status and closing brace
        const plugins::InstanceDriver* driver;
        plugins::InstanceRef ref;  // what the driver needs to tell the status
    };
    struct ProjectList {
        db::Database::ChangeStamp stamp;
        std::vector<Entry> entries;
        bool keep = true;  // false when an instance's view could not be made (a pool away, say)
    };

    std::shared_ptr<const ProjectList> build(const std::string& project, const db::Database::ChangeStamp& stamp);

    db::Database& db_;
    InstanceService& instances_;
    std::mutex mutex_;
    std::map<std::string, std::shared_ptr<const ProjectList>> lists_;  // by project
};

}  // namespace lxdp::services
