/*
 * isolate.c - the "isolate" behaviour: the proxy of an isolated actor, in
 * actord, and the spec of an isolated spawn.
 *
 * The proxy is the actor: its id, name, links, monitors, timers, mailbox
 * and supervisor are the runtime's, as for any actor. Its callbacks hand
 * the work to the host process (isolate-host.c) and wait for it, inside
 * the callback: init sends INIT, handle sends the message (MSG), inspect
 * sends INSPECT, terminate sends TERMINATE, and each then serves the host's
 * CALL frames with the actor's own context until the host says DONE. So a
 * reply, a forward or an exit the plugin makes is made by the actor itself
 * while it handles the message, exactly as in-process; others cannot tell
 * the difference, and the runtime's mailbox holds what waits.
 *
 * Waiting inside a callback blocks the scheduler thread for as long as the
 * plugin's handler runs, as an in-process plugin's would; the handler
 * timeout (args "handler_timeout_ms") bounds that: when it expires, the
 * host is killed and the actor exits with "timeout". Without one, a wait
 * still ends when the host dies (a CPU limit), when actord shuts down, or
 * when actor.kill kills the host of a runaway callback (isolate_kill).
 *
 * The host's end becomes the actor's exit reason: "signal:SIGSEGV",
 * "signal:SIGABRT", "exit:N" (the plugin called exit(N)), "timeout", or
 * "signal:SIGXCPU" (the CPU limit; "signal:SIGKILL" a second later if the
 * host ignores SIGXCPU). A host that dies between messages (killed from
 * outside) is noticed by a poll on the socket and by libuv's child
 * watcher, whichever comes first.
 *
 * Memory: the state embeds a uv_process_t and a uv_poll_t and is freed by
 * the close callback of the last of them, never earlier; terminate() clears
 * the context first, so a late callback never touches the dead actor. No
 * zombies: the proxy reaps the host itself where it must know the status
 * at once (libuv then finds the child gone and ignores it); libuv reaps it
 * otherwise.
 */
#include "isolate.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "actor/error.h"
#include "actord.h"
#include "methods.h"
#include "runtime-internal.h"

/* How long inspect() waits for the plugin's inspect. */
#define ISOLATE_INSPECT_MS 1000
/* How long terminate() waits for the plugin's terminate, then for the host
   to exit, before it sends SIGKILL. */
#define ISOLATE_TERMINATE_MS 2000
/* How long a host that closed its socket may take to exit. */
#define ISOLATE_REAP_MS 1000

/* --------------------------------------------------------------- registry */

/* Which isolated actor runs which plugin in which process, for listings
   and events (isolate_lookup): the live ones in a short array, as exec's
   pids, and the last ISOLATE_RECENT ended ones in a ring, because the
   events of an end (exit, restart, failed) come after it. */
typedef struct isolate_ent {
  act_id_t id;
  isolate_who_t who;
  int busy;    /* a callback runs in the host */
  int killed;  /* isolate_kill killed the host */
} isolate_ent_t;

static struct {
  pthread_mutex_t lock;
  isolate_ent_t *v;
  size_t n, cap;
  isolate_ent_t recent[ISOLATE_RECENT];
  size_t next; /* the ring's next slot */
} isolate_reg = {.lock = PTHREAD_MUTEX_INITIALIZER};

static isolate_ent_t *isolate_reg_find(act_id_t id) {
  for (size_t i = 0; i < isolate_reg.n; i++)
    if (isolate_reg.v[i].id == id) return &isolate_reg.v[i];
  return NULL;
}

/* Record a live isolated actor. */
static void isolate_reg_add(act_id_t id, int pid, const char *plugin,
                            const char *version) {
  isolate_ent_t *e;

  pthread_mutex_lock(&isolate_reg.lock);
  if ((e = isolate_reg_find(id)) == NULL) {
    if (isolate_reg.n == isolate_reg.cap) {
      size_t cap = isolate_reg.cap ? isolate_reg.cap * 2 : 16;
      void *p = realloc(isolate_reg.v, cap * sizeof(*isolate_reg.v));
      if (p == NULL) goto done; /* The listing shows "isolate" then. */
      isolate_reg.v = p;
      isolate_reg.cap = cap;
    }
    e = &isolate_reg.v[isolate_reg.n++];
    memset(e, 0, sizeof(*e));
  }
  e->id = id;
  e->who.pid = pid;
  snprintf(e->who.plugin, sizeof(e->who.plugin), "%s", plugin);
  snprintf(e->who.version, sizeof(e->who.version), "%s", version);
done:
  pthread_mutex_unlock(&isolate_reg.lock);
}

