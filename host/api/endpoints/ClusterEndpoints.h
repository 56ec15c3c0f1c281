// The /1.0/cluster routes of a standalone server. Apart from Endpoints.h, which every endpoint
// file includes: only the daemon needs this declaration.
#pragma once

#include "api/Router.h"
#include "daemon/Context.h"

namespace lxdp::api {

void registerClusterEndpoints(Router& router, daemon::Context& ctx);

}  // namespace lxdp::api
