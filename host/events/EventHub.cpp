#include "events/EventHub.h"

#include <algorithm>

#include "util/Time.h"

namespace lxdp::events {

namespace {
constexpr size_t kMaxQueued = 10000;
}

Listener::Listener(std::set<std::string> types, std::string project, bool allProjects, bool serverWide)
    : types_(std::move(types)), project_(std::move(project)), allProjects_(allProjects), serverWide_(serverWide) {}

bool Listener::wants(const std::string& type, const std::string& project) const {
    if (!types_.empty() && !types_.count(type)) return false;
    if (project.empty()) return serverWide_;
    return allProjects_ || project == project_;
}

void Listener::push(const std::string& frame) {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    if (queue_.size() >= kMaxQueued) {
        closed_ = true;  // too slow: better to drop it than to grow without bound
    } else {
        queue_.push_back(frame);
    }
    cv_.notify_one();
}

void Listener::close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    cv_.notify_all();
}

bool Listener::closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
}

std::optional<std::string> Listener::next(int timeoutMs) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, std::chrono::milliseconds(timeoutMs), [&] { return closed_ || !queue_.empty(); });
    if (queue_.empty()) return std::nullopt;
    std::string frame = std::move(queue_.front());
    queue_.pop_front();
    return frame;
}

std::shared_ptr<Listener> EventHub::subscribe(std::set<std::string> types, std::string project, bool allProjects,
                                              bool serverWide) {
    auto l = std::make_shared<Listener>(std::move(types), std::move(project), allProjects, serverWide);
    std::lock_guard lock(mutex_);
    listeners_.push_back(l);
    return l;
}

void EventHub::unsubscribe(const std::shared_ptr<Listener>& listener) {
    std::lock_guard lock(mutex_);
    listeners_.erase(std::remove(listeners_.begin(), listeners_.end(), listener), listeners_.end());
}

void EventHub::publish(const std::string& type, const std::string& project, const nlohmann::json& metadata) {
    nlohmann::json event = {{"type", type},
                            {"timestamp", util::nowRfc3339()},
                            {"metadata", metadata},
                            {"location", "none"},
                            {"project", project}};
    std::string frame = event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::lock_guard lock(mutex_);
    for (auto& l : listeners_)
        if (l->wants(type, project)) l->push(frame);
}

void EventHub::lifecycle(const std::string& project, const std::string& action, const std::string& source,
                         const nlohmann::json& context) {
    publish("lifecycle", project,
            {{"action", action},
             {"source", source},
             {"context", context},
             {"requestor", {{"username", "root"}, {"protocol", "unix"}, {"address", "@"}}}});
}

void EventHub::closeAll() {
    std::lock_guard lock(mutex_);
    for (auto& l : listeners_) l->close();
}

}  // namespace lxdp::events
