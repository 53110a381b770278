/* main.c - actord: options, boot, signals, shutdown. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "actor/error.h"
#include "actord.h"
#include "config.h"
#include "conn.h"
#include "events.h"
#include "exec.h"
#include "isolate.h"
#include "logs.h"
#include "proto.h"
#include "server.h"
#include "state.h"

/* The installed plugin directory; the build sets it from PREFIX. */
#ifndef ACT_PLUGIN_DIR
#define ACT_PLUGIN_DIR "/usr/local/lib/actord/plugins"
#endif

/* How long boot waits for the restore and the config's children before it
   answers on the socket anyway. */
#define MAIN_BOOT_WAIT_MS 3000
/* Past the stop timeout, this much more, and the process just exits. */
#define MAIN_WATCHDOG_MS 5000

actord_t actord;

static struct {
  uv_loop_t loop;
  uv_signal_t sig_term, sig_int, sig_hup;
  uv_timer_t boot_timer, watchdog;
  uv_async_t stopped;
  uv_thread_t stop_thread;
  int stop_started;
  int listening;
  int ready_fd; /* -d: the pipe to the waiting parent, or -1 */
  int lock_fd;
  int daemonize;
  int exit_code; /* of main, once stopped */
  int log_level;
  const char *log_file;
  json_t *config;
  conn_t *internal;
  char lock_path[PATH_MAX + 8];
} main_s = {.ready_fd = -1, .lock_fd = -1, .log_level = ACT_LOG_INFO};

static void main_usage(FILE *out) {
  fprintf(out,
          "usage: actord [-d] [-s SOCKET] [-c CONFIG] [-p PLUGIN_DIR]... "
          "[-S STATE_DIR]\n"
          "              [-j THREADS] [-l debug|info|warn|error] [-L LOG_FILE] "
          "[--ephemeral]\n"
          "\n"
          "  -d, --daemonize        detach; return once the socket listens\n"
          "  -s, --socket PATH      control socket (default: $ACTORD_SOCKET,\n"
          "                         $XDG_RUNTIME_DIR/actord/control.sock or\n"
          "                         /tmp/actord-$UID/control.sock)\n"
          "  -c, --config FILE      configuration file (JSON)\n"
          "  -p, --plugin-dir DIR   load the plugins of DIR (repeatable)\n"
          "  -S, --state-dir DIR    state directory (default:\n"
          "                         $XDG_STATE_HOME/actord or "
          "~/.local/state/actord)\n"
          "  -j, --threads N        scheduler threads (default: CPUs)\n"
          "  -l, --log-level LEVEL  debug, info, warn or error (default: info)\n"
          "  -L, --log-file FILE    log there instead of stderr\n"
          "      --ephemeral        keep no state: no restore, no record\n"
          "  -h, --help             this text\n"
          "  -V, --version          the version\n");
}

/* A usage error: one line naming what was wrong, exit 2. */
static void __attribute__((noreturn, format(printf, 1, 2)))
main_usage_error(const char *fmt, ...) {
  va_list ap;
  fputs("actord: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputs("\n", stderr);
  exit(2);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
main_die(const char *fmt, ...) {
  va_list ap;
  char line[1024];
  va_start(ap, fmt);
  vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  fprintf(stderr, "actord: %s\n", line);
  /* The log file too, when there is one: that is where a detached daemon's
     operator looks. */
  if (main_s.log_file != NULL) logs_error("%s", line);
  exit(1);
}

/* An absolute version of path (relative to the working directory). */
static char *main_abs(const char *path) {
  char cwd[PATH_MAX], *out;

  if (path[0] == '/') return strdup(path);
  if (getcwd(cwd, sizeof(cwd)) == NULL) return strdup(path);
  if (asprintf(&out, "%s/%s", cwd, path) < 0) return NULL;
  return out;
}

/* mkdir -p, the last levels with mode 0700. */
static int main_mkdirs(const char *path) {
  char buf[PATH_MAX];
  size_t n = strlen(path);

  if (n == 0 || n >= sizeof(buf)) return ACT_EINVAL;
  memcpy(buf, path, n + 1);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir(buf, 0700) != 0 && errno != EEXIST) return ACT_EIO;
    *p = '/';
  }
  if (mkdir(buf, 0700) != 0 && errno != EEXIST) return ACT_EIO;
  return 0;
}

