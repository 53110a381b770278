/* deploy.c - plugin.deploy: move live actors to a new plugin version, and
   roll back when it does not hold (see deploy.h for the steps). */
#include "deploy.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actor/error.h"
#include "actord.h"
#include "events.h"
#include "loader.h"
#include "logs.h"
#include "state.h"

/* How often the move and the roll back look whether every actor runs the
   version it was sent to. */
#define DEPLOY_POLL_MS 2
/* How long act_runtime_upgrade may take to reach every actor: an actor runs
   it between two messages, so only a handler that does not return delays
   it this long. */
#define DEPLOY_SETTLE_MS 5000
/* How long a supervisor may take to answer restart_child or
   which_children (it waits for the old child's terminate and the new one's
   init). */
#define DEPLOY_SUP_MS 15000
/* Timer refs are ours to choose; keep them apart from the runtime's ask and
   monitor refs, which count up from 1. */
#define DEPLOY_REF_BASE (UINT64_C(1) << 62)

typedef enum deploy_phase {
  DEPLOY_MOVING = 0, /* actors are being moved to the new version */
  DEPLOY_WATCHING,   /* all moved; a crash now still rolls back */
  DEPLOY_ROLLBACK,   /* moving them back to the old version */
  DEPLOY_DONE        /* answered; waiting for parked ops to come back */
} deploy_phase_t;

typedef struct deploy_actor {
  act_id_t id;   /* its id now (a restart changes it); 0 once gone */
  act_id_t sup;  /* its supervisor, or 0 */
  uint64_t mref; /* the monitor on it, or 0 */
  char name[ACT_NAME_MAX + 1];
} deploy_actor_t;

/* A restart_child still to ask for during a roll back. */
typedef struct deploy_revive {
  act_id_t sup, id;
} deploy_revive_t;

typedef struct deploy {
  conn_t *c;
  json_t *id; /* the request's (owned) */
  char plugin[ACT_NAME_MAX + 1];
  char from[96], to[96]; /* the versions */
  char path[PATH_MAX];
  const act_plugin_t *old_desc, *new_desc;
  int restart; /* moving by supervised restarts */
  int phase;   /* deploy_phase_t */
  uint64_t watch_ms, started_ms, deadline_ms;

  deploy_actor_t *v; /* the actors of the old version when it began */
  size_t n, cap;
  size_t next;  /* by restarts: the next actor to move */
  size_t moved; /* actors that run the new version */
  size_t left;  /* actors that cannot be moved (no code_change, no
                   supervisor): they keep the old version until they end */

  uint64_t timer, timer_ref; /* the pending timer (0: none) */
  unsigned nops;             /* parked ops whose data is this deploy */
  int restarting;            /* a restart_child of the move is pending */

  /* Roll back: supervisors still to answer which_children, then the
     restart_child requests to make one at a time. */
  act_id_t *sups;
  size_t nsups, isup;
  deploy_revive_t *todo;
  size_t ntodo, captodo, itodo;
  char why[768];
} deploy_t;

/* The deploy under way, if any: one at a time (deploy.h). */
static deploy_t *deploy_current;
static uint64_t deploy_serial;

static void deploy_rollback(deploy_t *d);
static void deploy_rollback_scan(deploy_t *d);
static void deploy_restart_next(deploy_t *d);
static void deploy_revive_next(deploy_t *d);

/* ------------------------------------------------------------- lifetime */

static void deploy_free(deploy_t *d) {
  json_decref(d->id);
  free(d->v);
  free(d->sups);
  free(d->todo);
  free(d);
}

/* The deploy is answered (or its client is gone); free it once no parked
   op can come back to it. */
static void deploy_maybe_free(deploy_t *d) {
  if (d->phase == DEPLOY_DONE && d->nops == 0)
    deploy_free(d);
}

static void deploy_end(deploy_t *d) {
  d->phase = DEPLOY_DONE;
  if (deploy_current == d)
    deploy_current = NULL;
  /* Whatever no actor runs any more can be closed now, the old version
     after a deploy, the new one after a roll back. */
  loader_collect(actord.loader);
}

