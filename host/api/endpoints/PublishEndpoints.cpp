// POST /1.0/images from an instance or a snapshot (lxc publish).
#include "api/endpoints/Endpoints.h"
#include "ops/OperationManager.h"
#include "services/ImagePublisher.h"

namespace lxdp::api {

namespace {

nlohmann::json publishResources(const services::PublishRequest& req) {
    nlohmann::json r = {{"instances", {"/1.0/instances/" + req.instance}}};
    if (!req.snapshot.empty())
        r["instances_snapshots"] = {"/1.0/instances/" + req.instance + "/snapshots/" + req.snapshot};
    return r;
}

}  // namespace

Response publishImage(Request& r, daemon::Context& ctx) {
    services::ImagePublisher publisher(ctx.paths, ctx.db, ctx.instances, ctx.images);
    auto req = publisher.prepare(r.project(), r.json());
    auto op = ctx.ops.run(req.imageProject, "Publishing instance",
                          publishResources(req),
                          [publisher, req](ops::Operation& op) mutable {
                              auto image = publisher.publish(req, op);
                              op.updateMetadata({{"fingerprint", image.fingerprint}, {"size", std::to_string(image.size)}});
                          });
    return Response::async(op);
}

}  // namespace lxdp::api
