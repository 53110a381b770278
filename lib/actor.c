/*
 * actor.c - the life of an actor: spawn, placement, routing of envelopes,
 * its turns (init, signals, messages), links, monitors and its exit.
 *
 * Everything here that touches an actor runs on that actor's scheduler
 * thread, except act__spawn (which builds an actor not yet visible to
 * anyone) and act__route (which only looks at the target's scheduler).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

/* An ask without timeout is recorded with this marker instead of a timer. */
static char act__ask_no_timer;

/* --------------------------------------------------------------- helpers */

act__extra_t *act__actor_extra(act__actor_t *a) {
  if (a->x == NULL) {
    a->x = calloc(1, sizeof(*a->x));
    if (a->x != NULL) {
      act__map_init(&a->x->timers);
      act__map_init(&a->x->asks);
      act__map_init(&a->x->socks);
    }
  }
  return a->x;
}

int act__link_add(act__actor_t *a, act_id_t id) {
  act__extra_t *x = act__actor_extra(a);

  return x ? act__kv_put(&x->links, id, id) : ACT_ENOMEM;
}

int act__link_del(act__actor_t *a, act_id_t id) {
  return a->x ? act__kv_del(&a->x->links, id) != 0 : 0;
}

int act__mon_add(act__kvset_t *m, uint64_t ref, act_id_t id) {
  return act__kv_put(m, ref, id);
}

act_id_t act__mon_del(act__kvset_t *m, uint64_t ref, act_id_t id) {
  act_id_t found = act__kv_get(m, ref);

  if (found == 0 || (id != 0 && found != id))
    return 0;
  act__kv_del(m, ref);
  return found;
}

act__actor_t *act__sched_lookup(act__sched_t *s, act_id_t id) {
  return act__table_get(s, id);
}

static void act__enqueue_sys(act__sched_t *s, act__actor_t *a,
                             act__env_t *e) {
  e->next = NULL;
  if (a->sq_tail != NULL)
    a->sq_tail->next = e;
  else
    a->sq_head = e;
  a->sq_tail = e;
  act__sched_ready(s, a);
}

static void act__drop(act__sched_t *s, act__env_t *e) {
  ACT__RELAXED_INC(&s->st_dropped);
  act__env_free(s, e);
}

static void act__uncount(act__actor_t *a, act__env_t *e) {
  if ((e->eflags & ACT__E_COUNTED) && a->bound != NULL)
    atomic_fetch_sub_explicit(&a->bound->count, 1, memory_order_relaxed);
}

/* Append a user message, applying the mailbox's policy. The reject policy
   was applied by the sender (the shared counter); here only the drop
   policies act. */
static void act__enqueue_user(act__sched_t *s, act__actor_t *a,
                              act__env_t *e) {
  if (a->cap != 0 && a->uq_len >= a->cap) {
    if (a->policy == ACT_OVERFLOW_DROP_OLDEST) {
      /* The oldest user message: socket events queued among them are not
         the policy's to drop. */
      act__env_t *old = a->uq_head, *prev = NULL;
      while (old->sig != ACT__SIG_USER) {
        prev = old;
        old = old->next;
      }
      if (prev != NULL)
        prev->next = old->next;
      else
        a->uq_head = old->next;
      if (a->uq_tail == old)
        a->uq_tail = prev;
      ACT__RELAXED_STORE(&a->uq_len, a->uq_len - 1);
      act__uncount(a, old);
      act__drop(s, old);
    } else if (a->policy == ACT_OVERFLOW_DROP_NEWEST) {
      act__uncount(a, e);
      act__drop(s, e);
      return;
    }
    /* Reject: a message counted by its sender is let in even when a local
       burst of drops made the queue look full; the count is the bound. */
  }
  e->next = NULL;
  if (a->uq_tail != NULL)
    a->uq_tail->next = e;
  else
    a->uq_head = e;
  a->uq_tail = e;
  ACT__RELAXED_STORE(&a->uq_len, a->uq_len + 1);
  act__sched_ready(s, a);
}

void act__enqueue_net(act__actor_t *a, act__env_t *e) {
  e->next = NULL;
  if (a->uq_tail != NULL)
    a->uq_tail->next = e;
  else
    a->uq_head = e;
  a->uq_tail = e;
  act__sched_ready(a->sched, a);
}

static void act__enqueue(act__sched_t *s, act__actor_t *a, act__env_t *e) {
  if (e->sig == ACT__SIG_USER)
    act__enqueue_user(s, a, e);
  else
    act__enqueue_sys(s, a, e);
}

/* Route a fresh runtime message from scheduler s (may be NULL). */
static void act__send_sys(act_runtime_t *rt, act__sched_t *s, act__env_t *e) {
  int rc = act__route(rt, s, e);

  if (rc != 0)
    act__env_free(s, e);
}

