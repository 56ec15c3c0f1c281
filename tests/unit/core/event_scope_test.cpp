// Which events a listener gets: its project's, every project's, and the project-less ones
// (certificates, tokens) only when it may see server-wide events.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "events/EventHub.h"

namespace {

std::string projectOf(const std::optional<std::string>& frame) {
    return frame ? nlohmann::json::parse(*frame).value("project", "?") : "none";
}

TEST(EventScope, RestrictedListenersMissProjectlessEvents) {
    lxdp::events::EventHub hub;
    auto restricted = hub.subscribe({}, "p1", false, false);
    auto admin = hub.subscribe({}, "p1", false);
    hub.lifecycle("", "certificate-created", "/1.0/certificates/ab");
    hub.lifecycle("p2", "instance-created", "/1.0/instances/c2");
    hub.lifecycle("p1", "instance-created", "/1.0/instances/c1");
    EXPECT_EQ(projectOf(restricted->next(100)), "p1");
    EXPECT_EQ(projectOf(restricted->next(100)), "none");
    EXPECT_EQ(projectOf(admin->next(100)), "");
    EXPECT_EQ(projectOf(admin->next(100)), "p1");
    EXPECT_EQ(projectOf(admin->next(100)), "none");
}

}  // namespace
