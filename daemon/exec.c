/*
 * exec.c - the built-in "exec" behaviour: an OS program under supervision.
 *
 * The program is started with uv_spawn on the actor's own scheduler loop, in
 * a process group of its own (setsid), with socket pairs for its
 * stdin, stdout and stderr, and a fourth that guards against actord's death
 * (see exec_launch). Everything that follows happens in libuv callbacks on
 * that loop:
 *
 *   output    each stream is cut into lines (at most EXEC_LINE_MAX bytes,
 *             longer lines are split) that go to the actor's log;
 *   exit      libuv reaps the program and reports its status; what is left
 *             of its process group is sent the stop signal (then SIGKILL
 *             after the stop timeout), the pipes are read to their end, and
 *             only then does the actor exit, with the program's reason;
 *   stop      an exit signal (the supervisor's "shutdown", a kill with a
 *             reason) sends the stop signal to the group, SIGKILL after the
 *             stop timeout, and the actor exits with the signal's reason
 *             once the group is empty.
 *
 * These callbacks use the actor's context outside its handlers. That is
 * safe for the same reason runtime.h allows it on attached loops: they run
 * on the actor's scheduler thread, between its turns, never beside one; and
 * terminate() clears the context before the actor is freed, so a callback
 * that comes later (a close callback) never touches it.
 *
 * Memory: the state embeds its libuv handles; it is freed by the close
 * callback of the last of them, never earlier, so it may outlive the actor
 * by a loop iteration.
 *
 * No orphans: actord starts every program through itself, re-executed in a
 * hidden launcher mode (exec_launch below) that asks the kernel to SIGKILL
 * the program when actord goes away and leaves a guard that kills the rest
 * of its process group then, and execs it. No zombies: libuv reaps what
 * uv_spawn started; terminate() reaps in place when it must return before
 * libuv would.
 */
#include "exec.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "actor/error.h"
#include "actord.h"
#include "methods.h"
#include "runtime-internal.h"

/* The most bytes of one log line: act_log keeps at most 1023, and a line
   of output becomes one log line, or several when it is longer. */
#define EXEC_LINE_MAX 1000
/* What one read from a pipe may bring. */
#define EXEC_READ_MAX 65536
/* Bytes queued for stdin beyond which a new message is refused: a program
   that does not read must not make the daemon grow without bound. */
#define EXEC_STDIN_MAX (1024 * 1024)
#define EXEC_STOP_TIMEOUT_MS 5000
/* How often a stopping program's process group is looked at. */
#define EXEC_TICK_MS 20
/* After the group is empty, how long its pipes may stay open (a process
   that left the group may hold them) before the actor exits anyway. */
#define EXEC_DRAIN_MS 200
/* After SIGKILL, how long the group may take to disappear before the actor
   gives up waiting (a process stuck in the kernel, or one owned by another
   user) and exits anyway, with a warning. */
#define EXEC_GIVE_UP_MS 2000
/* How long terminate() waits for a SIGKILLed program to be reaped. */
#define EXEC_REAP_MS 1000
/* What a supervisor waits beyond the stop timeout: SIGKILL, the group to
   empty (at most EXEC_GIVE_UP_MS), the pipes to drain (EXEC_DRAIN_MS). */
#define EXEC_SHUTDOWN_MARGIN_MS (EXEC_GIVE_UP_MS + EXEC_DRAIN_MS + 800)

/* The hidden launcher mode: argv[1] of actord re-executed as a launcher. */
#define EXEC_LAUNCH_ARG "--exec-launcher"

/* ---------------------------------------------------------------- signals */

static const struct {
  const char *name;
  int number;
} exec_signals[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},     {"QUIT", SIGQUIT},
    {"ILL", SIGILL},       {"TRAP", SIGTRAP},   {"ABRT", SIGABRT},
    {"BUS", SIGBUS},       {"FPE", SIGFPE},     {"KILL", SIGKILL},
    {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},   {"USR2", SIGUSR2},
    {"PIPE", SIGPIPE},     {"ALRM", SIGALRM},   {"TERM", SIGTERM},
    {"CHLD", SIGCHLD},     {"CONT", SIGCONT},   {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN},   {"TTOU", SIGTTOU},
    {"URG", SIGURG},       {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ},
    {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},   {"WINCH", SIGWINCH},
    {"IO", SIGIO},         {"PWR", SIGPWR},     {"SYS", SIGSYS},
    {NULL, 0}};

/* "HUP" for SIGHUP; NULL for a number without a name. */
static const char *exec_signal_name(int sig) {
  for (int i = 0; exec_signals[i].name != NULL; i++)
    if (exec_signals[i].number == sig) return exec_signals[i].name;
  return NULL;
}

/* A signal as args and messages give it: "TERM", "SIGTERM" (any case) or a
   number from 1 to SIGRTMAX. Returns it, or 0 when v is none of these. */
static int exec_signal_parse(const json_t *v) {
  const char *s;

  if (json_is_integer(v)) {
    json_int_t n = json_integer_value(v);
    return n >= 1 && n <= SIGRTMAX ? (int)n : 0;
  }
  if (!json_is_string(v)) return 0;
  s = json_string_value(v);
  if (strncasecmp(s, "SIG", 3) == 0) s += 3;
  for (int i = 0; exec_signals[i].name != NULL; i++)
    if (strcasecmp(exec_signals[i].name, s) == 0)
      return exec_signals[i].number;
  if (isdigit((unsigned char)s[0])) {
    char *end;
    long n = strtol(s, &end, 10);
    if (*end == '\0' && n >= 1 && n <= SIGRTMAX) return (int)n;
  }
  return 0;
}

/* "SIGHUP", or "SIG34" for a signal without a name. */
static void exec_signal_format(int sig, char *buf, size_t size) {
  const char *name = exec_signal_name(sig);

  if (name != NULL) snprintf(buf, size, "SIG%s", name);
  else snprintf(buf, size, "SIG%d", sig);
}

/* --------------------------------------------------------------- launcher */

