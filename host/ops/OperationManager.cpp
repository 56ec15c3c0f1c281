#include "ops/OperationManager.h"

#include "util/FreeMemory.h"

namespace lxdp::ops {

namespace {
// As upstream: a finished operation is answered (GET, /wait) for 5 s, then forgotten, so the list
// holds what is running plus what just ended.
constexpr std::chrono::seconds kKeepFinished{5};
}

OperationManager::OperationManager(events::EventHub& events) : events_(events) {
    sweeper_ = std::thread([this] { sweep(); });
}

OperationManager::~OperationManager() {
    {
        std::lock_guard lock(expiries_->mutex);
        expiries_->stopping = true;
    }
    expiries_->wake.notify_all();
    sweeper_.join();
}

bool OperationManager::expired(const Operation& op, Clock::time_point now) {
    return op.finished() && now - op.finishedAt() >= kKeepFinished;
}

// Sleeps until the first finished operation is due, removes it, and so on: one thread whatever
// the number of operations.
void OperationManager::sweep() {
    std::unique_lock lock(expiries_->mutex);
    for (;;) {
        auto& e = *expiries_;
        e.wake.wait(lock, [&] { return e.stopping || !e.due.empty(); });
        if (e.stopping) return;
        if (e.wake.wait_until(lock, e.due.front().first, [&] { return e.stopping; })) return;
        std::vector<std::string> ids;
        for (auto now = Clock::now(); !e.due.empty() && e.due.front().first <= now; e.due.pop_front())
            ids.push_back(e.due.front().second);
        lock.unlock();
        {
            // Outside the expiries' lock: an operation finishing now takes that lock under none.
            std::lock_guard registry(mutex_);
            for (const auto& id : ids) ops_.erase(id);
        }
        // What those operations made (their instance's records, answers, the thread's buffers)
        // is freed by now, scattered over the arenas of the threads that ran them.
        util::releaseFreeMemory();
        lock.lock();
    }
}

std::shared_ptr<Operation> OperationManager::create(const std::string& project, const std::string& cls,
                                                    const std::string& description, nlohmann::json resources,
                                                    nlohmann::json metadata, bool mayCancel) {
    auto op = std::make_shared<Operation>(events_, project, cls, description, std::move(resources),
                                          std::move(metadata), mayCancel);
    op->onFinished([weak = std::weak_ptr<Expiries>(expiries_), id = op->id()] {
        auto e = weak.lock();
        if (!e) return;
        {
            std::lock_guard lock(e->mutex);
            e->due.emplace_back(Clock::now() + kKeepFinished, id);
        }
        e->wake.notify_all();
    });
    std::lock_guard lock(mutex_);
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
    // The sweeper may be a moment late: what is due is already gone for callers.
    return it == ops_.end() || expired(*it->second, Clock::now()) ? nullptr : it->second;
}

std::vector<std::shared_ptr<Operation>> OperationManager::list(const std::string& project, bool withProjectless) {
    std::lock_guard lock(mutex_);
    const auto now = Clock::now();
    std::vector<std::shared_ptr<Operation>> out;
    for (const auto& [id, op] : ops_)
        if ((project.empty() || op->project() == project || (withProjectless && op->project().empty())) &&
            !expired(*op, now))
            out.push_back(op);
    return out;
}

size_t OperationManager::running() {
    std::lock_guard lock(mutex_);
    size_t n = 0;
    // A token operation only waits to be used: nothing is lost when it ends with the daemon.
    for (const auto& [id, op] : ops_) n += op->finished() || op->operationClass() == "token" ? 0 : 1;
    return n;
}

}  // namespace lxdp::ops