static act__env_t *act__env_sys(act__sched_t *s, int sig, int type,
                                act_id_t from, act_id_t to, uint64_t ref,
                                const char *reason) {
  act__env_t *e = act__env_new(s);

  if (e == NULL)
    return NULL;
  e->sig = (uint8_t)sig;
  e->type = (uint8_t)type;
  e->from = from;
  e->ref = ref;
  e->to = to;
  if (reason != NULL && act__env_set_reason(e, reason) != 0) {
    act__env_free(s, e);
    return NULL;
  }
  return e;
}

/* A signal reached an id that is not alive: answer what needs an answer
   (Erlang's noproc), drop the rest. */
static void act__dead_letter(act_runtime_t *rt, act__sched_t *s,
                             act__env_t *e) {
  act__env_t *r = NULL;

  switch (e->sig) {
  case ACT__SIG_LINK:
    r = act__env_sys(s, ACT__SIG_EXIT, ACT_MSG_EXIT, e->to, e->from, 0,
                     "noproc");
    if (r != NULL)
      r->eflags |= ACT__E_LINKED;
    break;
  case ACT__SIG_MONITOR:
    r = act__env_sys(s, ACT__SIG_MSG, ACT_MSG_DOWN, e->to, e->from,
                     e->ref, "noproc");
    break;
  case ACT__SIG_INSPECT:
    r = act__env_sys(s, ACT__SIG_MSG, ACT_MSG_REPLY, e->to, e->from,
                     e->ref, NULL);
    if (r != NULL) {
      r->payload = ACT_PAYLOAD_JSON;
      r->u.json = json_pack("{s:s}", "error", "noproc");
      if (r->u.json == NULL) {
        act__env_free(s, r);
        r = NULL;
      }
    }
    break;
  default:
    break;
  }
  if (s != NULL)
    act__drop(s, e);
  else
    act__env_free(NULL, e);
  if (r != NULL && r->to != 0)
    act__send_sys(rt, s, r);
  else if (r != NULL)
    act__env_free(s, r);
}

int act__bound_check(act_runtime_t *rt, act_id_t id, act__env_t *e) {
  act__bound_t *b;
  int rc = 0;

  if (atomic_load_explicit(&rt->nbound, memory_order_acquire) == 0)
    return 0;
  pthread_rwlock_rdlock(&rt->bound_lock);
  b = act__map_get(&rt->bound_table, id);
  if (b != NULL) {
    if (atomic_fetch_add_explicit(&b->count, 1, memory_order_relaxed) >=
        b->cap) {
      atomic_fetch_sub_explicit(&b->count, 1, memory_order_relaxed);
      rc = ACT_EMBOXFULL;
    } else {
      e->eflags |= ACT__E_COUNTED;
    }
  }
  pthread_rwlock_unlock(&rt->bound_lock);
  return rc;
}

int act__route(act_runtime_t *rt, act__sched_t *from, act__env_t *e) {
  act__sched_t *ts;
  act__actor_t *a;
  unsigned slot;
  int rc;

  if (e->to == 0)
    return e->sig == ACT__SIG_USER ? ACT_ENOENT : ACT_EINVAL;
  slot = act__id_slot(rt, e->to);
  /* The common case first: a live actor on the sender's own scheduler. */
  if (from != NULL && slot == (unsigned)from->index &&
      (a = act__sched_lookup(from, e->to)) != NULL)
    goto local;
  if (!act__id_issued(rt, e->to)) {
    if (e->sig == ACT__SIG_USER)
      return ACT_ENOENT;
    act__dead_letter(rt, from, e);
    return 0;
  }
  if (slot == rt->nslots - 1) {
    /* A dedicated actor: found through the runtime's table, under its lock
       so that the scheduler cannot finish while we post to it. */
    uv_mutex_lock(&rt->ded_lock);
    ts = act__map_get(&rt->ded_table, e->to);
    if (ts == NULL) {
      uv_mutex_unlock(&rt->ded_lock);
      if (e->sig == ACT__SIG_USER)
        return ACT_ENOENT;
      act__dead_letter(rt, from, e);
      return 0;
    }
    if (ts != from) {
      if (e->sig == ACT__SIG_USER) {
        rc = act__bound_check(rt, e->to, e);
        if (rc != 0) {
          uv_mutex_unlock(&rt->ded_lock);
          act__env_free(from, e);
          return rc;
        }
      }
      act__sched_post(ts, e);
      uv_mutex_unlock(&rt->ded_lock);
      return 0;
    }
    uv_mutex_unlock(&rt->ded_lock);
  } else {
    ts = rt->scheds[slot];
  }
  if (ts != from) {
    if (e->sig == ACT__SIG_USER) {
      rc = act__bound_check(rt, e->to, e);
      if (rc != 0) {
        act__env_free(from, e);
        return rc;
      }
    }
    act__sched_post(ts, e);
    return 0;
  }
  /* Same scheduler: straight into the mailbox, no atomics, no wake-up. */
  a = act__sched_lookup(ts, e->to);
  if (a == NULL) {
    if (e->sig == ACT__SIG_USER)
      return ACT_ENOENT;
    act__dead_letter(rt, from, e);
    return 0;
  }
local:
  if (e->sig == ACT__SIG_USER && a->bound != NULL) {
    /* Senders on other threads count into the same counter. */
    if (atomic_fetch_add_explicit(&a->bound->count, 1,
                                  memory_order_relaxed) >= a->bound->cap) {
      atomic_fetch_sub_explicit(&a->bound->count, 1, memory_order_relaxed);
      act__env_free(from, e);
      return ACT_EMBOXFULL;
    }
    e->eflags |= ACT__E_COUNTED;
  }
  act__enqueue(a->sched, a, e);
  return 0;
}

