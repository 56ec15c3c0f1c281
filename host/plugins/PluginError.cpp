#include "plugins/PluginError.h"

#include <lxdp/instance.h>
#include <lxdp/storage.h>

namespace lxdp::plugins {

PluginError::PluginError(lxdp_status code, const std::string& message)
    : ApiError(httpStatus(code), message), code_(code) {}

int PluginError::httpStatus(lxdp_status code) {
    switch (code) {
    case LXDP_E_NOTFOUND: return 404;
    case LXDP_E_EXISTS:
    case LXDP_E_BUSY: return 409;
    case LXDP_E_INVAL:
    case LXDP_E_NOTSUP:
    case LXDP_E_STORAGE_CANNOT_SHRINK:
    case LXDP_E_INSTANCE_RUNNING:
    case LXDP_E_INSTANCE_NOT_RUNNING: return 400;
    default: return 500;  // unknown codes included, as abi.h says
    }
}

}  // namespace lxdp::plugins
