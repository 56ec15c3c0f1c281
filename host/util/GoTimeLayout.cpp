#include "util/GoTimeLayout.h"

#include <array>
#include <cstdio>
#include <string_view>

namespace lxdp::util {

namespace {

constexpr std::array<const char*, 12> kMonthNames{"January", "February", "March",     "April",   "May",      "June",
                                                  "July",    "August",   "September", "October", "November", "December"};
constexpr std::array<const char*, 7> kDayNames{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};

std::string padded(int value, int width, char pad = '0') {
    std::string s = std::to_string(value);
    while (static_cast<int>(s.size()) < width) s.insert(s.begin(), pad);
    return s;
}

// "-0700"-like zone offsets; zulu prints Z for UTC (the Z0700 forms).
std::string zone(const std::tm& tm, bool colon, bool minutes, bool zulu) {
    const long off = tm.tm_gmtoff;
    if (zulu && off == 0) return "Z";
    const long abs = off < 0 ? -off : off;
    std::string s = std::string(off < 0 ? "-" : "+") + padded(static_cast<int>(abs / 3600), 2);
    if (minutes) s += (colon ? ":" : "") + padded(static_cast<int>(abs / 60 % 60), 2);
    return s;
}

}  // namespace

std::string formatGoLayout(const std::tm& tm, const std::string& layout) {
    const std::string_view l(layout);
    std::string out;
    const int hour12 = tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12;
    for (size_t i = 0; i < l.size();) {
        auto at = [&](std::string_view token) { return l.substr(i, token.size()) == token; };
        auto take = [&](std::string_view token, const std::string& value) {
            out += value;
            i += token.size();
        };
        if (at("January")) take("January", kMonthNames[tm.tm_mon]);
        else if (at("Jan")) take("Jan", std::string(kMonthNames[tm.tm_mon]).substr(0, 3));
        else if (at("Monday")) take("Monday", kDayNames[tm.tm_wday]);
        else if (at("Mon")) take("Mon", std::string(kDayNames[tm.tm_wday]).substr(0, 3));
        else if (at("MST")) take("MST", tm.tm_zone ? tm.tm_zone : "UTC");
        else if (at("2006")) take("2006", padded(tm.tm_year + 1900, 4));
        else if (at("06")) take("06", padded((tm.tm_year + 1900) % 100, 2));
        else if (at("01")) take("01", padded(tm.tm_mon + 1, 2));
        else if (at("02")) take("02", padded(tm.tm_mday, 2));
        else if (at("_2")) take("_2", padded(tm.tm_mday, 2, ' '));
        else if (at("15")) take("15", padded(tm.tm_hour, 2));
        else if (at("03")) take("03", padded(hour12, 2));
        else if (at("04")) take("04", padded(tm.tm_min, 2));
        else if (at("05")) take("05", padded(tm.tm_sec, 2));
        else if (at("PM")) take("PM", tm.tm_hour < 12 ? "AM" : "PM");
        else if (at("pm")) take("pm", tm.tm_hour < 12 ? "am" : "pm");
        else if (at("-07:00")) take("-07:00", zone(tm, true, true, false));
        else if (at("-0700")) take("-0700", zone(tm, false, true, false));
        else if (at("-07")) take("-07", zone(tm, false, false, false));
        else if (at("Z07:00")) take("Z07:00", zone(tm, true, true, true));
        else if (at("Z0700")) take("Z0700", zone(tm, false, true, true));
        else if (at("Z07")) take("Z07", zone(tm, false, false, true));
        else if (at("1")) take("1", std::to_string(tm.tm_mon + 1));
        else if (at("2")) take("2", std::to_string(tm.tm_mday));
        else if (at("3")) take("3", std::to_string(hour12));
        else if (at("4")) take("4", std::to_string(tm.tm_min));
        else if (at("5")) take("5", std::to_string(tm.tm_sec));
        else if ((at(".0") || at(".9")) && i + 1 < l.size()) {
            // Fractional seconds: the broken-down time has none; zeros, or nothing for .999.
            const char digit = l[i + 1];
            size_t n = 1;
            while (i + n < l.size() && l[i + n] == digit) ++n;
            if (digit == '0') out += "." + std::string(n - 1, '0');
            i += n;
        } else {
            out += l[i++];
        }
    }
    return out;
}

}  // namespace lxdp::util
