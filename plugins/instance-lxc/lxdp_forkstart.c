/* lxdp-forkstart NAME LXCPATH: starts liblxc's container NAME of LXCPATH from its saved config,
 * daemonized, and exits 0 once it runs or 1 when it could not start (liblxc writes why to the
 * container's lxc.log, which the config names).
 *
 * instance-lxc runs this instead of starting containers from the daemon because liblxc's monitor,
 * which stays for as long as the container runs, is a fork of the process that called start():
 * a fork of the daemon kept every page of the daemon's libraries and heap resident, a fork of this
 * program holds liblxc and libc only. It links nothing but liblxc and is installed beside the
 * plugin (upstream's equivalent is `lxd forkstart`). */
#include "exe_seal.h"

#include <lxc/lxccontainer.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    /* The monitor and the container's init are forks of this process, and the init is inside the
     * container until it execs: this program runs from read-only mounts of itself and of the
     * libraries it maps first (exe_seal.h, CVE-2019-5736). */
    if (lxdp_exe_seal() != 0)
        fprintf(stderr, "Warning: %s runs unsealed, its files reachable from privileged containers: %s%s%s%s\n",
                argv[0], strerror(errno), *lxdp_seal_failed_file() ? " (" : "", lxdp_seal_failed_file(),
                *lxdp_seal_failed_file() ? ")" : "");
    if (argc != 3) {
        fprintf(stderr, "usage: %s NAME LXCPATH\n", argv[0]);
        return 2;
    }
    struct lxc_container *c = lxc_container_new(argv[1], argv[2]);
    if (c == NULL || !c->is_defined(c)) {
        fprintf(stderr, "No liblxc container \"%s\" in %s\n", argv[1], argv[2]);
        return 1;
    }
    /* The monitor detaches from this short-lived process and keeps none of its descriptors. */
    c->want_daemonize(c, true);
    c->want_close_all_fds(c, true);
    int started = c->start(c, 0, NULL);
    lxc_container_put(c);
    return started ? 0 : 1;
}
