/*
 * tcp_echo - a TCP echo server: every connection gets back what it sends.
 *
 *   args  {"address":"127.0.0.1", "port":7000}
 *
 * "address" is optional (127.0.0.1); "port" is required (0: the kernel picks
 * one, and inspect shows which); an address "unix:PATH" serves a Unix stream
 * socket and needs no port. The actor spawned with these args is the
 * listener. It names this very plugin as the handler of the connections it
 * accepts, so each connection is an actor of tcp_echo too, and one accepted
 * after a deploy runs the new version; init tells the two roles apart with
 * act_net_adopted().
 *
 * A connection actor writes each chunk it receives back without copying it
 * (act_net_write_msg). When the peer does not read and the write is refused
 * (ACT_EAGAIN), it keeps that chunk and what follows, stops reading, and
 * carries on once ACT_NET_WRITABLE says the queue drained: a peer that never
 * reads holds at most the socket's bounds, not all it sent. When the peer
 * shuts down its side, the connection sends what is left, closes and exits
 * normally.
 *
 * The connection actors tell the listener when they start and end, so that
 * the listener's inspect shows how many it accepted and how many are open.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <actor/plugin.h>

#define TCP_ECHO_NAME "tcp_echo"

/* Tags of the messages a connection sends its listener ("tco+", "tco-").
   The control socket only sends ACT_TAG_JSON, so nothing from outside is
   mistaken for one. */
#define TCP_ECHO_TAG_OPENED 0x74636f2bu
#define TCP_ECHO_TAG_CLOSED 0x74636f2du

typedef enum { TCP_ECHO_LISTENER = 1, TCP_ECHO_CONNECTION } tcp_echo_role_t;

typedef struct tcp_echo {
  tcp_echo_role_t role;
  act_sock_t sock;
  char local[112];     /* the address as the kernel has it */
  /* The listener. */
  char address[96];
  int port;            /* the port it listens on (the real one for port 0) */
  uint64_t accepted;   /* connection actors that started */
  uint64_t open;       /* ... and have not ended yet */
  /* A connection. */
  act_id_t listener;   /* told when this connection starts and ends */
  char peer[112];
  uint64_t bytes_in, bytes_out;
  char *held;          /* bytes a refused write left to send, with what came
                          after them; NULL when the queue took everything */
  size_t held_len, held_cap;
  int eof;             /* the peer shut down its side */
} tcp_echo_t;

static void tcp_echo_describe(const json_t *v, char *buf, size_t size) {
  char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

  if (text == NULL) {
    snprintf(buf, size, "a value");
    return;
  }
  if (snprintf(buf, size, "%s", text) >= (int)size && size > 4)
    snprintf(buf + size - 4, 4, "...");
  free(text);
}

/* Init fails with this line as the reason (and in the log). With invalid
   set, "invalid argument" in the reason makes the supervisor answer the kind
   "invalid", as for any bad argument. Returns rc. */
__attribute__((format(printf, 4, 5))) static int
tcp_echo_fail_init(act_ctx_t *ctx, int rc, int invalid, const char *fmt, ...) {
  char text[256], reason[300];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  act_log(ctx, ACT_LOG_ERROR, "%s", text);
  snprintf(reason, sizeof(reason), "error:%s%s",
           invalid ? "invalid argument: " : "", text);
  act_exit(ctx, reason);
  return rc;
}

/* "127.0.0.1:7000", "[::1]:7000" or "unix:/path", for messages. */
static void tcp_echo_endpoint(char *buf, size_t size, const char *address,
                              int port) {
  if (strncmp(address, "unix:", 5) == 0)
    snprintf(buf, size, "%s", address);
  else if (strchr(address, ':') != NULL && address[0] != '[')
    snprintf(buf, size, "[%s]:%d", address, port);
  else
    snprintf(buf, size, "%s:%d", address, port);
}

/* ------------------------------------------------------------ the listener */

