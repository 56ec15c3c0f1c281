#include "config/Names.h"

#include <algorithm>
#include <cctype>

#include "util/ApiError.h"

namespace lxdp::config {

namespace {

[[noreturn]] void invalid(const char* entity, const std::string& reason) {
    throw BadRequest(std::string("Invalid ") + entity + " name: " + reason);
}

void checkNotEmpty(const char* entity, const std::string& name) {
    if (name.empty()) invalid(entity, "Name must not be empty");
}

// "." and ".." would resolve to the parent directory wherever the name becomes a path component.
void checkNotDotName(const char* entity, const std::string& name) {
    if (name == "." || name == "..") invalid(entity, "Name must not be \"" + name + "\"");
}

void checkNoneOf(const char* entity, const std::string& name, std::string_view forbidden) {
    for (char c : forbidden)
        if (name.find(c) != std::string::npos) invalid(entity, std::string("Name must not contain \"") + c + "\"");
}

// A leading dash would read as an option to the tools (zpool, vgcreate, scripts) that get the name.
void checkNoLeadingDash(const char* entity, const std::string& name) {
    if (name.front() == '-') invalid(entity, "Name must not start with \"-\" character");
}

// Blanks, control characters and (where asked) anything beyond ASCII.
void checkPrintable(const char* entity, const std::string& name, bool asciiOnly) {
    for (unsigned char c : name) {
        if (c < 0x80 && (std::isspace(c) || std::iscntrl(c)))
            invalid(entity, "Name must not contain spaces or control characters");
        if (asciiOnly && c >= 0x80) invalid(entity, "Name must only contain ASCII characters");
    }
}

}  // namespace

void checkInstanceName(const std::string& name) {
    constexpr const char* kEntity = "instance";
    if (name.empty() || name.size() > 63) invalid(kEntity, "Name must be 1-63 characters long");
    if (name.front() == '-') invalid(kEntity, "Name must not start with \"-\" character");
    if (std::isdigit(static_cast<unsigned char>(name.front()))) invalid(kEntity, "Name must not start with a digit");
    if (name.back() == '-') invalid(kEntity, "Name must not end with \"-\" character");
    if (!std::all_of(name.begin(), name.end(), [](unsigned char c) { return c < 0x80 && (std::isalnum(c) || c == '-'); }))
        invalid(kEntity, "Name can only contain alphanumeric and hyphen characters");
}

void checkSnapshotName(const std::string& name) {
    constexpr const char* kEntity = "snapshot";
    checkNotEmpty(kEntity, name);
    checkNotDotName(kEntity, name);
    checkNoneOf(kEntity, name, "/\\*");
    checkPrintable(kEntity, name, false);
}

void checkProfileName(const std::string& name) {
    constexpr const char* kEntity = "profile";
    checkNotEmpty(kEntity, name);
    checkNotDotName(kEntity, name);
    checkNoLeadingDash(kEntity, name);
    // '$' would be expanded by any shell script that handles the name.
    checkNoneOf(kEntity, name, "/$");
    checkPrintable(kEntity, name, false);
}

void checkProjectName(const std::string& name) {
    constexpr const char* kEntity = "project";
    checkNotEmpty(kEntity, name);
    checkNotDotName(kEntity, name);
    checkNoLeadingDash(kEntity, name);
    checkNoneOf(kEntity, name, "/\\_'\"*$");
    checkPrintable(kEntity, name, true);
}

void checkPoolName(const std::string& name) {
    constexpr const char* kEntity = "storage pool";
    checkNotEmpty(kEntity, name);
    checkNotDotName(kEntity, name);
    checkNoLeadingDash(kEntity, name);
    checkNoneOf(kEntity, name, "/$");
    checkPrintable(kEntity, name, false);
}

void checkVolumeName(const std::string& name) {
    constexpr const char* kEntity = "storage volume";
    checkNotEmpty(kEntity, name);
    checkNotDotName(kEntity, name);
    checkNoneOf(kEntity, name, "/");
    checkPrintable(kEntity, name, false);
}

void checkDeviceName(const std::string& name) {
    constexpr const char* kEntity = "device";
    if (name.empty() || name.size() > 63) invalid(kEntity, "Name must be 1-63 characters long");
    if (name.front() == '.') invalid(kEntity, "Name must not start with \".\" character");
    if (!std::all_of(name.begin(), name.end(),
                     [](unsigned char c) { return c < 0x80 && (std::isalnum(c) || std::string_view("/.-:_").find(c) != std::string_view::npos); }))
        invalid(kEntity, "Name can only contain alphanumeric, forward slash, hyphen, colon, underscore and full stop characters");
    // Device names become file names under the instance's devices directory; a ".." component
    // (possible after a '/') would step out of it.
    if (("/" + name + "/").find("/../") != std::string::npos) invalid(kEntity, "Name must not contain a \"..\" component");
}

void checkImageAliasName(const std::string& name) {
    constexpr const char* kEntity = "image alias";
    checkNotEmpty(kEntity, name);
    checkNotDotName(kEntity, name);
    checkPrintable(kEntity, name, false);
}

bool isFingerprintPrefix(std::string_view prefix) {
    return prefix.size() >= 12 && prefix.size() <= 64 &&
           std::all_of(prefix.begin(), prefix.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace lxdp::config