int main_plugin_dir_add(const char *dir) {
  char *abs, **dirs;

  if ((abs = main_abs(dir)) == NULL) return ACT_ENOMEM;
  for (size_t i = 0; i < actord.n_plugin_dirs; i++) {
    if (strcmp(actord.plugin_dirs[i], abs) == 0) {
      free(abs);
      return 0;
    }
  }
  dirs = realloc(actord.plugin_dirs,
                 (actord.n_plugin_dirs + 1) * sizeof(*dirs));
  if (dirs == NULL) {
    free(abs);
    return ACT_ENOMEM;
  }
  actord.plugin_dirs = dirs;
  actord.plugin_dirs[actord.n_plugin_dirs++] = abs;
  return 1;
}

static int main_is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Without -p: the installed directory, and when running from the build
   tree, build/plugins beside build/bin. */
static void main_default_plugin_dirs(void) {
  char exe[PATH_MAX], *slash;
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

  if (main_is_dir(ACT_PLUGIN_DIR)) main_plugin_dir_add(ACT_PLUGIN_DIR);
  if (n <= 0) return;
  exe[n] = '\0';
  if ((slash = strrchr(exe, '/')) == NULL) return;
  *slash = '\0';
  if ((size_t)snprintf(actord.exe_plugin_dir, sizeof(actord.exe_plugin_dir),
                       "%s/../plugins", exe) >= sizeof(actord.exe_plugin_dir))
    return;
  if (main_is_dir(actord.exe_plugin_dir)) {
    char real[PATH_MAX];
    if (realpath(actord.exe_plugin_dir, real) != NULL)
      main_plugin_dir_add(real);
  }
}

/* exec's launchers and the isolate hosts are actord re-executed.
   /proc/self/exe in the child would run the same binary even after an
   upgrade replaced the file, but under a tool that runs actord on a
   virtual CPU (valgrind) it names the tool, not actord. A descriptor of
   the binary opened at boot through /proc/self/exe (which such tools
   redirect to the program they run) keeps the first property and names
   the right file in both cases. It sits above the children's stdio slots,
   which uv_spawn fills with dup2() before the exec, and closes on exec. */
static void main_self_exe(void) {
  int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC), high = -1;

  if (fd >= 0) {
    high = fcntl(fd, F_DUPFD_CLOEXEC, 16);
    close(fd);
  }
  if (high >= 0)
    snprintf(actord.self_exe, sizeof(actord.self_exe), "/proc/self/fd/%d",
             high);
  else
    snprintf(actord.self_exe, sizeof(actord.self_exe), "/proc/self/exe");
}

static void main_default_state_dir(void) {
  const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

  if (xdg != NULL && xdg[0] == '/')
    snprintf(actord.state_dir, sizeof(actord.state_dir), "%s/actord", xdg);
  else if (home != NULL && home[0] != '\0')
    snprintf(actord.state_dir, sizeof(actord.state_dir),
             "%s/.local/state/actord", home);
  else
    snprintf(actord.state_dir, sizeof(actord.state_dir),
             "/tmp/actord-%u/state", (unsigned)getuid());
}

