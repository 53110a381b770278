/* cmd-daemon.c - start actord in the background, stop it, report it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "cmd.h"
#include "output.h"
#include "proto.h"
#include "xmalloc.h"

/* How long start and stop wait for the daemon when -t is not given. */
#define CMD_DAEMON_WAIT_MS 10000
/* How long a daemon may take to answer after `actord -d` said it listens. */
#define CMD_DAEMON_GRACE_MS 2000

static const char *const cmd_daemon_subs[] = {"start", "stop", "status",
                                              NULL};

/* A short pause between two polls of the socket, growing from 1 ms so that
   a fast daemon is seen at once and a slow one is not hammered. */
static void cmd_daemon_pause(int *ms) {
  struct timespec ts = {0, (long)*ms * 1000000L};

  nanosleep(&ts, NULL);
  if (*ms < 50) *ms *= 2;
}

/* The pid of the daemon answering on ctx's socket, 0 when it answers
   without one, -1 when nothing answers. */
static long cmd_daemon_probe(struct cmd_ctx *ctx) {
  json_t *result = NULL;
  int64_t saved = ctx->deadline;
  long pid = -1;

  /* A daemon still starting may accept before it answers: ask briefly. */
  ctx->deadline = cmd_now_ms() + 1000;
  output_silence(1);
  if (client_call(ctx, "daemon", ACT_M_HELLO, NULL, &result) == CMD_OK)
    pid = (long)json_integer_value(json_object_get(result, "pid"));
  output_silence(0);
  ctx->deadline = saved;
  json_decref(result);
  client_free(ctx->client);
  ctx->client = NULL;
  return pid;
}

/* actord next to this actorctl (a build tree, an installed prefix), else
   whatever PATH finds. */
static char *cmd_daemon_find(void) {
  char self[PATH_MAX], *slash, *path;
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

  if (n > 0) {
    self[n] = '\0';
    if ((slash = strrchr(self, '/')) != NULL) {
      *slash = '\0';
      xasprintf(&path, "%s/actord", self);
      if (access(path, X_OK) == 0) return path;
      free(path);
    }
  }
  return xstrdup("actord");
}

/* What actord printed while starting: shown only when it fails to start,
   since on success its log lines say nothing the caller needs. */
static char cmd_daemon_said[8192];
static size_t cmd_daemon_said_len;

/* Wait up to *ms for what actord says on its stderr and keep the first of
   it; the wait grows like cmd_daemon_pause. */
static void cmd_daemon_listen(int fd, int *ms) {
  struct pollfd pfd = {fd, POLLIN, 0};
  char buf[4096];
  ssize_t n;

  if (fd < 0) {
    cmd_daemon_pause(ms);
    return;
  }
  if (poll(&pfd, 1, *ms) > 0) {
    while ((n = read(fd, buf, sizeof(buf))) > 0) {
      size_t room = sizeof(cmd_daemon_said) - cmd_daemon_said_len;
      size_t take = (size_t)n < room ? (size_t)n : room;
      memcpy(cmd_daemon_said + cmd_daemon_said_len, buf, take);
      cmd_daemon_said_len += take;
    }
  }
  if (*ms < 50) *ms *= 2;
}

/* actord's own words on why it did not start, before our line. */
static void cmd_daemon_replay(void) {
  output_flush();
  if (cmd_daemon_said_len > 0 &&
      write(STDERR_FILENO, cmd_daemon_said, cmd_daemon_said_len) < 0) {
    /* Our stderr is gone; our own line will not get through either. */
  }
}

