#include "services/InitWatch.h"

#include <Poco/Logger.h>

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace lxdp::services {

InitWatch::InitWatch(Callback onExit) : onExit_(std::move(onExit)), wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (wake_ < 0) throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
    thread_ = std::thread([this] { loop(); });
}

InitWatch::~InitWatch() {
    {
        std::lock_guard guard(mutex_);
        ending_ = true;
    }
    wake();
    thread_.join();
    for (auto& [key, w] : watched_) ::close(w.pidfd);
    for (int fd : retired_) ::close(fd);
    ::close(wake_);
}

void InitWatch::wake() {
    const uint64_t one = 1;
    if (::write(wake_, &one, sizeof one) < 0) {}
}

void InitWatch::watch(const std::string& key, int64_t pid) {
    // A pidfd names the process itself, not its number: a pid reused later never fires it.
    const int fd = static_cast<int>(::syscall(SYS_pidfd_open, static_cast<pid_t>(pid), 0));
    if (fd < 0) {
        // ESRCH: it ended already, and whoever asked is about to see that.
        if (errno == ESRCH) return;
        Poco::Logger::get("instances").warning("Cannot watch the init of %s (pid %ld): %s", key, static_cast<long>(pid),
                                               std::string(std::strerror(errno)));
        return;
    }
    {
        std::lock_guard guard(mutex_);
        auto it = watched_.find(key);
        if (it != watched_.end()) {
            if (it->second.pid == pid) {
                ::close(fd);
                return;
            }
            // The loop may be polling it: it closes it once the poll is over.
            retired_.push_back(it->second.pidfd);
        }
        watched_[key] = {pid, fd};
    }
    wake();
}

void InitWatch::loop() {
    for (;;) {
        std::vector<pollfd> fds{{wake_, POLLIN, 0}};
        std::vector<std::string> keys;
        {
            std::lock_guard guard(mutex_);
            if (ending_) return;
            for (const auto& [key, w] : watched_) {
                fds.push_back({w.pidfd, POLLIN, 0});
                keys.push_back(key);
            }
        }
        if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) return;
        if (fds[0].revents != 0) {
            uint64_t n;
            if (::read(wake_, &n, sizeof n) < 0) {}
        }
        std::vector<std::pair<std::string, int64_t>> ended;
        {
            std::lock_guard guard(mutex_);
            if (ending_) return;
            for (size_t i = 1; i < fds.size(); i++) {
                if (fds[i].revents == 0) continue;
                // Replaced meanwhile: the new init is watched from the next round.
                auto it = watched_.find(keys[i - 1]);
                if (it == watched_.end() || it->second.pidfd != fds[i].fd) continue;
                ended.emplace_back(it->first, it->second.pid);
                ::close(it->second.pidfd);
                watched_.erase(it);
            }
            for (int fd : retired_) ::close(fd);
            retired_.clear();
        }
        for (const auto& [key, pid] : ended) onExit_(key, pid);
    }
}

}  // namespace lxdp::services
