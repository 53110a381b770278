/*
 * supervisor.c - the built-in "supervisor" behaviour (actor/runtime.h).
 *
 * A supervisor is an ordinary actor that traps exits, links to the children
 * it spawns and restarts them by a strategy, as Erlang/OTP's supervisor does.
 * Where this differs from OTP it says so here and in actor-plugin(3):
 *
 *   - Exceeding the restart intensity makes the supervisor stop its children
 *     and exit with "shutdown" (as OTP), so that its own supervisor decides.
 *     A {"root":true} supervisor never exits for that: it keeps one restart
 *     history per child and marks the child that exceeded it "failed"
 *     (ACT_EV_FAILED), until restart_child revives it.
 *   - A child whose init fails while being restarted counts as a crash, and
 *     so does one whose start fails at boot: it goes through the restart
 *     policy (OTP would fail the supervisor's own start instead).
 *   - An exit signal from anyone but a child stops the supervisor (children
 *     first, in reverse start order) with that reason, unless it is "normal".
 *   - A transient child that exits normally, and a temporary child that
 *     exits at all, are forgotten (OTP keeps the transient spec around).
 *   - Optional backoff: with "backoff_ms":[initial,max] every restart waits;
 *     the delay starts at initial and doubles up to max while the child keeps
 *     dying within max milliseconds of its start (s6 waits before respawning
 *     a program that died at once).
 *   - restart_child also restarts a running child (stop, then start).
 *
 * The code is a state x event table per child (s6-supervise's
 * actions[state][event]): every input in every state has an entry, even if
 * the entry is "nothing to do". What must happen in order (stopping in
 * reverse start order, starting in start order one at a time at boot and
 * for the group strategies) is decided in one place, sup_pump(), after
 * every input. Nothing on the path of a message walks all the children
 * (maps by uid, id and name, counts per state, a queue of children waiting
 * to start), since actord's root supervisor holds every actor spawned
 * through the socket.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actor/runtime.h"
#include "map.h"
#include "runtime-internal.h"

/* The tag of the supervisor's own timer messages ("supT"). The control
   socket sends only ACT_TAG_JSON, and the payload must also match. */
#define SUP_TAG_TIMER 0x73757054u

/* Recently dead child ids: a child that fails its init is reported twice
   (ACT_MSG_STARTED and the link's ACT_MSG_EXIT), and the second report must
   not be taken for an exit signal from a stranger. */
#define SUP_DEAD_RING 64

#define SUP_DEFAULT_INTENSITY 5
#define SUP_DEFAULT_PERIOD_MS 10000
#define SUP_DEFAULT_SHUTDOWN_MS 5000
#define SUP_MAX_INTENSITY 1000000

typedef enum sup_strategy {
  SUP_ONE_FOR_ONE = 0,
  SUP_ONE_FOR_ALL,
  SUP_REST_FOR_ONE,
  SUP_SIMPLE_ONE_FOR_ONE
} sup_strategy_t;

static const char *const sup_strategy_names[] = {
  "one_for_one", "one_for_all", "rest_for_one", "simple_one_for_one"
};

static const char *const sup_restart_names[] = {
  "permanent", "transient", "temporary"
};

static const char *const sup_policy_names[] = {
  "reject", "drop_oldest", "drop_newest"
};

/* A child's states. */
typedef enum sup_cstate {
  CS_IDLE = 0, /* not running, to be started by the pump */
  CS_STARTING, /* spawned, its init has not reported yet */
  CS_RUNNING,
  CS_STOPPING, /* sent an exit signal, waiting for its exit */
  CS_BACKOFF,  /* waiting for the backoff timer before a restart */
  CS_FAILED,   /* root only: exceeded its intensity, not restarted */
  CS__N
} sup_cstate_t;

/* What happens to a child. */
typedef enum sup_event {
  SE_START = 0, /* the pump wants it started */
  SE_UP,        /* its init succeeded (ACT_MSG_STARTED without reason) */
  SE_DOWN,      /* it exited (ACT_MSG_EXIT, or STARTED with a reason) */
  SE_STOP,      /* the supervisor wants it stopped (see sup_after_t) */
  SE_TIMER,     /* its timer fired (shutdown timeout or backoff) */
  SE_REVIVE,    /* restart_child */
  SE__N
} sup_event_t;

/* What follows the exit of a child the supervisor stopped itself. */
typedef enum sup_after {
  AFTER_REMOVE = 0, /* forget it (terminate_child, supervisor shutdown) */
  AFTER_RESTART     /* start it again (group restart, restart_child) */
} sup_after_t;

/* A request whose answer waits for a child (start, restart, terminate). */
typedef enum sup_req {
  REQ_NONE = 0,
  REQ_START,
  REQ_RESTART,
  REQ_TERMINATE
} sup_req_t;

/* The history of restarts within the period (timestamps, oldest first). */
typedef struct sup_hist {
  uint64_t *t;
  size_t n, cap;
} sup_hist_t;

typedef struct sup_child {
  uint64_t uid;         /* this supervisor's serial: timers name it by it */
  act_id_t id;          /* its current id, or its last one; 0 = never ran */
  json_t *spec;         /* the complete spec, ours */
  const char *plugin;   /* in spec */
  const char *name;     /* in spec, or NULL */
  json_t *args;         /* in spec, or NULL */
  act_restart_t restart;
  int64_t shutdown_ms;  /* -1 = infinity; 0 = kill at once */
  uint32_t mailbox_cap;
  uint8_t mailbox_policy;
  int dedicated;        /* spawn it with ACT_SPAWN_DEDICATED */

  sup_cstate_t state;
  int stop_pending;     /* the pump stops it (in reverse start order) */
  sup_after_t after;    /* ... and then does this */
  int hidden;           /* start_child not answered yet: not listed */
  uint32_t restarts;
  uint64_t started_ms;  /* act_now_ms() of its last spawn */
  uint64_t delay_ms;    /* its current backoff delay */
  uint64_t timer;       /* the running timer, if timer_on */
  uint32_t timer_gen;   /* bumped on cancel: a late firing is ignored */
  int timer_on;
  char *reason;         /* its last exit reason */
  sup_hist_t hist;      /* root supervisors: its own restart history */

  sup_req_t req;        /* a request waiting on this child */
  act_msg_t req_msg;    /* a copy of that request's envelope (no payload) */
} sup_child_t;

typedef struct sup {
  sup_strategy_t strategy;
  uint32_t intensity;
  uint64_t period_ms;
  uint64_t backoff_initial, backoff_max; /* 0, 0 = no backoff */
  int root;
  json_t *template_spec; /* simple_one_for_one */

  sup_child_t **v;       /* in start order */
  size_t n, cap;
  uint64_t next_uid;
  /* The root supervisor holds every actor spawned through the socket, so
     nothing on the path of a message may scan all children: */
  act__map_t by_uid;     /* uid -> child */
  act__map_t by_id;      /* current (or last) id -> child */
  int by_id_partial;     /* an insert failed: fall back to scanning */
  json_t *names;         /* name -> uid, for each child with a name */
  size_t nstate[CS__N];  /* children in each state */
  size_t nstop_pending;
  uint64_t *startq;      /* uids that became IDLE (non-group strategies) */
  size_t qhead, qlen, qcap;
  int rescan;            /* a push failed: look for IDLE children by scan */
  sup_hist_t hist;       /* non-root supervisors: one history for all */

  int booting;           /* starting "children" one by one, in order */
  int stopping;          /* shutting down: no more starts */
  int exited;            /* act_exit called */
  char *exit_reason;

  act_id_t dead[SUP_DEAD_RING];
  unsigned dead_pos;
} sup_t;

/* A timer message's payload. */
typedef struct sup_tick {
  uint64_t uid;
  uint32_t gen;
  uint32_t pad;
} sup_tick_t;

typedef void (*sup_action_t)(sup_t *s, act_ctx_t *ctx, sup_child_t *c,
                             const char *reason);

/* ---------------------------------------------------------------- utilities */