/*
 * actord re-executed as the launcher of one program:
 *
 *     actord --exec-launcher PPID PATH ARGV0 ARGS...
 *
 * with the program's stdin, stdout and stderr on fds 0 to 2 and, on fd 3,
 * the guard: one end of a socket pair whose other end only actord holds.
 *
 * The launcher asks the kernel to SIGKILL it when its parent dies, checks
 * that the parent is still PPID (actord may have died between the fork and
 * the prctl, and then nothing would ever kill the program), and execs PATH
 * in place, so that the program keeps the pid libuv reaps and the death
 * signal, which survives the exec. The program thus dies with actord,
 * however actord dies, kill -9 included.
 *
 * The death signal reaches the program only, not the processes it started.
 * For those, the launcher leaves a watcher behind (exec_launch_watch):
 * outside the program's process group and out of its way (double fork, so
 * that init reaps it and the program never sees a child it did not make),
 * it waits on the guard. actord writes one byte there once the group is
 * empty; if the guard closes without that byte, actord is gone, and the
 * watcher kills the whole group.
 *
 * PR_SET_PDEATHSIG fires when the parent *thread* exits, not only the
 * parent process. The parent thread here is the scheduler thread whose loop
 * ran uv_spawn: scheduler threads live as long as the runtime, and the
 * runtime stops only once every actor has exited, and an exec actor exits
 * only once its program is gone. So the early signal cannot hit a program
 * that should live on.
 *
 * This runs as a constructor, before main() and anything else of actord,
 * so that the launcher does nothing but launch.
 */
static void exec_launch_watch(int argc, char **argv, pid_t pgid) {
  char *title = argv[0], *end = argv[argc - 1] + strlen(argv[argc - 1]);
  char c;
  ssize_t n;
  int null = open("/dev/null", O_RDWR);

  setsid();
  /* Say what this process is in ps, over the launcher's arguments (one
     block of memory, which /proc/PID/cmdline shows). */
  n = snprintf(title, (size_t)(end - title) + 1,
               "actord: guard of exec process group %d", (int)pgid);
  if (n >= 0 && n < end - title)
    memset(title + n, 0, (size_t)(end - title - n));
  prctl(PR_SET_NAME, "actord-guard");
  /* Hold none of the program's pipes: their end of file is how actord
     knows that the program's output is complete. */
  for (int fd = 0; fd < 3; fd++) {
    if (null >= 0) dup2(null, fd);
    else close(fd);
  }
  if (null > 2) close(null);
  do
    n = read(3, &c, 1);
  while (n < 0 && errno == EINTR);
  if (n != 1) kill(-pgid, SIGKILL);
  _exit(0);
}

__attribute__((constructor)) static void exec_launch(int argc, char **argv,
                                                     char **envp) {
  char *end;
  long ppid;
  pid_t w;

  (void)envp;
  if (argc < 5 || argv == NULL || strcmp(argv[1], EXEC_LAUNCH_ARG) != 0)
    return;
  errno = 0;
  ppid = strtol(argv[2], &end, 10);
  if (errno != 0 || *end != '\0' || ppid <= 1) _exit(127);
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != (pid_t)ppid)
    _exit(127);
  if (fcntl(3, F_GETFD) != -1) {
    pid_t pgid = getpgid(0);
    if ((w = fork()) == 0) {
      if (fork() == 0) exec_launch_watch(argc, argv, pgid);
      _exit(0);
    }
    if (w > 0) waitpid(w, NULL, 0);
    close(3);
  }
  execv(argv[3], argv + 4);
  /* Only a race with a change of the file since init checked it brings us
     here (or a format the kernel cannot run: no shell is tried). stderr is
     the actor's log. */
  fprintf(stderr, "cannot run \"%s\": %s\n", argv[3], strerror(errno));
  _exit(127);
}

/* ------------------------------------------------------------------ pids */

/* Which exec actor runs which program, for listings (exec_pid). Exec
   actors are few; a short array under a lock is enough. */
static struct {
  pthread_mutex_t lock;
  struct {
    act_id_t id;
    int pid;
  } *v;
  size_t n, cap;
} exec_pids = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void exec_pids_set(act_id_t id, int pid) {
  pthread_mutex_lock(&exec_pids.lock);
  for (size_t i = 0; i < exec_pids.n; i++) {
    if (exec_pids.v[i].id != id) continue;
    if (pid == 0) exec_pids.v[i] = exec_pids.v[--exec_pids.n];
    else exec_pids.v[i].pid = pid;
    goto done;
  }
  if (pid == 0) goto done;
  if (exec_pids.n == exec_pids.cap) {
    size_t cap = exec_pids.cap ? exec_pids.cap * 2 : 16;
    void *p = realloc(exec_pids.v, cap * sizeof(*exec_pids.v));
    if (p == NULL) goto done; /* The listing shows the daemon's pid. */
    exec_pids.v = p;
    exec_pids.cap = cap;
  }
  exec_pids.v[exec_pids.n].id = id;
  exec_pids.v[exec_pids.n].pid = pid;
  exec_pids.n++;
done:
  if (exec_pids.n == 0) {
    /* The last exec actor gone: give the memory back. */
    free(exec_pids.v);
    exec_pids.v = NULL;
    exec_pids.cap = 0;
  }
  pthread_mutex_unlock(&exec_pids.lock);
}

int exec_pid(act_id_t id) {
  int pid = 0;

  pthread_mutex_lock(&exec_pids.lock);
  for (size_t i = 0; i < exec_pids.n; i++)
    if (exec_pids.v[i].id == id) pid = exec_pids.v[i].pid;
  pthread_mutex_unlock(&exec_pids.lock);
  return pid;
}

/* ------------------------------------------------------------------ state */

typedef struct exec exec_t;

/* One output stream of the program. */
typedef struct exec_out {
  uv_pipe_t pipe;
  exec_t *x;
  int level;        /* ACT_LOG_INFO (stdout) or ACT_LOG_WARN (stderr) */
  int open;         /* still reading: no end of file yet */
  uint64_t lines;   /* log lines it gave */
  size_t len;       /* bytes in line */
  char line[EXEC_LINE_MAX];
} exec_out_t;

/* A write to the program's stdin, with its bytes. */
typedef struct exec_write {
  uv_write_t req;
  exec_t *x;
  char data[];
} exec_write_t;

struct exec {
  act_ctx_t *ctx;   /* NULL once terminate() ran: the actor is gone */
  act_id_t id;
  uv_loop_t *loop;
  uv_process_t proc;
  uv_pipe_t in;
  uv_pipe_t guard;  /* fd 3 of the launcher (see exec_launch) */
  exec_out_t out, err;
  uv_timer_t tick;
  uv_shutdown_t shut;
  unsigned handles; /* initialized and not yet closed; at 0, free */

