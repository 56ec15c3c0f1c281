/* A unix socket server for the proxy device test, built static so that it runs in the busybox
 * container: unix_peercred PATH UID GID becomes UID:GID, listens on PATH (mode 0700, so only its
 * owner and root may connect), detaches, and tells every client the uid and gid it connected
 * with ("uid=U gid=G"), as the kernel gives them (SO_PEERCRED). */
#define _GNU_SOURCE
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s PATH UID GID\n", argv[0]);
        return 2;
    }
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);
    gid_t gid = (gid_t)atoi(argv[3]);
    if (setgroups(1, &gid) != 0 || setgid(gid) != 0 || setuid((uid_t)atoi(argv[2])) != 0) {
        perror("unix_peercred: ids");
        return 1;
    }
    unlink(argv[1]);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || chmod(argv[1], 0700) != 0 ||
        listen(fd, 8) != 0) {
        perror("unix_peercred");
        return 1;
    }
    if (daemon(0, 0) != 0)
        return 1;
    for (;;) {
        int c = accept(fd, NULL, NULL);
        if (c < 0)
            continue;
        struct ucred cred;
        socklen_t len = sizeof cred;
        char buf[64];
        if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
            int n = snprintf(buf, sizeof buf, "uid=%u gid=%u\n", cred.uid, cred.gid);
            if (write(c, buf, (size_t)n) < 0) {
            }
        }
        close(c);
    }
}