/* A short rendering of a JSON value for an error message. */
static void sup_describe(const json_t *v, char *buf, size_t size) {
  char *text;

  if (v == NULL) {
    snprintf(buf, size, "nothing");
    return;
  }
  text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
  if (text == NULL) {
    snprintf(buf, size, "a value");
    return;
  }
  if (snprintf(buf, size, "%s", text) >= (int)size && size > 4)
    snprintf(buf + size - 4, 4, "...");
  free(text);
}

/* How a child is named in log lines: its name, else plugin and id. */
static const char *sup_child_label(const sup_child_t *c, char *buf,
                                   size_t size) {
  if (c->name != NULL)
    snprintf(buf, size, "\"%s\"", c->name);
  else
    snprintf(buf, size, "%s %llu", c->plugin, (unsigned long long)c->id);
  return buf;
}

/* "normal" and "shutdown" (also "shutdown:...") are orderly exits, after
   which a transient child is not restarted (OTP's normal, shutdown and
   {shutdown, _}). */
static int sup_reason_normal(const char *reason) {
  return reason == NULL || strcmp(reason, "normal") == 0 ||
         strcmp(reason, "shutdown") == 0 ||
         strncmp(reason, "shutdown:", 9) == 0;
}

static int sup_is_group(const sup_t *s) {
  return s->strategy == SUP_ONE_FOR_ALL || s->strategy == SUP_REST_FOR_ONE;
}

static int sup_alive(const sup_child_t *c) {
  return c->state == CS_STARTING || c->state == CS_RUNNING ||
         c->state == CS_STOPPING;
}

static void sup_dead_add(sup_t *s, act_id_t id) {
  if (id == 0)
    return;
  s->dead[s->dead_pos++ % SUP_DEAD_RING] = id;
}

static int sup_dead_has(const sup_t *s, act_id_t id) {
  /* 0 is not an actor (an exit signal from outside, or an empty slot). */
  if (id == 0)
    return 0;
  for (unsigned i = 0; i < SUP_DEAD_RING; i++)
    if (s->dead[i] == id)
      return 1;
  return 0;
}

static void sup_set_reason(sup_child_t *c, const char *reason) {
  char *copy = strdup(reason != NULL ? reason : "normal");

  /* Without memory the previous reason stays: stale, but never NULL. */
  if (copy == NULL)
    return;
  free(c->reason);
  c->reason = copy;
}

static void sup_emit(act_ctx_t *ctx, int type, const sup_child_t *c,
                     act_id_t old_id, const char *reason) {
  act_event_t ev;

  memset(&ev, 0, sizeof(ev));
  ev.type = type;
  ev.time_ms = 0; /* the runtime stamps it */
  ev.id = c->id;
  ev.old_id = old_id;
  ev.supervisor = act_self(ctx);
  ev.name = c->name;
  ev.plugin = c->plugin;
  ev.reason = reason;
  act__runtime_emit(act_runtime_of(ctx), &ev);
}

/* ------------------------------------------------------- restart history */

/* Record a restart at now; is the intensity exceeded (more than intensity
   restarts within period_ms)? On ENOMEM the restart is not recorded, which
   errs on the side of restarting. */
static int sup_hist_exceeded(sup_t *s, sup_hist_t *h, uint64_t now) {
  size_t keep = 0;
  uint64_t *t;

  for (size_t i = 0; i < h->n; i++)
    if (now - h->t[i] < s->period_ms)
      h->t[keep++] = h->t[i];
  h->n = keep;
  if (h->n == h->cap) {
    size_t cap = h->cap ? h->cap * 2 : 8;
    t = realloc(h->t, cap * sizeof(*t));
    if (t == NULL)
      return 0;
    h->t = t;
    h->cap = cap;
  }
  h->t[h->n++] = now;
  return h->n > s->intensity;
}

static void sup_hist_clear(sup_hist_t *h) { h->n = 0; }

static void sup_hist_free(sup_hist_t *h) {
  free(h->t);
  h->t = NULL;
  h->n = h->cap = 0;
}

/* ----------------------------------------------------------------- replies */

/* Answer a request: msg is either the request being handled or a copy of
   its envelope kept for later (flags, from and ref; deferred answers go
   through act__reply_json_later). value is stolen. A request sent without
   asking gets no reply; a failed one is logged. */
static void sup_answer(act_ctx_t *ctx, const act_msg_t *msg, json_t *value) {
  json_t *err;

  if (!(msg->flags & ACT_MSG_F_ASK)) {
    err = json_object_get(value, "error");
    if (err != NULL)
      act_log(ctx, ACT_LOG_WARN, "request failed: %s",
              json_string_value(json_object_get(err, "message")));
    json_decref(value);
    return;
  }
  if (value == NULL) {
    act_log(ctx, ACT_LOG_ERROR, "out of memory answering a request");
    return;
  }
  if (msg->type == ACT_MSG_SYSTEM)
    act__reply_json_later(ctx, msg->from, msg->ref, value);
  else
    act_reply_json(ctx, msg, value);
}

__attribute__((format(printf, 4, 5))) static void
sup_answer_error(act_ctx_t *ctx, const act_msg_t *msg, int err,
                 const char *fmt, ...) {
  char text[512];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  sup_answer(ctx, msg,
             json_pack("{s:{s:s,s:s}}", "error", "kind", act_err_kind(err),
                       "message", text));
}

/* The child's waiting request, if any, gets this error. */
static void sup_child_fail_req(act_ctx_t *ctx, sup_child_t *c, int err,
                               const char *message) {
  if (c->req == REQ_NONE)
    return;
  c->req = REQ_NONE;
  sup_answer_error(ctx, &c->req_msg, err, "%s", message);
}

static void sup_child_keep_req(sup_child_t *c, sup_req_t req,
                               const act_msg_t *msg) {
  c->req = req;
  memset(&c->req_msg, 0, sizeof(c->req_msg));
  /* Marks the copy: the envelope it came in will be gone when it is
     answered (see sup_answer). */
  c->req_msg.type = ACT_MSG_SYSTEM;
  c->req_msg.flags = msg->flags;
  c->req_msg.tag = msg->tag;
  c->req_msg.from = msg->from;
  c->req_msg.ref = msg->ref;
}

/* ----------------------------------------------------------------- timers */

static void sup_timer_cancel(act_ctx_t *ctx, sup_child_t *c) {
  if (!c->timer_on)
    return;
  act_timer_cancel(ctx, c->timer);
  c->timer_on = 0;
  c->timer_gen++;
}

static int sup_timer_start(act_ctx_t *ctx, sup_child_t *c, uint64_t ms) {
  sup_tick_t tick;
  int err;

  sup_timer_cancel(ctx, c);
  memset(&tick, 0, sizeof(tick));
  tick.uid = c->uid;
  tick.gen = c->timer_gen;
  err = act_timer_start(ctx, ms, 0, SUP_TAG_TIMER, &tick, sizeof(tick),
                        &c->timer);
  if (err == 0)
    c->timer_on = 1;
  return err;
}

/* --------------------------------------------------------------- children */

static void sup_child_free(sup_child_t *c) {
  if (c == NULL)
    return;
  json_decref(c->spec);
  free(c->reason);
  sup_hist_free(&c->hist);
  free(c);
}

static sup_child_t *sup_child_by_uid(const sup_t *s, uint64_t uid) {
  return uid != 0 ? act__map_get(&s->by_uid, uid) : NULL;
}

static sup_child_t *sup_child_by_id(const sup_t *s, act_id_t id) {
  sup_child_t *c;

  if (id == 0)
    return NULL;
  c = act__map_get(&s->by_id, id);
  if (c != NULL || !s->by_id_partial)
    return c;
  for (size_t i = 0; i < s->n; i++)
    if (s->v[i]->id == id)
      return s->v[i];
  return NULL;
}

/* A child named by a request: an id (current or last) or a name. Children
   whose start_child has not been answered yet are not there. */
