// /1.0/instances/<name>/metadata and /metadata/templates (container_edit_metadata): what
// `lxc config metadata` and `lxc config template` read and edit.
#include <istream>

#include "api/endpoints/Endpoints.h"
#include "services/InstanceMetadata.h"
#include "services/InstanceService.h"
#include "util/ApiError.h"
#include "util/Hash.h"

namespace lxdp::api {

namespace {

std::string volumeOf(daemon::Context& ctx, Request& r) {
    return ctx.instances.ref(ctx.instances.get(r.project(), r.param("name"))).volumePath;
}

std::string etagOf(const nlohmann::json& metadata) { return util::sha256Hex(metadata.dump()); }

// The raw body of a template upload, refused beyond the template size cap.
std::string templateBody(Request& r) {
    std::string out;
    char buf[65536];
    std::istream& in = r.body();
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        out.append(buf, static_cast<size_t>(in.gcount()));
        if (out.size() > services::kMaxTemplateBytes) throw BadRequest("The template is larger than 1 MiB");
    }
    return out;
}

}  // namespace

void registerMetadataEndpoints(Router& router, daemon::Context& ctx) {
    router.add("GET", instancePaths("/{name}/metadata"), [&ctx](Request& r) {
        auto metadata = services::readInstanceMetadata(volumeOf(ctx, r));
        std::string etag = etagOf(metadata);
        return Response::sync(std::move(metadata), std::move(etag));
    });
    for (const char* method : {"PUT", "PATCH"}) {
        const bool patch = std::string(method) == "PATCH";
        router.add(method, instancePaths("/{name}/metadata"), [&ctx, patch](Request& r) {
            const std::string volume = volumeOf(ctx, r);
            auto current = services::readInstanceMetadata(volume);
            checkIfMatch(r, etagOf(current));
            const auto& body = r.json();
            if (!body.is_object()) throw BadRequest("The metadata must be an object");
            if (patch) {
                for (const auto& [k, v] : body.items()) current[k] = v;
                services::writeInstanceMetadata(volume, current);
            } else {
                services::writeInstanceMetadata(volume, body);
            }
            return Response::sync(nullptr);
        });
    }

    const auto templates = instancePaths("/{name}/metadata/templates");
    router.add("GET", templates, [&ctx](Request& r) {
        const std::string volume = volumeOf(ctx, r);
        if (!r.hasQuery("path")) return Response::sync(services::templateNames(volume));
        return Response::raw(services::readTemplate(volume, r.query("path")), {});
    });
    // POST creates, PUT replaces: both write the body as the template's content.
    for (const char* method : {"POST", "PUT"}) {
        router.add(method, templates, [&ctx](Request& r) {
            const std::string volume = volumeOf(ctx, r);
            services::writeTemplate(volume, r.query("path"), templateBody(r));
            return Response::sync(nullptr);
        });
    }
    router.add("DELETE", templates, [&ctx](Request& r) {
        services::removeTemplate(volumeOf(ctx, r), r.query("path"));
        return Response::sync(nullptr);
    });
}

}  // namespace lxdp::api