/* ------------------------------------------------------------ parked ops */

static int deploy_park(deploy_t *d, conn_op_cb cb, uint64_t ref,
                       uint64_t aux) {
  conn_op_t *op = conn_op_new(d->c, NULL, cb, d);

  if (op == NULL)
    return ACT_ENOMEM;
  op->aux = aux;
  conn_op_park(d->c, op, ref);
  d->nops++;
  return 0;
}

/* Take back an op that will not be answered any more (a demonitor, a
   cancelled timer). */
static void deploy_unpark(deploy_t *d, uint64_t ref) {
  conn_op_t *op = conn_op_take(d->c, ref);

  if (op != NULL) {
    conn_op_free(op);
    d->nops--;
  }
}

static void deploy_unmonitor(deploy_t *d, deploy_actor_t *a) {
  if (a->mref == 0)
    return;
  if (d->c->ctx != NULL)
    act_demonitor(d->c->ctx, a->mref);
  deploy_unpark(d, a->mref);
  a->mref = 0;
}

static void deploy_unmonitor_all(deploy_t *d) {
  for (size_t i = 0; i < d->n; i++)
    deploy_unmonitor(d, &d->v[i]);
}

static void deploy_timer_stop(deploy_t *d) {
  if (d->timer_ref == 0)
    return;
  if (d->c->ctx != NULL)
    act_timer_cancel(d->c->ctx, d->timer);
  deploy_unpark(d, d->timer_ref);
  d->timer = d->timer_ref = 0;
}

static void deploy_tick(conn_t *c, conn_op_t *op, const act_msg_t *msg);

static int deploy_timer_start(deploy_t *d, uint64_t ms) {
  uint64_t ref = DEPLOY_REF_BASE + ++deploy_serial;
  int rc;

  deploy_timer_stop(d);
  rc = act_timer_start(d->c->ctx, ms, 0, CONN_TAG_TIMER, &ref, sizeof(ref),
                       &d->timer);
  if (rc == 0)
    rc = deploy_park(d, deploy_tick, ref, 0);
  if (rc != 0) {
    if (d->timer != 0)
      act_timer_cancel(d->c->ctx, d->timer);
    d->timer = 0;
    return rc;
  }
  d->timer_ref = ref;
  return 0;
}

static void deploy_down(conn_t *c, conn_op_t *op, const act_msg_t *msg);

static int deploy_monitor(deploy_t *d, size_t i) {
  deploy_actor_t *a = &d->v[i];
  uint64_t ref;
  int rc;

  rc = act_monitor(d->c->ctx, a->id, &ref);
  if (rc != 0)
    return rc;
  rc = deploy_park(d, deploy_down, ref, i);
  if (rc != 0) {
    act_demonitor(d->c->ctx, ref);
    return rc;
  }
  a->mref = ref;
  return 0;
}

/* ---------------------------------------------------------------- looks */

typedef struct deploy_seen {
  const act_plugin_t *desc;
  int alive;
} deploy_seen_t;

static void deploy_seen_cb(void *arg, const act_info_t *info) {
  deploy_seen_t *s = arg;
  s->alive = 1;
  s->desc = info->desc;
}

/* What an actor runs now; NULL when it is dead. */
static const act_plugin_t *deploy_runs(act_id_t id) {
  deploy_seen_t s = {NULL, 0};

  if (act_runtime_info(actord.rt, id, deploy_seen_cb, &s) != 0 || !s.alive)
    return NULL;
  return s.desc;
}

typedef struct deploy_scan {
  deploy_t *d;
  const act_plugin_t *desc;
  int nomem;
} deploy_scan_t;

/* act_runtime_list callback: record the actors of one descriptor (under the
   schedulers' locks: only memory work here). */
