#include "services/MigrationMessages.h"

#include <functional>
#include <stdexcept>

namespace lxdp::services::migration {

namespace {

// ---- writing ----

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kBytes = 2, kFixed32 = 5 };

void putVarint(std::string& out, uint64_t v) {
    while (v >= 0x80) {
        out += static_cast<char>((v & 0x7f) | 0x80);
        v >>= 7;
    }
    out += static_cast<char>(v);
}

void putTag(std::string& out, uint32_t field, WireType type) { putVarint(out, (uint64_t{field} << 3) | type); }

// int32 and int64 go as their 64-bit two's complement, as protobuf encodes negative values.
void putInt(std::string& out, uint32_t field, int64_t v) {
    putTag(out, field, kVarint);
    putVarint(out, static_cast<uint64_t>(v));
}

void putBool(std::string& out, uint32_t field, bool v) { putInt(out, field, v ? 1 : 0); }

void putBytes(std::string& out, uint32_t field, const std::string& bytes) {
    putTag(out, field, kBytes);
    putVarint(out, bytes.size());
    out += bytes;
}

std::string configEntry(const std::string& key, const std::string& value) {
    std::string out;
    putBytes(out, 1, key);
    putBytes(out, 2, value);
    return out;
}

std::string encodeSnapshot(const Snapshot& s) {
    std::string out;
    putBytes(out, 1, s.name);
    for (const auto& [k, v] : s.config) putBytes(out, 2, configEntry(k, v));
    for (const auto& p : s.profiles) putBytes(out, 3, p);
    putBool(out, 4, s.ephemeral);
    for (const auto& [name, config] : s.devices) {
        std::string device;
        putBytes(device, 1, name);
        for (const auto& [k, v] : config) putBytes(device, 2, configEntry(k, v));
        putBytes(out, 5, device);
    }
    putInt(out, 6, s.architecture);
    putBool(out, 7, s.stateful);
    putInt(out, 8, s.creationDate);
    putInt(out, 9, s.lastUsedDate);
    putInt(out, 10, s.expiryDate);
    return out;
}

// ---- reading ----

// Calls field(number, type, varint, bytes) for each field of a message.
using FieldVisitor = std::function<void(uint32_t field, uint32_t type, uint64_t varint, const std::string& bytes)>;

uint64_t getVarint(const std::string& in, size_t& pos) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= in.size()) throw std::invalid_argument("truncated varint");
        const auto byte = static_cast<uint8_t>(in[pos++]);
        v |= uint64_t{byte & 0x7fu} << shift;
        if (!(byte & 0x80)) return v;
    }
    throw std::invalid_argument("varint too long");
}

void visit(const std::string& in, const FieldVisitor& field) {
    size_t pos = 0;
    while (pos < in.size()) {
        const uint64_t tag = getVarint(in, pos);
        const auto number = static_cast<uint32_t>(tag >> 3);
        const auto type = static_cast<uint32_t>(tag & 7);
        if (number == 0) throw std::invalid_argument("field number 0");
        switch (type) {
        case kVarint:
            field(number, type, getVarint(in, pos), {});
            break;
        case kBytes: {
            const uint64_t len = getVarint(in, pos);
            if (len > in.size() - pos) throw std::invalid_argument("truncated field");
            field(number, type, 0, in.substr(pos, len));
            pos += len;
            break;
        }
        case kFixed64:
        case kFixed32: {
            const size_t len = type == kFixed64 ? 8 : 4;
            if (len > in.size() - pos) throw std::invalid_argument("truncated field");
            pos += len;  // no field of ours is fixed-size: skipped as unknown
            break;
        }
        default:
            throw std::invalid_argument("unsupported wire type");
        }
    }
}

std::pair<std::string, std::string> decodeConfig(const std::string& in) {
    std::pair<std::string, std::string> kv;
    visit(in, [&](uint32_t f, uint32_t t, uint64_t, const std::string& b) {
        if (t != kBytes) return;
        if (f == 1) kv.first = b;
        else if (f == 2) kv.second = b;
    });
    return kv;
}

Snapshot decodeSnapshot(const std::string& in) {
    Snapshot s;
    visit(in, [&](uint32_t f, uint32_t t, uint64_t v, const std::string& b) {
        if (t == kBytes) {
            if (f == 1) s.name = b;
            else if (f == 2) s.config.insert(decodeConfig(b));
            else if (f == 3) s.profiles.push_back(b);
            else if (f == 5) {
                std::string name;
                std::map<std::string, std::string> config;
                visit(b, [&](uint32_t df, uint32_t dt, uint64_t, const std::string& db) {
                    if (dt != kBytes) return;
                    if (df == 1) name = db;
                    else if (df == 2) config.insert(decodeConfig(db));
                });
                s.devices[name] = std::move(config);
            }
            return;
        }
        if (f == 4) s.ephemeral = v != 0;
        else if (f == 6) s.architecture = static_cast<int32_t>(v);
        else if (f == 7) s.stateful = v != 0;
        else if (f == 8) s.creationDate = static_cast<int64_t>(v);
        else if (f == 9) s.lastUsedDate = static_cast<int64_t>(v);
        else if (f == 10) s.expiryDate = static_cast<int64_t>(v);
    });
    return s;
}

