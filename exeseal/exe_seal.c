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
#include <sys/sysmacros.h>
#include <unistd.h>

/* A private mapping of a file, as /proc/self/maps shows it. */
struct mapping {
    uintptr_t start, end;
    off_t offset;
    int prot;
    dev_t dev;
    ino_t ino;
    char *path; /* inside the text of /proc/self/maps */
    int file;   /* index in the files being sealed, -1 when the mapping is left as it is */
};

/* A file to seal and its descriptor through a read-only detached mount. */
struct sealed_file {
    dev_t dev;
    ino_t ino;
    int fd;
};

struct range {
    uintptr_t start, end;
};

struct ranges {
    struct range *at;
    int n, cap;
};

static char failed_file[PATH_MAX];

const char *lxdp_seal_failed_file(void) { return failed_file; }

static void fail_on(const char *path) { snprintf(failed_file, sizeof failed_file, "%s", path); }

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

/* The PT_GNU_RELRO of every loaded object: pages the loader wrote relocations into, then made
 * read-only; the file no longer holds what they hold. */
static int add_relro(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    struct ranges *relro = data;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        if (info->dlpi_phdr[i].p_type != PT_GNU_RELRO)
            continue;
        if (relro->n == relro->cap) {
            int cap = relro->cap * 2 + 64;
            struct range *more = realloc(relro->at, cap * sizeof *more);
            if (more == NULL) {
                relro->n = -1; /* unknown: nothing may be copied */
                return 1;
            }
            relro->at = more;
            relro->cap = cap;
        }
        relro->at[relro->n].start = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr;
        relro->at[relro->n].end = relro->at[relro->n].start + info->dlpi_phdr[i].p_memsz;
        relro->n++;
    }
    return 0;
}

static int overlaps_relro(const struct mapping *m, const struct ranges *relro) {
    for (int i = 0; i < relro->n; i++)
        if (m->start < relro->at[i].end && relro->at[i].start < m->end)
            return 1;
    return 0;
}

/* The whole text of /proc/self/maps (read at once: mappings must not change under the reader). */
static char *read_maps(void) {
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    size_t cap = 65536, len = 0;
    char *text = malloc(cap);
    for (ssize_t n = 1; text != NULL && n > 0;) {
        if (cap - len < 4096) {
            char *more = realloc(text, cap *= 2);
            if (more == NULL) {
                free(text);
                text = NULL;
                break;
            }
            text = more;
        }
        n = read(fd, text + len, cap - len - 1);
        if (n < 0) {
            free(text);
            text = NULL;
        } else {
            len += (size_t)n;
        }
    }
    close(fd);
    if (text != NULL)
        text[len] = '\0';
    return text;
}

/* The private mappings of files in text (cut into lines in place). Shared mappings are left out:
 * a file shared for writing cannot live on a read-only mount (the daemon maps none). */
static struct mapping *parse_maps(char *text, int *count) {
    int cap = 0, n = 0;
    struct mapping *maps = NULL;
    for (char *line = text, *next; *line != '\0'; line = next) {
        next = line + strcspn(line, "\n");
        if (*next == '\n')
            *next++ = '\0';
        unsigned long start, end, inode;
        unsigned long long offset;
        unsigned int major, minor;
        char perms[5];
        int at = 0;
        if (sscanf(line, "%lx-%lx %4s %llx %x:%x %lu %n", &start, &end, perms, &offset, &major, &minor, &inode,
                   &at) != 7 ||
            at == 0 || inode == 0 || line[at] != '/' || perms[3] != 'p')
            continue;
        if (n == cap) {
            cap = cap * 2 + 256;
            struct mapping *more = realloc(maps, cap * sizeof *more);
            if (more == NULL) {
                free(maps);
                return NULL;
            }
            maps = more;
        }
        maps[n++] = (struct mapping){
            .start = start, .end = end, .offset = (off_t)offset,
            .prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
                    (perms[2] == 'x' ? PROT_EXEC : 0),
            .dev = makedev(major, minor), .ino = inode, .path = line + at, .file = -1,
        };
    }
    *count = n;
    return maps;
}

