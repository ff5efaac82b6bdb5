// powerfs: a FUSE passthrough that keeps only what was fsynced when the power is cut (the idea of
// LazyFS). It mounts MOUNT over BACKING. The backing folder always holds the durable state:
//
// - File data: writes go to an in-memory page cache per inode; fsync/fdatasync write the file's
//   dirty pages and its size to the backing file. Reads merge the cache over the backing file.
// - Names: create, mkdir, unlink, rmdir and rename are applied to the backing folder at once (so
//   paths resolve simply), but each is logged with the directories it changed. fsync of a
//   directory makes the logged changes of that directory durable. Unlinked files and directories
//   are moved to a hidden trash folder, so their undo is a rename back.
//
// SIGUSR1 cuts the power: from then on every request fails with EIO, and when the file system is
// unmounted the log of changes that are not durable is undone, newest first, and the page cache
// is dropped. A normal unmount (no SIGUSR1) writes everything back, like a clean shutdown.
//
// Built by the power-loss tests with: cc -O2 powerfs.c $(pkg-config --cflags --libs fuse3)
// Usage: powerfs BACKING MOUNT (runs in the foreground, single-threaded).
#define FUSE_USE_VERSION 31
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define PAGE 4096
#define TRASH ".powerfs-trash"

static char backing[PATH_MAX];
static volatile sig_atomic_t power_cut = 0;
static unsigned long trash_counter = 0;

// ---- page cache: per backing inode, dirty pages and the file's current size ----

struct page { long index; struct page *next; unsigned char data[PAGE]; };

struct inode_state {
    ino_t ino;
    int fd;            // a descriptor of its own on the backing file, for write-back after the last close
    off_t size;        // the size the running system sees
    off_t low;         // smallest size since the last sync: backing bytes from here on are stale
    struct page **pages; size_t buckets; size_t count;
    struct inode_state *next;
};

static struct inode_state *states = NULL;

static struct inode_state *state_of(ino_t ino) {
    for (struct inode_state *s = states; s; s = s->next) if (s->ino == ino) return s;
    return NULL;
}

static struct inode_state *state_for(int fd) {
    struct stat st;
    if (fstat(fd, &st) != 0) return NULL;
    struct inode_state *s = state_of(st.st_ino);
    if (s) return s;
    s = calloc(1, sizeof *s);
    s->ino = st.st_ino; s->fd = dup(fd); s->size = st.st_size; s->low = st.st_size;
    s->buckets = 64; s->pages = calloc(s->buckets, sizeof *s->pages);
    s->next = states; states = s;
    return s;
}

static struct page *find_page(struct inode_state *s, long index) {
    for (struct page *p = s->pages[(size_t)index % s->buckets]; p; p = p->next) if (p->index == index) return p;
    return NULL;
}

static void grow(struct inode_state *s) {
    size_t n = s->buckets * 4;
    struct page **table = calloc(n, sizeof *table);
    for (size_t b = 0; b < s->buckets; b++) {
        for (struct page *p = s->pages[b], *next; p; p = next) {
            next = p->next; p->next = table[(size_t)p->index % n]; table[(size_t)p->index % n] = p;
        }
    }
    free(s->pages); s->pages = table; s->buckets = n;
}

// Reads what the system sees of one page: the backing bytes below `low`, zeros elsewhere.
static void read_clean(int fd, struct inode_state *s, long index, unsigned char *out) {
    memset(out, 0, PAGE);
    off_t start = (off_t)index * PAGE, valid = s->low < s->size ? s->low : s->size;
    if (start >= valid) return;
    size_t want = (size_t)(valid - start < PAGE ? valid - start : PAGE);
    ssize_t n = pread(fd, out, want, start);
    (void)n;
}

static struct page *dirty_page(int fd, struct inode_state *s, long index) {
    struct page *p = find_page(s, index);
    if (p) return p;
    if (s->count > s->buckets * 2) grow(s);
    p = malloc(sizeof *p);
    p->index = index;
    read_clean(fd, s, index, p->data);
    p->next = s->pages[(size_t)index % s->buckets]; s->pages[(size_t)index % s->buckets] = p;
    s->count++;
    return p;
}

static void drop_pages_from(struct inode_state *s, off_t size) {
    long first = (long)((size + PAGE - 1) / PAGE);
    for (size_t b = 0; b < s->buckets; b++) {
        struct page **link = &s->pages[b];
        while (*link) {
            if ((*link)->index >= first) { struct page *dead = *link; *link = dead->next; free(dead); s->count--; }
            else link = &(*link)->next;
        }
    }
}

