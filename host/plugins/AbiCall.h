// Plumbing shared by the adapters for one call through a plugin table: the zeroed lxdp_error,
// the NOTSUP rule for NULL members, exceptions of host callbacks kept until the plugin returns,
// and the conversions of host maps into borrowed lxdp_kv_lists and back from lxdp_kv_sinks.
#pragma once

#include <exception>
#include <map>
#include <string>
#include <vector>

#include <lxdp/abi.h>

#include "plugins/PluginError.h"

namespace lxdp::plugins {

class AbiCall {
public:
    AbiCall(const std::string& driver, const char* op);
    AbiCall(const AbiCall&) = delete;
    AbiCall& operator=(const AbiCall&) = delete;

    // The function to call, or PluginError NOTSUP when the driver leaves it NULL.
    template <class Fn>
    Fn* require(Fn* fn) const {
        if (fn == nullptr) throw PluginError(LXDP_E_NOTSUP, driver_ + " does not support " + op_);
        return fn;
    }

    lxdp_error* err() { return &err_; }

    // Runs a host callback on the plugin's behalf. No exception may cross the C boundary, so the
    // first one is kept and check() rethrows it unchanged (its ApiError status included).
    template <class F>
    bool guard(F&& f) noexcept {
        try {
            f();
            return true;
        } catch (...) {
            if (!pending_) pending_ = std::current_exception();
            return false;
        }
    }

    // After the call: a callback's exception first, else PluginError for a failed status.
    void check(lxdp_status rc);

private:
    const std::string& driver_;
    const char* op_;
    lxdp_error err_{};
    std::exception_ptr pending_;
};

// A view of a host map as lxdp_kv_list; it borrows the map's strings, so the map must outlive it.
class KvList {
public:
    explicit KvList(const std::map<std::string, std::string>& map);
    KvList(const KvList&) = delete;  // list_ points into items_
    KvList& operator=(const KvList&) = delete;
    const lxdp_kv_list* get() const { return &list_; }

private:
    std::vector<lxdp_kv> items_;
    lxdp_kv_list list_;
};

// An lxdp_kv_sink that copies what the plugin reports into a map.
class KvCollector {
public:
    explicit KvCollector(AbiCall& call);
    KvCollector(const KvCollector&) = delete;
    KvCollector& operator=(const KvCollector&) = delete;

    const lxdp_kv_sink* sink() const { return &sink_; }
    std::map<std::string, std::string> take() { return std::move(values_); }

private:
    AbiCall& call_;
    std::map<std::string, std::string> values_;
    lxdp_kv_sink sink_;
};

}  // namespace lxdp::plugins
