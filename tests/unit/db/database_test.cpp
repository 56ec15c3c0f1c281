#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "db/Database.h"
#include "db/Schema.h"

namespace {

class DatabaseTest : public ::testing::Test {
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
    std::string dir_;
    std::unique_ptr<lxdp::db::Database> db_;
};

TEST_F(DatabaseTest, FirstOpenCreatesDefaultProjectAndProfile) {
    EXPECT_EQ(db_->schemaVersion(), static_cast<int>(lxdp::db::schemaMigrations().size()));
    ASSERT_TRUE(db_->project("default"));
    auto profile = db_->profile("default", "default");
    ASSERT_TRUE(profile);
    EXPECT_EQ(profile->description, "Default LXD profile");
}

TEST_F(DatabaseTest, ReopeningKeepsDataAndSchema) {
    lxdp::db::ProfileRecord p;
    p.name = "web";
    p.config = {{"limits.cpu", "2"}};
    db_->createProfile(p);
    db_.reset();
    db_ = std::make_unique<lxdp::db::Database>(dir_ + "/local.db");
    EXPECT_EQ(db_->schemaVersion(), static_cast<int>(lxdp::db::schemaMigrations().size()));
    auto back = db_->profile("default", "web");
    ASSERT_TRUE(back);
    EXPECT_EQ(back->config.at("limits.cpu"), "2");
}

TEST_F(DatabaseTest, InstanceRoundTripsMapsAndLists) {
    lxdp::db::InstanceRecord r;
    r.name = "c1";
    r.config = {{"user.foo", "bar"}};
    r.devices = {{"root", {{"type", "disk"}, {"path", "/"}, {"pool", "default"}}}};
    r.profiles = {"default"};
    db_->createInstance(r);
    auto back = db_->instance("default", "c1");
    ASSERT_TRUE(back);
    EXPECT_EQ(back->config.at("user.foo"), "bar");
    EXPECT_EQ(back->devices.at("root").at("pool"), "default");
    EXPECT_EQ(back->profiles, std::vector<std::string>{"default"});
    db_->renameInstance("default", "c1", "c2");
    EXPECT_FALSE(db_->instance("default", "c1"));
    EXPECT_TRUE(db_->instance("default", "c2"));
}

TEST_F(DatabaseTest, FailedTransactionChangesNothing) {
    EXPECT_THROW(db_->transaction([&] {
        lxdp::db::InstanceRecord r;
        r.name = "half";
        db_->createInstance(r);
        throw std::runtime_error("fault after the first row");
    }),
                 std::runtime_error);
    EXPECT_FALSE(db_->instance("default", "half"));
}

TEST_F(DatabaseTest, FingerprintPrefixIsNotAWildcard) {
    lxdp::db::ImageRecord img;
    img.fingerprint = std::string(64, 'a');
    db_->createImage(img);
    EXPECT_EQ(db_->imagesByPrefix("default", "aaaaaaaaaaaa").size(), 1u);
    EXPECT_TRUE(db_->imagesByPrefix("default", "%").empty());
    EXPECT_TRUE(db_->imagesByPrefix("default", "a_aaaaaaaaaa").empty());
}

TEST_F(DatabaseTest, DeletingAnImageDropsItsAliases) {
    lxdp::db::ImageRecord img;
    img.fingerprint = std::string(64, 'b');
    db_->createImage(img);
    db_->createAlias({"default", "bb", img.fingerprint, ""});
    db_->deleteImage("default", img.fingerprint);
    EXPECT_FALSE(db_->alias("default", "bb"));
}

TEST_F(DatabaseTest, RenamingAProfileRewritesInstanceLists) {
    lxdp::db::ProfileRecord p;
    p.name = "old";
    db_->createProfile(p);
    lxdp::db::InstanceRecord r;
    r.name = "c1";
    r.profiles = {"default", "old"};
    db_->createInstance(r);
    db_->renameProfile("default", "old", "new");
    EXPECT_EQ(db_->instance("default", "c1")->profiles, (std::vector<std::string>{"default", "new"}));
}

}  // namespace