static void deploy_scan_cb(void *arg, const act_info_t *info) {
  deploy_scan_t *s = arg;
  deploy_t *d = s->d;
  deploy_actor_t *a;

  if (info->desc != s->desc || s->nomem)
    return;
  if (d->n == d->cap) {
    size_t cap = d->cap ? d->cap * 2 : 16;
    deploy_actor_t *v = realloc(d->v, cap * sizeof(*v));
    if (v == NULL) {
      s->nomem = 1;
      return;
    }
    d->v = v;
    d->cap = cap;
  }
  a = &d->v[d->n++];
  memset(a, 0, sizeof(*a));
  a->id = info->id;
  a->sup = info->supervisor;
  if (info->name != NULL)
    snprintf(a->name, sizeof(a->name), "%s", info->name);
}

static const char *deploy_label(const deploy_actor_t *a) {
  return a->name[0] ? a->name : "no name";
}

/* An exit that is no crash: the actor was stopped, or ended its work. */
static int deploy_orderly(const char *reason) {
  return strcmp(reason, "normal") == 0 || strcmp(reason, "shutdown") == 0;
}

/* ------------------------------------------------------------ the ending */

static json_t *deploy_summary(const deploy_t *d, const char *event) {
  json_t *o = json_pack("{s:n, s:s, s:s, s:s, s:s, s:s, s:I}", "id", "name",
                        d->plugin, "plugin", d->plugin, "from", d->from, "to",
                        d->to, "strategy",
                        d->restart ? "restart" : "code_change", "moved",
                        (json_int_t)d->moved);
  if (o != NULL && strcmp(event, "rollback") == 0)
    json_object_set_new(o, "reason", json_string(d->why));
  return o;
}

/* Every actor runs the new version and none crashed in the watch. */
static void deploy_succeed(deploy_t *d) {
  const loader_plugin_t *p;
  json_t *res;

  deploy_timer_stop(d);
  deploy_unmonitor_all(d);
  state_plugin_add(d->plugin, d->path);
  logs_info("deployed plugin %s %s over %s from %s: %zu actors moved by %s"
            "%s", d->plugin, d->to, d->from, d->path, d->moved,
            d->restart ? "restart" : "code_change",
            d->left ? " (some keep the old version: no supervisor)" : "");
  events_emit("deploy", deploy_summary(d, "deploy"));
  deploy_end(d);
  if (d->c->ctx == NULL) {
    deploy_maybe_free(d);
    return;
  }
  p = loader_find(actord.loader, d->plugin);
  res = p != NULL ? loader_plugin_json(actord.loader, p) : NULL;
  if (res == NULL) {
    conn_fail(d->c, d->id, ACT_ENOMEM, "deploy %s %s: done, but out of "
              "memory for the answer", d->plugin, d->to);
    deploy_maybe_free(d);
    return;
  }
  json_object_set_new(res, "moved", json_integer((json_int_t)d->moved));
  json_object_set_new(res, "left", json_integer((json_int_t)d->left));
  json_object_set_new(res, "strategy",
                      json_string(d->restart ? "restart" : "code_change"));
  json_object_set_new(res, "from", json_string(d->from));
  json_object_set_new(res, "to", json_string(d->to));
  conn_result(d->c, d->id, res);
  deploy_maybe_free(d);
}

/* Everything runs the old version again (or is on its way there). */
static void deploy_rolled_back(deploy_t *d) {
  deploy_timer_stop(d);
  logs_warn("%s; rolled back to %s", d->why, d->from);
  events_emit("rollback", deploy_summary(d, "rollback"));
  deploy_end(d);
  if (d->c->ctx != NULL)
    conn_fail(d->c, d->id, ACT_EPLUGIN, "%s; rolled back to %s", d->why,
              d->from);
  deploy_maybe_free(d);
}

/* The connection's actor, which drove the deploy, is gone (the daemon is
   stopping), so the deploy stops where it stands (deploy.h). */
