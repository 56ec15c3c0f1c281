#define _GNU_SOURCE
#include "exe_seal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* A mapping of the binary, as /proc/self/maps shows it. */
struct mapping {
    uintptr_t start, end;
    off_t offset;
    int prot;
};

/* An executable has a handful of them (headers, text, read-only data, RELRO, data). */
#define MAX_MAPPINGS 16

struct range {
    uintptr_t start, end;
};

static int runs_from_readonly_mount(void) {
    struct statvfs st;
    return statvfs("/proc/self/exe", &st) == 0 && (st.f_flag & ST_RDONLY) != 0;
}

static int single_threaded(void) {
    DIR *tasks = opendir("/proc/self/task");
    if (tasks == NULL)
        return 0;
    int n = 0;
    for (struct dirent *e; (e = readdir(tasks)) != NULL;)
        n += e->d_name[0] != '.';
    closedir(tasks);
    return n == 1;
}

/* The main program's PT_GNU_RELRO: pages the loader wrote relocations into, then made read-only;
 * the file no longer holds what they hold. */
static int find_relro(struct dl_phdr_info *info, size_t size, void *data) {
    struct range *relro = data;
    for (int i = 0; i < info->dlpi_phnum; i++)
        if (info->dlpi_phdr[i].p_type == PT_GNU_RELRO) {
            relro->start = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr;
            relro->end = relro->start + info->dlpi_phdr[i].p_memsz;
        }
    return 1; /* the first object is the main program */
}

/* The mappings of path (inode ino): the binary, as the kernel and the loader mapped it. */
static int find_mappings(const char *path, ino_t ino, struct mapping *out) {
    FILE *maps = fopen("/proc/self/maps", "re");
    if (maps == NULL)
        return -1;
    char line[PATH_MAX + 128];
    int n = 0;
    while (fgets(line, sizeof line, maps) != NULL) {
        unsigned long start, end, inode;
        unsigned long long offset;
        char perms[5];
        int at = 0;
        if (sscanf(line, "%lx-%lx %4s %llx %*x:%*x %lu %n", &start, &end, perms, &offset, &inode, &at) != 5 ||
            at == 0)
            continue;
        line[strcspn(line, "\n")] = '\0';
        if (inode != ino || strcmp(line + at, path) != 0)
            continue;
        if (n == MAX_MAPPINGS) {
            fclose(maps);
            errno = E2BIG;
            return -1;
        }
        out[n].start = start;
        out[n].end = end;
        out[n].offset = (off_t)offset;
        out[n].prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
                      (perms[2] == 'x' ? PROT_EXEC : 0);
        n++;
    }
    fclose(maps);
    return n;
}

/* Maps m again from file. Pages that may differ from the file (data, relocations) are copied into
 * the new mapping before it takes the old one's place in one mremap; the others are the file's
 * pages, the same page cache, mapped over the old ones (identical bytes, so even the code running
 * now carries on). */
static int remap(const struct mapping *m, int file, const struct range *relro) {
    size_t len = m->end - m->start;
    void *at = (void *)m->start;
    if ((m->prot & PROT_WRITE) == 0 && (m->end <= relro->start || m->start >= relro->end))
        return mmap(at, len, m->prot, MAP_PRIVATE | MAP_FIXED, file, m->offset) == at ? 0 : -1;
    void *copy = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, file, m->offset);
    if (copy == MAP_FAILED)
        return -1;
    memcpy(copy, at, len);
    if (mprotect(copy, len, m->prot) != 0 || mremap(copy, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, at) != at) {
        int e = errno;
        munmap(copy, len);
        errno = e;
        return -1;
    }
    return 0;
}

/* PR_SET_MM_EXE_FILE alone wants CAP_SYS_RESOURCE, which hosts and CI runners often drop; PR_SET_MM_MAP
 * changes the exe with CAP_SYS_ADMIN (or CAP_CHECKPOINT_RESTORE) as CRIU does, given the rest of the
 * memory map's bounds, which are passed as they are (from /proc/self/stat). */
static int set_exe(int file) {
    FILE *f = fopen("/proc/self/stat", "re");
    if (f == NULL)
        return -1;
    char stat[4096];
    size_t n = fread(stat, 1, sizeof stat - 1, f);
    fclose(f);
    stat[n] = '\0';
    /* Fields from the 3rd on follow the last ')' (the command's name may hold any character). */
    char *p = strrchr(stat, ')');
    unsigned long long v[52] = {0};
    for (int field = 3; p != NULL && field <= 51; field++) {
        p = strchr(p + 1, ' ');
        if (p != NULL)
            v[field] = strtoull(p + 1, NULL, 10);
    }
    if (p == NULL) {
        errno = EINVAL;
        return -1;
    }
    struct prctl_mm_map map = {
        .start_code = v[26], .end_code = v[27], .start_stack = v[28],
        .start_data = v[45], .end_data = v[46], .start_brk = v[47], .brk = (uintptr_t)sbrk(0),
        .arg_start = v[48], .arg_end = v[49], .env_start = v[50], .env_end = v[51],
        .exe_fd = (uint32_t)file,
    };
    return prctl(PR_SET_MM, PR_SET_MM_MAP, &map, sizeof map, 0);
}

/* The binary through a read-only bind mount of it alone; closing the tree's descriptor dissolves
 * the mount's anonymous namespace, so the mount lives on only through the returned file and,
 * later, the mappings and exe of this process and its forks. */
static int open_sealed_binary(void) {
    int tree = open_tree(AT_FDCWD, "/proc/self/exe", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (tree < 0)
        return -1;
    struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
    int file = -1;
    if (mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof attr) == 0) {
        char path[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", tree);
        file = open(path, O_RDONLY | O_CLOEXEC);
    }
    int e = errno;
    close(tree);
    errno = e;
    return file;
}

int lxdp_exe_seal(void) {
    if (runs_from_readonly_mount())
        return 0;
    if (!single_threaded()) {
        errno = EBUSY;
        return -1;
    }
    char path[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    struct stat st;
    if (n <= 0 || stat("/proc/self/exe", &st) != 0)
        return -1;
    path[n] = '\0';
    struct mapping maps[MAX_MAPPINGS];
    int count = find_mappings(path, st.st_ino, maps);
    if (count <= 0) {
        errno = count == 0 ? ENOENT : errno;
        return -1;
    }
    struct range relro = {0, 0};
    dl_iterate_phdr(find_relro, &relro);
    int file = open_sealed_binary();
    if (file < 0)
        return -1;
    int rc = 0;
    for (int i = 0; i < count && rc == 0; i++)
        rc = remap(&maps[i], file, &relro);
    /* The kernel lets the exe change only once no mapping of the old one is left. */
    if (rc == 0)
        rc = set_exe(file);
    int e = errno;
    close(file);
    errno = e;
    return rc;
}
