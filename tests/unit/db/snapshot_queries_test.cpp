#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "db/Database.h"
#include "db/SnapshotQueries.h"

namespace {

using lxdp::db::InstanceSnapshotRecord;

class SnapshotQueriesTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/lxdp-db-XXXXXX";
        dir_ = mkdtemp(tmpl);
        db_ = std::make_unique<lxdp::db::Database>(dir_ + "/local.db");
    }
    void TearDown() override {
        db_.reset();
        std::filesystem::remove_all(dir_);
    }
    InstanceSnapshotRecord snapshot(const std::string& instance, const std::string& name, const std::string& at) {
        InstanceSnapshotRecord r;
        r.instance = instance;
        r.name = name;
        r.architecture = "x86_64";
        r.createdAt = at;
        r.config = {{"user.a", "1"}, {"volatile.last_state.idmap", "[]"}};
        r.devices = {{"root", {{"type", "disk"}, {"path", "/"}, {"pool", "default"}}}};
        r.profiles = {"default", "extra"};
        return r;
    }
    std::string dir_;
    std::unique_ptr<lxdp::db::Database> db_;
};

TEST_F(SnapshotQueriesTest, StoresEveryFieldAndListsOldestFirst) {
    lxdp::db::createInstanceSnapshot(*db_, snapshot("c1", "snap1", "2026-01-02T00:00:00Z"));
    lxdp::db::createInstanceSnapshot(*db_, snapshot("c1", "snap0", "2026-01-01T00:00:00Z"));
    lxdp::db::createInstanceSnapshot(*db_, snapshot("c2", "snap0", "2026-01-01T00:00:00Z"));

    auto list = lxdp::db::instanceSnapshots(*db_, "default", "c1");
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].name, "snap0");
    EXPECT_EQ(list[1].name, "snap1");
    auto one = lxdp::db::instanceSnapshot(*db_, "default", "c1", "snap1");
    ASSERT_TRUE(one);
    EXPECT_EQ(one->architecture, "x86_64");
    EXPECT_EQ(one->config.at("volatile.last_state.idmap"), "[]");
    EXPECT_EQ(one->devices.at("root").at("pool"), "default");
    EXPECT_EQ(one->profiles, (std::vector<std::string>{"default", "extra"}));
    EXPECT_FALSE(lxdp::db::instanceSnapshot(*db_, "default", "c1", "nope"));
    EXPECT_FALSE(lxdp::db::instanceSnapshot(*db_, "other", "c1", "snap0"));
}

TEST_F(SnapshotQueriesTest, DuplicateNameIsRefusedAndChangesNothing) {
    lxdp::db::createInstanceSnapshot(*db_, snapshot("c1", "snap0", "2026-01-01T00:00:00Z"));
    auto dup = snapshot("c1", "snap0", "2026-01-03T00:00:00Z");
    EXPECT_ANY_THROW(lxdp::db::createInstanceSnapshot(*db_, dup));
    EXPECT_EQ(lxdp::db::instanceSnapshot(*db_, "default", "c1", "snap0")->createdAt, "2026-01-01T00:00:00Z");
}

TEST_F(SnapshotQueriesTest, UpdateTouchesOnlyDescriptionAndExpiry) {
    lxdp::db::createInstanceSnapshot(*db_, snapshot("c1", "snap0", "2026-01-01T00:00:00Z"));
    auto r = snapshot("c1", "snap0", "2030-01-01T00:00:00Z");
    r.description = "before the upgrade";
    r.expiresAt = "2027-01-01T00:00:00Z";
    r.config.clear();
    lxdp::db::updateInstanceSnapshot(*db_, r);
    auto got = lxdp::db::instanceSnapshot(*db_, "default", "c1", "snap0");
    EXPECT_EQ(got->description, "before the upgrade");
    EXPECT_EQ(got->expiresAt, "2027-01-01T00:00:00Z");
    EXPECT_EQ(got->createdAt, "2026-01-01T00:00:00Z");
    EXPECT_EQ(got->config.size(), 2u);
}

TEST_F(SnapshotQueriesTest, RenameMoveAndDelete) {
    lxdp::db::createInstanceSnapshot(*db_, snapshot("c1", "snap0", "2026-01-01T00:00:00Z"));
    lxdp::db::createInstanceSnapshot(*db_, snapshot("c1", "snap1", "2026-01-02T00:00:00Z"));
    lxdp::db::createInstanceSnapshot(*db_, snapshot("c2", "snap0", "2026-01-01T00:00:00Z"));

    lxdp::db::renameInstanceSnapshot(*db_, "default", "c1", "snap0", "first");
    EXPECT_TRUE(lxdp::db::instanceSnapshot(*db_, "default", "c1", "first"));
    EXPECT_FALSE(lxdp::db::instanceSnapshot(*db_, "default", "c1", "snap0"));
    EXPECT_TRUE(lxdp::db::instanceSnapshot(*db_, "default", "c2", "snap0"));

    lxdp::db::moveInstanceSnapshots(*db_, "default", "c1", "c3");
    EXPECT_TRUE(lxdp::db::instanceSnapshots(*db_, "default", "c1").empty());
    EXPECT_EQ(lxdp::db::instanceSnapshots(*db_, "default", "c3").size(), 2u);

    lxdp::db::deleteInstanceSnapshot(*db_, "default", "c3", "first");
    EXPECT_EQ(lxdp::db::instanceSnapshots(*db_, "default", "c3").size(), 1u);
    lxdp::db::deleteInstanceSnapshots(*db_, "default", "c3");
    EXPECT_TRUE(lxdp::db::instanceSnapshots(*db_, "default", "c3").empty());
    EXPECT_EQ(lxdp::db::instanceSnapshots(*db_, "default", "c2").size(), 1u);
}

TEST_F(SnapshotQueriesTest, FailedTransactionLeavesNoRecord) {
    EXPECT_THROW(db_->transaction([&] {
        lxdp::db::createInstanceSnapshot(*db_, snapshot("c1", "snap0", "2026-01-01T00:00:00Z"));
        throw std::runtime_error("volume snapshot failed");
    }),
                 std::runtime_error);
    EXPECT_TRUE(lxdp::db::instanceSnapshots(*db_, "default", "c1").empty());
}

}  // namespace
