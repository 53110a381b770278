/*
 * isolate-host.c - the host process of an isolated actor, and the frame I/O
 * both ends share.
 *
 * actord re-executes itself as
 *
 *     actord --isolate-host PPID PATH PLUGIN AS CPU NOFILE
 *
 * with one end of a socket pair on fd 3 (the other end is the proxy's, in
 * actord). AS, CPU and NOFILE are the resource limits (0: none). As exec's
 * launcher, this runs as a constructor, before main() and anything else of
 * actord, and never returns: the process is only a host.
 *
 * Order matters. First PR_SET_PDEATHSIG(SIGKILL) and the check that the
 * parent is still PPID, so that a host never outlives actord (kill -9
 * included). Then the limits, before dlopen, so that the plugin's own
 * constructors run under them too. Then the INIT frame, dlopen, the
 * descriptor's checks (those of the loader) and the plugin's init.
 *
 * After that the host only answers frames: one MSG at a time, handled by
 * the plugin with a host table whose every function is a CALL frame to the
 * proxy and a wait for its RESULT. The proxy executes the call with the
 * actor's real context, so what the plugin does (sends, replies, links,
 * names, timers) is done by the actor itself, in actord.
 */
#include "isolate.h"

#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "actor/error.h"

/* The socket pair's end in the host. */
#define ISOLATE_HOST_FD 3
/* The host's exit status when the proxy broke the protocol. */
#define ISOLATE_HOST_PROTOCOL 125
/* How long a write may wait for room in the socket. */
#define ISOLATE_HOST_WRITE_MS 5000

/* ---------------------------------------------------------------- frames */

uint64_t isolate_host_now_ms(void) {
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int isolate_host_write_all(int fd, const void *p, size_t n) {
  const char *s = p;

  while (n > 0) {
    /* A socket: no SIGPIPE when the other end is gone, an EPIPE. */
    ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) {
      /* The proxy's end is non-blocking (libuv polls it between
         callbacks); the other end reads whenever it is written to, so a
         full buffer drains, or the host is stuck and the wait is bounded. */
      struct pollfd pfd = {.fd = fd, .events = POLLOUT};
      if (poll(&pfd, 1, ISOLATE_HOST_WRITE_MS) == 0) return -ETIMEDOUT;
      continue;
    }
    if (w < 0) return -errno;
    s += w;
    n -= (size_t)w;
  }
  return 0;
}

int isolate_host_write(int fd, isolate_frame_t *f, const void *data,
                       size_t len) {
  int rc;

  if (len > ISOLATE_FRAME_MAX) return -EMSGSIZE;
  f->len = (uint32_t)len;
  if ((rc = isolate_host_write_all(fd, f, sizeof(*f))) != 0) return rc;
  return len > 0 ? isolate_host_write_all(fd, data, len) : 0;
}

/* Read n bytes, waiting until deadline at most (see isolate_host_read). */
static int isolate_host_read_all(int fd, void *p, size_t n, uint64_t deadline,
                                 int (*stop)(void)) {
  char *s = p;

  while (n > 0) {
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int wait = 100;
    ssize_t r;

    if (deadline != 0) {
      uint64_t now = isolate_host_now_ms();
      if (now >= deadline) return -ETIMEDOUT;
      if (deadline - now < (uint64_t)wait) wait = (int)(deadline - now);
    } else if (stop == NULL) {
      wait = -1;
    }
    r = poll(&pfd, 1, wait);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -errno;
    if (r == 0) {
      if (stop != NULL && stop()) return -ECANCELED;
      continue;
    }
    r = read(fd, s, n);
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (r < 0) return -errno;
    if (r == 0) return -EPIPE;
    s += r;
    n -= (size_t)r;
  }
  return 0;
}

int isolate_host_read(int fd, isolate_frame_t *f, char **data,
                      uint64_t deadline, int (*stop)(void)) {
  char *buf = NULL;
  int rc;

  *data = NULL;
  if ((rc = isolate_host_read_all(fd, f, sizeof(*f), deadline, stop)) != 0)
    return rc;
  if (f->len > ISOLATE_FRAME_MAX) return -EMSGSIZE;
  if (f->len > 0) {
    if ((buf = malloc((size_t)f->len + 1)) == NULL) return -ENOMEM;
    rc = isolate_host_read_all(fd, buf, f->len, deadline, stop);
    if (rc != 0) {
      free(buf);
      return rc;
    }
    buf[f->len] = '\0';
  }
  *data = buf;
  return 0;
}