/* The host is gone: no pid any more. */
static void isolate_reg_reaped(act_id_t id) {
  isolate_ent_t *e;

  pthread_mutex_lock(&isolate_reg.lock);
  if ((e = isolate_reg_find(id)) != NULL) e->who.pid = 0;
  pthread_mutex_unlock(&isolate_reg.lock);
}

/* The actor has ended: from the live array into the ring. */
static void isolate_reg_end(act_id_t id) {
  isolate_ent_t *e;

  pthread_mutex_lock(&isolate_reg.lock);
  if ((e = isolate_reg_find(id)) != NULL) {
    e->who.pid = 0;
    isolate_reg.recent[isolate_reg.next] = *e;
    isolate_reg.next = (isolate_reg.next + 1) % ISOLATE_RECENT;
    *e = isolate_reg.v[--isolate_reg.n];
  }
  if (isolate_reg.n == 0) {
    /* The last isolated actor gone: give the memory back. */
    free(isolate_reg.v);
    isolate_reg.v = NULL;
    isolate_reg.cap = 0;
  }
  pthread_mutex_unlock(&isolate_reg.lock);
}

/* Mark a callback running in the host (on), or over (off); off returns
   whether isolate_kill killed the host meanwhile, and forgets it. */
static int isolate_reg_busy(act_id_t id, int on) {
  isolate_ent_t *e;
  int killed = 0;

  pthread_mutex_lock(&isolate_reg.lock);
  if ((e = isolate_reg_find(id)) != NULL) {
    e->busy = on;
    killed = e->killed;
    if (!on) e->killed = 0;
  }
  pthread_mutex_unlock(&isolate_reg.lock);
  return killed;
}

int isolate_kill(act_id_t id) {
  isolate_ent_t *e;
  int done = 0;

  pthread_mutex_lock(&isolate_reg.lock);
  if ((e = isolate_reg_find(id)) != NULL && e->busy && e->who.pid > 0) {
    e->killed = 1;
    kill(-e->who.pid, SIGKILL);
    kill(e->who.pid, SIGKILL);
    done = 1;
  }
  pthread_mutex_unlock(&isolate_reg.lock);
  return done;
}

int isolate_lookup(act_id_t id, isolate_who_t *out) {
  const isolate_ent_t *e;
  int rc = ACT_ENOENT;

  if (id == 0) return rc;
  pthread_mutex_lock(&isolate_reg.lock);
  if ((e = isolate_reg_find(id)) == NULL)
    for (size_t i = 0; i < ISOLATE_RECENT && e == NULL; i++)
      if (isolate_reg.recent[i].id == id) e = &isolate_reg.recent[i];
  if (e != NULL) {
    *out = e->who;
    rc = 0;
  }
  pthread_mutex_unlock(&isolate_reg.lock);
  return rc;
}

/* ------------------------------------------------------------------ spec */

static const char *const isolate_limit_names[] = {"as", "cpu", "nofile",
                                                  NULL};

/* Check "limits" and "handler_timeout_ms" of params (or of the behaviour's
   args, which have the same fields). 0, or ACT_EINVAL with err. */
static int isolate_check(json_t *obj, char *err, size_t errlen) {
  json_t *limits = json_object_get(obj, "limits"), *v;
  const char *k;
  char got[80];

  if (limits != NULL && !json_is_null(limits)) {
    if (!json_is_object(limits) || json_object_size(limits) == 0) {
      snprintf(err, errlen,
               "limits: expected an object such as "
               "{\"as\":67108864,\"cpu\":5,\"nofile\":64}, got %s",
               methods_describe(limits, got, sizeof(got)));
      return ACT_EINVAL;
    }
    json_object_foreach(limits, k, v) {
      int i;
      for (i = 0; isolate_limit_names[i] != NULL; i++)
        if (strcmp(k, isolate_limit_names[i]) == 0) break;
      if (isolate_limit_names[i] == NULL) {
        snprintf(err, errlen,
                 "limits: unknown resource \"%s\" (expected as, cpu, nofile)",
                 k);
        return ACT_EINVAL;
      }
      /* The host itself needs room: a few megabytes of address space and
         its four descriptors plus one for dlopen. */
      json_int_t min = i == 0 ? 16 << 20 : i == 2 ? 8 : 1;
      if (!json_is_integer(v) || json_integer_value(v) < min) {
        snprintf(err, errlen,
                 "limits.%s: expected an integer of at least %lld%s, got %s",
                 k, (long long)min,
                 i == 0   ? " (bytes)"
                 : i == 1 ? " (seconds of CPU)"
                          : " (open files)",
                 methods_describe(v, got, sizeof(got)));
        return ACT_EINVAL;
      }
    }
  }
  v = json_object_get(obj, "handler_timeout_ms");
  if (v != NULL && !json_is_null(v) &&
      (!json_is_integer(v) || json_integer_value(v) < 1 ||
       json_integer_value(v) > 24 * 3600 * 1000)) {
    snprintf(err, errlen,
             "handler_timeout_ms: expected milliseconds from 1 to 86400000, "
             "got %s",
             methods_describe(v, got, sizeof(got)));
    return ACT_EINVAL;
  }
  return 0;
}