static void main_parse(int argc, char **argv) {
  static const struct option longopts[] = {
      {"daemonize", no_argument, NULL, 'd'},
      {"socket", required_argument, NULL, 's'},
      {"config", required_argument, NULL, 'c'},
      {"plugin-dir", required_argument, NULL, 'p'},
      {"state-dir", required_argument, NULL, 'S'},
      {"threads", required_argument, NULL, 'j'},
      {"log-level", required_argument, NULL, 'l'},
      {"log-file", required_argument, NULL, 'L'},
      {"ephemeral", no_argument, NULL, 'E'},
      {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, 'V'},
      {NULL, 0, NULL, 0},
  };
  const char *sock = NULL, *state = NULL;
  char *abs, *end;
  int ch, given_dirs = 0;
  long n;

  opterr = 0;
  while ((ch = getopt_long(argc, argv, ":ds:c:p:S:j:l:L:hV", longopts,
                           NULL)) != -1) {
    switch (ch) {
    case 'd':
      main_s.daemonize = 1;
      break;
    case 's':
      if (optarg[0] == '\0') main_usage_error("--socket: empty path");
      sock = optarg;
      break;
    case 'c':
      if (optarg[0] == '\0') main_usage_error("--config: empty path");
      actord.config_path = optarg;
      break;
    case 'p':
      if (optarg[0] == '\0') main_usage_error("--plugin-dir: empty path");
      if (main_plugin_dir_add(optarg) < 0) main_die("out of memory");
      given_dirs = 1;
      break;
    case 'S':
      if (optarg[0] == '\0') main_usage_error("--state-dir: empty path");
      state = optarg;
      break;
    case 'j':
      errno = 0;
      n = strtol(optarg, &end, 10);
      if (errno || end == optarg || *end != '\0' || n < 1 || n > 1024)
        main_usage_error("--threads: expected a number from 1 to 1024, got "
                         "\"%s\"",
                         optarg);
      actord.threads = (unsigned)n;
      break;
    case 'l':
      if ((main_s.log_level = logs_level_parse(optarg)) < 0)
        main_usage_error("--log-level: expected debug, info, warn or error, "
                         "got \"%s\"",
                         optarg);
      break;
    case 'L':
      if (optarg[0] == '\0') main_usage_error("--log-file: empty path");
      main_s.log_file = optarg;
      break;
    case 'E':
      actord.ephemeral = 1;
      break;
    case 'h':
      main_usage(stdout);
      exit(0);
    case 'V':
      printf("actord %s (protocol %s)\n", ACT_VERSION, ACT_PROTO_VERSION);
      exit(0);
    case ':':
      if (optopt != 0)
        main_usage_error("option -%c needs an argument", optopt);
      main_usage_error("option %s needs an argument", argv[optind - 1]);
    default:
      if (optopt != 0) main_usage_error("unknown option: -%c", optopt);
      main_usage_error("unknown option: %s", argv[optind - 1]);
    }
  }
  if (optind < argc) main_usage_error("unexpected argument: %s", argv[optind]);

  if (sock != NULL) {
    if ((abs = main_abs(sock)) == NULL) main_die("out of memory");
    if ((size_t)snprintf(actord.socket_path, sizeof(actord.socket_path), "%s",
                         abs) >= sizeof(actord.socket_path))
      main_usage_error("--socket: path too long");
    free(abs);
  } else if (act_socket_path(actord.socket_path,
                             sizeof(actord.socket_path)) != 0) {
    main_usage_error("the default socket path is too long; use -s");
  }
  /* A Unix socket's path has a small limit of its own. */
  if (strlen(actord.socket_path) >=
      sizeof(((struct sockaddr_un *)0)->sun_path))
    main_usage_error("--socket: path too long for a Unix socket (at most %zu "
                     "bytes): %s",
                     sizeof(((struct sockaddr_un *)0)->sun_path) - 1,
                     actord.socket_path);
  if (state != NULL) {
    if ((abs = main_abs(state)) == NULL) main_die("out of memory");
    snprintf(actord.state_dir, sizeof(actord.state_dir), "%s", abs);
    free(abs);
  } else {
    main_default_state_dir();
  }
  if (!given_dirs) main_default_plugin_dirs();
}

/* ------------------------------------------------------------ the socket */

/* One actord per socket: a lock beside it, then a look at who answers. */
static void main_claim_socket(void) {
  char dir[PATH_MAX], *slash;
  struct stat st;
  pid_t pid;

  snprintf(dir, sizeof(dir), "%s", actord.socket_path);
  if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
    *slash = '\0';
    if (main_mkdirs(dir) != 0)
      main_die("cannot create socket directory %s: %s", dir, strerror(errno));
    if (stat(dir, &st) != 0)
      main_die("socket directory %s: %s", dir, strerror(errno));
    if (st.st_uid != getuid() && getuid() != 0 && (st.st_mode & 0022))
      main_die("socket directory %s belongs to uid %u and others may write "
               "to it; refusing to listen there",
               dir, (unsigned)st.st_uid);
    /* An admitted group must be able to reach the socket: the directory
       becomes theirs to enter (0710), not to list or write. */
    if (actord.has_group && st.st_uid == getuid() &&
        (chown(dir, (uid_t)-1, actord.group) != 0 || chmod(dir, 0710) != 0))
      fprintf(stderr, "actord: cannot open socket directory %s to group %u: "
              "%s\n", dir, (unsigned)actord.group, strerror(errno));
  }
  snprintf(main_s.lock_path, sizeof(main_s.lock_path), "%s.lock",
           actord.socket_path);
  main_s.lock_fd = open(main_s.lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (main_s.lock_fd >= 0 && flock(main_s.lock_fd, LOCK_EX | LOCK_NB) != 0) {
    if (server_probe(actord.socket_path, &pid) && pid > 0)
      main_die("already running on %s (pid %d)", actord.socket_path, (int)pid);
    main_die("already running on %s (another actord holds %s)",
             actord.socket_path, main_s.lock_path);
  }
  if (server_probe(actord.socket_path, &pid))
    main_die("already running on %s (pid %d)", actord.socket_path, (int)pid);
}

