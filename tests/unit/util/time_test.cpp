#include <gtest/gtest.h>

#include "util/Time.h"

using lxdp::util::parseRfc3339;

TEST(Time, ParsesWhatGoClientsSend) {
    EXPECT_EQ(parseRfc3339("1970-01-01T00:00:00Z"), 0);
    EXPECT_EQ(parseRfc3339("2026-11-28T02:01:21.123456789Z"), 1795831281);
    EXPECT_EQ(parseRfc3339("2026-11-28T03:01:21+01:00"), 1795831281);
    EXPECT_EQ(parseRfc3339("2026-11-27T21:01:21-05:00"), 1795831281);
    EXPECT_EQ(parseRfc3339(lxdp::util::rfc3339FromUnix(1795831281)), 1795831281);
}

TEST(Time, RefusesWhatIsNotATimestamp) {
    for (const char* bad : {"", "2026-11-28", "2026-11-28T02:01:21", "2026-13-01T00:00:00Z", "2026-11-28T02:01:21.Z",
                            "2026-11-28T02:01:21Zjunk", "2026-11-28 02:01:21Z", "2026-11-28T02:01:21+0100", "tomorrow"})
        EXPECT_FALSE(parseRfc3339(bad)) << bad;
}
