/* Makes one intercepted system call inside a container, where busybox has no applet for it:
 *   syscall_probe setxattr PATH NAME VALUE      setxattr(2), flags 0
 *   syscall_probe mknodat DIR NAME MAJOR MINOR  mknodat(2) of a character device relative to DIR
 * Prints "ok", or the error's text and exits 1. Built static by syscall_intercept_test.sh. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int ret;
    if (argc == 5 && strcmp(argv[1], "setxattr") == 0) {
        ret = setxattr(argv[2], argv[3], argv[4], strlen(argv[4]), 0);
    } else if (argc == 6 && strcmp(argv[1], "mknodat") == 0) {
        int dir = open(argv[2], O_RDONLY | O_DIRECTORY);
        if (dir < 0) {
            printf("open %s: %s\n", argv[2], strerror(errno));
            return 1;
        }
        ret = mknodat(dir, argv[3], S_IFCHR | 0666, makedev(atoi(argv[4]), atoi(argv[5])));
    } else {
        fprintf(stderr, "usage: %s setxattr PATH NAME VALUE | mknodat DIR NAME MAJOR MINOR\n", argv[0]);
        return 2;
    }
    if (ret != 0) {
        printf("%s\n", strerror(errno));
        return 1;
    }
    printf("ok\n");
    return 0;
}
