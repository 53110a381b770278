/*
 * host.c - the host table handed to plugins (actor/plugin.h): what an actor
 * can do from inside its callbacks, plus its timers and blocking work.
 *
 * Every function here runs on the calling actor's own scheduler thread, so
 * it may touch the actor freely; anything addressed to another actor goes
 * through act__route.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"


/* A timer of an actor. Its payload rides along like a message's. */
typedef struct act__timer {
  uv_timer_t h;
  act__actor_t *a;
  uint64_t id;
  uint64_t repeat;
  uint32_t tag;
  uint32_t len;
  act__blob_t *blob;
  char ibuf[ACT__INLINE];
} act__timer_t;

/* Blocking work handed to the loop's thread pool. */
typedef struct act__work {
  uv_work_t req;
  act__sched_t *s;
  act_id_t id;
  void (*fn)(void *arg);
  void *arg;
  uint32_t tag;
} act__work_t;

static act_id_t act__h_self(act_ctx_t *ctx) {
  return act__actor_of(ctx)->id;
}

/* Send a prepared user envelope from actor a; e is consumed. */
static int act__send_env(act__actor_t *a, act__env_t *e) {
  int rc = act__route(a->sched->rt, a->sched, e);

  if (rc == ACT_ENOENT) {
    act__env_free(a->sched, e);
    return rc;
  }
  if (rc == 0)
    ACT__RELAXED_STORE(&a->msgs_out, a->msgs_out + 1);
  return rc;
}

static act__env_t *act__user_env(act__actor_t *a, act_id_t to, uint32_t tag) {
  act__env_t *e = act__env_new(a->sched);

  if (e == NULL)
    return NULL;
  e->sig = ACT__SIG_USER;
  e->type = ACT_MSG_USER;
  e->tag = tag;
  e->from = a->id;
  e->to = to;
  return e;
}

static int act__h_send(act_ctx_t *ctx, act_id_t to, uint32_t tag,
                       const void *data, size_t len) {
  act__actor_t *a = act__actor_of(ctx);
  act__env_t *e;

  if (to == 0 || (len > 0 && data == NULL))
    return ACT_EINVAL;
  e = act__user_env(a, to, tag);
  if (e == NULL)
    return ACT_ENOMEM;
  if (act__env_set_bytes(e, data, len) != 0) {
    act__env_free(a->sched, e);
    return ACT_ENOMEM;
  }
  return act__send_env(a, e);
}

/* A user envelope carrying value, which is stolen whatever happens (as
   send_json and ask_json promise); NULL with *err set on failure. */
static act__env_t *act__json_env(act__actor_t *a, act_id_t to, uint32_t tag,
                                 json_t *value, int *err) {
  act__env_t *e;

  if (value == NULL) {
    *err = ACT_EINVAL;
    return NULL;
  }
  if (to == 0) {
    json_decref(value);
    *err = ACT_EINVAL;
    return NULL;
  }
  e = act__user_env(a, to, tag);
  if (e == NULL) {
    json_decref(value);
    *err = ACT_ENOMEM;
    return NULL;
  }
  e->payload = ACT_PAYLOAD_JSON;
  e->u.json = value;
  return e;
}

static int act__h_send_json(act_ctx_t *ctx, act_id_t to, uint32_t tag,
                            json_t *value) {
  act__actor_t *a = act__actor_of(ctx);
  act__env_t *e;
  int err;

  e = act__json_env(a, to, tag, value, &err);
  return e != NULL ? act__send_env(a, e) : err;
}

/* Share msg's payload with e (no copy for blobs and JSON). */
static void act__env_share(act__env_t *e, const act_msg_t *msg) {
  act__env_t *src = act__env_of(msg);

  e->payload = src->payload;
  if (src->payload == ACT_PAYLOAD_JSON) {
    e->u.json = json_incref(src->u.json);
  } else if (src->payload == ACT_PAYLOAD_BYTES) {
    e->len = src->len;
    if (src->eflags & ACT__E_BLOB) {
      atomic_fetch_add_explicit(&src->u.blob->refs, 1, memory_order_relaxed);
      e->u.blob = src->u.blob;
      e->eflags |= ACT__E_BLOB;
    } else {
      memcpy(e->ibuf, src->ibuf, src->len);
    }
  }
}

