/*
 * proto.h - the control protocol shared by actord and actorctl: versions,
 * method names, JSON-RPC codes, socket path rules, line framing.
 *
 * JSON-RPC 2.0, one JSON object per '\n'-terminated line, over a Unix stream
 * socket. A peer with a different major protocol version is refused with a
 * line that names both versions.
 */
#ifndef ACT_PROTO_H
#define ACT_PROTO_H

#include <stddef.h>
#include <jansson.h>

#define ACT_VERSION "0.1.0"
#define ACT_PROTO_MAJOR 1
#define ACT_PROTO_MINOR 0
#define ACT_PROTO_VERSION "1.0"

#define ACT_PROTO_MAX_REQUEST (1024 * 1024) /* default request size limit */

/* JSON-RPC 2.0 error codes; application errors use ACT_RPC_APP with
   error.data.kind = act_err_kind(code). */
#define ACT_RPC_PARSE_ERROR (-32700)
#define ACT_RPC_INVALID_REQUEST (-32600)
#define ACT_RPC_METHOD_NOT_FOUND (-32601)
#define ACT_RPC_INVALID_PARAMS (-32602)
#define ACT_RPC_INTERNAL (-32603)
#define ACT_RPC_APP (-32000)

/* Method names (DESIGN.md section 4). */
#define ACT_M_HELLO "hello"
#define ACT_M_DAEMON_STATUS "daemon.status"
#define ACT_M_DAEMON_SHUTDOWN "daemon.shutdown"
#define ACT_M_ACTOR_SPAWN "actor.spawn"
#define ACT_M_ACTOR_SEND "actor.send"
#define ACT_M_ACTOR_CALL "actor.call"
#define ACT_M_ACTOR_KILL "actor.kill"
#define ACT_M_ACTOR_STOP "actor.stop"
#define ACT_M_ACTOR_RESTART "actor.restart"
#define ACT_M_ACTOR_LIST "actor.list"
#define ACT_M_ACTOR_INFO "actor.info"
#define ACT_M_ACTOR_TREE "actor.tree"
#define ACT_M_ACTOR_WAIT "actor.wait"
#define ACT_M_NAME_REGISTER "name.register"
#define ACT_M_NAME_UNREGISTER "name.unregister"
#define ACT_M_NAME_WHEREIS "name.whereis"
#define ACT_M_PLUGIN_LIST "plugin.list"
#define ACT_M_PLUGIN_LOAD "plugin.load"
#define ACT_M_PLUGIN_UNLOAD "plugin.unload"
#define ACT_M_PLUGIN_DEPLOY "plugin.deploy"
#define ACT_M_LOGS_READ "logs.read"
#define ACT_M_EVENTS_SUBSCRIBE "events.subscribe"
#define ACT_M_STATS "stats"
#define ACT_M_METHODS_LIST "methods.list"

/* Notifications the daemon sends. */
#define ACT_N_EVENT "event"
#define ACT_N_LOG "log"

/*
 * The control socket's path, as both binaries resolve it:
 * $ACTORD_SOCKET, else $XDG_RUNTIME_DIR/actord/control.sock, else
 * /tmp/actord-$UID/control.sock. Returns 0, or ACT_EINVAL if it does not fit.
 */
int act_socket_path(char *buf, size_t size);

/* Build a JSON-RPC error response (new reference). id is borrowed (may be
   NULL: "id":null). kind may be NULL for the JSON-RPC codes. */
json_t *act_rpc_error(json_t *id, int code, const char *kind,
                      const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* {"jsonrpc":"2.0","id":id,"result":result}; result stolen, id borrowed. */
json_t *act_rpc_result(json_t *id, json_t *result);

/*
 * Line framing for a byte stream: append what was read, then take complete
 * lines out. Lines longer than max are reported once as too long.
 */
typedef struct act_linebuf {
  char *buf;
  size_t start; /* first byte not yet handed out */
  size_t len, cap, max;
} act_linebuf_t;

void act_linebuf_init(act_linebuf_t *lb, size_t max);
void act_linebuf_free(act_linebuf_t *lb);
/* 0; ACT_EINVAL when a line exceeds max (the stream is then unusable);
   ACT_ENOMEM. */
int act_linebuf_append(act_linebuf_t *lb, const char *data, size_t len);
/* Next complete line (without '\n', NUL-terminated in place) or NULL; the
   pointer is valid until the next append. */
char *act_linebuf_next(act_linebuf_t *lb, size_t *len);

#endif /* ACT_PROTO_H */
