/*
 * isolate.h - isolated actors: a plugin run in a host process of its own.
 *
 * `actor.spawn` with "isolate": true does not start the plugin in actord.
 * It starts the built-in behaviour "isolate" in its place (isolate.c), the
 * proxy: the real actor, owning the id, the name, links, monitors, timers and
 * the supervisor relation. The proxy starts a host process (actord
 * re-executed in a hidden mode, isolate-host.c) that applies the resource
 * limits, dlopens the plugin and runs its callbacks. The two talk over a
 * socket pair with binary frames (isolate_frame_t). A crash, abort, exit()
 * or runaway handler in the plugin kills only its host; the proxy turns the
 * host's end into the actor's exit reason.
 *
 * Args of the "isolate" behaviour (made by isolate_spec from the spawn
 * params, kept in the child spec and in the state file):
 *   "plugin"              the plugin's name (checked against the file's)
 *   "path"                the absolute path of its shared object
 *   "args"                what the plugin's init receives (optional)
 *   "limits"              {"as":BYTES,"cpu":SECONDS,"nofile":N} (optional)
 *   "handler_timeout_ms"  kill the host when a callback runs longer
 */
#ifndef DAEMON_ISOLATE_H
#define DAEMON_ISOLATE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "actor/plugin.h"

#define ISOLATE_PLUGIN "isolate"
/* argv[1] of actord re-executed as a host. */
#define ISOLATE_HOST_ARG "--isolate-host"

extern const act_plugin_t isolate_plugin;

/* ------------------------------------------------------------- the frames */

/*
 * One frame: this header, then len bytes of payload. Both ends are the same
 * binary on the same machine, so the header is in the host's byte order.
 * The payload is what the message carried: raw bytes as they are, a JSON
 * value dumped compactly, or a string (a reason, a name, a log line).
 *
 * proxy -> host:  INIT (payload: JSON {"args"}), MSG (a message to handle),
 *                 INSPECT, TERMINATE (payload: the reason), RESULT (the
 *                 answer to a CALL: err, a).
 * host -> proxy:  CALL (op: which host function; its arguments in the
 *                 header and payload), DONE (the callback returned err),
 *                 INSPECTED (payload: JSON, or none).
 *
 * While a callback runs in the host, the proxy sends nothing but RESULTs.
 */
enum {
  ISOLATE_F_INIT = 1,
  ISOLATE_F_MSG,
  ISOLATE_F_INSPECT,
  ISOLATE_F_TERMINATE,
  ISOLATE_F_RESULT,
  ISOLATE_F_CALL,
  ISOLATE_F_DONE,
  ISOLATE_F_INSPECTED
};

/* The host functions a CALL carries (act_host_t's, by name). */
enum {
  ISOLATE_OP_SEND = 1,    /* to=a, tag, payload */
  ISOLATE_OP_FORWARD,     /* to=a, the message being handled */
  ISOLATE_OP_ASK,         /* to=a, tag, timeout=b, payload -> a=ref */
  ISOLATE_OP_REPLY,       /* the message being handled, payload */
  ISOLATE_OP_SPAWN,       /* payload JSON opts -> a=id */
  ISOLATE_OP_EXIT,        /* payload: reason or none */
  ISOLATE_OP_KILL,        /* target=a, payload: reason or none */
  ISOLATE_OP_LINK,        /* a */
  ISOLATE_OP_UNLINK,      /* a */
  ISOLATE_OP_TRAP_EXIT,   /* a: on */
  ISOLATE_OP_MONITOR,     /* a -> a=ref */
  ISOLATE_OP_DEMONITOR,   /* a=ref */
  ISOLATE_OP_TIMER_START, /* a=after, b=repeat, tag, payload -> a=timer */
  ISOLATE_OP_TIMER_CANCEL, /* a */
  ISOLATE_OP_REGISTER,    /* id=a, payload: name */
  ISOLATE_OP_UNREGISTER,  /* payload: name */
  ISOLATE_OP_WHEREIS,     /* payload: name -> a=id */
  ISOLATE_OP_LOG          /* tag=level, payload: the line */
};
/* (self() needs no call: INIT gives the host the actor's id.) */

typedef struct isolate_frame {
  uint32_t len;    /* payload bytes that follow */
  uint8_t type;    /* ISOLATE_F_* */
  uint8_t payload; /* act_payload_t of the payload */
  uint8_t mtype;   /* MSG: act_msg_type_t */
  uint8_t op;      /* CALL: ISOLATE_OP_* */
  uint16_t flags;  /* MSG: act_msg_t.flags */
  uint16_t pad;
  int32_t err;     /* RESULT, DONE: 0 or a negative act_errno_t */
  uint32_t tag;
  uint64_t from;   /* MSG */
  uint64_t ref;    /* MSG */
  uint64_t a, b;   /* CALL, RESULT: arguments and results (see the ops) */
} isolate_frame_t;

/* The largest payload a frame may carry. */
#define ISOLATE_FRAME_MAX (64u * 1024 * 1024)

/* Write the header and len bytes of data to fd (blocking, EINTR retried).
   0 or -errno. */
int isolate_host_write(int fd, isolate_frame_t *f, const void *data,
                       size_t len);
/* Read one frame from fd, waiting at most until deadline (a CLOCK_MONOTONIC
   time in milliseconds; 0 = no bound). *data receives a malloc'ed, NUL
   terminated payload (NULL when len is 0), to free. 0, -EPIPE at end of
   file, -ETIMEDOUT, or another -errno. When stop is not NULL, it is polled
   every 100 ms and ends the wait with -ECANCELED once it returns nonzero. */
int isolate_host_read(int fd, isolate_frame_t *f, char **data,
                      uint64_t deadline, int (*stop)(void));
/* CLOCK_MONOTONIC in milliseconds. */
uint64_t isolate_host_now_ms(void);

/* ------------------------------------------------------------ daemon side */

/*
 * Turn the spec of a spawn (borrowed, changed in place: "plugin", "args")
 * into that of an isolated actor of the same plugin, from the request's
 * params (borrowed): "limits" and "handler_timeout_ms". path is the
 * plugin's shared object. 0, or ACT_EINVAL with one line in err that names
 * the field, e.g. "limits: unknown resource \"foo\" (expected as, cpu,
 * nofile)".
 */
int isolate_spec(json_t *spec, json_t *params, const char *path, char *err,
                 size_t errlen);

/* What listings and events show of an isolated actor. */
typedef struct isolate_who {
  int pid;                         /* its host's, 0 once the host is gone */
  char plugin[ACT_NAME_MAX + 1];   /* the plugin it runs */
  char version[64];                /* the plugin's version ("" until known) */
} isolate_who_t;

/* From any thread: what "isolate" actor id runs, while it lives and for a
   while after (the last ISOLATE_RECENT ended ones, for the events and the
   listings that name them after their end). 0, or ACT_ENOENT. */
int isolate_lookup(act_id_t id, isolate_who_t *out);
#define ISOLATE_RECENT 256

/* For an untrappable kill, from any thread: while a callback of isolated
   actor id runs in its host, the actor cannot take the kill (its scheduler
   waits for the callback), so the host is killed instead, and the actor
   exits with "killed" as it would have. Returns 1 when it did, else 0 (the
   kill is then the runtime's business alone). */
int isolate_kill(act_id_t id);

#endif /* DAEMON_ISOLATE_H */
