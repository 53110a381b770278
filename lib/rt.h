/*
 * rt.h - the runtime's own structures, shared by runtime.c (lifecycle,
 * registry, names, listings), sched.c (scheduler loops, inboxes, run
 * queues, envelopes) and actor.c (spawn, turns, signals, exit) and host.c
 * (the host table plugins call).
 *
 * Threading in one paragraph: an actor belongs to one scheduler for life and
 * only that scheduler's thread touches it, except for the fields marked
 * "shared" below, which other threads read under the scheduler's lock
 * (listings) or the name lock. Messages between schedulers travel through
 * the target scheduler's inbox, a lock-free multi-producer single-consumer
 * queue; everything else about an actor happens on its own thread.
 */
#ifndef ACT_RT_H
#define ACT_RT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <uv.h>

#include "actor/runtime.h"
#include "idtab.h"
#include "map.h"
#include "runtime-internal.h"

/* Payloads up to this many bytes (a counter, an index, a pointer) travel
   inside the envelope; larger ones in a shared blob. */
#define ACT__INLINE 8
/* Envelopes a scheduler keeps for reuse; beyond that it hands batches of
   ACT__BATCH back to the runtime's pool, where other schedulers take them
   (a consumer frees what a producer on another thread allocated). New
   envelopes are carved ACT__BLOCK at a time from one malloc. */
#define ACT__FREE_MAX 8192
#define ACT__BATCH 256
#define ACT__BLOCK 256
#define ACT__SMALL_BLOCKS 64
#define ACT__HUGE (2u << 20)
/* Messages a scheduler handles per loop iteration before it lets libuv poll
   for I/O and timers (without blocking) again. */
#define ACT__QUANTUM 4096
#define ACT__BUDGET_DEFAULT 64
/* How long an out-of-work scheduler thread watches its inbox before it
   sleeps in the kernel (see act__sched_spin). */
#define ACT__SPIN_NS 20000

typedef struct act__sched act__sched_t;
typedef struct act__actor act__actor_t;

/* An immutable, reference-counted byte buffer for payloads that do not fit
   in an envelope; shared by forwarded messages and timers. */
typedef struct act__blob {
  atomic_uint refs;
  uint32_t pool; /* a socket's full read buffer: back to a scheduler's
                    cache when released (net.c), not to free() */
  size_t len;
  char data[];
} act__blob_t;

_Static_assert(sizeof(act__blob_t) == 16, "a blob's header is 16 bytes");

/* Release a pool blob (net.c). */
void act__net_buf_put(act__blob_t *b);

/* What an envelope asks of its target. */
enum {
  ACT__SIG_USER = 0, /* an ACT_MSG_USER message: the user queue */
  ACT__SIG_MSG,      /* a finished runtime message (DOWN, REPLY, TIMEOUT,
                        STARTED) for handle(): the signal queue */
  ACT__SIG_EXIT,     /* an exit signal (link or kill) */
  ACT__SIG_LINK,     /* msg.from links itself to the target */
  ACT__SIG_UNLINK,
  ACT__SIG_MONITOR,  /* msg.from monitors the target under msg.ref */
  ACT__SIG_DEMONITOR,
  ACT__SIG_INSPECT,  /* msg.from wants the target's inspect JSON (msg.ref) */
  ACT__SIG_UPGRADE,  /* run u.desc from now on, through its code_change */
  ACT__SIG_NET,      /* an ACT_MSG_NET event of a socket (net.c): the user
                        queue, in order with user messages, but outside
                        the mailbox's cap and policy and its uq_len */
  ACT__SIG_SPAWN,    /* inbox only: a new actor for this scheduler */
  ACT__SIG_QUIT      /* inbox only: the scheduler should stop */
};

/* Envelope flags. */
#define ACT__E_REPLIED 0x1u /* an ask request already answered */
#define ACT__E_UNTRAP 0x2u  /* an exit signal that cannot be trapped */
#define ACT__E_LINKED 0x4u  /* an exit signal that comes through a link */
#define ACT__E_COUNTED 0x8u /* counted in the target's reject counter */
#define ACT__E_BLOB 0x10u   /* u.blob holds the payload or the reason */
#define ACT__E_REASON 0x20u /* carries a reason (EXIT, DOWN, STARTED) */

