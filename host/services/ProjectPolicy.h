// Project limits and restrictions (spec 3.2.6) at every write that could break them: instances
// created, copied, updated or restored, profiles, custom volumes, snapshots, backups, networks,
// and the project's own config. Restrictions refuse with 403, limits with 400, each naming the
// key and the project; nothing is written before the check passes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "db/Records.h"
#include "services/InstanceExpansion.h"

namespace lxdp::db { class Database; }

namespace lxdp::services {

class ProjectPolicy {
public:
    explicit ProjectPolicy(db::Database& db) : db_(db) {}

    // An instance about to be created (current null) or to replace current: its expanded config
    // and devices against the restrictions, its volatile keys against current, and the
    // project's counts and aggregate limits with it in place.
    void checkInstance(const db::InstanceRecord& candidate, const db::InstanceRecord* current);
    // The same without the volatile keys, for the daemon's own writes (a creation's record with
    // its volatile.uuid, checked again under the transaction that stores it).
    void checkProjectRoom(const db::InstanceRecord& candidate);
    // A profile about to be created or updated: its own keys against its project's
    // restrictions, and every project whose instances it expands into, with it in place.
    void checkProfile(const db::ProfileRecord& profile);
    // A project config about to replace the stored one: every limit it changes at least what
    // the project uses (and set on all its instances), every restriction it changes kept by
    // what the project already holds. 400 otherwise.
    void checkProjectConfig(const std::string& project, const db::StringMap& config);
    // A custom volume about to be created or updated: limits.disk, and no security.shifted
    // volume in a restricted project.
    void checkVolume(const db::VolumeRecord& volume);
    // A new network in project: limits.networks.
    void checkNetworkCreation(const std::string& project);
    // A feature a restricted.* key switches (restricted.snapshots, .backups, .cluster.target):
    // 403 "Project "p" doesn't allow for <what>" when the project blocks it.
    void checkFeature(const std::string& project, const std::string& restrictionKey, const std::string& what);

    // GET /1.0/projects/<name>/state (lxc project info): each resource's limit (-1: none) and
    // usage, instances lacking a key counting as zero.
    struct Resource {
        int64_t limit = -1;
        int64_t usage = 0;
    };
    std::map<std::string, Resource> usage(const std::string& project);

    // The bytes that limits.disk of project leaves for an upload (an image or a backup being
    // imported) beside its instances and volumes; nullopt when the project sets no limits.disk.
    std::optional<int64_t> diskRoom(const std::string& project);

private:
    struct Instance {
        std::string name;
        int type;
        Expanded expanded;
    };
    // The project's instances expanded, candidate in place of its namesake (or added), with
    // profile in place of its namesake in the profiles the project uses.
    std::vector<Instance> instancesOf(const std::string& project, const db::InstanceRecord* candidate,
                                      const db::ProfileRecord* profile);
    // The custom volumes limits.disk counts, volume in place of its namesake (or added).
    std::vector<db::VolumeRecord> volumesOf(const std::string& project, const db::VolumeRecord* volume);
    // The totals of keys over the instances (and, for limits.disk, the custom volumes); 400 when
    // one of them lacks a key, unless skipUnset (a missing or unsummable value then counts as zero).
    std::map<std::string, int64_t> totalsOf(const std::string& project, const std::vector<std::string>& keys,
                                            const std::vector<Instance>& instances,
                                            const std::vector<db::VolumeRecord>& volumes, bool skipUnset = false);
    // Throws 400 when a limits.* key of config is exceeded by the totals, or an instance lacks it.
    void checkAggregates(const std::string& project, const db::StringMap& config, const std::vector<std::string>& keys,
                         const std::vector<Instance>& instances, const std::vector<db::VolumeRecord>& volumes);
    void checkCounts(const std::string& project, const db::StringMap& config, const std::vector<Instance>& instances);
    // The restrictions on every instance and on the profiles the project's instances use.
    void checkAllRestrictions(const std::string& project, const db::StringMap& config,
                              const std::vector<Instance>& instances);
    db::StringMap configOf(const std::string& project);

    db::Database& db_;
};

}  // namespace lxdp::services
