/*
 * sched.c - schedulers: the loop each one runs, its inbox (the only way in
 * from other threads), its run queue, and message envelopes.
 *
 * A scheduler thread alternates between running actors and letting its
 * libuv loop poll. While there is work it polls without blocking, once per
 * quantum of messages, so timers and I/O are served; when there is none it
 * arms `sleeping`, checks the inbox once more and blocks in the loop.
 * Producers push onto the inbox first and look at `sleeping` second; the
 * consumer stores `sleeping` first and looks at the inbox second. Both are
 * sequentially consistent, so one of the two always sees the other: no
 * wake-up is lost, and only the producer that flips `sleeping` back to 0
 * pays for uv_async_send (the wake-ups coalesce).
 *
 * An attached loop (run by the embedder) gets the same work through a
 * prepare handle (run, then arm or keep an idle handle so the poll does not
 * block while work is left) and a check handle (run what the poll brought).
 */
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>

#include "rt.h"

/* The scheduler the calling thread runs, if any (one per thread). */
static __thread act__sched_t *act__tls_sched;

/* ------------------------------------------------------------------ inbox */

void act__mpsc_init(act__mpsc_t *q) {
  q->stub.next = NULL;
  atomic_store(&q->head, &q->stub);
  q->tail = &q->stub;
}

void act__mpsc_push(act__mpsc_t *q, act__env_t *e) {
  act__env_t *prev;

  __atomic_store_n(&e->next, NULL, __ATOMIC_RELAXED);
  prev = atomic_exchange(&q->head, e);
  __atomic_store_n(&prev->next, e, __ATOMIC_RELEASE);
}

act__env_t *act__mpsc_pop(act__mpsc_t *q) {
  act__env_t *tail = q->tail;
  act__env_t *next = __atomic_load_n(&tail->next, __ATOMIC_ACQUIRE);
  act__env_t *head;

  if (tail == &q->stub) {
    if (next == NULL)
      return NULL;
    q->tail = next;
    tail = next;
    next = __atomic_load_n(&tail->next, __ATOMIC_ACQUIRE);
  }
  if (next != NULL) {
    q->tail = next;
    return tail;
  }
  head = atomic_load(&q->head);
  /* A producer has exchanged the head but not linked its node yet: the
     queue is not empty, but the node cannot be taken before it is linked. */
  if (tail != head)
    return NULL;
  act__mpsc_push(q, &q->stub);
  next = __atomic_load_n(&tail->next, __ATOMIC_ACQUIRE);
  if (next != NULL) {
    q->tail = next;
    return tail;
  }
  return NULL;
}

int act__mpsc_pending(act__mpsc_t *q) {
  return atomic_load(&q->head) != &q->stub || q->tail != &q->stub;
}

/* -------------------------------------------------------------- envelopes */

/* Give s a batch of free envelopes: one from the pool, else a new block. */
static void act__env_refill(act__sched_t *s) {
  act_runtime_t *rt = s->rt;
  act__env_t *b, *e;
  unsigned i, n;

  uv_mutex_lock(&rt->pool_lock);
  b = rt->pool;
  if (b != NULL) {
    rt->pool = b->u.batch;
    uv_mutex_unlock(&rt->pool_lock);
    s->nfree += b->len;
    b->u.batch = NULL;
    s->free_envs = b;
    return;
  }
  if (rt->nblocks == rt->capblocks) {
    size_t cap = rt->capblocks ? rt->capblocks * 2 : 16;
    void **v = realloc(rt->blocks, cap * sizeof(*v));
    if (v == NULL) {
      uv_mutex_unlock(&rt->pool_lock);
      return;
    }
    rt->blocks = v;
    rt->capblocks = cap;
  }
  /* Small blocks first, so that a quiet runtime stays small; once traffic
     has needed many, huge-page blocks: one page fault and one TLB entry
     per 2 MiB instead of 512 of each, when messages pile up by the
     million. */
  if (rt->nblocks < ACT__SMALL_BLOCKS) {
    n = ACT__BLOCK;
    e = malloc(n * sizeof(*e));
  } else {
    n = ACT__HUGE / sizeof(*e);
    e = aligned_alloc(ACT__HUGE, ACT__HUGE);
    if (e != NULL)
      madvise(e, ACT__HUGE, MADV_HUGEPAGE);
  }
  if (e == NULL) {
    uv_mutex_unlock(&rt->pool_lock);
    return;
  }
  rt->blocks[rt->nblocks++] = e;
  uv_mutex_unlock(&rt->pool_lock);
  for (i = 0; i < n; i++) {
    e[i].block = 1;
    e[i].u.blob = NULL;
    e[i].next = i + 1 < n ? &e[i + 1] : s->free_envs;
  }
  s->free_envs = e;
  s->nfree += n;
}

