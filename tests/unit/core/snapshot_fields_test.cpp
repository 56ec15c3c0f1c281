#include <gtest/gtest.h>

#include "services/SnapshotFields.h"
#include "util/ApiError.h"

using lxdp::services::nextSnapshotName;
using lxdp::services::snapshotExpiry;

TEST(SnapshotFields, NumbersFollowTheHighestMatch) {
    EXPECT_EQ(nextSnapshotName("snap%d", {}), "snap0");
    EXPECT_EQ(nextSnapshotName("snap%d", {"snap0"}), "snap1");
    EXPECT_EQ(nextSnapshotName("snap%d", {"snap0", "snap7", "snap3"}), "snap8");
    // Names that don't match the pattern don't count.
    EXPECT_EQ(nextSnapshotName("snap%d", {"before-upgrade", "snapx", "snap", "snap2b"}), "snap0");
    EXPECT_EQ(nextSnapshotName("daily-%d-db", {"daily-4-db", "daily-9"}), "daily-5-db");
}

TEST(SnapshotFields, PatternWithoutNumber) {
    EXPECT_EQ(nextSnapshotName("backup", {}), "backup");
    EXPECT_EQ(nextSnapshotName("backup", {"backup"}), "backup-0");
    EXPECT_EQ(nextSnapshotName("backup", {"backup", "backup-0"}), "backup-1");
}

TEST(SnapshotFields, TwoNumbersAreRefused) {
    try {
        nextSnapshotName("snap%d-%d", {});
        FAIL() << "accepted two %d";
    } catch (const lxdp::ApiError& e) {
        EXPECT_EQ(e.status(), 400);
    }
}

TEST(SnapshotFields, Expiry) {
    EXPECT_EQ(snapshotExpiry(nullptr), "");
    EXPECT_EQ(snapshotExpiry("0001-01-01T00:00:00Z"), "");
    EXPECT_EQ(snapshotExpiry("2030-01-01T00:00:00Z"), "2030-01-01T00:00:00Z");
    for (const nlohmann::json& bad : {nlohmann::json("next week"), nlohmann::json(5), nlohmann::json::object()}) {
        try {
            snapshotExpiry(bad);
            FAIL() << "accepted " << bad.dump();
        } catch (const lxdp::ApiError& e) {
            EXPECT_EQ(e.status(), 400);
        }
    }
}

TEST(SnapshotFields, PatternTemplateWithCreationDate) {
    setenv("TZ", "UTC", 1);
    tzset();
    using lxdp::services::snapshotNameFromPattern;
    const std::string at = "2026-11-28T07:05:05Z";
    EXPECT_EQ(snapshotNameFromPattern("{{ creation_date|date:'2006-01-02_15-04-05' }}", at, {}), "2026-11-28_07-05-05");
    // The same second twice: numbered as a pattern without %d.
    EXPECT_EQ(snapshotNameFromPattern("{{ creation_date|date:'2006-01-02_15-04-05' }}", at, {"2026-11-28_07-05-05"}),
              "2026-11-28_07-05-05-0");
    EXPECT_EQ(snapshotNameFromPattern("auto-{{ creation_date|date:'2006' }}-%d", at, {"auto-2026-0"}), "auto-2026-1");
    EXPECT_EQ(snapshotNameFromPattern("snap%d", at, {"snap0"}), "snap1");
}
