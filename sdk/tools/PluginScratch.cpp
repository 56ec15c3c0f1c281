#include "PluginScratch.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stdexcept>

namespace lxdp::tools {

namespace fs = std::filesystem;

PluginScratch::PluginScratch(const std::string& tool) {
    std::string tmpl = "/tmp/" + tool + ".XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr)
        throw std::runtime_error("cannot make a scratch directory: " + std::string(std::strerror(errno)));
    dir_ = tmpl;
    // Plugins may hand paths below it to unprivileged container processes.
    ::chmod(dir_.c_str(), 0711);
    varDir_ = dir_ + "/lxd";
    fs::create_directories(varDir_);
    host_.setConfigLookup([this](const std::string& key) -> std::optional<std::string> {
        if (key == LXDP_HOST_KEY_VAR_DIR) return varDir_;
        if (key == LXDP_HOST_KEY_LOG_DIR) return varDir_ + "/logs";
        if (key == LXDP_HOST_KEY_CACHE_DIR) return varDir_ + "/cache";
        return std::nullopt;
    });
}

PluginScratch::~PluginScratch() {
    if (keep_) return;
    std::error_code ec;
    fs::remove_all(dir_, ec);
}

const plugins::PluginLoadReport& PluginScratch::load(const std::string& path) {
    registry_.load(fs::absolute(path).string());
    return registry_.reports().back();
}

}  // namespace lxdp::tools
