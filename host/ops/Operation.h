// A background operation: anything that may take over a second. Every status change is
// broadcast as an "operation" event, which is how the lxc client waits.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "plugins/OperationContext.h"

namespace lxdp::events { class EventHub; }
namespace lxdp::api { class Request; }

namespace lxdp::ops {

enum class Status { Pending = 105, Running = 103, Success = 200, Failure = 400, Cancelled = 401 };
const char* statusName(Status s);

class Operation : public plugins::OperationContext {
public:
    Operation(events::EventHub& events, std::string project, std::string cls, std::string description,
              nlohmann::json resources, nlohmann::json metadata, bool mayCancel);

    const std::string& id() const { return id_; }
    const std::string& project() const { return project_; }
    // "task", "websocket" or "token".
    const std::string& operationClass() const { return class_; }
    Status status() const;
    bool finished() const;
    // withSecrets=false leaves out the websocket secrets ("fds" of exec), which are credentials.
    nlohmann::json render(bool withSecrets = true) const;
    nlohmann::json metadata() const;

    // Merges fields into the metadata and tells the listeners.
    void updateMetadata(const nlohmann::json& fields);

    // Runs body on its own thread: Running, then Success, or Failure with the exception's text.
    void start(std::function<void(Operation&)> body);

    // Asks a cancellable operation to stop; false when it cannot be cancelled.
    bool cancel();
    // Waits until the operation is final; timeoutSec < 0 waits without limit. True when final.
    bool wait(double timeoutSec) const;

    // OperationContext, for plugins.
    void progress(const lxdp_progress& progress) override;
    bool cancelled() const override { return cancelRequested_; }
    lxdp_op* abiHandle() { return &abi_; }

    // Websocket operations (exec) accept connections with one of their secrets.
    // The handler runs on the connection's thread for as long as the connection lives.
    using WebSocketHandler = std::function<void(const std::string& secret, api::Request& request)>;
    // A finished operation drops its handler, and what it holds (an exec session's pipes and
    // process handle) goes with the last connection still using a copy, not with the operation,
    // which stays listed a few seconds.
    void setWebSocketHandler(WebSocketHandler handler) {
        std::lock_guard lock(mutex_);
        websocketHandler_ = std::move(handler);
    }
    WebSocketHandler websocketHandler() const {
        std::lock_guard lock(mutex_);
        return websocketHandler_;
    }

    // The certificate (fingerprint) that started the operation over HTTPS; empty when it came
    // from the unix socket. Only that certificate and the unix socket read the secrets.
    void setOwner(std::string fingerprint) {
        std::lock_guard lock(mutex_);
        owner_ = std::move(fingerprint);
    }
    std::string owner() const {
        std::lock_guard lock(mutex_);
        return owner_;
    }

    // When the operation became final, for its removal from the registry.
    std::chrono::steady_clock::time_point finishedAt() const;
    // Called once, on the thread that makes the operation final, after the listeners heard of it.
    void onFinished(std::function<void()> hook) {
        std::lock_guard lock(mutex_);
        onFinished_ = std::move(hook);
    }

private:
    void setStatus(Status s, const std::string& err = "");
    void broadcast();

    events::EventHub& events_;
    const std::string id_;
    const std::string project_;
    const std::string class_;
    const std::string description_;
    const std::string createdAt_;
    const bool mayCancel_;
    nlohmann::json resources_;

    mutable std::mutex mutex_;
    mutable std::condition_variable cv_;
    std::string updatedAt_;
    Status status_ = Status::Pending;
    std::string err_;
    nlohmann::json metadata_;
    std::chrono::steady_clock::time_point finishedAt_;
    std::function<void()> onFinished_;
    std::atomic<bool> cancelRequested_{false};
    lxdp_op abi_{this};
    WebSocketHandler websocketHandler_;
    std::string owner_;
};

}  // namespace lxdp::ops
