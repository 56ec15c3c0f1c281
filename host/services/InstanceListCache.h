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

    // Appends the project's instances as a recursion-1 list shows them, in the database's order:
    // the serialized objects joined by commas, without the array's brackets (a comma before the
    // first when `out` does not end with '[' and the project has instances). Appending into the
    // caller's one buffer spares copies of a list that is megabytes at a thousand instances.
    void appendRecursion1(const std::string& project, std::string& out);

private:
    struct Entry {
        std::string head;  // the serialized instance without its status and closing brace
        const plugins::InstanceDriver* driver;
        plugins::InstanceRef ref;  // what the driver needs to tell the status
    };
    struct ProjectList {
        db::Database::ChangeStamp stamp;
        std::vector<Entry> entries;
        size_t bytes = 0;  // of the heads, to reserve the answer's buffer at once
        bool keep = true;  // false when an instance's view could not be made (a pool away, say)
    };

    std::shared_ptr<const ProjectList> build(const std::string& project, const db::Database::ChangeStamp& stamp);

    db::Database& db_;
    InstanceService& instances_;
    std::mutex mutex_;
    std::map<std::string, std::shared_ptr<const ProjectList>> lists_;  // by project
};

}  // namespace lxdp::services
