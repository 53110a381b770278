/*
 * actor/runtime.h - embedding the actor runtime of libactor.
 *
 * A program (actord, the benchmarks, a test) creates a runtime with N
 * scheduler threads, each running its own libuv loop, registers behaviours
 * (act_plugin_t descriptors, see actor/plugin.h) and spawns actors.
 *
 * Besides its own threads, a runtime can serve actors on loops that the
 * embedding program runs itself ("attached" schedulers): actord serves its
 * control-socket connections that way. An actor on an attached loop may use
 * its act_ctx_t (act_runtime_ctx) from any callback that runs on that loop,
 * not only from its own handlers: the thread is the same.
 *
 * Functions named act_runtime_* are thread-safe unless they say otherwise.
 * All return 0 or a negative act_errno_t (actor/error.h).
 *
 * How this runtime behaves where Erlang/OTP leaves room:
 *
 *   - Placement. act_spawn_opts_t.sched >= 0 picks a scheduler (a thread,
 *     or an attached loop); -1 with ACT_SPAWN_LOCAL (from inside an actor)
 *     keeps the child on its spawner's scheduler; otherwise the runtime
 *     deals actors round robin over its threads. Actors never move. Ids
 *     say where an actor lives (scheduler k of n hands out k+1, k+1+n, ...;
 *     n = threads + attached + 1, the last slot being for dedicated
 *     actors), so the first id is not necessarily 1.
 *   - ACT_SPAWN_DEDICATED: the actor gets a thread and loop of its own for
 *     its whole life, and may block there; only messages to it pay for
 *     finding that thread (a lookup under a mutex). ACT_SPAWN_LOCAL from a
 *     dedicated actor places the child like -1.
 *   - Sending to a dead actor: from outside (act_runtime_send, _kill) and
 *     from an actor on the same scheduler the send fails with ACT_ENOENT;
 *     from an actor on another scheduler it succeeds and the message is
 *     dropped on arrival (counted in act_stats_t.dropped), as in Erlang.
 *     An ask to a dead actor gets no reply: use a timeout, or a monitor.
 *   - Bounded mailboxes count user messages only. With the reject policy
 *     the count includes messages still travelling from other threads, so
 *     every sender, on any thread, is refused with ACT_EMBOXFULL once the
 *     cap is reached. drop_oldest and drop_newest act when a message
 *     arrives; the sender always succeeds. A timer message that meets a
 *     full mailbox is dropped.
 *   - Runtime messages (ACT_MSG_EXIT, DOWN, REPLY, TIMEOUT, STARTED) are
 *     queued ahead of user messages and never dropped by a mailbox policy;
 *     so a DOWN may arrive before user messages its actor sent just before
 *     it died.
 *   - A forwarded ask (act_forward of a message with ACT_MSG_F_ASK) keeps
 *     its asker and ref: the final receiver's reply goes to the asker.
 *   - A message's bytes up to 8 travel inside its envelope; larger ones in
 *     a reference-counted buffer shared by forwards. JSON is shared by
 *     reference, never serialized.
 */
#ifndef ACTOR_RUNTIME_H
#define ACTOR_RUNTIME_H

#include <stdint.h>
#include <uv.h>

#include "actor/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct act_runtime act_runtime_t;

/* ------------------------------------------------------------------ events */

typedef enum act_event_type {
  ACT_EV_SPAWN = 0, /* an actor started (its init succeeded) */
  ACT_EV_EXIT,      /* an actor exited (reason) */
  ACT_EV_RESTART,   /* a supervisor restarted a child (id = new id) */
  ACT_EV_FAILED     /* a child exceeded its restart intensity under a root
                       supervisor and is no longer restarted */
} act_event_type_t;

/* "spawn", "exit", "restart", "failed" */
const char *act_event_name(int type);

typedef struct act_event {
  int type;              /* act_event_type_t */
  uint64_t time_ms;      /* wall clock, milliseconds since the epoch */
  act_id_t id;           /* the actor */
  act_id_t old_id;       /* RESTART: the id it had before, else 0 */
  act_id_t supervisor;   /* its supervisor, or 0 */
  const char *name;      /* or NULL */
  const char *plugin;    /* the plugin's name */
  const char *reason;    /* EXIT, RESTART, FAILED: the exit reason; else NULL */
} act_event_t;

/* ----------------------------------------------------------------- options */

typedef struct act_runtime_opts {
  uint32_t size;     /* sizeof(act_runtime_opts_t) */
  unsigned threads;  /* scheduler threads; 0 = number of CPUs */
  unsigned attached; /* how many loops will be attached (act_runtime_attach) */
  unsigned budget;   /* messages an actor handles per turn; 0 = default */
  /* Called on the thread where it happens; must not block, may call the
     thread-safe act_runtime_* functions. All pointers borrowed. */
  void (*on_event)(void *arg, const act_event_t *ev);
  void (*on_log)(void *arg, act_id_t id, const char *name, int level,
                 const char *line);
  void *cb_arg;
  void *reserved[4];
} act_runtime_opts_t;