/* -d: the parent waits until the child listens (or gives up), so that
   `actord -d && actorctl ps` works. */
static void main_daemonize(void) {
  int fds[2];
  pid_t pid;
  char c;
  ssize_t n;

  if (pipe2(fds, O_CLOEXEC) != 0) main_die("pipe: %s", strerror(errno));
  if ((pid = fork()) < 0) main_die("fork: %s", strerror(errno));
  if (pid > 0) {
    int status;
    close(fds[1]);
    do
      n = read(fds[0], &c, 1);
    while (n < 0 && errno == EINTR);
    if (n == 1 && c == 'r') _exit(0);
    /* The child said why on stderr; pass its status on. */
    if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
        WEXITSTATUS(status) != 0)
      _exit(WEXITSTATUS(status));
    _exit(1);
  }
  close(fds[0]);
  main_s.ready_fd = fds[1];
  setsid();
}

static void main_ready(void) {
  int fd;

  if (main_s.ready_fd < 0) return;
  if (write(main_s.ready_fd, "r", 1) != 1) {
    /* The parent is gone; nobody waits. */
  }
  close(main_s.ready_fd);
  main_s.ready_fd = -1;
  /* Detached: no terminal from here on. */
  if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
    dup2(fd, 0);
    dup2(fd, 1);
    /* Without -L the log is only in memory (logs.read): a detached daemon
       must not hold its starter's terminal or pipe open. */
    dup2(fd, 2);
    if (fd > 2) close(fd);
  }
  if (chdir("/") != 0) {
    /* Paths are absolute already; staying put is harmless. */
  }
}

static void main_listen(void) {
  char err[512];

  if (main_s.listening) return;
  main_s.listening = 1;
  uv_timer_stop(&main_s.boot_timer);
  if (server_listen(actord.socket_path, err, sizeof(err)) != 0) {
    logs_error("%s", err);
    if (main_s.ready_fd >= 0) fprintf(stderr, "actord: %s\n", err);
    main_s.exit_code = 1;
    main_shutdown("cannot listen");
    return;
  }
  logs_info("actord %s listening on %s (pid %d, %u threads%s)", ACT_VERSION,
            actord.socket_path, (int)actord.pid, actord.threads,
            actord.ephemeral ? ", ephemeral" : "");
  main_ready();
}

static void main_on_boot_timer(uv_timer_t *t) {
  (void)t;
  logs_warn("still restoring after %d ms; answering on the socket anyway",
            MAIN_BOOT_WAIT_MS);
  main_listen();
}

static void main_on_booted(conn_t *c) {
  (void)c;
  state_restored();
  main_listen();
}

/* -------------------------------------------------------------- shutdown */

static void main_stop_thread(void *arg) {
  int rc;

  (void)arg;
  rc = act_runtime_stop(actord.rt, ACTORD_STOP_TIMEOUT_MS);
  if (rc != 0)
    logs_warn("stopping the runtime: %s", act_strerror(rc));
  uv_async_send(&main_s.stopped);
}

static void main_on_stopped(uv_async_t *h) {
  uv_timer_stop(&main_s.boot_timer);
  (void)h;
  uv_stop(&main_s.loop);
}

