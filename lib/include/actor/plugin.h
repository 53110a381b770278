/*
 * actor/plugin.h - the plugin ABI of libactor.
 *
 * A plugin is a shared object that exports exactly one symbol, ACT_PLUGIN_SYMBOL
 * ("act_plugin"): a const act_plugin_t descriptor. The host (actord, or any
 * program embedding the runtime) hands the plugin a table of functions through
 * every act_ctx_t, so a plugin never links against symbols of the daemon.
 * Build one with:
 *
 *     cc -shared -fPIC $(pkg-config --cflags libactor) my.c -o my.so
 *
 * Ownership of json_t values that cross this boundary, in jansson's words:
 *   - "borrowed": the callee must not json_decref it; json_incref to keep it.
 *   - "stolen":   the callee takes the caller's reference (even on error).
 *   - "new":      the caller receives a reference and must json_decref it.
 * Each function below says which.
 *
 * Threading: callbacks of one actor never run on two threads at once, and
 * every host function taking an act_ctx_t must be called from inside a
 * callback of that actor (init, handle, terminate, code_change), never from
 * another thread. Rule (as libuv's): when a function returns an error, it has
 * had no effect, and nothing it would have delivered will be delivered.
 */
#ifndef ACTOR_PLUGIN_H
#define ACTOR_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <jansson.h>

#include "actor/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped on any incompatible change of act_plugin_t, act_host_t or act_msg_t. */
#define ACT_ABI_VERSION 1
#define ACT_PLUGIN_SYMBOL "act_plugin"

/* Names: [A-Za-z_][A-Za-z0-9_.-]*, at most ACT_NAME_MAX bytes. */
#define ACT_NAME_MAX 64

typedef uint64_t act_id_t; /* an actor id: positive, never reused; 0 = none */

typedef struct act_host act_host_t;
typedef struct act_msg act_msg_t;
typedef struct act_plugin act_plugin_t;

/*
 * The context of the running actor. The runtime's actor structure starts
 * with this; plugins see only the host table.
 */
typedef struct act_ctx {
  const act_host_t *host;
} act_ctx_t;

/* ---------------------------------------------------------------- messages */

typedef enum act_msg_type {
  ACT_MSG_USER = 0, /* an ordinary message (send, ask request, timer) */
  ACT_MSG_EXIT,     /* a linked actor exited; only with trap_exit on */
  ACT_MSG_DOWN,     /* a monitored actor exited (ref = the monitor) */
  ACT_MSG_REPLY,    /* the reply to this actor's ask (ref = the ask) */
  ACT_MSG_TIMEOUT,  /* this actor's ask got no reply in time (ref = the ask) */
  ACT_MSG_STARTED,  /* an actor this one spawned with ACT_SPAWN_NOTIFY ran its
                       init (from = its id): reason NULL if init succeeded,
                       else the reason it exited with */
  ACT_MSG_SYSTEM,   /* runtime-internal; plugins never see it */
  ACT_MSG_NET       /* an event of a socket this actor owns: tag is the
                       act_net_event_t, ref the socket (see "network") */
} act_msg_type_t;

typedef enum act_payload {
  ACT_PAYLOAD_NONE = 0,
  ACT_PAYLOAD_BYTES, /* data/len: raw bytes, immutable */
  ACT_PAYLOAD_JSON   /* json: a JSON value, immutable (do not modify it) */
} act_payload_t;

/* Tag 0 is what messages from the control socket carry. */
#define ACT_TAG_JSON 0u

/*
 * A message as a handler sees it. Valid only during the handle() call that
 * receives it (the runtime recycles it afterwards); copy what you keep, or
 * json_incref the JSON payload. Messages are immutable: never write to one.
 */
struct act_msg {
  uint8_t type;       /* act_msg_type_t */
  uint8_t payload;    /* act_payload_t */
  uint16_t flags;     /* ACT_MSG_F_* */
  uint32_t tag;       /* user-defined; ACT_TAG_JSON from the control socket */
  act_id_t from;      /* the sender, or 0 (control socket, timer) */
  uint64_t ref;       /* nonzero: a request awaiting a reply (USER), or the
                         ask/monitor this REPLY/TIMEOUT/DOWN belongs to */
  const char *reason; /* EXIT and DOWN: "normal", "killed", "error:..." */
  const void *data;   /* BYTES */
  size_t len;         /* BYTES */
  json_t *json;       /* JSON, borrowed */
};

