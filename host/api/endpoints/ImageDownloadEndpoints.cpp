// POST /1.0/images from an image server (lxc image copy REMOTE:IMAGE local:) or an image URL
// (lxc image import https://...), and the image server part of POST /1.0/instances (lxc launch
// REMOTE:IMAGE): the request is checked before any connection, the download runs in the
// operation.
#include "api/endpoints/Endpoints.h"
#include "config/Names.h"
#include "config/Validators.h"
#include "db/Database.h"
#include "ops/OperationManager.h"
#include "services/ImageService.h"
#include "services/ProjectFeatures.h"
#include "services/RemoteImages.h"
#include "util/ApiError.h"

namespace lxdp::api {

Response downloadImage(Request& r, daemon::Context& ctx) {
    const auto& body = r.json();
    auto source = services::RemoteImages::parse(body.value("source", nlohmann::json::object()));
    if (!source) throw BadRequest("No image server given");
    services::RemoteImageOptions options;
    options.isPublic = body.value("public", false);
    options.autoUpdate = body.value("auto_update", false);
    const std::string imagesIn = services::imageProject(ctx.db, r.project());
    // The aliases to create are checked before the download, so a taken name costs nothing.
    std::vector<db::AliasRecord> aliases;
    if (body.contains("aliases") && body["aliases"].is_array()) {
        for (const auto& a : body["aliases"]) {
            db::AliasRecord alias{imagesIn, a.value("name", ""), "", a.value("description", "")};
            config::checkImageAliasName(alias.name);
            if (ctx.db.alias(imagesIn, alias.name)) throw Conflict("Alias \"" + alias.name + "\" already exists");
            aliases.push_back(alias);
        }
    }
    const std::string project = r.project();
    auto op = ctx.ops.run(imagesIn, "Downloading image", nullptr,
                          [&ctx, project, source = *source, options, aliases](ops::Operation& op) {
                              auto image = ctx.remoteImages.obtain(project, source, options, op);
                              for (auto alias : aliases) {
                                  alias.target = image.fingerprint;
                                  ctx.images.createAlias(alias);
                              }
                              op.updateMetadata({{"fingerprint", image.fingerprint}, {"size", std::to_string(image.size)}});
                          });
    return Response::async(op);
}

nlohmann::json localImageSource(daemon::Context& ctx, const std::string& project, const nlohmann::json& source,
                                ops::Operation& op) {
    auto remote = services::RemoteImages::parse(source);
    if (!remote) return source;
    // Downloaded for the instance: cached, and kept fresh when asked by alias
    // (images.auto_update_cached, true by default).
    const auto config = ctx.db.serverConfig();
    const auto autoUpdateCached = config.find("images.auto_update_cached");
    services::RemoteImageOptions options;
    options.cached = true;
    options.autoUpdate = source.value("alias", "") != "" &&
                         (autoUpdateCached == config.end() || config::isTrue(autoUpdateCached->second));
    const auto image = ctx.remoteImages.obtain(project, *remote, options, op);
    auto local = source;
    local["fingerprint"] = image.fingerprint;
    local.erase("alias");
    local.erase("server");
    return local;
}

}  // namespace lxdp::api