static void set_size(int fd, struct inode_state *s, off_t size) {
    if (size < s->size) {
        drop_pages_from(s, size);
        if (size % PAGE) { // zero the tail of the last page: a later growth must read zeros there
            struct page *p = dirty_page(fd, s, (long)(size / PAGE));
            memset(p->data + size % PAGE, 0, PAGE - size % PAGE);
        }
        if (size < s->low) s->low = size;
    }
    s->size = size;
}

// fsync: the backing file becomes exactly what the system sees.
static int write_back(int fd, struct inode_state *s) {
    if (ftruncate(fd, s->low) != 0 || ftruncate(fd, s->size) != 0) return -errno;
    for (size_t b = 0; b < s->buckets; b++) {
        for (struct page *p = s->pages[b], *next; p; p = next) {
            next = p->next;
            off_t start = (off_t)p->index * PAGE;
            if (start < s->size) {
                size_t n = (size_t)(s->size - start < PAGE ? s->size - start : PAGE);
                if (pwrite(fd, p->data, n, start) != (ssize_t)n) return -EIO;
            }
            free(p);
        }
        s->pages[b] = NULL;
    }
    s->count = 0; s->low = s->size;
    return 0;
}

// ---- the log of name changes not yet made durable by a directory fsync ----

enum change_kind { CREATED, MADE_DIR, REMOVED, RENAMED };

struct change {
    enum change_kind kind;
    char path[PATH_MAX], other[PATH_MAX]; // RENAMED: path = from, other = to; REMOVED: other = trash
    char displaced[PATH_MAX];             // RENAMED over an existing name: its trash name, else ""
    ino_t dirs[2];
    struct change *next; // newest first
};

static struct change *changes = NULL;

static void full(char *out, const char *path) { snprintf(out, PATH_MAX, "%s%s", backing, path); }

static ino_t parent_ino(const char *path) {
    char p[PATH_MAX], dir[PATH_MAX];
    snprintf(p, sizeof p, "%s", path);
    char *slash = strrchr(p, '/');
    if (slash == p) p[1] = 0; else *slash = 0;
    full(dir, p);
    struct stat st;
    return stat(dir, &st) == 0 ? st.st_ino : 0;
}

static struct change *log_change(enum change_kind kind, const char *path, const char *other) {
    struct change *c = calloc(1, sizeof *c);
    c->kind = kind;
    snprintf(c->path, PATH_MAX, "%s", path);
    if (other) snprintf(c->other, PATH_MAX, "%s", other);
    c->dirs[0] = parent_ino(path);
    c->dirs[1] = kind == RENAMED ? parent_ino(other) : c->dirs[0];
    c->next = changes; changes = c;
    return c;
}

// Moves a backing path into the trash; the trash name (relative to the mount) goes to `out`.
static int to_trash(const char *path, char *out) {
    char from[PATH_MAX], to[PATH_MAX];
    snprintf(out, PATH_MAX, "/" TRASH "/%lu", ++trash_counter);
    full(from, path); full(to, out);
    return rename(from, to) == 0 ? 0 : -errno;
}

static void remove_tree(const char *p) {
    struct stat st;
    if (lstat(p, &st) != 0) return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(p);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            char child[PATH_MAX];
            snprintf(child, sizeof child, "%s/%s", p, e->d_name);
            remove_tree(child);
        }
        if (d) closedir(d);
        rmdir(p);
    } else {
        unlink(p);
    }
}

static void move(const char *from, const char *to) {
    char a[PATH_MAX], b[PATH_MAX];
    full(a, from); full(b, to);
    rename(a, b);
}

static void undo(struct change *c) {
    char p[PATH_MAX];
    switch (c->kind) {
    case CREATED: full(p, c->path); unlink(p); break;
    case MADE_DIR: full(p, c->path); remove_tree(p); break;
    case REMOVED: move(c->other, c->path); break;
    case RENAMED:
        move(c->other, c->path);
        if (c->displaced[0]) move(c->displaced, c->other);
        break;
    }
}

// ---- FUSE operations ----

#define ALIVE() do { if (power_cut) return -EIO; } while (0)

static void *pf_init(struct fuse_conn_info *conn, struct fuse_config *cfg) {
    (void)conn;
    cfg->use_ino = 1;
    cfg->hard_remove = 1;      // unlink really unlinks (no .fuse_hidden files)
    cfg->attr_timeout = 0;     // sizes come from the page cache above, never from stale kernel attributes
    cfg->entry_timeout = 0;
    cfg->negative_timeout = 0;
    return NULL;
}