static void act__take_in(act__sched_t *s, act__actor_t *a) {
  uv_mutex_lock(&s->lock);
  act__map_del(&s->incoming, a->id);
  if (act__table_put(s, a) != 0) {
    uv_mutex_unlock(&s->lock);
    /* No memory for the table: the actor cannot live; it exits at once. */
    act__actor_discard(a);
    return;
  }
  uv_mutex_unlock(&s->lock);
  act__sched_ready(s, a);
}

void act__deliver(act__sched_t *s, act__env_t *e) {
  act__actor_t *a;

  switch (e->sig) {
  case ACT__SIG_SPAWN:
    a = e->u.actor;
    act__take_in(s, a);
    act__env_free(s, e);
    return;
  case ACT__SIG_QUIT:
    act__env_free(s, e);
    if (s->attached) {
      act__sched_detach(s);
    } else {
      s->quit = 1;
    }
    return;
  default:
    break;
  }
  a = act__sched_lookup(s, e->to);
  if (a == NULL) {
    act__dead_letter(s->rt, s, e);
    return;
  }
  act__enqueue(s, a, e);
}

/* ------------------------------------------------------------------ spawn */

static act__sched_t *act__place(act_runtime_t *rt, act__actor_t *spawner,
                                const act_spawn_opts_t *opts, int *err) {
  unsigned nreal = rt->nthreads + rt->nattached;
  act__sched_t *s;

  if (opts->sched >= 0) {
    if ((unsigned)opts->sched >= nreal) {
      *err = ACT_EINVAL;
      return NULL;
    }
    s = rt->scheds[opts->sched];
    if (s->attached == 0 && (unsigned)opts->sched >= rt->nthreads) {
      /* An attachable slot whose loop was never attached. */
      *err = ACT_EINVAL;
      return NULL;
    }
    return s;
  }
  if ((opts->flags & ACT_SPAWN_LOCAL) && spawner != NULL &&
      !spawner->sched->dedicated)
    return spawner->sched;
  return rt->scheds[atomic_fetch_add_explicit(&rt->rr, 1,
                                              memory_order_relaxed) %
                    rt->nthreads];
}


