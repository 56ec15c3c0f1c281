// The plan of the minutely snapshot task, with the clock given: what is due and what expired.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "services/SnapshotScheduler.h"
#include "util/Time.h"

using lxdp::services::planSnapshotTasks;
using lxdp::services::ScheduledInstance;

namespace {

int64_t at(const char* rfc3339) {
    setenv("TZ", "UTC", 1);
    tzset();
    return *lxdp::util::parseRfc3339(rfc3339);
}

ScheduledInstance instance(const std::string& name, const std::string& schedule, bool running, bool whenStopped = false) {
    ScheduledInstance i;
    i.project = "default";
    i.name = name;
    i.schedule = schedule;
    i.running = running;
    i.whenStopped = whenStopped;
    return i;
}

std::vector<std::string> taken(const lxdp::services::SnapshotTaskPlan& plan) {
    std::vector<std::string> out;
    for (const auto& t : plan.take) out.push_back(t.instance);
    return out;
}

}  // namespace

TEST(SnapshotSchedulerPlan, RunningInstancesOnTheirMinute) {
    const std::vector<ScheduledInstance> all = {instance("every", "* * * * *", true),
                                                instance("hourly", "@hourly", true),
                                                instance("none", "", true),
                                                instance("at-six", "0 6 * * *", true)};
    EXPECT_EQ(taken(planSnapshotTasks(all, at("2026-11-28T06:00:30Z"))),
              (std::vector<std::string>{"every", "hourly", "at-six"}));
    EXPECT_EQ(taken(planSnapshotTasks(all, at("2026-11-28T06:01:00Z"))), (std::vector<std::string>{"every"}));
    EXPECT_EQ(taken(planSnapshotTasks(all, at("2026-11-28T07:00:59Z"))), (std::vector<std::string>{"every", "hourly"}));
}

TEST(SnapshotSchedulerPlan, StoppedInstancesOnlyWhenAsked) {
    const std::vector<ScheduledInstance> all = {instance("stopped", "* * * * *", false),
                                                instance("stopped-too", "* * * * *", false, true)};
    EXPECT_EQ(taken(planSnapshotTasks(all, at("2026-11-28T06:00:00Z"))), (std::vector<std::string>{"stopped-too"}));
}

TEST(SnapshotSchedulerPlan, ExpiredSnapshotsAndOnlyThose) {
    auto i = instance("c1", "", false);
    i.snapshots = {{"never", ""},
                   {"past", "2026-11-28T05:59:00Z"},
                   {"now", "2026-11-28T06:00:00Z"},
                   {"later", "2026-11-28T06:00:01Z"},
                   {"offset", "2026-11-28T07:30:00+02:00"}};
    const auto plan = planSnapshotTasks({i}, at("2026-11-28T06:00:00Z"));
    std::vector<std::string> expired;
    for (const auto& t : plan.expire) expired.push_back(t.snapshot);
    EXPECT_EQ(expired, (std::vector<std::string>{"past", "now", "offset"}));
    EXPECT_TRUE(plan.take.empty());
}

TEST(SnapshotSchedulerPlan, AScheduleThatDoesNotParseIsSkipped) {
    EXPECT_TRUE(planSnapshotTasks({instance("bad", "every minute", true)}, at("2026-11-28T06:00:00Z")).take.empty());
}