static void deploy_orphaned(deploy_t *d) {
  if (d->phase == DEPLOY_ROLLBACK) {
    logs_warn("%s; cut short (the daemon is stopping) during the roll "
              "back to %s", d->why, d->from);
    events_emit("rollback", deploy_summary(d, "rollback"));
  } else if (d->phase != DEPLOY_DONE) {
    /* The name already points at the new version; keep it, and record it
       so that a restarted daemon agrees with what runs. */
    state_plugin_add(d->plugin, d->path);
    logs_warn("deploy %s %s: cut short (the daemon is stopping); %zu of "
              "%zu actors moved, the new version stays", d->plugin, d->to,
              d->moved, d->n);
    events_emit("deploy", deploy_summary(d, "deploy"));
  }
  if (d->phase != DEPLOY_DONE)
    deploy_end(d);
  /* The ops are being freed by the connection; none is ours to take. */
  for (size_t i = 0; i < d->n; i++)
    d->v[i].mref = 0;
  d->timer = d->timer_ref = 0;
}

/* -------------------------------------------------------------- the move */

static void deploy_watch(deploy_t *d) {
  d->phase = DEPLOY_WATCHING;
  if (d->watch_ms == 0 || d->moved == 0) {
    deploy_succeed(d);
    return;
  }
  if (deploy_timer_start(d, d->watch_ms) != 0) {
    snprintf(d->why, sizeof(d->why), "deploy %s %s: cannot start the watch "
             "timer", d->plugin, d->to);
    deploy_rollback(d);
  }
}

/* By code_change: have all the actors taken the new version? */
static void deploy_check_moved(deploy_t *d) {
  size_t moved = 0;

  for (size_t i = 0; i < d->n; i++) {
    deploy_actor_t *a = &d->v[i];
    const act_plugin_t *runs;
    if (a->id == 0)
      continue;
    runs = deploy_runs(a->id);
    if (runs == d->new_desc) {
      moved++;
      continue;
    }
    if (runs == NULL)
      continue; /* its DOWN says why */
    if (act_runtime_now_ms() >= d->deadline_ms) {
      snprintf(d->why, sizeof(d->why), "deploy %s %s: actor %llu (%s) did "
               "not take the new version within %d ms", d->plugin, d->to,
               (unsigned long long)a->id, deploy_label(a), DEPLOY_SETTLE_MS);
      deploy_rollback(d);
      return;
    }
    if (deploy_timer_start(d, DEPLOY_POLL_MS) != 0) {
      snprintf(d->why, sizeof(d->why), "deploy %s %s: cannot start a timer",
               d->plugin, d->to);
      deploy_rollback(d);
    }
    return;
  }
  d->moved = moved;
  deploy_watch(d);
}

static void deploy_restarted(conn_t *c, conn_op_t *op, const act_msg_t *msg) {
  deploy_t *d = op->data;
  deploy_actor_t *a = &d->v[op->aux];
  json_t *v, *err;

  (void)c;
  d->nops--;
  d->restarting = 0;
  if (msg == NULL) {
    deploy_orphaned(d);
    deploy_maybe_free(d);
    return;
  }
  if (d->phase == DEPLOY_ROLLBACK) {
    /* The roll back waited for this restart: its actor is one to move
       back too. */
    deploy_rollback_scan(d);
    return;
  }
  if (d->phase != DEPLOY_MOVING) {
    deploy_maybe_free(d);
    return;
  }
  v = msg->type == ACT_MSG_REPLY && msg->payload == ACT_PAYLOAD_JSON
          ? json_object_get(msg->json, "id")
          : NULL;
  if (json_is_integer(v) && json_integer_value(v) > 0) {
    a->id = (act_id_t)json_integer_value(v);
    d->moved++;
    d->next++;
    if (deploy_monitor(d, op->aux) != 0) {
      /* Dead already: its init passed, so it crashed right away. */
      snprintf(d->why, sizeof(d->why), "deploy %s %s: actor %llu (%s) "
               "exited right after its restart", d->plugin, d->to,
               (unsigned long long)a->id, deploy_label(a));
      deploy_rollback(d);
      return;
    }
    deploy_restart_next(d);
    return;
  }
  err = msg->type == ACT_MSG_REPLY && msg->payload == ACT_PAYLOAD_JSON
            ? json_object_get(json_object_get(msg->json, "error"), "message")
            : NULL;
  snprintf(d->why, sizeof(d->why), "deploy %s %s: actor %llu (%s) did not "
           "restart (%s)", d->plugin, d->to, (unsigned long long)a->id,
           deploy_label(a),
           json_is_string(err) ? json_string_value(err)
           : msg->type == ACT_MSG_TIMEOUT ? "its supervisor did not answer"
                                          : "unexpected answer");
  /* The supervisor may still be restarting it: it is looked for again by
     the roll back, under its supervisor. */
  a->id = 0;
  deploy_rollback(d);
}

