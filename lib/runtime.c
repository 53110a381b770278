/*
 * runtime.c - the runtime as a whole: creation, start, orderly stop, the
 * behaviour registry, the name table, listings, statistics, dedicated
 * schedulers, and the act_runtime_* functions callable from any thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rt.h"


/* ------------------------------------------------------------------ names */

/* Names are not on the hot path: one chained hash table under a mutex. A
   name maps to an id; an actor holds at most one name (a->name). */
typedef struct act__name {
  struct act__name *next;
  act_id_t id; /* 0 while a spawn reserves it */
  char name[ACT_NAME_MAX + 1];
} act__name_t;

typedef struct act__names {
  act__name_t **buckets;
  size_t nbuckets, count;
} act__names_t;

static size_t act__name_hash(const char *s) {
  size_t h = 5381;

  while (*s)
    h = h * 33 + (unsigned char)*s++;
  return h;
}

static act__name_t **act__names_slot(act__names_t *t, const char *name) {
  act__name_t **p = &t->buckets[act__name_hash(name) % t->nbuckets];

  while (*p != NULL && strcmp((*p)->name, name) != 0)
    p = &(*p)->next;
  return p;
}

static int act__names_grow(act__names_t *t) {
  size_t n = t->nbuckets * 2, i;
  act__name_t **b = calloc(n, sizeof(*b));

  if (b == NULL)
    return ACT_ENOMEM;
  for (i = 0; i < t->nbuckets; i++) {
    act__name_t *e = t->buckets[i], *next;
    for (; e != NULL; e = next) {
      size_t h = act__name_hash(e->name) % n;
      next = e->next;
      e->next = b[h];
      b[h] = e;
    }
  }
  free(t->buckets);
  t->buckets = b;
  t->nbuckets = n;
  return 0;
}

