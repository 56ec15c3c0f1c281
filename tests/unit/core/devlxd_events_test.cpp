#include <gtest/gtest.h>

#include "services/DevLxdEvents.h"
#include "services/InstanceExpansion.h"
#include "util/ApiError.h"

using lxdp::services::devLxdChanges;
using lxdp::services::devLxdEventTypes;
using lxdp::services::devLxdView;
using lxdp::services::Expanded;

TEST(DevLxdEvents, ConfigChangesOfUserKeysOnly) {
    Expanded before{{{"user.a", "1"}, {"user.gone", "x"}, {"limits.cpu", "1"}}, {}};
    Expanded after{{{"user.a", "2"}, {"user.new", "y"}, {"limits.cpu", "2"}}, {}};
    const auto changes = devLxdChanges(devLxdView(before), devLxdView(after), {});
    ASSERT_EQ(changes.size(), 3u);
    EXPECT_EQ(changes[0]["type"], "config");
    EXPECT_EQ(changes[0]["metadata"], (nlohmann::json{{"key", "user.a"}, {"old_value", "1"}, {"value", "2"}}));
    EXPECT_EQ(changes[1]["metadata"], (nlohmann::json{{"key", "user.gone"}, {"old_value", "x"}, {"value", ""}}));
    EXPECT_EQ(changes[2]["metadata"], (nlohmann::json{{"key", "user.new"}, {"old_value", ""}, {"value", "y"}}));
    EXPECT_FALSE(changes[0]["timestamp"].get<std::string>().empty());
}

TEST(DevLxdEvents, DeviceAddedUpdatedRemoved) {
    Expanded before{{}, {{"kept", {{"type", "none"}}}, {"changed", {{"type", "unix-char"}, {"path", "/dev/a"}}},
                         {"removed", {{"type", "none"}}}}};
    Expanded after{{}, {{"kept", {{"type", "none"}}}, {"changed", {{"type", "unix-char"}, {"path", "/dev/b"}}},
                        {"added", {{"type", "none"}}}}};
    const auto changes = devLxdChanges(devLxdView(before), devLxdView(after), {"device"});
    ASSERT_EQ(changes.size(), 3u);
    std::map<std::string, std::string> actions;
    for (const auto& c : changes) {
        EXPECT_EQ(c["type"], "device");
        actions[c["metadata"]["name"]] = c["metadata"]["action"];
    }
    EXPECT_EQ(actions, (std::map<std::string, std::string>{{"added", "added"}, {"changed", "updated"}, {"removed", "removed"}}));
}

TEST(DevLxdEvents, TypesFilterAndRefuse) {
    Expanded before{{{"user.a", "1"}}, {}};
    Expanded after{{{"user.a", "2"}}, {{"d", {{"type", "none"}}}}};
    EXPECT_EQ(devLxdChanges(devLxdView(before), devLxdView(after), {"device"}).size(), 1u);
    EXPECT_EQ(devLxdChanges(devLxdView(before), devLxdView(after), {"config"}).size(), 1u);
    EXPECT_EQ(devLxdEventTypes("config,device"), (std::set<std::string>{"config", "device"}));
    EXPECT_TRUE(devLxdEventTypes("").empty());
    EXPECT_THROW(devLxdEventTypes("config,lifecycle"), lxdp::ApiError);
}
