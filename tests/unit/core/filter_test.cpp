#include <gtest/gtest.h>

#include "api/Filter.h"
#include "util/ApiError.h"

using lxdp::api::Filter;

namespace {
const nlohmann::json kInstance = {
    {"name", "my container"},
    {"status", "Running"},
    {"config", {{"image.os", "ubuntu"}, {"user.tier", "web"}}},
    {"devices", {{"eth0", {{"nictype", "bridged"}}}}},
    {"ephemeral", false},
};
}

TEST(Filter, EmptyMatchesEverything) { EXPECT_TRUE(Filter::parse("").matches(kInstance)); }

TEST(Filter, QuotedValuesAndAnd) {
    EXPECT_TRUE(Filter::parse("name eq \"my container\" and status eq Running").matches(kInstance));
    EXPECT_FALSE(Filter::parse("name eq \"my container\" and status eq Stopped").matches(kInstance));
}

TEST(Filter, DottedKeysReachIntoMaps) {
    EXPECT_TRUE(Filter::parse("config.image.os eq ubuntu").matches(kInstance));
    EXPECT_TRUE(Filter::parse("devices.eth0.nictype eq bridged").matches(kInstance));
    EXPECT_FALSE(Filter::parse("config.image.os eq centos").matches(kInstance));
}

TEST(Filter, NotNeAndOrLeftToRight) {
    EXPECT_TRUE(Filter::parse("config.image.os eq centos or devices.eth0.nictype eq bridged").matches(kInstance));
    EXPECT_TRUE(Filter::parse("not status eq Stopped").matches(kInstance));
    EXPECT_TRUE(Filter::parse("status ne Stopped").matches(kInstance));
    // ((false and true) or true) = true; left associativity, no precedence of and over or.
    EXPECT_TRUE(Filter::parse("status eq Stopped and name eq x or ephemeral eq false").matches(kInstance));
}

TEST(Filter, FieldNamesIgnoreCaseAndUnderscores) {
    nlohmann::json image = {{"properties", {{"os", "Centos"}}}, {"update_source", {{"protocol", "lxd"}}}};
    EXPECT_TRUE(Filter::parse("Properties.os eq Centos and not UpdateSource.Protocol eq simplestreams").matches(image));
}

TEST(Filter, MalformedIsABadRequest) {
    EXPECT_THROW(Filter::parse("name eq"), lxdp::ApiError);
    EXPECT_THROW(Filter::parse("name like x"), lxdp::ApiError);
    EXPECT_THROW(Filter::parse("name eq x and"), lxdp::ApiError);
    EXPECT_THROW(Filter::parse("name eq \"open"), lxdp::ApiError);
}
