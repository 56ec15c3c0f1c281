#include "util/CronSchedule.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace lxdp::util {

namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kAliases{{
    {"@hourly", "0 * * * *"},
    {"@daily", "0 0 * * *"},
    {"@midnight", "0 0 * * *"},
    {"@weekly", "0 0 * * 0"},
    {"@monthly", "0 0 1 * *"},
    {"@annually", "0 0 1 1 *"},
    {"@yearly", "0 0 1 1 *"},
}};
constexpr std::array<std::string_view, 12> kMonths{"jan", "feb", "mar", "apr", "may", "jun",
                                                   "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kDays{"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

std::vector<std::string_view> split(std::string_view s, std::string_view sep) {
    std::vector<std::string_view> out;
    for (;;) {
        const auto pos = s.find(sep);
        out.push_back(s.substr(0, pos));
        if (pos == std::string_view::npos) return out;
        s.remove_prefix(pos + sep.size());
    }
}

[[noreturn]] void fail(const std::string& what) { throw std::invalid_argument("Error parsing schedule: " + what); }

struct Field {
    int lo, hi;
    std::string_view what;
    const std::string_view* names = nullptr;  // names[i] is lo + i
    size_t nameCount = 0;
    bool questionMark = false;
};

int number(std::string_view s, const Field& f) {
    for (size_t i = 0; i < f.nameCount; ++i)
        if (s == f.names[i]) return f.lo + static_cast<int>(i);
    int n = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (s.empty() || !std::isdigit(static_cast<unsigned char>(s.front())) || ec != std::errc() ||
        end != s.data() + s.size())
        fail("invalid " + std::string(f.what) + " \"" + std::string(s) + "\"");
    if (n < f.lo || n > f.hi)
        fail(std::string(f.what) + " " + std::to_string(n) + " out of range (" + std::to_string(f.lo) + "-" +
             std::to_string(f.hi) + ")");
    return n;
}

// The values of one field as a bitmask over 0..63; *any says the field was * or ? without a step.
uint64_t parseField(std::string_view text, const Field& f, bool* any) {
    uint64_t bits = 0;
    if (any) *any = false;
    for (auto item : split(text, ",")) {
        const auto slash = item.find('/');
        const std::string_view range = item.substr(0, slash);
        int step = 1;
        if (slash != std::string_view::npos) {
            const auto s = item.substr(slash + 1);
            const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), step);
            if (s.empty() || ec != std::errc() || end != s.data() + s.size() || step < 1 || step > f.hi - f.lo + 1)
                fail("invalid step in \"" + std::string(item) + "\"");
        }
        int first = f.lo, last = f.hi;
        if (range == "*" || (f.questionMark && range == "?")) {
            if (any && step == 1) *any = true;
        } else {
            const auto dash = range.find('-');
            first = number(range.substr(0, dash), f);
            if (dash != std::string_view::npos) last = number(range.substr(dash + 1), f);
            else if (slash == std::string_view::npos) last = first;
            if (last < first) fail("backwards range \"" + std::string(range) + "\"");
        }
        for (int v = first; v <= last; v += step) bits |= uint64_t{1} << v;
    }
    return bits;
}

}  // namespace

CronSchedule CronSchedule::parse(const std::string& text) {
    std::string lower = text;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    CronSchedule out;
    if (lower.empty()) return out;
    // LXD separates schedules with ", " because a bare comma is cron's own list syntax.
    for (auto spec : split(lower, ", ")) {
        if (!spec.empty() && spec.front() == '@') {
            auto alias = std::find_if(kAliases.begin(), kAliases.end(), [&](const auto& a) { return a.first == spec; });
            if (alias == kAliases.end()) throw std::invalid_argument("Unknown schedule alias \"" + std::string(spec) + "\"");
            spec = alias->second;
        }
        const auto fields = split(spec, " ");
        if (fields.size() != 5)
            throw std::invalid_argument(
                "Schedule must be of the form: <minute> <hour> <day-of-month> <month> <day-of-week>");
        Entry e;
        e.minutes = parseField(fields[0], {0, 59, "minute"}, nullptr);
        e.hours = parseField(fields[1], {0, 23, "hour"}, nullptr);
        e.daysOfMonth = parseField(fields[2], {1, 31, "day of month", nullptr, 0, true}, &e.anyDayOfMonth);
        e.months = parseField(fields[3], {1, 12, "month", kMonths.data(), kMonths.size()}, nullptr);
        e.daysOfWeek = parseField(fields[4], {0, 6, "day of week", kDays.data(), kDays.size(), true}, &e.anyDayOfWeek);
        out.entries_.push_back(e);
    }
    return out;
}

bool CronSchedule::Entry::matches(const std::tm& at) const {
    if (!minutes[at.tm_min] || !hours[at.tm_hour] || !months[at.tm_mon + 1]) return false;
    const bool dom = daysOfMonth[at.tm_mday], dow = daysOfWeek[at.tm_wday];
    // As cron: when both day fields are restricted, a day matching either is in the schedule.
    if (anyDayOfMonth || anyDayOfWeek) return dom && dow;
    return dom || dow;
}

bool CronSchedule::matches(const std::tm& at) const {
    return std::any_of(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.matches(at); });
}

}  // namespace lxdp::util
