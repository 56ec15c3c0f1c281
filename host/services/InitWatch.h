// Notice of the end of a running instance's init, whoever ended it: a halt or poweroff inside, a
// crash, or the daemon's own stop. One thread polls a pidfd per watched init; the callback runs
// on that thread, with no lock of this class held.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace lxdp::services {

class InitWatch {
public:
    // key: the instance's "<project>/<name>"; pid: the init that ended.
    using Callback = std::function<void(const std::string& key, int64_t pid)>;

    explicit InitWatch(Callback onExit);
    ~InitWatch();  // stops the thread; no callback runs after it
    InitWatch(const InitWatch&) = delete;
    InitWatch& operator=(const InitWatch&) = delete;

    // Watches pid as key's init, in place of an earlier one. An init that is gone already is not
    // reported (the caller, who just read its pid, is about to see that).
    void watch(const std::string& key, int64_t pid);

private:
    struct Watched {
        int64_t pid;
        int pidfd;
    };
    void loop();
    void wake();

    Callback onExit_;
    std::mutex mutex_;
    std::map<std::string, Watched> watched_;
    std::vector<int> retired_;  // pidfds replaced while the loop may poll them
    int wake_ = -1;  // eventfd: the set changed, or the thread is to end
    bool ending_ = false;
    std::thread thread_;
};

}  // namespace lxdp::services