/* By restarts: one actor at a time, each after the previous one's init. */
static void deploy_restart_next(deploy_t *d) {
  for (; d->next < d->n; d->next++) {
    deploy_actor_t *a = &d->v[d->next];
    json_t *req;
    uint64_t ref;
    int rc;

    if (a->id == 0)
      continue;
    if (a->sup == 0) {
      d->left++;
      continue;
    }
    /* Its stop is the deploy's doing, not a crash. */
    deploy_unmonitor(d, a);
    req = json_pack("{s:I}", "restart_child", (json_int_t)a->id);
    rc = req != NULL ? act_ask_json(d->c->ctx, a->sup, ACT_TAG_JSON, req,
                                    DEPLOY_SUP_MS, &ref)
                     : ACT_ENOMEM;
    if (rc == 0)
      rc = deploy_park(d, deploy_restarted, ref, d->next);
    if (rc == 0)
      d->restarting = 1;
    if (rc != 0) {
      snprintf(d->why, sizeof(d->why), "deploy %s %s: cannot ask supervisor "
               "%llu to restart actor %llu (%s): %s", d->plugin, d->to,
               (unsigned long long)a->sup, (unsigned long long)a->id,
               deploy_label(a), act_strerror(rc));
      deploy_rollback(d);
    }
    return;
  }
  deploy_watch(d);
}

static void deploy_down(conn_t *c, conn_op_t *op, const act_msg_t *msg) {
  deploy_t *d = op->data;
  deploy_actor_t *a = &d->v[op->aux];
  const char *reason;

  (void)c;
  d->nops--;
  if (msg == NULL) {
    deploy_orphaned(d);
    deploy_maybe_free(d);
    return;
  }
  if (a->mref != msg->ref || d->phase > DEPLOY_WATCHING) {
    deploy_maybe_free(d);
    return;
  }
  a->mref = 0;
  reason = msg->reason != NULL ? msg->reason : "normal";
  if (deploy_orderly(reason)) {
    /* Stopped by someone, or done: nothing to move, nothing wrong. */
    if (d->phase == DEPLOY_WATCHING && deploy_runs(a->id) == NULL &&
        d->moved > 0)
      d->moved--;
    a->id = 0;
    if (d->phase == DEPLOY_MOVING && !d->restart)
      deploy_check_moved(d);
    return;
  }
  if (strncmp(reason, "error:code_change", 17) == 0)
    snprintf(d->why, sizeof(d->why), "deploy %s %s: actor %llu (%s) failed "
             "its code_change (%s)", d->plugin, d->to,
             (unsigned long long)a->id, deploy_label(a), reason);
  else if (d->phase == DEPLOY_WATCHING)
    snprintf(d->why, sizeof(d->why), "deploy %s %s: actor %llu (%s) crashed "
             "within %llu ms (%s)", d->plugin, d->to,
             (unsigned long long)a->id, deploy_label(a),
             (unsigned long long)d->watch_ms, reason);
  else
    snprintf(d->why, sizeof(d->why), "deploy %s %s: actor %llu (%s) crashed "
             "during the move (%s)", d->plugin, d->to,
             (unsigned long long)a->id, deploy_label(a), reason);
  a->id = 0;
  deploy_rollback(d);
}

/* ---------------------------------------------------------- the roll back */