static void main_on_watchdog(uv_timer_t *t) {
  (void)t;
  logs_error("the tree did not stop within %d ms; exiting now",
             ACTORD_STOP_TIMEOUT_MS + MAIN_WATCHDOG_MS);
  _exit(1);
}

/* The runtime stops from a thread of its own: the control loop must keep
   running meanwhile, since the connections' actors live on it. */
static void main_stop_runtime(void) {
  if (main_s.stop_started) return;
  main_s.stop_started = 1;
  uv_timer_stop(&main_s.boot_timer);
  if (uv_thread_create(&main_s.stop_thread, main_stop_thread, NULL) != 0) {
    logs_error("cannot start the stopping thread; exiting now");
    _exit(1);
  }
}

static void main_on_root_down(conn_t *c, conn_op_t *op, const act_msg_t *msg) {
  (void)c;
  (void)op;
  if (msg != NULL && msg->type == ACT_MSG_DOWN)
    logs_debug("the tree stopped (%s)", msg->reason ? msg->reason : "normal");
  main_stop_runtime();
}

static void main_on_stop_timer(uv_timer_t *t) {
  (void)t;
  logs_warn("the tree did not stop within %d ms; stopping the runtime",
            ACTORD_STOP_TIMEOUT_MS);
  main_stop_runtime();
}

void main_shutdown(const char *why) {
  conn_t *in = main_s.internal;
  conn_op_t *op;
  uint64_t ref;

  if (actord.shutting_down) return;
  actord.shutting_down = 1;
  logs_info("shutting down (%s)", why);
  /* What the tree does while it stops is not what the user asked for. */
  state_freeze();
  server_stop();
  uv_timer_start(&main_s.watchdog, main_on_watchdog,
                 2 * ACTORD_STOP_TIMEOUT_MS + MAIN_WATCHDOG_MS, 0);
  uv_unref((uv_handle_t *)&main_s.watchdog);
  /* First the tree, in order, while clients still hear about it: the root
     supervisor gets "shutdown" from the daemon's own actor and stops its
     children in reverse start order; once it is down (or after the stop
     timeout), the runtime stops what is left, connections included. */
  if (in != NULL && in->ctx != NULL &&
      (op = conn_op_new(in, NULL, main_on_root_down, NULL)) != NULL) {
    if (act_monitor(in->ctx, actord.root, &ref) == 0) {
      conn_op_park(in, op, ref);
      act_kill(in->ctx, actord.root, "shutdown");
      uv_timer_start(&main_s.boot_timer, main_on_stop_timer,
                     ACTORD_STOP_TIMEOUT_MS, 0);
      return;
    }
    conn_op_free(op);
  }
  main_stop_runtime();
}

