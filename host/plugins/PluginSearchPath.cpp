#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "plugins/PluginRegistry.h"

namespace lxdp::plugins {

std::vector<std::string> pluginSearchPath(const std::string& exePath) {
    std::vector<std::string> dirs;
    if (const char* env = std::getenv("LXD_PLUGIN_PATH"); env != nullptr && *env != '\0') {
        std::istringstream parts(env);
        for (std::string dir; std::getline(parts, dir, ':');)
            if (!dir.empty()) dirs.push_back(dir);
        return dirs;
    }
    // A daemon run from the build tree (build/host/lxd) uses the plugins built beside it
    // (build/plugins) rather than whatever an older install left in the system.
    namespace fs = std::filesystem;
    if (!exePath.empty()) {
        std::error_code ec;
        fs::path buildDir = fs::absolute(fs::path(exePath).parent_path() / ".." / "plugins", ec).lexically_normal();
        if (!ec && fs::is_directory(buildDir, ec)) return {buildDir.string()};
    }
    return {LXDP_PLUGIN_INSTALL_DIR};
}

}  // namespace lxdp::plugins