static void deploy_revive_add(deploy_t *d, act_id_t sup, act_id_t id) {
  if (d->ntodo == d->captodo) {
    size_t cap = d->captodo ? d->captodo * 2 : 8;
    deploy_revive_t *v = realloc(d->todo, cap * sizeof(*v));
    if (v == NULL) {
      logs_warn("deploy %s: out of memory: actor %llu stays on %s",
                d->plugin, (unsigned long long)id, d->to);
      return;
    }
    d->todo = v;
    d->captodo = cap;
  }
  d->todo[d->ntodo].sup = sup;
  d->todo[d->ntodo].id = id;
  d->ntodo++;
}

static void deploy_sup_add(deploy_t *d, act_id_t sup) {
  act_id_t *v;

  if (sup == 0)
    return;
  for (size_t i = 0; i < d->nsups; i++)
    if (d->sups[i] == sup)
      return;
  if ((v = realloc(d->sups, (d->nsups + 1) * sizeof(*v))) == NULL)
    return;
  d->sups = v;
  d->sups[d->nsups++] = sup;
}

/* After the restarts: wait until no actor runs the new version. */
static void deploy_settle(deploy_t *d) {
  deploy_scan_t s = {d, d->new_desc, 0};
  size_t n = d->n;

  /* Count the stragglers without keeping them: scan into the tail. */
  act_runtime_list(actord.rt, deploy_scan_cb, &s);
  if (d->n == n || act_runtime_now_ms() >= d->deadline_ms) {
    if (d->n != n)
      logs_warn("deploy %s: %zu actors still run %s after the roll back",
                d->plugin, d->n - n, d->to);
    d->n = n;
    deploy_rolled_back(d);
    return;
  }
  d->n = n;
  if (deploy_timer_start(d, DEPLOY_POLL_MS) != 0)
    deploy_rolled_back(d);
}

static void deploy_revived(conn_t *c, conn_op_t *op, const act_msg_t *msg) {
  deploy_t *d = op->data;
  json_t *err;

  (void)c;
  d->nops--;
  if (msg == NULL) {
    deploy_orphaned(d);
    deploy_maybe_free(d);
    return;
  }
  err = msg->type == ACT_MSG_REPLY && msg->payload == ACT_PAYLOAD_JSON
            ? json_object_get(json_object_get(msg->json, "error"), "message")
            : NULL;
  if (msg->type != ACT_MSG_REPLY || err != NULL)
    logs_warn("deploy %s: roll back: actor %llu did not restart (%s)",
              d->plugin, (unsigned long long)op->aux,
              json_is_string(err) ? json_string_value(err)
                                  : "its supervisor did not answer");
  deploy_revive_next(d);
}

static void deploy_revive_next(deploy_t *d) {
  while (d->itodo < d->ntodo) {
    deploy_revive_t *r = &d->todo[d->itodo++];
    json_t *req = json_pack("{s:I}", "restart_child", (json_int_t)r->id);
    uint64_t ref;
    int rc;

    rc = req != NULL ? act_ask_json(d->c->ctx, r->sup, ACT_TAG_JSON, req,
                                    DEPLOY_SUP_MS, &ref)
                     : ACT_ENOMEM;
    if (rc == 0 && deploy_park(d, deploy_revived, ref, r->id) == 0)
      return;
    logs_warn("deploy %s: roll back: cannot restart actor %llu: %s",
              d->plugin, (unsigned long long)r->id, act_strerror(rc));
  }
  d->deadline_ms = act_runtime_now_ms() + DEPLOY_SETTLE_MS;
  deploy_settle(d);
}

static void deploy_children(conn_t *c, conn_op_t *op, const act_msg_t *msg);

/* Ask the next supervisor for its children of this plugin that it gave up
   on ("failed"): they are revived on the old version. */
static void deploy_children_next(deploy_t *d) {
  while (d->isup < d->nsups) {
    act_id_t sup = d->sups[d->isup++];
    json_t *req = json_pack("{s:b}", "which_children", 1);
    uint64_t ref;
    int rc;

    rc = req != NULL ? act_ask_json(d->c->ctx, sup, ACT_TAG_JSON, req,
                                    DEPLOY_SUP_MS, &ref)
                     : ACT_ENOMEM;
    if (rc == 0 && deploy_park(d, deploy_children, ref, sup) == 0)
      return;
  }
  deploy_revive_next(d);
}

