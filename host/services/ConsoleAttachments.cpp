#include "services/ConsoleAttachments.h"

namespace lxdp::services {

bool ConsoleAttachments::claim(const std::string& project, const std::string& instance) {
    std::lock_guard lock(mutex_);
    return attached_.emplace(project, instance).second;
}

void ConsoleAttachments::release(const std::string& project, const std::string& instance) {
    std::lock_guard lock(mutex_);
    attached_.erase({project, instance});
}

}  // namespace lxdp::services