int isolate_spec(json_t *spec, json_t *params, const char *path, char *err,
                 size_t errlen) {
  json_t *args, *v;
  int rc;

  if ((rc = isolate_check(params, err, errlen)) != 0) return rc;
  args = json_pack("{s:O, s:s}", "plugin", json_object_get(spec, "plugin"),
                   "path", path);
  if (args == NULL) goto nomem;
  if ((v = json_object_get(spec, "args")) != NULL)
    json_object_set(args, "args", v);
  if ((v = json_object_get(params, "limits")) != NULL && !json_is_null(v))
    json_object_set(args, "limits", v);
  if ((v = json_object_get(params, "handler_timeout_ms")) != NULL &&
      !json_is_null(v))
    json_object_set(args, "handler_timeout_ms", v);
  if (json_object_set_new(spec, "args", args) != 0 ||
      json_object_set_new(spec, "plugin", json_string(ISOLATE_PLUGIN)) != 0 ||
      json_object_set_new(spec, "isolate", json_true()) != 0 ||
      /* The proxy waits for each callback the host runs: on a thread of its
         own, a slow or runaway plugin holds up no other actor. */
      json_object_set_new(spec, "dedicated", json_true()) != 0)
    goto nomem;
  return 0;

nomem:
  snprintf(err, errlen, "out of memory");
  return ACT_ENOMEM;
}

/* ----------------------------------------------------------------- state */

typedef struct isolate {
  act_ctx_t *ctx; /* NULL once terminate() ran: the actor is gone */
  act_id_t id;
  uv_process_t proc;
  uv_poll_t poll;
  unsigned handles; /* initialized and not yet closed; at 0, free */
  int fd;           /* the proxy's end of the socket pair */
  int pid;
  int reaped;       /* the host's status is known (status) */
  int status;       /* as waitpid gives it */
  int dead;         /* the host is gone or being killed: reason says why */
  int exited;       /* act_exit called */
  uint64_t handler_timeout_ms;
  char plugin[ACT_NAME_MAX + 1];
  char reason[64];
} isolate_t;

static void isolate_close_cb(uv_handle_t *h) {
  isolate_t *x = h->data;

  if (--x->handles == 0) {
    if (x->fd >= 0) close(x->fd);
    free(x);
  }
}

static void isolate_close_all(isolate_t *x) {
  if (x->poll.loop != NULL && !uv_is_closing((uv_handle_t *)&x->poll))
    uv_close((uv_handle_t *)&x->poll, isolate_close_cb);
  if (!uv_is_closing((uv_handle_t *)&x->proc))
    uv_close((uv_handle_t *)&x->proc, isolate_close_cb);
}

/* Does actord shut down? Then no wait for a plugin may hold it up. */
static int isolate_stopping(void) {
  return __atomic_load_n(&actord.shutting_down, __ATOMIC_RELAXED) != 0;
}

/* What the host's status means as an exit reason. */
static void isolate_reason_of(isolate_t *x) {
  char name[32];
  const char *abbrev;

  if (WIFSIGNALED(x->status)) {
    abbrev = sigabbrev_np(WTERMSIG(x->status));
    if (abbrev != NULL) snprintf(name, sizeof(name), "SIG%s", abbrev);
    else snprintf(name, sizeof(name), "SIG%d", WTERMSIG(x->status));
    snprintf(x->reason, sizeof(x->reason), "signal:%s", name);
  } else if (WIFEXITED(x->status)) {
    snprintf(x->reason, sizeof(x->reason), "exit:%d", WEXITSTATUS(x->status));
  }
}

