// snapshots.schedule: ", "-separated five-field cron expressions (<minute> <hour> <day-of-month>
// <month> <day-of-week>) and the aliases @hourly @daily @midnight @weekly @monthly @annually
// @yearly, with the semantics of the cron library upstream uses (robfig/cron's standard parser).
// (@startup, upstream's snapshot at each instance start, is not supported: refused as unknown.)
#pragma once

#include <bitset>
#include <ctime>
#include <string>
#include <vector>

namespace lxdp::util {

class CronSchedule {
public:
    // Throws std::invalid_argument naming the problem. Names (jan, mon) in any case; `?` as `*`
    // in the day fields; "N/step" means N to the field's end in steps.
    static CronSchedule parse(const std::string& text);

    // Whether the minute `at` (broken-down local time) is one of the schedule's.
    bool matches(const std::tm& at) const;
    bool empty() const { return entries_.empty(); }

private:
    struct Entry {
        std::bitset<60> minutes;
        std::bitset<24> hours;
        std::bitset<32> daysOfMonth;  // 1..31
        std::bitset<13> months;       // 1..12
        std::bitset<7> daysOfWeek;    // 0 (Sunday)..6
        // A day field written as * or ?: then both day fields must match, else either.
        bool anyDayOfMonth = false, anyDayOfWeek = false;
        bool matches(const std::tm& at) const;
    };
    std::vector<Entry> entries_;
};

}  // namespace lxdp::util