/* ------------------------------------------------------------- the host */

static struct {
  const act_plugin_t *desc;
  void *state;
  act_ctx_t ctx;
  act_id_t self;
  const act_msg_t *cur; /* the message being handled, or NULL */
} isolate_host;

/* The proxy is gone or broke the protocol: nothing is left to do. */
static void __attribute__((noreturn)) isolate_host_lost(int rc) {
  _exit(rc == -EPIPE ? 0 : ISOLATE_HOST_PROTOCOL);
}

/* One host function: a CALL, then the proxy's RESULT. f carries the
   arguments in and the results out; returns the result's err. */
static int isolate_host_call(int op, isolate_frame_t *f, const void *data,
                             size_t len, int payload) {
  char *reply;
  int rc;

  f->type = ISOLATE_F_CALL;
  f->op = (uint8_t)op;
  f->payload = (uint8_t)payload;
  if ((rc = isolate_host_write(ISOLATE_HOST_FD, f, data, len)) != 0) {
    if (rc == -EMSGSIZE) return ACT_EINVAL;
    isolate_host_lost(rc == -EPIPE ? -EPIPE : rc);
  }
  if ((rc = isolate_host_read(ISOLATE_HOST_FD, f, &reply, 0, NULL)) != 0)
    isolate_host_lost(rc);
  free(reply);
  if (f->type != ISOLATE_F_RESULT) isolate_host_lost(-EPROTO);
  return f->err;
}

/* A call with a JSON value (stolen), dumped compactly. */
static int isolate_host_call_json(int op, isolate_frame_t *f, json_t *v) {
  char *text;
  int rc;

  if (v == NULL) return ACT_EINVAL;
  text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
  json_decref(v);
  if (text == NULL) return ACT_ENOMEM;
  rc = isolate_host_call(op, f, text, strlen(text), ACT_PAYLOAD_JSON);
  free(text);
  return rc;
}

/* A call with a string argument (a reason, a name), or none. */
static int isolate_host_call_str(int op, isolate_frame_t *f, const char *s) {
  return isolate_host_call(op, f, s, s ? strlen(s) : 0,
                           s ? ACT_PAYLOAD_BYTES : ACT_PAYLOAD_NONE);
}

#define ISOLATE_HOST_FRAME(name) isolate_frame_t name = {0}

static act_id_t isolate_host_self(act_ctx_t *ctx) {
  (void)ctx;
  return isolate_host.self;
}

static int isolate_host_send(act_ctx_t *ctx, act_id_t to, uint32_t tag,
                             const void *data, size_t len) {
  ISOLATE_HOST_FRAME(f);

  (void)ctx;
  if (len > 0 && data == NULL) return ACT_EINVAL;
  f.a = to;
  f.tag = tag;
  return isolate_host_call(ISOLATE_OP_SEND, &f, data, len,
                           ACT_PAYLOAD_BYTES);
}

static int isolate_host_send_json(act_ctx_t *ctx, act_id_t to, uint32_t tag,
                                  json_t *value) {
  ISOLATE_HOST_FRAME(f);

  (void)ctx;
  f.a = to;
  f.tag = tag;
  return isolate_host_call_json(ISOLATE_OP_SEND, &f, value);
}

/* Only the message being handled can be forwarded or replied to: the proxy
   holds its envelope for as long as the handler runs, and no longer. */
static int isolate_host_forward(act_ctx_t *ctx, act_id_t to,
                                const act_msg_t *msg) {
  ISOLATE_HOST_FRAME(f);

  (void)ctx;
  if (msg == NULL || msg != isolate_host.cur) return ACT_EINVAL;
  f.a = to;
  return isolate_host_call(ISOLATE_OP_FORWARD, &f, NULL, 0, ACT_PAYLOAD_NONE);
}