typedef struct act__env {
  struct act__env *next; /* mailbox, inbox or free list */
  act_id_t to;
  act_id_t from;
  uint64_t ref;
  uint8_t type;    /* act_msg_type_t */
  uint8_t payload; /* act_payload_t */
  uint8_t sig;
  uint8_t eflags;
  uint16_t flags;  /* ACT_MSG_F_* */
  uint8_t block;   /* carved from a block of the runtime's pool: never
                      given to free() on its own */
  uint8_t spare;
  uint32_t tag;
  uint32_t len;    /* payload bytes; the reason's size; a pool batch's
                      length */
  union {
    act__blob_t *blob;      /* payload or reason out of line (ACT__E_BLOB) */
    json_t *json;           /* ACT_PAYLOAD_JSON */
    act__actor_t *actor;    /* ACT__SIG_SPAWN */
    const act_plugin_t *desc; /* ACT__SIG_UPGRADE */
    struct act__env *batch; /* in the pool: the next batch */
  } u;
  char ibuf[ACT__INLINE]; /* a small payload or reason */
} act__env_t;

/* One cache line: a burst of a million messages touches half the memory
   an envelope holding a whole act_msg_t would. */
_Static_assert(sizeof(act__env_t) == 64, "an envelope is one cache line");

/* What handle() receives: built on the stack from the envelope, with the
   way back to it (for reply and forward). */
typedef struct act__view {
  act_msg_t msg;
  act__env_t *env;
} act__view_t;

static inline void act__blob_release(act__blob_t *b) {
  if (atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1) {
    if (b->pool)
      act__net_buf_put(b);
    else
      free(b);
  }
}

static inline const char *act__env_reason(const act__env_t *e) {
  if (!(e->eflags & ACT__E_REASON))
    return NULL;
  return (e->eflags & ACT__E_BLOB) ? e->u.blob->data : e->ibuf;
}

static inline const void *act__env_data(const act__env_t *e) {
  if (e->payload != ACT_PAYLOAD_BYTES)
    return NULL;
  return (e->eflags & ACT__E_BLOB) ? e->u.blob->data : e->ibuf;
}

static inline void act__view_fill(act__view_t *v, act__env_t *e) {
  v->env = e;
  v->msg.type = e->type;
  v->msg.payload = e->payload;
  v->msg.flags = e->flags;
  v->msg.tag = e->tag;
  v->msg.from = e->from;
  v->msg.ref = e->ref;
  v->msg.reason = act__env_reason(e);
  v->msg.data = act__env_data(e);
  v->msg.len = e->payload == ACT_PAYLOAD_BYTES ? e->len : 0;
  v->msg.json = e->payload == ACT_PAYLOAD_JSON ? e->u.json : NULL;
}

/* Vyukov's intrusive MPSC queue: producers exchange the head, the single
   consumer follows next pointers from the tail. */
typedef struct act__mpsc {
  _Alignas(64) act__env_t *_Atomic head;
  _Alignas(64) act__env_t *tail;
  act__env_t stub;
} act__mpsc_t;

/* The shared counter of a bounded "reject" mailbox, so that a sender on
   another thread can refuse a message before it travels. */
typedef struct act__bound {
  atomic_uint count; /* user messages queued or in flight */
  uint32_t cap;
} act__bound_t;

/* A set of (key, value) pairs of nonzero ids and refs: links (id -> id),
   monitors (ref -> id). A handful live in a small array; past
   ACT__KV_SMALL they move to a hash map, so that a supervisor with a
   hundred thousand children links and unlinks in constant time. */
#define ACT__KV_SMALL 8

typedef struct act__kv {
  uint64_t key, val;
} act__kv_t;

typedef struct act__kvset {
  act__kv_t *v;   /* small mode */
  uint32_t n, cap;
  act__map_t *map; /* large mode (v is then unused) */
} act__kvset_t;

int act__kv_put(act__kvset_t *s, uint64_t key, uint64_t val);
uint64_t act__kv_get(const act__kvset_t *s, uint64_t key); /* 0: none */
uint64_t act__kv_del(act__kvset_t *s, uint64_t key);       /* the value */
size_t act__kv_count(const act__kvset_t *s);
void act__kv_each(const act__kvset_t *s,
                  void (*cb)(void *arg, uint64_t key, uint64_t val),
                  void *arg);
