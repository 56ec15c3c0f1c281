// /dev/lxd (spec 3.5.4): one socket, $LXD_DIR/devlxd/sock, which the instance driver
// bind-mounts into every container with security.devlxd not false (as the directory /dev/lxd).
// A request is answered for the instance the caller runs in, found from the socket's peer
// credentials (SO_PEERCRED: the caller's pid as the host sees it, whose pid namespace must be
// that of a running instance); anyone else gets 404. Plain HTTP, JSON answers, no envelope.
// /1.0/events is a websocket of the instance's config and device changes; images export only
// with security.devlxd.images=true, and only public or cached images, as upstream.
#pragma once

#include <memory>
#include <string>

#include "api/Router.h"
#include "db/Records.h"

namespace lxdp::api { class HttpServer; }
namespace lxdp::db { class Database; }
namespace lxdp::events { class EventHub; }

namespace lxdp::services {

class ImageService;
class InstanceService;

class DevLxd {
public:
    DevLxd(const std::string& varDir, db::Database& db, InstanceService& instances, ImageService& images,
           events::EventHub& events);
    ~DevLxd();
    // Binds $LXD_DIR/devlxd/sock (mode 0666: every container's root connects) and serves it.
    void start();
    void stop();

private:
    void routes();
    // Streams the changes of one instance to a websocket until the client or the daemon goes.
    api::Response streamEvents(api::Request& r, const db::InstanceRecord& rec, const std::string& types);

    std::string dir_;
    db::Database& db_;
    InstanceService& instances_;
    ImageService& images_;
    events::EventHub& events_;
    api::Router router_;
    std::unique_ptr<api::HttpServer> server_;
};

}  // namespace lxdp::services