static int isolate_host_ask(act_ctx_t *ctx, act_id_t to, uint32_t tag,
                            const void *data, size_t len, uint32_t timeout_ms,
                            uint64_t *ref) {
  ISOLATE_HOST_FRAME(f);
  int rc;

  (void)ctx;
  if ((len > 0 && data == NULL) || ref == NULL) return ACT_EINVAL;
  f.a = to;
  f.b = timeout_ms;
  f.tag = tag;
  rc = isolate_host_call(ISOLATE_OP_ASK, &f, data, len, ACT_PAYLOAD_BYTES);
  if (rc == 0) *ref = f.a;
  return rc;
}

static int isolate_host_ask_json(act_ctx_t *ctx, act_id_t to, uint32_t tag,
                                 json_t *value, uint32_t timeout_ms,
                                 uint64_t *ref) {
  ISOLATE_HOST_FRAME(f);
  int rc;

  (void)ctx;
  if (ref == NULL) {
    json_decref(value);
    return ACT_EINVAL;
  }
  f.a = to;
  f.b = timeout_ms;
  f.tag = tag;
  rc = isolate_host_call_json(ISOLATE_OP_ASK, &f, value);
  if (rc == 0) *ref = f.a;
  return rc;
}

static int isolate_host_reply(act_ctx_t *ctx, const act_msg_t *req,
                              const void *data, size_t len) {
  ISOLATE_HOST_FRAME(f);

  (void)ctx;
  if (req == NULL || req != isolate_host.cur || (len > 0 && data == NULL))
    return ACT_EINVAL;
  return isolate_host_call(ISOLATE_OP_REPLY, &f, data, len,
                           ACT_PAYLOAD_BYTES);
}

static int isolate_host_reply_json(act_ctx_t *ctx, const act_msg_t *req,
                                   json_t *value) {
  ISOLATE_HOST_FRAME(f);

  (void)ctx;
  if (req == NULL || req != isolate_host.cur) {
    json_decref(value);
    return ACT_EINVAL;
  }
  return isolate_host_call_json(ISOLATE_OP_REPLY, &f, value);
}

/* A spawn from an isolated plugin starts an ordinary actor in actord, by
   plugin name (a descriptor of the host's cannot cross processes). */
static int isolate_host_spawn(act_ctx_t *ctx, const act_spawn_opts_t *opts,
                              act_id_t *id) {
  ISOLATE_HOST_FRAME(f);
  json_t *o;
  int rc;

  (void)ctx;
  if (opts == NULL || opts->plugin == NULL || id == NULL) return ACT_EINVAL;
  o = json_pack("{s:s, s:s?, s:O?, s:I, s:I, s:I, s:i, s:I}", "plugin",
                opts->plugin, "name", opts->name, "args", opts->args,
                "flags", (json_int_t)opts->flags, "supervisor",
                (json_int_t)opts->supervisor, "mailbox_cap",
                (json_int_t)opts->mailbox_cap, "mailbox_policy",
                (int)opts->mailbox_policy, "restarts",
                (json_int_t)opts->restarts);
  rc = isolate_host_call_json(ISOLATE_OP_SPAWN, &f, o);
  if (rc == 0) *id = f.a;
  return rc;
}

static int isolate_host_exit(act_ctx_t *ctx, const char *reason) {
  ISOLATE_HOST_FRAME(f);

  (void)ctx;
  return isolate_host_call_str(ISOLATE_OP_EXIT, &f, reason);
}

static int isolate_host_kill(act_ctx_t *ctx, act_id_t target,
                             const char *reason) {
  ISOLATE_HOST_FRAME(f);

  (void)ctx;
  f.a = target;
  return isolate_host_call_str(ISOLATE_OP_KILL, &f, reason);
}

/* The calls that take one number and give one back. */
static int isolate_host_call_num(int op, uint64_t a, uint64_t *out) {
  ISOLATE_HOST_FRAME(f);
  int rc;

  f.a = a;
  rc = isolate_host_call(op, &f, NULL, 0, ACT_PAYLOAD_NONE);
  if (rc == 0 && out != NULL) *out = f.a;
  return rc;
}

static int isolate_host_link(act_ctx_t *ctx, act_id_t other) {
  (void)ctx;
  return isolate_host_call_num(ISOLATE_OP_LINK, other, NULL);
}

static int isolate_host_unlink(act_ctx_t *ctx, act_id_t other) {
  (void)ctx;
  return isolate_host_call_num(ISOLATE_OP_UNLINK, other, NULL);
}

