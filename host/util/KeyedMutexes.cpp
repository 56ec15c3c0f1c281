#include "util/KeyedMutexes.h"

namespace lxdp::util {

std::shared_ptr<std::mutex> KeyedMutexes::get(const std::string& key) {
    std::lock_guard guard(mutex_);
    // Entries whose mutex nobody holds any more go first: the map holds what is in use.
    std::erase_if(byKey_, [](const auto& entry) { return entry.second.expired(); });
    auto& weak = byKey_[key];
    auto held = weak.lock();
    if (!held) {
        held = std::make_shared<std::mutex>();
        weak = held;
    }
    return held;
}

size_t KeyedMutexes::size() {
    std::lock_guard guard(mutex_);
    std::erase_if(byKey_, [](const auto& entry) { return entry.second.expired(); });
    return byKey_.size();
}

}  // namespace lxdp::util
