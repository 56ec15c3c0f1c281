#include <gtest/gtest.h>

#include <ctime>

#include "util/GoTimeLayout.h"

using lxdp::util::formatGoLayout;

namespace {
std::tm utc(time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    return tm;
}
}  // namespace

TEST(GoTimeLayout, SnapshotPatternLayout) {
    const auto tm = utc(1795849505);  // 2026-11-28T07:05:05Z, a Saturday
    EXPECT_EQ(formatGoLayout(tm, "2006-01-02_15-04-05"), "2026-11-28_07-05-05");
}

TEST(GoTimeLayout, NamesShortFormsAndZones) {
    const auto tm = utc(1795849505);
    EXPECT_EQ(formatGoLayout(tm, "Monday January 2 2006"), "Saturday November 28 2026");
    EXPECT_EQ(formatGoLayout(tm, "Mon Jan _2 06 3:4:5 PM"), "Sat Nov 28 26 7:5:5 AM");
    EXPECT_EQ(formatGoLayout(tm, "15h -0700 Z07:00"), "07h +0000 Z");
    EXPECT_EQ(formatGoLayout(tm, "05.000"), "05.000");
    EXPECT_EQ(formatGoLayout(tm, "snap-at: x"), "snap-at: x");
}