static int isolate_host_trap_exit(act_ctx_t *ctx, int on) {
  (void)ctx;
  return isolate_host_call_num(ISOLATE_OP_TRAP_EXIT, on != 0, NULL);
}

static int isolate_host_monitor(act_ctx_t *ctx, act_id_t target,
                                uint64_t *ref) {
  (void)ctx;
  if (ref == NULL) return ACT_EINVAL;
  return isolate_host_call_num(ISOLATE_OP_MONITOR, target, ref);
}

static int isolate_host_demonitor(act_ctx_t *ctx, uint64_t ref) {
  (void)ctx;
  return isolate_host_call_num(ISOLATE_OP_DEMONITOR, ref, NULL);
}

static int isolate_host_timer_start(act_ctx_t *ctx, uint64_t after_ms,
                                    uint64_t repeat_ms, uint32_t tag,
                                    const void *data, size_t len,
                                    uint64_t *timer) {
  ISOLATE_HOST_FRAME(f);
  int rc;

  (void)ctx;
  if (len > 0 && data == NULL) return ACT_EINVAL;
  f.a = after_ms;
  f.b = repeat_ms;
  f.tag = tag;
  rc = isolate_host_call(ISOLATE_OP_TIMER_START, &f, data, len,
                         ACT_PAYLOAD_BYTES);
  if (rc == 0 && timer != NULL) *timer = f.a;
  return rc;
}

static int isolate_host_timer_cancel(act_ctx_t *ctx, uint64_t timer) {
  (void)ctx;
  return isolate_host_call_num(ISOLATE_OP_TIMER_CANCEL, timer, NULL);
}

static int isolate_host_name_register(act_ctx_t *ctx, const char *name,
                                      act_id_t id) {
  ISOLATE_HOST_FRAME(f);

  (void)ctx;
  if (name == NULL) return ACT_EINVAL;
  f.a = id;
  return isolate_host_call_str(ISOLATE_OP_REGISTER, &f, name);
}

static int isolate_host_name_unregister(act_ctx_t *ctx, const char *name) {
  ISOLATE_HOST_FRAME(f);

  (void)ctx;
  if (name == NULL) return ACT_EINVAL;
  return isolate_host_call_str(ISOLATE_OP_UNREGISTER, &f, name);
}

static act_id_t isolate_host_whereis(act_ctx_t *ctx, const char *name) {
  ISOLATE_HOST_FRAME(f);

  (void)ctx;
  if (name == NULL) return 0;
  return isolate_host_call_str(ISOLATE_OP_WHEREIS, &f, name) == 0 ? f.a : 0;
}

