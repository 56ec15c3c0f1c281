// Fans events out to /1.0/events listeners. Publishing never blocks on a slow listener: each
// has its own queue, bounded, and a listener that falls too far behind is dropped.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lxdp::events {

class Listener {
public:
    // serverWide: also the events of no project (server config, certificate tokens), which a
    // restricted client must not see.
    Listener(std::set<std::string> types, std::string project, bool allProjects, bool serverWide = true);
    // The next event as a JSON text frame, waiting up to timeoutMs; nullopt on timeout.
    std::optional<std::string> next(int timeoutMs);
    bool closed() const;

private:
    friend class EventHub;
    bool wants(const std::string& type, const std::string& project) const;
    void push(const std::string& frame);
    void close();

    const std::set<std::string> types_;
    const std::string project_;
    const bool allProjects_;
    const bool serverWide_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<std::string> queue_;
    bool closed_ = false;
};

class EventHub {
public:
    // types empty: every type.
    std::shared_ptr<Listener> subscribe(std::set<std::string> types, std::string project, bool allProjects,
                                        bool serverWide = true);
    void unsubscribe(const std::shared_ptr<Listener>& listener);

    void publish(const std::string& type, const std::string& project, const nlohmann::json& metadata);
    // A lifecycle event ("instance-created", source "/1.0/instances/c1").
    void lifecycle(const std::string& project, const std::string& action, const std::string& source,
                   const nlohmann::json& context = nlohmann::json::object());
    // Wakes every listener so the daemon can stop.
    void closeAll();

private:
    std::mutex mutex_;
    std::vector<std::shared_ptr<Listener>> listeners_;
};

}  // namespace lxdp::events