/* Hand a batch of s's free envelopes back to the pool. */
static void act__env_spill(act__sched_t *s) {
  act__env_t *head = NULL, *e;
  unsigned n = 0, i;

  for (i = 0; i < ACT__BATCH && (e = s->free_envs) != NULL; i++) {
    s->free_envs = e->next;
    s->nfree--;
    if (!e->block) {
      free(e);
      continue;
    }
    e->next = head;
    head = e;
    n++;
  }
  if (head == NULL)
    return;
  head->len = n;
  uv_mutex_lock(&s->rt->pool_lock);
  head->u.batch = s->rt->pool;
  s->rt->pool = head;
  uv_mutex_unlock(&s->rt->pool_lock);
}

act__env_t *act__env_new(act__sched_t *s) {
  act__env_t *e;
  uint16_t block;

  if (s != NULL) {
    if (s->free_envs == NULL)
      act__env_refill(s);
    if ((e = s->free_envs) != NULL) {
      s->free_envs = e->next;
      s->nfree--;
      block = e->block;
      /* Everything but the inline buffer, written only when used. */
      memset(e, 0, offsetof(act__env_t, ibuf));
      e->block = block;
      return e;
    }
  }
  e = malloc(sizeof(*e));
  if (e == NULL)
    return NULL;
  memset(e, 0, offsetof(act__env_t, ibuf));
  return e;
}

void act__env_free(act__sched_t *s, act__env_t *e) {
  if (e->eflags & ACT__E_BLOB)
    act__blob_release(e->u.blob);
  else if (e->payload == ACT_PAYLOAD_JSON && e->u.json != NULL)
    json_decref(e->u.json);
  e->u.blob = NULL;
  if (s != NULL) {
    e->next = s->free_envs;
    s->free_envs = e;
    if (++s->nfree > ACT__FREE_MAX)
      act__env_spill(s);
    return;
  }
  /* Outside any scheduler, only envelopes of the outside world are freed
     (malloc'ed one by one); one carved from a block (left in an inbox at
     the end) stays in its block, which is freed with the runtime. */
  if (!e->block)
    free(e);
}

int act__env_set_bytes(act__env_t *e, const void *data, size_t len) {
  act__blob_t *b;

  if (len == 0) {
    e->payload = ACT_PAYLOAD_NONE;
    e->len = 0;
    return 0;
  }
  if (len > UINT32_MAX)
    return ACT_EINVAL;
  e->payload = ACT_PAYLOAD_BYTES;
  e->len = (uint32_t)len;
  if (len <= ACT__INLINE) {
    memcpy(e->ibuf, data, len);
    return 0;
  }
  b = malloc(sizeof(*b) + len);
  if (b == NULL)
    return ACT_ENOMEM;
  atomic_init(&b->refs, 1);
  b->pool = 0;
  b->len = len;
  memcpy(b->data, data, len);
  e->u.blob = b;
  e->eflags |= ACT__E_BLOB;
  return 0;
}

int act__env_set_reason(act__env_t *e, const char *reason) {
  size_t len = strlen(reason) + 1;
  act__blob_t *b;

  e->eflags |= ACT__E_REASON;
  e->len = (uint32_t)len;
  if (len <= ACT__INLINE) {
    memcpy(e->ibuf, reason, len);
    return 0;
  }
  b = malloc(sizeof(*b) + len);
  if (b == NULL) {
    e->eflags &= (uint8_t)~ACT__E_REASON;
    return ACT_ENOMEM;
  }
  atomic_init(&b->refs, 1);
  b->pool = 0;
  b->len = len;
  memcpy(b->data, reason, len);
  e->u.blob = b;
  e->eflags |= ACT__E_BLOB;
  return 0;
}

/* ------------------------------------------------------------- scheduling */