static int pf_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
    ALIVE();
    int r = fi ? fstat((int)fi->fh, st) : ({ char p[PATH_MAX]; full(p, path); lstat(p, st); });
    if (r != 0) return -errno;
    struct inode_state *s = state_of(st->st_ino);
    if (s) st->st_size = s->size;
    return 0;
}

static int pf_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off, struct fuse_file_info *fi,
                      enum fuse_readdir_flags flags) {
    (void)off; (void)fi; (void)flags;
    ALIVE();
    char p[PATH_MAX];
    full(p, path);
    DIR *d = opendir(p);
    if (!d) return -errno;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(path, "/") && !strcmp(e->d_name, TRASH)) continue;
        fill(buf, e->d_name, NULL, 0, 0);
    }
    closedir(d);
    return 0;
}

static int open_backing(const char *path, struct fuse_file_info *fi, int extra, mode_t mode) {
    char p[PATH_MAX];
    full(p, path);
    int flags = (fi->flags & ~(O_TRUNC | O_APPEND | O_CREAT | O_EXCL)) | extra;
    if ((flags & O_ACCMODE) == O_WRONLY) flags = (flags & ~O_ACCMODE) | O_RDWR; // pages are read-modify-write
    int fd = open(p, flags, mode);
    if (fd < 0) return -errno;
    fi->fh = (uint64_t)fd;
    struct inode_state *s = state_for(fd);
    if (fi->flags & O_TRUNC) set_size(fd, s, 0);
    return 0;
}

static int pf_open(const char *path, struct fuse_file_info *fi) { ALIVE(); return open_backing(path, fi, 0, 0); }

static int pf_create(const char *path, mode_t mode, struct fuse_file_info *fi) {
    ALIVE();
    char p[PATH_MAX];
    full(p, path);
    int existed = access(p, F_OK) == 0;
    if (existed && (fi->flags & O_EXCL)) return -EEXIST;
    int r = open_backing(path, fi, O_CREAT, mode);
    if (r == 0 && !existed) log_change(CREATED, path, NULL);
    return r;
}

static int pf_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
    (void)path;
    ALIVE();
    int fd = (int)fi->fh;
    struct inode_state *s = state_for(fd);
    if (off >= s->size) return 0;
    if ((off_t)size > s->size - off) size = (size_t)(s->size - off);
    size_t done = 0;
    while (done < size) {
        off_t at = off + (off_t)done;
        long index = (long)(at / PAGE);
        size_t in = (size_t)(at % PAGE), n = PAGE - in < size - done ? PAGE - in : size - done;
        struct page *p = find_page(s, index);
        if (p) memcpy(buf + done, p->data + in, n);
        else { unsigned char tmp[PAGE]; read_clean(fd, s, index, tmp); memcpy(buf + done, tmp + in, n); }
        done += n;
    }
    return (int)size;
}

static int pf_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
    (void)path;
    ALIVE();
    int fd = (int)fi->fh;
    struct inode_state *s = state_for(fd);
    size_t done = 0;
    while (done < size) {
        off_t at = off + (off_t)done;
        size_t in = (size_t)(at % PAGE), n = PAGE - in < size - done ? PAGE - in : size - done;
        memcpy(dirty_page(fd, s, (long)(at / PAGE))->data + in, buf + done, n);
        done += n;
    }
    if (off + (off_t)size > s->size) s->size = off + (off_t)size;
    return (int)size;
}

static int pf_truncate(const char *path, off_t size, struct fuse_file_info *fi) {
    ALIVE();
    int fd = fi ? (int)fi->fh : -1, own = 0;
    if (fd < 0) {
        char p[PATH_MAX];
        full(p, path);
        if ((fd = open(p, O_RDWR)) < 0) return -errno;
        own = 1;
    }
    set_size(fd, state_for(fd), size);
    if (own) close(fd);
    return 0;
}

static int pf_fsync(const char *path, int datasync, struct fuse_file_info *fi) {
    (void)path; (void)datasync;
    ALIVE();
    return write_back((int)fi->fh, state_for((int)fi->fh));
}

static int pf_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi) {
    (void)datasync; (void)fi;
    ALIVE();
    char p[PATH_MAX];
    full(p, path);
    struct stat st;
    if (stat(p, &st) != 0) return -errno;
    struct change **link = &changes; // changes of this directory become durable: forget them
    while (*link) {
        if ((*link)->dirs[0] == st.st_ino || (*link)->dirs[1] == st.st_ino) { struct change *c = *link; *link = c->next; free(c); }
        else link = &(*link)->next;
    }
    return 0;
}

