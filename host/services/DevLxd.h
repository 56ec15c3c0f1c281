// /dev/lxd (spec 3.5.4): one socket, $LXD_DIR/devlxd/sock, which the instance driver
// bind-mounts into every container with security.devlxd not false (as the directory /dev/lxd).
// A request is answered for the instance the caller runs in, found from the socket's peer
// credentials (SO_PEERCRED: the caller's pid as the host sees it, whose pid namespace must be
// that of a running instance); anyone else gets 404. Plain HTTP, JSON answers, no envelope.
#pragma once

#include <memory>
#include <string>

#include "api/Router.h"

namespace lxdp::api { class HttpServer; }
namespace lxdp::db { class Database; }

namespace lxdp::services {

class InstanceService;

class DevLxd {
public:
    DevLxd(const std::string& varDir, db::Database& db, InstanceService& instances);
    ~DevLxd();
    // Binds $LXD_DIR/devlxd/sock (mode 0666: every container's root connects) and serves it.
    void start();
    void stop();

private:
    void routes();

    std::string dir_;
    db::Database& db_;
    InstanceService& instances_;
    api::Router router_;
    std::unique_ptr<api::HttpServer> server_;
};

}  // namespace lxdp::services
