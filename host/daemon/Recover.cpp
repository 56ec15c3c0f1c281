#include "daemon/Recover.h"

#include <cctype>
#include <cstdio>
#include <iostream>
#include <set>

#include <nlohmann/json.hpp>

#include "daemon/LocalClient.h"
#include "daemon/Prompt.h"

namespace lxdp::daemon {

namespace {

// Go's %q, as upstream prints names.
std::string goQuote(const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') out += {'\\', static_cast<char>(c)};
        else if (c == '\n') out += "\\n";
        else if (c == '\t') out += "\\t";
        else if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else out += static_cast<char>(c);
    }
    return out + "\"";
}

std::string text(const nlohmann::json& j, const char* key) {
    return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

std::string source(const nlohmann::json& pool) {
    return pool.contains("config") ? text(pool["config"], "source") : "";
}

// The unknown pools to scan too, asked one after another as upstream does.
nlohmann::json askUnknownPools(LocalApi& api, const nlohmann::json& existing) {
    nlohmann::json unknown = nlohmann::json::array();
    std::string drivers;
    std::set<std::string> driverNames;
    while (askBool("Would you like to recover another storage pool? (yes/no) [default=no]: ", "no")) {
        if (driverNames.empty()) {
            const auto server = api.get("/1.0");
            const auto env = server.value("environment", nlohmann::json::object());
            for (const auto& d : env.value("storage_supported_drivers", nlohmann::json::array())) {
                const std::string name = text(d, "Name");  // upstream's ServerStorageDriverInfo spells it so
                if (name.empty() || !driverNames.insert(name).second) continue;
                drivers += (drivers.empty() ? "" : ", ") + name;
            }
        }
        nlohmann::json pool = {{"config", nlohmann::json::object()}};
        pool["name"] = askString("Name of the storage pool: ", "", [&](const std::string& v) -> std::string {
            if (v.empty()) return "Pool name cannot be empty";
            for (const auto& p : unknown)
                if (text(p, "name") == v) return "Storage pool " + goQuote(v) + " is already on recover list";
            for (const auto& p : existing)
                if (text(p, "name") == v) return "Storage pool " + goQuote(v) + " already exists";
            return "";
        });
        pool["driver"] = askString("Name of the storage backend (" + drivers + "): ", "", [&](const std::string& v) {
            return driverNames.count(v) ? std::string() : "Value must be one of: " + drivers;
        });
        pool["config"]["source"] =
            askString("Source of the storage pool (block device, volume group, dataset, path, ... as applicable): ", "");
        for (;;) {
            std::string key, value;
            askString("Additional storage pool configuration property (KEY=VALUE, empty when done): ", "",
                      [&](const std::string& v) -> std::string {
                          if (v.empty()) return "";
                          auto eq = v.find('=');
                          if (eq == std::string::npos || eq == 0) return "Config option should be in the format KEY=VALUE";
                          key = v.substr(0, eq);
                          value = v.substr(eq + 1);
                          return "";
                      });
            if (key.empty()) break;
            pool["config"][key] = value;
        }
        unknown.push_back(pool);
    }
    return unknown;
}

std::string title(std::string s) {
    if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
    return s;
}

}  // namespace

int runRecover(const std::vector<std::string>& args, const std::string& socketPath) {
    try {
        if (!args.empty()) throw std::runtime_error("Invalid arguments");
        LocalApi api(socketPath);
        const auto existing = api.get("/1.0/storage-pools?recursion=1");
        std::cout << "This LXD server currently has the following storage pools:\n";
        for (const auto& p : existing)
            std::cout << " - " << text(p, "name") << " (backend=" << goQuote(text(p, "driver"))
                      << ", source=" << goQuote(source(p)) << ")\n";
        const auto unknown = askUnknownPools(api, existing);

        std::cout << "The recovery process will be scanning the following storage pools:\n";
        for (const auto& p : existing)
            std::cout << " - EXISTING: " << goQuote(text(p, "name")) << " (backend=" << goQuote(text(p, "driver"))
                      << ", source=" << goQuote(source(p)) << ")\n";
        for (const auto& p : unknown)
            std::cout << " - NEW: " << goQuote(text(p, "name")) << " (backend=" << goQuote(text(p, "driver"))
                      << ", source=" << goQuote(source(p)) << ")\n";
        if (!askBool("Would you like to continue with scanning for lost volumes? (yes/no) [default=yes]: ", "yes"))
            return 0;

        // Pools of the database by name only: the daemon looks the rest up.
        nlohmann::json request = {{"pools", nlohmann::json::array()}};
        for (const auto& p : existing) request["pools"].push_back({{"name", text(p, "name")}});
        for (const auto& p : unknown) request["pools"].push_back(p);

        std::cout << "Scanning for unknown volumes..." << std::endl;
        for (;;) {
            nlohmann::json result;
            try {
                result = api.call("POST", "/internal/recover/validate", request);
            } catch (const std::exception& e) {
                throw std::runtime_error(std::string("Failed validation request: ") + e.what());
            }
            const auto volumes = result.value("UnknownVolumes", nlohmann::json::array());
            const auto missing = result.value("DependencyErrors", nlohmann::json::array());
            if (!unknown.empty()) {
                std::cout << "The following unknown storage pools have been found:\n";
                for (const auto& p : unknown)
                    std::cout << " - Storage pool " << goQuote(text(p, "name")) << " of type "
                              << goQuote(text(p, "driver")) << "\n";
            }
            if (volumes.is_array() && !volumes.empty()) {
                std::cout << "The following unknown volumes have been found:\n";
                for (const auto& v : volumes)
                    std::cout << " - " << title(text(v, "type")) << " " << goQuote(text(v, "name")) << " on pool "
                              << goQuote(text(v, "pool")) << " in project " << goQuote(text(v, "project"))
                              << " (includes " << v.value("snapshotCount", 0) << " snapshots)\n";
            }
            if (missing.is_array() && !missing.empty()) {
                std::cout << "You are currently missing the following:\n";
                std::string list;
                for (const auto& m : missing) {
                    std::cout << " - " << m.get<std::string>() << "\n";
                    list += (list.empty() ? "" : ", ") + m.get<std::string>();
                }
                // Upstream waits for them to be created and scans again; piped answers that
                // run out end here with the missing names instead.
                askString("Please create those missing entries and then hit ENTER: ", "",
                          [](const std::string&) { return std::string(); });
                if (std::cin.eof()) throw std::runtime_error("Missing dependencies: " + list);
                continue;
            }
            if (unknown.empty() && (!volumes.is_array() || volumes.empty())) {
                std::cout << "No unknown volumes found. Nothing to do." << std::endl;
                return 0;
            }
            break;
        }

        if (!askBool("Would you like those to be recovered? (yes/no) [default=no]: ", "no")) return 0;
        std::cout << "Starting recovery..." << std::endl;
        try {
            api.call("POST", "/internal/recover/import", request);
        } catch (const std::exception& e) {
            throw std::runtime_error(std::string("Failed import request: ") + e.what());
        }
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "Error: " << e.what() << std::endl;
        return 1;
    }
}

}  // namespace lxdp::daemon