static int cmd_daemon_start(struct cmd_ctx *ctx, int argc, char **argv) {
  int64_t deadline;
  char **av, *prog;
  long pid;
  pid_t child;
  int64_t exited_at = 0;
  char *sockabs;
  int i, ac = 0, wstatus, pause = 1, exited = 0, null, err[2];

  if ((pid = cmd_daemon_probe(ctx)) >= 0) {
    output_error("actord is already running on %s (pid %ld)",
                 ctx->socket_path, pid);
    return CMD_ERROR;
  }
  prog = cmd_daemon_find();
  av = xcalloc((size_t)argc + 5, sizeof(char *));
  av[ac++] = prog;
  av[ac++] = "-d";
  av[ac++] = "-s";
  /* actord leaves our working directory once detached: give it the
     socket's absolute path. */
  sockabs = cmd_abs_path(ctx->socket_path);
  av[ac++] = sockabs;
  /* A leading "--" only ends actorctl's options (`daemon start -- -S DIR`):
     what follows is actord's, and actord must not see the "--" itself, which
     would make it take its options for arguments. */
  i = argc > 0 && strcmp(argv[0], "--") == 0 ? 1 : 0;
  for (; i < argc; i++) av[ac++] = argv[i];
  av[ac] = NULL;
  output_flush();
  /* What actord says while it starts (why it cannot, most often) comes
     through a pipe that we close once it answers: were it our own stderr,
     the daemon would hold it open for its whole life, and anyone capturing
     our output ($(...), bats' run) would wait for that. */
  if (pipe2(err, O_CLOEXEC) != 0) err[0] = err[1] = -1;
  child = fork();
  if (child < 0) {
    output_error("daemon start: cannot fork: %s", strerror(errno));
    if (err[0] >= 0) {
      close(err[0]);
      close(err[1]);
    }
    free(av);
    free(sockabs);
    free(prog);
    return CMD_ERROR;
  }
  if (child == 0) {
    if ((null = open("/dev/null", O_RDWR)) >= 0) {
      dup2(null, STDIN_FILENO);
      dup2(null, STDOUT_FILENO);
      if (null > STDERR_FILENO) close(null);
    }
    if (err[1] >= 0) dup2(err[1], STDERR_FILENO);
    execvp(prog, av);
    fprintf(stderr, "actorctl: daemon start: cannot run %s: %s\n", prog,
            strerror(errno));
    _exit(127);
  }
  free(av);
  free(sockabs);
  if (err[1] >= 0) {
    close(err[1]);
    fcntl(err[0], F_SETFL, O_NONBLOCK);
  }
  deadline = cmd_now_ms() +
             (ctx->timeout_ms >= 0 ? ctx->timeout_ms : CMD_DAEMON_WAIT_MS);
  for (;;) {
    /* With -d the first process leaves once the daemon is detached; an
       error before that is its exit status. */
    if (!exited && waitpid(child, &wstatus, WNOHANG) == child) {
      exited = 1;
      if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
        pause = 0;
        cmd_daemon_listen(err[0], &pause);
        if (err[0] >= 0) close(err[0]);
        cmd_daemon_replay();
        if (WIFEXITED(wstatus))
          output_error("daemon start: %s exited with status %d", prog,
                       WEXITSTATUS(wstatus));
        else
          output_error("daemon start: %s died of signal %d", prog,
                       WTERMSIG(wstatus));
        free(prog);
        return CMD_ERROR;
      }
    }
    if ((pid = cmd_daemon_probe(ctx)) >= 0) break;
    /* actord -d leaves with 0 once it listens, so a daemon that still does
       not answer a moment later never started (it printed its usage, or
       another option made it leave). */
    if (exited && exited_at == 0) exited_at = cmd_now_ms();
    if (exited_at > 0 && cmd_now_ms() - exited_at > CMD_DAEMON_GRACE_MS) {
      if (err[0] >= 0) close(err[0]);
      cmd_daemon_replay();
      output_error("daemon start: %s exited without starting a daemon on %s",
                   prog, ctx->socket_path);
      free(prog);
      return CMD_ERROR;
    }
    if (cmd_now_ms() >= deadline) {
      if (err[0] >= 0) close(err[0]);
      cmd_daemon_replay();
      output_error("daemon start: actord did not answer on %s within %lld ms",
                   ctx->socket_path,
                   (long long)(ctx->timeout_ms >= 0 ? ctx->timeout_ms
                                                    : CMD_DAEMON_WAIT_MS));
      free(prog);
      return CMD_TIMEOUT;
    }
    cmd_daemon_listen(err[0], &pause);
  }
  if (err[0] >= 0) close(err[0]);
  free(prog);
  if (ctx->json) {
    json_t *o = json_pack("{s:I, s:s}", "pid", (json_int_t)pid, "socket",
                          ctx->socket_path);
    output_json_line(o);
    json_decref(o);
  } else if (!ctx->quiet)
    output_printf("actord started on %s (pid %ld)\n", ctx->socket_path, pid);
  return CMD_OK;
}

/* Whether process pid still runs: a zombie has finished, whoever reaps it. */
static int cmd_daemon_alive(long pid) {
  char path[64], buf[256], *paren;
  FILE *fp;
  size_t n;

  if (pid <= 0 || kill((pid_t)pid, 0) != 0) return 0;
  snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
  if ((fp = fopen(path, "re")) == NULL) return 1;
  n = fread(buf, 1, sizeof(buf) - 1, fp);
  fclose(fp);
  buf[n] = '\0';
  paren = strrchr(buf, ')');
  return !(paren != NULL && paren[1] == ' ' && paren[2] == 'Z');
}

