// The id map JSON of volatile.idmap.* / volatile.last_state.idmap (hand-written reader in the
// lxc plugin): parse, and a parsed map must print back to what parses to the same map.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "lxc_idmap.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        const auto map = lxdp_lxc::idmap_from_json(std::string_view(reinterpret_cast<const char*>(data), size));
        if (lxdp_lxc::idmap_from_json(lxdp_lxc::idmap_to_json(map)) != map) std::abort();
        lxdp_lxc::idmap_lxc_values(map);
        for (int64_t id : {int64_t(0), int64_t(1000), int64_t(65535)}) {
            lxdp_lxc::idmap_to_host(map, id, true);
            lxdp_lxc::idmap_to_ns(map, id, false);
        }
    } catch (const lxdp_lxc::Error&) {
    }
    return 0;
}