int act__spawn(act_runtime_t *rt, act__actor_t *spawner,
               const act_spawn_opts_t *opts, act_id_t *id) {
  const act_plugin_t *desc;
  act__sched_t *s = NULL, *cur;
  act__actor_t *a = NULL;
  act__env_t *e = NULL;
  unsigned slot;
  uint64_t seq;
  int err = 0;
  int named = 0, bounded = 0;

  if (opts == NULL || id == NULL ||
      opts->size < offsetof(act_spawn_opts_t, reserved))
    return ACT_EINVAL;
  desc = opts->desc;
  if (desc == NULL) {
    if (opts->plugin == NULL)
      return ACT_EINVAL;
    desc = act_runtime_lookup(rt, opts->plugin);
    if (desc == NULL)
      return ACT_ENOENT;
  }
  if (desc->abi_version != ACT_ABI_VERSION ||
      desc->size < offsetof(act_plugin_t, flags) || desc->handle == NULL)
    return ACT_EINVAL;
  if (opts->name != NULL && !act_name_valid(opts->name))
    return ACT_EINVAL;
  if (opts->mailbox_policy > ACT_OVERFLOW_DROP_NEWEST)
    return ACT_EINVAL;
  if ((opts->flags & ACT_SPAWN_LINK) && spawner == NULL)
    return ACT_EINVAL;
  if (atomic_load(&rt->stopping))
    return ACT_EUNAVAIL;

  cur = spawner ? spawner->sched : act__sched_current(rt);
  if (!(opts->flags & ACT_SPAWN_DEDICATED)) {
    s = act__place(rt, spawner, opts, &err);
    if (s == NULL)
      return err;
  }
  a = calloc(1, sizeof(*a));
  if (a == NULL)
    return ACT_ENOMEM;
  a->ctx.host = &act__host;
  a->desc = desc;
  a->flags = opts->flags;
  a->policy = opts->mailbox_policy;
  a->cap = opts->mailbox_cap;
  a->restarts = opts->restarts;
  a->supervisor = opts->supervisor;
  a->spawner = spawner ? spawner->id : 0;
  /* From a scheduler thread, its loop's cached clock saves a system call
     per spawn; both count milliseconds of CLOCK_MONOTONIC. */
  a->started_ms = (cur != NULL && cur->loop != NULL) ? uv_now(cur->loop)
                                                    : act_runtime_now_ms();
  if (opts->flags & ACT_SPAWN_TRAP_EXIT)
    a->st |= ACT__A_TRAP;
  /* Until init has run, state holds init's argument: a copy, since args
     is only borrowed and init runs later, maybe on another thread, when
     the caller may have changed or freed its own. */
  if (opts->args != NULL) {
    a->state = json_deep_copy(opts->args);
    if (a->state == NULL) {
      free(a);
      return ACT_ENOMEM;
    }
  }

  if (opts->flags & ACT_SPAWN_DEDICATED) {
    slot = rt->nslots - 1;
    seq = atomic_fetch_add(&rt->ded_seq, 1);
  } else {
    slot = (unsigned)s->index;
    seq = atomic_fetch_add_explicit(&s->next_seq, 1, memory_order_relaxed);
  }
  a->id = (act_id_t)slot + 1 + (act_id_t)rt->nslots * seq;
  a->sched = s;

  if (opts->name != NULL) {
    err = act__names_register(rt, opts->name, 0);
    if (err != 0)
      goto fail;
    /* Registered with id 0 as a reservation; now bind it (under the name
       lock, nobody else can see the actor yet). */
    uv_mutex_lock(&rt->names_lock);
    a->name = strdup(opts->name);
    uv_mutex_unlock(&rt->names_lock);
    if (a->name == NULL) {
      act__names_unregister(rt, opts->name);
      err = ACT_ENOMEM;
      goto fail;
    }
    named = 1;
    act__names_bind(rt, opts->name, a->id);
  }
  if (a->cap != 0 && a->policy == ACT_OVERFLOW_REJECT) {
    a->bound = calloc(1, sizeof(*a->bound));
    if (a->bound == NULL) {
      err = ACT_ENOMEM;
      goto fail;
    }
    a->bound->cap = a->cap;
    pthread_rwlock_wrlock(&rt->bound_lock);
    err = act__map_put(&rt->bound_table, a->id, a->bound);
    pthread_rwlock_unlock(&rt->bound_lock);
    if (err != 0)
      goto fail;
    atomic_fetch_add(&rt->nbound, 1);
    bounded = 1;
  }
  if (opts->flags & ACT_SPAWN_LINK) {
    err = act__link_add(a, spawner->id);
    if (err == 0)
      err = act__link_add(spawner, a->id);
    if (err != 0)
      goto fail;
  }

  if (opts->flags & ACT_SPAWN_DEDICATED) {
    err = act__ded_new(rt, a);
    if (err != 0)
      goto fail;
  } else if (s == cur) {
    uv_mutex_lock(&s->lock);
    err = act__table_put(s, a);
    uv_mutex_unlock(&s->lock);
    if (err != 0)
      goto fail;
    act__sched_ready(s, a);
  } else {
    e = act__env_new(cur);
    if (e == NULL) {
      err = ACT_ENOMEM;
      goto fail;
    }
    uv_mutex_lock(&s->lock);
    err = act__map_put(&s->incoming, a->id, a);
    uv_mutex_unlock(&s->lock);
    if (err != 0)
      goto fail;
    e->sig = ACT__SIG_SPAWN;
    e->to = a->id;
    e->u.actor = a;
    act__sched_post(s, e);
  }
  atomic_fetch_add(&rt->live, 1);
  atomic_fetch_add_explicit(&rt->spawned, 1, memory_order_relaxed);
  *id = a->id;
  return 0;

fail:
  if (e != NULL)
    act__env_free(cur, e);
  if (opts->flags & ACT_SPAWN_LINK)
    act__link_del(spawner, a->id);
  if (bounded) {
    pthread_rwlock_wrlock(&rt->bound_lock);
    act__map_del(&rt->bound_table, a->id);
    pthread_rwlock_unlock(&rt->bound_lock);
    atomic_fetch_sub(&rt->nbound, 1);
  }
  if (named)
    act__names_unregister(rt, opts->name);
  free(a->bound);
  a->bound = NULL;
  if (a->state != NULL)
    json_decref(a->state);
  a->state = NULL;
  free(a->name);
  a->name = NULL;
  if (a->x != NULL) {
    act__kv_free(&a->x->links);
    free(a->x);
  }
  free(a);
  return err;
}

/* ------------------------------------------------------------------- exit */