/* Reap the host now, waiting at most wait_ms before SIGKILL. */
static void isolate_reap(isolate_t *x, int wait_ms) {
  pid_t r;
  int status = 0;

  if (x->reaped || x->pid <= 0) return;
  for (int waited = 0;; waited++) {
    r = waitpid(x->pid, &status, WNOHANG);
    if (r != 0) break;
    if (waited == wait_ms) {
      kill(-x->pid, SIGKILL);
      kill(x->pid, SIGKILL);
      do
        r = waitpid(x->pid, &status, 0);
      while (r < 0 && errno == EINTR);
      break;
    }
    nanosleep(&(struct timespec){0, 1000000}, NULL);
  }
  x->reaped = 1;
  /* ECHILD: libuv reaped it first, and its callback has the status. */
  if (r == x->pid) x->status = status;
  isolate_reg_reaped(x->id);
}

/* The host is gone (or must go): kill it, reap it, and remember why the
   actor ends. reason NULL: the host's own status says it. */
static void isolate_dead(isolate_t *x, const char *reason) {
  if (x->dead) return;
  x->dead = 1;
  if (reason != NULL) {
    snprintf(x->reason, sizeof(x->reason), "%s", reason);
    if (x->pid > 0 && !x->reaped) {
      kill(-x->pid, SIGKILL);
      kill(x->pid, SIGKILL);
    }
    isolate_reap(x, ISOLATE_REAP_MS);
  } else {
    isolate_reap(x, ISOLATE_REAP_MS);
    isolate_reason_of(x);
  }
  if (x->reason[0] == '\0')
    snprintf(x->reason, sizeof(x->reason), "error:isolate: host lost");
  if (x->ctx != NULL)
    act_log(x->ctx, ACT_LOG_WARN, "host %d of %s ended: %s", x->pid,
            x->plugin, x->reason);
}

/* The actor exits with the host's reason (once). */
static void isolate_exit(isolate_t *x) {
  if (x->exited || x->ctx == NULL) return;
  x->exited = 1;
  act_exit(x->ctx, x->reason);
}

/* --------------------------------------------------------------- frames */

static int isolate_write(isolate_t *x, isolate_frame_t *f, const void *data,
                         size_t len) {
  int rc = isolate_host_write(x->fd, f, data, len);

  if (rc != 0 && rc != -EMSGSIZE) isolate_dead(x, NULL);
  return rc;
}

static void isolate_result(isolate_t *x, int err, uint64_t a) {
  isolate_frame_t f = {0};

  f.type = ISOLATE_F_RESULT;
  f.err = err;
  f.a = a;
  isolate_write(x, &f, NULL, 0);
}

/* A payload as JSON (new reference), or NULL. */
static json_t *isolate_json(const char *data, size_t len) {
  return json_loadb(data ? data : "", len, JSON_DECODE_ANY, NULL);
}

/* Spawn opts as isolate_host_spawn sends them. */
static int isolate_spawn(isolate_t *x, const char *data, size_t len,
                         act_id_t *id) {
  act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;
  json_t *j = isolate_json(data, len);
  int rc;

  if (!json_is_object(j)) {
    json_decref(j);
    return ACT_EINVAL;
  }
  o.plugin = json_string_value(json_object_get(j, "plugin"));
  o.name = json_string_value(json_object_get(j, "name"));
  o.args = json_object_get(j, "args");
  o.flags = (uint32_t)json_integer_value(json_object_get(j, "flags")) &
            ~ACT_SPAWN_HIDDEN;
  o.supervisor = (act_id_t)json_integer_value(json_object_get(j, "supervisor"));
  o.restarts = (uint32_t)json_integer_value(json_object_get(j, "restarts"));
  o.mailbox_cap =
      (uint32_t)json_integer_value(json_object_get(j, "mailbox_cap"));
  o.mailbox_policy =
      (uint8_t)json_integer_value(json_object_get(j, "mailbox_policy"));
  rc = o.plugin ? act_spawn(x->ctx, &o, id) : ACT_EINVAL;
  json_decref(j);
  return rc;
}

/* Execute one CALL with the actor's context and answer it. msg: the message
   being handled (NULL in init and terminate). */
