// What the daemon does for the host's boot and shutdown: autostart instances when it starts,
// stop them in order when the host goes down (SIGPWR, `lxd shutdown`), and remember which
// were running so the next start brings them back.
#pragma once

namespace lxdp::db { class Database; }

namespace lxdp::services {

class InstanceService;

class HostLifecycle {
public:
    HostLifecycle(db::Database& db, InstanceService& instances) : db_(db), instances_(instances) {}

    // Starts, in the background, every instance with boot.autostart=true, or with boot.autostart
    // unset that was running at the last host shutdown; by boot.autostart.priority, highest
    // first, waiting boot.autostart.delay seconds after each.
    void autostart();

    // Stops every running instance, highest boot.stop.priority first, each given
    // boot.host_shutdown_timeout seconds (default 30) before it is killed. Blocks until done.
    void shutdownInstances();

private:
    db::Database& db_;
    InstanceService& instances_;
};

}  // namespace lxdp::services