void act__actor_exit_later(act__actor_t *a, const char *reason, int force) {
  char *r;

  if ((a->st & ACT__A_EXITING) && !force)
    return;
  r = strdup(reason);
  if (r != NULL || !(a->st & ACT__A_EXITING)) {
    free(a->exit_reason);
    a->exit_reason = r; /* NULL (no memory) ends as "error:out of memory" */
  }
  a->st |= ACT__A_EXITING;
  act__sched_ready(a->sched, a);
}

static void act__emit(act__actor_t *a, int type, const char *reason) {
  act_runtime_t *rt = a->sched->rt;
  act_event_t ev;
  char name[ACT_NAME_MAX + 1];

  if (rt->opts.on_event == NULL)
    return;
  act__names_copy(rt, a, name, sizeof(name));
  memset(&ev, 0, sizeof(ev));
  ev.type = type;
  ev.id = a->id;
  ev.supervisor = a->supervisor;
  ev.name = name[0] ? name : NULL;
  ev.plugin = a->desc->name;
  ev.reason = reason;
  act__runtime_emit(rt, &ev);
}

static void act__ask_timer_close_cb(uv_handle_t *h);

static void act__asks_drop(void *arg, uint64_t key, void *val) {
  (void)arg;
  (void)key;
  if (val != &act__ask_no_timer) {
    uv_timer_stop(val);
    uv_close(val, act__ask_timer_close_cb);
  }
}


/* Free the actor now, or when its last handle has closed. */
static void act__actor_release(act__actor_t *a) {
  if (a->handles > 0)
    return;
  if (a->x != NULL) {
    act__kv_free(&a->x->links);
    act__kv_free(&a->x->watchers);
    act__kv_free(&a->x->mons);
    act__map_free(&a->x->timers);
    act__map_free(&a->x->asks);
    act__map_free(&a->x->socks);
    free(a->x);
  }
  free(a->exit_reason);
  free(a);
}

void act__actor_handle_closed(act__actor_t *a) {
  a->handles--;
  if ((a->st & ACT__A_DEAD) && a->handles == 0)
    act__actor_release(a);
}

static void act__drain(act__sched_t *s, act__env_t **head, act__env_t **tail,
                       act__actor_t *a) {
  act__env_t *e;

  while ((e = *head) != NULL) {
    *head = e->next;
    act__uncount(a, e);
    act__drop(s, e);
  }
  *tail = NULL;
}

/* At exit: an exit signal through each link, a DOWN to each watcher, a
   demonitor to each actor it watched (so their sets do not keep it). */
static void act__finish_link(void *arg, uint64_t key, uint64_t val) {
  act__actor_t *a = arg;
  act__env_t *e = act__env_sys(a->sched, ACT__SIG_EXIT, ACT_MSG_EXIT, a->id,
                               key, 0, a->exit_reason ? a->exit_reason
                                                      : "error:out of memory");

  (void)val;
  if (e != NULL) {
    e->eflags |= ACT__E_LINKED;
    act__send_sys(a->sched->rt, a->sched, e);
  }
}

static void act__finish_watcher(void *arg, uint64_t key, uint64_t val) {
  act__actor_t *a = arg;
  act__env_t *e = act__env_sys(a->sched, ACT__SIG_MSG, ACT_MSG_DOWN, a->id,
                               val, key, a->exit_reason ? a->exit_reason
                                                        : "error:out of memory");

  if (e != NULL)
    act__send_sys(a->sched->rt, a->sched, e);
}

static void act__finish_mon(void *arg, uint64_t key, uint64_t val) {
  act__actor_t *a = arg;
  act__env_t *e = act__env_sys(a->sched, ACT__SIG_DEMONITOR, ACT_MSG_SYSTEM,
                               a->id, val, key, NULL);

  if (e != NULL)
    act__send_sys(a->sched->rt, a->sched, e);
}