#define ACT_MSG_F_ASK 0x1u /* the sender waits for act_reply() */

/* ------------------------------------------------------------------- spawn */

typedef enum act_restart {
  ACT_RESTART_PERMANENT = 0, /* always restarted (the default) */
  ACT_RESTART_TRANSIENT,     /* restarted after an abnormal exit only */
  ACT_RESTART_TEMPORARY      /* never restarted */
} act_restart_t;

typedef enum act_overflow {
  ACT_OVERFLOW_REJECT = 0, /* the sender gets ACT_EMBOXFULL */
  ACT_OVERFLOW_DROP_OLDEST,
  ACT_OVERFLOW_DROP_NEWEST
} act_overflow_t;

#define ACT_SPAWN_LINK 0x1u      /* link the new actor to the spawner */
#define ACT_SPAWN_LOCAL 0x2u     /* run on the spawner's scheduler */
#define ACT_SPAWN_DEDICATED 0x4u /* run on a thread of its own (may block) */
#define ACT_SPAWN_TRAP_EXIT 0x8u /* start with trap_exit on */
#define ACT_SPAWN_NOTIFY 0x10u   /* tell the spawner when init is done
                                    (ACT_MSG_STARTED) */
#define ACT_SPAWN_HIDDEN 0x20u   /* host-internal: flagged in listings */

typedef struct act_spawn_opts {
  uint32_t size;              /* sizeof(act_spawn_opts_t) */
  uint32_t flags;             /* ACT_SPAWN_* */
  const char *plugin;         /* a registered plugin, by name ... */
  const act_plugin_t *desc;   /* ... or a descriptor (embedders) */
  const char *name;           /* register under this name, or NULL */
  json_t *args;               /* borrowed; handed to init(); may be NULL */
  act_id_t supervisor;        /* shown as the actor's supervisor (0: none);
                                 the supervisor links itself, this only
                                 records the relation for list/tree */
  uint32_t restarts;          /* restart count to show (set by supervisors) */
  uint32_t mailbox_cap;       /* 0 = unbounded */
  uint8_t mailbox_policy;     /* act_overflow_t */
  int sched;                  /* scheduler index, or -1 = the runtime picks */
  void *reserved[4];
} act_spawn_opts_t;

#define ACT_SPAWN_OPTS_INIT                                                  \
  { .size = sizeof(act_spawn_opts_t), .sched = -1 }

/* ----------------------------------------------------------------- network
 *
 * Sockets (TCP over IPv4 and IPv6, Unix stream sockets) owned by one actor
 * and served by the loop of that actor's scheduler: non-blocking and event
 * driven, nothing shared with other threads. Only the owner may use a socket;
 * when the owner exits, its sockets are closed at once (unsent bytes are
 * discarded: call act_net_close first to have them sent).
 *
 * Addresses: an IPv4 or IPv6 literal ("127.0.0.1", "::1", "[::1]",
 * "0.0.0.0", "::"), "localhost" (127.0.0.1), or "unix:PATH" for a Unix
 * stream socket (port ignored). Anything else is ACT_EINVAL; ports are
 * 0..65535 (0 on listen: the kernel picks one; act_net_info tells which).
 *
 * Events arrive as messages of type ACT_MSG_NET on the owner's ordinary turn,
 * in order with its other messages, and are never refused or dropped by a
 * mailbox cap or policy (nor counted in the mailbox's length, which is the
 * cap's count of user messages): msg->tag is the event, msg->ref the socket,
 * msg->from 0. We chose messages over
 * callbacks so that a socket event is handled like everything else an actor
 * handles (one callback at a time, the same budget, links and exits as
 * usual). Received bytes are read by the kernel straight into the message's
 * buffer: no copy is made between the socket and handle().
 *
 * Backpressure: at most write_bound bytes wait unsent per socket. A write that
 * finds the queue at or over its bound is refused with ACT_EAGAIN (nothing
 * queued) and ACT_NET_WRITABLE follows once the queue has drained. Reading
 * pauses while the queue is over its bound, and while more than read_bound
 * received bytes wait in the owner's mailbox, and resumes by itself: a peer
 * that sends and never reads holds at most those bounds of memory (plus one
 * read, at most 64 KiB, per socket).
 *
 * Errors: a write that meets a broken connection returns 0 and the socket
 * fails as if a read had: ACT_NET_CLOSED follows with the reason. Writing to
 * a listener, or after act_net_shutdown, is ACT_EINVAL. A second listen on
 * an address this runtime already listens on (or, for a wildcard address,
 * on its port) is ACT_EADDRINUSE, even where SO_REUSEPORT would let the
 * kernel share it; the address is free again as soon as the listener
 * closes or its owner exits, before the owner's supervisor hears of the
 * exit, so a restarted listener gets its port back. A Unix listener never
 * binds over an existing file (ACT_EADDRINUSE) and removes the file it made
 * when it closes. Listening sockets have SO_REUSEADDR and (IPv6)
 * IPV6_V6ONLY; connections TCP_NODELAY.
 */
