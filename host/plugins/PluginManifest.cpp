#include "plugins/PluginManifest.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

namespace lxdp::plugins {

namespace fs = std::filesystem;

PluginManifest readManifest(const std::string& path) {
    PluginManifest m;
    m.path = path;
    try {
        std::ifstream in(path);
        if (!in) throw std::runtime_error("cannot be read");
        const auto j = nlohmann::json::parse(in);
        // Format 1.x: later minors of the format only add keys.
        if (j.at("file_format_version").get<std::string>().rfind("1.", 0) != 0)
            throw std::runtime_error("file_format_version " + j.at("file_format_version").get<std::string>() +
                                     " is not 1.x");
        m.name = j.at("name").get<std::string>();
        m.kinds = j.at("kinds").get<std::vector<std::string>>();
        m.abi = j.at("abi").get<std::string>();
        std::smatch v;
        if (!std::regex_match(m.abi, v, std::regex("([0-9]{1,9})\\.([0-9]{1,9})")))
            throw std::runtime_error("abi \"" + m.abi + "\" is not MAJOR.MINOR");
        m.abiMajor = static_cast<uint32_t>(std::stoul(v[1]));
        m.abiMinor = static_cast<uint32_t>(std::stoul(v[2]));
        const auto library = j.at("library_path").get<std::string>();
        if (library.empty()) throw std::runtime_error("library_path is empty");
        m.libraryPath = (fs::path(path).parent_path() / library).lexically_normal().string();
    } catch (const std::exception& e) {
        m.error = e.what();
    }
    return m;
}

std::vector<PluginManifest> readManifests(const std::string& dir) {
    std::vector<std::string> paths;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec))
        if (entry.path().extension() == ".json" && entry.is_regular_file(ec)) paths.push_back(entry.path().string());
    std::sort(paths.begin(), paths.end());
    std::vector<PluginManifest> manifests;
    for (const auto& p : paths) manifests.push_back(readManifest(p));
    return manifests;
}

}  // namespace lxdp::plugins
