#include "util/Time.h"

#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace lxdp::util {

namespace {
std::string format(int64_t seconds, long nanos) {
    time_t t = static_cast<time_t>(seconds);
    struct tm tm {};
    gmtime_r(&t, &tm);
    char buf[64];
    size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    if (nanos > 0) n += snprintf(buf + n, sizeof buf - n, ".%09ld", nanos);
    snprintf(buf + n, sizeof buf - n, "Z");
    return buf;
}
}  // namespace

std::string nowRfc3339() {
    auto now = std::chrono::system_clock::now().time_since_epoch();
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(now);
    auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(now - secs);
    return format(secs.count(), static_cast<long>(nanos.count()));
}

std::string rfc3339FromUnix(int64_t seconds) { return format(seconds, 0); }

std::optional<int64_t> parseRfc3339(const std::string& text) {
    struct tm tm {};
    int consumed = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                    &tm.tm_min, &tm.tm_sec, &consumed) != 6 || consumed != 19)
        return std::nullopt;
    if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
        tm.tm_sec > 60)
        return std::nullopt;
    size_t pos = 19;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        const size_t digits = pos;
        while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) ++pos;
        if (pos == digits) return std::nullopt;
    }
    int64_t offset = 0;
    if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
        ++pos;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
        int hours = 0, minutes = 0, n = 0;
        if (std::sscanf(text.c_str() + pos + 1, "%2d:%2d%n", &hours, &minutes, &n) != 2 || n != 5 || hours > 23 ||
            minutes > 59)
            return std::nullopt;
        offset = (text[pos] == '+' ? 1 : -1) * (hours * 3600 + minutes * 60);
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != text.size()) return std::nullopt;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return static_cast<int64_t>(timegm(&tm)) - offset;
}

}  // namespace lxdp::util