act__sched_t *act__sched_self(void) { return act__tls_sched; }

act__sched_t *act__sched_current(act_runtime_t *rt) {
  act__sched_t *s = act__tls_sched;

  return (s != NULL && s->rt == rt) ? s : NULL;
}

uint64_t act__sched_ref(act__sched_t *s) { return ++s->next_ref; }

void act__sched_ready(act__sched_t *s, act__actor_t *a) {
  if (a->st & ACT__A_QUEUED)
    return;
  a->st |= ACT__A_QUEUED;
  a->rq_next = NULL;
  if (s->rq_tail != NULL)
    s->rq_tail->rq_next = a;
  else
    s->rq_head = a;
  s->rq_tail = a;
}

void act__sched_wake(act__sched_t *s) {
  if (atomic_load(&s->sleeping) && atomic_exchange(&s->sleeping, 0)) {
    atomic_fetch_add_explicit(&s->st_wakeups, 1, memory_order_relaxed);
    uv_async_send(&s->async);
  }
}

void act__sched_post(act__sched_t *s, act__env_t *e) {
  act__mpsc_push(&s->inbox, e);
  act__sched_wake(s);
}

int act__sched_run(act__sched_t *s) {
  unsigned n = 0;
  act__env_t *e;
  act__actor_t *a;

  act__tls_sched = s;
  s->in_run = 1;
  while (n < ACT__QUANTUM && (e = act__mpsc_pop(&s->inbox)) != NULL) {
    act__deliver(s, e);
    n++;
  }
  n = 0;
  while (n < ACT__QUANTUM && (a = s->rq_head) != NULL) {
    s->rq_head = a->rq_next;
    if (s->rq_head == NULL) {
      s->rq_tail = NULL;
    } else {
      /* With many actors runnable, each turn starts with cache misses on
         the actor and its first message: fetch those of the next actor
         (whose struct the previous turn fetched) and the struct of the
         one after, while this one runs. */
      act__actor_t *next = s->rq_head;
      __builtin_prefetch(next->sq_head ? next->sq_head : next->uq_head);
      if (next->rq_next != NULL)
        __builtin_prefetch(next->rq_next);
    }
    a->rq_next = NULL;
    act__actor_turn(a);
    n++;
  }
  s->in_run = 0;
  return s->rq_head != NULL || act__mpsc_pending(&s->inbox);
}

static void act__sched_async_cb(uv_async_t *h) {
  /* Nothing to do here: the loop has woken up, and the scheduler's run
     (after uv_run returns, or in the check handle) takes the inbox. */
  (void)h;
}

/* ------------------------------------------------------------ thread loop */

static void act__sched_close_walk(uv_handle_t *h, void *arg) {
  (void)arg;
  if (!uv_is_closing(h))
    uv_close(h, NULL);
}

/* Close everything on a scheduler's own loop and drop what is left: the
   runtime has stopped (or the dedicated actor is gone). */
static void act__sched_teardown(act__sched_t *s) {
  act__env_t *e;

  /* Actors still here (a stop that timed out) are discarded. */
  while (s->table.count > 0) {
    act__actor_t *a = act__idtab_any(&s->table);
    uv_mutex_lock(&s->lock);
    act__table_del(s, a->id);
    uv_mutex_unlock(&s->lock);
    act__actor_discard(a);
  }
  uv_run(s->loop, UV_RUN_NOWAIT);
  while ((e = act__mpsc_pop(&s->inbox)) != NULL) {
    if (e->sig == ACT__SIG_SPAWN) {
      act__actor_t *a = e->u.actor;
      uv_mutex_lock(&s->lock);
      act__map_del(&s->incoming, a->id);
      uv_mutex_unlock(&s->lock);
      act__actor_discard(a);
    }
    act__env_free(s, e);
  }
  act__net_sched_close(s);
  uv_walk(s->loop, act__sched_close_walk, NULL);
  uv_run(s->loop, UV_RUN_DEFAULT);
  uv_loop_close(s->loop);
}