static void isolate_host_log(act_ctx_t *ctx, int level, const char *fmt,
                             va_list ap) {
  ISOLATE_HOST_FRAME(f);
  char line[1024];
  int n;

  (void)ctx;
  n = vsnprintf(line, sizeof(line), fmt, ap);
  if (n < 0) return;
  f.tag = (uint32_t)level;
  isolate_host_call(ISOLATE_OP_LOG, &f, line,
                    (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1,
                    ACT_PAYLOAD_BYTES);
}

/* Blocking work may run right here: the host is the actor's own process,
   and only this actor waits. The message that says it is done is sent
   once fn returns, as a worker thread would. */
static int isolate_host_run_blocking(act_ctx_t *ctx, void (*fn)(void *arg),
                                     void *arg, uint32_t tag) {
  if (fn == NULL) return ACT_EINVAL;
  fn(arg);
  return isolate_host_send(ctx, isolate_host.self, tag, NULL, 0);
}

static uint64_t isolate_host_now(act_ctx_t *ctx) {
  (void)ctx;
  return isolate_host_now_ms();
}

static const act_host_t isolate_host_table = {
    .abi_version = ACT_ABI_VERSION,
    .size = sizeof(act_host_t),
    .self = isolate_host_self,
    .send = isolate_host_send,
    .send_json = isolate_host_send_json,
    .forward = isolate_host_forward,
    .ask = isolate_host_ask,
    .ask_json = isolate_host_ask_json,
    .reply = isolate_host_reply,
    .reply_json = isolate_host_reply_json,
    .spawn = isolate_host_spawn,
    .exit = isolate_host_exit,
    .kill = isolate_host_kill,
    .link = isolate_host_link,
    .unlink = isolate_host_unlink,
    .trap_exit = isolate_host_trap_exit,
    .monitor = isolate_host_monitor,
    .demonitor = isolate_host_demonitor,
    .timer_start = isolate_host_timer_start,
    .timer_cancel = isolate_host_timer_cancel,
    .name_register = isolate_host_name_register,
    .name_unregister = isolate_host_name_unregister,
    .whereis = isolate_host_whereis,
    .log = isolate_host_log,
    .run_blocking = isolate_host_run_blocking,
    .now_ms = isolate_host_now,
    .strerror = act_strerror,
    /* No net_* functions: a socket lives on its owner's loop, which is in
       actord, not here. With them NULL (and size covering them), the
       act_net_* wrappers return ACT_EUNAVAIL and act_net_adopted 0. */
};

/* Report a callback's end: DONE with err and an optional text. */
static void isolate_host_done(int err, const char *text) {
  ISOLATE_HOST_FRAME(f);
  int rc;

  f.type = ISOLATE_F_DONE;
  f.err = err;
  rc = isolate_host_write(ISOLATE_HOST_FD, &f, text, text ? strlen(text) : 0);
  if (rc != 0) isolate_host_lost(rc);
}

/* Set one resource limit (soft = hard; for the CPU, the hard limit one
   second later, so that SIGXCPU, which says what happened, comes first). */
static void isolate_host_limit(int resource, const char *arg, const char *what,
                               char *err, size_t errlen) {
  unsigned long long v = strtoull(arg, NULL, 10);
  struct rlimit rl;

  if (v == 0 || err[0] != '\0') return;
  rl.rlim_cur = (rlim_t)v;
  rl.rlim_max = resource == RLIMIT_CPU ? (rlim_t)v + 1 : (rlim_t)v;
  if (setrlimit(resource, &rl) != 0)
    snprintf(err, errlen, "limits: cannot set %s to %llu: %s", what, v,
             strerror(errno));
}

/* Load the plugin and check its descriptor as the loader does. */
static int isolate_host_load(const char *path, const char *name, char *err,
                             size_t errlen) {
  const act_plugin_t *d;
  void *h;

  if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
    snprintf(err, errlen, "cannot load %s: %s", path, dlerror());
    return ACT_EPLUGIN;
  }
  if ((d = dlsym(h, ACT_PLUGIN_SYMBOL)) == NULL) {
    snprintf(err, errlen, "%s: no symbol %s", path, ACT_PLUGIN_SYMBOL);
    return ACT_EPLUGIN;
  }
  if (d->abi_version != ACT_ABI_VERSION) {
    snprintf(err, errlen, "%s: ABI version %u, this actord speaks %d", path,
             d->abi_version, ACT_ABI_VERSION);
    return ACT_EPLUGIN;
  }
  if (d->size < sizeof(act_plugin_t) || d->handle == NULL ||
      d->name == NULL || strcmp(d->name, name) != 0) {
    snprintf(err, errlen,
             "%s: not the plugin \"%s\" that actord loaded (changed on "
             "disk?)",
             path, name);
    return ACT_EPLUGIN;
  }
  isolate_host.desc = d;
  return 0;
}

/* Turn a MSG frame into the message the plugin handles. */
static int isolate_host_msg(const isolate_frame_t *f, char *data,
                            act_msg_t *m) {
  memset(m, 0, sizeof(*m));
  m->type = f->mtype;
  m->flags = f->flags;
  m->tag = f->tag;
  m->from = f->from;
  m->ref = f->ref;
  if (f->b != 0) {
    /* The payload is the reason of an EXIT, DOWN or STARTED. */
    m->reason = data;
    return 0;
  }
  m->payload = f->payload;
  if (f->payload == ACT_PAYLOAD_BYTES) {
    m->data = data;
    m->len = f->len;
  } else if (f->payload == ACT_PAYLOAD_JSON) {
    m->json = json_loadb(data ? data : "", f->len, JSON_DECODE_ANY, NULL);
    if (m->json == NULL) return ACT_EINVAL;
  }
  return 0;
}

