#include "api/endpoints/Endpoints.h"
#include "services/resources/HostResources.h"

namespace lxdp::api {

void registerResourceEndpoints(Router& router, daemon::Context&) {
    // Read anew at each request: memory use, link state and hot-plugged devices change.
    router.add("GET", "/1.0/resources", [](Request&) { return Response::sync(services::resources::hostResources()); });
}

}  // namespace lxdp::api