/* A forwarded ask keeps its asker and ref, so the final receiver's reply
   goes straight to the asker (Erlang's gen_server forwarding From). */
static int act__h_forward(act_ctx_t *ctx, act_id_t to, const act_msg_t *msg) {
  act__actor_t *a = act__actor_of(ctx);
  act__env_t *e;

  if (to == 0 || msg == NULL)
    return ACT_EINVAL;
  e = act__user_env(a, to, msg->tag);
  if (e == NULL)
    return ACT_ENOMEM;
  act__env_share(e, msg);
  if (msg->type == ACT_MSG_USER && (msg->flags & ACT_MSG_F_ASK) &&
      !(act__env_of(msg)->eflags & ACT__E_REPLIED)) {
    e->flags = ACT_MSG_F_ASK;
    e->from = msg->from;
    e->ref = msg->ref;
  }
  return act__send_env(a, e);
}

static int act__ask_env(act__actor_t *a, act__env_t *e, uint32_t timeout_ms,
                        uint64_t *ref) {
  uint64_t r = act__sched_ref(a->sched);
  int rc;

  e->flags = ACT_MSG_F_ASK;
  e->ref = r;
  rc = act__ask_track(a, r, timeout_ms);
  if (rc != 0) {
    act__env_free(a->sched, e);
    return rc;
  }
  rc = act__send_env(a, e);
  if (rc != 0) {
    act__ask_untrack(a, r);
    return rc;
  }
  if (ref != NULL)
    *ref = r;
  return 0;
}

static int act__h_ask(act_ctx_t *ctx, act_id_t to, uint32_t tag,
                      const void *data, size_t len, uint32_t timeout_ms,
                      uint64_t *ref) {
  act__actor_t *a = act__actor_of(ctx);
  act__env_t *e;

  if (to == 0 || (len > 0 && data == NULL))
    return ACT_EINVAL;
  e = act__user_env(a, to, tag);
  if (e == NULL)
    return ACT_ENOMEM;
  if (act__env_set_bytes(e, data, len) != 0) {
    act__env_free(a->sched, e);
    return ACT_ENOMEM;
  }
  return act__ask_env(a, e, timeout_ms, ref);
}

static int act__h_ask_json(act_ctx_t *ctx, act_id_t to, uint32_t tag,
                           json_t *value, uint32_t timeout_ms,
                           uint64_t *ref) {
  act__actor_t *a = act__actor_of(ctx);
  act__env_t *e;
  int err;

  e = act__json_env(a, to, tag, value, &err);
  return e != NULL ? act__ask_env(a, e, timeout_ms, ref) : err;
}

static act__env_t *act__reply_env(act__actor_t *a, const act_msg_t *req,
                                  int *err) {
  act__env_t *e;

  if (req == NULL || req->type != ACT_MSG_USER ||
      !(req->flags & ACT_MSG_F_ASK) ||
      (act__env_of(req)->eflags & ACT__E_REPLIED) || req->from == 0) {
    *err = ACT_EINVAL;
    return NULL;
  }
  e = act__env_new(a->sched);
  if (e == NULL) {
    *err = ACT_ENOMEM;
    return NULL;
  }
  e->sig = ACT__SIG_MSG;
  e->type = ACT_MSG_REPLY;
  e->tag = req->tag;
  e->from = a->id;
  e->ref = req->ref;
  e->to = req->from;
  return e;
}

static int act__reply_send(act__actor_t *a, const act_msg_t *req,
                           act__env_t *e) {
  int rc = act__route(a->sched->rt, a->sched, e);

  if (rc != 0) {
    act__env_free(a->sched, e);
    return rc;
  }
  act__env_of(req)->eflags |= ACT__E_REPLIED;
  ACT__RELAXED_STORE(&a->msgs_out, a->msgs_out + 1);
  return 0;
}

static int act__h_reply(act_ctx_t *ctx, const act_msg_t *req,
                        const void *data, size_t len) {
  act__actor_t *a = act__actor_of(ctx);
  act__env_t *e;
  int err = 0;

  if (len > 0 && data == NULL)
    return ACT_EINVAL;
  e = act__reply_env(a, req, &err);
  if (e == NULL)
    return err;
  if (act__env_set_bytes(e, data, len) != 0) {
    act__env_free(a->sched, e);
    return ACT_ENOMEM;
  }
  return act__reply_send(a, req, e);
}

