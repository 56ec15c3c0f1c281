#include "daemon/Init.h"

#include <yaml-cpp/yaml.h>

#include <functional>
#include <iostream>
#include <iterator>

#include "daemon/LocalClient.h"
#include "daemon/Prompt.h"
#include "util/SafeYaml.h"

namespace lxdp::daemon {

namespace {

const char* const kTrustPassword = "core.trust_password";

// The entity kinds of a preseed, in the order they are applied: later ones refer to earlier ones
// (profiles name pools and networks).
struct Kind {
    const char* key;      // preseed key
    const char* url;      // collection URL
    std::vector<const char*> fields;  // fields a PUT carries
};
const std::vector<Kind>& kinds() {
    static const std::vector<Kind> k = {
        {"projects", "/1.0/projects", {"config", "description"}},
        {"storage_pools", "/1.0/storage-pools", {"config", "description"}},
        {"networks", "/1.0/networks", {"config", "description"}},
        {"profiles", "/1.0/profiles", {"config", "description", "devices"}},
    };
    return k;
}

nlohmann::json putBody(const Kind& kind, const nlohmann::json& entity) {
    nlohmann::json body = nlohmann::json::object();
    for (const char* f : kind.fields)
        body[f] = entity.contains(f) && !entity[f].is_null() ? entity[f]
                  : std::string(f) == "description" ? nlohmann::json("") : nlohmann::json::object();
    return body;
}

// Applies a preseed with upstream's semantics: existing entities are overwritten (PUT), missing
// ones created; when a step fails, what was applied is undone in reverse order.
void applyPreseed(LocalApi& api, const nlohmann::json& preseed) {
    std::vector<std::function<void()>> undo;
    try {
        if (preseed.contains("config") && preseed["config"].is_object()) {
            // Only the keys the preseed names change (PATCH), and only they are put back: the
            // server shows a set trust password as "true", which must never be sent back as
            // the password. A replaced password cannot be restored (only its hash was kept):
            // the undo can just remove one the preseed added.
            const auto old = api.get("/1.0").value("config", nlohmann::json::object());
            nlohmann::json previous = nlohmann::json::object();
            for (auto it = preseed["config"].begin(); it != preseed["config"].end(); ++it) {
                if (it.key() == kTrustPassword && old.contains(kTrustPassword)) continue;
                previous[it.key()] = old.value(it.key(), "");
            }
            api.call("PATCH", "/1.0", {{"config", preseed["config"]}});
            undo.push_back([&api, previous] { api.call("PATCH", "/1.0", {{"config", previous}}); });
        }
        for (const auto& kind : kinds()) {
            if (!preseed.contains(kind.key) || !preseed[kind.key].is_array()) continue;
            for (const auto& entity : preseed[kind.key]) {
                const std::string name = entity.value("name", "");
                if (name.empty()) throw std::runtime_error(std::string(kind.key) + ": an entry has no name");
                std::string project = entity.value("project", "");
                std::string query = project.empty() ? "" : "?project=" + project;
                const std::string url = std::string(kind.url) + "/" + name + query;
                if (auto existing = api.find(url)) {
                    api.call("PUT", url, putBody(kind, entity));
                    undo.push_back([&api, url, old = putBody(kind, *existing)] { api.call("PUT", url, old); });
                } else {
                    api.call("POST", std::string(kind.url) + query, entity);
                    undo.push_back([&api, url] { api.call("DELETE", url); });
                }
            }
        }
    } catch (const std::exception& e) {
        for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
            try {
                (*it)();
            } catch (const std::exception& u) {
                std::cerr << "Warning: could not undo a step: " << u.what() << std::endl;
            }
        }
        throw;
    }
}

YAML::Node toYaml(const nlohmann::json& j) {
    YAML::Node n;
    if (j.is_object()) {
        n = YAML::Node(YAML::NodeType::Map);
        for (auto it = j.begin(); it != j.end(); ++it) n[it.key()] = toYaml(it.value());
    } else if (j.is_array()) {
        n = YAML::Node(YAML::NodeType::Sequence);
        for (const auto& v : j) n.push_back(toYaml(v));
    } else if (j.is_string()) {
        n = j.get<std::string>();
    } else if (!j.is_null()) {
        n = j.dump();
    }
    return n;
}

nlohmann::json dump(LocalApi& api) {
    nlohmann::json out = {{"config", api.get("/1.0").value("config", nlohmann::json::object())}};
    // A dump is fed back as a preseed: "true" there would become the password.
    out["config"].erase(kTrustPassword);
    for (const auto& kind : kinds()) {
        nlohmann::json list = nlohmann::json::array();
        auto found = api.find(std::string(kind.url) + "?recursion=1");
        if (!found) continue;
        for (const auto& e : *found) {
            if (e.value("managed", true) == false) continue;  // host interfaces are not ours to dump
            nlohmann::json item = putBody(kind, e);
            item["name"] = e.value("name", "");
            if (e.contains("driver")) item["driver"] = e["driver"];
            if (e.contains("type") && std::string(kind.key) == "networks") item["type"] = e["type"];
            list.push_back(item);
        }
        out[kind.key] = list;
    }
    return out;
}

std::string ask(const std::string& question, const std::string& fallback) {
    return askString(question + " [default=" + fallback + "]: ", fallback, [](const std::string&) { return std::string(); });
}

bool askYes(const std::string& question, const std::string& fallback) {
    return askBool(question + " [default=" + fallback + "]: ", fallback);
}

// The questions upstream asks first, reduced to what this daemon supports.
nlohmann::json interview(LocalApi& api, bool autoMode) {
    nlohmann::json preseed = nlohmann::json::object();
    // The default profile is overwritten as a whole: start from what it has.
    auto profile = api.get("/1.0/profiles/default");
    nlohmann::json devices = profile.value("devices", nlohmann::json::object());
    if (autoMode || askYes("Would you like to create a new local storage pool? (yes/no)", "yes")) {
        std::string pool = autoMode ? "default" : ask("Name of the new storage pool", "default");
        std::string backend = autoMode ? "dir" : ask("Name of the storage backend to use", "dir");
        preseed["storage_pools"] = {{{"name", pool}, {"driver", backend}, {"config", nlohmann::json::object()}}};
        devices["root"] = {{"type", "disk"}, {"path", "/"}, {"pool", pool}};
    }
    if (!autoMode && api.find("/1.0/networks") &&
        askYes("Would you like to create a new local network bridge? (yes/no)", "yes")) {
        std::string bridge = ask("What should the new bridge be called?", "lxdbr0");
        preseed["networks"] = {{{"name", bridge}, {"type", "bridge"}, {"config", {{"ipv4.address", "auto"}, {"ipv6.address", "none"}}}}};
        devices["eth0"] = {{"type", "nic"}, {"name", "eth0"}, {"network", bridge}};
    }
    if (!autoMode && askYes("Would you like the server to be available over the network? (yes/no)", "no")) {
        std::string address = ask("Address to bind to (not including port)", "all");
        std::string port = ask("Port to bind to", "8443");
        preseed["config"]["core.https_address"] = (address == "all" ? "[::]" : address) + ":" + port;
        std::string password = ask("Trust password for new clients", "");
        if (!password.empty()) preseed["config"]["core.trust_password"] = password;
    }
    preseed["profiles"] = {{{"name", "default"},
                            {"description", profile.value("description", "")},
                            {"config", profile.value("config", nlohmann::json::object())},
                            {"devices", devices}}};
    return preseed;
}

}  // namespace

int runInit(const std::vector<std::string>& args, const std::string& socketPath) {
    LocalApi api(socketPath);
    try {
        bool preseed = false, dumpMode = false, autoMode = false;
        for (const auto& a : args) {
            if (a == "--preseed") preseed = true;
            else if (a == "--dump") dumpMode = true;
            else if (a == "--auto") autoMode = true;
            else throw std::runtime_error("unknown argument to init: " + a);
        }
        if (dumpMode) {
            YAML::Emitter out;
            out << toYaml(dump(api));
            std::cout << out.c_str() << std::endl;
            return 0;
        }
        nlohmann::json config;
        if (preseed) {
            std::string text(std::istreambuf_iterator<char>(std::cin), {});
            config = util::yamlToJson(util::loadYamlSafely(text, "the preseed"));
            if (!config.is_object() && !config.is_null()) throw std::runtime_error("the preseed must be a YAML mapping");
        } else {
            config = interview(api, autoMode);
        }
        if (!config.is_null()) applyPreseed(api, config);
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "Error: " << e.what() << std::endl;
        return 1;
    }
}

}  // namespace lxdp::daemon
