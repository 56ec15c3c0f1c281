#include "services/DevLxd.h"

#include <Poco/Logger.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>

#include "api/HttpServer.h"
#include "api/Request.h"
#include "api/Response.h"
#include "api/WebSocket.h"
#include "db/Database.h"
#include "events/EventHub.h"
#include "services/DevLxdEvents.h"
#include "services/ImageService.h"
#include "services/InstanceService.h"
#include "services/ProjectFeatures.h"
#include "util/ApiError.h"

namespace lxdp::services {

namespace {

api::Response json(const nlohmann::json& body) { return api::Response::raw(body.dump(), {}, "application/json"); }

std::optional<ino_t> pidNamespace(int64_t pid) {
    struct stat st;
    if (pid <= 0 || ::stat(("/proc/" + std::to_string(pid) + "/ns/pid").c_str(), &st) != 0) return std::nullopt;
    return st.st_ino;
}

bool isTrue(const std::string& value) { return value == "true" || value == "1" || value == "yes" || value == "on"; }

bool devlxdEnabled(const db::StringMap& config) {
    auto it = config.find("security.devlxd");
    return it == config.end() || it->second.empty() || isTrue(it->second);
}

}  // namespace

DevLxd::DevLxd(const std::string& varDir, db::Database& db, InstanceService& instances, ImageService& images,
               events::EventHub& events)
    : dir_(varDir + "/devlxd"), db_(db), instances_(instances), images_(images), events_(events) {
    routes();
}

DevLxd::~DevLxd() { stop(); }

void DevLxd::routes() {
    // The running instance the caller is in, with its expanded config; 404 for anyone else.
    auto caller = [this](api::Request& r) {
        const auto ns = pidNamespace(r.requestor().pid);
        if (ns && *ns != *pidNamespace(::getpid()))
            for (const auto& project : db_.projects())
                for (const auto& rec : db_.instances(project.name)) {
                    const auto ex = instances_.expand(rec);
                    if (!devlxdEnabled(ex.config)) continue;
                    try {
                        const auto st = instances_.driver(rec).state(instances_.ref(rec));
                        if (st.pid > 0 && pidNamespace(st.pid) == ns) return std::make_pair(rec, ex);
                    } catch (const std::exception&) {
                    }
                }
        throw NotFound("No instance found for this caller");
    };
    router_.add("GET", "/", [](api::Request&) { return json({"/1.0"}); });
    router_.add("GET", "/1.0", [caller](api::Request& r) {
        caller(r);
        return json({{"api_version", "1.0"}});
    });
    router_.add("GET", "/1.0/config", [caller](api::Request& r) {
        nlohmann::json keys = nlohmann::json::array();
        for (const auto& [key, value] : caller(r).second.config)
            if (key.rfind("user.", 0) == 0) keys.push_back("/1.0/config/" + key);
        return json(keys);
    });
    router_.add("GET", "/1.0/config/{key}", [caller](api::Request& r) {
        const auto config = caller(r).second.config;
        const std::string key = r.param("key");
        auto it = config.find(key);
        if (key.rfind("user.", 0) != 0 || it == config.end()) throw NotFound("Configuration key not found");
        return api::Response::raw(it->second, {}, "text/plain");
    });
    router_.add("GET", "/1.0/meta-data", [caller](api::Request& r) {
        const auto [rec, ex] = caller(r);
        std::string out = "#cloud-config\ninstance-id: " + rec.name + "\nlocal-hostname: " + rec.name + "\n";
        if (auto it = ex.config.find("user.meta-data"); it != ex.config.end()) out += it->second + "\n";
        return api::Response::raw(out, {}, "text/plain");
    });
    router_.add("GET", "/1.0/devices", [caller](api::Request& r) { return json(caller(r).second.devices); });
    router_.add("GET", "/1.0/events", [this, caller](api::Request& r) {
        const std::string types = r.query("type");
        devLxdEventTypes(types);  // refused before the upgrade
        return streamEvents(r, caller(r).first, types);
    });
    router_.add("GET", "/1.0/images/{fp}/export", [this, caller](api::Request& r) {
        const auto [rec, ex] = caller(r);
        auto it = ex.config.find("security.devlxd.images");
        if (it == ex.config.end() || !isTrue(it->second)) throw Forbidden("Image export is not allowed (security.devlxd.images)");
        // A guest reaches only what any client could fetch from the host: public or cached images.
        const std::string fp = r.param("fp");
        const auto image = images_.resolve(imageProject(db_, rec.project), fp);
        if (!image.isPublic && !image.cached) throw NotFound("Image not found");
        return images_.exportResponse(image);
    });
}

api::Response DevLxd::streamEvents(api::Request& r, const db::InstanceRecord& rec, const std::string& typeList) {
    const auto types = devLxdEventTypes(typeList);
    auto view = devLxdView(instances_.expand(rec));
    // Any change in any project may change what the instance sees (its profiles may live in
    // the default project): its view is compared again at every lifecycle event.
    auto listener = events_.subscribe({"lifecycle"}, rec.project, true, false);
    try {
        api::WebSocket ws(r);
        while (!listener->closed()) {
            if (listener->next(200)) {
                // Deleted or renamed: get() throws and the stream is over.
                const auto now = instances_.get(rec.project, rec.name);
                auto next = devLxdView(instances_.expand(now));
                for (const auto& change : devLxdChanges(view, next, types))
                    if (!ws.sendText(change.dump())) throw std::runtime_error("client gone");
                view = std::move(next);
                continue;
            }
            auto msg = ws.receive(0);
            if (msg && msg->kind == api::WebSocket::Kind::Closed) break;
        }
    } catch (const std::exception&) {
        // The client went away or the connection broke: nothing to answer any more.
    }
    events_.unsubscribe(listener);
    return api::Response::handled();
}

void DevLxd::start() {
    if (::mkdir(dir_.c_str(), 0755) != 0 && errno != EEXIST) throw InternalError("cannot create " + dir_);
    ::chmod(dir_.c_str(), 0755);
    const std::string path = dir_ + "/sock";
    ::unlink(path.c_str());
    Poco::Net::ServerSocket socket;
    socket.bind(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, path), false);
    socket.listen(64);
    ::chmod(path.c_str(), 0666);
    server_ = std::make_unique<api::HttpServer>(router_, socket, [](Poco::Net::HTTPServerRequest& http) {
        api::Requestor who;
        who.protocol = "devlxd";
        ucred cred{};
        socklen_t len = sizeof cred;
        const int fd = static_cast<Poco::Net::HTTPServerRequestImpl&>(http).socket().impl()->sockfd();
        if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) who.pid = cred.pid;
        return who;
    });
    server_->start();
}

void DevLxd::stop() {
    if (!server_) return;
    server_->stop();
    server_.reset();
    ::unlink((dir_ + "/sock").c_str());
}

}  // namespace lxdp::services
