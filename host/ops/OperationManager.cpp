#include "ops/OperationManager.h"

#include <chrono>

namespace lxdp::ops {

namespace {
// Finished operations stay queryable this long: clients such as pylxd poll for the result.
constexpr double kKeepFinishedSeconds = 60;
}

std::shared_ptr<Operation> OperationManager::create(const std::string& project, const std::string& cls,
                                                    const std::string& description, nlohmann::json resources,
                                                    nlohmann::json metadata, bool mayCancel) {
    auto op = std::make_shared<Operation>(events_, project, cls, description, std::move(resources),
                                          std::move(metadata), mayCancel);
    std::lock_guard lock(mutex_);
    prune();
    ops_[op->id()] = op;
    return op;
}

std::shared_ptr<Operation> OperationManager::run(const std::string& project, const std::string& description,
                                                 nlohmann::json resources, std::function<void(Operation&)> body) {
    auto op = create(project, "task", description, std::move(resources));
    // The thread keeps the operation alive until it finishes, whatever the registry does.
    op->start([op, body = std::move(body)](Operation& self) { body(self); });
    return op;
}

std::shared_ptr<Operation> OperationManager::get(const std::string& id) {
    std::lock_guard lock(mutex_);
    auto it = ops_.find(id);
    return it == ops_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<Operation>> OperationManager::list(const std::string& project, bool withProjectless) {
    std::lock_guard lock(mutex_);
    prune();
    std::vector<std::shared_ptr<Operation>> out;
    for (const auto& [id, op] : ops_)
        if (project.empty() || op->project() == project || (withProjectless && op->project().empty())) out.push_back(op);
    return out;
}

size_t OperationManager::running() {
    std::lock_guard lock(mutex_);
    size_t n = 0;
    // A token operation only waits to be used: nothing is lost when it ends with the daemon.
    for (const auto& [id, op] : ops_) n += op->finished() || op->operationClass() == "token" ? 0 : 1;
    return n;
}

void OperationManager::prune() {
    double now = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    for (auto it = ops_.begin(); it != ops_.end();) {
        if (it->second->finished() && now - it->second->finishedAt() > kKeepFinishedSeconds)
            it = ops_.erase(it);
        else
            ++it;
    }
}

}  // namespace lxdp::ops
