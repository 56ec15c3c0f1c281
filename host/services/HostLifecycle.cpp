#include "services/HostLifecycle.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "config/Validators.h"
#include "db/Database.h"
#include "services/InstanceService.h"

namespace lxdp::services {

namespace {

int64_t intKey(const db::StringMap& config, const std::string& key, int64_t fallback) {
    auto it = config.find(key);
    if (it == config.end() || it->second.empty()) return fallback;
    try {
        return std::stoll(it->second);
    } catch (...) {
        return fallback;
    }
}

struct Ordered {
    db::InstanceRecord rec;
    db::StringMap config;  // expanded
};

std::vector<Ordered> allInstances(db::Database& db, InstanceService& instances) {
    std::vector<Ordered> out;
    for (const auto& project : db.projects())
        for (const auto& rec : db.instances(project.name)) out.push_back({rec, instances.expand(rec).config});
    return out;
}

}  // namespace

void HostLifecycle::autostart() {
    std::vector<Ordered> todo;
    // Instances that ran on while the daemon was down get their host-side devices back.
    std::thread([this, all = allInstances(db_, instances_)] {
        for (const auto& i : all) {
            try {
                if (instances_.isRunning(i.rec)) instances_.resumeHostDevices(i.rec);
            } catch (const std::exception& e) {
                Poco::Logger::get("instances").error("devices of %s: %s", i.rec.name, std::string(e.what()));
            }
        }
    }).detach();
    for (auto& i : allInstances(db_, instances_)) {
        auto autostart = i.config.find("boot.autostart");
        auto last = i.config.find("volatile.last_state.power");
        bool wasRunning = last != i.config.end() && last->second == "RUNNING";
        bool start = autostart != i.config.end() && !autostart->second.empty() ? config::isTrue(autostart->second) : wasRunning;
        if (start) todo.push_back(std::move(i));
    }
    if (todo.empty()) return;
    std::stable_sort(todo.begin(), todo.end(), [](const Ordered& a, const Ordered& b) {
        return intKey(a.config, "boot.autostart.priority", 0) > intKey(b.config, "boot.autostart.priority", 0);
    });
    // In the background: the API answers at once while instances come up.
    std::thread([this, todo = std::move(todo)] {
        auto& log = Poco::Logger::get("instances");
        for (const auto& i : todo) {
            try {
                if (!instances_.isRunning(i.rec)) instances_.startForBoot(i.rec);
            } catch (const std::exception& e) {
                log.error("autostart of %s failed: %s", i.rec.name, std::string(e.what()));
            }
            std::this_thread::sleep_for(std::chrono::seconds(intKey(i.config, "boot.autostart.delay", 0)));
        }
    }).detach();
}

void HostLifecycle::shutdownInstances() {
    auto& log = Poco::Logger::get("instances");
    std::vector<Ordered> running;
    for (auto& i : allInstances(db_, instances_)) {
        try {
            if (instances_.isRunning(i.rec)) running.push_back(std::move(i));
        } catch (const std::exception&) {
        }
    }
    std::stable_sort(running.begin(), running.end(), [](const Ordered& a, const Ordered& b) {
        return intKey(a.config, "boot.stop.priority", 0) > intKey(b.config, "boot.stop.priority", 0);
    });
    // Instances of one priority stop together; the next priority waits for them.
    size_t i = 0;
    while (i < running.size()) {
        const int64_t priority = intKey(running[i].config, "boot.stop.priority", 0);
        std::vector<std::thread> batch;
        for (; i < running.size() && intKey(running[i].config, "boot.stop.priority", 0) == priority; ++i) {
            batch.emplace_back([&, item = running[i]] {
                try {
                    instances_.stopForHostShutdown(item.rec,
                                                   static_cast<int>(intKey(item.config, "boot.host_shutdown_timeout", 30)));
                } catch (const std::exception& e) {
                    log.error("stopping %s for the host shutdown failed: %s", item.rec.name, std::string(e.what()));
                }
            });
        }
        for (auto& t : batch) t.join();
    }
}

}  // namespace lxdp::services
