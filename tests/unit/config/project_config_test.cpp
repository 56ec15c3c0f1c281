#include <gtest/gtest.h>

#include "config/ProjectConfig.h"
#include "util/ApiError.h"

using lxdp::config::validateProjectConfig;

TEST(ProjectConfig, AcceptsFeaturesLimitsRestrictionsAndUserKeys) {
    EXPECT_NO_THROW(validateProjectConfig({{"features.images", "false"},
                                           {"limits.containers", "5"},
                                           {"limits.memory", "2GiB"},
                                           {"restricted", "true"},
                                           {"restricted.devices.nic", "managed"},
                                           {"user.owner", "team-a"}}));
}

TEST(ProjectConfig, RefusesUnknownKeysAndBadValues) {
    EXPECT_THROW(validateProjectConfig({{"features.gpus", "true"}}), lxdp::ApiError);
    EXPECT_THROW(validateProjectConfig({{"features.images", "maybe"}}), lxdp::ApiError);
    EXPECT_THROW(validateProjectConfig({{"restricted.devices.nic", "sometimes"}}), lxdp::ApiError);
    EXPECT_THROW(validateProjectConfig({{"limits.containers", "-1"}}), lxdp::ApiError);
}

TEST(ProjectConfig, NewProjectsGetEveryFeature) {
    const auto& f = lxdp::config::defaultProjectFeatures();
    EXPECT_EQ(f.at("features.images"), "true");
    EXPECT_EQ(f.at("features.profiles"), "true");
    EXPECT_EQ(f.at("features.storage.volumes"), "true");
}
