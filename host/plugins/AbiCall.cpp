#include "plugins/AbiCall.h"

#include <cstring>

namespace lxdp::plugins {

AbiCall::AbiCall(const std::string& driver, const char* op) : driver_(driver), op_(op) {
    err_.struct_size = sizeof err_;
}

void AbiCall::check(lxdp_status rc) {
    if (pending_) std::rethrow_exception(pending_);
    if (rc == LXDP_OK) return;
    // The plugin may have filled the buffer to the brim.
    err_.message[sizeof err_.message - 1] = '\0';
    std::string message = err_.message;
    if (message.empty()) message = driver_ + ": " + op_ + " failed (status " + std::to_string(rc) + ")";
    throw PluginError(rc, message);
}

KvList::KvList(const std::map<std::string, std::string>& map) {
    items_.reserve(map.size());
    for (const auto& [key, value] : map) items_.push_back(lxdp_kv{key.c_str(), value.c_str()});
    list_ = lxdp_kv_list{sizeof(lxdp_kv_list), static_cast<uint32_t>(items_.size()), items_.data()};
}

KvCollector::KvCollector(AbiCall& call) : call_(call) {
    sink_ = lxdp_kv_sink{sizeof(lxdp_kv_sink), 0,
                         [](void* ctx, const char* key, const char* value) {
                             auto* self = static_cast<KvCollector*>(ctx);
                             if (key == nullptr) return;
                             self->call_.guard([&] { self->values_[key] = value ? value : ""; });
                         },
                         this};
}

}  // namespace lxdp::plugins