static sup_child_t *sup_child_find(const sup_t *s, const json_t *ref) {
  sup_child_t *c = NULL;
  json_t *uid;

  if (json_is_integer(ref) && json_integer_value(ref) > 0) {
    c = sup_child_by_id(s, (act_id_t)json_integer_value(ref));
  } else if (json_is_string(ref)) {
    uid = json_object_get(s->names, json_string_value(ref));
    c = sup_child_by_uid(s, (uint64_t)json_integer_value(uid));
  }
  return c != NULL && !c->hidden ? c : NULL;
}

/* Record a child's new id (and forget its previous one). */
static void sup_child_set_id(sup_t *s, sup_child_t *c, act_id_t id) {
  if (c->id != 0 && act__map_get(&s->by_id, c->id) == c)
    act__map_del(&s->by_id, c->id);
  c->id = id;
  if (id != 0 && act__map_put(&s->by_id, id, c) < 0)
    s->by_id_partial = 1;
}

static void sup_startq_push(sup_t *s, uint64_t uid) {
  uint64_t *q;

  if (s->qhead > 0 && s->qhead + s->qlen == s->qcap) {
    memmove(s->startq, s->startq + s->qhead, s->qlen * sizeof(*q));
    s->qhead = 0;
  }
  if (s->qhead + s->qlen == s->qcap) {
    size_t cap = s->qcap ? s->qcap * 2 : 16;
    q = realloc(s->startq, cap * sizeof(*q));
    if (q == NULL) {
      s->rescan = 1;
      return;
    }
    s->startq = q;
    s->qcap = cap;
  }
  s->startq[s->qhead + s->qlen++] = uid;
}

/* Every change of a child's state goes through here, to keep the counts
   and the start queue right. */
static void sup_state(sup_t *s, sup_child_t *c, sup_cstate_t st) {
  s->nstate[c->state]--;
  s->nstate[st]++;
  c->state = st;
  if (st == CS_IDLE && !sup_is_group(s))
    sup_startq_push(s, c->uid);
}

static void sup_stop_pending(sup_t *s, sup_child_t *c, int on) {
  if (c->stop_pending == !!on)
    return;
  c->stop_pending = !!on;
  if (on)
    s->nstop_pending++;
  else
    s->nstop_pending--;
}

/* From the end: a shutdown removes children last-started first. */
static size_t sup_child_index(const sup_t *s, const sup_child_t *c) {
  for (size_t i = s->n; i-- > 0;)
    if (s->v[i] == c)
      return i;
  return s->n;
}

/* Add a new child (state IDLE) at the end of the start order. */
static int sup_child_append(sup_t *s, sup_child_t *c) {
  sup_child_t **v;

  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 8;
    v = realloc(s->v, cap * sizeof(*v));
    if (v == NULL)
      return ACT_ENOMEM;
    s->v = v;
    s->cap = cap;
  }
  if (act__map_put(&s->by_uid, c->uid, c) < 0)
    return ACT_ENOMEM;
  if (c->name != NULL &&
      json_object_set_new(s->names, c->name,
                          json_integer((json_int_t)c->uid)) < 0) {
    act__map_del(&s->by_uid, c->uid);
    return ACT_ENOMEM;
  }
  s->v[s->n++] = c;
  c->state = CS_IDLE;
  s->nstate[CS_IDLE]++;
  if (!sup_is_group(s))
    sup_startq_push(s, c->uid);
  return 0;
}

/* Forget a child that is not alive: answer what waits on it, drop it. */
static void sup_child_remove(sup_t *s, act_ctx_t *ctx, sup_child_t *c) {
  size_t i = sup_child_index(s, c);

  sup_timer_cancel(ctx, c);
  if (c->req == REQ_TERMINATE) {
    c->req = REQ_NONE;
    sup_answer(ctx, &c->req_msg, json_object());
  } else if (c->req == REQ_START) {
    sup_child_fail_req(ctx, c, ACT_EUNAVAIL,
                       s->stopping ? "the supervisor is shutting down"
                                   : "the child was stopped before it started");
  } else {
    sup_child_fail_req(ctx, c, ACT_EUNAVAIL,
                       s->stopping ? "the supervisor is shutting down"
                                   : "the child was stopped");
  }
  if (i < s->n) {
    memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(*s->v));
    s->n--;
    s->nstate[c->state]--;
    sup_stop_pending(s, c, 0);
    act__map_del(&s->by_uid, c->uid);
    sup_child_set_id(s, c, 0);
    if (c->name != NULL)
      json_object_del(s->names, c->name);
  }
  sup_child_free(c);
}

static const char *sup_child_status(const sup_child_t *c) {
  switch (c->state) {
  case CS_RUNNING:
    return "running";
  case CS_STARTING:
    return c->restarts > 0 ? "restarting" : "running";
  case CS_IDLE:
  case CS_BACKOFF:
    return "restarting";
  case CS_STOPPING:
    return "stopping";
  case CS_FAILED:
    return "failed";
  default:
    return "running";
  }
}

static json_t *sup_child_json(const sup_child_t *c) {
  json_t *o = json_pack("{s:o,s:o,s:s,s:s,s:s,s:I}",
                        "id", c->id ? json_integer((json_int_t)c->id)
                                    : json_null(),
                        "name", c->name ? json_string(c->name) : json_null(),
                        "plugin", c->plugin,
                        "status", sup_child_status(c),
                        "restart", sup_restart_names[c->restart],
                        "restarts", (json_int_t)c->restarts);

  if (o != NULL && c->reason != NULL)
    json_object_set_new(o, "reason", json_string(c->reason));
  return o;
}

static json_t *sup_children_json(const sup_t *s) {
  json_t *a = json_array();

  if (a == NULL)
    return NULL;
  for (size_t i = 0; i < s->n; i++) {
    if (s->v[i]->hidden)
      continue;
    if (json_array_append_new(a, sup_child_json(s->v[i])) < 0) {
      json_decref(a);
      return NULL;
    }
  }
  return a;
}

/* --------------------------------------------------------------- the spec */

/* Parse a mailbox field: N, "N:policy" or {"cap":N,"policy":P}. */
static int sup_spec_mailbox(const json_t *v, uint32_t *cap, uint8_t *policy,
                            const char *where, char *err, size_t errlen) {
  const json_t *jcap = NULL, *jpol = NULL;
  const char *pol = NULL;
  char got[80], *end;
  long long n = -1;
  size_t i;

  *cap = 0;
  *policy = ACT_OVERFLOW_REJECT;
  if (json_is_integer(v)) {
    n = json_integer_value(v);
  } else if (json_is_string(v)) {
    n = strtoll(json_string_value(v), &end, 10);
    if (end == json_string_value(v) || (*end != '\0' && *end != ':'))
      goto bad;
    if (*end == ':')
      pol = end + 1;
  } else if (json_is_object(v)) {
    jcap = json_object_get(v, "cap");
    jpol = json_object_get(v, "policy");
    if (!json_is_integer(jcap)) {
      sup_describe(jcap, got, sizeof(got));
      snprintf(err, errlen, "%smailbox.cap: expected an integer, got %s",
               where, got);
      return ACT_EINVAL;
    }
    n = json_integer_value(jcap);
    if (jpol != NULL && !json_is_string(jpol)) {
      sup_describe(jpol, got, sizeof(got));
      snprintf(err, errlen, "%smailbox.policy: expected reject, drop_oldest "
               "or drop_newest, got %s", where, got);
      return ACT_EINVAL;
    }
    pol = jpol ? json_string_value(jpol) : NULL;
  } else {
    goto bad;
  }
  if (n < 0 || n > UINT32_MAX) {
    snprintf(err, errlen, "%smailbox: the capacity must be 0 to %u, got %lld",
             where, UINT32_MAX, n);
    return ACT_EINVAL;
  }
  *cap = (uint32_t)n;
  if (pol == NULL)
    return 0;
  for (i = 0; i < 3; i++)
    if (strcmp(pol, sup_policy_names[i]) == 0)
      break;
  if (i == 3) {
    snprintf(err, errlen, "%smailbox.policy: expected reject, drop_oldest or "
             "drop_newest, got \"%s\"", where, pol);
    return ACT_EINVAL;
  }
  *policy = (uint8_t)i;
  return 0;

bad:
  sup_describe(v, got, sizeof(got));
  snprintf(err, errlen, "%smailbox: expected N, \"N:policy\" or "
           "{\"cap\":N,\"policy\":P}, got %s", where, got);
  return ACT_EINVAL;
}

