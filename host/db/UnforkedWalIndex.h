// Keeps the database's WAL index out of every fork of the daemon.
//
// SQLite maps the database's -shm file (its WAL index) shared and writable. liblxc's attach
// children are forks of the daemon that stay inside a container until they exec, and root of a
// privileged container may open /proc/PID/map_files of what they map: through an inherited -shm
// mapping it could write the index the daemon reads its database through. Every other file the
// daemon maps is on a read-only mount (exe_seal.h); this one must stay writable, so it is left
// out of forks instead (MADV_DONTFORK: no fork uses the database).
#pragma once

namespace lxdp::db {

// Makes the default SQLite VFS one that maps each WAL index region as the default one does and
// marks it not to be inherited by forks. Once per process (later calls do nothing); call before
// opening a database.
void useUnforkedWalIndex();

}  // namespace lxdp::db
