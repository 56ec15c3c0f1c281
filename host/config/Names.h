// Name rules for LXD entities (upstream-internals §9). Each check throws lxdp::ApiError (400)
// "Invalid <entity> name: <reason>".
#pragma once

#include <string>
#include <string_view>

namespace lxdp::config {

// validate.IsHostname plus the spec's rule: 1-63 of [-a-zA-Z0-9], no leading digit or dash,
// no trailing dash (the name is also the instance's hostname).
void checkInstanceName(const std::string& name);
// Non-empty, not "." or "..", none of '/', '\', '*' or blanks (it is the part after "instance/").
void checkSnapshotName(const std::string& name);
// Non-empty, no '/', not "." or "..".
void checkProfileName(const std::string& name);
// ASCII, no '/', '\', '_' (the "<project>_<name>" separator), blanks, quotes or '*', not "." or "..".
void checkProjectName(const std::string& name);
// Non-empty, no leading '-', no '/' or blanks, not "." or "..".
void checkPoolName(const std::string& name);
// Non-empty, no '/' (that separates a volume from its snapshot), not "." or "..".
void checkVolumeName(const std::string& name);
// validate.IsDeviceName: 1-63 of [/.\-:_a-zA-Z0-9], no leading '.', and no ".." path component.
void checkDeviceName(const std::string& name);
// Non-empty, no blanks or control characters, not "." or ".."; '/' is allowed because remote
// aliases such as "ubuntu/20.04" are copied verbatim with --copy-aliases.
void checkImageAliasName(const std::string& name);

// 12-64 lowercase hex characters: shorter prefixes made image lookups enumerable (CVE-2025-54290).
bool isFingerprintPrefix(std::string_view prefix);

}  // namespace lxdp::config