/* Check a spec and make a child of it (not yet in the supervisor). spec is
   borrowed; the child keeps a reference. where prefixes the field names in
   messages ("children[2]."). */
static int sup_child_new(sup_t *s, act_ctx_t *ctx, json_t *spec,
                         const char *where, char *err, size_t errlen,
                         sup_child_t **out) {
  sup_child_t *c = NULL;
  json_t *plugin, *name, *restart, *shutdown, *mailbox, *dedicated;
  char got[80];
  size_t i;
  int rc;

  *out = NULL;
  if (!json_is_object(spec)) {
    sup_describe(spec, got, sizeof(got));
    snprintf(err, errlen, "%sspec: expected an object, got %s", where, got);
    return ACT_EINVAL;
  }
  c = calloc(1, sizeof(*c));
  if (c == NULL) {
    snprintf(err, errlen, "out of memory");
    return ACT_ENOMEM;
  }
  c->spec = json_incref(spec);
  c->restart = ACT_RESTART_PERMANENT;
  c->shutdown_ms = SUP_DEFAULT_SHUTDOWN_MS;

  plugin = json_object_get(spec, "plugin");
  if (plugin == NULL) {
    snprintf(err, errlen, "%splugin: missing (the name of a plugin)", where);
    rc = ACT_EINVAL;
    goto fail;
  }
  if (!json_is_string(plugin)) {
    sup_describe(plugin, got, sizeof(got));
    snprintf(err, errlen, "%splugin: expected a string, got %s", where, got);
    rc = ACT_EINVAL;
    goto fail;
  }
  c->plugin = json_string_value(plugin);
  if (act_runtime_lookup(act_runtime_of(ctx), c->plugin) == NULL) {
    snprintf(err, errlen, "%splugin: no plugin named \"%s\"", where,
             c->plugin);
    rc = ACT_ENOENT;
    goto fail;
  }

  name = json_object_get(spec, "name");
  if (name != NULL && !json_is_null(name)) {
    if (!json_is_string(name)) {
      sup_describe(name, got, sizeof(got));
      snprintf(err, errlen, "%sname: expected a string, got %s", where, got);
      rc = ACT_EINVAL;
      goto fail;
    }
    if (!act_name_valid(json_string_value(name))) {
      sup_describe(name, got, sizeof(got));
      snprintf(err, errlen, "%sname: %s is not a valid name (letters, digits, "
               "_ . -, not starting with a digit, . or -, at most %d bytes)",
               where, got, ACT_NAME_MAX);
      rc = ACT_EINVAL;
      goto fail;
    }
    c->name = json_string_value(name);
  }

  c->args = json_object_get(spec, "args");
  if (json_is_null(c->args))
    c->args = NULL;

  restart = json_object_get(spec, "restart");
  if (restart != NULL) {
    for (i = 0; i < 3; i++)
      if (json_is_string(restart) &&
          strcmp(json_string_value(restart), sup_restart_names[i]) == 0)
        break;
    if (i == 3) {
      sup_describe(restart, got, sizeof(got));
      snprintf(err, errlen, "%srestart: expected permanent, transient or "
               "temporary, got %s", where, got);
      rc = ACT_EINVAL;
      goto fail;
    }
    c->restart = (act_restart_t)i;
  }

  shutdown = json_object_get(spec, "shutdown_ms");
  if (shutdown != NULL) {
    if (json_is_string(shutdown) &&
        strcmp(json_string_value(shutdown), "infinity") == 0) {
      c->shutdown_ms = -1;
    } else if (json_is_integer(shutdown) &&
               json_integer_value(shutdown) >= 0) {
      c->shutdown_ms = json_integer_value(shutdown);
    } else {
      sup_describe(shutdown, got, sizeof(got));
      snprintf(err, errlen, "%sshutdown_ms: expected a non-negative integer "
               "or \"infinity\", got %s", where, got);
      rc = ACT_EINVAL;
      goto fail;
    }
  }

  dedicated = json_object_get(spec, "dedicated");
  if (dedicated != NULL && !json_is_null(dedicated)) {
    if (!json_is_boolean(dedicated)) {
      sup_describe(dedicated, got, sizeof(got));
      snprintf(err, errlen, "%sdedicated: expected true or false, got %s",
               where, got);
      rc = ACT_EINVAL;
      goto fail;
    }
    c->dedicated = json_is_true(dedicated);
  }

  mailbox = json_object_get(spec, "mailbox");
  if (mailbox != NULL && !json_is_null(mailbox)) {
    rc = sup_spec_mailbox(mailbox, &c->mailbox_cap, &c->mailbox_policy, where,
                          err, errlen);
    if (rc < 0)
      goto fail;
  }

  c->uid = ++s->next_uid;
  *out = c;
  return 0;

fail:
  sup_child_free(c);
  return rc;
}

/* Is a child's name free? Among this supervisor's children (alive or not,
   since a restarting child will want its name back) and among live actors. */
static int sup_name_free(const sup_t *s, act_ctx_t *ctx, const char *name,
                         const char *where, char *err, size_t errlen) {
  act_id_t owner;

  if (name == NULL)
    return 0;
  if (json_object_get(s->names, name) != NULL) {
    snprintf(err, errlen, "%sname: \"%s\" is already a child of this "
             "supervisor", where, name);
    return ACT_EEXIST;
  }
  owner = act_whereis(ctx, name);
  if (owner != 0) {
    snprintf(err, errlen, "%sname: \"%s\" is taken by actor %llu", where, name,
             (unsigned long long)owner);
    return ACT_EEXIST;
  }
  return 0;
}

/* simple_one_for_one: the template completed by what start_child gives;
   "args" objects are merged key by key, every other field replaces the
   template's. Returns a new reference, or NULL without memory. */
static json_t *sup_spec_complete(const json_t *tmpl, json_t *given) {
  json_t *spec, *targs, *gargs, *args;

  spec = json_copy((json_t *)tmpl);
  if (spec == NULL)
    return NULL;
  if (!json_is_object(given))
    return spec;
  targs = json_object_get(tmpl, "args");
  gargs = json_object_get(given, "args");
  if (json_object_update(spec, given) < 0)
    goto fail;
  if (json_is_object(targs) && json_is_object(gargs)) {
    args = json_copy(targs);
    if (args == NULL || json_object_update(args, gargs) < 0 ||
        json_object_set_new(spec, "args", args) < 0) {
      json_decref(args);
      goto fail;
    }
  }
  return spec;

fail:
  json_decref(spec);
  return NULL;
}

/* ----------------------------------------------------------------- actions */

static void sup_shutdown(sup_t *s, act_ctx_t *ctx, const char *reason);

static void sup_nop(sup_t *s, act_ctx_t *ctx, sup_child_t *c,
                    const char *reason) {
  (void)s, (void)ctx, (void)c, (void)reason;
}

/* IDLE x START: spawn it. A failure to spawn is a failure to start. */
static void sup_act_spawn(sup_t *s, act_ctx_t *ctx, sup_child_t *c,
                          const char *reason);

/* Wait for the backoff delay, or restart at once without backoff. */
static void sup_schedule_restart(sup_t *s, act_ctx_t *ctx, sup_child_t *c,
                                 uint64_t now) {
  uint64_t up;
  char label[96];

  sup_state(s, c, CS_IDLE);
  if (s->backoff_initial == 0)
    return;
  up = c->started_ms != 0 ? now - c->started_ms : 0;
  if (c->delay_ms == 0 || up >= s->backoff_max)
    c->delay_ms = s->backoff_initial;
  else
    c->delay_ms = c->delay_ms * 2 > s->backoff_max ? s->backoff_max
                                                   : c->delay_ms * 2;
  if (sup_timer_start(ctx, c, c->delay_ms) < 0) {
    act_log(ctx, ACT_LOG_WARN, "cannot wait before restarting %s; "
            "restarting it at once", sup_child_label(c, label, sizeof(label)));
    return;
  }
  sup_state(s, c, CS_BACKOFF);
}

