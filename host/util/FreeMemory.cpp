#include "util/FreeMemory.h"

#include <malloc.h>

#include <algorithm>
#include <thread>

namespace lxdp::util {

void limitMallocArenas() {
    const unsigned cores = std::max(2u, std::thread::hardware_concurrency());
    ::mallopt(M_ARENA_MAX, static_cast<int>(cores));
}

void releaseFreeMemory() { ::malloc_trim(0); }

}  // namespace lxdp::util
