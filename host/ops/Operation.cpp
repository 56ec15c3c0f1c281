#include "ops/Operation.h"

#include <Poco/Logger.h>

#include <chrono>
#include <thread>

#include "events/EventHub.h"
#include "util/ApiError.h"
#include "util/Random.h"
#include "util/Time.h"

namespace lxdp::ops {

const char* statusName(Status s) {
    switch (s) {
    case Status::Pending: return "Pending";
    case Status::Running: return "Running";
    case Status::Success: return "Success";
    case Status::Failure: return "Failure";
    case Status::Cancelled: return "Cancelled";
    }
    return "Unknown";
}

Operation::Operation(events::EventHub& events, std::string project, std::string cls, std::string description,
                     nlohmann::json resources, nlohmann::json metadata, bool mayCancel)
    : events_(events),
      id_(util::randomUuid()),
      project_(std::move(project)),
      class_(std::move(cls)),
      description_(std::move(description)),
      createdAt_(util::nowRfc3339()),
      mayCancel_(mayCancel),
      resources_(std::move(resources)),
      updatedAt_(createdAt_),
      metadata_(std::move(metadata)) {}

Status Operation::status() const {
    std::lock_guard lock(mutex_);
    return status_;
}

bool Operation::finished() const { return static_cast<int>(status()) >= 200; }

nlohmann::json Operation::metadata() const {
    std::lock_guard lock(mutex_);
    return metadata_;
}

std::chrono::steady_clock::time_point Operation::finishedAt() const {
    std::lock_guard lock(mutex_);
    return finishedAt_;
}

nlohmann::json Operation::render(bool withSecrets) const {
    std::lock_guard lock(mutex_);
    nlohmann::json metadata = metadata_;
    if (!withSecrets && metadata.is_object()) {
        metadata.erase("fds");
        // A migration's websocket secrets are its metadata itself, as upstream's.
        if (class_ == "websocket")
            for (const char* stream : {"control", "fs", "criu"}) metadata.erase(stream);
    }
    return {{"id", id_},
            {"class", class_},
            {"description", description_},
            {"created_at", createdAt_},
            {"updated_at", updatedAt_},
            {"status", statusName(status_)},
            {"status_code", static_cast<int>(status_)},
            {"resources", resources_},
            {"metadata", metadata},
            {"may_cancel", mayCancel_},
            {"err", err_},
            {"location", "none"}};
}

// Every event listener hears of the operation; its secrets stay with the one who asked for it.
void Operation::broadcast() { events_.publish("operation", project_, render(false)); }

void Operation::updateMetadata(const nlohmann::json& fields) {
    {
        std::lock_guard lock(mutex_);
        if (!metadata_.is_object()) metadata_ = nlohmann::json::object();
        for (auto it = fields.begin(); it != fields.end(); ++it) metadata_[it.key()] = it.value();
        updatedAt_ = util::nowRfc3339();
    }
    broadcast();
}

void Operation::setStatus(Status s, const std::string& err) {
    std::function<void()> finishedHook;
    {
        std::lock_guard lock(mutex_);
        status_ = s;
        err_ = err;
        updatedAt_ = util::nowRfc3339();
        if (static_cast<int>(s) >= 200) {
            finishedAt_ = std::chrono::steady_clock::now();
            finishedHook = std::move(onFinished_);
            onFinished_ = nullptr;
        }
    }
    broadcast();
    cv_.notify_all();
    if (finishedHook) finishedHook();
}

void Operation::start(std::function<void(Operation&)> body) {
    broadcast();  // created: Pending
    std::thread([this, body = std::move(body)] {
        setStatus(Status::Running);
        auto dropHandler = [this] {
            std::lock_guard lock(mutex_);
            websocketHandler_ = nullptr;
        };
        try {
            body(*this);
            dropHandler();
            setStatus(Status::Success);
        } catch (const std::exception& e) {
            Poco::Logger::get("operations").debug("operation %s (%s) failed: %s", id_, description_, std::string(e.what()));
            dropHandler();
            setStatus(cancelRequested_ ? Status::Cancelled : Status::Failure, e.what());
        }
    }).detach();
}

bool Operation::cancel() {
    if (!mayCancel_) return false;
    cancelRequested_ = true;
    return true;
}

bool Operation::wait(double timeoutSec) const {
    std::unique_lock lock(mutex_);
    auto done = [&] { return static_cast<int>(status_) >= 200; };
    if (timeoutSec < 0) {
        cv_.wait(lock, done);
        return true;
    }
    return cv_.wait_for(lock, std::chrono::duration<double>(timeoutSec), done);
}

void Operation::progress(const lxdp_progress& p) {
    nlohmann::json progress = {{"stage", p.stage ? p.stage : ""}};
    if (p.percent >= 0) progress["percent"] = std::to_string(p.percent);
    std::string stage = p.stage ? p.stage : "progress";
    std::string text = p.percent >= 0 ? std::to_string(p.percent) + "%" : std::to_string(p.done_bytes) + " bytes";
    updateMetadata({{"progress", progress}, {stage + "_progress", text}});
}

}  // namespace lxdp::ops