/* A sibling of a crashed child under one_for_all or rest_for_one: stop it,
   then start it again (a temporary one is not restarted). */
static void sup_mark_group(sup_t *s, sup_child_t *d) {
  sup_after_t after = d->restart == ACT_RESTART_TEMPORARY ? AFTER_REMOVE
                                                          : AFTER_RESTART;
  switch (d->state) {
  case CS_STARTING:
  case CS_RUNNING:
    sup_stop_pending(s, d, 1);
    d->after = after;
    break;
  case CS_STOPPING:
    if (d->after != AFTER_REMOVE)
      d->after = after;
    break;
  default:
    break; /* not running: it will be started in its turn, or stay failed */
  }
}

/* An unexpected death (RUNNING x DOWN, or a failed start): decide by the
   restart type, the intensity and the strategy. */
static void sup_child_died(sup_t *s, act_ctx_t *ctx, sup_child_t *c,
                           const char *reason) {
  uint64_t now = act_now_ms(ctx);
  size_t i, at;
  char label[96];
  int restart;

  sup_timer_cancel(ctx, c);
  sup_set_reason(c, reason);
  sup_dead_add(s, c->id);
  sup_state(s, c, CS_IDLE);
  sup_child_label(c, label, sizeof(label));

  /* Dying on its own while waiting its turn to be stopped for good (a
     shutdown or terminate_child) is as good as being stopped. */
  if (s->stopping || (c->stop_pending && c->after == AFTER_REMOVE)) {
    sup_child_remove(s, ctx, c);
    return;
  }
  sup_stop_pending(s, c, 0);
  restart = c->restart == ACT_RESTART_PERMANENT ||
            (c->restart == ACT_RESTART_TRANSIENT && !sup_reason_normal(reason));
  if (!restart) {
    act_log(ctx, ACT_LOG_INFO, "child %s exited (%s); %s, not restarted",
            label, reason, sup_restart_names[c->restart]);
    sup_child_remove(s, ctx, c);
    return;
  }

  if (sup_hist_exceeded(s, s->root ? &c->hist : &s->hist, now)) {
    if (s->root) {
      sup_state(s, c, CS_FAILED);
      act_log(ctx, ACT_LOG_ERROR, "child %s exited (%s): more than %u "
              "restarts in %llu ms; marked failed, not restarted until "
              "restarted by hand", label, reason, s->intensity,
              (unsigned long long)s->period_ms);
      sup_emit(ctx, ACT_EV_FAILED, c, 0, reason);
      return;
    }
    act_log(ctx, ACT_LOG_ERROR, "child %s exited (%s): more than %u restarts "
            "in %llu ms; shutting down", label, reason, s->intensity,
            (unsigned long long)s->period_ms);
    sup_shutdown(s, ctx, "shutdown");
    return;
  }

  act_log(ctx, ACT_LOG_INFO, "child %s exited (%s); restarting it", label,
          reason);
  sup_schedule_restart(s, ctx, c, now);
  at = sup_child_index(s, c);
  for (i = 0; i < s->n; i++) {
    if (i == at)
      continue;
    if (s->strategy == SUP_ONE_FOR_ALL ||
        (s->strategy == SUP_REST_FOR_ONE && i > at))
      sup_mark_group(s, s->v[i]);
  }
}

/* STARTING x DOWN: its init failed (or it died before reporting). */
static void sup_act_start_failed(sup_t *s, act_ctx_t *ctx, sup_child_t *c,
                                 const char *reason) {
  char text[512];
  const char *einval = act_strerror(ACT_EINVAL);
  int kind = ACT_EPLUGIN;

  if (reason != NULL && strstr(reason, einval) != NULL)
    kind = ACT_EINVAL;
  snprintf(text, sizeof(text), "init failed: %s", reason ? reason : "?");
  if (c->req == REQ_START) {
    /* A child that never started is not added. */
    sup_dead_add(s, c->id);
    sup_child_fail_req(ctx, c, kind, text);
    sup_child_remove(s, ctx, c);
    return;
  }
  if (c->req == REQ_RESTART)
    sup_child_fail_req(ctx, c, kind, text);
  sup_child_died(s, ctx, c, reason);
}

/* STARTING x UP: its init succeeded; answer whoever waits for it. */
static void sup_act_up(sup_t *s, act_ctx_t *ctx, sup_child_t *c,
                       const char *reason) {
  (void)s, (void)reason;
  sup_state(s, c, CS_RUNNING);
  c->hidden = 0;
  if (c->req == REQ_START) {
    c->req = REQ_NONE;
    sup_answer(ctx, &c->req_msg,
               json_pack("{s:I,s:o}", "id", (json_int_t)c->id, "name",
                         c->name ? json_string(c->name) : json_null()));
  } else if (c->req == REQ_RESTART) {
    c->req = REQ_NONE;
    sup_answer(ctx, &c->req_msg, json_pack("{s:I}", "id", (json_int_t)c->id));
  }
}

/* RUNNING x DOWN. */
static void sup_act_died(sup_t *s, act_ctx_t *ctx, sup_child_t *c,
                         const char *reason) {
  sup_child_died(s, ctx, c, reason);
}

/* STOPPING x DOWN: it stopped as asked; remove or restart it. */
static void sup_act_stopped(sup_t *s, act_ctx_t *ctx, sup_child_t *c,
                            const char *reason) {
  sup_timer_cancel(ctx, c);
  sup_set_reason(c, reason);
  sup_dead_add(s, c->id);
  sup_state(s, c, CS_IDLE);
  if (c->after == AFTER_REMOVE || s->stopping) {
    sup_child_remove(s, ctx, c);
    return;
  }
  /* AFTER_RESTART: IDLE, the pump starts it in its turn. A group restart
     starts from a clean backoff: the crash was a sibling's. */
  c->delay_ms = 0;
}

/* STARTING/RUNNING x STOP: the exit signal "shutdown", then "killed" when
   shutdown_ms runs out (at once for shutdown_ms 0, never for infinity). */
static void sup_act_stop(sup_t *s, act_ctx_t *ctx, sup_child_t *c,
                         const char *reason) {
  char label[96];

  (void)s, (void)reason;
  sup_timer_cancel(ctx, c);
  sup_state(s, c, CS_STOPPING);
  if (c->shutdown_ms == 0) {
    act_kill(ctx, c->id, NULL);
    return;
  }
  /* If it is already dead, its exit is on the way through the link. */
  act_kill(ctx, c->id, "shutdown");
  if (c->shutdown_ms > 0 &&
      sup_timer_start(ctx, c, (uint64_t)c->shutdown_ms) < 0) {
    act_log(ctx, ACT_LOG_WARN, "cannot time the shutdown of %s; killing it",
            sup_child_label(c, label, sizeof(label)));
    act_kill(ctx, c->id, NULL);
  }
}

/* IDLE/BACKOFF/FAILED x STOP: nothing runs; do what follows at once. */
static void sup_act_stop_idle(sup_t *s, act_ctx_t *ctx, sup_child_t *c,
                              const char *reason) {
  (void)reason;
  sup_timer_cancel(ctx, c);
  if (c->after == AFTER_REMOVE || s->stopping) {
    sup_child_remove(s, ctx, c);
    return;
  }
  sup_state(s, c, CS_IDLE);
}

/* STOPPING x TIMER: it ignored "shutdown" for shutdown_ms. */
static void sup_act_brutal_kill(sup_t *s, act_ctx_t *ctx, sup_child_t *c,
                                const char *reason) {
  char label[96];

  (void)s, (void)reason;
  c->timer_on = 0;
  act_log(ctx, ACT_LOG_WARN, "child %s did not stop within %lld ms; "
          "killing it", sup_child_label(c, label, sizeof(label)),
          (long long)c->shutdown_ms);
  act_kill(ctx, c->id, NULL);
}

