/*
 * fail-writes.c - an LD_PRELOAD shim that makes file system calls fail on
 * purpose, under one directory, while a trigger file exists (the idea of
 * jq's tests/inject_errors.c, switched at run time).
 *
 *   FAIL_WRITES_DIR      the directory whose files are hit (required)
 *   FAIL_WRITES_TRIGGER  the trigger file (required). While it exists, calls
 *                        on paths under FAIL_WRITES_DIR fail; its first line
 *                        says how: "ERRNO [CALL]"
 *                          ENOSPC (or empty)  writes fail with ENOSPC
 *                          EIO                writes fail with EIO
 *                          read               opening a file there for
 *                                             reading fails with EIO
 *                        and CALL, when given, limits the failures to one
 *                        step of a write: open, write, fsync or rename.
 *
 * A "write" is open/openat/creat/fopen with O_CREAT or for writing,
 * write/pwrite/writev on a file opened under the directory, fsync and
 * fdatasync of such a file, and rename/renameat into or out of the
 * directory. Every failure is counted on stderr ("fail-writes: ...") so
 * that a test can tell the shim was loaded and did its job.
 *
 * The files opened under the directory are remembered by descriptor when
 * they are opened, so that a write to a socket or to the log costs one
 * array lookup and nothing else. The test loads the shim into actord only.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#define FW_MAX_FD 4096

static char fw_dir[PATH_MAX];
static size_t fw_dir_len;
static char fw_trigger[PATH_MAX];
static int fw_ready;
static unsigned char fw_watched[FW_MAX_FD];

enum { FW_OFF, FW_WRITE, FW_READ };
/* The steps of a write, for "ERRNO CALL". */
enum { FW_OPEN = 1, FW_WRITES = 2, FW_FSYNC = 4, FW_RENAME = 8, FW_ALL = 15 };