static void isolate_call(isolate_t *x, const act_msg_t *msg,
                         const isolate_frame_t *f, const char *data) {
  act_ctx_t *ctx = x->ctx;
  uint64_t out = 0;
  json_t *j;
  int json = f->payload == ACT_PAYLOAD_JSON, rc;

  switch (f->op) {
    case ISOLATE_OP_SEND:
      if (!json) {
        rc = act_send(ctx, f->a, f->tag, data, f->len);
      } else if ((j = isolate_json(data, f->len)) == NULL) {
        rc = ACT_EINVAL;
      } else {
        rc = act_send_json(ctx, f->a, f->tag, j);
      }
      break;
    case ISOLATE_OP_FORWARD:
      rc = msg ? act_forward(ctx, f->a, msg) : ACT_EINVAL;
      break;
    case ISOLATE_OP_ASK:
      if (!json) {
        rc = act_ask(ctx, f->a, f->tag, data, f->len, (uint32_t)f->b, &out);
      } else if ((j = isolate_json(data, f->len)) == NULL) {
        rc = ACT_EINVAL;
      } else {
        rc = act_ask_json(ctx, f->a, f->tag, j, (uint32_t)f->b, &out);
      }
      break;
    case ISOLATE_OP_REPLY:
      if (msg == NULL) {
        rc = ACT_EINVAL;
      } else if (!json) {
        rc = act_reply(ctx, msg, data, f->len);
      } else if ((j = isolate_json(data, f->len)) == NULL) {
        rc = ACT_EINVAL;
      } else {
        rc = act_reply_json(ctx, msg, j);
      }
      break;
    case ISOLATE_OP_SPAWN:
      rc = isolate_spawn(x, data, f->len, &out);
      break;
    case ISOLATE_OP_EXIT:
      rc = act_exit(ctx, data);
      break;
    case ISOLATE_OP_KILL:
      rc = act_kill(ctx, f->a, data);
      break;
    case ISOLATE_OP_LINK:
      rc = act_link(ctx, f->a);
      break;
    case ISOLATE_OP_UNLINK:
      rc = act_unlink(ctx, f->a);
      break;
    case ISOLATE_OP_TRAP_EXIT:
      rc = act_trap_exit(ctx, f->a != 0);
      break;
    case ISOLATE_OP_MONITOR:
      rc = act_monitor(ctx, f->a, &out);
      break;
    case ISOLATE_OP_DEMONITOR:
      rc = act_demonitor(ctx, f->a);
      break;
    case ISOLATE_OP_TIMER_START:
      rc = act_timer_start(ctx, f->a, f->b, f->tag, data, f->len, &out);
      break;
    case ISOLATE_OP_TIMER_CANCEL:
      rc = act_timer_cancel(ctx, f->a);
      break;
    case ISOLATE_OP_REGISTER:
      rc = data ? act_name_register(ctx, data, f->a) : ACT_EINVAL;
      break;
    case ISOLATE_OP_UNREGISTER:
      rc = data ? act_name_unregister(ctx, data) : ACT_EINVAL;
      break;
    case ISOLATE_OP_WHEREIS:
      out = data ? act_whereis(ctx, data) : 0;
      rc = 0;
      break;
    case ISOLATE_OP_LOG:
      act_log(ctx, (int)f->tag, "%s", data ? data : "");
      rc = 0;
      break;
    default:
      rc = ACT_EINVAL;
      break;
  }
  isolate_result(x, rc, out);
}

/*
 * Serve the host's calls until it reports the callback done (DONE or
 * INSPECTED, returned in *f with its payload in *data, to free), or until
 * deadline (0: none). Returns 0, or -1 when the host is dead (x->reason
 * says why).
 */
static int isolate_serve(isolate_t *x, const act_msg_t *msg,
                         uint64_t deadline, isolate_frame_t *f, char **data) {
  int rc;

  *data = NULL;
  for (;;) {
    if (x->dead) return -1;
    rc = isolate_host_read(x->fd, f, data, deadline, isolate_stopping);
    if (rc == -ETIMEDOUT) {
      isolate_dead(x, "timeout");
      return -1;
    }
    if (rc == -ECANCELED) {
      isolate_dead(x, "shutdown");
      return -1;
    }
    if (rc != 0) {
      isolate_dead(x, NULL);
      return -1;
    }
    if (f->type == ISOLATE_F_DONE || f->type == ISOLATE_F_INSPECTED)
      return 0;
    if (f->type != ISOLATE_F_CALL || x->ctx == NULL) {
      free(*data);
      *data = NULL;
      isolate_dead(x, "error:isolate: the host broke the protocol");
      return -1;
    }
    isolate_call(x, msg, f, *data);
    free(*data);
    *data = NULL;
  }
}