static void deploy_children(conn_t *c, conn_op_t *op, const act_msg_t *msg) {
  deploy_t *d = op->data;
  json_t *v;
  size_t i;

  (void)c;
  d->nops--;
  if (msg == NULL) {
    deploy_orphaned(d);
    deploy_maybe_free(d);
    return;
  }
  if (msg->type == ACT_MSG_REPLY && msg->payload == ACT_PAYLOAD_JSON &&
      json_is_array(msg->json)) {
    json_array_foreach(msg->json, i, v) {
      const char *plugin = json_string_value(json_object_get(v, "plugin"));
      const char *status = json_string_value(json_object_get(v, "status"));
      json_t *cid = json_object_get(v, "id");
      if (plugin != NULL && status != NULL && json_is_integer(cid) &&
          strcmp(plugin, d->plugin) == 0 && strcmp(status, "failed") == 0)
        deploy_revive_add(d, (act_id_t)op->aux,
                          (act_id_t)json_integer_value(cid));
    }
  }
  deploy_children_next(d);
}

/* d->why says what went wrong. The name goes back to the old version, then
   every actor that runs the new one moves back (code_change of the old
   version, else a restart), and the supervisors' failed children of this
   plugin are revived; then the request fails with d->why. */
static void deploy_rollback(deploy_t *d) {
  char err[512];

  d->phase = DEPLOY_ROLLBACK;
  deploy_timer_stop(d);
  deploy_unmonitor_all(d);
  logs_warn("%s; rolling back to %s", d->why, d->from);
  if (loader_rollback(actord.loader, d->plugin, d->old_desc, err,
                      sizeof(err)) != 0) {
    logs_warn("deploy %s: %s", d->plugin, err);
    deploy_rolled_back(d);
    return;
  }
  /* A restart under way would start its actor on the new version after
     the scan: wait for its answer (deploy_restarted) first. */
  if (!d->restarting)
    deploy_rollback_scan(d);
}

static void deploy_rollback_scan(deploy_t *d) {
  deploy_scan_t s = {d, d->new_desc, 0};
  size_t n0;

  for (size_t i = 0; i < d->n; i++)
    deploy_sup_add(d, d->v[i].sup);
  /* The actors that run the new version now, restarted ones included. */
  n0 = d->n;
  act_runtime_list(actord.rt, deploy_scan_cb, &s);
  for (size_t i = n0; i < d->n; i++) {
    deploy_actor_t *a = &d->v[i];
    if (d->old_desc->code_change != NULL &&
        act_runtime_upgrade(actord.rt, a->id, d->old_desc) == 0)
      continue;
    if (a->sup != 0)
      deploy_revive_add(d, a->sup, a->id);
    deploy_sup_add(d, a->sup);
  }
  d->n = n0;
  if (d->c->ctx == NULL) {
    deploy_rolled_back(d);
    return;
  }
  deploy_children_next(d);
}

/* ------------------------------------------------------------ the timer */

static void deploy_tick(conn_t *c, conn_op_t *op, const act_msg_t *msg) {
  deploy_t *d = op->data;

  (void)c;
  d->nops--;
  if (msg == NULL) {
    deploy_orphaned(d);
    deploy_maybe_free(d);
    return;
  }
  if (op->ref != d->timer_ref) {
    deploy_maybe_free(d);
    return;
  }
  d->timer = d->timer_ref = 0;
  switch (d->phase) {
  case DEPLOY_MOVING:
    deploy_check_moved(d);
    break;
  case DEPLOY_WATCHING:
    deploy_succeed(d);
    break;
  case DEPLOY_ROLLBACK:
    deploy_settle(d);
    break;
  default:
    deploy_maybe_free(d);
    break;
  }
}

/* ---------------------------------------------------------------- start */