static void main_on_signal(uv_signal_t *h, int signum) {
  if (signum == SIGHUP) {
    main_reload();
    return;
  }
  (void)h;
  /* A second Ctrl-C means "now"; a repeated SIGTERM (timeout(1) and
     process-group kills send two) changes nothing. */
  if (actord.shutting_down && signum == SIGINT) {
    logs_warn("SIGINT again: exiting now");
    _exit(1);
  }
  main_shutdown(signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

void main_reload(void) {
  json_t *cfg = NULL;
  char err[512];

  logs_reopen();
  /* While stopping, the daemon's own connection may be gone already. */
  if (actord.shutting_down) return;
  if (actord.config_path == NULL) {
    logs_info("SIGHUP: no config file (-c) to reload; log file reopened");
    return;
  }
  if (config_read(actord.config_path, &cfg, err, sizeof(err)) != 0) {
    logs_error("reload: %s; keeping the previous configuration", err);
    return;
  }
  config_apply(cfg, main_s.config, main_s.internal, err, sizeof(err));
  json_decref(main_s.config);
  main_s.config = cfg;
  logs_info("configuration reloaded from %s", actord.config_path);
}

/* ------------------------------------------------------------------ boot */

static void main_loader_log(void *arg, const char *line) {
  (void)arg;
  logs_warn("%s", line);
}

static void main_raise_nofile(void) {
  struct rlimit rl;

  /* Every client is a descriptor: the default soft limit of 1024 would
     refuse clients below the max_clients bound. */
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

static void main_boot(void) {
  act_runtime_opts_t ro = ACT_RUNTIME_OPTS_INIT;
  act_spawn_opts_t so = ACT_SPAWN_OPTS_INIT;
  json_t *root_args;
  char err[512];
  int rc;

  if ((rc = uv_loop_init(&main_s.loop)) != 0)
    main_die("event loop: %s", uv_strerror(rc));
  actord.loop = &main_s.loop;
  ro.threads = actord.threads;
  ro.attached = 1;
  ro.on_event = events_on_event;
  ro.on_log = events_on_log;
  if ((rc = act_runtime_new(&ro, &actord.rt)) != 0)
    main_die("cannot create the runtime: %s", act_strerror(rc));
  if ((rc = act_runtime_attach(actord.rt, actord.loop, &actord.sched)) != 0)
    main_die("cannot attach the control loop: %s", act_strerror(rc));
  if ((rc = events_init(actord.loop)) != 0)
    main_die("cannot set up the event queue");
  if ((rc = act_runtime_start(actord.rt)) != 0)
    main_die("cannot start the runtime: %s", act_strerror(rc));
  actord.threads = act_runtime_threads(actord.rt);
  actord.started_ms = act_runtime_now_ms();

  if ((rc = loader_new(actord.rt, &actord.loader)) != 0)
    main_die("cannot create the plugin loader: %s", act_strerror(rc));
  /* OS programs under supervision (exec.c), built in like the supervisor. */
  rc = loader_add_builtin(actord.loader, &exec_plugin);
  if (rc != 0 && rc != ACT_EEXIST)
    main_die("cannot register the exec behaviour: %s", act_strerror(rc));
  /* The proxies of isolated actors (isolate.c). */
  rc = loader_add_builtin(actord.loader, &isolate_plugin);
  if (rc != 0 && rc != ACT_EEXIST)
    main_die("cannot register the isolate behaviour: %s", act_strerror(rc));
  if (!actord.ephemeral && main_mkdirs(actord.state_dir) != 0)
    main_die("cannot create state directory %s: %s", actord.state_dir,
             strerror(errno));
  if (state_open(actord.ephemeral ? NULL : actord.state_dir) != 0)
    main_die("out of memory");
  state_restore_plugins();
  for (size_t i = 0; i < actord.n_plugin_dirs; i++) {
    int n = loader_load_dir(actord.loader, actord.plugin_dirs[i],
                            main_loader_log, NULL);
    logs_info("loaded %d plugins from %s", n, actord.plugin_dirs[i]);
  }

  /* The root of the tree: never takes the daemon down (a child that
     restarts too often is marked failed instead). */
  root_args = json_pack("{s:b}", "root", 1);
  so.flags = ACT_SPAWN_HIDDEN;
  so.desc = &act_supervisor_plugin;
  so.args = root_args;
  rc = act_runtime_spawn(actord.rt, &so, &actord.root);
  json_decref(root_args);
  if (rc != 0) main_die("cannot start the root supervisor: %s", act_strerror(rc));

  if ((main_s.internal = conn_new(1)) == NULL) main_die("out of memory");
  main_s.internal->uid = actord.uid;
  if ((rc = conn_spawn(main_s.internal)) != 0)
    main_die("cannot start the daemon's own connection: %s", act_strerror(rc));
  if (main_s.config != NULL &&
      config_apply(main_s.config, NULL, main_s.internal, err, sizeof(err)) != 0)
    main_die("%s", err);
  state_restore(main_s.internal);

  uv_signal_init(actord.loop, &main_s.sig_term);
  uv_signal_init(actord.loop, &main_s.sig_int);
  uv_signal_init(actord.loop, &main_s.sig_hup);
  uv_signal_start(&main_s.sig_term, main_on_signal, SIGTERM);
  uv_signal_start(&main_s.sig_int, main_on_signal, SIGINT);
  uv_signal_start(&main_s.sig_hup, main_on_signal, SIGHUP);
  uv_timer_init(actord.loop, &main_s.boot_timer);
  uv_timer_init(actord.loop, &main_s.watchdog);
  uv_async_init(actord.loop, &main_s.stopped, main_on_stopped);

  /* Answer on the socket once the restore and the config's children are
     done, so that the first client sees them; but not later than a bound. */
  if (conn_idle(main_s.internal)) {
    state_restored();
    main_listen();
  } else {
    main_s.internal->on_idle = main_on_booted;
    uv_timer_start(&main_s.boot_timer, main_on_boot_timer, MAIN_BOOT_WAIT_MS,
                   0);
  }
}

static void main_close_cb(uv_handle_t *h, void *arg) {
  (void)arg;
  if (!uv_is_closing(h)) uv_close(h, NULL);
}

static void main_cleanup(void) {
  if (main_s.stop_started) uv_thread_join(&main_s.stop_thread);
  else if (actord.rt != NULL) act_runtime_stop(actord.rt, 0);
  server_free();
  state_free();
  events_free();
  uv_close((uv_handle_t *)&main_s.sig_term, NULL);
  uv_close((uv_handle_t *)&main_s.sig_int, NULL);
  uv_close((uv_handle_t *)&main_s.sig_hup, NULL);
  /* Closing the handles gave the signals their default action back: a
     repeated SIGTERM (see main_on_signal) during the rest of the cleanup
     would end the process with status 143 and no "stopped". The tree is
     stopped already; they change nothing now. */
  signal(SIGTERM, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  uv_close((uv_handle_t *)&main_s.boot_timer, NULL);
  uv_close((uv_handle_t *)&main_s.watchdog, NULL);
  uv_close((uv_handle_t *)&main_s.stopped, NULL);
  /* Close callbacks (connections' sockets) run here. */
  for (int i = 0; i < 100 && uv_run(actord.loop, UV_RUN_NOWAIT) != 0; i++)
    ;
  act_runtime_free(actord.rt);
  actord.rt = NULL;
  /* Whatever the runtime left on the control loop is closed too. */
  uv_walk(actord.loop, main_close_cb, NULL);
  for (int i = 0; i < 100 && uv_run(actord.loop, UV_RUN_NOWAIT) != 0; i++)
    ;
  loader_free(actord.loader);
  if (uv_loop_close(actord.loop) != 0)
    logs_warn("the control loop still had handles at exit");
  logs_info("stopped");
  json_decref(main_s.config);
  logs_free_all();
  logs_close();
  for (size_t i = 0; i < actord.n_plugin_dirs; i++) free(actord.plugin_dirs[i]);
  free(actord.plugin_dirs);
  if (main_s.lock_fd >= 0) {
    unlink(main_s.lock_path);
    close(main_s.lock_fd);
  }
}

int main(int argc, char **argv) {
  char err[512];

  actord.max_request = ACT_PROTO_MAX_REQUEST;
  actord.max_output = ACTORD_MAX_OUTPUT;
  actord.max_clients = ACTORD_MAX_CLIENTS;
  actord.uid = getuid();
  if (gethostname(actord.name, sizeof(actord.name) - 1) != 0 ||
      actord.name[0] == '\0')
    snprintf(actord.name, sizeof(actord.name), "actord");

  main_parse(argc, argv);
  /* A detached daemon keeps nothing its starter left open (a pipe a shell
     waits on, say). */
  if (main_s.daemonize)
    for (int fd = 3; fd < 1024; fd++) close(fd);
  if (logs_open(main_s.log_level, main_s.log_file) != 0) exit(1);
  if (actord.config_path != NULL) {
    if (config_read(actord.config_path, &main_s.config, err, sizeof(err)) != 0)
      main_die("%s", err);
    /* The name and the group apply from the start: the socket's
       directory is opened to the group before anything listens. */
    if (json_is_string(json_object_get(main_s.config, "name")))
      snprintf(actord.name, sizeof(actord.name), "%s",
               json_string_value(json_object_get(main_s.config, "name")));
    if (json_is_string(json_object_get(main_s.config, "group"))) {
      struct group *g =
          getgrnam(json_string_value(json_object_get(main_s.config, "group")));
      if (g != NULL) {
        actord.group = g->gr_gid;
        actord.has_group = 1;
      }
    }
  }
  signal(SIGPIPE, SIG_IGN);
  main_raise_nofile();
  main_claim_socket();
  if (main_s.daemonize) main_daemonize();
  actord.pid = getpid();
  main_self_exe();

  main_boot();
  uv_run(actord.loop, UV_RUN_DEFAULT);
  main_cleanup();
  return main_s.exit_code;
}