void act__kv_free(act__kvset_t *s);

/* What most actors never need, allocated on first use. */
typedef struct act__extra {
  act__kvset_t links;    /* id -> id */
  act__kvset_t watchers; /* who monitors me: ref -> watcher */
  act__kvset_t mons;     /* whom I monitor: ref -> target */
  act__map_t timers;       /* timer id -> act__timer_t */
  act__map_t asks;         /* ask ref -> act__timer_t (timeout) or itself */
  act__map_t socks;        /* socket id -> act__sock_t (net.c) */
  act_sock_t adopted;      /* the connection a listener spawned it for */
} act__extra_t;

/* Actor states (bits of act__actor_t.st). */
#define ACT__A_QUEUED 0x1u  /* in the run queue or running */
#define ACT__A_INITED 0x2u  /* init() succeeded */
#define ACT__A_EXITING 0x4u /* exit requested: the next turn ends it */
#define ACT__A_TRAP 0x8u    /* trap_exit */
#define ACT__A_DEAD 0x10u   /* exited; freed when its handles have closed */
#define ACT__A_STARTED 0x20u /* init has run (successfully or not) */
#define ACT__A_INTURN 0x40u /* a callback of it is running */

struct act__actor {
  act_ctx_t ctx; /* first: a ctx is the actor */
  act_id_t id;
  const act_plugin_t *desc;
  void *state;
  act__sched_t *sched;
  act__env_t *uq_head, *uq_tail; /* user messages */
  act__env_t *sq_head, *sq_tail; /* signals and runtime messages */
  act__actor_t *rq_next;
  uint32_t uq_len;   /* shared (relaxed): listings read it */
  uint32_t flags;    /* ACT_SPAWN_* */
  uint16_t st;       /* ACT__A_* */
  uint8_t status;    /* shared (relaxed): act_status_t */
  uint8_t policy;    /* act_overflow_t */
  uint32_t cap;      /* 0 = unbounded */
  uint32_t restarts;
  uint32_t handles;  /* libuv handles still open */
  act_id_t supervisor;
  act_id_t spawner;
  char *name;        /* shared: written under the name and scheduler locks */
  char *exit_reason; /* set by act_exit() */
  act__extra_t *x;
  act__bound_t *bound;
  uint64_t started_ms;
  uint64_t msgs_in, msgs_out; /* shared (relaxed) */
};

struct act__sched {
  act_runtime_t *rt;
  int index;     /* in rt->scheds; -1 for a dedicated scheduler */
  int attached;  /* runs on a loop of the embedder */
  int dedicated; /* the thread of one ACT_SPAWN_DEDICATED actor */
  uv_loop_t *loop;
  uv_loop_t own_loop;
  uv_thread_t thread;
  uv_thread_t loop_thread; /* the thread that runs the loop */
  uv_async_t async;
  uv_prepare_t prepare; /* attached loops only */
  uv_check_t check;
  uv_idle_t idle;
  int closing_handles; /* handles of the scheduler still closing */

  act__mpsc_t inbox;
  _Alignas(64) atomic_int sleeping; /* armed: wake me with uv_async_send */
  _Alignas(64) atomic_uint_fast64_t next_seq; /* ids: index+1 + n*seq */

  act__actor_t *rq_head, *rq_tail;
  unsigned budget;
  act__env_t *free_envs;
  unsigned nfree;
  uint64_t next_ref; /* refs (asks, monitors, timers): unique per scheduler */
  int quit;
  int in_run;  /* inside act__sched_run (actor callbacks may be running) */
  int exited;  /* its thread has finished (under rt->stop_lock) */
  int started; /* its thread runs (or its loop is attached) */
  act_id_t ded_id; /* dedicated: the one actor */

  uv_mutex_t lock;  /* changes of table; readers from other threads */
  act__idtab_t table; /* id seq -> act__actor_t, its own thread reads it
                          freely */
  act__map_t incoming; /* id -> act__actor_t spawned by other threads and not
                          yet taken in: listings and liveness checks from
                          other threads (under lock) see them at once */
  int detached; /* attached: its handles are closed */