typedef uint64_t act_sock_t; /* a socket: positive, never reused; 0 = none */

typedef enum act_net_event {
  ACT_NET_DATA = 1,  /* data/len: bytes received (valid during handle()) */
  ACT_NET_EOF,       /* the peer shut down its side: no more data will come;
                        writing is still allowed (half-closed) until close */
  ACT_NET_ACCEPTED,  /* a listener without a handler accepted a connection:
                        ref is the new socket, owned by this actor and
                        already reading (its data may follow at once) */
  ACT_NET_CONNECTED, /* act_net_connect finished: reason NULL, or why it
                        failed ("connection refused"); a failed socket is
                        already closed (as after ACT_NET_CLOSED) */
  ACT_NET_WRITABLE,  /* a write was refused with ACT_EAGAIN and the queue has
                        drained to half its bound */
  ACT_NET_CLOSED     /* the socket failed and is closed (reason says why,
                        e.g. "connection reset by peer"); the events queued
                        before it come first, and until it has been handled
                        writes to the socket are dropped (they return 0);
                        afterwards its id is unknown (ACT_ENOENT). Not sent
                        after act_net_close */
} act_net_event_t;

typedef struct act_net_opts {
  uint32_t size;         /* sizeof(act_net_opts_t) */
  uint32_t flags;        /* none defined yet; must be 0 */
  /* listen: the handler of accepted connections. With a handler (handler or
     handler_desc set), one listening socket per scheduler
     (SO_REUSEPORT; one for a Unix socket) accepts, and each connection
     becomes a new actor of that plugin on the accepting scheduler, supervised
     by the listener (a temporary child: a crash closes only its own
     connection, and stopping the listener closes them all). The new actor
     finds its socket with act_net_adopted() in init; reading starts when init
     succeeds (a failing init closes it). One built-in "acceptor" actor per
     listening socket, linked to the listener's owner and shown under it,
     accepts; each connection actor is linked to its acceptor and shown
     under it, and is never restarted (its connection is gone). Name the
     handler rather than pass a descriptor to have
     connections accepted after a deploy run the new version; a plugin may
     name itself and tell the two roles apart in init by act_net_adopted().
     Without a handler, the owner gets ACT_NET_ACCEPTED. */
  const char *handler;             /* a registered plugin, by name ... */
  const act_plugin_t *handler_desc; /* ... or a descriptor */
  json_t *handler_args;  /* borrowed: init args of every connection actor */
  uint32_t backlog;      /* listen backlog; 0 = 511 */
  uint32_t write_bound;  /* bytes; 0 = 1 MiB */
  uint32_t read_bound;   /* bytes; 0 = 1 MiB */
  void *reserved[4];
} act_net_opts_t;

#define ACT_NET_OPTS_INIT { .size = sizeof(act_net_opts_t) }

typedef struct act_sock_info {
  int kind;              /* ACT_SOCK_LISTENER, ACT_SOCK_TCP, ACT_SOCK_UNIX */
  char local[112];       /* "127.0.0.1:8080", "[::1]:8080", "unix:/path" */
  char peer[112];        /* "" for a listener */
  uint16_t port;         /* the local port (0 for Unix sockets) */
  uint64_t bytes_in, bytes_out;
  uint64_t queued;       /* bytes waiting to be written */
} act_sock_info_t;

