#include "services/InstanceExpansion.h"

namespace lxdp::services {

Expanded expandInstance(const db::InstanceRecord& rec, const ProfileLookup& profileOf) {
    Expanded ex;
    for (const auto& name : rec.profiles) {
        const db::ProfileRecord* p = profileOf(name);
        if (p == nullptr) continue;
        for (const auto& [k, v] : p->config) ex.config[k] = v;
        for (const auto& [k, v] : p->devices) ex.devices[k] = v;
    }
    for (const auto& [k, v] : rec.config) ex.config[k] = v;
    for (const auto& [k, v] : rec.devices) ex.devices[k] = v;
    return ex;
}

}  // namespace lxdp::services
