// systemd socket activation with sd_listen_fds() semantics, without libsystemd: lxd.socket binds
// $LXD_DIR/unix.socket (owner, group and mode set there) and passes it as fd 3.
#pragma once

#include <Poco/Net/ServerSocket.h>

#include <optional>

namespace lxdp::api {

// The listening unix socket passed to this process (LISTEN_PID is ours, LISTEN_FDS >= 1), or
// nothing. Clears LISTEN_* either way so that the processes the daemon starts do not take it.
std::optional<Poco::Net::ServerSocket> activatedSocket();

}  // namespace lxdp::api
