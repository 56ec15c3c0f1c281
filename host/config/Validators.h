// Reusable value validators, modelled on LXD's shared/validate package.
//
// A validator throws InvalidValue with a reason when the value is not acceptable; the key tables
// (instance, server, pool, device) catch it and report `Invalid value for "<key>": <reason>` as an
// lxdp::ApiError, so the reason never has to repeat the key.
//
// The plain validators reject the empty string. LXD treats an empty value as "unset", so the key
// tables wrap every validator in optional(); use the plain form where a value is mandatory.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace lxdp::config {

class InvalidValue : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

using Validator = std::function<void(const std::string&)>;

// ---- parsers shared by validators and by code that needs the parsed value ----

// LXD's units.ParseByteSizeString: a decimal integer with an optional suffix B, " bytes", kB (or
// KB), MB, GB, TB, PB, EB, KiB, MiB, GiB, TiB, PiB, EiB. The empty string is 0.
int64_t parseByteSize(const std::string& value);

// LXD's units.ParseBitSizeString: bit, kbit, Mbit, ... Ebit and Kibit ... Eibit (NIC limits).
int64_t parseBitSize(const std::string& value);

int64_t parseInt64(const std::string& value);
uint64_t parseUint(const std::string& value, uint64_t max);

// shared.IsTrue: "true", "1", "yes", "on" in any case.
bool isTrue(const std::string& value);

// ---- validators ----

void isAny(const std::string& value);
void isBool(const std::string& value);
void isInt64(const std::string& value);
void isUint8(const std::string& value);
void isUint32(const std::string& value);
void isPriority(const std::string& value);  // 0-10, as the limits.*.priority keys
void isSize(const std::string& value);
void isMemoryLimit(const std::string& value);   // a size or a 0-100 percentage
void isCPUSet(const std::string& value);        // "0-3,5": CPU ids and inclusive ranges
void isCPULimit(const std::string& value);      // a CPU count or a CPU set
void isCPUAllowance(const std::string& value);  // "50%" or "25ms/100ms"
void isCron(const std::string& value);          // snapshots.schedule syntax
void isSnapshotExpiry(const std::string& value);  // "1M 2H 3d 4w 5m 6y"
void isAbsFilePath(const std::string& value);
void isNetworkMAC(const std::string& value);
void isIPv4(const std::string& value);
void isIPv6(const std::string& value);
void isIPv4CIDR(const std::string& value);
void isIPv6CIDR(const std::string& value);
void isCompressionAlgorithm(const std::string& value);
void isSingleLine(const std::string& value);

Validator isOneOf(std::vector<std::string> allowed);
// A comma-separated list (blanks around items ignored) whose every item passes `item`.
Validator isListOf(Validator item);
// validate.Optional: the empty string means "unset" and is accepted.
Validator optional(Validator v);

// Runs `v` and turns its InvalidValue into lxdp::BadRequest
// `<context>Invalid value for "<key>": <reason>`; the key tables share this wording.
void checkValue(const std::string& key, const std::string& value, const Validator& v,
                const std::string& context = "");

}  // namespace lxdp::config