enum { ACT_SOCK_LISTENER = 1, ACT_SOCK_TCP, ACT_SOCK_UNIX };

/* -------------------------------------------------------------- host table */

/* Log levels, as actord's --log-level. */
enum { ACT_LOG_DEBUG = 0, ACT_LOG_INFO, ACT_LOG_WARN, ACT_LOG_ERROR };

struct act_host {
  uint32_t abi_version; /* ACT_ABI_VERSION of the host */
  uint32_t size;        /* sizeof(act_host_t) of the host: new functions are
                           appended; check size before calling one a newer
                           header added */

  act_id_t (*self)(act_ctx_t *ctx);

  /* Tell. data is copied (small payloads inline, no allocation). */
  int (*send)(act_ctx_t *ctx, act_id_t to, uint32_t tag, const void *data,
              size_t len);
  /* Tell a JSON value; value is stolen. */
  int (*send_json)(act_ctx_t *ctx, act_id_t to, uint32_t tag, json_t *value);
  /* Send a received message on, sharing its payload (no copy). */
  int (*forward)(act_ctx_t *ctx, act_id_t to, const act_msg_t *msg);

  /* Ask: the answer arrives later as ACT_MSG_REPLY with msg->ref == *ref, or
     ACT_MSG_TIMEOUT after timeout_ms (0 = no timeout). A reply that comes
     after the timeout is dropped. */
  int (*ask)(act_ctx_t *ctx, act_id_t to, uint32_t tag, const void *data,
             size_t len, uint32_t timeout_ms, uint64_t *ref);
  int (*ask_json)(act_ctx_t *ctx, act_id_t to, uint32_t tag, json_t *value,
                  uint32_t timeout_ms, uint64_t *ref); /* value stolen */
  /* Answer a request (a message with ACT_MSG_F_ASK). Replying to a message
     without it, or twice, is ACT_EINVAL. value is stolen. */
  int (*reply)(act_ctx_t *ctx, const act_msg_t *req, const void *data,
               size_t len);
  int (*reply_json)(act_ctx_t *ctx, const act_msg_t *req, json_t *value);

  /* Spawn an actor; its id in *id. Init runs later, on the new actor's
     scheduler; a failing init makes it exit with "error:init: ...". */
  int (*spawn)(act_ctx_t *ctx, const act_spawn_opts_t *opts, act_id_t *id);
  /* Exit this actor once the current callback returns. NULL = "normal". */
  int (*exit)(act_ctx_t *ctx, const char *reason);
  /* Send an exit signal. reason NULL = "killed" (untrappable); otherwise an
     ordinary, trappable exit signal with that reason. */
  int (*kill)(act_ctx_t *ctx, act_id_t target, const char *reason);
  int (*link)(act_ctx_t *ctx, act_id_t other);
  int (*unlink)(act_ctx_t *ctx, act_id_t other);
  int (*trap_exit)(act_ctx_t *ctx, int on);
  /* DOWN arrives with msg->ref == *ref; at once with "noproc" if dead. */
  int (*monitor)(act_ctx_t *ctx, act_id_t target, uint64_t *ref);
  int (*demonitor)(act_ctx_t *ctx, uint64_t ref);

  /* A timer sends this actor a USER message (tag, data) after after_ms, then
     every repeat_ms if nonzero. Timers die with the actor. */
  int (*timer_start)(act_ctx_t *ctx, uint64_t after_ms, uint64_t repeat_ms,
                     uint32_t tag, const void *data, size_t len,
                     uint64_t *timer);
  int (*timer_cancel)(act_ctx_t *ctx, uint64_t timer);

  /* Names. register fails with ACT_EEXIST if taken, ACT_EINVAL if the name
     is malformed, ACT_ENOENT if the target is dead. */
  int (*name_register)(act_ctx_t *ctx, const char *name, act_id_t id);
  int (*name_unregister)(act_ctx_t *ctx, const char *name);
  act_id_t (*whereis)(act_ctx_t *ctx, const char *name); /* 0 if none */

