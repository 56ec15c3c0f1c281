// POST /1.0/images from an instance (lxc publish).
#include "api/endpoints/Endpoints.h"
#include "ops/OperationManager.h"
#include "services/ImagePublisher.h"

namespace lxdp::api {

Response publishImage(Request& r, daemon::Context& ctx) {
    services::ImagePublisher publisher(ctx.paths, ctx.db, ctx.instances, ctx.images);
    auto req = publisher.prepare(r.project(), r.json());
    auto op = ctx.ops.run(req.imageProject, "Publishing instance",
                          {{"instances", {"/1.0/instances/" + req.instance}}},
                          [publisher, req](ops::Operation& op) mutable {
                              auto image = publisher.publish(req, op);
                              op.updateMetadata({{"fingerprint", image.fingerprint}, {"size", std::to_string(image.size)}});
                          });
    return Response::async(op);
}

}  // namespace lxdp::api