/* End the actor (its own thread, inside its turn). */
static void act__actor_finish(act__actor_t *a) {
  act__sched_t *s = a->sched;
  act_runtime_t *rt = s->rt;
  const char *reason = a->exit_reason ? a->exit_reason
                                      : "error:out of memory";
  int last;

  ACT__RELAXED_STORE(&a->status, ACT_ST_STOPPING);
  if ((a->st & ACT__A_INITED) && a->desc->terminate != NULL) {
    a->desc->terminate(&a->ctx, a->state, reason);
    reason = a->exit_reason ? a->exit_reason : "error:out of memory";
  }
  a->state = NULL;
  a->st |= ACT__A_DEAD;
  /* After terminate (which may still act_net_close a socket to have its
     last bytes sent) and before the exit signals: a supervisor that
     restarts this actor finds its listened addresses free again. */
  if (a->x != NULL && a->x->socks.count > 0)
    act__net_actor_exit(a);

  /* From here on the id is dead: new messages are dead letters, and no
     thread can give it a name any more (that needs it in the table), so
     the name it has is the last. */
  uv_mutex_lock(&s->lock);
  act__table_del(s, a->id);
  uv_mutex_unlock(&s->lock);
  act__names_drop(rt, a);
  if (a->bound != NULL) {
    pthread_rwlock_wrlock(&rt->bound_lock);
    act__map_del(&rt->bound_table, a->id);
    pthread_rwlock_unlock(&rt->bound_lock);
    atomic_fetch_sub(&rt->nbound, 1);
    free(a->bound);
    a->bound = NULL;
  }

  if (a->x != NULL) {
    act__extra_t *x = a->x;
    act__kv_each(&x->links, act__finish_link, a);
    act__kv_free(&x->links);
    act__kv_each(&x->watchers, act__finish_watcher, a);
    act__kv_free(&x->watchers);
    act__kv_each(&x->mons, act__finish_mon, a);
    act__kv_free(&x->mons);
    act__map_each(&x->asks, act__asks_drop, NULL);
    act__timers_close_all(a);
  }
  act__drain(s, &a->sq_head, &a->sq_tail, a);
  act__drain(s, &a->uq_head, &a->uq_tail, a);
  ACT__RELAXED_STORE(&a->uq_len, 0);

  /* Counted as gone before the event, so that whoever sees the event also
     sees the statistics without it. */
  ACT__RELAXED_INC(&s->st_exited);
  a->st &= ~(ACT__A_QUEUED | ACT__A_INTURN);
  last = atomic_fetch_sub(&rt->live, 1) == 1;
  act__emit(a, ACT_EV_EXIT, reason);
  act__actor_release(a);
  if (last || atomic_load(&rt->stopping))
    act__stop_notify(rt);
}

/* End an actor that cannot run (its scheduler is going away, or there was
   no memory to take it in): it exits "shutdown", without terminate, since
   its callbacks cannot be trusted to run now. */
void act__actor_discard(act__actor_t *a) {
  if (a->exit_reason == NULL)
    a->exit_reason = strdup("shutdown");
  if (!(a->st & ACT__A_STARTED) && a->state != NULL) {
    json_decref(a->state);
    a->state = NULL;
  }
  a->st &= ~ACT__A_INITED;
  act__actor_finish(a);
}

/* ------------------------------------------------------------------ turns */

static void act__notify_started(act__actor_t *a, const char *reason) {
  act__env_t *e;

  if (!(a->flags & ACT_SPAWN_NOTIFY) || a->spawner == 0)
    return;
  e = act__env_sys(a->sched, ACT__SIG_MSG, ACT_MSG_STARTED, a->id, a->spawner,
                   0, reason);
  if (e != NULL)
    act__send_sys(a->sched->rt, a->sched, e);
}

/* Run init. 0 if the actor lives on. */
static int act__actor_start(act__actor_t *a) {
  json_t *args = a->state;
  char buf[128];
  int rc = 0;

  a->st |= ACT__A_STARTED;
  a->state = NULL;
  if (a->desc->init != NULL)
    rc = a->desc->init(&a->ctx, args, &a->state);
  if (args != NULL)
    json_decref(args);
  if (rc < 0) {
    if (a->exit_reason == NULL) {
      snprintf(buf, sizeof(buf), "error:init: %s", act_strerror(rc));
      act__actor_exit_later(a, buf, 1);
    }
    a->st |= ACT__A_EXITING;
    a->state = NULL;
    act__notify_started(a, a->exit_reason ? a->exit_reason : buf);
    return -1;
  }
  a->st |= ACT__A_INITED;
  if (a->x != NULL && a->x->adopted != 0)
    act__net_started(a);
  ACT__RELAXED_STORE(&a->status, ACT_ST_RUNNING);
  act__notify_started(a, NULL);
  act__emit(a, ACT_EV_SPAWN, NULL);
  return 0;
}

static void act__call_handle(act__actor_t *a, act__env_t *e) {
  act__view_t v;
  int rc;
  char buf[96];

  ACT__RELAXED_STORE(&a->msgs_in, a->msgs_in + 1);
  ACT__RELAXED_INC(&a->sched->st_messages);
  act__view_fill(&v, e);
  rc = a->desc->handle(&a->ctx, a->state, &v.msg);
  if (rc < 0 && !(a->st & ACT__A_EXITING)) {
    snprintf(buf, sizeof(buf), "error:%s", act_strerror(rc));
    act__actor_exit_later(a, buf, 0);
  }
}

static void act__exit_signal(act__actor_t *a, act__env_t *e) {
  const char *reason = act__env_reason(e) ? act__env_reason(e) : "killed";

  if (e->eflags & ACT__E_LINKED) {
    /* A link that was undone in the meantime carries nothing. */
    if (!act__link_del(a, e->from))
      return;
  }
  if (e->eflags & ACT__E_UNTRAP) {
    act__actor_exit_later(a, reason, 1);
    return;
  }
  if (a->st & ACT__A_TRAP) {
    e->type = ACT_MSG_EXIT;
    act__call_handle(a, e);
    return;
  }
  if (strcmp(reason, "normal") == 0 && e->from != a->id)
    return;
  act__actor_exit_later(a, reason, 0);
}