  /* One line to this actor's log (the daemon keeps a ring per actor). */
  void (*log)(act_ctx_t *ctx, int level, const char *fmt, va_list ap);

  /* Run fn(arg) on a worker thread (blocking work allowed there); when it
     returns, this actor gets a USER message with tag and no payload. The
     actor must keep arg alive until then. */
  int (*run_blocking)(act_ctx_t *ctx, void (*fn)(void *arg), void *arg,
                      uint32_t tag);

  uint64_t (*now_ms)(act_ctx_t *ctx); /* monotonic milliseconds */
  const char *(*strerror)(int err);

  /* Network (see "network" below). Appended: use the act_net_* wrappers,
     which check that the host has them (an isolated actor's host does not:
     ACT_EUNAVAIL). */
  int (*net_listen)(act_ctx_t *ctx, const char *address, int port,
                    const act_net_opts_t *opts, act_sock_t *sock);
  int (*net_connect)(act_ctx_t *ctx, const char *address, int port,
                     const act_net_opts_t *opts, act_sock_t *sock);
  act_sock_t (*net_adopted)(act_ctx_t *ctx);
  int (*net_write)(act_ctx_t *ctx, act_sock_t sock, const void *data,
                   size_t len);
  int (*net_write_msg)(act_ctx_t *ctx, act_sock_t sock, const act_msg_t *msg);
  int (*net_pause)(act_ctx_t *ctx, act_sock_t sock, int paused);
  int (*net_shutdown)(act_ctx_t *ctx, act_sock_t sock);
  int (*net_close)(act_ctx_t *ctx, act_sock_t sock);
  int (*net_info)(act_ctx_t *ctx, act_sock_t sock, act_sock_info_t *info);

  void *reserved[16];
};

/* -------------------------------------------------------------- descriptor */

struct act_plugin {
  uint32_t abi_version; /* ACT_ABI_VERSION */
  uint32_t size;        /* sizeof(act_plugin_t) */
  const char *name;     /* ACT_NAME_MAX, same rules as actor names */
  const char *version;  /* free text, e.g. "1.2.0" */
  const char *description;

  /* Make the state. args is borrowed (NULL when none). Return 0, or a
     negative act_errno_t / call act_exit() for a reason of your own. */
  int (*init)(act_ctx_t *ctx, json_t *args, void **state);
  /* Handle one message. Return 0; a negative return exits the actor with
     "error:<strerror>". */
  int (*handle)(act_ctx_t *ctx, void *state, const act_msg_t *msg);
  /* Free the state. reason is borrowed. Optional. */
  void (*terminate)(act_ctx_t *ctx, void *state, const char *reason);
  /* What `actorctl inspect` shows. Returns a new reference. Optional. */
  json_t *(*inspect)(void *state);
  /* Hot upgrade: turn old_state (made by old_version of this plugin) into
     *new_state. The old state is this callback's to free or reuse.
     Optional: without it, deploy restarts the actors. */
  int (*code_change)(act_ctx_t *ctx, void *old_state, const char *old_version,
                     void **new_state);

  uint32_t flags; /* none defined yet; must be 0 */
  void *reserved[8];
};

/* Define the one exported descriptor:
 *     ACT_PLUGIN(.name = "echo", .version = "1.0", .handle = echo_handle);
 */
#define ACT_PLUGIN(...)                                                      \
  __attribute__((visibility("default"))) const act_plugin_t act_plugin = {  \
    .abi_version = ACT_ABI_VERSION, .size = sizeof(act_plugin_t),           \
    __VA_ARGS__ }

/* ---------------------------------------------------------------- wrappers */

