#include <gtest/gtest.h>

#include <stdexcept>

#include "util/SnapshotExpiry.h"
#include "util/Time.h"

using lxdp::util::parseRfc3339;
using lxdp::util::rfc3339FromUnix;
using lxdp::util::snapshotExpiryAfter;

namespace {
std::string after(const char* from, const char* expression) {
    return rfc3339FromUnix(*snapshotExpiryAfter(*parseRfc3339(from), expression));
}
}  // namespace

TEST(SnapshotExpiry, EveryUnit) {
    EXPECT_EQ(after("2026-11-28T12:00:00Z", "1M"), "2026-11-28T12:01:00Z");
    EXPECT_EQ(after("2026-11-28T12:00:00Z", "2H"), "2026-11-28T14:00:00Z");
    EXPECT_EQ(after("2026-11-28T12:00:00Z", "3d"), "2026-12-01T12:00:00Z");
    EXPECT_EQ(after("2026-11-28T12:00:00Z", "4w"), "2026-12-26T12:00:00Z");
    EXPECT_EQ(after("2026-11-28T12:00:00Z", "5m"), "2027-04-28T12:00:00Z");
    EXPECT_EQ(after("2026-11-28T12:00:00Z", "6y"), "2032-11-28T12:00:00Z");
    EXPECT_EQ(after("2026-11-28T12:00:00Z", "1M 2H 3d 4w 5m 6y"), "2033-05-29T14:01:00Z");
}

TEST(SnapshotExpiry, MonthsOverflowAsGoAddDate) {
    EXPECT_EQ(after("2026-01-31T00:00:00Z", "1m"), "2026-03-03T00:00:00Z");
}

TEST(SnapshotExpiry, EmptyIsNever) { EXPECT_FALSE(snapshotExpiryAfter(0, "").has_value()); }

TEST(SnapshotExpiry, MalformedIsRefused) {
    for (const char* bad : {"2x", "d", "1", "1d  2H", " 1d", "-1d", "1.5d", "1D"})
        EXPECT_THROW(snapshotExpiryAfter(0, bad), std::invalid_argument) << bad;
}