#define ACT_RUNTIME_OPTS_INIT { .size = sizeof(act_runtime_opts_t) }

int act_runtime_new(const act_runtime_opts_t *opts, act_runtime_t **rt);
/* Start the scheduler threads. */
int act_runtime_start(act_runtime_t *rt);
/* Serve actors on a loop the caller runs (up to opts.attached of them);
   *sched receives the scheduler index to put in act_spawn_opts_t.sched.
   Call before act_runtime_start, from the loop's thread. (The runtime's
   own threads block SIGPIPE, so that a socket whose peer has gone fails
   with ACT_NET_CLOSED; an attached loop's thread is the caller's: ignore
   or block SIGPIPE there if actors on it use sockets.) */
int act_runtime_attach(act_runtime_t *rt, uv_loop_t *loop, int *sched);
/* Orderly stop: every actor exits with "shutdown" (supervisors stop their
   children in reverse start order first), then the threads are joined and
   their loops closed. Call from outside any scheduler thread; while an
   attached loop has actors, its loop must keep running (the call waits for
   them on other threads: stop attached loops' actors first, or run the
   attached loop from another thread). */
int act_runtime_stop(act_runtime_t *rt, uint32_t timeout_ms);
/* (act_runtime_stop, continued.) It returns ACT_EINVAL when called from an
   actor's callback or a scheduler thread, ACT_ETIMEDOUT when actors were
   still alive at the timeout (a handler that never returns: its thread is
   then left running, and act_runtime_free frees nothing). Called from an
   attached loop's thread (in a libuv callback, not an actor's), it runs
   that loop's actors itself while it waits; afterwards the embedder runs
   that loop once more (uv_run) so the runtime's handles finish closing,
   before act_runtime_free. Stop order: every actor spawned without a
   supervisor first gets a trappable exit signal "shutdown" from id 0;
   whatever still lives after half the timeout gets an untrappable one. */
/* Free a stopped runtime. */
void act_runtime_free(act_runtime_t *rt);

unsigned act_runtime_threads(const act_runtime_t *rt);

/* --------------------------------------------------------------- behaviours */

/* Make a behaviour spawnable by name (act_spawn_opts_t.plugin). The
   descriptor is borrowed and must outlive its actors. ACT_EEXIST if the
   name is taken, ACT_EINVAL if the descriptor's ABI version or size is
   wrong. */
int act_runtime_register(act_runtime_t *rt, const act_plugin_t *desc);
/* Point an existing name at a new descriptor (deploy); old actors keep
   running their descriptor until moved. */
int act_runtime_replace(act_runtime_t *rt, const act_plugin_t *desc);
/* Move one live actor to desc (a newer version of its behaviour, same
   name) for hot upgrade: on the actor's own thread, between two messages,
   desc->code_change(ctx, old_state, old_version, &new_state) makes its new
   state, and it runs desc from then on (act_runtime_info shows the new
   desc). If code_change fails, the actor exits with
   "error:code_change: <strerror>" (without terminate: the old state was
   the callback's) and its supervisor restarts it, with the new version.
   ACT_EINVAL if desc has no code_change (restart the actor instead),
   ACT_ENOENT if the actor is dead. An actor of another behaviour ignores
   it. */
int act_runtime_upgrade(act_runtime_t *rt, act_id_t id,
                        const act_plugin_t *desc);
/* ACT_EUNAVAIL while actors of it live. */
int act_runtime_unregister(act_runtime_t *rt, const char *name);
const act_plugin_t *act_runtime_lookup(act_runtime_t *rt, const char *name);
/* Live actors of a behaviour (by descriptor). */
unsigned act_runtime_count(act_runtime_t *rt, const act_plugin_t *desc);

/* The built-in behaviours. */
extern const act_plugin_t act_supervisor_plugin; /* "supervisor" */

/* ------------------------------------------------------- from the outside */

int act_runtime_spawn(act_runtime_t *rt, const act_spawn_opts_t *opts,
                      act_id_t *id);
int act_runtime_send(act_runtime_t *rt, act_id_t to, uint32_t tag,
                     const void *data, size_t len);
int act_runtime_send_json(act_runtime_t *rt, act_id_t to, uint32_t tag,
                          json_t *value); /* value stolen */
/* An exit signal as act_kill() sends it; reason NULL = "killed". */
int act_runtime_kill(act_runtime_t *rt, act_id_t target, const char *reason);
int act_runtime_name_register(act_runtime_t *rt, const char *name,
                              act_id_t id);
int act_runtime_name_unregister(act_runtime_t *rt, const char *name);
act_id_t act_runtime_whereis(act_runtime_t *rt, const char *name);
/* Is name well-formed? ([A-Za-z_][A-Za-z0-9_.-]*, 1..ACT_NAME_MAX bytes) */
int act_name_valid(const char *name);

/* The context of an actor on an attached loop; only on that loop's thread.
   NULL if the id is not such an actor. */
act_ctx_t *act_runtime_ctx(act_runtime_t *rt, act_id_t id);
/* The loop of the scheduler running this actor (for built-in behaviours
   that do I/O on their scheduler: exec, isolation hosts, sockets). */