/* The deadline of a callback that starts now. */
static uint64_t isolate_deadline(isolate_t *x) {
  return x->handler_timeout_ms ? isolate_host_now_ms() + x->handler_timeout_ms
                               : 0;
}

/* ----------------------------------------------------- host, between calls */

/* Between callbacks the host sends nothing: readable means it is gone (end
   of file) or broke the protocol. Events for data a callback has read
   already come late and find nothing. */
static void isolate_poll_cb(uv_poll_t *p, int status, int events) {
  isolate_t *x = p->data;
  char c;
  ssize_t n;

  (void)events;
  if (x->ctx == NULL) return;
  if (x->dead) goto out; /* killed by inspect(): its socket is closed */
  if (status == 0) {
    n = recv(x->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n > 0) {
      isolate_dead(x, "error:isolate: the host broke the protocol");
      goto out;
    }
  }
  isolate_dead(x, NULL);
out:
  uv_poll_stop(p);
  isolate_exit(x);
}

static void isolate_exit_cb(uv_process_t *p, int64_t exit_status,
                            int term_signal) {
  isolate_t *x = p->data;

  if (!x->reaped) {
    x->reaped = 1;
    x->status = term_signal ? term_signal : (int)((exit_status & 0xff) << 8);
    isolate_reg_reaped(x->id);
  }
  if (x->ctx == NULL) return;
  isolate_dead(x, NULL);
  if (x->poll.loop != NULL) uv_poll_stop(&x->poll);
  isolate_exit(x);
}

/* ------------------------------------------------------------------ init */

static int __attribute__((format(printf, 3, 4)))
isolate_init_fail(act_ctx_t *ctx, int err, const char *fmt, ...) {
  char buf[600];
  va_list ap;
  int n;

  n = snprintf(buf, sizeof(buf), "error:init: isolate: ");
  va_start(ap, fmt);
  vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
  va_end(ap);
  act_exit(ctx, buf);
  return err;
}

/* Start the host: actord --isolate-host PPID PATH PLUGIN AS CPU NOFILE. */
static int isolate_start(isolate_t *x, act_ctx_t *ctx, json_t *args,
                         int hostfd) {
  uv_process_options_t po;
  uv_stdio_container_t stdio[4];
  json_t *limits = json_object_get(args, "limits");
  char ppid[24], lim[3][24];
  char *argv[9];

  snprintf(ppid, sizeof(ppid), "%d", (int)getpid());
  for (int i = 0; i < 3; i++)
    snprintf(lim[i], sizeof(lim[i]), "%" JSON_INTEGER_FORMAT,
             json_integer_value(json_object_get(limits,
                                                isolate_limit_names[i])));
  argv[0] = "actord";
  argv[1] = ISOLATE_HOST_ARG;
  argv[2] = ppid;
  argv[3] = (char *)json_string_value(json_object_get(args, "path"));
  argv[4] = x->plugin;
  argv[5] = lim[0];
  argv[6] = lim[1];
  argv[7] = lim[2];
  argv[8] = NULL;

  memset(&po, 0, sizeof(po));
  memset(stdio, 0, sizeof(stdio));
  stdio[0].flags = UV_IGNORE;
  /* What the plugin prints goes where actord's own stderr goes. */
  stdio[1].flags = UV_INHERIT_FD;
  stdio[1].data.fd = 2;
  stdio[2].flags = UV_INHERIT_FD;
  stdio[2].data.fd = 2;
  stdio[3].flags = UV_INHERIT_FD;
  stdio[3].data.fd = hostfd;
  po.exit_cb = isolate_exit_cb;
  po.file = actord.self_exe;
  po.args = argv;
  /* A session of its own: a ^C meant for a foreground actord must not
     reach the hosts before actord stops them in order. */
  po.flags = UV_PROCESS_DETACHED;
  po.stdio_count = 4;
  po.stdio = stdio;
  (void)ctx;
  return uv_spawn(act_loop(ctx), &x->proc, &po);
}

