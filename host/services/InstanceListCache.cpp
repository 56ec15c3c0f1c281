#include "services/InstanceListCache.h"

#include <Poco/Logger.h>

#include "services/InstanceService.h"

namespace lxdp::services {

std::shared_ptr<const InstanceListCache::ProjectList> InstanceListCache::build(const std::string& project,
                                                                               const db::Database::ChangeStamp& stamp) {
    auto list = std::make_shared<ProjectList>();
    list->stamp = stamp;
    std::optional<InstanceListContext> context;
    for (const auto& rec : db_.instances(project)) {
        if (!context) context = instances_.listContext(project);
        Entry entry{.head = {}, .driver = nullptr, .ref = {}};
        try {
            entry.driver = &instances_.driver(rec);
            entry.ref = instances_.ref(rec, &*context);
        } catch (const std::exception& e) {
            // Its status is an error this time, as an uncached list shows it; the next list tries again.
            Poco::Logger::get("instances").warning("state of %s: %s", rec.name, std::string(e.what()));
            list->keep = false;
            entry.driver = nullptr;
        }
        auto fixed = instances_.renderWithoutStatus(rec, &*context);
        entry.head = fixed.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        entry.head.pop_back();  // the closing brace: the status follows
        list->bytes += entry.head.size();
        list->entries.push_back(std::move(entry));
    }
    return list;
}

void InstanceListCache::appendRecursion1(const std::string& project, std::string& out) {
    // The stamp is read before the rows: a write in between makes the kept list stale for the
    // next request, never an older list current.
    const auto stamp = db_.changeStamp();
    std::shared_ptr<const ProjectList> list;
    {
        std::lock_guard lock(mutex_);
        if (auto it = lists_.find(project); it != lists_.end() && it->second->stamp == stamp) list = it->second;
    }
    if (!list) {
        list = build(project, stamp);
        std::lock_guard lock(mutex_);
        // Lists made before the last write are never answered again: dropping them keeps the
        // cache to the current ones (a deleted project's last list was kept for good).
        std::erase_if(lists_, [&](const auto& kept) { return !(kept.second->stamp == stamp); });
        if (list->keep) lists_[project] = list;
        else lists_.erase(project);
    }
    constexpr size_t kStatusBytes = 48;  // ,"status":"Running","status_code":103}
    out.reserve(out.size() + list->bytes + list->entries.size() * kStatusBytes);
    for (const auto& entry : list->entries) {
        const uint32_t status = entry.driver ? instances_.statusOf(*entry.driver, entry.ref) : LXDP_STATE_ERROR;
        if (!out.empty() && out.back() != '[') out += ',';
        out += entry.head;
        out += R"(,"status":")";
        out += InstanceService::statusName(status);
        out += R"(","status_code":)";
        out += std::to_string(status);
        out += '}';
    }
}

}  // namespace lxdp::services