  json_t *argv;     /* args.argv */
  char *path;       /* argv[0] as found in PATH */
  char *cwd;        /* or NULL */
  int stop_signal;
  uint64_t stop_timeout_ms;
  uint64_t started_ms; /* wall clock */

  int pid;          /* also the process group's id */
  int running;      /* started and not yet reaped */
  int stdin_open;
  int64_t exit_status;
  int term_signal;
  char reason[64];  /* what the program's end means: "exit:3", ... */

  /* The end: set while stopping or once the program exited. */
  char *stop_reason;   /* the exit signal's reason, when stopped */
  int ending;          /* the tick runs: the end is in progress */
  int killed;          /* SIGKILL sent to the group */
  int group_gone;      /* no process of the group is left */
  int finished;        /* act_exit called */
  uint64_t kill_at, give_up_at, drain_until; /* loop times (uv_now) */
};

/* The buffer reads go into. A loop makes one read at a time and the bytes
   are cut into lines (copied) before the next, so one buffer per scheduler
   thread serves every program on it; one per program made each exec actor
   cost 64 KiB, which is most of what a thousand programs cost actord. */
static __thread char exec_rbuf[EXEC_READ_MAX];

static void exec_close_cb(uv_handle_t *h) {
  exec_t *x = h->data;

  if (--x->handles > 0) return;
  json_decref(x->argv);
  free(x->path);
  free(x->cwd);
  free(x->stop_reason);
  free(x);
}

static void exec_close(exec_t *x, uv_handle_t *h) {
  if (h->loop != NULL && !uv_is_closing(h)) uv_close(h, exec_close_cb);
}

/* Close every handle but a process that is still to be reaped: libuv
   reaps it only while its handle is open. */
static void exec_close_all(exec_t *x) {
  exec_close(x, (uv_handle_t *)&x->tick);
  exec_close(x, (uv_handle_t *)&x->in);
  exec_close(x, (uv_handle_t *)&x->out.pipe);
  exec_close(x, (uv_handle_t *)&x->err.pipe);
  exec_close(x, (uv_handle_t *)&x->guard);
  if (!x->running) exec_close(x, (uv_handle_t *)&x->proc);
}

/* ----------------------------------------------------------------- output */

/* Log n bytes of output as one or more lines: invalid UTF-8 and NUL bytes
   become U+FFFD (log lines are JSON strings), a trailing CR goes (CRLF
   output), and pieces longer than a log line holds are cut at a character
   boundary. */
static void exec_out_emit(exec_out_t *o, const char *s, size_t n) {
  static const char rep[] = "\xef\xbf\xbd";
  char buf[EXEC_LINE_MAX + 8];
  size_t len = 0, i = 0;

  if (o->x->ctx == NULL) return;
  if (n > 0 && s[n - 1] == '\r') n--;
  while (i < n) {
    unsigned char c = (unsigned char)s[i];
    size_t k = 0, j;

    /* The length of a well-formed sequence starting at i, or 0. */
    if (c >= 0x01 && c < 0x80) k = 1;
    else if (c >= 0xc2 && c <= 0xdf) k = 2;
    else if (c >= 0xe0 && c <= 0xef) k = 3;
    else if (c >= 0xf0 && c <= 0xf4) k = 4;
    if (k > 1) {
      if (i + k > n) k = 0;
      for (j = 1; k && j < k; j++)
        if (((unsigned char)s[i + j] & 0xc0) != 0x80) k = 0;
      /* Overlong, surrogate and out-of-range forms. */
      if (k == 3 && ((c == 0xe0 && (unsigned char)s[i + 1] < 0xa0) ||
                     (c == 0xed && (unsigned char)s[i + 1] > 0x9f)))
        k = 0;
      if (k == 4 && ((c == 0xf0 && (unsigned char)s[i + 1] < 0x90) ||
                     (c == 0xf4 && (unsigned char)s[i + 1] > 0x8f)))
        k = 0;
    }
    if (len + (k ? k : 3) > EXEC_LINE_MAX) {
      buf[len] = '\0';
      act_log(o->x->ctx, o->level, "%s", buf);
      o->lines++;
      len = 0;
    }
    if (k == 0) {
      memcpy(buf + len, rep, 3);
      len += 3;
      i++;
    } else {
      memcpy(buf + len, s + i, k);
      len += k;
      i += k;
    }
  }
  buf[len] = '\0';
  act_log(o->x->ctx, o->level, "%s", buf);
  o->lines++;
}

/* Cut what a read brought into lines. A line longer than EXEC_LINE_MAX is
   logged in pieces, each cut before an incomplete UTF-8 character. */
static void exec_out_feed(exec_out_t *o, const char *s, size_t n) {
  while (n > 0) {
    const char *nl = memchr(s, '\n', n);
    size_t take = nl ? (size_t)(nl - s) : n;

    while (o->len + take > EXEC_LINE_MAX) {
      size_t room = EXEC_LINE_MAX - o->len, cut;

      memcpy(o->line + o->len, s, room);
      o->len = EXEC_LINE_MAX;
      s += room;
      n -= room;
      take -= room;
      /* Keep a character that does not end in this piece for the next. */
      cut = EXEC_LINE_MAX;
      for (size_t back = 1; back <= 3 && back <= cut; back++) {
        unsigned char c = (unsigned char)o->line[cut - back];
        if ((c & 0xc0) == 0x80) continue;
        if (c >= 0xc0) {
          size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
          if (need > back) cut -= back;
        }
        break;
      }
      exec_out_emit(o, o->line, cut);
      memmove(o->line, o->line + cut, EXEC_LINE_MAX - cut);
      o->len = EXEC_LINE_MAX - cut;
    }
    memcpy(o->line + o->len, s, take);
    o->len += take;
    s += take;
    n -= take;
    if (nl != NULL) {
      exec_out_emit(o, o->line, o->len);
      o->len = 0;
      s++;
      n--;
    }
  }
}

/* A final line without its newline. */
static void exec_out_flush(exec_out_t *o) {
  if (o->len == 0) return;
  exec_out_emit(o, o->line, o->len);
  o->len = 0;
}

static void exec_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)h;
  (void)suggested;
  *buf = uv_buf_init(exec_rbuf, sizeof(exec_rbuf));
}

static void exec_check(exec_t *x);