uv_loop_t *act_loop(act_ctx_t *ctx);
act_runtime_t *act_runtime_of(act_ctx_t *ctx);

/* --------------------------------------------------------- introspection */

typedef enum act_status {
  ACT_ST_RUNNING = 0, /* alive (handling or ready to handle messages) */
  ACT_ST_WAITING,     /* alive but suspended (messages queue up) */
  ACT_ST_STOPPING     /* asked to exit, finishing (terminate/shutdown) */
} act_status_t;

const char *act_status_name(int status); /* "running", "waiting", ... */

/* A snapshot of one live actor. Strings are valid only during the callback. */
typedef struct act_info {
  act_id_t id;
  const char *name;     /* or NULL */
  const char *plugin;   /* the descriptor's name */
  const char *version;  /* the descriptor's version */
  const act_plugin_t *desc;
  int status;           /* act_status_t */
  act_id_t supervisor;  /* or 0 */
  uint32_t restarts;
  uint64_t mailbox;     /* queued messages */
  uint64_t started_ms;  /* monotonic time (act_runtime_now_ms) of spawn */
  uint64_t messages_in, messages_out;
  int sched;            /* its scheduler; -1: a thread of its own */
  uint32_t flags;       /* the ACT_SPAWN_* flags it was spawned with */
} act_info_t;

/* Call cb for each live actor (under the schedulers' locks: cb must not call
   into the runtime). */
int act_runtime_list(act_runtime_t *rt,
                     void (*cb)(void *arg, const act_info_t *info), void *arg);
/* One actor; ACT_ENOENT when dead. cb as above. */
int act_runtime_info(act_runtime_t *rt, act_id_t id,
                     void (*cb)(void *arg, const act_info_t *info), void *arg);

/* Ask the target, on its own thread, for what only it can tell: the reply
   arrives at the calling actor as ACT_MSG_REPLY (msg->ref == *ref) with the
   JSON object {"links":[ids],"monitors":[ids],"trap_exit":bool,
   "messages_in":N,"messages_out":N,"data":<plugin inspect() or null>}, or
   ACT_MSG_DOWN-like failure as ACT_MSG_TIMEOUT / a reply {"error":"noproc"}
   when the target is dead. */
int act_inspect(act_ctx_t *ctx, act_id_t target, uint32_t timeout_ms,
                uint64_t *ref);

typedef struct act_stats {
  uint64_t actors;        /* live now */
  uint64_t spawned;       /* since start */
  uint64_t exited;
  uint64_t messages;      /* delivered */
  uint64_t dropped;       /* dropped by mailbox policies or to dead actors */
  uint64_t wakeups;       /* cross-thread wake-ups of sleeping loops */
  unsigned threads;
  uint64_t listeners;     /* listening sockets open now (one per scheduler
                             for a spreading listener) */
  uint64_t connections;   /* connected sockets open now (TCP and Unix) */
  uint64_t accepted;      /* connections accepted since start */
  uint64_t net_bytes_in, net_bytes_out; /* since start */
} act_stats_t;

void act_runtime_stats(act_runtime_t *rt, act_stats_t *out);
uint64_t act_runtime_now_ms(void); /* monotonic */

/* ------------------------------------------------------------- supervisor
 *
 * The built-in "supervisor" behaviour. Args (JSON object, all optional):
 *   "strategy": "one_for_one" | "one_for_all" | "rest_for_one" |
 *               "simple_one_for_one"                 (default one_for_one)
 *   "intensity": N, "period_ms": N                   (default 5 in 10000)
 *   "backoff_ms": [initial, max]                     (default none)
 *   "root": true      intensity exceeded => the child is marked "failed"
 *                     (event ACT_EV_FAILED) instead of the supervisor exiting
 *   "children": [SPEC...]                            started in order
 *   "template": SPEC  (simple_one_for_one: the spec start_child completes)
 *
 * A child SPEC is a JSON object: "plugin" (required), "name", "args",
 * "restart" ("permanent" | "transient" | "temporary"), "shutdown_ms"
 * (default 5000), "mailbox" ({"cap":N,"policy":"reject"|"drop_oldest"|
 * "drop_newest"}), "dedicated" (true: spawned with ACT_SPAWN_DEDICATED, on
 * a thread of its own), plus fields the runtime ignores and keeps (e.g.
 * "isolate").
 *
 * Requests, as asks with a JSON object; each reply is a JSON object, or
 * {"error":{"kind":"<act_err_kind>","message":"..."}}:
 *   {"start_child": SPEC}          -> {"id":N,"name":...}
 *   {"terminate_child": ID|NAME}   -> {}   stop it, forget its spec
 *   {"restart_child": ID|NAME}     -> {"id":N}  (also revives a failed one)
 *   {"which_children": true}       -> [{"id","name","plugin","status",
 *                                       "restart","restarts"}...] in start
 *                                     order; status "running", "restarting",
 *                                     "stopping" or "failed"
 * inspect() shows {"strategy",...,"children":[as which_children]}.
 */

#ifdef __cplusplus
}
#endif
#endif /* ACTOR_RUNTIME_H */