static int isolate_init(act_ctx_t *ctx, json_t *args, void **state) {
  isolate_frame_t f = {0};
  json_t *plugin, *path, *v, *init;
  char err[512], got[80], *text = NULL, *data = NULL;
  isolate_t *x;
  int sv[2], rc;

  if (!json_is_object(args))
    return isolate_init_fail(ctx, ACT_EINVAL,
                             "args: expected an object with \"plugin\" and "
                             "\"path\", got %s",
                             args ? methods_describe(args, got, sizeof(got))
                                  : "nothing");
  plugin = json_object_get(args, "plugin");
  path = json_object_get(args, "path");
  if (!json_is_string(plugin) || !act_name_valid(json_string_value(plugin)))
    return isolate_init_fail(ctx, ACT_EINVAL,
                             "plugin: expected a plugin name, got %s",
                             plugin ? methods_describe(plugin, got,
                                                       sizeof(got))
                                    : "nothing");
  if (!json_is_string(path) || json_string_value(path)[0] != '/')
    return isolate_init_fail(ctx, ACT_EINVAL,
                             "path: expected the plugin's absolute path, got "
                             "%s",
                             path ? methods_describe(path, got, sizeof(got))
                                  : "nothing");
  if (isolate_check(args, err, sizeof(err)) != 0)
    return isolate_init_fail(ctx, ACT_EINVAL, "%s", err);

  if ((x = calloc(1, sizeof(*x))) == NULL)
    return isolate_init_fail(ctx, ACT_ENOMEM, "out of memory");
  x->ctx = ctx;
  x->id = act_self(ctx);
  x->fd = -1;
  snprintf(x->plugin, sizeof(x->plugin), "%s", json_string_value(plugin));
  if ((v = json_object_get(args, "handler_timeout_ms")) != NULL)
    x->handler_timeout_ms = (uint64_t)json_integer_value(v);
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    rc = isolate_init_fail(ctx, ACT_EIO, "socketpair: %s", strerror(errno));
    free(x);
    return rc;
  }
  x->fd = sv[0];
  rc = isolate_start(x, ctx, args, sv[1]);
  close(sv[1]);
  /* The process handle is initialized even when the spawn failed. */
  x->proc.data = x->poll.data = x;
  x->handles = 1;
  if (rc != 0) {
    rc = isolate_init_fail(ctx, ACT_EIO, "cannot start the host: %s",
                           uv_strerror(rc));
    x->reaped = 1;
    goto fail;
  }
  x->pid = x->proc.pid;
  /* Listed from now on, so that even a failing init's exit names the
     plugin; the version follows once the host has loaded it. */
  isolate_reg_add(x->id, x->pid, x->plugin, "");
  if (uv_poll_init(act_loop(ctx), &x->poll, x->fd) == 0) x->handles++;
  else x->poll.loop = NULL;

  /* INIT: the actor's id in a, the plugin's args as JSON. */
  init = json_pack("{s:O?}", "args", json_object_get(args, "args"));
  text = init ? json_dumps(init, JSON_COMPACT) : NULL;
  json_decref(init);
  if (text == NULL) {
    rc = isolate_init_fail(ctx, ACT_ENOMEM, "out of memory");
    goto kill;
  }
  f.type = ISOLATE_F_INIT;
  f.payload = ACT_PAYLOAD_JSON;
  f.a = x->id;
  isolate_write(x, &f, text, strlen(text));
  free(text);
  if (isolate_serve(x, NULL, isolate_deadline(x), &f, &data) != 0) {
    /* The host died in init (its limits, a crash in the plugin's init). */
    act_exit(ctx, x->reason);
    rc = ACT_EPLUGIN;
    goto fail;
  }
  if (f.type != ISOLATE_F_DONE) {
    rc = isolate_init_fail(ctx, ACT_EPLUGIN, "the host broke the protocol");
    goto kill;
  }
  if (f.err != 0) {
    /* With a text, the host could not load the plugin; without, the
       plugin's init failed (and may have said why with act_exit). */
    rc = f.err;
    if (data != NULL) isolate_init_fail(ctx, rc, "%s", data);
    goto kill;
  }
  if (x->poll.loop != NULL)
    uv_poll_start(&x->poll, UV_READABLE | UV_DISCONNECT, isolate_poll_cb);
  /* DONE carries the plugin's version. */
  isolate_reg_add(x->id, x->pid, x->plugin, data ? data : "");
  free(data);
  act_log(ctx, ACT_LOG_INFO, "%s runs in host process %d", x->plugin, x->pid);
  *state = x;
  return 0;

kill:
  free(data);
  data = NULL;
  isolate_dead(x, "error:init");
fail:
  free(data);
  x->ctx = NULL;
  isolate_reg_end(x->id);
  isolate_close_all(x);
  return rc;
}

/* ---------------------------------------------------------------- handle */