static int tcp_echo_listener_init(act_ctx_t *ctx, json_t *args,
                                  tcp_echo_t **out) {
  act_net_opts_t opts = ACT_NET_OPTS_INIT;
  act_sock_info_t info;
  const char *key, *address = "127.0.0.1";
  json_t *value, *port, *handler_args;
  char got[80], where[160];
  tcp_echo_t *t;
  int rc, unix_socket;

  if (!json_is_object(args))
    return tcp_echo_fail_init(ctx, ACT_EINVAL, 1,
                              "args: expected an object with \"port\" and "
                              "optionally \"address\"");
  json_object_foreach(args, key, value) {
    if (strcmp(key, "address") != 0 && strcmp(key, "port") != 0)
      return tcp_echo_fail_init(ctx, ACT_EINVAL, 1,
                                "args: unknown field \"%s\" (expected "
                                "address, port)", key);
  }
  if ((value = json_object_get(args, "address")) != NULL) {
    if (!json_is_string(value) || json_string_length(value) == 0 ||
        json_string_length(value) >= sizeof(t->address)) {
      tcp_echo_describe(value, got, sizeof(got));
      return tcp_echo_fail_init(ctx, ACT_EINVAL, 1,
                                "address: expected an IP address, localhost "
                                "or unix:PATH, got %s", got);
    }
    address = json_string_value(value);
  }
  unix_socket = strncmp(address, "unix:", 5) == 0;
  port = json_object_get(args, "port");
  if (port == NULL && !unix_socket)
    return tcp_echo_fail_init(ctx, ACT_EINVAL, 1,
                              "port: missing (an integer 0..65535; 0 lets "
                              "the system pick one)");
  if (port != NULL && (!json_is_integer(port) ||
                       json_integer_value(port) < 0 ||
                       json_integer_value(port) > 65535)) {
    tcp_echo_describe(port, got, sizeof(got));
    return tcp_echo_fail_init(ctx, ACT_EINVAL, 1,
                              "port: expected an integer 0..65535, got %s",
                              got);
  }

  if ((t = calloc(1, sizeof(*t))) == NULL)
    return ACT_ENOMEM;
  t->role = TCP_ECHO_LISTENER;
  snprintf(t->address, sizeof(t->address), "%s", address);
  t->port = port != NULL ? (int)json_integer_value(port) : 0;
  tcp_echo_endpoint(where, sizeof(where), t->address, t->port);

  /* The connections are told who to report to. */
  handler_args = json_pack("{s:I}", "listener", (json_int_t)act_self(ctx));
  if (handler_args == NULL) {
    free(t);
    return ACT_ENOMEM;
  }
  opts.handler = TCP_ECHO_NAME;
  opts.handler_args = handler_args;
  rc = act_net_listen(ctx, t->address, t->port, &opts, &t->sock);
  json_decref(handler_args);
  if (rc == ACT_EINVAL) {
    free(t);
    return tcp_echo_fail_init(ctx, rc, 1,
                              "address: \"%s\" is not an IPv4 or IPv6 "
                              "address, localhost or unix:PATH", address);
  }
  if (rc == ACT_EUNAVAIL && !ACT_HOST_HAS(ctx, net_listen)) {
    free(t);
    return tcp_echo_fail_init(ctx, rc, 0,
                              "listen %s: an isolated actor has no sockets "
                              "(spawn it without --isolate)", where);
  }
  if (rc != 0) {
    free(t);
    return tcp_echo_fail_init(ctx, rc, 0, "listen %s: %s", where,
                              ctx->host->strerror(rc));
  }
  if (act_net_info(ctx, t->sock, &info) == 0) {
    snprintf(t->local, sizeof(t->local), "%s", info.local);
    if (!unix_socket)
      t->port = info.port;
  }
  act_log(ctx, ACT_LOG_INFO, "listening on %s",
          t->local[0] != '\0' ? t->local : where);
  *out = t;
  return 0;
}