static void exec_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  exec_out_t *o = (exec_out_t *)s;

  if (nread > 0) {
    exec_out_feed(o, buf->base, (size_t)nread);
    return;
  }
  if (nread == 0) return; /* EAGAIN */
  /* The end of the stream (or an error, which ends it as well). */
  uv_read_stop(s);
  o->open = 0;
  exec_out_flush(o);
  if (nread != UV_EOF && o->x->ctx != NULL)
    act_log(o->x->ctx, ACT_LOG_WARN, "reading the program's %s: %s",
            o == &o->x->out ? "stdout" : "stderr", uv_strerror((int)nread));
  exec_check(o->x);
}

/* Read what is already in a pipe, without waiting (terminate() cannot wait
   for the loop). */
static void exec_out_drain(exec_out_t *o) {
  uv_os_fd_t fd;
  ssize_t n;

  if (o->open && uv_fileno((uv_handle_t *)&o->pipe, &fd) == 0) {
    while ((n = read(fd, exec_rbuf, sizeof(exec_rbuf))) > 0)
      exec_out_feed(o, exec_rbuf, (size_t)n);
  }
  exec_out_flush(o);
}

/* ------------------------------------------------------------------ stdin */

static void exec_write_cb(uv_write_t *req, int status) {
  exec_write_t *w = req->data;
  exec_t *x = w->x;

  if (status < 0 && status != UV_ECANCELED && x->stdin_open) {
    /* The program closed its stdin or is gone: nothing more can go. */
    x->stdin_open = 0;
    if (x->ctx != NULL)
      act_log(x->ctx, ACT_LOG_WARN, "stdin: %s; closed",
              uv_strerror(status));
  }
  free(w);
}

/* Write len bytes (and a newline when nl) to the program's stdin. 0, or a
   negative act_errno_t with the reason in err. */
static int exec_write(exec_t *x, const char *data, size_t len, int nl,
                      char *err, size_t errlen) {
  exec_write_t *w;
  uv_buf_t b;
  int rc;

  if (!x->stdin_open) {
    snprintf(err, errlen, "stdin: closed (%s)",
             x->running ? "by the program or by close_stdin"
                        : "the program is not running");
    return ACT_EUNAVAIL;
  }
  if (uv_stream_get_write_queue_size((uv_stream_t *)&x->in) + len >
      EXEC_STDIN_MAX) {
    snprintf(err, errlen,
             "stdin: the program has not read the last %zu bytes; message "
             "dropped",
             uv_stream_get_write_queue_size((uv_stream_t *)&x->in));
    return ACT_EMBOXFULL;
  }
  if ((w = malloc(sizeof(*w) + len + 1)) == NULL) {
    snprintf(err, errlen, "stdin: out of memory");
    return ACT_ENOMEM;
  }
  w->x = x;
  w->req.data = w;
  memcpy(w->data, data, len);
  if (nl) w->data[len++] = '\n';
  b = uv_buf_init(w->data, (unsigned)len);
  if ((rc = uv_write(&w->req, (uv_stream_t *)&x->in, &b, 1, exec_write_cb)) !=
      0) {
    free(w);
    x->stdin_open = 0;
    snprintf(err, errlen, "stdin: %s; closed", uv_strerror(rc));
    return ACT_EIO;
  }
  return 0;
}

static void exec_shutdown_cb(uv_shutdown_t *req, int status) {
  (void)req;
  (void)status;
}

/* ------------------------------------------------------------- the end */

/* Signal the program's process group; 0 or -errno. */
static int exec_group_kill(exec_t *x, int sig) {
  if (x->pid <= 0) return -ESRCH;
  return kill(-x->pid, sig) == 0 ? 0 : -errno;
}

/* Is no process of the group left? */
static int exec_group_empty(exec_t *x) {
  return exec_group_kill(x, 0) == -ESRCH;
}

static void exec_tick_cb(uv_timer_t *t);

/* Start waiting for the group to empty: the stop signal is sent (to the
   program, or to what it left behind), SIGKILL comes at kill_at. */
static void exec_end_begin(exec_t *x) {
  uint64_t now = uv_now(x->loop);

  if (x->ending) return;
  x->ending = 1;
  if (exec_group_kill(x, x->stop_signal) == 0 && x->stop_signal != SIGKILL &&
      x->stop_signal != SIGCONT)
    /* A stopped program must run to handle the signal (as s6 and runit
       do, CONT follows). */
    exec_group_kill(x, SIGCONT);
  if (x->stop_signal == SIGKILL) x->killed = 1;
  x->kill_at = now + x->stop_timeout_ms;
  x->give_up_at = x->kill_at + EXEC_GIVE_UP_MS;
  uv_timer_start(&x->tick, exec_tick_cb, EXEC_TICK_MS, EXEC_TICK_MS);
}

/* The group is empty: tell the launcher's watcher that it has nothing to
   kill (see exec_launch). */
static void exec_guard_release(exec_t *x) {
  uv_buf_t b = uv_buf_init("", 1);

  if (x->group_gone && x->guard.loop != NULL &&
      !uv_is_closing((uv_handle_t *)&x->guard))
    uv_try_write((uv_stream_t *)&x->guard, &b, 1);
}

/* The program, its group and its output are all gone: the actor exits,
   with the reason of the exit signal that stopped it, else the program's. */
static void exec_finish(exec_t *x) {
  x->finished = 1;
  exec_guard_release(x);
  uv_timer_stop(&x->tick);
  exec_out_flush(&x->out);
  exec_out_flush(&x->err);
  if (x->ctx == NULL) return;
  act_exit(x->ctx, x->stop_reason != NULL ? x->stop_reason : x->reason);
}

/* Move the end on as far as it can go now. Called whenever something it
   waits for may have happened: the program reaped, a pipe at its end, a
   tick. */
static void exec_check(exec_t *x) {
  uint64_t now = uv_now(x->loop);

  if (x->finished || x->running || !x->ending) return;
  if (!x->group_gone) {
    if (exec_group_empty(x)) {
      x->group_gone = 1;
      x->drain_until = now + EXEC_DRAIN_MS;
    } else if (now >= x->give_up_at) {
      if (x->ctx != NULL)
        act_log(x->ctx, ACT_LOG_WARN,
                "process group %d still not empty %d ms after SIGKILL; "
                "not waiting for it any longer",
                x->pid, EXEC_GIVE_UP_MS);
      x->group_gone = 1;
      x->drain_until = now;
    } else {
      return;
    }
  }
  if ((x->out.open || x->err.open) && now < x->drain_until) return;
  exec_finish(x);
}

