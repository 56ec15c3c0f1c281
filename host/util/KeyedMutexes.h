// Mutexes named by a key (an instance, an image on a pool), made on first use and gone once no
// caller holds theirs: a map keeping one for every key ever locked would grow by an entry for
// each instance or image ever created, deleted ones included.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace lxdp::util {

class KeyedMutexes {
public:
    // The mutex of key: every caller gets the same one while any of them holds it. Keep the
    // pointer for as long as the mutex is locked.
    std::shared_ptr<std::mutex> get(const std::string& key);
    // Keys with a mutex someone holds (tests).
    size_t size();

private:
    std::mutex mutex_;
    std::map<std::string, std::weak_ptr<std::mutex>> byKey_;
};

}  // namespace lxdp::util