static int tcp_echo_listener_handle(act_ctx_t *ctx, tcp_echo_t *t,
                                    const act_msg_t *msg) {
  if (msg->type != ACT_MSG_USER)
    return 0; /* the runtime's own signals about its connections */
  if (msg->from != 0 && msg->tag == TCP_ECHO_TAG_OPENED) {
    t->accepted++;
    t->open++;
    return 0;
  }
  if (msg->from != 0 && msg->tag == TCP_ECHO_TAG_CLOSED) {
    if (t->open > 0)
      t->open--;
    return 0;
  }
  /* It serves TCP, not messages: say so rather than stay silent. */
  return act_reply_error(ctx, msg, "invalid",
                         "tcp_echo: messages are not understood (it echoes "
                         "what a TCP connection to %s sends)", t->local);
}

/* ---------------------------------------------------------- a connection */

static int tcp_echo_connection_init(act_ctx_t *ctx, json_t *args,
                                    act_sock_t sock, tcp_echo_t **out) {
  act_sock_info_t info;
  json_t *listener = json_object_get(args, "listener");
  tcp_echo_t *t;

  if ((t = calloc(1, sizeof(*t))) == NULL)
    return ACT_ENOMEM;
  t->role = TCP_ECHO_CONNECTION;
  t->sock = sock;
  if (json_is_integer(listener) && json_integer_value(listener) > 0)
    t->listener = (act_id_t)json_integer_value(listener);
  if (act_net_info(ctx, sock, &info) == 0) {
    snprintf(t->local, sizeof(t->local), "%s", info.local);
    snprintf(t->peer, sizeof(t->peer), "%s", info.peer);
  }
  /* A listener that is gone has nobody to count for: no harm done. */
  if (t->listener != 0)
    act_send(ctx, t->listener, TCP_ECHO_TAG_OPENED, NULL, 0);
  *out = t;
  return 0;
}

/* Keep len bytes after what is held already. */
static int tcp_echo_hold(tcp_echo_t *t, const void *data, size_t len) {
  if (t->held_len + len > t->held_cap) {
    size_t cap = t->held_cap ? t->held_cap : 65536;
    char *p;

    while (cap < t->held_len + len)
      cap *= 2;
    if ((p = realloc(t->held, cap)) == NULL)
      return ACT_ENOMEM;
    t->held = p;
    t->held_cap = cap;
  }
  memcpy(t->held + t->held_len, data, len);
  t->held_len += len;
  return 0;
}

/* The peer is done and everything it sent is queued: close (what is queued
   is still sent) and end normally. */
static int tcp_echo_finish(act_ctx_t *ctx, tcp_echo_t *t) {
  act_net_close(ctx, t->sock);
  t->sock = 0;
  return act_exit(ctx, NULL);
}

static int tcp_echo_connection_handle(act_ctx_t *ctx, tcp_echo_t *t,
                                      const act_msg_t *msg) {
  int rc;

  if (msg->type != ACT_MSG_NET || msg->ref != t->sock)
    return 0; /* a connection answers nothing but its socket */

  switch (msg->tag) {
  case ACT_NET_DATA:
    t->bytes_in += msg->len;
    /* Already paused: this chunk was on its way; it goes after the held
       ones, in order. */
    if (t->held_len > 0)
      return tcp_echo_hold(t, msg->data, msg->len);
    rc = act_net_write_msg(ctx, t->sock, msg);
    if (rc == 0) {
      t->bytes_out += msg->len;
      return 0;
    }
    if (rc != ACT_EAGAIN)
      return rc;
    if ((rc = tcp_echo_hold(t, msg->data, msg->len)) != 0)
      return rc;
    return act_net_pause(ctx, t->sock, 1);

  case ACT_NET_WRITABLE:
    if (t->held_len == 0)
      return 0;
    rc = act_net_write(ctx, t->sock, t->held, t->held_len);
    if (rc == ACT_EAGAIN)
      return 0; /* another WRITABLE will come */
    if (rc != 0)
      return rc;
    t->bytes_out += t->held_len;
    /* A slow reader's backlog can grow to megabytes; an idle connection
       should not keep that much. */
    free(t->held);
    t->held = NULL;
    t->held_len = t->held_cap = 0;
    if (t->eof)
      return tcp_echo_finish(ctx, t);
    return act_net_pause(ctx, t->sock, 0);

  case ACT_NET_EOF:
    t->eof = 1;
    if (t->held_len > 0)
      return 0; /* finished once the held bytes are queued */
    return tcp_echo_finish(ctx, t);

  case ACT_NET_CLOSED:
    /* Reset by the peer, or failed: nothing left to echo to. */
    act_log(ctx, ACT_LOG_INFO, "%s: %s", t->peer,
            msg->reason != NULL ? msg->reason : "closed");
    t->sock = 0;
    return act_exit(ctx, NULL);

  default:
    return 0;
  }
}

