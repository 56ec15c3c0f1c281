#include "config/Validators.h"

#include "util/ApiError.h"
#include "util/CronSchedule.h"
#include "util/SnapshotExpiry.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <limits>
#include <span>
#include <string_view>
#include <utility>

namespace lxdp::config {

namespace {

std::string quoted(const std::string& value) { return "\"" + value + "\""; }

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

bool allDigits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::vector<std::string_view> split(std::string_view s, std::string_view sep) {
    std::vector<std::string_view> out;
    for (;;) {
        const auto pos = s.find(sep);
        out.push_back(s.substr(0, pos));
        if (pos == std::string_view::npos) return out;
        s.remove_prefix(pos + sep.size());
    }
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

// Digits only (no sign, no blanks) and at most `max`; false otherwise.
bool toUint(std::string_view s, uint64_t max, uint64_t& out) {
    if (!allDigits(s)) return false;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size() && out <= max;
}

using Unit = std::pair<std::string_view, int64_t>;

constexpr int64_t kKilo = 1000;
constexpr int64_t kKibi = 1024;

// Both unit parsers follow LXD: the number is the leading run of digits, the rest is the suffix,
// and a missing number is an error (so negative values are refused too).
int64_t parseWithUnits(const std::string& value, std::span<const Unit> units, const char* what) {
    if (value.empty()) return 0;
    const auto digits = std::find_if(value.begin(), value.end(),
                                     [](unsigned char c) { return !std::isdigit(c); }) - value.begin();
    const std::string_view number(value.data(), digits);
    const std::string_view suffix(value.data() + digits, value.size() - digits);
    uint64_t n = 0;
    if (!toUint(number, std::numeric_limits<int64_t>::max(), n))
        throw InvalidValue(std::string("Invalid ") + what + " " + quoted(value));
    for (const auto& [name, multiplier] : units) {
        if (name != suffix) continue;
        if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max() / multiplier))
            throw InvalidValue(std::string("Invalid ") + what + " " + quoted(value) + ": out of range");
        return static_cast<int64_t>(n) * multiplier;
    }
    throw InvalidValue(std::string("Invalid ") + what + " " + quoted(value) + ": unknown unit \"" +
                       std::string(suffix) + "\"");
}

constexpr auto kByteUnits = std::to_array<Unit>({
    {"", 1}, {"B", 1}, {" bytes", 1},
    {"kB", kKilo}, {"KB", kKilo}, {"MB", kKilo * kKilo}, {"GB", kKilo * kKilo * kKilo},
    {"TB", kKilo * kKilo * kKilo * kKilo}, {"PB", kKilo * kKilo * kKilo * kKilo * kKilo},
    {"EB", kKilo * kKilo * kKilo * kKilo * kKilo * kKilo},
    {"KiB", kKibi}, {"MiB", kKibi * kKibi}, {"GiB", kKibi * kKibi * kKibi},
    {"TiB", kKibi * kKibi * kKibi * kKibi}, {"PiB", kKibi * kKibi * kKibi * kKibi * kKibi},
    {"EiB", kKibi * kKibi * kKibi * kKibi * kKibi * kKibi},
});

constexpr auto kBitUnits = std::to_array<Unit>({
    {"", 1}, {"bit", 1},
    {"kbit", kKilo}, {"Mbit", kKilo * kKilo}, {"Gbit", kKilo * kKilo * kKilo},
    {"Tbit", kKilo * kKilo * kKilo * kKilo}, {"Pbit", kKilo * kKilo * kKilo * kKilo * kKilo},
    {"Ebit", kKilo * kKilo * kKilo * kKilo * kKilo * kKilo},
    {"Kibit", kKibi}, {"Mibit", kKibi * kKibi}, {"Gibit", kKibi * kKibi * kKibi},
    {"Tibit", kKibi * kKibi * kKibi * kKibi}, {"Pibit", kKibi * kKibi * kKibi * kKibi * kKibi},
    {"Eibit", kKibi * kKibi * kKibi * kKibi * kKibi * kKibi},
});

void isPercentage(const std::string& value) {
    uint64_t n = 0;
    if (value.empty() || value.back() != '%' || !toUint(std::string_view(value).substr(0, value.size() - 1), 100, n))
        throw InvalidValue("Invalid percentage " + quoted(value) + ", must be between 0% and 100%");
}

// One field of a five-field cron expression: "*", "?", "a", "a-b", each optionally "/step",
// joined by commas. Names (jan, mon) are allowed where `names` is given, as robfig/cron does.
}  // namespace