/* BACKOFF x TIMER: the delay is over. */
static void sup_act_backoff_done(sup_t *s, act_ctx_t *ctx, sup_child_t *c,
                                 const char *reason) {
  (void)s, (void)ctx, (void)reason;
  c->timer_on = 0;
  sup_state(s, c, CS_IDLE);
}

/* STARTING/RUNNING x REVIVE: restart a live child (stop, then start). */
static void sup_act_revive_live(sup_t *s, act_ctx_t *ctx, sup_child_t *c,
                                const char *reason) {
  (void)s, (void)ctx, (void)reason;
  sup_stop_pending(s, c, 1);
  c->after = AFTER_RESTART;
}

/* STOPPING x REVIVE: it is on its way out; start it again afterwards. */
static void sup_act_revive_stopping(sup_t *s, act_ctx_t *ctx, sup_child_t *c,
                                    const char *reason) {
  (void)s, (void)ctx, (void)reason;
  c->after = AFTER_RESTART;
}

/* BACKOFF/FAILED x REVIVE: start now, with a fresh history and delay. */
static void sup_act_revive_idle(sup_t *s, act_ctx_t *ctx, sup_child_t *c,
                                const char *reason) {
  (void)s, (void)reason;
  sup_timer_cancel(ctx, c);
  sup_hist_clear(&c->hist);
  c->delay_ms = 0;
  sup_state(s, c, CS_IDLE);
}

/*
 * The table. Rows are states, columns events:
 *            START      UP        DOWN            STOP        TIMER         REVIVE
 */
static const sup_action_t sup_actions[CS__N][SE__N] = {
  [CS_IDLE] = {sup_act_spawn, sup_nop, sup_nop, sup_act_stop_idle, sup_nop,
               sup_nop},
  [CS_STARTING] = {sup_nop, sup_act_up, sup_act_start_failed, sup_act_stop,
                   sup_nop, sup_act_revive_live},
  [CS_RUNNING] = {sup_nop, sup_nop, sup_act_died, sup_act_stop, sup_nop,
                  sup_act_revive_live},
  [CS_STOPPING] = {sup_nop, sup_nop, sup_act_stopped, sup_nop,
                   sup_act_brutal_kill, sup_act_revive_stopping},
  [CS_BACKOFF] = {sup_nop, sup_nop, sup_nop, sup_act_stop_idle,
                  sup_act_backoff_done, sup_act_revive_idle},
  [CS_FAILED] = {sup_nop, sup_nop, sup_nop, sup_act_stop_idle, sup_nop,
                 sup_act_revive_idle},
};

static void sup_dispatch(sup_t *s, act_ctx_t *ctx, sup_child_t *c,
                         sup_event_t ev, const char *reason) {
  sup_actions[c->state][ev](s, ctx, c, reason);
}

static void sup_act_spawn(sup_t *s, act_ctx_t *ctx, sup_child_t *c,
                          const char *reason) {
  act_spawn_opts_t opts = ACT_SPAWN_OPTS_INIT;
  act_id_t old_id = c->id, id = 0;
  char why[160];
  int err;

  (void)reason;
  opts.flags = ACT_SPAWN_LINK | ACT_SPAWN_NOTIFY;
  opts.plugin = c->plugin;
  opts.name = c->name;
  opts.args = c->args;
  opts.supervisor = act_self(ctx);
  opts.restarts = old_id != 0 ? c->restarts + 1 : c->restarts;
  opts.mailbox_cap = c->mailbox_cap;
  opts.mailbox_policy = c->mailbox_policy;
  if (c->dedicated)
    opts.flags |= ACT_SPAWN_DEDICATED;
  c->started_ms = act_now_ms(ctx);
  err = act_spawn(ctx, &opts, &id);
  if (err < 0) {
    snprintf(why, sizeof(why), "error:spawn: %s", act_strerror(err));
    if (c->req == REQ_START) {
      /* Nothing ran: say why the spawn was refused, and forget the spec. */
      sup_child_fail_req(ctx, c, err, why + 6);
      sup_child_remove(s, ctx, c);
      return;
    }
    /* As if its init had failed: the same path decides what follows. */
    sup_state(s, c, CS_STARTING);
    sup_act_start_failed(s, ctx, c, why);
    return;
  }
  sup_child_set_id(s, c, id);
  sup_state(s, c, CS_STARTING);
  if (old_id != 0) {
    c->restarts++;
    sup_emit(ctx, ACT_EV_RESTART, c, old_id, c->reason);
  }
}

/* --------------------------------------------------------------- the pump */

/* The next child to start under a strategy without order: from the queue
   of children that became IDLE (stale entries are skipped), or by a scan
   when the queue could not grow. */
static sup_child_t *sup_next_idle(sup_t *s) {
  sup_child_t *c;

  while (s->qlen > 0) {
    c = sup_child_by_uid(s, s->startq[s->qhead]);
    s->qhead++;
    s->qlen--;
    if (s->qlen == 0)
      s->qhead = 0;
    if (c != NULL && c->state == CS_IDLE && !c->stop_pending)
      return c;
  }
  if (s->rescan && s->nstate[CS_IDLE] > 0) {
    for (size_t i = 0; i < s->n; i++)
      if (s->v[i]->state == CS_IDLE && !s->v[i]->stop_pending)
        return s->v[i];
  }
  s->rescan = 0;
  return NULL;
}

/* After every input: stop what is to be stopped (the last in start order
   first; one at a time when order matters), start what is to be started
   (in start order and one at a time for the group strategies and at boot,
   and not before the stopping is done), and exit once a shutdown has
   emptied the list.
   The counts keep this cheap when nothing is to be done, which is what
   almost every message of a big supervisor finds. */
static void sup_pump(sup_t *s, act_ctx_t *ctx) {
  int serial_stop = s->stopping || sup_is_group(s);
  sup_child_t *c;
  size_t i;
  int progress;

  do {
    progress = 0;

    if (s->nstop_pending > 0 &&
        (!serial_stop || s->nstate[CS_STOPPING] == 0)) {
      for (i = s->n; i-- > 0;) {
        if (s->v[i]->stop_pending) {
          c = s->v[i];
          sup_stop_pending(s, c, 0);
          sup_dispatch(s, ctx, c, SE_STOP, NULL);
          progress = 1;
          break;
        }
      }
      if (progress)
        continue;
    }

    if (s->stopping || s->exited)
      break;
    if (s->booting && s->nstate[CS_IDLE] == 0 && s->nstate[CS_STARTING] == 0)
      s->booting = 0;
    if (!sup_is_group(s) && !s->booting) {
      c = sup_next_idle(s);
      if (c != NULL) {
        sup_dispatch(s, ctx, c, SE_START, NULL);
        progress = 1;
      }
      continue;
    }
    if (s->nstate[CS_IDLE] == 0 || s->nstate[CS_STOPPING] > 0 ||
        s->nstop_pending > 0 || s->nstate[CS_STARTING] > 0)
      break;
    for (i = 0; i < s->n; i++) {
      c = s->v[i];
      if (c->state == CS_BACKOFF && sup_is_group(s))
        break; /* later children wait for it: start order */
      if (c->state == CS_IDLE && !c->stop_pending) {
        sup_dispatch(s, ctx, c, SE_START, NULL);
        progress = 1;
        break;
      }
    }
  } while (progress);

  if (s->stopping && !s->exited && s->n == 0) {
    s->exited = 1;
    act_exit(ctx, s->exit_reason);
  }
}

/* Stop every child in reverse start order, then exit with reason. */
static void sup_shutdown(sup_t *s, act_ctx_t *ctx, const char *reason) {
  if (s->stopping)
    return;
  s->stopping = 1;
  s->exit_reason = strdup(reason != NULL ? reason : "shutdown");
  for (size_t i = 0; i < s->n; i++) {
    sup_stop_pending(s, s->v[i], 1);
    s->v[i]->after = AFTER_REMOVE;
  }
}

/* --------------------------------------------------------------- requests */