static int act__h_reply_json(act_ctx_t *ctx, const act_msg_t *req,
                             json_t *value) {
  act__actor_t *a = act__actor_of(ctx);
  act__env_t *e;
  int err = 0;

  if (value == NULL)
    return ACT_EINVAL;
  e = act__reply_env(a, req, &err);
  if (e == NULL) {
    json_decref(value);
    return err;
  }
  e->payload = ACT_PAYLOAD_JSON;
  e->u.json = value;
  return act__reply_send(a, req, e);
}

/* A reply after the request's envelope is gone (runtime-internal.h): the
   same REPLY as act__h_reply_json, built from the request's from and ref
   alone, so there is no envelope to mark as replied. */
int act__reply_json_later(act_ctx_t *ctx, act_id_t to, uint64_t ref,
                          json_t *value) {
  act__actor_t *a = act__actor_of(ctx);
  act__env_t *e;
  int rc;

  if (value == NULL)
    return ACT_EINVAL;
  if (to == 0 || ref == 0) {
    json_decref(value);
    return ACT_EINVAL;
  }
  e = act__env_new(a->sched);
  if (e == NULL) {
    json_decref(value);
    return ACT_ENOMEM;
  }
  e->sig = ACT__SIG_MSG;
  e->type = ACT_MSG_REPLY;
  e->tag = ACT_TAG_JSON;
  e->from = a->id;
  e->ref = ref;
  e->payload = ACT_PAYLOAD_JSON;
  e->u.json = value;
  e->to = to;
  rc = act__route(a->sched->rt, a->sched, e);
  if (rc != 0) {
    act__env_free(a->sched, e); /* drops value */
    return rc;
  }
  ACT__RELAXED_STORE(&a->msgs_out, a->msgs_out + 1);
  return 0;
}

static int act__h_spawn(act_ctx_t *ctx, const act_spawn_opts_t *opts,
                        act_id_t *id) {
  act__actor_t *a = act__actor_of(ctx);

  return act__spawn(a->sched->rt, a, opts, id);
}

static int act__h_exit(act_ctx_t *ctx, const char *reason) {
  act__actor_t *a = act__actor_of(ctx);

  if (reason != NULL && reason[0] == '\0')
    return ACT_EINVAL;
  act__actor_exit_later(a, reason ? reason : "normal", 0);
  return 0;
}

static int act__signal(act__actor_t *a, int sig, act_id_t to, uint64_t ref,
                       const char *reason, uint8_t eflags) {
  act__env_t *e = act__env_new(a->sched);
  int rc;

  if (e == NULL)
    return ACT_ENOMEM;
  e->sig = (uint8_t)sig;
  e->type = sig == ACT__SIG_EXIT ? ACT_MSG_EXIT : ACT_MSG_SYSTEM;
  e->from = a->id;
  e->ref = ref;
  e->eflags = eflags;
  e->to = to;
  if (reason != NULL && act__env_set_reason(e, reason) != 0) {
    act__env_free(a->sched, e);
    return ACT_ENOMEM;
  }
  rc = act__route(a->sched->rt, a->sched, e);
  if (rc != 0)
    act__env_free(a->sched, e);
  return rc;
}

static int act__h_kill(act_ctx_t *ctx, act_id_t target, const char *reason) {
  act__actor_t *a = act__actor_of(ctx);

  if (target == 0 || (reason != NULL && reason[0] == '\0'))
    return ACT_EINVAL;
  if (!act__id_issued(a->sched->rt, target))
    return ACT_ENOENT;
  return act__signal(a, ACT__SIG_EXIT, target, 0, reason ? reason : "killed",
                     reason ? 0 : ACT__E_UNTRAP);
}

