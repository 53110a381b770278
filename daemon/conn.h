/*
 * conn.h - one client of the control socket, served by a hidden actor on the
 * control loop.
 *
 * The connection's actor is what lets a request wait without blocking the
 * loop: a handler that needs another actor starts an ask (or a monitor, or a
 * timer) from this actor's context and parks a conn_op_t under the ask's
 * reference; the ACT_MSG_REPLY, ACT_MSG_TIMEOUT or ACT_MSG_DOWN that comes
 * back completes it. A disconnect ends the actor, and the runtime drops its
 * asks and monitors with it.
 *
 * Replies are appended to an output buffer and written once per loop
 * iteration (server.c), so a client that pipelines many requests gets its
 * replies in few writes. An "internal" connection has no socket: the daemon
 * uses it to run requests of its own (restoring the state, the config's
 * boot children), one at a time, logging the errors.
 */
#ifndef DAEMON_CONN_H
#define DAEMON_CONN_H

#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>
#include <uv.h>

#include "actor/runtime.h"
#include "proto.h"

typedef struct conn conn_t;
typedef struct conn_op conn_op_t;

/* Completes a parked request. msg is the REPLY, TIMEOUT or DOWN (or a USER
   message of a timer the handler started), or NULL when the connection goes
   away first: then only free op->data. */
typedef void (*conn_op_cb)(conn_t *c, conn_op_t *op, const act_msg_t *msg);

struct conn_op {
  uint64_t ref;  /* the ask, monitor or timer this waits for */
  json_t *id;    /* the request's id (owned); NULL: a notification */
  conn_op_cb cb;
  void *data;    /* the handler's */
  uint64_t aux;  /* the handler's (a timer, a monitor...) */
  conn_op_t *next;
};

/* Tags of the USER messages a connection's actor sends itself. */
#define CONN_TAG_TIMER 0x61637401u /* data: the uint64_t ref of an op */

struct conn {
  uv_pipe_t pipe;
  act_ctx_t *ctx; /* set by the actor's init, cleared by its terminate */
  act_id_t id;    /* the actor's id */
  uid_t uid;
  gid_t gid;
  pid_t pid;
  unsigned serial; /* for log lines: "client 7" */

  unsigned internal : 1;
  unsigned pipe_open : 1;
  unsigned actor_live : 1;
  unsigned closing : 1;
  unsigned eof : 1;               /* the client sent everything it will */
  unsigned close_after_flush : 1; /* a limit was hit: say why, then close */
  unsigned lingering : 1;         /* said why; discarding input until EOF */
  unsigned linger_open : 1;       /* the linger timer is initialised */
  unsigned writing : 1;
  unsigned dirty : 1;             /* on the server's list of unflushed */
  unsigned events : 1;            /* subscribed to events */
  unsigned follow : 1;            /* following logs */
  char follow_key[ACT_NAME_MAX + 8]; /* logs_key(); "" = every line */

  act_linebuf_t in;
  char *out;  /* replies not yet handed to the socket */
  size_t out_len, out_cap;
  char *wbuf; /* the write in flight */
  size_t wlen, wcap;
  uv_write_t wreq;
  uv_timer_t linger; /* bounds the wait for a refused client's EOF */
  uv_shutdown_t sreq;

  conn_op_t **ops;
  size_t nbuckets, nops;

  conn_t *prev, *next; /* server's list of connections */
  conn_t *dirty_next;

  /* Internal connections: the requests still to run, and what to call
     them in log lines. */
  json_t *queue;
  char label[48];
  /* Called once when the queue has run dry (then cleared). */
  void (*on_idle)(conn_t *c);
};

/* Connections following logs (any target); logs.c skips work when 0. */
extern unsigned conn_log_followers;
/* Live connection actors (hidden, so not counted as the user's actors). */
extern unsigned conn_live_actors;

/* A connection for an accepted socket (pipe initialised on the control
   loop, not yet accepted) or, internal, without one. NULL on ENOMEM. */
conn_t *conn_new(int internal);
/* Start its actor (hidden, on the control loop); it starts reading once its
   init ran. 0 or a negative act_errno_t (the connection is then closed). */
int conn_spawn(conn_t *c);
/* Say why to a client that is not admitted (one error line), then close. */
void conn_reject(conn_t *c, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Disconnect now. */
void conn_close(conn_t *c, const char *why);
/* Hand the output buffer to the socket (server.c calls it once per loop
   iteration for every connection with output). */
void conn_flush(conn_t *c);

/* Internal connections: queue a request (stolen) to run in order. */
void conn_submit(conn_t *c, json_t *request);
/* Is nothing queued or running on this internal connection? */
int conn_idle(const conn_t *c);

/* Replies. id is borrowed; NULL means the request was a notification and
   nothing is sent. */
void conn_result(conn_t *c, json_t *id, json_t *result); /* result stolen */
/* result: text that is already one JSON value. */
void conn_result_raw(conn_t *c, json_t *id, const char *json, size_t len);
void conn_result_empty(conn_t *c, json_t *id); /* "result":{} */
void conn_error(conn_t *c, json_t *id, int code, const char *kind,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* -32602, kind "invalid". */
void conn_invalid(conn_t *c, json_t *id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* -32000 with the kind of err (actor/error.h). */
void conn_fail(conn_t *c, json_t *id, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* {"error":{"kind","message"}} as a supervisor replies it -> -32000. */
void conn_fail_reply(conn_t *c, json_t *id, json_t *error);
/* {"jsonrpc":"2.0","method":method,"params":params}; params borrowed. */
void conn_notify(conn_t *c, const char *method, json_t *params);

/* Parked requests. conn_op_new takes a reference to id. */
conn_op_t *conn_op_new(conn_t *c, json_t *id, conn_op_cb cb, void *data);
void conn_op_park(conn_t *c, conn_op_t *op, uint64_t ref);
/* Take a parked op out again (e.g. a monitor whose timer fired first). */
conn_op_t *conn_op_take(conn_t *c, uint64_t ref);
void conn_op_free(conn_op_t *op);

#endif /* DAEMON_CONN_H */