static int act__sched_spin(act__sched_t *s) {
  uint64_t until = uv_hrtime() + ACT__SPIN_NS;
  int i;

  do {
    for (i = 0; i < 64; i++) {
      if (act__mpsc_pending(&s->inbox))
        return 1;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
    /* When the thread that will answer shares this core, let it run. */
    sched_yield();
  } while (uv_hrtime() < until);
  return 0;
}

static void act__sched_thread(void *arg) {
  act__sched_t *s = arg;
  sigset_t pipe;

  /* A write to a peer that has gone fails with EPIPE (the socket's owner
     gets ACT_NET_CLOSED) instead of killing an embedder that did not
     ignore SIGPIPE; the signal is the writing thread's, so blocking it
     here is enough and leaves the process's disposition alone. */
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, NULL);
  act__tls_sched = s;
  for (;;) {
    int more = act__sched_run(s);

    if (s->quit)
      break;
    if (s->dedicated && s->table.count == 0 && s->incoming.count == 0 &&
        s->rq_head == NULL &&
        (s->net_linger == NULL || atomic_load(&s->rt->stopping))) {
      /* The one actor of a dedicated scheduler has gone (and the sockets
         it closed have sent what they had, unless the runtime stops): take
         the scheduler out of the routing table; what arrives after that
         point cannot reach it any more, and the teardown drops what did. */
      act__ded_finished(s);
      break;
    }
    if (more) {
      uv_run(s->loop, UV_RUN_NOWAIT);
      continue;
    }
    /* With sockets to serve, the next work comes from the poll more often
       than from the inbox, and the spin would only delay it. */
    if (s->net_open > 0)
      goto sleep;
    /* Out of work: watch the inbox a little before sleeping. An actor
       talking to one on another thread usually gets its answer within a
       few microseconds, and a wake-up through the kernel costs both
       threads far more than that. The spin is bounded, and only follows
       work, so an idle runtime still sleeps. */
    if (act__sched_spin(s))
      continue;
  sleep:
    atomic_store(&s->sleeping, 1);
    if (act__mpsc_pending(&s->inbox) || s->rq_head != NULL) {
      atomic_store(&s->sleeping, 0);
      continue;
    }
    uv_run(s->loop, UV_RUN_ONCE);
    atomic_store(&s->sleeping, 0);
  }
  act__sched_teardown(s);
  act__tls_sched = NULL;
  if (!s->dedicated) {
    uv_mutex_lock(&s->rt->stop_lock);
    s->exited = 1;
    uv_cond_broadcast(&s->rt->stop_cond);
    uv_mutex_unlock(&s->rt->stop_lock);
  }
}

int act__sched_new(act_runtime_t *rt, int index, act__sched_t **out) {
  act__sched_t *s;

  s = calloc(1, sizeof(*s));
  if (s == NULL)
    return ACT_ENOMEM;
  s->rt = rt;
  s->index = index;
  s->budget = rt->opts.budget ? rt->opts.budget : ACT__BUDGET_DEFAULT;
  act__mpsc_init(&s->inbox);
  atomic_init(&s->sleeping, 0);
  atomic_init(&s->next_seq, 0);
  atomic_init(&s->st_wakeups, 0);
  act__idtab_init(&s->table);
  act__map_init(&s->incoming);
  if (uv_mutex_init(&s->lock) != 0) {
    free(s);
    return ACT_ENOMEM;
  }
  *out = s;
  return 0;
}

/* Give the scheduler its own loop and wake-up handle (thread schedulers). */
static int act__sched_own_loop(act__sched_t *s) {
  if (uv_loop_init(&s->own_loop) != 0)
    return ACT_ENOMEM;
  s->loop = &s->own_loop;
  if (uv_async_init(s->loop, &s->async, act__sched_async_cb) != 0) {
    uv_loop_close(s->loop);
    s->loop = NULL;
    return ACT_ENOMEM;
  }
  return 0;
}

int act__sched_start_thread(act__sched_t *s) {
  int err;

  if (s->loop == NULL) {
    err = act__sched_own_loop(s);
    if (err != 0)
      return err;
  }
  if (uv_thread_create(&s->thread, act__sched_thread, s) != 0) {
    uv_close((uv_handle_t *)&s->async, NULL);
    uv_run(s->loop, UV_RUN_DEFAULT);
    uv_loop_close(s->loop);
    s->loop = NULL;
    return ACT_ENOMEM;
  }
  s->started = 1;
  return 0;
}

