// The manifests beside plugins (NAME.json, written by lxdp_add_plugin): what a plugin provides
// and which ABI it was built for, known without loading it. The loader still decides by loading;
// the manifests let it list plugins first and leave a library of another ABI major unopened.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lxdp::plugins {

struct PluginManifest {
    std::string path;  // of the .json
    std::string name;
    std::vector<std::string> kinds;  // "storage:dir", as PROVIDES said
    std::string abi;                 // "1.0"
    uint32_t abiMajor = 0, abiMinor = 0;
    std::string libraryPath;  // resolved against the manifest's folder
    std::string error;        // why this file is not a usable manifest; empty when it is
};

// Reads one manifest; a file that is not a valid manifest comes back with error set.
PluginManifest readManifest(const std::string& path);
// Every *.json of dir (sorted, not recursive), each read as above. Nothing for a missing dir.
std::vector<PluginManifest> readManifests(const std::string& dir);

}  // namespace lxdp::plugins