static int act__h_link(act_ctx_t *ctx, act_id_t other) {
  act__actor_t *a = act__actor_of(ctx);
  int rc;

  if (other == 0 || other == a->id)
    return ACT_EINVAL;
  if (!act__id_issued(a->sched->rt, other))
    return ACT_ENOENT;
  if (a->x != NULL && act__kv_get(&a->x->links, other) != 0)
    return 0;
  rc = act__link_add(a, other);
  if (rc != 0)
    return rc;
  rc = act__signal(a, ACT__SIG_LINK, other, 0, NULL, 0);
  if (rc != 0)
    act__link_del(a, other);
  return rc;
}

static int act__h_unlink(act_ctx_t *ctx, act_id_t other) {
  act__actor_t *a = act__actor_of(ctx);

  if (other == 0)
    return ACT_EINVAL;
  if (!act__link_del(a, other))
    return 0;
  return act__signal(a, ACT__SIG_UNLINK, other, 0, NULL, 0);
}

static int act__h_trap_exit(act_ctx_t *ctx, int on) {
  act__actor_t *a = act__actor_of(ctx);

  if (on)
    a->st |= ACT__A_TRAP;
  else
    a->st &= ~ACT__A_TRAP;
  return 0;
}

static int act__h_monitor(act_ctx_t *ctx, act_id_t target, uint64_t *ref) {
  act__actor_t *a = act__actor_of(ctx);
  act__extra_t *x;
  uint64_t r;
  int rc;

  if (target == 0)
    return ACT_EINVAL;
  x = act__actor_extra(a);
  if (x == NULL)
    return ACT_ENOMEM;
  r = act__sched_ref(a->sched);
  rc = act__mon_add(&x->mons, r, target);
  if (rc != 0)
    return rc;
  rc = act__signal(a, ACT__SIG_MONITOR, target, r, NULL, 0);
  if (rc != 0) {
    act__mon_del(&x->mons, r, 0);
    return rc;
  }
  if (ref != NULL)
    *ref = r;
  return 0;
}

static int act__h_demonitor(act_ctx_t *ctx, uint64_t ref) {
  act__actor_t *a = act__actor_of(ctx);
  act_id_t target;

  if (ref == 0)
    return ACT_EINVAL;
  target = a->x ? act__mon_del(&a->x->mons, ref, 0) : 0;
  if (target == 0)
    return ACT_ENOENT;
  /* A DOWN already queued for it is dropped at delivery (act__process). */
  act__signal(a, ACT__SIG_DEMONITOR, target, ref, NULL, 0);
  return 0;
}

/* ----------------------------------------------------------------- timers */

static void act__timer_close_cb(uv_handle_t *h) {
  act__timer_t *t = (act__timer_t *)h;
  act__actor_t *a = t->a;

  if (t->blob != NULL &&
      atomic_fetch_sub_explicit(&t->blob->refs, 1, memory_order_acq_rel) == 1)
    free(t->blob);
  free(t);
  act__actor_handle_closed(a);
}

static void act__timer_cb(uv_timer_t *h) {
  act__timer_t *t = (act__timer_t *)h;
  act__actor_t *a = t->a;
  act__env_t *e;

  if (t->repeat == 0) {
    act__map_del(&a->x->timers, t->id);
    uv_close((uv_handle_t *)h, act__timer_close_cb);
  }
  e = act__user_env(a, a->id, t->tag);
  if (e == NULL)
    return;
  e->from = 0;
  if (t->len > 0) {
    e->payload = ACT_PAYLOAD_BYTES;
    e->len = t->len;
    if (t->blob != NULL) {
      atomic_fetch_add_explicit(&t->blob->refs, 1, memory_order_relaxed);
      e->u.blob = t->blob;
      e->eflags |= ACT__E_BLOB;
    } else {
      memcpy(e->ibuf, t->ibuf, t->len);
    }
  }
  /* The actor is on this thread: the same path as a local send, with the
     mailbox's policy (a rejected tick is dropped). */
  if (act__route(a->sched->rt, a->sched, e) == ACT_ENOENT)
    act__env_free(a->sched, e);
}