static int isolate_handle(act_ctx_t *ctx, void *state, const act_msg_t *msg) {
  isolate_t *x = state;
  isolate_frame_t f = {0};
  char *data = NULL, *text = NULL;
  const void *payload = NULL;
  size_t len = 0;
  int rc;

  (void)ctx;
  if (x->dead) {
    isolate_exit(x);
    return 0;
  }
  f.type = ISOLATE_F_MSG;
  f.mtype = msg->type;
  f.flags = msg->flags;
  f.tag = msg->tag;
  f.from = msg->from;
  f.ref = msg->ref;
  if (msg->reason != NULL) {
    /* EXIT, DOWN, STARTED: the reason is what travels. */
    f.b = 1;
    payload = msg->reason;
    len = strlen(msg->reason);
  } else if (msg->payload == ACT_PAYLOAD_BYTES) {
    /* Raw bytes go as they are: no JSON on this path. */
    f.payload = ACT_PAYLOAD_BYTES;
    payload = msg->data;
    len = msg->len;
  } else if (msg->payload == ACT_PAYLOAD_JSON) {
    f.payload = ACT_PAYLOAD_JSON;
    if ((text = json_dumps(msg->json, JSON_COMPACT | JSON_ENCODE_ANY)) ==
        NULL)
      return ACT_ENOMEM;
    payload = text;
    len = strlen(text);
  }
  isolate_reg_busy(x->id, 1);
  rc = isolate_write(x, &f, payload, len);
  free(text);
  if (rc == 0) rc = isolate_serve(x, msg, isolate_deadline(x), &f, &data);
  if (isolate_reg_busy(x->id, 0) && x->dead)
    /* actor.kill killed the runaway host: the kill's own reason. */
    snprintf(x->reason, sizeof(x->reason), "killed");
  if (rc == -EMSGSIZE) return ACT_EINVAL;
  if (rc != 0) {
    isolate_exit(x);
    return 0;
  }
  free(data);
  if (f.type != ISOLATE_F_DONE) {
    isolate_dead(x, "error:isolate: the host broke the protocol");
    isolate_exit(x);
    return 0;
  }
  /* The plugin's handle() returned this: as in-process, an error exits. */
  return f.err;
}

/* ------------------------------------------------------------- terminate */

static void isolate_terminate(act_ctx_t *ctx, void *state,
                              const char *reason) {
  isolate_t *x = state;
  isolate_frame_t f = {0};
  char *data = NULL;

  (void)ctx;
  if (!x->dead) {
    /* The plugin's terminate runs in the host, bounded; then the host
       exits by itself, or is killed. */
    f.type = ISOLATE_F_TERMINATE;
    if (isolate_write(x, &f, reason, reason ? strlen(reason) : 0) == 0 &&
        isolate_serve(x, NULL, isolate_host_now_ms() + ISOLATE_TERMINATE_MS,
                      &f, &data) == 0) {
      free(data);
      isolate_reap(x, ISOLATE_TERMINATE_MS);
    } else if (!x->reaped) {
      isolate_dead(x, "killed");
    }
    x->dead = 1;
  }
  isolate_reap(x, 0);
  isolate_reg_end(x->id);
  x->ctx = NULL;
  isolate_close_all(x);
}

/* --------------------------------------------------------------- inspect */

/* What the plugin's inspect() returned in the host, or NULL (shown as
   null) when it has none or did not answer in time. */
static json_t *isolate_inspect(void *state) {
  isolate_t *x = state;
  isolate_frame_t f = {0};
  json_t *data = NULL;
  char *text = NULL;

  if (!x->dead) {
    f.type = ISOLATE_F_INSPECT;
    if (isolate_write(x, &f, NULL, 0) == 0 &&
        isolate_serve(x, NULL, isolate_host_now_ms() + ISOLATE_INSPECT_MS, &f,
                      &text) == 0 &&
        f.type == ISOLATE_F_INSPECTED && text != NULL)
      data = isolate_json(text, f.len);
    free(text);
    /* A host that could not answer in time is out of step with the proxy:
       it was killed, and the poll callback ends the actor. */
  }
  return data;
}

const act_plugin_t isolate_plugin = {
    .abi_version = ACT_ABI_VERSION,
    .size = sizeof(act_plugin_t),
    .name = ISOLATE_PLUGIN,
    .version = "1.0.0",
    .description = "a plugin run in a host process of its own: a crash "
                   "kills only the host",
    .init = isolate_init,
    .handle = isolate_handle,
    .terminate = isolate_terminate,
    .inspect = isolate_inspect,
};
