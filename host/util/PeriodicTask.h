// A background thread that runs one step of a daemon task, sleeps as long as the step asks,
// and runs it again, until stop(): the shape of upstream's daemon tasks (snapshot schedules,
// image expiry and auto-update, operation cleanup) without a thread of their own each to write.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace lxdp::util {

class PeriodicTask {
public:
    // Returns how long to wait before the next step.
    using Step = std::function<std::chrono::milliseconds()>;

    explicit PeriodicTask(std::string name) : name_(std::move(name)) {}
    ~PeriodicTask() { stop(); }
    PeriodicTask(const PeriodicTask&) = delete;
    PeriodicTask& operator=(const PeriodicTask&) = delete;

    // The first step runs after `firstDelay`. A step that throws is logged under the task's
    // name, and the next one runs a minute later.
    void start(std::chrono::milliseconds firstDelay, Step step);
    // Wakes the thread from its wait and joins it; a step under way is finished first.
    void stop();

private:
    std::string name_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace lxdp::util