int act_name_valid(const char *name) {
  size_t i;

  if (name == NULL || name[0] == '\0')
    return 0;
  if (!((name[0] >= 'A' && name[0] <= 'Z') ||
        (name[0] >= 'a' && name[0] <= 'z') || name[0] == '_'))
    return 0;
  for (i = 1; name[i] != '\0'; i++) {
    char c = name[i];
    if (i >= ACT_NAME_MAX)
      return 0;
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
          (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
      return 0;
  }
  return 1;
}

/* The live actor with this id, found from any thread: its scheduler's
   lock is held on return when found (*sp receives the scheduler). Actors
   spawned from other threads and not yet taken in are found too. */
static act__actor_t *act__find_locked(act_runtime_t *rt, act_id_t id,
                                      act__sched_t **sp) {
  act__sched_t *s;
  act__actor_t *a;

  if (id == 0 || !act__id_issued(rt, id))
    return NULL;
  if (act__id_slot(rt, id) == rt->nslots - 1) {
    uv_mutex_lock(&rt->ded_lock);
    s = act__map_get(&rt->ded_table, id);
    if (s == NULL) {
      uv_mutex_unlock(&rt->ded_lock);
      return NULL;
    }
    uv_mutex_lock(&s->lock);
    uv_mutex_unlock(&rt->ded_lock);
  } else {
    s = rt->scheds[act__id_slot(rt, id)];
    uv_mutex_lock(&s->lock);
  }
  a = act__table_get(s, id);
  if (a == NULL)
    a = act__map_get(&s->incoming, id);
  /* In a table means alive: an actor leaves it (under this lock) as it
     dies. Its state bits belong to its own thread and are not read here. */
  if (a == NULL) {
    uv_mutex_unlock(&s->lock);
    return NULL;
  }
  *sp = s;
  return a;
}

int act__names_register(act_runtime_t *rt, const char *name, act_id_t id) {
  act__names_t *t = rt->names;
  act__name_t **p, *e;
  act__sched_t *s = NULL;
  act__actor_t *a = NULL;
  int err = 0;

  if (!act_name_valid(name))
    return ACT_EINVAL;
  uv_mutex_lock(&rt->names_lock);
  p = act__names_slot(t, name);
  if (*p != NULL) {
    err = ACT_EEXIST;
    goto out;
  }
  if (id != 0) {
    a = act__find_locked(rt, id, &s);
    if (a == NULL) {
      err = ACT_ENOENT;
      goto out;
    }
    if (a->name != NULL) {
      /* One name per actor, as Erlang's register/2. */
      uv_mutex_unlock(&s->lock);
      err = ACT_EEXIST;
      goto out;
    }
  }
  e = calloc(1, sizeof(*e));
  if (a != NULL && e != NULL) {
    char *copy = strdup(name);
    if (copy == NULL) {
      free(e);
      e = NULL;
    } else {
      /* The owner peeks at the pointer without a lock (act__names_drop). */
      __atomic_store_n(&a->name, copy, __ATOMIC_RELAXED);
    }
  }
  if (e == NULL) {
    if (a != NULL)
      uv_mutex_unlock(&s->lock);
    err = ACT_ENOMEM;
    goto out;
  }
  if (a != NULL)
    uv_mutex_unlock(&s->lock);
  /* name was checked with act_name_valid: at most ACT_NAME_MAX bytes. */
  memcpy(e->name, name, strlen(name) + 1);
  e->id = id;
  e->next = NULL;
  *p = e;
  t->count++;
  if (t->count > t->nbuckets)
    act__names_grow(t); /* a failed grow only makes chains longer */
out:
  uv_mutex_unlock(&rt->names_lock);
  return err;
}

/* Bind a name reserved by a spawn to the new actor's id. */
int act__names_bind(act_runtime_t *rt, const char *name, act_id_t id) {
  act__name_t **p;

  uv_mutex_lock(&rt->names_lock);
  p = act__names_slot(rt->names, name);
  if (*p != NULL)
    (*p)->id = id;
  uv_mutex_unlock(&rt->names_lock);
  return 0;
}

int act__names_unregister(act_runtime_t *rt, const char *name) {
  act__names_t *t = rt->names;
  act__name_t **p, *e;
  act__sched_t *s;
  act__actor_t *a;

  if (!act_name_valid(name))
    return ACT_EINVAL;
  uv_mutex_lock(&rt->names_lock);
  p = act__names_slot(t, name);
  if (*p == NULL) {
    uv_mutex_unlock(&rt->names_lock);
    return ACT_ENOENT;
  }
  e = *p;
  *p = e->next;
  t->count--;
  if (e->id != 0 && (a = act__find_locked(rt, e->id, &s)) != NULL) {
    free(a->name);
    __atomic_store_n(&a->name, NULL, __ATOMIC_RELAXED);
    uv_mutex_unlock(&s->lock);
  }
  uv_mutex_unlock(&rt->names_lock);
  free(e);
  return 0;
}

act_id_t act__names_whereis(act_runtime_t *rt, const char *name) {
  act__name_t **p;
  act_id_t id = 0;

  if (!act_name_valid(name))
    return 0;
  uv_mutex_lock(&rt->names_lock);
  p = act__names_slot(rt->names, name);
  if (*p != NULL)
    id = (*p)->id;
  uv_mutex_unlock(&rt->names_lock);
  return id;
}

void act__names_drop(act_runtime_t *rt, act__actor_t *a) {
  act__name_t **p, *e = NULL;
  char *old;

  /* Most actors have no name: do not take the lock for them. Other threads
     change the pointer under the name lock, with atomic stores. */
  if (__atomic_load_n(&a->name, __ATOMIC_RELAXED) == NULL)
    return;
  uv_mutex_lock(&rt->names_lock);
  if (a->name != NULL) {
    p = act__names_slot(rt->names, a->name);
    if (*p != NULL && (*p)->id == a->id) {
      e = *p;
      *p = e->next;
      ((act__names_t *)rt->names)->count--;
    }
  }
  uv_mutex_lock(&a->sched->lock);
  old = a->name;
  __atomic_store_n(&a->name, NULL, __ATOMIC_RELAXED);
  uv_mutex_unlock(&a->sched->lock);
  uv_mutex_unlock(&rt->names_lock);
  free(old);
  free(e);
}

void act__names_copy(act_runtime_t *rt, act__actor_t *a, char *buf,
                     size_t size) {
  buf[0] = '\0';
  uv_mutex_lock(&rt->names_lock);
  if (a->name != NULL)
    snprintf(buf, size, "%s", a->name);
  uv_mutex_unlock(&rt->names_lock);
}

static void act__names_free(act__names_t *t) {
  size_t i;

  if (t == NULL)
    return;
  for (i = 0; i < t->nbuckets; i++) {
    act__name_t *e = t->buckets[i], *next;
    for (; e != NULL; e = next) {
      next = e->next;
      free(e);
    }
  }
  free(t->buckets);
  free(t);
}

/* ---------------------------------------------------------------- helpers */

uint64_t act_runtime_now_ms(void) { return uv_hrtime() / 1000000u; }

uint64_t act__wall_ms(void) {
  struct timespec ts;

  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

const char *act_event_name(int type) {
  switch (type) {
  case ACT_EV_SPAWN: return "spawn";
  case ACT_EV_EXIT: return "exit";
  case ACT_EV_RESTART: return "restart";
  case ACT_EV_FAILED: return "failed";
  }
  return "unknown";
}

const char *act_status_name(int status) {
  switch (status) {
  case ACT_ST_RUNNING: return "running";
  case ACT_ST_WAITING: return "waiting";
  case ACT_ST_STOPPING: return "stopping";
  }
  return "unknown";
}

void act__runtime_emit(act_runtime_t *rt, const act_event_t *ev) {
  act_event_t copy;

  if (rt == NULL || ev == NULL || rt->opts.on_event == NULL)
    return;
  copy = *ev;
  if (copy.time_ms == 0)
    copy.time_ms = act__wall_ms();
  rt->opts.on_event(rt->opts.cb_arg, &copy);
}

void act__log(act_runtime_t *rt, act__actor_t *a, int level,
              const char *line) {
  char name[ACT_NAME_MAX + 1];

  if (rt->opts.on_log == NULL)
    return;
  act__names_copy(rt, a, name, sizeof(name));
  rt->opts.on_log(rt->opts.cb_arg, a->id, name[0] ? name : NULL, level, line);
}

int act__id_issued(act_runtime_t *rt, act_id_t id) {
  unsigned slot;
  uint64_t seq;

  if (id == 0)
    return 0;
  slot = act__id_slot(rt, id);
  seq = act__id_seq(rt, id);
  if (slot == rt->nslots - 1)
    return seq < atomic_load(&rt->ded_seq);
  return seq < atomic_load_explicit(&rt->scheds[slot]->next_seq,
                                    memory_order_acquire);
}

void act__stop_notify(act_runtime_t *rt) {
  uv_mutex_lock(&rt->stop_lock);
  uv_cond_broadcast(&rt->stop_cond);
  uv_mutex_unlock(&rt->stop_lock);
}

/* -------------------------------------------------------------- dedicated */

/*
 * ACT_SPAWN_DEDICATED: the actor gets a scheduler of its own, with its own
 * thread, loop and inbox, created at spawn and finished when the actor has
 * gone. Its id comes from the last slot of the id space, which is reserved
 * for dedicated actors; a send to such an id finds the scheduler in one
 * table under a mutex. Only messages to dedicated actors pay for that
 * lookup; everything else routes by arithmetic as before. The actor may
 * block in its handlers: nobody else runs on its thread.
 */
static void act__ded_wake(void *arg, uint64_t key, void *val) {
  act__sched_t *s = val;

  (void)arg;
  (void)key;
  uv_async_send(&s->async);
}

static void act__ded_join_done(act_runtime_t *rt) {
  act__sched_t *done, *next;

  uv_mutex_lock(&rt->ded_lock);
  done = rt->ded_done;
  rt->ded_done = NULL;
  uv_mutex_unlock(&rt->ded_lock);
  for (; done != NULL; done = next) {
    next = done->ded_next;
    uv_thread_join(&done->thread);
    act__sched_free(done);
  }
}

int act__ded_new(act_runtime_t *rt, act__actor_t *a) {
  act__sched_t *s;
  int err;

  act__ded_join_done(rt);
  err = act__sched_new(rt, -1, &s);
  if (err != 0)
    return err;
  s->dedicated = 1;
  s->ded_id = a->id;
  a->sched = s;
  err = act__table_put(s, a);
  if (err != 0)
    goto fail;
  /* Before the thread starts, this thread may fill its run queue. */
  act__sched_ready(s, a);
  uv_mutex_lock(&rt->ded_lock);
  err = act__map_put(&rt->ded_table, a->id, s);
  if (err == 0)
    rt->ded_live++;
  uv_mutex_unlock(&rt->ded_lock);
  if (err != 0)
    goto fail;
  err = act__sched_start_thread(s);
  if (err != 0) {
    uv_mutex_lock(&rt->ded_lock);
    act__map_del(&rt->ded_table, a->id);
    rt->ded_live--;
    uv_mutex_unlock(&rt->ded_lock);
    goto fail;
  }
  return 0;

fail:
  a->sched = NULL;
  act__sched_free(s);
  return err;
}

void act__ded_finished(act__sched_t *s) {
  act_runtime_t *rt = s->rt;

  uv_mutex_lock(&rt->ded_lock);
  act__map_del(&rt->ded_table, s->ded_id);
  s->ded_next = rt->ded_done;
  rt->ded_done = s;
  rt->ded_live--;
  atomic_fetch_add(&rt->done_messages, ACT__RELAXED_LOAD(&s->st_messages));
  atomic_fetch_add(&rt->done_dropped, ACT__RELAXED_LOAD(&s->st_dropped));
  atomic_fetch_add(&rt->done_exited, ACT__RELAXED_LOAD(&s->st_exited));
  atomic_fetch_add(&rt->done_wakeups, atomic_load(&s->st_wakeups));
  atomic_fetch_add(&rt->done_net_in, ACT__RELAXED_LOAD(&s->st_net_in));
  atomic_fetch_add(&rt->done_net_out, ACT__RELAXED_LOAD(&s->st_net_out));
  uv_mutex_unlock(&rt->ded_lock);
  act__stop_notify(rt);
}

/* -------------------------------------------------------------- lifecycle */

int act_runtime_new(const act_runtime_opts_t *opts, act_runtime_t **out) {
  act_runtime_t *rt;
  act__names_t *names = NULL;
  unsigned i, n;
  int err = ACT_ENOMEM;

  if (opts == NULL || out == NULL ||
      opts->size < offsetof(act_runtime_opts_t, reserved))
    return ACT_EINVAL;
  rt = calloc(1, sizeof(*rt));
  if (rt == NULL)
    return ACT_ENOMEM;
  memcpy(&rt->opts, opts, offsetof(act_runtime_opts_t, reserved));
  rt->opts.size = sizeof(rt->opts);
  rt->nthreads = opts->threads ? opts->threads : uv_available_parallelism();
  if (rt->nthreads == 0)
    rt->nthreads = 1;
  rt->nattached = opts->attached;
  rt->nslots = rt->nthreads + rt->nattached + 1;
  rt->slots_magic = UINT64_MAX / rt->nslots + 1;
  n = rt->nthreads + rt->nattached;
  uv_mutex_init(&rt->ded_lock);
  uv_mutex_init(&rt->pool_lock);
  uv_mutex_init(&rt->names_lock);
  uv_mutex_init(&rt->plugins_lock);
  uv_mutex_init(&rt->stop_lock);
  uv_cond_init(&rt->stop_cond);
  pthread_rwlock_init(&rt->bound_lock, NULL);
  act__net_runtime_init(rt);
  act__map_init(&rt->ded_table);
  act__map_init(&rt->bound_table);
  rt->scheds = calloc(n, sizeof(*rt->scheds));
  names = calloc(1, sizeof(*names));
  if (rt->scheds == NULL || names == NULL)
    goto fail;
  names->nbuckets = 64;
  names->buckets = calloc(names->nbuckets, sizeof(*names->buckets));
  if (names->buckets == NULL)
    goto fail;
  rt->names = names;
  names = NULL;
  for (i = 0; i < n; i++) {
    err = act__sched_new(rt, (int)i, &rt->scheds[i]);
    if (err != 0)
      goto fail;
  }
  *out = rt;
  return 0;

fail:
  free(names);
  act_runtime_free(rt);
  return err;
}

int act_runtime_start(act_runtime_t *rt) {
  unsigned i;
  int err;

  if (rt == NULL || rt->started)
    return ACT_EINVAL;
  for (i = 0; i < rt->nthreads; i++) {
    err = act__sched_start_thread(rt->scheds[i]);
    if (err != 0)
      return err;
  }
  rt->started = 1;
  return 0;
}

int act_runtime_attach(act_runtime_t *rt, uv_loop_t *loop, int *sched) {
  act__sched_t *s;

  if (rt == NULL || loop == NULL || sched == NULL)
    return ACT_EINVAL;
  if (rt->nattach_used >= rt->nattached)
    return ACT_EUNAVAIL;
  s = rt->scheds[rt->nthreads + rt->nattach_used];
  act__sched_attach(s, loop);
  *sched = s->index;
  rt->nattach_used++;
  return 0;
}

unsigned act_runtime_threads(const act_runtime_t *rt) { return rt->nthreads; }

/* Collect the ids of live actors with their supervisors, to send them exit
   signals without holding locks. */
typedef struct act__idvec {
  act_id_t *v;   /* ids */
  act_id_t *sup; /* their supervisors */
  size_t n, cap;
} act__idvec_t;

static void act__idvec_add(void *arg, uint64_t key, void *val) {
  act__idvec_t *iv = arg;
  act__actor_t *a = val;

  if (iv->n == iv->cap) {
    size_t cap = iv->cap ? iv->cap * 2 : 64;
    act_id_t *v = realloc(iv->v, cap * sizeof(*v));
    act_id_t *sup;
    if (v == NULL)
      return; /* those not signalled are stopped by the next phase */
    iv->v = v;
    sup = realloc(iv->sup, cap * sizeof(*sup));
    if (sup == NULL)
      return;
    iv->sup = sup;
    iv->cap = cap;
  }
  iv->v[iv->n] = key;
  iv->sup[iv->n] = a->supervisor;
  iv->n++;
}

/* Keep only the roots of the supervision tree: actors without a
   supervisor, or whose supervisor is not alive (it would never stop
   them). */
static void act__idvec_roots(act__idvec_t *iv) {
  act__map_t ids;
  size_t i, k = 0;

  act__map_init(&ids);
  for (i = 0; i < iv->n; i++)
    if (act__map_put(&ids, iv->v[i], iv) != 0)
      break; /* no memory: the roots known so far; phase 2 does the rest */
  for (i = 0; i < iv->n; i++)
    if (iv->sup[i] == 0 || act__map_get(&ids, iv->sup[i]) == NULL)
      iv->v[k++] = iv->v[i];
  iv->n = k;
  act__map_free(&ids);
}

static void act__idvec_add_val(void *arg, void *val) {
  act__idvec_add(arg, ((act__actor_t *)val)->id, val);
}

static void act__collect(act__sched_t *s, act__idvec_t *iv) {
  uv_mutex_lock(&s->lock);
  act__idtab_each(&s->table, act__idvec_add_val, iv);
  act__map_each(&s->incoming, act__idvec_add, iv);
  uv_mutex_unlock(&s->lock);
}

static void act__collect_all(act_runtime_t *rt, act__idvec_t *iv) {
  unsigned i;
  size_t j;

  for (i = 0; i < rt->nthreads + rt->nattached; i++)
    act__collect(rt->scheds[i], iv);
  uv_mutex_lock(&rt->ded_lock);
  if (rt->ded_table.slots != NULL) {
    for (j = 0; j <= rt->ded_table.mask; j++) {
      act__sched_t *s = rt->ded_table.slots[j].val;
      if (rt->ded_table.slots[j].key == 0)
        continue;
      uv_mutex_lock(&s->lock);
      act__idtab_each(&s->table, act__idvec_add_val, iv);
      uv_mutex_unlock(&s->lock);
    }
  }
  uv_mutex_unlock(&rt->ded_lock);
}

static int act__kill_from_outside(act_runtime_t *rt, act_id_t id,
                                  const char *reason, int untrap) {
  act__sched_t *cur = act__sched_current(rt);
  act__env_t *e = act__env_new(cur);
  int rc;

  if (e == NULL)
    return ACT_ENOMEM;
  e->sig = ACT__SIG_EXIT;
  e->type = ACT_MSG_EXIT;
  e->to = id;
  if (untrap)
    e->eflags |= ACT__E_UNTRAP;
  if (act__env_set_reason(e, reason) != 0) {
    act__env_free(cur, e);
    return ACT_ENOMEM;
  }
  rc = act__route(rt, cur, e);
  if (rc != 0)
    act__env_free(cur, e);
  return rc;
}

/* Wait until no actor lives or the deadline passes; 1 if none lives. When
   the caller runs an attached loop, that scheduler's actors are run here,
   since its loop cannot run while we wait. */
static int act__stop_wait(act_runtime_t *rt, uint64_t deadline_ms,
                          act__sched_t *inl) {
  int done;

  uv_mutex_lock(&rt->stop_lock);
  for (;;) {
    uint64_t now = act_runtime_now_ms();
    done = atomic_load(&rt->live) == 0;
    if (done || now >= deadline_ms)
      break;
    if (inl != NULL) {
      uv_mutex_unlock(&rt->stop_lock);
      while (act__sched_run(inl))
        ;
      uv_mutex_lock(&rt->stop_lock);
      if (atomic_load(&rt->live) == 0)
        continue;
      uv_cond_timedwait(&rt->stop_cond, &rt->stop_lock, 1000000u);
    } else {
      uv_cond_timedwait(&rt->stop_cond, &rt->stop_lock,
                        (deadline_ms - now) * 1000000u);
    }
  }
  uv_mutex_unlock(&rt->stop_lock);
  return done;
}

int act_runtime_stop(act_runtime_t *rt, uint32_t timeout_ms) {
  act__sched_t *inl = NULL;
  act__map_t signalled;
  uint64_t round_ms;
  act__idvec_t iv;
  uint64_t start, deadline;
  unsigned i;
  size_t j;
  int done, err = 0;

  if (rt == NULL)
    return ACT_EINVAL;
  /* From a scheduler thread (an actor's callback), the stop would wait for
     the very thread it blocks. */
  {
    act__sched_t *cur = act__sched_current(rt);
    if (cur != NULL && (!cur->attached || cur->in_run))
      return ACT_EINVAL;
  }
  for (i = rt->nthreads; i < rt->nthreads + rt->nattached; i++)
    if (rt->scheds[i]->attached && act__sched_on_loop_thread(rt->scheds[i]))
      inl = rt->scheds[i];
  if (!rt->started && inl == NULL && rt->nattach_used == 0 &&
      atomic_load(&rt->live) == 0)
    return 0;
  if (atomic_exchange(&rt->stopping, 1))
    return ACT_EUNAVAIL;
  start = act_runtime_now_ms();
  deadline = start + timeout_ms;

  /* Phase 1: the roots of the tree get a trappable "shutdown", so that
     supervisors stop their children in order. In rounds: an actor that
     named as its supervisor one that has gone without stopping it is a
     root in its turn. Rounds come quickly at first, then less often, so a
     slow shutdown of a big tree does not keep this thread busy. */
  memset(&iv, 0, sizeof(iv));
  act__map_init(&signalled);
  for (round_ms = 10;; round_ms = round_ms < 500 ? round_ms * 2 : 500) {
    uint64_t now = act_runtime_now_ms(), until;
    iv.n = 0;
    act__collect_all(rt, &iv);
    act__idvec_roots(&iv);
    for (j = 0; j < iv.n; j++) {
      if (act__map_get(&signalled, iv.v[j]) != NULL)
        continue;
      if (act__map_put(&signalled, iv.v[j], &iv) != 0)
        break;
      act__kill_from_outside(rt, iv.v[j], "shutdown", 0);
    }
    until = now + round_ms < start + timeout_ms / 2 ? now + round_ms
                                                    : start + timeout_ms / 2;
    done = act__stop_wait(rt, until, inl);
    if (done || until >= start + timeout_ms / 2)
      break;
  }
  act__map_free(&signalled);

  /* Phase 2: whatever still lives cannot refuse. */
  if (!done) {
    iv.n = 0;
    act__collect_all(rt, &iv);
    for (j = 0; j < iv.n; j++)
      act__kill_from_outside(rt, iv.v[j], "shutdown", 1);
    done = act__stop_wait(rt, deadline, inl);
  }
  free(iv.v);
  free(iv.sup);
  if (!done)
    err = ACT_ETIMEDOUT;

  /* The schedulers themselves. */
  for (i = 0; i < rt->nthreads; i++) {
    act__sched_t *s = rt->scheds[i];
    act__env_t *e;
    if (!s->started)
      continue;
    e = act__env_new(NULL);
    if (e == NULL) {
      /* Cannot allocate the message: set the flag and wake it. */
      s->quit = 1;
      uv_async_send(&s->async);
    } else {
      e->sig = ACT__SIG_QUIT;
      act__mpsc_push(&s->inbox, e);
      uv_async_send(&s->async);
    }
  }
  /* A thread whose actor never returns from a handler cannot be joined:
     after a grace second it is left running, and so is the runtime's
     memory (act_runtime_free then frees nothing). */
  for (i = 0; i < rt->nthreads; i++) {
    act__sched_t *s = rt->scheds[i];
    if (!s->started)
      continue;
    uv_mutex_lock(&rt->stop_lock);
    while (!s->exited && act_runtime_now_ms() < deadline + 1000)
      uv_cond_timedwait(&rt->stop_cond, &rt->stop_lock, 10000000u);
    uv_mutex_unlock(&rt->stop_lock);
    if (!s->exited) {
      rt->stuck = 1;
      err = ACT_ETIMEDOUT;
      continue;
    }
    uv_thread_join(&s->thread);
    s->started = 0;
  }
  for (i = rt->nthreads; i < rt->nthreads + rt->nattached; i++) {
    act__sched_t *s = rt->scheds[i];
    if (!s->attached || !s->started)
      continue;
    if (s == inl) {
      act__sched_detach(s);
    } else {
      act__env_t *e = act__env_new(NULL);
      if (e != NULL) {
        e->sig = ACT__SIG_QUIT;
        act__mpsc_push(&s->inbox, e);
        uv_async_send(&s->async);
      }
      uv_mutex_lock(&rt->stop_lock);
      while (!s->detached && act_runtime_now_ms() < deadline + 1000)
        uv_cond_timedwait(&rt->stop_cond, &rt->stop_lock, 10000000u);
      uv_mutex_unlock(&rt->stop_lock);
    }
    s->started = 0;
  }
  /* Dedicated schedulers finish by themselves once their actor is gone;
     one whose closed sockets are still flushing is woken to see that the
     runtime stops. */
  uv_mutex_lock(&rt->ded_lock);
  act__map_each(&rt->ded_table, act__ded_wake, NULL);
  uv_mutex_unlock(&rt->ded_lock);
  uv_mutex_lock(&rt->stop_lock);
  while (rt->ded_live > 0 && act_runtime_now_ms() < deadline)
    uv_cond_timedwait(&rt->stop_cond, &rt->stop_lock, 10000000u);
  uv_mutex_unlock(&rt->stop_lock);
  act__ded_join_done(rt);
  rt->started = 0;
  return err;
}

void act_runtime_free(act_runtime_t *rt) {
  unsigned i;

  if (rt == NULL || rt->stuck)
    return;
  /* Freeing a running runtime would pull memory from under its threads:
     stop it first (a no-op when it has stopped). */
  if (rt->started && act_runtime_stop(rt, 5000) != 0 && rt->stuck)
    return;
  act__ded_join_done(rt);
  if (rt->scheds != NULL) {
    for (i = 0; i < rt->nthreads + rt->nattached; i++) {
      act__sched_t *s = rt->scheds[i];
      if (s == NULL)
        continue;
      act__sched_free(s);
    }
    free(rt->scheds);
  }
  /* The schedulers are gone: every envelope carved from a block is free. */
  for (i = 0; i < rt->nblocks; i++)
    free(rt->blocks[i]);
  free(rt->blocks);
  uv_mutex_destroy(&rt->pool_lock);
  act__names_free(rt->names);
  act__net_runtime_free(rt);
  act__map_free(&rt->ded_table);
  act__map_free(&rt->bound_table);
  free(rt->plugins);
  uv_mutex_destroy(&rt->ded_lock);
  uv_mutex_destroy(&rt->names_lock);
  uv_mutex_destroy(&rt->plugins_lock);
  uv_mutex_destroy(&rt->stop_lock);
  uv_cond_destroy(&rt->stop_cond);
  pthread_rwlock_destroy(&rt->bound_lock);
  free(rt);
}

/* -------------------------------------------------------------- registry */

static int act__desc_ok(const act_plugin_t *desc) {
  return desc != NULL && desc->abi_version == ACT_ABI_VERSION &&
         desc->size >= offsetof(act_plugin_t, flags) && desc->handle != NULL &&
         act_name_valid(desc->name);
}

static act__plugin_ent_t *act__plugin_find(act_runtime_t *rt,
                                           const char *name) {
  unsigned i;

  for (i = 0; i < rt->nplugins; i++)
    if (strcmp(rt->plugins[i].desc->name, name) == 0)
      return &rt->plugins[i];
  return NULL;
}

int act_runtime_register(act_runtime_t *rt, const act_plugin_t *desc) {
  int err = 0;

  if (rt == NULL || !act__desc_ok(desc))
    return ACT_EINVAL;
  uv_mutex_lock(&rt->plugins_lock);
  if (act__plugin_find(rt, desc->name) != NULL) {
    err = ACT_EEXIST;
    goto out;
  }
  if (rt->nplugins == rt->capplugins) {
    unsigned cap = rt->capplugins ? rt->capplugins * 2 : 8;
    act__plugin_ent_t *v = realloc(rt->plugins, cap * sizeof(*v));
    if (v == NULL) {
      err = ACT_ENOMEM;
      goto out;
    }
    rt->plugins = v;
    rt->capplugins = cap;
  }
  rt->plugins[rt->nplugins].name = NULL;
  rt->plugins[rt->nplugins].desc = desc;
  rt->nplugins++;
out:
  uv_mutex_unlock(&rt->plugins_lock);
  return err;
}

int act_runtime_replace(act_runtime_t *rt, const act_plugin_t *desc) {
  act__plugin_ent_t *p;
  int err = 0;

  if (rt == NULL || !act__desc_ok(desc))
    return ACT_EINVAL;
  uv_mutex_lock(&rt->plugins_lock);
  p = act__plugin_find(rt, desc->name);
  if (p == NULL)
    err = ACT_ENOENT;
  else
    p->desc = desc;
  uv_mutex_unlock(&rt->plugins_lock);
  return err;
}

int act_runtime_unregister(act_runtime_t *rt, const char *name) {
  act__plugin_ent_t *p;
  int err = 0;

  if (rt == NULL || name == NULL)
    return ACT_EINVAL;
  uv_mutex_lock(&rt->plugins_lock);
  p = act__plugin_find(rt, name);
  if (p == NULL) {
    err = ACT_ENOENT;
  } else if (act_runtime_count(rt, p->desc) > 0) {
    err = ACT_EUNAVAIL;
  } else {
    *p = rt->plugins[--rt->nplugins];
  }
  uv_mutex_unlock(&rt->plugins_lock);
  return err;
}

const act_plugin_t *act_runtime_lookup(act_runtime_t *rt, const char *name) {
  act__plugin_ent_t *p;
  const act_plugin_t *d = NULL;

  if (rt == NULL || name == NULL)
    return NULL;
  uv_mutex_lock(&rt->plugins_lock);
  p = act__plugin_find(rt, name);
  if (p != NULL)
    d = p->desc;
  uv_mutex_unlock(&rt->plugins_lock);
  return d;
}

/* ------------------------------------------------------------ listings */

typedef struct act__list_ctx {
  void (*cb)(void *arg, const act_info_t *info);
  void *arg;
  const act_plugin_t *count_desc;
  unsigned count;
} act__list_ctx_t;

static void act__info_fill(act__actor_t *a, act_info_t *info) {
  memset(info, 0, sizeof(*info));
  info->id = a->id;
  info->name = a->name;
  info->plugin = a->desc->name;
  info->version = a->desc->version;
  info->desc = a->desc;
  info->status = ACT__RELAXED_LOAD(&a->status);
  info->supervisor = a->supervisor;
  info->restarts = a->restarts;
  info->mailbox = ACT__RELAXED_LOAD(&a->uq_len);
  info->started_ms = a->started_ms;
  info->messages_in = ACT__RELAXED_LOAD(&a->msgs_in);
  info->messages_out = ACT__RELAXED_LOAD(&a->msgs_out);
  info->sched = a->sched ? a->sched->index : -1;
  info->flags = a->flags;
}

static void act__list_one(void *arg, uint64_t key, void *val) {
  act__list_ctx_t *lc = arg;
  act__actor_t *a = val;
  act_info_t info;

  (void)key;
  if (lc->count_desc != NULL) {
    if (a->desc == lc->count_desc)
      lc->count++;
    return;
  }
  act__info_fill(a, &info);
  lc->cb(lc->arg, &info);
}

static void act__list_one_val(void *arg, void *val) {
  act__list_one(arg, 0, val);
}

static void act__list_all(act_runtime_t *rt, act__list_ctx_t *lc) {
  unsigned i;
  size_t j;

  for (i = 0; i < rt->nthreads + rt->nattached; i++) {
    act__sched_t *s = rt->scheds[i];
    uv_mutex_lock(&s->lock);
    act__idtab_each(&s->table, act__list_one_val, lc);
    act__map_each(&s->incoming, act__list_one, lc);
    uv_mutex_unlock(&s->lock);
  }
  uv_mutex_lock(&rt->ded_lock);
  if (rt->ded_table.slots != NULL)
    for (j = 0; j <= rt->ded_table.mask; j++) {
      act__sched_t *s = rt->ded_table.slots[j].val;
      if (rt->ded_table.slots[j].key == 0)
        continue;
      uv_mutex_lock(&s->lock);
      act__idtab_each(&s->table, act__list_one_val, lc);
      uv_mutex_unlock(&s->lock);
    }
  uv_mutex_unlock(&rt->ded_lock);
}

int act_runtime_list(act_runtime_t *rt,
                     void (*cb)(void *arg, const act_info_t *info),
                     void *arg) {
  act__list_ctx_t lc = { cb, arg, NULL, 0 };

  if (rt == NULL || cb == NULL)
    return ACT_EINVAL;
  act__list_all(rt, &lc);
  return 0;
}

unsigned act_runtime_count(act_runtime_t *rt, const act_plugin_t *desc) {
  act__list_ctx_t lc = { NULL, NULL, desc, 0 };

  if (rt == NULL || desc == NULL)
    return 0;
  act__list_all(rt, &lc);
  return lc.count;
}

int act_runtime_info(act_runtime_t *rt, act_id_t id,
                     void (*cb)(void *arg, const act_info_t *info),
                     void *arg) {
  act__sched_t *s;
  act__actor_t *a;
  act_info_t info;

  if (rt == NULL || cb == NULL)
    return ACT_EINVAL;
  a = act__find_locked(rt, id, &s);
  if (a == NULL)
    return ACT_ENOENT;
  act__info_fill(a, &info);
  cb(arg, &info);
  uv_mutex_unlock(&s->lock);
  return 0;
}

void act_runtime_stats(act_runtime_t *rt, act_stats_t *out) {
  unsigned i;

  memset(out, 0, sizeof(*out));
  for (i = 0; i < rt->nthreads + rt->nattached; i++) {
    act__sched_t *s = rt->scheds[i];
    out->messages += ACT__RELAXED_LOAD(&s->st_messages);
    out->dropped += ACT__RELAXED_LOAD(&s->st_dropped);
    out->wakeups += atomic_load_explicit(&s->st_wakeups, memory_order_relaxed);
    out->net_bytes_in += ACT__RELAXED_LOAD(&s->st_net_in);
    out->net_bytes_out += ACT__RELAXED_LOAD(&s->st_net_out);
  }
  out->net_bytes_in += atomic_load(&rt->done_net_in);
  out->net_bytes_out += atomic_load(&rt->done_net_out);
  out->listeners = atomic_load_explicit(&rt->net_listeners,
                                        memory_order_relaxed);
  out->connections = atomic_load_explicit(&rt->net_connections,
                                          memory_order_relaxed);
  out->accepted = atomic_load_explicit(&rt->net_accepted,
                                       memory_order_relaxed);
  out->messages += atomic_load(&rt->done_messages);
  out->dropped += atomic_load(&rt->done_dropped);
  out->wakeups += atomic_load(&rt->done_wakeups);
  out->spawned = atomic_load(&rt->spawned);
  out->actors = atomic_load(&rt->live);
  out->exited = out->spawned - out->actors;
  out->threads = rt->nthreads;
}

/* ----------------------------------------------------- from the outside */

int act_runtime_spawn(act_runtime_t *rt, const act_spawn_opts_t *opts,
                      act_id_t *id) {
  if (rt == NULL)
    return ACT_EINVAL;
  return act__spawn(rt, NULL, opts, id);
}

/* Is the id alive right now? (Checked under its scheduler's lock.) */
static int act__alive(act_runtime_t *rt, act_id_t id) {
  act__sched_t *s;

  if (act__find_locked(rt, id, &s) == NULL)
    return 0;
  uv_mutex_unlock(&s->lock);
  return 1;
}

static int act__send_outside(act_runtime_t *rt, act__env_t *e,
                             act__sched_t *cur) {
  int rc;

  if (!act__alive(rt, e->to)) {
    act__env_free(cur, e);
    return ACT_ENOENT;
  }
  rc = act__route(rt, cur, e);
  if (rc == ACT_ENOENT)
    act__env_free(cur, e);
  return rc;
}

int act_runtime_send(act_runtime_t *rt, act_id_t to, uint32_t tag,
                     const void *data, size_t len) {
  act__sched_t *cur;
  act__env_t *e;

  if (rt == NULL || to == 0 || (len > 0 && data == NULL))
    return ACT_EINVAL;
  cur = act__sched_current(rt);
  e = act__env_new(cur);
  if (e == NULL)
    return ACT_ENOMEM;
  e->sig = ACT__SIG_USER;
  e->type = ACT_MSG_USER;
  e->tag = tag;
  e->to = to;
  if (act__env_set_bytes(e, data, len) != 0) {
    act__env_free(cur, e);
    return ACT_ENOMEM;
  }
  return act__send_outside(rt, e, cur);
}

int act_runtime_send_json(act_runtime_t *rt, act_id_t to, uint32_t tag,
                          json_t *value) {
  act__sched_t *cur;
  act__env_t *e;

  if (value == NULL)
    return ACT_EINVAL;
  if (rt == NULL || to == 0) {
    json_decref(value);
    return ACT_EINVAL;
  }
  cur = act__sched_current(rt);
  e = act__env_new(cur);
  if (e == NULL) {
    json_decref(value);
    return ACT_ENOMEM;
  }
  e->sig = ACT__SIG_USER;
  e->type = ACT_MSG_USER;
  e->tag = tag;
  e->payload = ACT_PAYLOAD_JSON;
  e->u.json = value;
  e->to = to;
  return act__send_outside(rt, e, cur);
}

int act_runtime_kill(act_runtime_t *rt, act_id_t target, const char *reason) {
  if (rt == NULL || target == 0 || (reason != NULL && reason[0] == '\0'))
    return ACT_EINVAL;
  if (!act__alive(rt, target))
    return ACT_ENOENT;
  return act__kill_from_outside(rt, target, reason ? reason : "killed",
                                reason == NULL);
}

int act_runtime_upgrade(act_runtime_t *rt, act_id_t id,
                        const act_plugin_t *desc) {
  act__sched_t *cur;
  act__env_t *e;
  int rc;

  if (rt == NULL || id == 0 || !act__desc_ok(desc) ||
      desc->code_change == NULL)
    return ACT_EINVAL;
  if (!act__alive(rt, id))
    return ACT_ENOENT;
  cur = act__sched_current(rt);
  e = act__env_new(cur);
  if (e == NULL)
    return ACT_ENOMEM;
  e->sig = ACT__SIG_UPGRADE;
  e->type = ACT_MSG_SYSTEM;
  e->to = id;
  e->u.desc = desc;
  rc = act__route(rt, cur, e);
  if (rc != 0)
    act__env_free(cur, e);
  return rc;
}

int act_runtime_name_register(act_runtime_t *rt, const char *name,
                              act_id_t id) {
  if (rt == NULL || id == 0)
    return ACT_EINVAL;
  return act__names_register(rt, name, id);
}

int act_runtime_name_unregister(act_runtime_t *rt, const char *name) {
  if (rt == NULL)
    return ACT_EINVAL;
  return act__names_unregister(rt, name);
}

act_id_t act_runtime_whereis(act_runtime_t *rt, const char *name) {
  if (rt == NULL)
    return 0;
  return act__names_whereis(rt, name);
}

act_ctx_t *act_runtime_ctx(act_runtime_t *rt, act_id_t id) {
  act__sched_t *s;
  act__actor_t *a;
  unsigned slot;

  if (rt == NULL || id == 0 || !act__id_issued(rt, id))
    return NULL;
  slot = act__id_slot(rt, id);
  if (slot < rt->nthreads || slot >= rt->nthreads + rt->nattached)
    return NULL;
  s = rt->scheds[slot];
  if (!s->attached || !act__sched_on_loop_thread(s))
    return NULL;
  a = act__sched_lookup(s, id);
  if (a == NULL) {
    /* Spawned from this thread's outside code: it may still be incoming. */
    uv_mutex_lock(&s->lock);
    a = act__map_get(&s->incoming, id);
    uv_mutex_unlock(&s->lock);
  }
  if (a == NULL || (a->st & ACT__A_DEAD))
    return NULL;
  return &a->ctx;
}