static void __attribute__((noreturn)) isolate_host_serve(void) {
  isolate_frame_t f;
  act_msg_t m;
  char *data;
  int rc;

  for (;;) {
    if ((rc = isolate_host_read(ISOLATE_HOST_FD, &f, &data, 0, NULL)) != 0)
      isolate_host_lost(rc);
    switch (f.type) {
      case ISOLATE_F_MSG:
        if ((rc = isolate_host_msg(&f, data, &m)) == 0) {
          isolate_host.cur = &m;
          rc = isolate_host.desc->handle(&isolate_host.ctx,
                                         isolate_host.state, &m);
          isolate_host.cur = NULL;
          json_decref(m.json);
        }
        free(data);
        isolate_host_done(rc, NULL);
        break;
      case ISOLATE_F_INSPECT: {
        json_t *j = isolate_host.desc->inspect
                        ? isolate_host.desc->inspect(isolate_host.state)
                        : NULL;
        char *text = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        ISOLATE_HOST_FRAME(r);
        json_decref(j);
        free(data);
        r.type = ISOLATE_F_INSPECTED;
        r.payload = text ? ACT_PAYLOAD_JSON : ACT_PAYLOAD_NONE;
        rc = isolate_host_write(ISOLATE_HOST_FD, &r, text,
                                text ? strlen(text) : 0);
        free(text);
        if (rc != 0) isolate_host_lost(rc);
        break;
      }
      case ISOLATE_F_TERMINATE:
        if (isolate_host.desc->terminate != NULL)
          isolate_host.desc->terminate(&isolate_host.ctx, isolate_host.state,
                                       data ? data : "normal");
        free(data);
        isolate_host_done(0, NULL);
        _exit(0);
      default:
        free(data);
        isolate_host_lost(-EPROTO);
    }
  }
}

__attribute__((constructor)) static void isolate_host_main(int argc,
                                                           char **argv,
                                                           char **envp) {
  char err[512] = "", *data, *end;
  isolate_frame_t f;
  json_t *init, *args;
  long ppid;
  int rc;

  (void)envp;
  if (argc != 8 || argv == NULL || strcmp(argv[1], ISOLATE_HOST_ARG) != 0)
    return;
  errno = 0;
  ppid = strtol(argv[2], &end, 10);
  if (errno != 0 || *end != '\0' || ppid <= 1) _exit(127);
  /* As exec's launcher: the kernel kills the host when actord dies; the
     check closes the window between fork and prctl. */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != (pid_t)ppid)
    _exit(127);
  prctl(PR_SET_NAME, "actord-isolate");
  isolate_host_limit(RLIMIT_AS, argv[5], "as", err, sizeof(err));
  isolate_host_limit(RLIMIT_CPU, argv[6], "cpu", err, sizeof(err));
  isolate_host_limit(RLIMIT_NOFILE, argv[7], "nofile", err, sizeof(err));

  if ((rc = isolate_host_read(ISOLATE_HOST_FD, &f, &data, 0, NULL)) != 0)
    isolate_host_lost(rc);
  if (f.type != ISOLATE_F_INIT) isolate_host_lost(-EPROTO);
  isolate_host.self = f.a;
  isolate_host.ctx.host = &isolate_host_table;
  init = json_loadb(data ? data : "", f.len, 0, NULL);
  free(data);
  if (init == NULL) isolate_host_lost(-EPROTO);
  if (err[0] != '\0') {
    isolate_host_done(ACT_EINVAL, err);
    isolate_host_lost(-EPIPE);
  }
  if ((rc = isolate_host_load(argv[3], argv[4], err, sizeof(err))) != 0) {
    isolate_host_done(rc, err);
    isolate_host_lost(-EPIPE);
  }
  args = json_object_get(init, "args");
  rc = isolate_host.desc->init
           ? isolate_host.desc->init(&isolate_host.ctx, args,
                                     &isolate_host.state)
           : 0;
  json_decref(init);
  if (rc != 0) {
    /* The plugin's own failure: the proxy fails the actor's init with it;
       the plugin may have said why with act_exit. */
    isolate_host_done(rc, NULL);
    isolate_host_lost(-EPIPE);
  }
  /* On success, DONE carries the plugin's version for listings. */
  isolate_host_done(0, isolate_host.desc->version ? isolate_host.desc->version
                                                  : "");
  isolate_host_serve();
}