  /* Sockets (net.c), all touched by this scheduler's thread only: free
     write requests, one spare read buffer (what the last read did not
     use), sockets closed by their owner that still flush their queue, and
     how many sockets have a handle on this loop (a scheduler serving
     sockets sleeps in the poll at once instead of spinning on its inbox). */
  struct act__wreq *net_wreqs;
  unsigned net_nwreqs;
  act__blob_t *net_bufs; /* free full-size read buffers */
  unsigned net_nbufs;
  struct act__sock *net_linger;
  unsigned net_open;

  /* Counters: written by the owner, read by anyone (relaxed). */
  uint64_t st_messages, st_dropped, st_exited;
  uint64_t st_net_in, st_net_out;
  atomic_uint_fast64_t st_wakeups;

  act__sched_t *ded_next; /* finished dedicated schedulers to join */
};

typedef struct act__plugin_ent {
  char *name;
  const act_plugin_t *desc;
} act__plugin_ent_t;

struct act_runtime {
  act_runtime_opts_t opts;
  unsigned nthreads;  /* scheduler threads */
  unsigned nattached; /* attachable loops */
  unsigned nslots;    /* id space: threads + attached + 1 (dedicated) */
  uint64_t slots_magic; /* for act__id_slot/act__id_seq without a divide */
  unsigned nattach_used;
  act__sched_t **scheds; /* [nthreads + nattached] */
  int started;
  int stuck; /* a scheduler thread never finished: the runtime is leaked */
  atomic_int stopping;
  atomic_uint rr; /* round-robin placement */

  /* Dedicated schedulers, one per ACT_SPAWN_DEDICATED actor, found by id. */
  uv_mutex_t ded_lock;
  act__map_t ded_table; /* id -> act__sched_t */
  atomic_uint_fast64_t ded_seq;
  act__sched_t *ded_done; /* finished, to be joined */
  unsigned ded_live;

  uv_mutex_t names_lock;
  void *names; /* act__names_t (runtime.c) */

  pthread_rwlock_t bound_lock;
  act__map_t bound_table; /* id -> act__bound_t, reject mailboxes */
  atomic_uint nbound;

  uv_mutex_t plugins_lock;
  act__plugin_ent_t *plugins;
  unsigned nplugins, capplugins;

  /* Free envelopes shared between schedulers, in batches, and the blocks
     they were carved from (freed with the runtime). */
  uv_mutex_t pool_lock;
  act__env_t *pool;
  void **blocks;
  size_t nblocks, capblocks;

  /* Counters of dedicated schedulers that have finished. */
  atomic_uint_fast64_t done_messages, done_dropped, done_exited, done_wakeups;
  atomic_uint_fast64_t done_net_in, done_net_out;

  /* Network (net.c): the addresses this runtime listens on (a second
     listen on one is refused, since SO_REUSEPORT would let it share the
     port silently), socket ids, and the socket counters of act_stats_t. */
  uv_mutex_t net_lock;
  struct act__listen *net_listens;
  uint64_t net_next_group;
  atomic_uint_fast64_t net_seq;
  atomic_uint_fast64_t net_listeners, net_connections, net_accepted;

  /* Live actors, for stop to wait on. */
  atomic_uint_fast64_t live, spawned;
  uv_mutex_t stop_lock;
  uv_cond_t stop_cond;
};

extern const act_host_t act__host;

static inline act__actor_t *act__actor_of(act_ctx_t *ctx) {
  return (act__actor_t *)ctx;
}

/* The envelope of a message handed to handle(). */
static inline act__env_t *act__env_of(const act_msg_t *m) {
  return ((const act__view_t *)(const void *)m)->env;
}

/* The scheduler slot an id belongs to; nslots - 1 means dedicated. Every
   send asks, so ids below 2^32 use Lemire's division by multiplication
   (slots_magic = 2^64 / nslots + 1) instead of a divide instruction. */
static inline unsigned act__id_slot(const act_runtime_t *rt, act_id_t id) {
  uint64_t x = id - 1;

  if (x >> 32)
    return (unsigned)(x % rt->nslots);
  return (unsigned)(((__uint128_t)(rt->slots_magic * x) * rt->nslots) >> 64);
}

/* The sequence number of an id within its slot. */
static inline uint64_t act__id_seq(const act_runtime_t *rt, act_id_t id) {
  uint64_t x = id - 1;

  if (x >> 32)
    return x / rt->nslots;
  return (uint64_t)(((__uint128_t)rt->slots_magic * x) >> 64);
}

