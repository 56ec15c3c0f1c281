// The minutely snapshot task, as upstream's autoCreateContainerSnapshotsTask and
// pruneExpiredContainerSnapshotsTask: instances whose snapshots.schedule names the current
// minute get a snapshot (stopped ones only with snapshots.schedule.stopped=true), named by
// snapshots.pattern and expiring per snapshots.expiry; snapshots whose expires_at has passed
// are deleted. Custom volumes are scheduled the same way by their own snapshots.schedule,
// snapshots.pattern and snapshots.expiry (they have no running state: schedule.stopped is an
// instance key). Each step is an operation with the usual lifecycle events.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "util/PeriodicTask.h"

namespace lxdp::db { class Database; }
namespace lxdp::ops { class OperationManager; }

namespace lxdp::services {

class InstanceService;
class VolumeService;

// What the plan needs to know of one instance, or of one custom volume of a pool (running: a
// volume is always due on its minute).
struct ScheduledInstance {
    std::string project, name;
    std::string schedule;  // expanded snapshots.schedule
    bool whenStopped = false;  // snapshots.schedule.stopped
    bool running = false;
    struct Snapshot {
        std::string name, expiresAt;  // expiresAt: RFC 3339, empty for never
    };
    std::vector<Snapshot> snapshots;
};

struct SnapshotTaskPlan {
    struct Target {
        std::string project, instance, snapshot;  // snapshot empty for "take one"
    };
    std::vector<Target> take;
    std::vector<Target> expire;
};

// The work of the minute that holds `now` (Unix seconds; schedules in local time, as cron).
// A schedule that does not parse is skipped (stored values were validated).
SnapshotTaskPlan planSnapshotTasks(const std::vector<ScheduledInstance>& instances, int64_t now);

class SnapshotScheduler {
public:
    SnapshotScheduler(db::Database& db, InstanceService& instances, VolumeService& volumes,
                      ops::OperationManager& ops)
        : db_(db), instances_(instances), volumes_(volumes), ops_(ops) {}
    // One run of the task for the time `now`: what the instances and custom volumes are, the
    // plans, and an operation for each snapshot to take or delete.
    void tick(int64_t now);
    // A thread calling tick at the start of every minute, until stop().
    void start();
    void stop() { task_.stop(); }

private:
    std::vector<ScheduledInstance> gather();
    // The custom volumes of the pool, each with its snapshots.
    std::vector<ScheduledInstance> gatherVolumes(const std::string& pool);
    void runInstancePlan(const SnapshotTaskPlan& plan);
    void runVolumePlan(const std::string& pool, const SnapshotTaskPlan& plan);

    db::Database& db_;
    InstanceService& instances_;
    VolumeService& volumes_;
    ops::OperationManager& ops_;
    util::PeriodicTask task_{"snapshot task"};
};

}  // namespace lxdp::services