void deploy_start(conn_t *c, json_t *id, const char *path, int restart,
                  uint64_t watch_ms) {
  const loader_plugin_t *p = NULL;
  const act_plugin_t *old = NULL;
  deploy_scan_t s;
  deploy_t *d;
  char err[512];
  const char *dir;
  int rc;

  if (deploy_current != NULL) {
    conn_fail(c, id, ACT_EUNAVAIL, "deploy: a deploy of plugin \"%s\" is "
              "under way; try again when it ends", deploy_current->plugin);
    return;
  }
  if (actord.shutting_down) {
    conn_fail(c, id, ACT_EUNAVAIL, "deploy: the daemon is shutting down");
    return;
  }
  if (c->ctx == NULL) {
    conn_fail(c, id, ACT_EUNAVAIL, "deploy: the connection is closing");
    return;
  }
  if ((d = calloc(1, sizeof(*d))) == NULL) {
    conn_fail(c, id, ACT_ENOMEM, "deploy: out of memory");
    return;
  }
  /* The copy only lives until dlopen has mapped it (loader_upgrade). */
  dir = actord.ephemeral || actord.state_dir[0] == '\0' ? P_tmpdir
                                                       : actord.state_dir;
  err[0] = '\0';
  rc = loader_upgrade(actord.loader, path, dir, &p, &old, err, sizeof(err));
  if (rc != 0 || p == NULL || old == NULL) {
    if (rc == 0)
      rc = ACT_EINTERNAL;
    conn_fail(c, id, rc, "deploy: %s", err[0] ? err : act_strerror(rc));
    free(d);
    return;
  }
  d->c = c;
  d->id = id != NULL ? json_incref(id) : NULL;
  d->old_desc = old;
  d->new_desc = p->desc;
  d->restart = restart || p->desc->code_change == NULL;
  d->watch_ms = watch_ms;
  d->started_ms = act_runtime_now_ms();
  snprintf(d->plugin, sizeof(d->plugin), "%s", p->name);
  snprintf(d->from, sizeof(d->from), "%s", old->version ? old->version : "");
  snprintf(d->to, sizeof(d->to), "%s", p->version);
  snprintf(d->path, sizeof(d->path), "%s", path);
  deploy_current = d;

  s.d = d;
  s.desc = old;
  s.nomem = 0;
  act_runtime_list(actord.rt, deploy_scan_cb, &s);
  if (s.nomem) {
    snprintf(d->why, sizeof(d->why), "deploy %s %s: out of memory listing "
             "its actors", d->plugin, d->to);
    deploy_rollback(d);
    return;
  }
  logs_info("deploying plugin %s %s over %s: %zu actors, by %s", d->plugin,
            d->to, d->from, d->n, d->restart ? "restart" : "code_change");
  /* Watch first, then move: a failure of the move is then always seen. */
  for (size_t i = 0; i < d->n; i++) {
    rc = deploy_monitor(d, i);
    if (rc == ACT_ENOPROC || rc == ACT_ENOENT) {
      d->v[i].id = 0; /* ended meanwhile: nothing to move */
    } else if (rc != 0) {
      snprintf(d->why, sizeof(d->why), "deploy %s %s: cannot monitor actor "
               "%llu: %s", d->plugin, d->to,
               (unsigned long long)d->v[i].id, act_strerror(rc));
      deploy_rollback(d);
      return;
    }
  }
  if (d->restart) {
    deploy_restart_next(d);
    return;
  }
  d->deadline_ms = act_runtime_now_ms() + DEPLOY_SETTLE_MS;
  for (size_t i = 0; i < d->n; i++) {
    deploy_actor_t *a = &d->v[i];
    if (a->id == 0)
      continue;
    rc = act_runtime_upgrade(actord.rt, a->id, d->new_desc);
    if (rc != 0 && rc != ACT_ENOENT) {
      snprintf(d->why, sizeof(d->why), "deploy %s %s: cannot move actor "
               "%llu (%s): %s", d->plugin, d->to, (unsigned long long)a->id,
               deploy_label(a), act_strerror(rc));
      deploy_rollback(d);
      return;
    }
  }
  deploy_check_moved(d);
}
