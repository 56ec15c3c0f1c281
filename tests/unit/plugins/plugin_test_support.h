// Shared by the plugin tests: a temporary directory and a capture of the "plugins" log.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>

namespace lxdp::plugins::test {

class TempDir {
public:
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "lxdp-plugins-XXXXXX").string();
        path_ = ::mkdtemp(tmpl.data());
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// Every line logged on "plugins" while it lives, with its priority.
class LogCapture {
public:
    LogCapture() : channel_(new Sink) {
        auto& logger = Poco::Logger::get("plugins");
        previousLevel_ = logger.getLevel();
        previousChannel_ = logger.getChannel();
        logger.setChannel(channel_);
        logger.setLevel(Poco::Message::PRIO_DEBUG);
    }
    ~LogCapture() {
        auto& logger = Poco::Logger::get("plugins");
        logger.setChannel(previousChannel_);
        logger.setLevel(previousLevel_);
    }

    // The first line containing text, or "" when none does.
    std::string find(const std::string& text, Poco::Message::Priority atMost = Poco::Message::PRIO_TRACE) const {
        std::lock_guard lock(channel_->mutex);
        for (const auto& [prio, line] : channel_->lines)
            if (prio <= atMost && line.find(text) != std::string::npos) return line;
        return "";
    }

private:
    struct Sink : Poco::Channel {
        void log(const Poco::Message& msg) override {
            std::lock_guard lock(mutex);
            lines.emplace_back(msg.getPriority(), msg.getText());
        }
        mutable std::mutex mutex;
        std::vector<std::pair<Poco::Message::Priority, std::string>> lines;
    };
    Poco::AutoPtr<Sink> channel_;
    Poco::Channel::Ptr previousChannel_;
    int previousLevel_;
};

}  // namespace lxdp::plugins::test
