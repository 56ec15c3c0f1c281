#include "lxc_common.h"

#include <lxc/lxccontainer.h>

#include <fcntl.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace lxdp_lxc {

namespace {

std::string vformat(const char *fmt, va_list ap) {
    char buf[LXDP_ERROR_MESSAGE_MAX];
    vsnprintf(buf, sizeof(buf), fmt, ap);
    return buf;
}

lxdp_status errno_status(int err) {
    switch (err) {
    case ENOENT:
    case ENOTDIR:
        return LXDP_E_NOTFOUND;
    case EEXIST:
        return LXDP_E_EXISTS;
    case ENOTEMPTY:
    case EBUSY:
        return LXDP_E_BUSY;
    case EINVAL:
    case ELOOP:
    case EXDEV:
    case EISDIR:
    case ENAMETOOLONG:
        return LXDP_E_INVAL;
    default:
        return LXDP_E_IO;
    }
}

// Instance and project names end up in paths and in liblxc's config: refuse what could escape.
void check_name_component(std::string_view what, std::string_view v) {
    if (v.empty() || v == "." || v == ".." || v.find('/') != std::string_view::npos ||
        v.find('\n') != std::string_view::npos)
        fail(LXDP_E_INVAL, "Invalid %.*s name \"%.*s\"", int(what.size()), what.data(), int(v.size()),
             v.data());
}

} // namespace

void fail(lxdp_status code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    std::string msg = vformat(fmt, ap);
    va_end(ap);
    throw Error(code, msg);
}

void fail_errno(int err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    std::string msg = vformat(fmt, ap);
    va_end(ap);
    throw Error(errno_status(err), msg + ": " + std::strerror(err));
}

void write_file(const std::string &path, std::string_view content, mode_t mode) {
    std::string tmp = path + ".tmp";
    UniqueFd fd(open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode));
    if (!fd)
        fail_errno(errno, "Failed to write %s", tmp.c_str());
    while (!content.empty()) {
        ssize_t n = write(fd.get(), content.data(), content.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            fail_errno(errno, "Failed to write %s", tmp.c_str());
        content.remove_prefix(size_t(n));
    }
    fd.reset();
    if (rename(tmp.c_str(), path.c_str()) != 0)
        fail_errno(errno, "Failed to rename %s", tmp.c_str());
}

bool parse_bool(std::string_view v) {
    return v == "true" || v == "1" || v == "yes" || v == "on" || v == "True" || v == "TRUE";
}

DeviceConfig device_config(const lxdp_device &device) {
    DeviceConfig cfg;
    const lxdp_kv_list *list = device.config;
    for (uint32_t i = 0; list != nullptr && list->items != nullptr && i < list->count; i++)
        if (list->items[i].key != nullptr)
            cfg[list->items[i].key] = list->items[i].value != nullptr ? list->items[i].value : "";
    return cfg;
}

std::string config_value(const DeviceConfig &config, const std::string &key) {
    auto it = config.find(key);
    return it == config.end() ? std::string() : it->second;
}

InstanceView::InstanceView(const lxdp_instance *inst) : inst_(inst) {
    if (inst == nullptr || inst->name == nullptr || inst->volume_path == nullptr)
        fail(LXDP_E_INVAL, "Incomplete instance description");
    name_ = inst->name;
    project_ = inst->project != nullptr ? inst->project : "default";
    volume_path_ = inst->volume_path;
    check_name_component("instance", name_);
    check_name_component("project", project_);
}

std::optional<std::string_view> InstanceView::get(std::string_view key) const {
    const lxdp_kv_list *cfg = inst_->config;
    if (cfg == nullptr || cfg->items == nullptr)
        return std::nullopt;
    for (uint32_t i = 0; i < cfg->count; i++) {
        const lxdp_kv &kv = cfg->items[i];
        if (kv.key != nullptr && key == kv.key)
            return std::string_view(kv.value != nullptr ? kv.value : "");
    }
    return std::nullopt;
}

bool InstanceView::get_bool(std::string_view key) const {
    auto v = get(key);
    return v && parse_bool(*v);
}

std::string InstanceView::lxc_name() const {
    if (project_ == "default")
        return std::string(name_);
    return std::string(project_) + "_" + std::string(name_);
}

void Driver::log(uint32_t level, const char *fmt, ...) const {
    if (host_ == nullptr || host_->log == nullptr)
        return;
    va_list ap;
    va_start(ap, fmt);
    std::string msg = vformat(fmt, ap);
    va_end(ap);
    host_->log(host_->host, level, msg.c_str());
}

std::string host_config(const lxdp_host_api *host, const char *key) {
    if (host == nullptr || host->config_get == nullptr)
        return {};
    std::vector<char> buf(4096);
    size_t n = host->config_get(host->host, key, buf.data(), buf.size());
    if (n >= buf.size()) {
        buf.resize(n + 1);
        n = host->config_get(host->host, key, buf.data(), buf.size());
    }
    return std::string(buf.data(), n < buf.size() ? n : buf.size() - 1);
}

Container::Container(const Driver &drv, const InstanceView &inst) {
    std::string name = inst.lxc_name();
    c_ = lxc_container_new(name.c_str(), drv.lxcpath().c_str());
    if (c_ == nullptr)
        fail(LXDP_E_IO, "Failed to load liblxc container \"%s\" from %s", name.c_str(),
             drv.lxcpath().c_str());
}

Container::~Container() { lxc_container_put(c_); }

} // namespace lxdp_lxc