/* A read-only bind mount of what path names, attached nowhere: closing the returned tree's
 * descriptor dissolves its anonymous namespace, so the mount lives on only through the files
 * opened in it and, later, the mappings and exe of this process and its forks. */
static int open_readonly_tree(const char *path) {
    int tree = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (tree < 0)
        return -1;
    struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
    if (mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof attr) != 0) {
        int e = errno;
        close(tree);
        errno = e;
        return -1;
    }
    return tree;
}

/* The directories whose read-only trees this pass opened: the files of one directory share a
 * mount (and /proc/PID/maps keeps their names). */
#define MAX_DIRS 64
struct dirs {
    char path[MAX_DIRS][PATH_MAX];
    int tree[MAX_DIRS];
    int n;
};

static int dir_tree(struct dirs *dirs, const char *dir) {
    for (int i = 0; i < dirs->n; i++)
        if (strcmp(dirs->path[i], dir) == 0)
            return dirs->tree[i];
    if (dirs->n == MAX_DIRS)
        return -1;
    int tree = open_readonly_tree(dir);
    if (tree >= 0) {
        snprintf(dirs->path[dirs->n], PATH_MAX, "%s", dir);
        dirs->tree[dirs->n++] = tree;
    }
    return tree;
}

/* m's file through a read-only detached mount: from its directory's tree when its path still
 * names it there, else (a file replaced or deleted since, a bind-mounted file) a tree of the
 * mapped file alone, reached through /proc/self/map_files. */
