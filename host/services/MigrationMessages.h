// The messages of upstream's instance migration protocol (lxd/migration/migrate.proto, proto2),
// which both ends exchange as binary websocket messages on the "control" stream: the source's
// MigrationHeader (offer), the target's MigrationHeader (answer), then the target's
// MigrationControl (the outcome; either side sends one with success=false to abort).
//
// Encoded by hand rather than with libprotobuf: the protocol needs two messages and a few nested
// ones, all of them plain varints and length-delimited fields, so the wire format (under 200
// lines here) is smaller than a protoc step in the build and a runtime dependency. Unknown
// fields are skipped, as protobuf does, so newer peers' additions do no harm.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lxdp::services::migration {

// MigrationFSType and CRIUType values.
enum FsType : int32_t { kRsync = 0, kBtrfs = 1, kZfs = 2, kRbd = 3, kBlockAndRsync = 4 };
enum CriuType : int32_t { kCriuRsync = 0, kPhaul = 1, kCriuNone = 2 };

struct IdmapEntry {
    bool isuid = false;
    bool isgid = false;
    int32_t hostid = 0;
    int32_t nsid = 0;
    int32_t maprange = 0;
};

struct Snapshot {
    std::string name;
    std::map<std::string, std::string> config;
    std::vector<std::string> profiles;
    bool ephemeral = false;
    std::map<std::string, std::map<std::string, std::string>> devices;
    int32_t architecture = 0;  // upstream's architecture id (architectureId)
    bool stateful = false;
    int64_t creationDate = 0;  // unix seconds
    int64_t lastUsedDate = 0;
    int64_t expiryDate = 0;  // 0 or before 1970: none
};

struct RsyncFeatures {
    bool xattrs = false;
    bool del = false;
    bool compress = false;
    bool bidirectional = false;
};

struct Header {
    int32_t fs = kRsync;
    std::optional<int32_t> criu;
    std::vector<IdmapEntry> idmap;
    std::vector<std::string> snapshotNames;
    std::vector<Snapshot> snapshots;
    std::optional<bool> predump;
    std::optional<RsyncFeatures> rsyncFeatures;
    std::optional<bool> refresh;
};

struct Control {
    bool success = false;
    std::string message;
};

std::string encode(const Header& header);
std::string encode(const Control& control);
// std::invalid_argument for bytes that are not such a message.
Header decodeHeader(const std::string& bytes);
Control decodeControl(const std::string& bytes);

// The rsync features a header names, as upstream's rsync arguments call them.
std::vector<std::string> featureNames(const RsyncFeatures& features);

// Upstream's numbering of architectures (shared/osarch), 0 for an unknown name or id.
int32_t architectureId(const std::string& name);
std::string architectureName(int32_t id);

}  // namespace lxdp::services::migration
