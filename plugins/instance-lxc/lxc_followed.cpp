// The copy is a sequence of strings, each its length in decimal, ':' and its bytes, so that any
// key, value or path (newlines included) reads back as it was; counts are strings too.
#include "lxc_followed.h"

#include <fstream>
#include <iterator>
#include <stdexcept>

namespace lxdp_lxc {

namespace {

class Writer {
public:
    void put(const std::string &s) { out_ += std::to_string(s.size()) + ":" + s; }
    void put(size_t n) { put(std::to_string(n)); }
    void put(const DeviceConfig &cfg) {
        put(cfg.size());
        for (const auto &[k, v] : cfg) {
            put(k);
            put(v);
        }
    }
    const std::string &text() const { return out_; }

private:
    std::string out_;
};

// Throws std::exception on anything but a string where one is due: a damaged copy is no copy.
class Reader {
public:
    explicit Reader(std::string text) : in_(std::move(text)) {}
    std::string str() {
        const size_t colon = in_.find(':', pos_);
        if (colon == std::string::npos)
            throw std::out_of_range("truncated");
        const size_t len = std::stoul(in_.substr(pos_, colon - pos_));
        if (len > in_.size() - colon - 1)
            throw std::out_of_range("truncated");
        pos_ = colon + 1 + len;
        return in_.substr(colon + 1, len);
    }
    size_t count() { return std::stoul(str()); }
    DeviceConfig config() {
        DeviceConfig cfg;
        for (size_t n = count(); n > 0; n--) {
            std::string k = str();
            cfg[k] = str();
        }
        return cfg;
    }
    bool done() const { return pos_ == in_.size(); }

private:
    std::string in_;
    size_t pos_ = 0;
};

} // namespace

std::string followed_path(const Driver &drv, const std::string &lxc_name) {
    return drv.lxcpath() + "/" + lxc_name + "/followed-devices";
}

void save_followed(const std::string &path, const FollowedContainer &f) {
    Writer w;
    w.put(f.project);
    w.put(f.name);
    w.put(f.volume_path);
    w.put(f.config.size());
    for (const auto &[k, v] : f.config) {
        w.put(k);
        w.put(v);
    }
    w.put(f.devices.size());
    for (const auto &[device, cfg] : f.devices) {
        w.put(device);
        w.put(cfg);
    }
    w.put(f.plugged.size());
    for (const auto &[device, nodes] : f.plugged) {
        w.put(device);
        w.put(nodes.size());
        for (const auto &[devnode, cfg] : nodes) {
            w.put(devnode);
            w.put(cfg);
        }
    }
    write_file(path, w.text());
}

std::optional<FollowedContainer> load_followed(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return std::nullopt;
    try {
        Reader r(std::string(std::istreambuf_iterator<char>(in), {}));
        FollowedContainer f;
        f.project = r.str();
        f.name = r.str();
        f.volume_path = r.str();
        for (size_t n = r.count(); n > 0; n--) {
            std::string k = r.str();
            f.config.emplace_back(std::move(k), r.str());
        }
        for (size_t n = r.count(); n > 0; n--) {
            std::string device = r.str();
            f.devices[device] = r.config();
        }
        for (size_t n = r.count(); n > 0; n--) {
            auto &nodes = f.plugged[r.str()];
            for (size_t m = r.count(); m > 0; m--) {
                std::string devnode = r.str();
                nodes[devnode] = r.config();
            }
        }
        if (!r.done())
            return std::nullopt;
        return f;
    } catch (const std::exception &) {
        return std::nullopt;
    }
}

} // namespace lxdp_lxc
