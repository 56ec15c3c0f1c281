#include <gtest/gtest.h>

#include <ctime>
#include <stdexcept>

#include "util/CronSchedule.h"

using lxdp::util::CronSchedule;

namespace {

// The broken-down UTC time of "YYYY-MM-DD hh:mm" with its weekday.
std::tm at(int year, int month, int day, int hour, int minute) {
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    time_t t = timegm(&tm);
    gmtime_r(&t, &tm);
    return tm;
}

bool due(const std::string& schedule, const std::tm& tm) { return CronSchedule::parse(schedule).matches(tm); }

}  // namespace

TEST(CronSchedule, EveryMinute) {
    EXPECT_TRUE(due("* * * * *", at(2026, 11, 28, 12, 7)));
    EXPECT_TRUE(due("* * * * *", at(2026, 1, 1, 0, 0)));
}

TEST(CronSchedule, FieldsListsRangesAndSteps) {
    EXPECT_TRUE(due("*/15 * * * *", at(2026, 11, 28, 12, 45)));
    EXPECT_FALSE(due("*/15 * * * *", at(2026, 11, 28, 12, 46)));
    EXPECT_TRUE(due("0 1,13 * * *", at(2026, 11, 28, 13, 0)));
    EXPECT_FALSE(due("0 1,13 * * *", at(2026, 11, 28, 14, 0)));
    EXPECT_TRUE(due("10-20/5 * * * *", at(2026, 11, 28, 3, 15)));
    EXPECT_FALSE(due("10-20/5 * * * *", at(2026, 11, 28, 3, 25)));
    // "N/step" runs from N to the end of the field.
    EXPECT_TRUE(due("50/5 * * * *", at(2026, 11, 28, 3, 55)));
    EXPECT_FALSE(due("50/5 * * * *", at(2026, 11, 28, 3, 5)));
}

TEST(CronSchedule, NamesInAnyCase) {
    // 2026-11-30 is a Monday.
    EXPECT_TRUE(due("0 6 * NOV Mon", at(2026, 11, 30, 6, 0)));
    EXPECT_FALSE(due("0 6 * nov mon", at(2026, 11, 29, 6, 0)));
    EXPECT_TRUE(due("0 6 * * mon-fri", at(2026, 12, 4, 6, 0)));
    EXPECT_FALSE(due("0 6 * * mon-fri", at(2026, 12, 5, 6, 0)));
}

TEST(CronSchedule, RestrictedDaysMatchEitherUnrestrictedBoth) {
    // Both day fields restricted: the 1st of the month or a Monday.
    EXPECT_TRUE(due("0 0 1 * mon", at(2026, 11, 30, 0, 0)));
    EXPECT_TRUE(due("0 0 1 * mon", at(2026, 12, 1, 0, 0)));
    EXPECT_FALSE(due("0 0 1 * mon", at(2026, 12, 2, 0, 0)));
    // One is * or ?: both must match.
    EXPECT_FALSE(due("0 0 ? * mon", at(2026, 12, 1, 0, 0)));
    EXPECT_TRUE(due("0 0 ? * mon", at(2026, 11, 30, 0, 0)));
    // A stepped * restricts.
    EXPECT_TRUE(due("0 0 */2 * mon", at(2026, 11, 30, 0, 0)));
}

TEST(CronSchedule, AliasesAndSeveralSchedules) {
    EXPECT_TRUE(due("@hourly", at(2026, 11, 28, 5, 0)));
    EXPECT_FALSE(due("@hourly", at(2026, 11, 28, 5, 1)));
    EXPECT_TRUE(due("@daily", at(2026, 11, 28, 0, 0)));
    EXPECT_TRUE(due("@midnight", at(2026, 11, 28, 0, 0)));
    EXPECT_FALSE(due("@daily", at(2026, 11, 28, 1, 0)));
    EXPECT_TRUE(due("@weekly", at(2026, 11, 29, 0, 0)));  // a Sunday
    EXPECT_FALSE(due("@weekly", at(2026, 11, 28, 0, 0)));
    EXPECT_TRUE(due("@monthly", at(2026, 12, 1, 0, 0)));
    EXPECT_TRUE(due("@annually", at(2027, 1, 1, 0, 0)));
    EXPECT_TRUE(due("@yearly", at(2027, 1, 1, 0, 0)));
    EXPECT_FALSE(due("@yearly", at(2027, 2, 1, 0, 0)));
    EXPECT_TRUE(due("@hourly, 30 6 * * *", at(2026, 11, 28, 6, 30)));
    EXPECT_TRUE(due("@hourly, 30 6 * * *", at(2026, 11, 28, 7, 0)));
    EXPECT_FALSE(due("@hourly, 30 6 * * *", at(2026, 11, 28, 7, 30)));
}

TEST(CronSchedule, EmptyNeverMatches) {
    EXPECT_TRUE(CronSchedule::parse("").empty());
    EXPECT_FALSE(due("", at(2026, 11, 28, 0, 0)));
}

TEST(CronSchedule, MalformedIsRefused) {
    for (const char* bad : {"0 6 * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 7",
                            "@sometimes", "@startup", "*/0 * * * *", "5-1 * * * *", "0  6 * * *", "a * * * *",
                            "-1 * * * *", "1-x * * * *", "* * * * *,"})
        EXPECT_THROW(CronSchedule::parse(bad), std::invalid_argument) << bad;
}
