#include "services/SnapshotScheduler.h"

#include <Poco/Logger.h>

#include <chrono>
#include <ctime>
#include <stdexcept>

#include <lxdp/storage.h>
#include <nlohmann/json.hpp>

#include "config/Validators.h"
#include "db/Database.h"
#include "ops/Operation.h"
#include "ops/OperationManager.h"
#include "services/InstanceService.h"
#include "services/InstanceVolumes.h"
#include "services/VolumeService.h"
#include "util/CronSchedule.h"
#include "util/Time.h"

namespace lxdp::services {

namespace {

Poco::Logger& log() { return Poco::Logger::get("snapshots"); }

std::string valueOf(const db::StringMap& config, const std::string& key) {
    auto it = config.find(key);
    return it == config.end() ? "" : it->second;
}

nlohmann::json volumeResources(const std::string& pool, const std::string& volume, const std::string& snapshot) {
    const std::string url = "/1.0/storage-pools/" + pool + "/volumes/custom/" + volume;
    nlohmann::json r = {{"storage_volumes", {url}}};
    if (!snapshot.empty()) r["storage_volume_snapshots"] = {url + "/snapshots/" + snapshot};
    return r;
}

nlohmann::json resources(const std::string& instance, const std::string& snapshot) {
    nlohmann::json r = {{"instances", {instanceUrl(instance)}}, {"containers", {"/1.0/containers/" + instance}}};
    if (!snapshot.empty()) r["instances_snapshots"] = {snapshotUrl(instance, snapshot)};
    return r;
}

}  // namespace

SnapshotTaskPlan planSnapshotTasks(const std::vector<ScheduledInstance>& instances, int64_t now) {
    SnapshotTaskPlan plan;
    const time_t t = static_cast<time_t>(now);
    std::tm minute{};
    localtime_r(&t, &minute);
    for (const auto& i : instances) {
        for (const auto& s : i.snapshots) {
            if (s.expiresAt.empty()) continue;
            const auto expiry = util::parseRfc3339(s.expiresAt);
            if (expiry && *expiry <= now) plan.expire.push_back({i.project, i.name, s.name});
        }
        if (i.schedule.empty() || (!i.running && !i.whenStopped)) continue;
        try {
            if (util::CronSchedule::parse(i.schedule).matches(minute)) plan.take.push_back({i.project, i.name, ""});
        } catch (const std::invalid_argument& e) {
            log().warning("snapshots.schedule of %s: %s", i.name, std::string(e.what()));
        }
    }
    return plan;
}

std::vector<ScheduledInstance> SnapshotScheduler::gather() {
    std::vector<ScheduledInstance> out;
    for (const auto& project : db_.projects())
        for (const auto& rec : db_.instances(project.name)) {
            ScheduledInstance i;
            i.project = rec.project;
            i.name = rec.name;
            const auto config = instances_.expand(rec).config;
            i.schedule = valueOf(config, "snapshots.schedule");
            const auto stopped = valueOf(config, "snapshots.schedule.stopped");
            i.whenStopped = !stopped.empty() && config::isTrue(stopped);
            if (!i.schedule.empty() && !i.whenStopped) {
                try {
                    i.running = instances_.isRunning(rec);
                } catch (const std::exception& e) {
                    log().warning("state of %s: %s", rec.name, std::string(e.what()));
                }
            }
            for (const auto& s : instances_.snapshots(rec.project, rec.name)) i.snapshots.push_back({s.name, s.expiresAt});
            out.push_back(std::move(i));
        }
    return out;
}

std::vector<ScheduledInstance> SnapshotScheduler::gatherVolumes(const std::string& pool) {
    std::vector<ScheduledInstance> out;
    for (const auto& rec : db_.volumes(pool)) {
        if (rec.type != LXDP_VOLUME_CUSTOM) continue;
        ScheduledInstance v;
        v.project = rec.project;
        v.name = rec.name;
        v.schedule = valueOf(rec.config, "snapshots.schedule");
        v.running = true;
        for (const auto& s : volumes_.snapshots(pool, rec.project, rec.name)) v.snapshots.push_back({s.name, s.expiresAt});
        out.push_back(std::move(v));
    }
    return out;
}

void SnapshotScheduler::tick(int64_t now) {
    runInstancePlan(planSnapshotTasks(gather(), now));
    for (const auto& pool : db_.pools()) {
        try {
            runVolumePlan(pool.name, planSnapshotTasks(gatherVolumes(pool.name), now));
        } catch (const std::exception& e) {
            log().error("volume snapshots of pool %s: %s", pool.name, std::string(e.what()));
        }
    }
}

void SnapshotScheduler::runVolumePlan(const std::string& pool, const SnapshotTaskPlan& plan) {
    // The plan names a volume where it would name an instance.
    for (const auto& t : plan.expire) {
        ops_.run(t.project, "Cleaning up expired volume snapshots", volumeResources(pool, t.instance, t.snapshot),
                 [this, pool, t](ops::Operation&) {
                     volumes_.deleteSnapshot(volumes_.snapshot(pool, t.project, t.instance, t.snapshot));
                 });
    }
    for (const auto& t : plan.take) {
        try {
            auto planned = volumes_.prepareSnapshot(pool, t.project, t.instance, nlohmann::json::object());
            ops_.run(t.project, "Snapshotting storage volume", volumeResources(pool, t.instance, planned.name),
                     [this, planned](ops::Operation& op) { volumes_.createSnapshot(planned, op); });
        } catch (const std::exception& e) {
            log().error("scheduled snapshot of volume %s/%s: %s", pool, t.instance, std::string(e.what()));
        }
    }
}

void SnapshotScheduler::runInstancePlan(const SnapshotTaskPlan& plan) {
    for (const auto& t : plan.expire) {
        ops_.run(t.project, "Cleaning up expired instance snapshots", resources(t.instance, t.snapshot),
                 [this, t](ops::Operation&) { instances_.removeSnapshot(t.project, t.instance, t.snapshot); });
    }
    for (const auto& t : plan.take) {
        try {
            // Named and given its expiry as an unnamed snapshot of the API would be.
            auto planned = instances_.prepareSnapshot(t.project, t.instance, nlohmann::json::object());
            ops_.run(t.project, "Snapshotting instance", resources(t.instance, planned.name),
                     [this, planned](ops::Operation& op) { instances_.createSnapshot(planned, op); });
        } catch (const std::exception& e) {
            log().error("scheduled snapshot of %s: %s", t.instance, std::string(e.what()));
        }
    }
}

void SnapshotScheduler::start() {
    // At the start of each minute, as cron: the wait runs to the minute after the one ticked, so
    // an early or late wake-up neither skips a minute nor ticks one twice.
    using namespace std::chrono;
    auto untilMinuteAfter = [](system_clock::time_point minute) {
        return ceil<milliseconds>(minute + minutes(1) - system_clock::now());
    };
    task_.start(untilMinuteAfter(floor<minutes>(system_clock::now())), [untilMinuteAfter, this] {
        const auto minute = round<minutes>(system_clock::now());
        tick(duration_cast<seconds>(minute.time_since_epoch()).count());
        return untilMinuteAfter(minute);
    });
}

}  // namespace lxdp::services
