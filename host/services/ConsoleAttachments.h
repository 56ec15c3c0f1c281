// Which instances have a client attached to their console: one at a time, as upstream's (a
// second `lxc console` is refused while the first stays attached, never taken over).
#pragma once

#include <mutex>
#include <set>
#include <string>
#include <utility>

namespace lxdp::services {

class ConsoleAttachments {
public:
    // Marks the instance's console as attached; false when it already was.
    bool claim(const std::string& project, const std::string& instance);
    // The client detached (or never got to attach).
    void release(const std::string& project, const std::string& instance);

private:
    std::mutex mutex_;
    std::set<std::pair<std::string, std::string>> attached_;
};

}  // namespace lxdp::services