static void act__inspect_reply(act__actor_t *a, act__env_t *e) {
  act__env_t *r;

  r = act__env_sys(a->sched, ACT__SIG_MSG, ACT_MSG_REPLY, a->id, e->from,
                   e->ref, NULL);
  if (r == NULL)
    return;
  r->u.json = act__actor_inspect_json(a);
  if (r->u.json == NULL) {
    act__env_free(a->sched, r);
    return;
  }
  r->payload = ACT_PAYLOAD_JSON;
  act__send_sys(a->sched->rt, a->sched, r);
}

/* Hot upgrade, on the actor's thread: the new version's code_change turns
   the old state into its own. When it fails, the old state is gone (it was
   the callback's), so the actor exits without a terminate. */
static void act__upgrade(act__actor_t *a, const act_plugin_t *desc) {
  const act_plugin_t *old = a->desc;
  void *state = NULL;
  char buf[128];
  int rc;

  if (desc == old || strcmp(desc->name, old->name) != 0)
    return;
  if ((a->st & ACT__A_INITED) || !(a->st & ACT__A_STARTED)) {
    if (a->st & ACT__A_INITED) {
      rc = desc->code_change(&a->ctx, a->state, old->version, &state);
      if (rc < 0) {
        a->state = NULL;
        a->st &= ~ACT__A_INITED;
        snprintf(buf, sizeof(buf), "error:code_change: %s", act_strerror(rc));
        act__actor_exit_later(a, buf, 0);
        return;
      }
      a->state = state;
    }
    /* Listings read desc under the scheduler's lock. */
    uv_mutex_lock(&a->sched->lock);
    a->desc = desc;
    uv_mutex_unlock(&a->sched->lock);
  }
}

static void act__process(act__actor_t *a, act__env_t *e) {
  act__sched_t *s = a->sched;
  void *t;

  switch (e->sig) {
  case ACT__SIG_USER:
    ACT__RELAXED_STORE(&a->uq_len, a->uq_len - 1);
    act__uncount(a, e);
    act__call_handle(a, e);
    break;
  case ACT__SIG_NET:
    /* Nothing follows a close: what was still queued for it goes unseen. */
    if (!act__net_deliverable(a, e))
      break;
    act__call_handle(a, e);
    act__net_handled(a, e);
    break;
  case ACT__SIG_MSG:
    if (e->type == ACT_MSG_REPLY) {
      t = a->x ? act__map_del(&a->x->asks, e->ref) : NULL;
      if (t == NULL) {
        /* Nobody waits for it any more (timed out, or never asked). */
        act__drop(s, e);
        return;
      }
      if (t != &act__ask_no_timer) {
        uv_timer_stop(t);
        uv_close(t, act__ask_timer_close_cb);
      }
    } else if (e->type == ACT_MSG_DOWN) {
      if (a->x == NULL || act__mon_del(&a->x->mons, e->ref, 0) == 0) {
        act__drop(s, e); /* demonitored meanwhile */
        return;
      }
    }
    act__call_handle(a, e);
    break;
  case ACT__SIG_EXIT:
    act__exit_signal(a, e);
    break;
  case ACT__SIG_LINK:
    if (act__link_add(a, e->from) != 0) {
      /* Cannot record the link: behave as if already dead to the linker. */
      act__env_t *r = act__env_sys(s, ACT__SIG_EXIT, ACT_MSG_EXIT, a->id,
                                   e->from, 0, "error:out of memory");
      if (r != NULL)
        act__send_sys(s->rt, s, r);
    }
    break;
  case ACT__SIG_UNLINK:
    act__link_del(a, e->from);
    break;
  case ACT__SIG_MONITOR: {
    act__extra_t *x = act__actor_extra(a);
    if (x == NULL || act__mon_add(&x->watchers, e->ref, e->from)) {
      act__env_t *r = act__env_sys(s, ACT__SIG_MSG, ACT_MSG_DOWN, a->id,
                                   e->from, e->ref,
                                   "error:out of memory");
      if (r != NULL)
        act__send_sys(s->rt, s, r);
    }
    break;
  }
  case ACT__SIG_DEMONITOR:
    if (a->x != NULL)
      act__mon_del(&a->x->watchers, e->ref, e->from);
    break;
  case ACT__SIG_INSPECT:
    act__inspect_reply(a, e);
    break;
  case ACT__SIG_UPGRADE:
    act__upgrade(a, e->u.desc);
    break;
  default:
    break;
  }
  act__env_free(s, e);
}