static void sup_req_start_child(sup_t *s, act_ctx_t *ctx,
                                const act_msg_t *msg, json_t *given) {
  json_t *spec = given;
  sup_child_t *c = NULL;
  char err[512];
  int rc;

  if (s->strategy == SUP_SIMPLE_ONE_FOR_ONE) {
    if (!json_is_object(given) && !json_is_null(given) &&
        !json_is_true(given)) {
      sup_describe(given, err, sizeof(err) - 64);
      sup_answer_error(ctx, msg, ACT_EINVAL, "start_child: expected a spec "
                       "object, got %s", err);
      return;
    }
    spec = sup_spec_complete(s->template_spec, given);
    if (spec == NULL) {
      sup_answer_error(ctx, msg, ACT_ENOMEM, "out of memory");
      return;
    }
  } else {
    json_incref(spec);
  }

  rc = sup_child_new(s, ctx, spec, "", err, sizeof(err), &c);
  if (rc == 0)
    rc = sup_name_free(s, ctx, c->name, "", err, sizeof(err));
  if (rc == 0 && sup_child_append(s, c) < 0) {
    rc = ACT_ENOMEM;
    snprintf(err, sizeof(err), "out of memory");
  }
  json_decref(spec);
  if (rc < 0) {
    sup_child_free(c);
    sup_answer_error(ctx, msg, rc, "%s", err);
    return;
  }
  c->hidden = 1;
  sup_child_keep_req(c, REQ_START, msg);
}

static sup_child_t *sup_req_child(sup_t *s, act_ctx_t *ctx,
                                  const act_msg_t *msg, const char *what,
                                  const json_t *ref) {
  sup_child_t *c;
  char got[80];

  if (!json_is_string(ref) &&
      !(json_is_integer(ref) && json_integer_value(ref) > 0)) {
    sup_describe(ref, got, sizeof(got));
    sup_answer_error(ctx, msg, ACT_EINVAL, "%s: expected a child's id or "
                     "name, got %s", what, got);
    return NULL;
  }
  c = sup_child_find(s, ref);
  if (c == NULL) {
    sup_describe(ref, got, sizeof(got));
    sup_answer_error(ctx, msg, ACT_ENOENT, "%s: no child %s in this "
                     "supervisor", what, got);
    return NULL;
  }
  if (c->req != REQ_NONE) {
    sup_answer_error(ctx, msg, ACT_EUNAVAIL, "%s: child %s is busy with "
                     "another request", what, sup_child_label(c, got,
                                                             sizeof(got)));
    return NULL;
  }
  return c;
}

static void sup_request(sup_t *s, act_ctx_t *ctx, const act_msg_t *msg) {
  json_t *v;
  sup_child_t *c;
  char got[120];

  if (msg->payload != ACT_PAYLOAD_JSON || !json_is_object(msg->json)) {
    if (msg->payload == ACT_PAYLOAD_JSON)
      sup_describe(msg->json, got, sizeof(got));
    else
      snprintf(got, sizeof(got), "%zu bytes with tag %u", msg->len, msg->tag);
    sup_answer_error(ctx, msg, ACT_EINVAL, "supervisor: expected a request "
                     "object, got %s", got);
    return;
  }

  if ((v = json_object_get(msg->json, "which_children")) != NULL) {
    sup_answer(ctx, msg, sup_children_json(s));
    return;
  }
  if (json_object_get(msg->json, "start_child") == NULL &&
      json_object_get(msg->json, "terminate_child") == NULL &&
      json_object_get(msg->json, "restart_child") == NULL) {
    sup_describe(msg->json, got, sizeof(got));
    sup_answer_error(ctx, msg, ACT_EINVAL, "supervisor: unknown request %s "
                     "(expected start_child, terminate_child, restart_child "
                     "or which_children)", got);
    return;
  }
  if (s->stopping) {
    sup_answer_error(ctx, msg, ACT_EUNAVAIL, "the supervisor is shutting "
                     "down");
    return;
  }

  if ((v = json_object_get(msg->json, "start_child")) != NULL) {
    sup_req_start_child(s, ctx, msg, v);
  } else if ((v = json_object_get(msg->json, "terminate_child")) != NULL) {
    c = sup_req_child(s, ctx, msg, "terminate_child", v);
    if (c == NULL)
      return;
    sup_child_keep_req(c, REQ_TERMINATE, msg);
    sup_stop_pending(s, c, 1);
    c->after = AFTER_REMOVE;
  } else if ((v = json_object_get(msg->json, "restart_child")) != NULL) {
    c = sup_req_child(s, ctx, msg, "restart_child", v);
    if (c == NULL)
      return;
    sup_child_keep_req(c, REQ_RESTART, msg);
    sup_dispatch(s, ctx, c, SE_REVIVE, NULL);
  }
}

/* ------------------------------------------------------------- callbacks */

static int sup_parse_args(sup_t *s, act_ctx_t *ctx, json_t *args, char *err,
                          size_t errlen) {
  static const char *const known[] = {
    "strategy", "intensity", "period_ms", "backoff_ms", "root", "children",
    "template", NULL
  };
  json_t *v, *children;
  const char *key;
  char got[80], where[48];
  sup_child_t *c;
  size_t i, k;
  int rc;

  if (args == NULL || json_is_null(args))
    return 0;
  if (!json_is_object(args)) {
    sup_describe(args, got, sizeof(got));
    snprintf(err, errlen, "args: expected an object, got %s", got);
    return ACT_EINVAL;
  }
  json_object_foreach(args, key, v) {
    for (k = 0; known[k] != NULL; k++)
      if (strcmp(key, known[k]) == 0)
        break;
    if (known[k] == NULL) {
      snprintf(err, errlen, "args: unknown field \"%s\" (expected strategy, "
               "intensity, period_ms, backoff_ms, root, children, template)",
               key);
      return ACT_EINVAL;
    }
  }

  if ((v = json_object_get(args, "strategy")) != NULL) {
    for (k = 0; k < 4; k++)
      if (json_is_string(v) &&
          strcmp(json_string_value(v), sup_strategy_names[k]) == 0)
        break;
    if (k == 4) {
      sup_describe(v, got, sizeof(got));
      snprintf(err, errlen, "strategy: expected one_for_one, one_for_all, "
               "rest_for_one or simple_one_for_one, got %s", got);
      return ACT_EINVAL;
    }
    s->strategy = (sup_strategy_t)k;
  }
  if ((v = json_object_get(args, "intensity")) != NULL) {
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        json_integer_value(v) > SUP_MAX_INTENSITY) {
      sup_describe(v, got, sizeof(got));
      snprintf(err, errlen, "intensity: expected an integer from 0 to %d, "
               "got %s", SUP_MAX_INTENSITY, got);
      return ACT_EINVAL;
    }
    s->intensity = (uint32_t)json_integer_value(v);
  }
  if ((v = json_object_get(args, "period_ms")) != NULL) {
    if (!json_is_integer(v) || json_integer_value(v) <= 0) {
      sup_describe(v, got, sizeof(got));
      snprintf(err, errlen, "period_ms: expected a positive integer, got %s",
               got);
      return ACT_EINVAL;
    }
    s->period_ms = (uint64_t)json_integer_value(v);
  }
  if ((v = json_object_get(args, "backoff_ms")) != NULL && !json_is_null(v)) {
    json_t *a = json_array_get(v, 0), *b = json_array_get(v, 1);
    if (!json_is_array(v) || json_array_size(v) != 2 || !json_is_integer(a) ||
        !json_is_integer(b) || json_integer_value(a) <= 0 ||
        json_integer_value(b) < json_integer_value(a)) {
      sup_describe(v, got, sizeof(got));
      snprintf(err, errlen, "backoff_ms: expected [initial, max] with "
               "0 < initial <= max, got %s", got);
      return ACT_EINVAL;
    }
    s->backoff_initial = (uint64_t)json_integer_value(a);
    s->backoff_max = (uint64_t)json_integer_value(b);
  }
  if ((v = json_object_get(args, "root")) != NULL) {
    if (!json_is_boolean(v)) {
      sup_describe(v, got, sizeof(got));
      snprintf(err, errlen, "root: expected true or false, got %s", got);
      return ACT_EINVAL;
    }
    s->root = json_is_true(v);
  }

  v = json_object_get(args, "template");
  if (s->strategy == SUP_SIMPLE_ONE_FOR_ONE) {
    if (v == NULL) {
      snprintf(err, errlen, "template: missing (simple_one_for_one starts "
               "its children from a template spec)");
      return ACT_EINVAL;
    }
    rc = sup_child_new(s, ctx, v, "template.", err, errlen, &c);
    if (rc < 0)
      return rc;
    sup_child_free(c);
    s->template_spec = json_incref(v);
  } else if (v != NULL) {
    snprintf(err, errlen, "template: only simple_one_for_one takes a "
             "template (strategy is %s)", sup_strategy_names[s->strategy]);
    return ACT_EINVAL;
  }

  children = json_object_get(args, "children");
  if (children == NULL)
    return 0;
  if (!json_is_array(children)) {
    sup_describe(children, got, sizeof(got));
    snprintf(err, errlen, "children: expected an array of specs, got %s", got);
    return ACT_EINVAL;
  }
  if (s->strategy == SUP_SIMPLE_ONE_FOR_ONE && json_array_size(children) > 0) {
    snprintf(err, errlen, "children: simple_one_for_one starts with no "
             "children (start them with start_child)");
    return ACT_EINVAL;
  }
  json_array_foreach(children, i, v) {
    snprintf(where, sizeof(where), "children[%zu].", i);
    rc = sup_child_new(s, ctx, v, where, err, errlen, &c);
    if (rc == 0)
      rc = sup_name_free(s, ctx, c->name, where, err, errlen);
    if (rc == 0 && sup_child_append(s, c) < 0) {
      snprintf(err, errlen, "out of memory");
      rc = ACT_ENOMEM;
    }
    if (rc < 0) {
      sup_child_free(c);
      return rc;
    }
  }
  return 0;
}