/* ------------------------------------------------------------ the plugin */

static int tcp_echo_init(act_ctx_t *ctx, json_t *args, void **state) {
  act_sock_t sock = act_net_adopted(ctx);
  tcp_echo_t *t = NULL;
  int rc;

  if (sock != 0)
    rc = tcp_echo_connection_init(ctx, args, sock, &t);
  else if (args == NULL || json_is_null(args)) {
    /* No args at all reads as {}: the port is missing. */
    json_t *none = json_object();

    rc = none != NULL ? tcp_echo_listener_init(ctx, none, &t) : ACT_ENOMEM;
    json_decref(none);
  } else
    rc = tcp_echo_listener_init(ctx, args, &t);
  if (rc == 0)
    *state = t;
  return rc;
}

static int tcp_echo_handle(act_ctx_t *ctx, void *state, const act_msg_t *msg) {
  tcp_echo_t *t = state;

  if (t->role == TCP_ECHO_LISTENER)
    return tcp_echo_listener_handle(ctx, t, msg);
  return tcp_echo_connection_handle(ctx, t, msg);
}

static void tcp_echo_terminate(act_ctx_t *ctx, void *state,
                               const char *reason) {
  tcp_echo_t *t = state;

  (void)reason;
  if (t == NULL)
    return;
  if (t->role == TCP_ECHO_CONNECTION && t->listener != 0)
    act_send(ctx, t->listener, TCP_ECHO_TAG_CLOSED, NULL, 0);
  free(t->held);
  free(t);
}

static json_t *tcp_echo_inspect(void *state) {
  const tcp_echo_t *t = state;

  if (t->role == TCP_ECHO_LISTENER)
    return json_pack("{s:s, s:s, s:i, s:s, s:I, s:I}", "role", "listener",
                     "address", t->address, "port", t->port, "local",
                     t->local, "accepted", (json_int_t)t->accepted,
                     "connections", (json_int_t)t->open);
  return json_pack("{s:s, s:s, s:s, s:I, s:I, s:I}", "role", "connection",
                   "peer", t->peer, "local", t->local, "bytes_in",
                   (json_int_t)t->bytes_in, "bytes_out",
                   (json_int_t)t->bytes_out, "held",
                   (json_int_t)t->held_len);
}

/* A deploy keeps both kinds of state: the layout is that of 1.0.0. */
static int tcp_echo_code_change(act_ctx_t *ctx, void *old_state,
                                const char *old_version, void **new_state) {
  (void)ctx;
  (void)old_version;
  *new_state = old_state;
  return 0;
}

ACT_PLUGIN(.name = TCP_ECHO_NAME, .version = "1.0.0",
           .description = "a TCP echo server: {\"address\":A, \"port\":N}; "
                          "one actor per connection",
           .init = tcp_echo_init, .handle = tcp_echo_handle,
           .terminate = tcp_echo_terminate, .inspect = tcp_echo_inspect,
           .code_change = tcp_echo_code_change);
