// The data dir layout, as upstream's, so tools and tests that know LXD find their way.
#pragma once

#include <string>

namespace lxdp::daemon {

struct Paths {
    explicit Paths(std::string varDir);

    std::string varDir;      // $LXD_DIR, default /var/lib/lxd
    std::string socket;      // unix.socket
    std::string database;    // database/local.db
    std::string images;      // images/<fingerprint>
    std::string logs;        // logs/<instance>/
    std::string cache;
    std::string containers;  // containers/<instance> -> the instance volume
    std::string storagePools;

    // Creates the directories with upstream's modes.
    void create() const;
};

// $LXD_DIR or the default.
std::string defaultVarDir();

}  // namespace lxdp::daemon