void act__sched_free(act__sched_t *s) {
  act__env_t *e;

  if (s == NULL)
    return;
  while ((e = act__mpsc_pop(&s->inbox)) != NULL)
    act__env_free(NULL, e);
  while ((e = s->free_envs) != NULL) {
    s->free_envs = e->next;
    if (!e->block)
      free(e);
  }
  act__net_sched_free(s);
  act__idtab_free(&s->table);
  act__map_free(&s->incoming);
  uv_mutex_destroy(&s->lock);
  free(s);
}

/* ---------------------------------------------------------- attached loop */

static void act__sched_idle_cb(uv_idle_t *h) {
  /* Its only purpose is to keep the poll from blocking while actors are
     runnable; the prepare handle does the work. */
  (void)h;
}

static void act__sched_prepare_cb(uv_prepare_t *h) {
  act__sched_t *s = h->data;

  if (s->quit)
    return;
  if (act__sched_run(s)) {
    uv_idle_start(&s->idle, act__sched_idle_cb);
    return;
  }
  uv_idle_stop(&s->idle);
  atomic_store(&s->sleeping, 1);
  if (act__mpsc_pending(&s->inbox) || s->rq_head != NULL) {
    atomic_store(&s->sleeping, 0);
    uv_idle_start(&s->idle, act__sched_idle_cb);
  }
}

static void act__sched_check_cb(uv_check_t *h) {
  act__sched_t *s = h->data;

  atomic_store(&s->sleeping, 0);
  if (s->quit)
    return;
  if (act__sched_run(s))
    uv_idle_start(&s->idle, act__sched_idle_cb);
}

int act__sched_attach(act__sched_t *s, uv_loop_t *loop) {
  s->loop = loop;
  s->attached = 1;
  s->loop_thread = uv_thread_self();
  uv_async_init(loop, &s->async, act__sched_async_cb);
  uv_prepare_init(loop, &s->prepare);
  uv_check_init(loop, &s->check);
  uv_idle_init(loop, &s->idle);
  s->async.data = s->prepare.data = s->check.data = s->idle.data = s;
  uv_prepare_start(&s->prepare, act__sched_prepare_cb);
  uv_check_start(&s->check, act__sched_check_cb);
  /* The runtime's handles do not keep the embedder's loop alive. */
  uv_unref((uv_handle_t *)&s->async);
  uv_unref((uv_handle_t *)&s->prepare);
  uv_unref((uv_handle_t *)&s->check);
  uv_unref((uv_handle_t *)&s->idle);
  act__tls_sched = s;
  s->started = 1;
  return 0;
}

static void act__sched_detach_close_cb(uv_handle_t *h) {
  act__sched_t *s = h->data;

  if (--s->closing_handles == 0) {
    uv_mutex_lock(&s->rt->stop_lock);
    s->detached = 1;
    uv_cond_broadcast(&s->rt->stop_cond);
    uv_mutex_unlock(&s->rt->stop_lock);
  }
}

/* Close the runtime's handles on an attached loop (on that loop's thread).
   Their close callbacks run at the loop's next iteration. */
void act__sched_detach(act__sched_t *s) {
  act__env_t *e;

  if (s->closing_handles > 0 || s->detached)
    return;
  s->quit = 1;
  while ((e = act__mpsc_pop(&s->inbox)) != NULL) {
    if (e->sig == ACT__SIG_SPAWN) {
      act__actor_t *a = e->u.actor;
      uv_mutex_lock(&s->lock);
      act__map_del(&s->incoming, a->id);
      uv_mutex_unlock(&s->lock);
      act__actor_discard(a);
    }
    act__env_free(s, e);
  }
  act__net_sched_close(s);
  s->closing_handles = 4;
  uv_close((uv_handle_t *)&s->async, act__sched_detach_close_cb);
  uv_close((uv_handle_t *)&s->prepare, act__sched_detach_close_cb);
  uv_close((uv_handle_t *)&s->check, act__sched_detach_close_cb);
  uv_close((uv_handle_t *)&s->idle, act__sched_detach_close_cb);
  if (act__tls_sched == s)
    act__tls_sched = NULL;
}

int act__sched_on_loop_thread(act__sched_t *s) {
  uv_thread_t self = uv_thread_self();

  return s->attached && uv_thread_equal(&self, &s->loop_thread);
}