static void exec_tick_cb(uv_timer_t *t) {
  exec_t *x = t->data;

  if (!x->killed && uv_now(x->loop) >= x->kill_at) {
    x->killed = 1;
    if (exec_group_kill(x, SIGKILL) == 0 && x->ctx != NULL) {
      char name[16];
      exec_signal_format(x->stop_signal, name, sizeof(name));
      act_log(x->ctx, ACT_LOG_WARN,
              "still running %llu ms after %s: sending SIGKILL",
              (unsigned long long)x->stop_timeout_ms, name);
    }
  }
  exec_check(x);
}

/* What the program's end means as an exit reason. */
static void exec_reason(exec_t *x) {
  char name[16];

  if (x->term_signal != 0) {
    exec_signal_format(x->term_signal, name, sizeof(name));
    snprintf(x->reason, sizeof(x->reason), "signal:%s", name);
  } else if (x->exit_status == 0) {
    snprintf(x->reason, sizeof(x->reason), "normal");
  } else {
    snprintf(x->reason, sizeof(x->reason), "exit:%lld",
             (long long)x->exit_status);
  }
}

/* The program has been reaped. */
static void exec_exited(exec_t *x) {
  x->running = 0;
  x->stdin_open = 0;
  exec_pids_set(x->id, 0);
  exec_reason(x);
  if (x->ctx != NULL)
    act_log(x->ctx, x->term_signal == 0 && x->exit_status == 0
                        ? ACT_LOG_INFO
                        : ACT_LOG_WARN,
            "program %d ended: %s", x->pid, x->reason);
}

static void exec_exit_cb(uv_process_t *p, int64_t exit_status,
                         int term_signal) {
  exec_t *x = p->data;

  x->exit_status = exit_status;
  x->term_signal = term_signal;
  exec_exited(x);
  if (x->ctx == NULL) {
    /* terminate() gave up waiting for it: now it can go. */
    exec_close(x, (uv_handle_t *)&x->proc);
    return;
  }
  /* Whatever the program left in its group is stopped like the program
     itself would have been. */
  exec_end_begin(x);
  exec_check(x);
}

/* Stop the program: an exit signal with this reason arrived. */
static void exec_stop(exec_t *x, const char *reason) {
  if (x->stop_reason == NULL) x->stop_reason = strdup(reason);
  if (x->stop_reason == NULL) {
    /* Without memory for the reason, the actor is killed instead; its
       terminate() ends the program. */
    act_exit(x->ctx, "error:out of memory");
    return;
  }
  if (x->running && !x->ending && x->ctx != NULL) {
    char name[16];
    exec_signal_format(x->stop_signal, name, sizeof(name));
    act_log(x->ctx, ACT_LOG_INFO, "stopping (%s): %s to process group %d",
            reason, name, x->pid);
  }
  exec_end_begin(x);
  exec_check(x);
}

/* ------------------------------------------------------------------- init */

/* Can the program at cand be run? 0, or -errno. A relative cand is taken
   from dir (the program's working directory) when dir is not NULL, as the
   launcher will see it after libuv's chdir. */
static int exec_runnable(const char *cand, const char *dir) {
  struct stat st;
  char *full = NULL;
  int err;

  if (cand[0] != '/' && dir != NULL) {
    if (asprintf(&full, "%s/%s", dir, cand) < 0) return -ENOMEM;
    cand = full;
  }
  if (stat(cand, &st) != 0) err = -errno;
  else if (S_ISDIR(st.st_mode)) err = -EACCES;
  else if (access(cand, X_OK) != 0) err = -errno;
  else err = 0;
  free(full);
  return err;
}

/* Find file as execvp(3) would, in path (a PATH value): into *out (new), or
   -ENOENT, or -EACCES when something was found but cannot be run (as
   execvp, the search goes on, and reports EACCES only when nothing
   runnable is found). A name with a slash is taken as it is. Relative
   names and PATH elements are relative to dir (see exec_runnable). */
static int exec_find(const char *file, const char *path, const char *dir,
                     char **out) {
  int err = -ENOENT, rc;
  char *cand;

  if (strchr(file, '/') != NULL) {
    if ((rc = exec_runnable(file, dir)) != 0) return rc;
    return (*out = strdup(file)) != NULL ? 0 : -ENOMEM;
  }
  if (path == NULL) path = "/usr/local/bin:/usr/bin:/bin";
  for (const char *p = path;; p++) {
    const char *end = strchr(p, ':');
    size_t n = end ? (size_t)(end - p) : strlen(p);

    /* An empty element is the working directory, as for execvp. */
    if (asprintf(&cand, "%.*s/%s", n ? (int)n : 1, n ? p : ".", file) < 0)
      return -ENOMEM;
    rc = exec_runnable(cand, dir);
    if (rc == 0) {
      *out = cand;
      return 0;
    }
    free(cand);
    if (rc == -ENOMEM) return rc;
    if (rc != -ENOENT && rc != -ENOTDIR) err = -EACCES;
    if (end == NULL) break;
    p = end;
  }
  return err;
}

/* Is k a name an environment variable can have? */
static int exec_env_key_ok(const char *k) {
  return k[0] != '\0' && strchr(k, '=') == NULL;
}

/* The daemon's environment with env's variables added or replaced, as a
   NULL-terminated array in one allocation (*out), or NULL for no change. */
static int exec_env_build(json_t *env, char ***out) {
  extern char **environ;
  size_t n = 0, size = 0, i = 0, len;
  const char *k;
  json_t *v;
  char **arr, *p;

  *out = NULL;
  if (env == NULL || json_object_size(env) == 0) return 0;
  for (char **e = environ; *e != NULL; e++) {
    n++;
    size += strlen(*e) + 1;
  }
  json_object_foreach(env, k, v) {
    n++;
    size += strlen(k) + 1 + json_string_length(v) + 1;
  }
  if ((arr = malloc((n + 1) * sizeof(char *) + size)) == NULL)
    return ACT_ENOMEM;
  p = (char *)(arr + n + 1);
  for (char **e = environ; *e != NULL; e++) {
    const char *eq = strchr(*e, '=');
    char key[256];
    if (eq != NULL && (size_t)(eq - *e) < sizeof(key)) {
      memcpy(key, *e, (size_t)(eq - *e));
      key[eq - *e] = '\0';
      if (json_object_get(env, key) != NULL) continue;
    }
    len = strlen(*e) + 1;
    arr[i++] = memcpy(p, *e, len);
    p += len;
  }
  json_object_foreach(env, k, v) {
    size_t klen = strlen(k), vlen = strlen(json_string_value(v));
    /* size counted json_string_length, never less than this. */
    arr[i++] = p;
    memcpy(p, k, klen);
    p[klen] = '=';
    memcpy(p + klen + 1, json_string_value(v), vlen + 1);
    p += klen + 1 + vlen + 1;
  }
  arr[i] = NULL;
  *out = arr;
  return 0;
}

