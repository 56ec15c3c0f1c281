/* Keeps the host's binaries and libraries out of reach of a container's root through
 * /proc/PID/exe and /proc/PID/map_files (CVE-2019-5736).
 *
 * Some processes of ours are inside a container while they still run host code: liblxc's attach
 * child is a fork of the daemon until it execs the command, a container's init a fork of
 * lxdp-forkstart's monitor until it execs the container's init. Root in a privileged container
 * sees them in its pid namespace and can open /proc/PID/exe or /proc/PID/map_files/RANGE (the
 * binary, libc, libstdc++, liblxc, a plugin, any file they map), or keep an O_PATH descriptor of
 * one and reopen it for writing through /proc/self/fd once the binary no longer runs, then
 * replace a file the host runs next as root.
 *
 * A program that calls lxdp_exe_seal() first thing runs on, with all its forks, from read-only
 * bind mounts of the directories of its binary and of every file it maps, attached to no mount
 * namespace: every open of its exe or of a mapped file for writing fails (EROFS; ETXTBSY while
 * the binary runs), and the kernel refuses to make those mounts writable, to clone them or to
 * bind them elsewhere. Nothing is copied and nothing re-executed: the mappings are replaced by the
 * same pages of the same files seen through those mounts, so start-up costs a few system calls
 * per file. Files mapped later (a plugin and the libraries it needs, opened with dlopen) are
 * sealed by lxdp_seal_new_mappings() right after they are loaded.
 *
 * /proc/PID/maps and /proc/self/exe then name the files from their mount's root: "/lxd",
 * "/libc.so.6" (the directory left out). */
#ifndef LXDP_EXE_SEAL_H
#define LXDP_EXE_SEAL_H

#ifdef __cplusplus
extern "C" {
#endif

/* Moves the running program's exe and every private mapping of a file onto read-only, detached
 * bind mounts. Returns 0 when they are there (or on read-only mounts already), -1 with errno set
 * when sealing is not possible here (not root, a kernel older than 5.12) or failed for a file
 * (lxdp_seal_failed_file() names it); the program then runs on, unsealed or partly sealed. Call it
 * while the program has one thread: writable data is copied into the new mappings. Read
 * /proc/self/exe before: afterwards it names the binary without its directory. */
int lxdp_exe_seal(void);

/* Seals, as above, the mappings of files made since (those of a shared object just loaded):
 * call it right after dlopen returns, before any other thread can run code of the new objects or
 * write their data (which is copied). Does nothing, returning 0, in a program whose exe is not
 * sealed: the program runs unsealed anyway, as lxdp_exe_seal() said. */
int lxdp_seal_new_mappings(void);

/* The file whose sealing failed last ("" if none): for the message that says what runs unsealed. */
const char *lxdp_seal_failed_file(void);

#ifdef __cplusplus
}
#endif

#endif