int64_t parseByteSize(const std::string& value) { return parseWithUnits(value, kByteUnits, "size"); }

int64_t parseBitSize(const std::string& value) { return parseWithUnits(value, kBitUnits, "bit rate"); }

int64_t parseInt64(const std::string& value) {
    int64_t n = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (value.empty() || ec != std::errc() || end != value.data() + value.size())
        throw InvalidValue("Invalid value for an integer " + quoted(value));
    return n;
}

uint64_t parseUint(const std::string& value, uint64_t max) {
    uint64_t n = 0;
    if (!toUint(value, max, n))
        throw InvalidValue("Invalid value for an unsigned integer " + quoted(value) + " (maximum " +
                           std::to_string(max) + ")");
    return n;
}

bool isTrue(const std::string& value) {
    const auto v = lower(value);
    return v == "true" || v == "1" || v == "yes" || v == "on";
}

void isAny(const std::string&) {}

void isBool(const std::string& value) {
    const auto v = lower(value);
    if (!isTrue(v) && v != "false" && v != "0" && v != "no" && v != "off")
        throw InvalidValue("Invalid value for a boolean " + quoted(value));
}

void isInt64(const std::string& value) { parseInt64(value); }

void isUint8(const std::string& value) { parseUint(value, std::numeric_limits<uint8_t>::max()); }

void isUint32(const std::string& value) { parseUint(value, std::numeric_limits<uint32_t>::max()); }

void isPriority(const std::string& value) {
    uint64_t n = 0;
    if (!toUint(value, 10, n))
        throw InvalidValue("Invalid value for a limit " + quoted(value) + ". Must be within 0 and 10");
}

void isSize(const std::string& value) {
    if (value.empty()) throw InvalidValue("Invalid size \"\"");
    parseByteSize(value);
}

void isMemoryLimit(const std::string& value) {
    if (!value.empty() && value.back() == '%') isPercentage(value);
    else isSize(value);
}

void isCPUSet(const std::string& value) {
    for (auto item : split(value, ",")) {
        const auto dash = item.find('-');
        uint64_t first = 0, last = 0;
        const bool ok = toUint(item.substr(0, dash), std::numeric_limits<uint32_t>::max(), first) &&
                        (dash == std::string_view::npos ||
                         (toUint(item.substr(dash + 1), std::numeric_limits<uint32_t>::max(), last) && last >= first));
        if (!ok) throw InvalidValue("Invalid CPU set " + quoted(value) + ", expected CPU ids or ranges like \"0-3,5\"");
    }
}

void isCPULimit(const std::string& value) {
    // A bare number is a CPU count (a single pinned CPU is written "1-1", as the spec explains).
    if (allDigits(value)) {
        if (parseUint(value, std::numeric_limits<uint32_t>::max()) == 0)
            throw InvalidValue("Invalid CPU limit \"0\", must be at least 1");
        return;
    }
    isCPUSet(value);
}

void isCPUAllowance(const std::string& value) {
    if (!value.empty() && value.back() == '%') return isPercentage(value);
    auto msOrPlain = [](std::string_view s) {
        if (s.size() > 2 && s.substr(s.size() - 2) == "ms") s.remove_suffix(2);
        uint64_t n = 0;
        return toUint(s, std::numeric_limits<uint32_t>::max(), n) && n > 0;
    };
    const auto parts = split(value, "/");
    if (parts.size() != 2 || !msOrPlain(parts[0]) || !msOrPlain(parts[1]))
        throw InvalidValue("Invalid CPU allowance " + quoted(value) + ", expected a percentage or \"25ms/100ms\"");
}