static int pf_release(const char *path, struct fuse_file_info *fi) { (void)path; close((int)fi->fh); return 0; }

static int pf_mkdir(const char *path, mode_t mode) {
    ALIVE();
    char p[PATH_MAX];
    full(p, path);
    if (mkdir(p, mode) != 0) return -errno;
    log_change(MADE_DIR, path, NULL);
    return 0;
}

static int pf_unlink(const char *path) {
    ALIVE();
    char trash[PATH_MAX];
    int r = to_trash(path, trash);
    if (r == 0) log_change(REMOVED, path, trash);
    return r;
}

static int pf_rmdir(const char *path) {
    ALIVE();
    char p[PATH_MAX];
    full(p, path);
    DIR *d = opendir(p);
    if (!d) return -errno;
    struct dirent *e;
    int entries = 0;
    while ((e = readdir(d))) if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) entries++;
    closedir(d);
    return entries ? -ENOTEMPTY : pf_unlink(path);
}

static int pf_rename(const char *from, const char *to, unsigned int flags) {
    ALIVE();
    if (flags & RENAME_EXCHANGE) return -EINVAL;
    char a[PATH_MAX], b[PATH_MAX], displaced[PATH_MAX] = "";
    full(a, from); full(b, to);
    struct stat st;
    if (lstat(a, &st) != 0) return -errno;
    if (lstat(b, &st) == 0) {
        if (flags & RENAME_NOREPLACE) return -EEXIST;
        int r = to_trash(to, displaced);
        if (r != 0) return r;
    }
    if (rename(a, b) != 0) { int e = errno; if (displaced[0]) move(displaced, to); return -e; }
    snprintf(log_change(RENAMED, from, to)->displaced, PATH_MAX, "%s", displaced);
    return 0;
}

static int pf_chmod(const char *path, mode_t mode, struct fuse_file_info *fi) {
    ALIVE();
    if (fi) return fchmod((int)fi->fh, mode) == 0 ? 0 : -errno;
    char p[PATH_MAX];
    full(p, path);
    return chmod(p, mode) == 0 ? 0 : -errno;
}

static int pf_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi) {
    ALIVE();
    if (fi) return futimens((int)fi->fh, tv) == 0 ? 0 : -errno;
    char p[PATH_MAX];
    full(p, path);
    return utimensat(AT_FDCWD, p, tv, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -errno;
}

static int pf_statfs(const char *path, struct statvfs *st) {
    (void)path;
    return statvfs(backing, st) == 0 ? 0 : -errno;
}

// At unmount: after a cut, undo what was not durable and drop the pages; else write all back.
static void pf_destroy(void *data) {
    (void)data;
    if (power_cut) {
        for (struct change *c = changes; c; c = c->next) undo(c);
        fprintf(stderr, "powerfs: power cut, %s\n", changes ? "name changes undone" : "no name change pending");
    } else {
        for (struct inode_state *s = states; s; s = s->next) write_back(s->fd, s);
    }
}

static const struct fuse_operations ops = {
    .init = pf_init, .getattr = pf_getattr, .readdir = pf_readdir, .open = pf_open, .create = pf_create,
    .read = pf_read, .write = pf_write, .truncate = pf_truncate, .fsync = pf_fsync, .fsyncdir = pf_fsyncdir,
    .release = pf_release, .mkdir = pf_mkdir, .unlink = pf_unlink, .rmdir = pf_rmdir, .rename = pf_rename,
    .chmod = pf_chmod, .utimens = pf_utimens, .statfs = pf_statfs, .destroy = pf_destroy,
};

static void on_cut(int sig) { (void)sig; power_cut = 1; }

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: powerfs BACKING MOUNT\n"); return 2; }
    if (!realpath(argv[1], backing)) { perror(argv[1]); return 2; }
    char trash[PATH_MAX];
    snprintf(trash, sizeof trash, "%s/" TRASH, backing);
    remove_tree(trash); // what is in it was removed durably before the last unmount
    mkdir(trash, 0700);
    signal(SIGUSR1, on_cut);
    sigset_t mask; // a parent's worker thread may have spawned us with signals blocked
    sigemptyset(&mask); sigaddset(&mask, SIGUSR1); sigaddset(&mask, SIGTERM); sigaddset(&mask, SIGINT);
    sigprocmask(SIG_UNBLOCK, &mask, NULL);
    char *args[] = {argv[0], "-f", "-s", "-o", "fsname=powerfs", argv[2], NULL};
    return fuse_main(6, args, &ops, NULL);
}