static void sup_free(sup_t *s) {
  if (s == NULL)
    return;
  for (size_t i = 0; i < s->n; i++)
    sup_child_free(s->v[i]);
  free(s->v);
  act__map_free(&s->by_uid);
  act__map_free(&s->by_id);
  json_decref(s->names);
  free(s->startq);
  sup_hist_free(&s->hist);
  json_decref(s->template_spec);
  free(s->exit_reason);
  free(s);
}

static int sup_init(act_ctx_t *ctx, json_t *args, void **state) {
  sup_t *s;
  char err[512], reason[600];
  int rc;

  s = calloc(1, sizeof(*s));
  if (s == NULL)
    return ACT_ENOMEM;
  s->strategy = SUP_ONE_FOR_ONE;
  s->intensity = SUP_DEFAULT_INTENSITY;
  s->period_ms = SUP_DEFAULT_PERIOD_MS;
  act__map_init(&s->by_uid);
  act__map_init(&s->by_id);
  s->names = json_object();
  if (s->names == NULL) {
    free(s);
    return ACT_ENOMEM;
  }

  err[0] = '\0';
  rc = sup_parse_args(s, ctx, args, err, sizeof(err));
  if (rc < 0)
    goto fail;
  /* Trap before the first child exists: its exit must become a message. */
  rc = act_trap_exit(ctx, 1);
  if (rc < 0) {
    snprintf(err, sizeof(err), "cannot trap exits: %s", act_strerror(rc));
    goto fail;
  }
  *state = s;
  /* The children of the args start one after the other, each once the
     previous one's init succeeded, whatever the strategy (as OTP). */
  s->booting = s->n > 0;
  sup_pump(s, ctx);
  return 0;

fail:
  act_log(ctx, ACT_LOG_ERROR, "%s", err);
  /* The reason says what was wrong; the return says that init failed.
     "invalid argument" in it makes a supervisor above answer the kind
     "invalid" (see sup_act_start_failed): a spec naming a plugin that is
     not loaded, or a name that is taken, is a bad argument too. */
  snprintf(reason, sizeof(reason), "error:%s%s",
           rc != ACT_ENOMEM ? "invalid argument: " : "", err);
  act_exit(ctx, reason);
  sup_free(s);
  return rc;
}

static void sup_on_timer(sup_t *s, act_ctx_t *ctx, const act_msg_t *msg) {
  sup_tick_t tick;
  sup_child_t *c;

  memcpy(&tick, msg->data, sizeof(tick));
  c = sup_child_by_uid(s, tick.uid);
  if (c == NULL || !c->timer_on || c->timer_gen != tick.gen)
    return; /* cancelled after it had fired, or the child is gone */
  sup_dispatch(s, ctx, c, SE_TIMER, NULL);
}

static void sup_on_exit(sup_t *s, act_ctx_t *ctx, const act_msg_t *msg) {
  sup_child_t *c = sup_child_by_id(s, msg->from);
  const char *reason = msg->reason ? msg->reason : "normal";

  if (c != NULL) {
    sup_dispatch(s, ctx, c, SE_DOWN, reason);
    return;
  }
  if (sup_dead_has(s, msg->from) || strcmp(reason, "normal") == 0)
    return;
  /* An exit signal from the parent, an operator or a linked stranger: stop
     in order and pass the reason on. */
  act_log(ctx, ACT_LOG_INFO, "exit signal from %llu (%s): stopping the "
          "children", (unsigned long long)msg->from, reason);
  sup_shutdown(s, ctx, reason);
}

static int sup_handle(act_ctx_t *ctx, void *state, const act_msg_t *msg) {
  sup_t *s = state;
  sup_child_t *c;

  switch (msg->type) {
  case ACT_MSG_EXIT:
    sup_on_exit(s, ctx, msg);
    break;
  case ACT_MSG_STARTED:
    c = sup_child_by_id(s, msg->from);
    if (c != NULL)
      sup_dispatch(s, ctx, c, msg->reason == NULL ? SE_UP : SE_DOWN,
                   msg->reason);
    break;
  case ACT_MSG_USER:
    if (msg->tag == SUP_TAG_TIMER && msg->payload == ACT_PAYLOAD_BYTES &&
        msg->len == sizeof(sup_tick_t) && !(msg->flags & ACT_MSG_F_ASK) &&
        (msg->from == 0 || msg->from == act_self(ctx)))
      sup_on_timer(s, ctx, msg);
    else
      sup_request(s, ctx, msg);
    break;
  default:
    break; /* DOWN, REPLY, TIMEOUT: a supervisor neither monitors nor asks */
  }
  sup_pump(s, ctx);
  return 0;
}

static void sup_terminate(act_ctx_t *ctx, void *state, const char *reason) {
  sup_t *s = state;

  (void)reason;
  if (s == NULL)
    return;
  /* After an orderly shutdown nothing is left. After "killed" or a failed
     handler, make sure no child outlives its supervisor. */
  for (size_t i = 0; i < s->n; i++) {
    sup_child_t *c = s->v[i];
    if (sup_alive(c))
      act_kill(ctx, c->id, NULL);
    sup_timer_cancel(ctx, c);
    sup_child_fail_req(ctx, c, ACT_EUNAVAIL, "the supervisor exited");
  }
  sup_free(s);
}

static json_t *sup_inspect(void *state) {
  const sup_t *s = state;
  json_t *backoff = s->backoff_initial
                        ? json_pack("[I,I]", (json_int_t)s->backoff_initial,
                                    (json_int_t)s->backoff_max)
                        : json_null();

  return json_pack("{s:s,s:I,s:I,s:o,s:b,s:b,s:o}",
                   "strategy", sup_strategy_names[s->strategy],
                   "intensity", (json_int_t)s->intensity,
                   "period_ms", (json_int_t)s->period_ms,
                   "backoff_ms", backoff,
                   "root", s->root,
                   "stopping", s->stopping,
                   "children", sup_children_json(s));
}

const act_plugin_t act_supervisor_plugin = {
  .abi_version = ACT_ABI_VERSION,
  .size = sizeof(act_plugin_t),
  .name = "supervisor",
  .version = "1.0.0",
  .description = "restarts its children by a strategy (Erlang/OTP's "
                 "supervisor)",
  .init = sup_init,
  .handle = sup_handle,
  .terminate = sup_terminate,
  .inspect = sup_inspect,
};