static int act__h_timer_start(act_ctx_t *ctx, uint64_t after_ms,
                              uint64_t repeat_ms, uint32_t tag,
                              const void *data, size_t len, uint64_t *timer) {
  act__actor_t *a = act__actor_of(ctx);
  act__extra_t *x;
  act__timer_t *t;
  int err;

  if ((len > 0 && data == NULL) || len > UINT32_MAX)
    return ACT_EINVAL;
  if (a->st & ACT__A_DEAD)
    return ACT_EUNAVAIL;
  x = act__actor_extra(a);
  if (x == NULL)
    return ACT_ENOMEM;
  t = calloc(1, sizeof(*t));
  if (t == NULL)
    return ACT_ENOMEM;
  t->a = a;
  t->id = act__sched_ref(a->sched);
  t->repeat = repeat_ms;
  t->tag = tag;
  t->len = (uint32_t)len;
  if (len > ACT__INLINE) {
    t->blob = malloc(sizeof(*t->blob) + len);
    if (t->blob == NULL) {
      err = ACT_ENOMEM;
      goto fail;
    }
    atomic_init(&t->blob->refs, 1);
    t->blob->pool = 0;
    t->blob->len = len;
    memcpy(t->blob->data, data, len);
  } else if (len > 0) {
    memcpy(t->ibuf, data, len);
  }
  err = act__map_put(&x->timers, t->id, t);
  if (err != 0)
    goto fail;
  uv_timer_init(a->sched->loop, &t->h);
  a->handles++;
  /* libuv counts from the time cached at the start of this loop iteration,
     which a long run of turns leaves behind the clock: the timer would fire
     that much early (a supervisor's 300 ms backoff after 250). */
  uv_update_time(a->sched->loop);
  uv_timer_start(&t->h, act__timer_cb, after_ms, repeat_ms);
  if (timer != NULL)
    *timer = t->id;
  return 0;

fail:
  free(t->blob);
  free(t);
  return err;
}

static int act__h_timer_cancel(act_ctx_t *ctx, uint64_t timer) {
  act__actor_t *a = act__actor_of(ctx);
  act__timer_t *t;

  if (timer == 0)
    return ACT_EINVAL;
  t = a->x ? act__map_del(&a->x->timers, timer) : NULL;
  if (t == NULL)
    return ACT_ENOENT;
  uv_timer_stop(&t->h);
  uv_close((uv_handle_t *)&t->h, act__timer_close_cb);
  return 0;
}

static void act__timer_close_one(void *arg, uint64_t key, void *val) {
  act__timer_t *t = val;

  (void)arg;
  (void)key;
  uv_timer_stop(&t->h);
  uv_close((uv_handle_t *)&t->h, act__timer_close_cb);
}

void act__timers_close_all(act__actor_t *a) {
  if (a->x == NULL)
    return;
  act__map_each(&a->x->timers, act__timer_close_one, NULL);
  act__map_free(&a->x->timers);
  act__map_init(&a->x->timers);
}

/* ------------------------------------------------------------------ names */

static int act__h_name_register(act_ctx_t *ctx, const char *name,
                                act_id_t id) {
  return act__names_register(act__actor_of(ctx)->sched->rt, name, id);
}

static int act__h_name_unregister(act_ctx_t *ctx, const char *name) {
  return act__names_unregister(act__actor_of(ctx)->sched->rt, name);
}

static act_id_t act__h_whereis(act_ctx_t *ctx, const char *name) {
  return act__names_whereis(act__actor_of(ctx)->sched->rt, name);
}

static void act__h_log(act_ctx_t *ctx, int level, const char *fmt,
                       va_list ap) {
  act__actor_t *a = act__actor_of(ctx);
  char line[1024];

  if (fmt == NULL)
    return;
  vsnprintf(line, sizeof(line), fmt, ap);
  act__log(a->sched->rt, a, level, line);
}

/* ------------------------------------------------------------ run_blocking */

static void act__work_cb(uv_work_t *req) {
  act__work_t *w = req->data;

  w->fn(w->arg);
}

static void act__after_work_cb(uv_work_t *req, int status) {
  act__work_t *w = req->data;
  act__sched_t *s = w->s;
  act__actor_t *a = act__sched_lookup(s, w->id);
  act__env_t *e;

  (void)status;
  if (a != NULL && (e = act__env_new(s)) != NULL) {
    e->sig = ACT__SIG_USER;
    e->type = ACT_MSG_USER;
    e->tag = w->tag;
    e->to = w->id;
    if (act__route(s->rt, s, e) == ACT_ENOENT)
      act__env_free(s, e);
  }
  free(w);
}