/* Fail init with a reason that names the problem. */
static int __attribute__((format(printf, 3, 4)))
exec_init_fail(act_ctx_t *ctx, int err, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  int n;

  n = snprintf(buf, sizeof(buf), "error:init: exec: ");
  va_start(ap, fmt);
  vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
  va_end(ap);
  act_exit(ctx, buf);
  return err;
}

/* Check the args; 0, or the actor's init failure. */
static int exec_args_check(act_ctx_t *ctx, json_t *args) {
  static const char *const known[] = {"argv", "env", "cwd", "stop_signal",
                                      "stop_timeout_ms", NULL};
  const char *k;
  json_t *v, *argv, *env;
  char got[80];
  size_t i;

  if (!json_is_object(args))
    return exec_init_fail(ctx, ACT_EINVAL,
                          "args: expected an object with \"argv\", got %s",
                          args ? methods_describe(args, got, sizeof(got))
                               : "nothing");
  json_object_foreach(args, k, v) {
    int ok = 0;
    for (i = 0; known[i] != NULL; i++) ok |= strcmp(k, known[i]) == 0;
    if (!ok)
      return exec_init_fail(ctx, ACT_EINVAL,
                            "args: unknown field \"%s\" (known: argv, env, "
                            "cwd, stop_signal, stop_timeout_ms)",
                            k);
  }
  argv = json_object_get(args, "argv");
  if (!json_is_array(argv) || json_array_size(argv) == 0)
    return exec_init_fail(ctx, ACT_EINVAL,
                          "argv: expected a non-empty array of strings, got "
                          "%s",
                          argv ? methods_describe(argv, got, sizeof(got))
                               : "nothing");
  json_array_foreach(argv, i, v) {
    if (!json_is_string(v) ||
        strlen(json_string_value(v)) != json_string_length(v))
      return exec_init_fail(ctx, ACT_EINVAL,
                            "argv[%zu]: expected a string without NUL "
                            "bytes, got %s",
                            i, methods_describe(v, got, sizeof(got)));
  }
  if (json_string_length(json_array_get(argv, 0)) == 0)
    return exec_init_fail(ctx, ACT_EINVAL,
                          "argv[0]: expected the program, got \"\"");
  env = json_object_get(args, "env");
  if (env != NULL && !json_is_object(env))
    return exec_init_fail(ctx, ACT_EINVAL,
                          "env: expected an object of strings, got %s",
                          methods_describe(env, got, sizeof(got)));
  json_object_foreach(env, k, v) {
    if (!exec_env_key_ok(k))
      return exec_init_fail(ctx, ACT_EINVAL,
                            "env: \"%s\" is not a variable name (empty, or "
                            "with '=')",
                            k);
    if (!json_is_string(v) ||
        strlen(json_string_value(v)) != json_string_length(v))
      return exec_init_fail(ctx, ACT_EINVAL,
                            "env.%s: expected a string without NUL bytes, "
                            "got %s",
                            k, methods_describe(v, got, sizeof(got)));
  }
  v = json_object_get(args, "cwd");
  if (v != NULL && (!json_is_string(v) || json_string_length(v) == 0 ||
                    strlen(json_string_value(v)) != json_string_length(v)))
    return exec_init_fail(ctx, ACT_EINVAL,
                          "cwd: expected a directory, got %s",
                          methods_describe(v, got, sizeof(got)));
  v = json_object_get(args, "stop_signal");
  if (v != NULL && exec_signal_parse(v) == 0)
    return exec_init_fail(ctx, ACT_EINVAL,
                          "stop_signal: expected a signal name such as "
                          "\"TERM\" or a number, got %s",
                          methods_describe(v, got, sizeof(got)));
  v = json_object_get(args, "stop_timeout_ms");
  if (v != NULL && (!json_is_integer(v) || json_integer_value(v) < 0 ||
                    json_integer_value(v) > 24 * 3600 * 1000))
    return exec_init_fail(ctx, ACT_EINVAL,
                          "stop_timeout_ms: expected milliseconds from 0 to "
                          "86400000, got %s",
                          methods_describe(v, got, sizeof(got)));
  return 0;
}