static inline act__actor_t *act__table_get(act__sched_t *s, act_id_t id) {
  return act__idtab_get(&s->table, act__id_seq(s->rt, id));
}
static inline int act__table_put(act__sched_t *s, act__actor_t *a) {
  return act__idtab_put(&s->table, act__id_seq(s->rt, a->id), a);
}
static inline void act__table_del(act__sched_t *s, act_id_t id) {
  act__idtab_del(&s->table, act__id_seq(s->rt, id));
}

#define ACT__RELAXED_LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define ACT__RELAXED_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define ACT__RELAXED_INC(p) \
  __atomic_store_n((p), __atomic_load_n((p), __ATOMIC_RELAXED) + 1, \
                   __ATOMIC_RELAXED)

/* ---- sched.c */
void act__mpsc_init(act__mpsc_t *q);
void act__mpsc_push(act__mpsc_t *q, act__env_t *e);
act__env_t *act__mpsc_pop(act__mpsc_t *q);
int act__mpsc_pending(act__mpsc_t *q);

/* Envelopes: from s's free list when s is the calling thread's scheduler,
   else from malloc (s NULL). */
act__env_t *act__env_new(act__sched_t *s);
void act__env_free(act__sched_t *s, act__env_t *e);
/* Copy bytes into e (inline or a new blob). 0 or ACT_ENOMEM. */
int act__env_set_bytes(act__env_t *e, const void *data, size_t len);
/* A NUL-terminated string as msg.reason. */
int act__env_set_reason(act__env_t *e, const char *reason);

int act__sched_new(act_runtime_t *rt, int index, act__sched_t **out);
void act__sched_free(act__sched_t *s);
int act__sched_start_thread(act__sched_t *s);
int act__sched_attach(act__sched_t *s, uv_loop_t *loop);
/* Close the runtime's handles on an attached loop (that loop's thread);
   their close callbacks run at the loop's next iteration. */
void act__sched_detach(act__sched_t *s);
int act__sched_on_loop_thread(act__sched_t *s);
/* Hand e to scheduler s from another thread (or from outside). */
void act__sched_post(act__sched_t *s, act__env_t *e);
void act__sched_wake(act__sched_t *s);
/* Put a on its scheduler's run queue (its own thread). */
void act__sched_ready(act__sched_t *s, act__actor_t *a);
/* Run the scheduler's work once (its own thread); nonzero if work is left. */
int act__sched_run(act__sched_t *s);
/* The scheduler of the calling thread for rt, or NULL. */
act__sched_t *act__sched_current(act_runtime_t *rt);
/* The scheduler of the calling thread (of any runtime), or NULL. */
act__sched_t *act__sched_self(void);
uint64_t act__sched_ref(act__sched_t *s);

/* ---- actor.c */
/* Route e (its msg.from/to/ref and sig set) from scheduler `from` (NULL: an
   outside thread). For a user message to an actor that is known dead at
   once, returns ACT_ENOENT and leaves e to the caller; otherwise e is
   consumed and 0 or ACT_EMBOXFULL (e freed) is returned. */
int act__route(act_runtime_t *rt, act__sched_t *from, act__env_t *e);
/* Deliver e that arrived at s (its own thread). */
void act__deliver(act__sched_t *s, act__env_t *e);
/* Run one turn of a (its own thread). */
void act__actor_turn(act__actor_t *a);
int act__spawn(act_runtime_t *rt, act__actor_t *spawner,
               const act_spawn_opts_t *opts, act_id_t *id);
/* Make a exit with reason at its next turn (its own thread). */
void act__actor_exit_later(act__actor_t *a, const char *reason, int force);
act__extra_t *act__actor_extra(act__actor_t *a);
/* A libuv handle of a finished closing (its own thread). */
void act__actor_handle_closed(act__actor_t *a);
act__actor_t *act__sched_lookup(act__sched_t *s, act_id_t id);
/* Free what an actor that never ran holds (spawn failed, or stop). */
void act__actor_discard(act__actor_t *a);
void act__timers_close(act__actor_t *a);
int act__link_add(act__actor_t *a, act_id_t id);
/* 1 if the link was there. */
int act__link_del(act__actor_t *a, act_id_t id);
int act__mon_add(act__kvset_t *m, uint64_t ref, act_id_t id);
/* The id recorded with ref (and id, unless 0), removed; 0 if none. */
act_id_t act__mon_del(act__kvset_t *m, uint64_t ref, act_id_t id);
/* Record a pending ask (with its timeout timer, if any) / forget it. */
int act__ask_track(act__actor_t *a, uint64_t ref, uint32_t timeout_ms);
void act__ask_untrack(act__actor_t *a, uint64_t ref);
void act__timers_close_all(act__actor_t *a);
/* The JSON act_inspect replies with (new reference). */
json_t *act__actor_inspect_json(act__actor_t *a);