static int open_sealed(struct dirs *dirs, const struct mapping *m, const struct stat *file) {
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", m->path);
    char *slash = strrchr(dir, '/');
    *slash = '\0';
    int tree = dir_tree(dirs, slash == dir ? "/" : dir);
    if (tree >= 0) {
        int fd = openat(tree, slash + 1, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        struct stat st;
        if (fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == file->st_dev && st.st_ino == file->st_ino)
            return fd;
        if (fd >= 0)
            close(fd);
    }
    char mapped[64];
    snprintf(mapped, sizeof mapped, "/proc/self/map_files/%lx-%lx", (unsigned long)m->start, (unsigned long)m->end);
    int single = open_readonly_tree(mapped);
    if (single < 0)
        return -1;
    snprintf(mapped, sizeof mapped, "/proc/self/fd/%d", single);
    int fd = open(mapped, O_RDONLY | O_CLOEXEC);
    int e = errno;
    close(single);
    errno = e;
    return fd;
}

/* m's file as stat(2) sees it (/proc/PID/maps gives the superblock's device, which on btrfs is not
 * the file's), and whether it is on a read-only mount already. */
static int identify(const struct mapping *m, struct stat *st, int *readonly) {
    char mapped[64];
    snprintf(mapped, sizeof mapped, "/proc/self/map_files/%lx-%lx", (unsigned long)m->start, (unsigned long)m->end);
    struct statvfs sfs;
    if (stat(mapped, st) != 0 || statvfs(mapped, &sfs) != 0)
        return -1;
    *readonly = (sfs.f_flag & ST_RDONLY) != 0;
    return 0;
}

/* Maps m again from file. Pages that may differ from the file (data, relocations) are copied into
 * the new mapping before it takes the old one's place in one mremap; the others are the file's
 * pages, the same page cache, mapped over the old ones (identical bytes, so even the code running
 * now carries on). */
static int remap(const struct mapping *m, int file, const struct ranges *relro) {
    size_t len = m->end - m->start;
    void *at = (void *)m->start;
    if ((m->prot & PROT_WRITE) == 0 && !overlaps_relro(m, relro))
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

/* Calls each function remap() uses once before any mapping is copied: with lazy binding, a first
 * call writes its GOT entry, which may lie in a mapping between its copy and the mremap. */
static void bind_remap_functions(void) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    void *p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return;
    memcpy(p, &page, sizeof page);
    mprotect(p, page, PROT_READ);
    void *moved = mremap(p, page, page, MREMAP_MAYMOVE);
    munmap(moved == MAP_FAILED ? p : moved, page);
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

/* Opens each file of maps not on a read-only mount yet through a sealed mount (files[i], marking
 * its mappings); -1 when one failed (the others are still sealed). */
static int open_files(struct mapping *maps, int count, struct sealed_file *files, int *nfiles) {
    struct dirs *dirs = malloc(sizeof *dirs);
    if (dirs == NULL)
        return -1;
    dirs->n = 0;
    int rc = 0, e = 0;
    for (int i = 0; i < count; i++) {
        int known = 0;
        for (int j = 0; j < i && !known; j++)
            if (maps[j].dev == maps[i].dev && maps[j].ino == maps[i].ino) {
                maps[i].file = maps[j].file;
                known = 1;
            }
        if (known)
            continue;
        struct stat st;
        int readonly = 0, fd = -1;
        if (identify(&maps[i], &st, &readonly) == 0) {
            if (readonly)
                continue;
            fd = open_sealed(dirs, &maps[i], &st);
        }
        if (fd < 0) {
            rc = -1;
            e = errno;
            fail_on(maps[i].path);
            if (e == ENOSYS || e == EPERM) /* no file will do better: not root, or a kernel before 5.12 */
                break;
            continue;
        }
        files[*nfiles] = (struct sealed_file){.dev = st.st_dev, .ino = st.st_ino, .fd = fd};
        maps[i].file = (*nfiles)++;
    }
    for (int i = 0; i < dirs->n; i++)
        close(dirs->tree[i]);
    free(dirs);
    errno = e;
    return rc;
}

static int seal(int with_exe) {
    struct stat exe;
    if (with_exe && stat("/proc/self/exe", &exe) != 0)
        return -1;
    failed_file[0] = '\0';
    char *text = read_maps();
    int count = 0, nfiles = 0, rc = -1, e = ENOMEM;
    struct mapping *maps = text != NULL ? parse_maps(text, &count) : NULL;
    struct sealed_file *files = maps != NULL ? malloc((count + 1) * sizeof *files) : NULL;
    struct ranges relro = {NULL, 0, 0};
    if (files != NULL)
        dl_iterate_phdr(add_relro, &relro);
    if (files == NULL || relro.n < 0)
        goto done;
    rc = open_files(maps, count, files, &nfiles);
    e = errno;
    bind_remap_functions();
    /* No allocation from here until every mapping is in place: the allocator's own data is among
     * the mappings copied. */
    for (int i = 0; i < count; i++)
        if (maps[i].file >= 0 && remap(&maps[i], files[maps[i].file].fd, &relro) != 0 && rc == 0) {
            rc = -1;
            e = errno;
            fail_on(maps[i].path);
        }
    /* The kernel lets the exe change only once no mapping of the old one is left. */
    for (int i = 0; with_exe && i < nfiles; i++)
        if (files[i].dev == exe.st_dev && files[i].ino == exe.st_ino && set_exe(files[i].fd) != 0 && rc == 0) {
            rc = -1;
            e = errno;
            fail_on("/proc/self/exe");
        }
    for (int i = 0; i < nfiles; i++)
        close(files[i].fd);
done:
    free(relro.at);
    free(files);
    free(maps);
    free(text);
    errno = e;
    return rc;
}

int lxdp_exe_seal(void) {
    if (!single_threaded()) {
        errno = EBUSY;
        return -1;
    }
    return seal(1);
}

int lxdp_seal_new_mappings(void) { return runs_from_readonly_mount() ? seal(0) : 0; }