static int cmd_daemon_stop(struct cmd_ctx *ctx) {
  int64_t deadline;
  json_t *result = NULL, *msg;
  long pid;
  int status, pause = 1;

  deadline = cmd_now_ms() +
             (ctx->timeout_ms >= 0 ? ctx->timeout_ms : CMD_DAEMON_WAIT_MS);
  status = client_call(ctx, "daemon stop", ACT_M_DAEMON_SHUTDOWN, NULL, &result);
  json_decref(result);
  if (status != CMD_OK) return status;
  pid = (long)json_integer_value(json_object_get(ctx->client->hello, "pid"));
  /* The daemon closes our connection as it goes; then it must stop
     answering on the socket altogether. */
  ctx->deadline = deadline;
  output_silence(1);
  while ((status = client_next(ctx, "daemon stop", &msg)) == CMD_OK)
    json_decref(msg);
  output_silence(0);
  client_free(ctx->client);
  ctx->client = NULL;
  if (status == CLIENT_INTERRUPTED) return status;
  for (;;) {
    struct client *probe;
    if (client_connect(ctx->socket_path, 1, &probe) != CMD_OK) break;
    client_free(probe);
    if (cmd_now_ms() >= deadline) {
      output_error("daemon stop: actord (pid %ld) still answers on %s", pid,
                   ctx->socket_path);
      return CMD_TIMEOUT;
    }
    cmd_daemon_pause(&pause);
  }
  /* A daemon on this machine is waited for until its process is gone, so
     that what follows (a new daemon on the same state) finds it free. */
  pause = 1;
  while (cmd_daemon_alive(pid)) {
    if (cmd_now_ms() >= deadline) {
      output_error("daemon stop: actord (pid %ld) no longer answers but "
                   "still runs",
                   pid);
      return CMD_TIMEOUT;
    }
    cmd_daemon_pause(&pause);
  }
  if (ctx->json)
    output_puts("{}\n");
  else if (!ctx->quiet)
    output_printf("actord stopped (pid %ld)\n", pid);
  return CMD_OK;
}

static int cmd_daemon_status(struct cmd_ctx *ctx) {
  json_t *result;
  int status;

  status = client_call(ctx, "daemon status", ACT_M_DAEMON_STATUS, NULL,
                       &result);
  if (status != CMD_OK) return status;
  if (ctx->json || !json_is_object(result))
    output_json_line(result);
  else
    cmd_print_fields(result);
  json_decref(result);
  return CMD_OK;
}

/* What may follow `daemon stop` and `daemon status`: nothing but global
   options. */
static int cmd_daemon_sub_exec(struct cmd_ctx *ctx,
                               const struct cmd_args *args) {
  return CMD_OK;
}

static const struct cmd_entry cmd_daemon_sub_entry = {
    .name = "daemon",
    .alias = NULL,
    .options = NULL,
    .min_args = 0,
    .max_args = 0,
    .usage = "start [ACTORD OPTIONS] | stop | status",
    .summary = "start actord in the background, stop it, or report it",
    .complete = {CMD_C_NONE},
    .flags = CMD_HIDDEN,
    .exec = cmd_daemon_sub_exec,
};

static int cmd_daemon_exec(struct cmd_ctx *ctx, const struct cmd_args *args) {
  const char *sub = args->argv[0];

  if (strcmp(sub, "start") == 0)
    return cmd_daemon_start(ctx, args->argc - 1, args->argv + 1);
  if (strcmp(sub, "stop") != 0 && strcmp(sub, "status") != 0) {
    output_error("daemon: unknown subcommand '%s' (usage: daemon "
                 "start [ACTORD OPTIONS] | stop | status)",
                 sub);
    return CMD_USAGE;
  }
  if (args->argc > 1) {
    /* Only `start` hands its words on; after stop and status they are
       global options (daemon status -o json), or a mistake. */
    struct cmd_args more;
    int status;

    args->argv[0] = (char *)cmd_daemon_sub_entry.name;
    status = cmd_parse(&cmd_daemon_sub_entry, args->argc, args->argv, &more);
    args->argv[0] = (char *)sub;
    if (status != CMD_OK) return status;
    status = cmd_apply_globals(ctx, &more);
    cmd_args_free(&more);
    if (status != CMD_OK) return status;
  }
  /* The waits of start and stop have their own bound. */
  ctx->deadline = 0;
  if (strcmp(sub, "stop") == 0) return cmd_daemon_stop(ctx);
  cmd_start_clock(ctx);
  return cmd_daemon_status(ctx);
}

const struct cmd_entry cmd_daemon_entry = {
    .name = "daemon",
    .alias = NULL,
    .options = NULL,
    .min_args = 1,
    .max_args = -1,
    .usage = "start [ACTORD OPTIONS] | stop | status",
    .summary = "start actord in the background, stop it, or report it",
    .complete = {CMD_C_CHOICE},
    .choices = cmd_daemon_subs,
    .flags = CMD_FIRSTARG,
    .exec = cmd_daemon_exec,
};