/* Append a socket event to a's user queue (its own thread), past its
   mailbox's cap and policy, and make it runnable: no inbox, no wake-up. */
void act__enqueue_net(act__actor_t *a, act__env_t *e);

/* ---- net.c */
/* How long a closed socket lingers without progress (ms; tests shorten
   it). */
extern unsigned act__net_linger_ms;
int act__net_listen(act_ctx_t *ctx, const char *address, int port,
                    const act_net_opts_t *opts, act_sock_t *sock);
int act__net_connect(act_ctx_t *ctx, const char *address, int port,
                     const act_net_opts_t *opts, act_sock_t *sock);
act_sock_t act__net_adopted(act_ctx_t *ctx);
int act__net_write(act_ctx_t *ctx, act_sock_t sock, const void *data,
                   size_t len);
int act__net_write_msg(act_ctx_t *ctx, act_sock_t sock, const act_msg_t *msg);
int act__net_pause(act_ctx_t *ctx, act_sock_t sock, int paused);
int act__net_shutdown(act_ctx_t *ctx, act_sock_t sock);
int act__net_close(act_ctx_t *ctx, act_sock_t sock);
int act__net_info(act_ctx_t *ctx, act_sock_t sock, act_sock_info_t *info);
/* Is the socket of this event still a's (not closed by it)? Nothing is
   delivered of a socket after its close. */
int act__net_deliverable(act__actor_t *a, act__env_t *e);
/* An event of a was handled: DATA bytes no longer count against the
   socket's read bound; a failed socket's last event forgets its id. */
void act__net_handled(act__actor_t *a, act__env_t *e);
/* a's init succeeded: its adopted connection starts reading. */
void act__net_started(act__actor_t *a);
/* a exits: close its sockets at once and give back its listened
   addresses (before its exit signals go out). */
void act__net_actor_exit(act__actor_t *a);
/* Bytes of ACT_NET_DATA of this socket of the calling actor still in its
   mailbox or being handled (what the read bound limits); 0 if not its. */
uint64_t act__net_unread(act_ctx_t *ctx, act_sock_t sock);
/* The "sockets" array of a's inspect JSON (new reference). */
json_t *act__net_inspect(act__actor_t *a);
/* The scheduler's loop is ending: close the sockets still flushing. */
void act__net_sched_close(act__sched_t *s);
/* Free the scheduler's spare buffers and requests (loop closed). */
void act__net_sched_free(act__sched_t *s);
int act__net_runtime_init(act_runtime_t *rt);
void act__net_runtime_free(act_runtime_t *rt);

/* ---- runtime.c */
int act__names_register(act_runtime_t *rt, const char *name, act_id_t id);
int act__names_unregister(act_runtime_t *rt, const char *name);
act_id_t act__names_whereis(act_runtime_t *rt, const char *name);
/* Remove the actor's name at its exit (its own thread). */
void act__names_drop(act_runtime_t *rt, act__actor_t *a);
/* Copy the actor's name (or "") into buf. */
void act__names_copy(act_runtime_t *rt, act__actor_t *a, char *buf,
                     size_t size);
void act__stop_notify(act_runtime_t *rt);
void act__log(act_runtime_t *rt, act__actor_t *a, int level,
              const char *line);
/* Does the id belong to an actor that was ever spawned? */
int act__id_issued(act_runtime_t *rt, act_id_t id);
int act__ded_new(act_runtime_t *rt, act__actor_t *a);
int act__names_bind(act_runtime_t *rt, const char *name, act_id_t id);
void act__ded_finished(act__sched_t *s);
int act__bound_check(act_runtime_t *rt, act_id_t id, act__env_t *e);

#endif /* ACT_RT_H */