static inline act_id_t act_self(act_ctx_t *c) { return c->host->self(c); }
static inline int act_send(act_ctx_t *c, act_id_t to, uint32_t tag,
                           const void *data, size_t len) {
  return c->host->send(c, to, tag, data, len);
}
static inline int act_send_json(act_ctx_t *c, act_id_t to, uint32_t tag,
                                json_t *v) {
  return c->host->send_json(c, to, tag, v);
}
static inline int act_forward(act_ctx_t *c, act_id_t to, const act_msg_t *m) {
  return c->host->forward(c, to, m);
}
static inline int act_ask(act_ctx_t *c, act_id_t to, uint32_t tag,
                          const void *data, size_t len, uint32_t timeout_ms,
                          uint64_t *ref) {
  return c->host->ask(c, to, tag, data, len, timeout_ms, ref);
}
static inline int act_ask_json(act_ctx_t *c, act_id_t to, uint32_t tag,
                               json_t *v, uint32_t timeout_ms, uint64_t *ref) {
  return c->host->ask_json(c, to, tag, v, timeout_ms, ref);
}
static inline int act_reply(act_ctx_t *c, const act_msg_t *req,
                            const void *data, size_t len) {
  return c->host->reply(c, req, data, len);
}
static inline int act_reply_json(act_ctx_t *c, const act_msg_t *req,
                                 json_t *v) {
  return c->host->reply_json(c, req, v);
}
static inline int act_spawn(act_ctx_t *c, const act_spawn_opts_t *o,
                            act_id_t *id) {
  return c->host->spawn(c, o, id);
}
static inline int act_exit(act_ctx_t *c, const char *reason) {
  return c->host->exit(c, reason);
}
static inline int act_kill(act_ctx_t *c, act_id_t t, const char *reason) {
  return c->host->kill(c, t, reason);
}
static inline int act_link(act_ctx_t *c, act_id_t o) {
  return c->host->link(c, o);
}
static inline int act_unlink(act_ctx_t *c, act_id_t o) {
  return c->host->unlink(c, o);
}
static inline int act_trap_exit(act_ctx_t *c, int on) {
  return c->host->trap_exit(c, on);
}
static inline int act_monitor(act_ctx_t *c, act_id_t t, uint64_t *ref) {
  return c->host->monitor(c, t, ref);
}
static inline int act_demonitor(act_ctx_t *c, uint64_t ref) {
  return c->host->demonitor(c, ref);
}
static inline int act_timer_start(act_ctx_t *c, uint64_t after_ms,
                                  uint64_t repeat_ms, uint32_t tag,
                                  const void *data, size_t len,
                                  uint64_t *timer) {
  return c->host->timer_start(c, after_ms, repeat_ms, tag, data, len, timer);
}
static inline int act_timer_cancel(act_ctx_t *c, uint64_t timer) {
  return c->host->timer_cancel(c, timer);
}
static inline int act_name_register(act_ctx_t *c, const char *n, act_id_t id) {
  return c->host->name_register(c, n, id);
}
static inline int act_name_unregister(act_ctx_t *c, const char *n) {
  return c->host->name_unregister(c, n);
}
static inline act_id_t act_whereis(act_ctx_t *c, const char *n) {
  return c->host->whereis(c, n);
}
static inline int act_run_blocking(act_ctx_t *c, void (*fn)(void *), void *a,
                                   uint32_t tag) {
  return c->host->run_blocking(c, fn, a, tag);
}
static inline uint64_t act_now_ms(act_ctx_t *c) { return c->host->now_ms(c); }

/* Does the host have this (appended) function? */
#define ACT_HOST_HAS(c, fn)                                                  \
  ((c)->host->size >= offsetof(act_host_t, fn) + sizeof(void *) &&          \
   (c)->host->fn != NULL)

/* Listen on address:port; *sock is the listening socket. Errors: ACT_EINVAL
   (bad address, port or options), ACT_EADDRINUSE, ACT_EADDRNOTAVAIL,
   ACT_EDENIED (a privileged port), ACT_ENOENT (no such handler plugin). */
static inline int act_net_listen(act_ctx_t *c, const char *address, int port,
                                 const act_net_opts_t *o, act_sock_t *s) {
  if (!ACT_HOST_HAS(c, net_listen)) return ACT_EUNAVAIL;
  return c->host->net_listen(c, address, port, o, s);
}
/* Connect; ACT_NET_CONNECTED tells how it went. o may be NULL. */
static inline int act_net_connect(act_ctx_t *c, const char *address, int port,
                                  const act_net_opts_t *o, act_sock_t *s) {
  if (!ACT_HOST_HAS(c, net_connect)) return ACT_EUNAVAIL;
  return c->host->net_connect(c, address, port, o, s);
}
/* The connection this actor was spawned for by a listener, or 0. */
static inline act_sock_t act_net_adopted(act_ctx_t *c) {
  if (!ACT_HOST_HAS(c, net_adopted)) return 0;
  return c->host->net_adopted(c);
}
/* Queue bytes (copied) for writing. ACT_EAGAIN when over the write bound,
   ACT_ENOENT for a socket this actor does not own (or closed). */