IdmapEntry decodeIdmap(const std::string& in) {
    IdmapEntry e;
    visit(in, [&](uint32_t f, uint32_t t, uint64_t v, const std::string&) {
        if (t != kVarint) return;
        if (f == 1) e.isuid = v != 0;
        else if (f == 2) e.isgid = v != 0;
        else if (f == 3) e.hostid = static_cast<int32_t>(v);
        else if (f == 4) e.nsid = static_cast<int32_t>(v);
        else if (f == 5) e.maprange = static_cast<int32_t>(v);
    });
    return e;
}

}  // namespace

std::string encode(const Header& h) {
    std::string out;
    putInt(out, 1, h.fs);
    if (h.criu) putInt(out, 2, *h.criu);
    for (const auto& e : h.idmap) {
        std::string entry;
        putBool(entry, 1, e.isuid);
        putBool(entry, 2, e.isgid);
        putInt(entry, 3, e.hostid);
        putInt(entry, 4, e.nsid);
        putInt(entry, 5, e.maprange);
        putBytes(out, 3, entry);
    }
    for (const auto& n : h.snapshotNames) putBytes(out, 4, n);
    for (const auto& s : h.snapshots) putBytes(out, 5, encodeSnapshot(s));
    if (h.predump) putBool(out, 7, *h.predump);
    if (h.rsyncFeatures) {
        std::string features;
        putBool(features, 1, h.rsyncFeatures->xattrs);
        putBool(features, 2, h.rsyncFeatures->del);
        putBool(features, 3, h.rsyncFeatures->compress);
        putBool(features, 4, h.rsyncFeatures->bidirectional);
        putBytes(out, 8, features);
    }
    if (h.refresh) putBool(out, 9, *h.refresh);
    return out;
}

std::string encode(const Control& c) {
    std::string out;
    putBool(out, 1, c.success);
    if (!c.message.empty()) putBytes(out, 2, c.message);
    return out;
}

Header decodeHeader(const std::string& bytes) {
    Header h;
    bool hasFs = false;
    visit(bytes, [&](uint32_t f, uint32_t t, uint64_t v, const std::string& b) {
        if (t == kVarint) {
            if (f == 1) h.fs = static_cast<int32_t>(v), hasFs = true;
            else if (f == 2) h.criu = static_cast<int32_t>(v);
            else if (f == 7) h.predump = v != 0;
            else if (f == 9) h.refresh = v != 0;
            return;
        }
        if (t != kBytes) return;
        if (f == 3) h.idmap.push_back(decodeIdmap(b));
        else if (f == 4) h.snapshotNames.push_back(b);
        else if (f == 5) h.snapshots.push_back(decodeSnapshot(b));
        else if (f == 8) {
            RsyncFeatures r;
            visit(b, [&](uint32_t rf, uint32_t rt, uint64_t rv, const std::string&) {
                if (rt != kVarint) return;
                if (rf == 1) r.xattrs = rv != 0;
                else if (rf == 2) r.del = rv != 0;
                else if (rf == 3) r.compress = rv != 0;
                else if (rf == 4) r.bidirectional = rv != 0;
            });
            h.rsyncFeatures = r;
        }
    });
    if (!hasFs) throw std::invalid_argument("migration header without its fs type");
    return h;
}

Control decodeControl(const std::string& bytes) {
    Control c;
    bool hasSuccess = false;
    visit(bytes, [&](uint32_t f, uint32_t t, uint64_t v, const std::string& b) {
        if (f == 1 && t == kVarint) c.success = v != 0, hasSuccess = true;
        else if (f == 2 && t == kBytes) c.message = b;
    });
    if (!hasSuccess) throw std::invalid_argument("migration control without its success field");
    return c;
}

std::vector<std::string> featureNames(const RsyncFeatures& f) {
    std::vector<std::string> out;
    if (f.xattrs) out.push_back("xattrs");
    if (f.del) out.push_back("delete");
    if (f.compress) out.push_back("compress");
    if (f.bidirectional) out.push_back("bidirectional");
    return out;
}

namespace {
// shared/osarch's ids, in order from 1.
const char* const kArchitectures[] = {"i686", "x86_64", "armv7l", "aarch64", "ppc", "ppc64", "ppc64le",
                                      "s390x", "mips", "mips64", "riscv32", "riscv64"};
}  // namespace

int32_t architectureId(const std::string& name) {
    for (size_t i = 0; i < std::size(kArchitectures); ++i)
        if (name == kArchitectures[i]) return static_cast<int32_t>(i + 1);
    return 0;
}

std::string architectureName(int32_t id) {
    if (id < 1 || static_cast<size_t>(id) > std::size(kArchitectures)) return "";
    return kArchitectures[id - 1];
}

}  // namespace lxdp::services::migration
