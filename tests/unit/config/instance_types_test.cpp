#include <gtest/gtest.h>

#include "config/InstanceTypes.h"
#include "util/ApiError.h"

using lxdp::config::instanceTypeLimits;

TEST(InstanceTypes, GenericForm) {
    auto l = instanceTypeLimits("c2-m4");
    EXPECT_EQ(l.at("limits.cpu"), "2");
    EXPECT_EQ(l.at("limits.memory"), "4096MiB");
    EXPECT_EQ(instanceTypeLimits("c1-m0.5").at("limits.memory"), "512MiB");
}

TEST(InstanceTypes, CloudTypesWithAndWithoutProvider) {
    EXPECT_EQ(instanceTypeLimits("t2.micro").at("limits.memory"), "1024MiB");
    EXPECT_EQ(instanceTypeLimits("aws:t2.micro").at("limits.cpu"), "1");
    EXPECT_THROW(instanceTypeLimits("gce:t2.micro"), lxdp::ApiError);
}

TEST(InstanceTypes, UnknownIsABadRequest) { EXPECT_THROW(instanceTypeLimits("huge"), lxdp::ApiError); }
