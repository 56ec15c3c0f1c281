#include "util/Time.h"

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

}  // namespace lxdp::util
