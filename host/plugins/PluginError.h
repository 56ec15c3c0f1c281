// A plugin call that failed, as the client sees it: the plugin's message with the HTTP status its
// lxdp_status maps to, and the status itself for callers that branch on it.
#pragma once

#include <string>

#include <lxdp/abi.h>

#include "util/ApiError.h"

namespace lxdp::plugins {

class PluginError : public ApiError {
public:
    PluginError(lxdp_status code, const std::string& message);
    lxdp_status code() const noexcept { return code_; }

    // NOTFOUND 404; EXISTS, BUSY 409; INVAL, NOTSUP, STORAGE_CANNOT_SHRINK, INSTANCE_(NOT_)RUNNING 400;
    // else 500.
    static int httpStatus(lxdp_status code);

private:
    lxdp_status code_;
};

}  // namespace lxdp::plugins