/* The real functions, looked up once. */
#define FW_REAL(type, name, args)                                          \
  static type(*real_##name) args;                                          \
  static type(*fw_real_##name(void)) args {                                \
    if (real_##name == NULL)                                               \
      *(void **)&real_##name = dlsym(RTLD_NEXT, #name);                    \
    return real_##name;                                                    \
  }
FW_REAL(int, open, (const char *, int, ...))
FW_REAL(int, open64, (const char *, int, ...))
FW_REAL(int, openat, (int, const char *, int, ...))
FW_REAL(int, openat64, (int, const char *, int, ...))
FW_REAL(int, creat, (const char *, mode_t))
FW_REAL(FILE *, fopen, (const char *, const char *))
FW_REAL(FILE *, fopen64, (const char *, const char *))
FW_REAL(ssize_t, write, (int, const void *, size_t))
FW_REAL(ssize_t, pwrite, (int, const void *, size_t, off_t))
FW_REAL(ssize_t, pwrite64, (int, const void *, size_t, off_t))
FW_REAL(ssize_t, writev, (int, const struct iovec *, int))
FW_REAL(int, fsync, (int))
FW_REAL(int, fdatasync, (int))
FW_REAL(int, close, (int))
FW_REAL(int, rename, (const char *, const char *))
FW_REAL(int, renameat, (int, const char *, int, const char *))

static void fw_init(void) {
  const char *dir, *trigger;
  char real[PATH_MAX];

  if (fw_ready) return;
  fw_ready = 1;
  dir = getenv("FAIL_WRITES_DIR");
  trigger = getenv("FAIL_WRITES_TRIGGER");
  if (dir == NULL || trigger == NULL) return;
  snprintf(fw_trigger, sizeof(fw_trigger), "%s", trigger);
  /* Compare real paths: the daemon may be given the directory through a
     symbolic link or with a trailing slash. */
  if (realpath(dir, real) == NULL) snprintf(real, sizeof(real), "%s", dir);
  snprintf(fw_dir, sizeof(fw_dir), "%s", real);
  fw_dir_len = strlen(fw_dir);
}

/* Read the settings at load time, then take the shim out of the
   environment: the programs the daemon starts (exec actors, isolated
   hosts) must run without it. */
__attribute__((constructor)) static void fw_load(void) {
  fw_init();
  unsetenv("LD_PRELOAD");
  unsetenv("FAIL_WRITES_DIR");
  unsetenv("FAIL_WRITES_TRIGGER");
}

/* FW_OFF, FW_WRITE or FW_READ, with the errno of a failure; FW_WRITE only
   when step is one of the steps the trigger names. */
static int fw_mode_of(int step, int *err) {
  static const struct {
    const char *name;
    int step;
  } steps[] = {{"open", FW_OPEN}, {"write", FW_WRITES}, {"fsync", FW_FSYNC},
               {"rename", FW_RENAME}};
  char line[64] = "", *call;
  int only = FW_ALL;
  int fd, saved = errno;
  ssize_t n;

  fw_init();
  *err = ENOSPC;
  if (fw_dir_len == 0) return FW_OFF;
  fd = fw_real_open()(fw_trigger, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    errno = saved;
    return FW_OFF;
  }
  n = read(fd, line, sizeof(line) - 1);
  fw_real_close()(fd);
  errno = saved;
  line[n > 0 ? n : 0] = '\0';
  line[strcspn(line, "\r\n")] = '\0';
  if (!strcmp(line, "read")) {
    *err = EIO;
    return FW_READ;
  }
  if ((call = strchr(line, ' ')) != NULL) {
    *call++ = '\0';
    only = 0;
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
      if (!strcmp(call, steps[i].name)) only = steps[i].step;
  }
  if (!strcmp(line, "EIO")) *err = EIO;
  return (only & step) ? FW_WRITE : FW_OFF;
}

/* Is path (relative to dirfd) under the directory? Only absolute paths
   and AT_FDCWD-relative ones are looked at: the daemon uses nothing else
   for its state. */
static int fw_under(int dirfd, const char *path) {
  char abs[2 * PATH_MAX + 2], cwd[PATH_MAX];

  fw_init();
  if (fw_dir_len == 0 || path == NULL) return 0;
  if (path[0] != '/') {
    if (dirfd != AT_FDCWD || getcwd(cwd, sizeof(cwd)) == NULL) return 0;
    snprintf(abs, sizeof(abs), "%s/%s", cwd, path);
    path = abs;
  }
  return !strncmp(path, fw_dir, fw_dir_len) &&
         (path[fw_dir_len] == '/' || path[fw_dir_len] == '\0');
}

static int fw_fail(const char *call, const char *what, int err) {
  char line[PATH_MAX + 128];
  int n = snprintf(line, sizeof(line), "fail-writes: %s %s: %s\n", call,
                   what, strerror(err));
  if (n > 0) fw_real_write()(2, line, (size_t)n < sizeof(line) ? (size_t)n
                                                                 : sizeof(line) - 1);
  errno = err;
  return -1;
}

/* Should an open of path with these flags fail now? */
static int fw_open_fails(int dirfd, const char *path, int flags, int *err) {
  int mode, writes = (flags & O_ACCMODE) != O_RDONLY ||
                     (flags & (O_CREAT | O_TRUNC)) != 0;

  if (!fw_under(dirfd, path)) return 0;
  mode = fw_mode_of(FW_OPEN, err);
  if (mode == FW_WRITE && writes) return 1;
  if (mode == FW_READ && !writes && !(flags & O_DIRECTORY)) {
    *err = EIO;
    return 1;
  }
  return 0;
}

static int fw_opened(int fd, int dirfd, const char *path) {
  if (fd >= 0 && fd < FW_MAX_FD) fw_watched[fd] = (unsigned char)fw_under(dirfd, path);
  return fd;
}

/* A descriptor closed where the shim cannot see it (inside the C library)
   may be reused for a socket: the flag is checked against what the
   descriptor is now before anything fails. */
static int fw_fd_fails(int fd, int step, int *err) {
  char link[64], path[PATH_MAX];
  ssize_t n;

  if (fd < 0 || fd >= FW_MAX_FD || !fw_watched[fd]) return 0;
  if (fw_mode_of(step, err) != FW_WRITE) return 0;
  snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  n = readlink(link, path, sizeof(path) - 1);
  if (n <= 0) return 0;
  path[n] = '\0';
  if (!fw_under(AT_FDCWD, path)) {
    fw_watched[fd] = 0;
    return 0;
  }
  return 1;
}

/* The mode argument is there only with O_CREAT or O_TMPFILE (whose bits
   include O_DIRECTORY's: test them all, as glibc does). */
#define FW_MODE_ARG(flags, mode)                                           \
  do {                                                                     \
    if (((flags) & O_CREAT) || ((flags) & O_TMPFILE) == O_TMPFILE) {       \
      va_list ap;                                                          \
      va_start(ap, flags);                                                 \
      mode = va_arg(ap, int);                                              \
      va_end(ap);                                                          \
    }                                                                      \
  } while (0)

int open(const char *path, int flags, ...) {
  int mode = 0, err;
  FW_MODE_ARG(flags, mode);
  if (fw_open_fails(AT_FDCWD, path, flags, &err)) return fw_fail("open", path, err);
  return fw_opened(fw_real_open()(path, flags, mode), AT_FDCWD, path);
}

int open64(const char *path, int flags, ...) {
  int mode = 0, err;
  FW_MODE_ARG(flags, mode);
  if (fw_open_fails(AT_FDCWD, path, flags, &err)) return fw_fail("open", path, err);
  return fw_opened(fw_real_open64()(path, flags, mode), AT_FDCWD, path);
}

int openat(int dirfd, const char *path, int flags, ...) {
  int mode = 0, err;
  FW_MODE_ARG(flags, mode);
  if (fw_open_fails(dirfd, path, flags, &err)) return fw_fail("openat", path, err);
  return fw_opened(fw_real_openat()(dirfd, path, flags, mode), dirfd, path);
}

int openat64(int dirfd, const char *path, int flags, ...) {
  int mode = 0, err;
  FW_MODE_ARG(flags, mode);
  if (fw_open_fails(dirfd, path, flags, &err)) return fw_fail("openat", path, err);
  return fw_opened(fw_real_openat64()(dirfd, path, flags, mode), dirfd, path);
}

int creat(const char *path, mode_t mode) {
  int err;
  if (fw_open_fails(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, &err))
    return fw_fail("creat", path, err);
  return fw_opened(fw_real_creat()(path, mode), AT_FDCWD, path);
}

/* fopen's own open is inside libc, out of reach: look at the mode. */
static int fw_fopen_flags(const char *mode) {
  return strpbrk(mode, "wa+") != NULL ? O_WRONLY | O_CREAT : O_RDONLY;
}

FILE *fopen(const char *path, const char *mode) {
  int err;
  if (fw_open_fails(AT_FDCWD, path, fw_fopen_flags(mode), &err)) {
    fw_fail("fopen", path, err);
    return NULL;
  }
  /* Not remembered: fclose closes it inside the C library, unseen. */
  return fw_real_fopen()(path, mode);
}

FILE *fopen64(const char *path, const char *mode) {
  int err;
  if (fw_open_fails(AT_FDCWD, path, fw_fopen_flags(mode), &err)) {
    fw_fail("fopen", path, err);
    return NULL;
  }
  return fw_real_fopen64()(path, mode);
}

ssize_t write(int fd, const void *buf, size_t len) {
  int err;
  if (fw_fd_fails(fd, FW_WRITES, &err)) return fw_fail("write", "a file there", err);
  return fw_real_write()(fd, buf, len);
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off) {
  int err;
  if (fw_fd_fails(fd, FW_WRITES, &err)) return fw_fail("pwrite", "a file there", err);
  return fw_real_pwrite()(fd, buf, len, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off_t off) {
  int err;
  if (fw_fd_fails(fd, FW_WRITES, &err)) return fw_fail("pwrite", "a file there", err);
  return fw_real_pwrite64()(fd, buf, len, off);
}

ssize_t writev(int fd, const struct iovec *iov, int n) {
  int err;
  if (fw_fd_fails(fd, FW_WRITES, &err)) return fw_fail("writev", "a file there", err);
  return fw_real_writev()(fd, iov, n);
}

int fsync(int fd) {
  int err;
  if (fw_fd_fails(fd, FW_FSYNC, &err)) return fw_fail("fsync", "a file there", err);
  return fw_real_fsync()(fd);
}

int fdatasync(int fd) {
  int err;
  if (fw_fd_fails(fd, FW_FSYNC, &err)) return fw_fail("fdatasync", "a file there", err);
  return fw_real_fdatasync()(fd);
}

int close(int fd) {
  if (fd >= 0 && fd < FW_MAX_FD) fw_watched[fd] = 0;
  return fw_real_close()(fd);
}

int rename(const char *from, const char *to) {
  int err;
  if ((fw_under(AT_FDCWD, from) || fw_under(AT_FDCWD, to)) &&
      fw_mode_of(FW_RENAME, &err) == FW_WRITE)
    return fw_fail("rename", to, err);
  return fw_real_rename()(from, to);
}

int renameat(int fromfd, const char *from, int tofd, const char *to) {
  int err;
  if ((fw_under(fromfd, from) || fw_under(tofd, to)) &&
      fw_mode_of(FW_RENAME, &err) == FW_WRITE)
    return fw_fail("renameat", to, err);
  return fw_real_renameat()(fromfd, from, tofd, to);
}
