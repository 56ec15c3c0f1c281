#include "config/InstanceTypes.h"

#include <cmath>
#include <regex>

#include "util/ApiError.h"

namespace lxdp::config {

namespace {

struct Size {
    double cpus;
    double memoryGiB;
};

// Upstream downloads these tables from its image server; this daemon works offline, so it knows
// the common ones itself.
const std::map<std::string, std::map<std::string, Size>>& cloudTypes() {
    static const std::map<std::string, std::map<std::string, Size>> types = {
        {"aws",
         {{"t2.nano", {1, 0.5}},   {"t2.micro", {1, 1}},   {"t2.small", {1, 2}},    {"t2.medium", {2, 4}},
          {"t2.large", {2, 8}},    {"t2.xlarge", {4, 16}}, {"t2.2xlarge", {8, 32}}, {"t3.nano", {2, 0.5}},
          {"t3.micro", {2, 1}},    {"t3.small", {2, 2}},   {"t3.medium", {2, 4}},   {"t3.large", {2, 8}},
          {"m5.large", {2, 8}},    {"m5.xlarge", {4, 16}}, {"m5.2xlarge", {8, 32}}, {"c5.large", {2, 4}},
          {"c5.xlarge", {4, 8}},   {"r5.large", {2, 16}},  {"r5.xlarge", {4, 32}}}},
        {"gce",
         {{"f1-micro", {1, 0.6}},      {"g1-small", {1, 1.7}},       {"n1-standard-1", {1, 3.75}},
          {"n1-standard-2", {2, 7.5}}, {"n1-standard-4", {4, 15}},   {"n1-highmem-2", {2, 13}},
          {"n1-highcpu-2", {2, 1.8}}}},
        {"azure",
         {{"Standard_A0", {1, 0.75}}, {"Standard_A1", {1, 1.75}}, {"Standard_A2", {2, 3.5}},
          {"Standard_B1s", {1, 1}},   {"Standard_B2s", {2, 4}},   {"Standard_D2s_v3", {2, 8}}}},
    };
    return types;
}

std::map<std::string, std::string> limits(const Size& s) {
    return {{"limits.cpu", std::to_string(static_cast<int>(std::ceil(s.cpus)))},
            {"limits.memory", std::to_string(static_cast<long long>(std::llround(s.memoryGiB * 1024))) + "MiB"}};
}

}  // namespace

std::map<std::string, std::string> instanceTypeLimits(const std::string& type) {
    static const std::regex generic(R"(c([0-9]+(?:\.[0-9]+)?)-m([0-9]+(?:\.[0-9]+)?))");
    std::smatch m;
    if (std::regex_match(type, m, generic)) return limits({std::stod(m[1]), std::stod(m[2])});

    std::string cloud, name = type;
    if (auto colon = type.find(':'); colon != std::string::npos) {
        cloud = type.substr(0, colon);
        name = type.substr(colon + 1);
    }
    for (const auto& [provider, table] : cloudTypes()) {
        if (!cloud.empty() && cloud != provider) continue;
        if (auto it = table.find(name); it != table.end()) return limits(it->second);
    }
    throw BadRequest("Invalid instance type \"" + type + "\": use cN-mM or a known cloud type such as aws:t2.micro");
}

}  // namespace lxdp::config