static int exec_init(act_ctx_t *ctx, json_t *args, void **state) {
  uv_process_options_t po;
  uv_stdio_container_t stdio[4];
  json_t *env, *v;
  char **lv = NULL, **envp = NULL, ppid[24];
  const char *path_env;
  exec_t *x;
  struct stat st;
  size_t argc, i;
  int rc;

  if ((rc = exec_args_check(ctx, args)) != 0) return rc;
  if ((x = calloc(1, sizeof(*x))) == NULL) return ACT_ENOMEM;
  x->ctx = ctx;
  x->id = act_self(ctx);
  x->loop = act_loop(ctx);
  x->argv = json_incref(json_object_get(args, "argv"));
  x->stop_signal = SIGTERM;
  x->stop_timeout_ms = EXEC_STOP_TIMEOUT_MS;
  x->out.x = x->err.x = x;
  x->out.level = ACT_LOG_INFO;
  x->err.level = ACT_LOG_WARN;
  if ((v = json_object_get(args, "stop_signal")) != NULL)
    x->stop_signal = exec_signal_parse(v);
  if ((v = json_object_get(args, "stop_timeout_ms")) != NULL)
    x->stop_timeout_ms = (uint64_t)json_integer_value(v);
  env = json_object_get(args, "env");

  if ((v = json_object_get(args, "cwd")) != NULL) {
    if ((x->cwd = strdup(json_string_value(v))) == NULL) goto nomem;
    rc = stat(x->cwd, &st) != 0 ? -errno
         : !S_ISDIR(st.st_mode) ? UV_ENOTDIR
                                : 0;
    if (rc != 0) {
      rc = exec_init_fail(ctx, ACT_EINVAL, "cwd: \"%s\": %s", x->cwd,
                          uv_strerror(rc));
      goto fail;
    }
  }
  /* The PATH the program will have is the one its name is looked up in. */
  v = json_object_get(env, "PATH");
  path_env = v != NULL ? json_string_value(v) : getenv("PATH");
  rc = exec_find(json_string_value(json_array_get(x->argv, 0)), path_env,
                 x->cwd, &x->path);
  if (rc == -ENOMEM) goto nomem;
  if (rc != 0) {
    rc = exec_init_fail(ctx, rc == -ENOENT ? ACT_ENOENT : ACT_EDENIED,
                        "cannot run \"%s\": %s",
                        json_string_value(json_array_get(x->argv, 0)),
                        uv_strerror(rc));
    goto fail;
  }
  if (exec_env_build(env, &envp) != 0) goto nomem;

  /* actord --exec-launcher PPID PATH ARGV... (see exec_launch). */
  argc = json_array_size(x->argv);
  if ((lv = calloc(argc + 5, sizeof(*lv))) == NULL) goto nomem;
  snprintf(ppid, sizeof(ppid), "%d", (int)getpid());
  lv[0] = "actord";
  lv[1] = EXEC_LAUNCH_ARG;
  lv[2] = ppid;
  lv[3] = x->path;
  json_array_foreach(x->argv, i, v) lv[4 + i] = (char *)json_string_value(v);

  /* From here on the state is freed by the close callbacks. */
  uv_timer_init(x->loop, &x->tick);
  uv_pipe_init(x->loop, &x->in, 0);
  uv_pipe_init(x->loop, &x->out.pipe, 0);
  uv_pipe_init(x->loop, &x->err.pipe, 0);
  uv_pipe_init(x->loop, &x->guard, 0);
  x->tick.data = x->in.data = x->out.pipe.data = x->err.pipe.data =
      x->guard.data = x->proc.data = x;
  x->handles = 6;

  memset(&po, 0, sizeof(po));
  memset(stdio, 0, sizeof(stdio));
  stdio[0].flags = UV_CREATE_PIPE | UV_READABLE_PIPE;
  stdio[0].data.stream = (uv_stream_t *)&x->in;
  stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
  stdio[1].data.stream = (uv_stream_t *)&x->out.pipe;
  stdio[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
  stdio[2].data.stream = (uv_stream_t *)&x->err.pipe;
  stdio[3].flags = UV_CREATE_PIPE | UV_READABLE_PIPE;
  stdio[3].data.stream = (uv_stream_t *)&x->guard;
  po.exit_cb = exec_exit_cb;
  po.file = actord.self_exe;
  po.args = lv;
  po.env = envp;
  po.cwd = x->cwd;
  /* setsid(): a process group of its own (pgid = pid from the start, so
     that a stop cannot miss it), and no controlling terminal of the
     daemon's to take signals from. */
  po.flags = UV_PROCESS_DETACHED;
  po.stdio_count = 4;
  po.stdio = stdio;
  rc = uv_spawn(x->loop, &x->proc, &po);
  free(lv);
  free(envp);
  lv = NULL;
  envp = NULL;
  if (rc != 0) {
    /* The handle is initialized even when the spawn failed. */
    rc = exec_init_fail(ctx, ACT_EIO, "cannot run \"%s\": %s", x->path,
                        uv_strerror(rc));
    x->ctx = NULL;
    exec_close_all(x);
    exec_close(x, (uv_handle_t *)&x->proc);
    return rc;
  }
  x->pid = x->proc.pid;
  x->running = 1;
  x->stdin_open = 1;
  x->started_ms = act__wall_ms();
  x->out.open = x->err.open = 1;
  uv_read_start((uv_stream_t *)&x->out.pipe, exec_alloc_cb, exec_read_cb);
  uv_read_start((uv_stream_t *)&x->err.pipe, exec_alloc_cb, exec_read_cb);
  exec_pids_set(x->id, x->pid);
  /* Exit signals (the supervisor's "shutdown") must come as messages, so
     that the program is stopped before the actor goes. */
  act_trap_exit(ctx, 1);
  act_log(ctx, ACT_LOG_INFO, "started %s (pid %d)", x->path, x->pid);
  *state = x;
  return 0;

nomem:
  rc = exec_init_fail(ctx, ACT_ENOMEM, "out of memory");
fail:
  free(lv);
  free(envp);
  json_decref(x->argv);
  free(x->path);
  free(x->cwd);
  free(x);
  return rc;
}

/* ---------------------------------------------------------------- handle */

static json_t *exec_status(exec_t *x) {
  return json_pack("{s:o, s:b, s:b}", "pid",
                   x->running ? json_integer(x->pid) : json_null(), "running",
                   x->running, "stdin_open", x->stdin_open);
}

/* Answer a call, or for a send, log what went wrong. */
static int exec_answer(act_ctx_t *ctx, exec_t *x, const act_msg_t *msg,
                       int err, const char *why) {
  if (msg->flags & ACT_MSG_F_ASK) {
    if (err == 0) return act_reply_json(ctx, msg, exec_status(x));
    return act_reply_json(ctx, msg,
                          json_pack("{s:{s:s, s:s}}", "error", "kind",
                                    act_err_kind(err), "message", why));
  }
  if (err != 0) act_log(ctx, ACT_LOG_WARN, "message ignored: %s", why);
  return 0;
}

static int exec_handle(act_ctx_t *ctx, void *state, const act_msg_t *msg) {
  exec_t *x = state;
  json_t *v, *j = msg->json;
  char why[256], got[80];
  const char *k;
  int err = 0, sig;

  if (msg->type == ACT_MSG_EXIT) {
    /* As an actor that does not trap exits: "normal" from another actor
       changes nothing, any other reason ends it, the program first. */
    if (msg->reason != NULL && strcmp(msg->reason, "normal") != 0)
      exec_stop(x, msg->reason);
    return 0;
  }
  if (msg->type != ACT_MSG_USER) return 0;
  why[0] = '\0';

  if (msg->payload == ACT_PAYLOAD_BYTES) {
    /* Bytes from another plugin go as they are. */
    err = exec_write(x, msg->data, msg->len, 0, why, sizeof(why));
  } else if (msg->payload == ACT_PAYLOAD_JSON && json_is_string(j)) {
    err = exec_write(x, json_string_value(j), json_string_length(j), 1, why,
                     sizeof(why));
  } else if (msg->payload == ACT_PAYLOAD_JSON && json_is_object(j) &&
             json_object_size(j) > 0) {
    json_object_foreach(j, k, v) {
      if (strcmp(k, "signal") == 0) {
        if ((sig = exec_signal_parse(v)) == 0) {
          snprintf(why, sizeof(why),
                   "signal: expected a signal name such as \"HUP\" or a "
                   "number, got %s",
                   methods_describe(v, got, sizeof(got)));
          err = ACT_EINVAL;
        } else if (!x->running) {
          snprintf(why, sizeof(why), "signal: the program is not running");
          err = ACT_EUNAVAIL;
        } else if (exec_group_kill(x, sig) != 0) {
          snprintf(why, sizeof(why), "signal: %s", strerror(errno));
          err = ACT_EIO;
        }
      } else if (strcmp(k, "close_stdin") == 0) {
        if (!json_is_true(v)) {
          snprintf(why, sizeof(why), "close_stdin: expected true, got %s",
                   methods_describe(v, got, sizeof(got)));
          err = ACT_EINVAL;
        } else if (x->stdin_open) {
          /* What is queued goes first, then the end of file. */
          x->stdin_open = 0;
          uv_shutdown(&x->shut, (uv_stream_t *)&x->in, exec_shutdown_cb);
        }
      } else if (strcmp(k, "pid") != 0 && strcmp(k, "status") != 0) {
        snprintf(why, sizeof(why),
                 "unknown field \"%s\" (expected a string for stdin, "
                 "{\"signal\":SIG}, {\"close_stdin\":true} or "
                 "{\"pid\":true})",
                 k);
        err = ACT_EINVAL;
      }
      if (err != 0) break;
    }
  } else {
    snprintf(why, sizeof(why),
             "expected a string for stdin, {\"signal\":SIG}, "
             "{\"close_stdin\":true} or {\"pid\":true}, got %s",
             msg->payload == ACT_PAYLOAD_JSON
                 ? methods_describe(j, got, sizeof(got))
                 : "an empty message");
    err = ACT_EINVAL;
  }
  return exec_answer(ctx, x, msg, err, why);
}

/* ------------------------------------------------------------- terminate */

/*
 * The runtime calls terminate() synchronously, and frees the actor right
 * after; when the actor ends without the orderly end above (an untrappable
 * kill, a forced stop, a failing handler), the program may still run. It
 * is killed here, and reaped here, with a bounded wait: once terminate()
 * returns, nothing would stop the program any more, and a daemon stopping
 * its runtime would close the process handle before libuv reaped it.
 */
static void exec_terminate(act_ctx_t *ctx, void *state, const char *reason) {
  exec_t *x = state;
  int status = 0;
  pid_t r = 0;

  (void)reason;
  if (x->running) {
    exec_group_kill(x, SIGKILL);
    for (int waited = 0; waited < EXEC_REAP_MS; waited++) {
      r = waitpid(x->pid, &status, WNOHANG);
      if (r != 0 || waited + 1 == EXEC_REAP_MS) break;
      nanosleep(&(struct timespec){0, 1000000}, NULL);
    }
    if (r == x->pid) {
      x->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
      x->term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
      exec_exited(x);
    } else if (r < 0) {
      /* Reaped already (ECHILD): libuv must not wait for it. */
      exec_exited(x);
    } else {
      act_log(ctx, ACT_LOG_ERROR,
              "program %d did not die within %d ms of SIGKILL; it is "
              "reaped when it does",
              x->pid, EXEC_REAP_MS);
    }
  } else if (x->pid > 0 && !x->group_gone) {
    /* What the program left in its group goes with the actor. */
    exec_group_kill(x, SIGKILL);
  }
  exec_out_drain(&x->out);
  exec_out_drain(&x->err);
  exec_pids_set(x->id, 0);
  x->ctx = NULL;
  exec_close_all(x);
}

/* --------------------------------------------------------------- inspect */

static json_t *exec_inspect(void *state) {
  exec_t *x = state;
  char sig[16];

  exec_signal_format(x->stop_signal, sig, sizeof(sig));
  return json_pack(
      "{s:o, s:O, s:s, s:s?, s:I, s:b, s:b, s:s, s:I, s:b, s:I, s:I, s:s?}",
      "pid", x->running ? json_integer(x->pid) : json_null(), "argv", x->argv,
      "path", x->path, "cwd", x->cwd, "started_ms", (json_int_t)x->started_ms,
      "running", x->running, "stdin_open", x->stdin_open, "stop_signal", sig,
      "stop_timeout_ms", (json_int_t)x->stop_timeout_ms, "stopping",
      x->ending && x->stop_reason != NULL, "stdout_lines",
      (json_int_t)x->out.lines, "stderr_lines", (json_int_t)x->err.lines,
      "exit", x->running ? NULL : x->reason);
}

void exec_spec_complete(json_t *spec) {
  json_t *plugin = json_object_get(spec, "plugin"), *t;
  json_int_t ms = EXEC_STOP_TIMEOUT_MS;

  if (!json_is_string(plugin) ||
      strcmp(json_string_value(plugin), "exec") != 0 ||
      json_object_get(spec, "shutdown_ms") != NULL)
    return;
  t = json_object_get(json_object_get(spec, "args"), "stop_timeout_ms");
  /* A bad value fails the actor's init, which says why. */
  if (json_is_integer(t) && json_integer_value(t) >= 0 &&
      json_integer_value(t) <= 24 * 3600 * 1000)
    ms = json_integer_value(t);
  json_object_set_new(spec, "shutdown_ms",
                      json_integer(ms + EXEC_SHUTDOWN_MARGIN_MS));
}

const act_plugin_t exec_plugin = {
    .abi_version = ACT_ABI_VERSION,
    .size = sizeof(act_plugin_t),
    .name = "exec",
    .version = "1.0.0",
    .description = "an OS program under supervision: its output to the log, "
                   "messages to its stdin, its exit the actor's",
    .init = exec_init,
    .handle = exec_handle,
    .terminate = exec_terminate,
    .inspect = exec_inspect,
};
