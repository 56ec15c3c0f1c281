// `lxd recover` (POST /internal/recover/validate and /internal/recover/import, as upstream):
// finds the volumes on storage pools that have no database records (rows deleted, a database
// restored from an older copy, a pool whose record is gone) and rebuilds the records: an
// instance, its volume and its snapshots from the backup.yaml in its volume; a custom volume and
// its snapshots from what the pool holds. Image volumes are left alone, as upstream does.
//
// Volumes without records are exactly what this brings back. Start-up reconciliation must
// therefore never remove a volume only because no row names it: only what it can prove an
// interrupted operation of this daemon half-made (and tests/integration/daemon_recover_test.sh
// restarts the daemon between deleting rows and recovering, to hold both to that).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "db/Records.h"

namespace lxdp::daemon { struct Paths; }
namespace lxdp::db { class Database; }
namespace lxdp::events { class EventHub; }
namespace lxdp::plugins { class PluginRegistry; }

namespace lxdp::services {

class InstanceService;
class StorageService;
struct RecoveryScan;

class RecoveryService {
public:
    RecoveryService(db::Database& db, events::EventHub& events, plugins::PluginRegistry& plugins,
                    StorageService& storage, InstanceService& instances)
        : db_(db), events_(events), plugins_(plugins), storage_(storage), instances_(instances) {}

    // The pools to scan: one of the database needs only its name; another (an unknown pool) is
    // opened with the driver and config given, for the scan only. Answers upstream's
    // internalRecoverValidateResult:
    // {"UnknownVolumes":[{name,type,snapshotCount,project,pool}],"DependencyErrors":[..]}.
    // A volume that fails the consistency checks (a backup.yaml that is a symlink or names
    // "../x", or disagrees with the pool) fails the whole scan with a 400 naming it.
    nlohmann::json validate(const std::vector<db::PoolRecord>& pools);

    // The same scan, then every record in one transaction: pools, custom volumes and their
    // snapshots, instances with their volume and snapshots. Refused, with nothing changed,
    // while a dependency (project, profile, network) is missing or a check fails.
    void import(const std::vector<db::PoolRecord>& pools);

private:
    void scan(const std::vector<db::PoolRecord>& pools, RecoveryScan& out);
    void scanPool(RecoveryScan& out, size_t index);

    db::Database& db_;
    events::EventHub& events_;
    plugins::PluginRegistry& plugins_;
    StorageService& storage_;
    InstanceService& instances_;
};

}  // namespace lxdp::services
