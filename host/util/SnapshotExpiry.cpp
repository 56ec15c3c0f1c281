#include "util/SnapshotExpiry.h"

#include <cctype>
#include <charconv>
#include <ctime>
#include <stdexcept>

namespace lxdp::util {

std::optional<int64_t> snapshotExpiryAfter(int64_t now, const std::string& expression) {
    if (expression.empty()) return std::nullopt;
    int64_t minutes = 0, hours = 0, days = 0, months = 0, years = 0;
    size_t pos = 0;
    for (;;) {
        const size_t end = expression.find(' ', pos);
        const std::string part = expression.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
        int64_t n = 0;
        const auto [at, ec] = part.empty() ? std::from_chars_result{part.data(), std::errc::invalid_argument}
                                           : std::from_chars(part.data(), part.data() + part.size() - 1, n);
        if (part.size() < 2 || ec != std::errc() || at != part.data() + part.size() - 1 || n < 0 || n > 100000 ||
            !std::isdigit(static_cast<unsigned char>(part.front())))
            throw std::invalid_argument("Invalid expiry \"" + expression +
                                        "\", expected an expression like \"1M 2H 3d 4w 5m 6y\"");
        switch (part.back()) {
            case 'M': minutes += n; break;
            case 'H': hours += n; break;
            case 'd': days += n; break;
            case 'w': days += 7 * n; break;
            case 'm': months += n; break;
            case 'y': years += n; break;
            default:
                throw std::invalid_argument("Invalid expiry \"" + expression +
                                            "\", expected an expression like \"1M 2H 3d 4w 5m 6y\"");
        }
        if (end == std::string::npos) break;
        pos = end + 1;
    }
    // Calendar parts through timegm's normalisation, which overflows days into months as Go does.
    time_t t = static_cast<time_t>(now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    tm.tm_year += static_cast<int>(years);
    tm.tm_mon += static_cast<int>(months);
    tm.tm_mday += static_cast<int>(days);
    return static_cast<int64_t>(timegm(&tm)) + hours * 3600 + minutes * 60;
}

}  // namespace lxdp::util