void act__actor_turn(act__actor_t *a) {
  act__sched_t *s = a->sched;
  unsigned n;
  act__env_t *e;

  a->st |= ACT__A_INTURN;
  if (!(a->st & ACT__A_STARTED) && !(a->st & ACT__A_EXITING) &&
      act__actor_start(a) != 0) {
    act__actor_finish(a);
    return;
  }
  for (n = 0; n < s->budget && !(a->st & ACT__A_EXITING); n++) {
    if ((e = a->sq_head) != NULL) {
      a->sq_head = e->next;
      if (a->sq_head == NULL)
        a->sq_tail = NULL;
    } else if ((e = a->uq_head) != NULL) {
      a->uq_head = e->next;
      if (a->uq_head == NULL)
        a->uq_tail = NULL;
      else
        /* Messages pile up by the thousand in bursts, far from the cache:
           fetch the next one while this one is handled. */
        __builtin_prefetch(a->uq_head);
    } else {
      break;
    }
    act__process(a, e);
  }
  if (a->st & ACT__A_EXITING) {
    if (!(a->st & ACT__A_STARTED) && a->state != NULL) {
      /* Killed before init ran: drop init's argument. */
      json_decref(a->state);
      a->state = NULL;
      a->st |= ACT__A_STARTED;
      act__notify_started(a, a->exit_reason ? a->exit_reason : "killed");
    }
    act__actor_finish(a);
    return;
  }
  a->st &= ~ACT__A_INTURN;
  if (a->sq_head != NULL || a->uq_head != NULL) {
    /* Budget spent: to the back of the run queue, so others get a turn. */
    a->st &= ~ACT__A_QUEUED;
    act__sched_ready(s, a);
  } else {
    a->st &= ~ACT__A_QUEUED;
  }
}

/* ---------------------------------------------------------------- inspect */

static void act__json_add_val(void *arg, uint64_t key, uint64_t val) {
  (void)key;
  json_array_append_new(arg, json_integer((json_int_t)val));
}

json_t *act__actor_inspect_json(act__actor_t *a) {
  json_t *o, *links, *mons, *data = NULL;

  links = json_array();
  mons = json_array();
  if (a->x != NULL) {
    act__kv_each(&a->x->links, act__json_add_val, links);
    act__kv_each(&a->x->mons, act__json_add_val, mons);
  }
  if (a->desc->inspect != NULL && (a->st & ACT__A_INITED))
    data = a->desc->inspect(a->state);
  o = json_pack("{s:o,s:o,s:b,s:I,s:I,s:o,s:o}", "links", links, "monitors",
                mons, "trap_exit", (a->st & ACT__A_TRAP) != 0, "messages_in",
                (json_int_t)a->msgs_in, "messages_out",
                (json_int_t)a->msgs_out, "data", data ? data : json_null(),
                "sockets", act__net_inspect(a));
  return o;
}

static void act__ask_timer_close_cb(uv_handle_t *h) {
  act__actor_t *a = h->data;

  free(h);
  act__actor_handle_closed(a);
}

/* Record a pending ask (with its timeout timer). */

static void act__ask_timeout_cb(uv_timer_t *t) {
  act__actor_t *a = t->data;
  uint64_t ref;
  act__env_t *e;

  memcpy(&ref, (char *)t + sizeof(uv_timer_t), sizeof(ref));
  if (a->x != NULL)
    act__map_del(&a->x->asks, ref);
  uv_close((uv_handle_t *)t, act__ask_timer_close_cb);
  if (a->st & ACT__A_DEAD)
    return;
  e = act__env_sys(a->sched, ACT__SIG_MSG, ACT_MSG_TIMEOUT, 0, a->id, ref,
                   NULL);
  if (e != NULL)
    act__enqueue_sys(a->sched, a, e);
}

int act__ask_track(act__actor_t *a, uint64_t ref, uint32_t timeout_ms) {
  act__extra_t *x = act__actor_extra(a);
  uv_timer_t *t;
  int err;

  if (x == NULL)
    return ACT_ENOMEM;
  if (timeout_ms == 0)
    return act__map_put(&x->asks, ref, &act__ask_no_timer);
  /* The timer carries its ref right behind the handle. */
  t = malloc(sizeof(uv_timer_t) + sizeof(uint64_t));
  if (t == NULL)
    return ACT_ENOMEM;
  memcpy((char *)t + sizeof(uv_timer_t), &ref, sizeof(ref));
  err = act__map_put(&x->asks, ref, t);
  if (err != 0) {
    free(t);
    return err;
  }
  uv_timer_init(a->sched->loop, t);
  t->data = a;
  a->handles++;
  uv_update_time(a->sched->loop); /* not early: see act_timer_start */
  uv_timer_start(t, act__ask_timeout_cb, timeout_ms, 0);
  return 0;
}

/* Forget a pending ask whose request could not be sent. */
void act__ask_untrack(act__actor_t *a, uint64_t ref) {
  void *t = a->x ? act__map_del(&a->x->asks, ref) : NULL;

  if (t != NULL && t != &act__ask_no_timer) {
    uv_timer_stop(t);
    uv_close(t, act__ask_timer_close_cb);
  }
}
