// The registry of operations: creation, lookup, listing, and pruning of finished ones.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "ops/Operation.h"

namespace lxdp::ops {

class OperationManager {
public:
    explicit OperationManager(events::EventHub& events) : events_(events) {}

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
    void prune();

    events::EventHub& events_;
    std::mutex mutex_;
    std::map<std::string, std::shared_ptr<Operation>> ops_;
};

}  // namespace lxdp::ops