static inline int act_net_write(act_ctx_t *c, act_sock_t s, const void *data,
                                size_t len) {
  if (!ACT_HOST_HAS(c, net_write)) return ACT_EUNAVAIL;
  return c->host->net_write(c, s, data, len);
}
/* Write the bytes of a received message (ACT_NET_DATA or a bytes payload)
   without copying them: the buffer is shared until it is sent. A message
   without payload writes nothing; a JSON one is ACT_EINVAL. */
static inline int act_net_write_msg(act_ctx_t *c, act_sock_t s,
                                    const act_msg_t *m) {
  if (!ACT_HOST_HAS(c, net_write_msg)) return ACT_EUNAVAIL;
  return c->host->net_write_msg(c, s, m);
}
/* Stop (1) or resume (0) reading. */
static inline int act_net_pause(act_ctx_t *c, act_sock_t s, int paused) {
  if (!ACT_HOST_HAS(c, net_pause)) return ACT_EUNAVAIL;
  return c->host->net_pause(c, s, paused);
}
/* Shut down the writing side once the queue has been sent (half-close). */
static inline int act_net_shutdown(act_ctx_t *c, act_sock_t s) {
  if (!ACT_HOST_HAS(c, net_shutdown)) return ACT_EUNAVAIL;
  return c->host->net_shutdown(c, s);
}
/* Close: the id is invalid from now on (ACT_ENOENT), but what is queued is
   still sent (even if this actor exits), then the writing side is shut
   down and the socket closes once the peer has closed its side, or once
   10 s have passed in which the peer took none of its bytes (a peer that
   reads, however slowly, gets them all; one that stops reading cannot keep
   the socket). No event follows:
   those still queued for the socket are dropped unseen. A listener stops
   accepting at once. */
static inline int act_net_close(act_ctx_t *c, act_sock_t s) {
  if (!ACT_HOST_HAS(c, net_close)) return ACT_EUNAVAIL;
  return c->host->net_close(c, s);
}
static inline int act_net_info(act_ctx_t *c, act_sock_t s,
                               act_sock_info_t *info) {
  if (!ACT_HOST_HAS(c, net_info)) return ACT_EUNAVAIL;
  return c->host->net_info(c, s, info);
}

__attribute__((format(printf, 3, 4))) static inline void
act_log(act_ctx_t *c, int level, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  c->host->log(c, level, fmt, ap);
  va_end(ap);
}

/* Is this message a JSON object with member `key`? (common in handlers) */
static inline json_t *act_msg_get(const act_msg_t *m, const char *key) {
  if (m->payload != ACT_PAYLOAD_JSON || !json_is_object(m->json)) return NULL;
  return json_object_get(m->json, key);
}

/* Refuse a message with a reason: an ask gets the reply
   {"error":{"kind":kind,"message":<the text>}} (kind as the protocol's error
   kinds: "invalid", "not_found", ...), the shape the supervisor and the
   bundled plugins answer with, which `actorctl call` prints as the reply; a
   tell, which nobody answers, logs the text as a warning instead. The text
   is cut at 255 bytes. 0, or ACT_ENOMEM. */
__attribute__((format(printf, 4, 5))) static inline int
act_reply_error(act_ctx_t *c, const act_msg_t *m, const char *kind,
                const char *fmt, ...) {
  char text[256];
  va_list ap;
  json_t *reply;

  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  if (!(m->flags & ACT_MSG_F_ASK)) {
    act_log(c, ACT_LOG_WARN, "%s", text);
    return 0;
  }
  reply = json_pack("{s:{s:s,s:s}}", "error", "kind", kind, "message", text);
  if (reply == NULL) return ACT_ENOMEM;
  return act_reply_json(c, m, reply);
}

#ifdef __cplusplus
}
#endif
#endif /* ACTOR_PLUGIN_H */
