#include "util/PeriodicTask.h"

#include <Poco/Logger.h>

namespace lxdp::util {

void PeriodicTask::start(std::chrono::milliseconds firstDelay, Step step) {
    thread_ = std::thread([this, firstDelay, step = std::move(step)] {
        std::unique_lock lock(mutex_);
        auto delay = firstDelay;
        for (;;) {
            if (wake_.wait_for(lock, delay, [this] { return stopping_; })) return;
            lock.unlock();
            try {
                delay = step();
            } catch (const std::exception& e) {
                Poco::Logger::get("tasks").error("%s: %s", name_, std::string(e.what()));
                delay = std::chrono::minutes(1);
            }
            lock.lock();
        }
    });
}

void PeriodicTask::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

}  // namespace lxdp::util
