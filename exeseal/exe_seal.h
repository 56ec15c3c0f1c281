/* Keeps the host's binaries out of reach of a container's root through /proc/PID/exe
 * (CVE-2019-5736).
 *
 * Some processes of ours are inside a container while they still run a host binary: liblxc's
 * attach child is a fork of the daemon until it execs the command, a container's init a fork of
 * lxdp-forkstart's monitor until it execs the container's init. Root in a privileged container
 * sees them in its pid namespace and can open /proc/PID/exe (or /proc/PID/map_files/...), or keep
 * an O_PATH descriptor of it and reopen that for writing through /proc/self/fd once the binary no
 * longer runs, then replace the binary the host runs next as root.
 *
 * A program that calls lxdp_exe_seal() first thing runs on, with all its forks, from a read-only
 * bind mount of its binary that is attached to no mount namespace: every open of its exe or of
 * the mappings of its binary for writing fails (EROFS; ETXTBSY while it runs), and the kernel
 * refuses to make that mount writable, to clone it or to bind it elsewhere. Nothing is copied
 * and nothing re-executed: the program's mappings of its binary are replaced by the same pages
 * of the same file seen through that mount, so start-up costs a few system calls. */
#ifndef LXDP_EXE_SEAL_H
#define LXDP_EXE_SEAL_H

#ifdef __cplusplus
extern "C" {
#endif

/* Moves the running program's exe and its mappings of its binary onto a read-only, detached bind
 * mount of that binary. Returns 0 when they are there (or the binary is on a read-only mount
 * already), -1 with errno set when sealing is not possible here (not root, a kernel older than
 * 5.12) or failed; the program then runs on, unsealed. Call it while the program has one thread:
 * its writable data is copied into the new mappings. /proc/self/exe names the binary no more
 * afterwards (it reads "/"), so read it before. */
int lxdp_exe_seal(void);

#ifdef __cplusplus
}
#endif

#endif
