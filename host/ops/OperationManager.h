// The registry of operations: creation, lookup, listing, and removal of finished ones.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "ops/Operation.h"

namespace lxdp::ops {

class OperationManager {
public:
    // Starts the one thread that removes finished operations.
    explicit OperationManager(events::EventHub& events);
    ~OperationManager();

    // Registers a new operation; the caller starts it (after setting a websocket handler, say).
    std::shared_ptr<Operation> create(const std::string& project, const std::string& cls,
                                      const std::string& description, nlohmann::json resources,
                                      nlohmann::json metadata = nullptr, bool mayCancel = false);
    // create() + start(body).
    std::shared_ptr<Operation> run(const std::string& project, const std::string& description,
                                   nlohmann::json resources, std::function<void(Operation&)> body);

    std::shared_ptr<Operation> get(const std::string& id);
    // The operations of project (every one when empty); withProjectless adds those of no project
    // (certificate tokens), which restricted clients must not see.
    std::vector<std::shared_ptr<Operation>> list(const std::string& project, bool withProjectless = false);
    // Number of operations still working (shutdown waits for them; tokens do not count).
    size_t running();

private:
    using Clock = std::chrono::steady_clock;
    // What finished operations tell the sweeper. Operations hold it weakly: their threads may end
    // after the manager is gone.
    struct Expiries {
        std::mutex mutex;
        std::condition_variable wake;
        // Every operation waits the same time after it finishes, so this is in deadline order.
        std::deque<std::pair<Clock::time_point, std::string>> due;
        bool stopping = false;
    };

    // True when op finished long enough ago to be gone from the registry.
    static bool expired(const Operation& op, Clock::time_point now);
    void sweep();

    events::EventHub& events_;
    std::mutex mutex_;
    std::map<std::string, std::shared_ptr<Operation>> ops_;
    std::shared_ptr<Expiries> expiries_ = std::make_shared<Expiries>();
    std::thread sweeper_;
};

}  // namespace lxdp::ops