void isCron(const std::string& value) {
    try {
        util::CronSchedule::parse(value);
    } catch (const std::invalid_argument& e) {
        throw InvalidValue(e.what());
    }
}

void isSnapshotExpiry(const std::string& value) {
    try {
        util::snapshotExpiryAfter(0, value);
    } catch (const std::invalid_argument& e) {
        throw InvalidValue(e.what());
    }
}

void isAbsFilePath(const std::string& value) {
    if (value.empty() || value.front() != '/' || value.find('\0') != std::string::npos)
        throw InvalidValue("Must be absolute file path");
}

void isNetworkMAC(const std::string& value) {
    // Six hex octets joined by ':' or '-', the forms Go's net.ParseMAC accepts for 6 bytes.
    bool ok = value.size() == 17;
    for (size_t i = 0; ok && i < value.size(); ++i) {
        const unsigned char c = value[i];
        ok = (i % 3 == 2) ? (c == value[2] && (c == ':' || c == '-')) : std::isxdigit(c) != 0;
    }
    if (!ok) throw InvalidValue("Invalid MAC address " + quoted(value) + ", must be 6 bytes");
}

namespace {

bool parsesAs(int family, const std::string& value) {
    std::array<unsigned char, 16> buf{};
    return inet_pton(family, value.c_str(), buf.data()) == 1;
}

void checkCIDR(int family, unsigned maxPrefix, const std::string& value, const char* what) {
    const auto slash = value.find('/');
    uint64_t prefix = 0;
    if (slash == std::string::npos || !parsesAs(family, value.substr(0, slash)) ||
        !toUint(std::string_view(value).substr(slash + 1), maxPrefix, prefix))
        throw InvalidValue(std::string("Not an ") + what + " network address in CIDR notation " + quoted(value));
}

}  // namespace

void isIPv4(const std::string& value) {
    if (!parsesAs(AF_INET, value)) throw InvalidValue("Not an IPv4 address " + quoted(value));
}

void isIPv6(const std::string& value) {
    if (!parsesAs(AF_INET6, value)) throw InvalidValue("Not an IPv6 address " + quoted(value));
}

void isIPv4CIDR(const std::string& value) { checkCIDR(AF_INET, 32, value, "IPv4"); }

void isIPv6CIDR(const std::string& value) { checkCIDR(AF_INET6, 128, value, "IPv6"); }

void isCompressionAlgorithm(const std::string& value) {
    // LXD accepted any command found in PATH, with arguments; that became an argument-injection
    // hole (CVE-2026-28384, CVE-2026-48755), so only plain algorithm names are allowed here.
    static const std::vector<std::string> kAlgorithms{"none", "bzip2", "gzip", "lz4", "lzma", "xz", "zstd", "squashfs"};
    if (std::find(kAlgorithms.begin(), kAlgorithms.end(), value) == kAlgorithms.end())
        throw InvalidValue("Unsupported compression algorithm " + quoted(value));
}

void isSingleLine(const std::string& value) {
    // Values like environment.* end up in line-oriented files (the liblxc config); a newline
    // would let a value inject extra entries (CVE-2026-23953/23954).
    if (value.find_first_of(std::string("\n\r\0", 3)) != std::string::npos)
        throw InvalidValue("Value must not contain line breaks or NUL characters");
}

Validator isOneOf(std::vector<std::string> allowed) {
    return [allowed = std::move(allowed)](const std::string& value) {
        if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return;
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        throw InvalidValue("Invalid value " + quoted(value) + " (not one of " + list + ")");
    };
}

Validator isListOf(Validator item) {
    return [item = std::move(item)](const std::string& value) {
        for (auto part : split(value, ",")) item(std::string(trim(part)));
    };
}

Validator optional(Validator v) {
    return [v = std::move(v)](const std::string& value) {
        if (!value.empty()) v(value);
    };
}

void checkValue(const std::string& key, const std::string& value, const Validator& v, const std::string& context) {
    try {
        v(value);
    } catch (const InvalidValue& e) {
        throw BadRequest(context + "Invalid value for \"" + key + "\": " + e.what());
    }
}

}  // namespace lxdp::config