static int act__h_run_blocking(act_ctx_t *ctx, void (*fn)(void *arg),
                               void *arg, uint32_t tag) {
  act__actor_t *a = act__actor_of(ctx);
  act__work_t *w;

  if (fn == NULL)
    return ACT_EINVAL;
  w = calloc(1, sizeof(*w));
  if (w == NULL)
    return ACT_ENOMEM;
  w->s = a->sched;
  w->id = a->id;
  w->fn = fn;
  w->arg = arg;
  w->tag = tag;
  w->req.data = w;
  if (uv_queue_work(a->sched->loop, &w->req, act__work_cb,
                    act__after_work_cb) != 0) {
    free(w);
    return ACT_EINTERNAL;
  }
  return 0;
}

static uint64_t act__h_now_ms(act_ctx_t *ctx) {
  (void)ctx;
  return act_runtime_now_ms();
}

const act_host_t act__host = {
  .abi_version = ACT_ABI_VERSION,
  .size = sizeof(act_host_t),
  .self = act__h_self,
  .send = act__h_send,
  .send_json = act__h_send_json,
  .forward = act__h_forward,
  .ask = act__h_ask,
  .ask_json = act__h_ask_json,
  .reply = act__h_reply,
  .reply_json = act__h_reply_json,
  .spawn = act__h_spawn,
  .exit = act__h_exit,
  .kill = act__h_kill,
  .link = act__h_link,
  .unlink = act__h_unlink,
  .trap_exit = act__h_trap_exit,
  .monitor = act__h_monitor,
  .demonitor = act__h_demonitor,
  .timer_start = act__h_timer_start,
  .timer_cancel = act__h_timer_cancel,
  .name_register = act__h_name_register,
  .name_unregister = act__h_name_unregister,
  .whereis = act__h_whereis,
  .log = act__h_log,
  .run_blocking = act__h_run_blocking,
  .now_ms = act__h_now_ms,
  .strerror = act_strerror,
  .net_listen = act__net_listen,
  .net_connect = act__net_connect,
  .net_adopted = act__net_adopted,
  .net_write = act__net_write,
  .net_write_msg = act__net_write_msg,
  .net_pause = act__net_pause,
  .net_shutdown = act__net_shutdown,
  .net_close = act__net_close,
  .net_info = act__net_info,
};

/* ---------------------------------------------------------------- inspect */

int act_inspect(act_ctx_t *ctx, act_id_t target, uint32_t timeout_ms,
                uint64_t *ref) {
  act__actor_t *a;
  uint64_t r;
  int rc;

  if (ctx == NULL || target == 0)
    return ACT_EINVAL;
  a = act__actor_of(ctx);
  r = act__sched_ref(a->sched);
  rc = act__ask_track(a, r, timeout_ms);
  if (rc != 0)
    return rc;
  rc = act__signal(a, ACT__SIG_INSPECT, target, r, NULL, 0);
  if (rc != 0) {
    act__ask_untrack(a, r);
    return rc;
  }
  if (ref != NULL)
    *ref = r;
  return 0;
}

uv_loop_t *act_loop(act_ctx_t *ctx) {
  return act__actor_of(ctx)->sched->loop;
}

act_runtime_t *act_runtime_of(act_ctx_t *ctx) {
  return act__actor_of(ctx)->sched->rt;
}

int act__actor_info(act_ctx_t *ctx, act_info_t *out) {
  static __thread char name[ACT_NAME_MAX + 1];
  act__actor_t *a = act__actor_of(ctx);

  memset(out, 0, sizeof(*out));
  act__names_copy(a->sched->rt, a, name, sizeof(name));
  out->id = a->id;
  out->name = name[0] ? name : NULL;
  out->plugin = a->desc->name;
  out->version = a->desc->version;
  out->desc = a->desc;
  out->status = a->status;
  out->supervisor = a->supervisor;
  out->restarts = a->restarts;
  out->mailbox = a->uq_len;
  out->started_ms = a->started_ms;
  out->messages_in = a->msgs_in;
  out->messages_out = a->msgs_out;
  out->sched = a->sched->index;
  out->flags = a->flags;
  return 0;
}
