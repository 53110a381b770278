/*
 * http_hello - an HTTP/1.1 server that answers every request with one fixed
 * text: the responder load tests measure the runtime's network path with.
 *
 *   args  {"address":"127.0.0.1", "port":8080, "body":"Hello, World!\n"}
 *
 * "address" and "body" are optional; "port" is required (0: the kernel picks
 * one; inspect shows which). As tcp_echo, the actor spawned with these args
 * is the listener and names this plugin as the handler of its connections,
 * so each connection is an http_hello actor too (act_net_adopted() tells
 * the roles apart in init).
 *
 * A connection actor reads requests as they come: a request may arrive in
 * pieces, and several may arrive in one read (pipelining); each is answered
 * in order, and the answers to one read go out in one write. Keep-alive is
 * the default for HTTP/1.1; HTTP/1.0 keeps the connection only when asked.
 * A body announced by Content-Length is read and skipped; a Transfer-Encoding
 * is answered 501, a head over 8 KiB 431, a malformed request 400, and those
 * three close the connection. The answers are made once, in init; nothing
 * is allocated per request once the buffers have grown to the traffic.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <actor/plugin.h>

#include "request.h"

#define HTTP_HELLO_NAME "http_hello"
#define HTTP_HELLO_BODY "Hello, World!\n"
#define HTTP_HELLO_BODY_MAX (1u << 20)
/* Answers are handed to the socket in slices of about this much, so that
   a client that pipelines a mailbox full of requests while not reading
   costs a slice of answers, not five times its requests. */
#define HTTP_HELLO_SLICE (256u * 1024u)

/* Tags of the messages a connection sends its listener ("hho+", "hho-"). */
#define HTTP_HELLO_TAG_OPENED 0x68686f2bu
#define HTTP_HELLO_TAG_CLOSED 0x68686f2du

typedef enum { HTTP_HELLO_LISTENER = 1, HTTP_HELLO_CONNECTION } http_role_t;

/* The three ways of saying 200: keep-alive (HTTP/1.1, nothing to say),
   keep-alive asked for by HTTP/1.0, and close. */
enum { HTTP_ANSWER_KEEP, HTTP_ANSWER_KEEP10, HTTP_ANSWER_CLOSE, HTTP_ANSWERS };

typedef struct http_answer {
  char *text;      /* head and body, contiguous */
  size_t head_len; /* a HEAD request gets only this much */
  size_t len;
} http_answer_t;

typedef struct http_buf {
  char *p;
  size_t len, cap;
} http_buf_t;

typedef struct http_hello {
  http_role_t role;
  act_sock_t sock;
  char local[112];
  /* The listener. */
  char address[96];
  int port;
  size_t body_len;
  uint64_t accepted, open;
  /* A connection. */
  act_id_t listener;
  char peer[112];
  http_answer_t answer[HTTP_ANSWERS];
  http_buf_t in;       /* bytes not answered yet: an unfinished head, or
                          what came while a write was refused */
  http_buf_t out;      /* answers not yet taken by the socket */
  uint64_t skip;       /* body bytes still to skip */
  uint64_t requests;
  uint64_t bytes_in, bytes_out;
  int blocked;         /* a write was refused: ACT_NET_WRITABLE is owed */
  int paused;          /* reading paused by us (until the queue drains) */
  int more;            /* t->in may hold complete requests not answered */
  int closing;         /* the last answer closes the connection */
  int eof;             /* the peer shut down its side */
  int done;            /* closed; the actor exits after this callback */
} http_hello_t;

static const char http_hello_400[] =
    "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n"
    "Content-Length: 12\r\nConnection: close\r\n\r\nbad request\n";
static const char http_hello_431[] =
    "HTTP/1.1 431 Request Header Fields Too Large\r\n"
    "Content-Type: text/plain\r\nContent-Length: 32\r\n"
    "Connection: close\r\n\r\nrequest header fields too large\n";
static const char http_hello_501[] =
    "HTTP/1.1 501 Not Implemented\r\nContent-Type: text/plain\r\n"
    "Content-Length: 35\r\nConnection: close\r\n\r\n"
    "transfer encodings are not handled\n";

static void http_hello_describe(const json_t *v, char *buf, size_t size) {
  char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

  if (text == NULL) {
    snprintf(buf, size, "a value");
    return;
  }
  if (snprintf(buf, size, "%s", text) >= (int)size && size > 4)
    snprintf(buf + size - 4, 4, "...");
  free(text);
}

/* Init fails with this line as the reason (and in the log); with invalid
   set, the supervisor answers the kind "invalid". Returns rc. */
__attribute__((format(printf, 4, 5))) static int
http_hello_fail_init(act_ctx_t *ctx, int rc, int invalid, const char *fmt,
                     ...) {
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

static void http_hello_endpoint(char *buf, size_t size, const char *address,
                                int port) {
  if (strncmp(address, "unix:", 5) == 0)
    snprintf(buf, size, "%s", address);
  else if (strchr(address, ':') != NULL && address[0] != '[')
    snprintf(buf, size, "[%s]:%d", address, port);
  else
    snprintf(buf, size, "%s:%d", address, port);
}

static int http_buf_add(http_buf_t *b, const void *data, size_t len) {
  if (b->len + len > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    char *p;

    while (cap < b->len + len)
      cap *= 2;
    if ((p = realloc(b->p, cap)) == NULL)
      return ACT_ENOMEM;
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, data, len);
  b->len += len;
  return 0;
}

/* ------------------------------------------------------------ the listener */

static int http_hello_listener_init(act_ctx_t *ctx, json_t *args,
                                    http_hello_t **out) {
  act_net_opts_t opts = ACT_NET_OPTS_INIT;
  act_sock_info_t info;
  const char *key, *address = "127.0.0.1";
  json_t *value, *port, *body, *handler_args;
  char got[80], where[160];
  http_hello_t *t;
  int rc, unix_socket;

  if (!json_is_object(args))
    return http_hello_fail_init(ctx, ACT_EINVAL, 1,
                                "args: expected an object with \"port\" and "
                                "optionally \"address\" and \"body\"");
  json_object_foreach(args, key, value) {
    if (strcmp(key, "address") != 0 && strcmp(key, "port") != 0 &&
        strcmp(key, "body") != 0)
      return http_hello_fail_init(ctx, ACT_EINVAL, 1,
                                  "args: unknown field \"%s\" (expected "
                                  "address, port, body)", key);
  }
  if ((value = json_object_get(args, "address")) != NULL) {
    if (!json_is_string(value) || json_string_length(value) == 0 ||
        json_string_length(value) >= sizeof(t->address)) {
      http_hello_describe(value, got, sizeof(got));
      return http_hello_fail_init(ctx, ACT_EINVAL, 1,
                                  "address: expected an IP address, "
                                  "localhost or unix:PATH, got %s", got);
    }
    address = json_string_value(value);
  }
  unix_socket = strncmp(address, "unix:", 5) == 0;
  port = json_object_get(args, "port");
  if (port == NULL && !unix_socket)
    return http_hello_fail_init(ctx, ACT_EINVAL, 1,
                                "port: missing (an integer 0..65535; 0 lets "
                                "the system pick one)");
  if (port != NULL && (!json_is_integer(port) ||
                       json_integer_value(port) < 0 ||
                       json_integer_value(port) > 65535)) {
    http_hello_describe(port, got, sizeof(got));
    return http_hello_fail_init(ctx, ACT_EINVAL, 1,
                                "port: expected an integer 0..65535, got %s",
                                got);
  }
  body = json_object_get(args, "body");
  if (body != NULL && (!json_is_string(body) ||
                       json_string_length(body) > HTTP_HELLO_BODY_MAX)) {
    http_hello_describe(body, got, sizeof(got));
    return http_hello_fail_init(ctx, ACT_EINVAL, 1,
                                "body: expected a string of at most %u "
                                "bytes, got %s", HTTP_HELLO_BODY_MAX,
                                json_is_string(body) ? "a longer one" : got);
  }

  if ((t = calloc(1, sizeof(*t))) == NULL)
    return ACT_ENOMEM;
  t->role = HTTP_HELLO_LISTENER;
  snprintf(t->address, sizeof(t->address), "%s", address);
  t->port = port != NULL ? (int)json_integer_value(port) : 0;
  t->body_len = body != NULL ? json_string_length(body)
                             : sizeof(HTTP_HELLO_BODY) - 1;
  http_hello_endpoint(where, sizeof(where), t->address, t->port);

  /* Every connection gets the body and who to report to. */
  handler_args = json_pack("{s:I, s:o}", "listener",
                           (json_int_t)act_self(ctx), "body",
                           body != NULL ? json_incref(body)
                                        : json_string(HTTP_HELLO_BODY));
  if (handler_args == NULL) {
    free(t);
    return ACT_ENOMEM;
  }
  opts.handler = HTTP_HELLO_NAME;
  opts.handler_args = handler_args;
  rc = act_net_listen(ctx, t->address, t->port, &opts, &t->sock);
  json_decref(handler_args);
  if (rc == ACT_EINVAL) {
    free(t);
    return http_hello_fail_init(ctx, rc, 1,
                                "address: \"%s\" is not an IPv4 or IPv6 "
                                "address, localhost or unix:PATH", address);
  }
  if (rc == ACT_EUNAVAIL && !ACT_HOST_HAS(ctx, net_listen)) {
    free(t);
    return http_hello_fail_init(ctx, rc, 0,
                                "listen %s: an isolated actor has no sockets "
                                "(spawn it without --isolate)", where);
  }
  if (rc != 0) {
    free(t);
    return http_hello_fail_init(ctx, rc, 0, "listen %s: %s", where,
                                ctx->host->strerror(rc));
  }
  if (act_net_info(ctx, t->sock, &info) == 0) {
    snprintf(t->local, sizeof(t->local), "%s", info.local);
    if (!unix_socket)
      t->port = info.port;
  }
  act_log(ctx, ACT_LOG_INFO, "serving HTTP on %s",
          t->local[0] != '\0' ? t->local : where);
  *out = t;
  return 0;
}

static int http_hello_listener_handle(act_ctx_t *ctx, http_hello_t *t,
                                      const act_msg_t *msg) {
  if (msg->type != ACT_MSG_USER)
    return 0;
  if (msg->from != 0 && msg->tag == HTTP_HELLO_TAG_OPENED) {
    t->accepted++;
    t->open++;
    return 0;
  }
  if (msg->from != 0 && msg->tag == HTTP_HELLO_TAG_CLOSED) {
    if (t->open > 0)
      t->open--;
    return 0;
  }
  return act_reply_error(ctx, msg, "invalid",
                         "http_hello: messages are not understood (it "
                         "answers HTTP requests sent to %s)", t->local);
}

/* ---------------------------------------------------------- a connection */

/* The three 200 answers, made once for the life of the connection. */
static int http_hello_answers(http_hello_t *t, const char *body,
                              size_t body_len) {
  static const char *const extra[HTTP_ANSWERS] = {
      "", "Connection: keep-alive\r\n", "Connection: close\r\n"};
  int i;

  for (i = 0; i < HTTP_ANSWERS; i++) {
    char head[160];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                     "Content-Length: %zu\r\n%s\r\n", body_len, extra[i]);
    http_answer_t *a = &t->answer[i];

    if ((a->text = malloc((size_t)n + body_len)) == NULL)
      return ACT_ENOMEM;
    memcpy(a->text, head, (size_t)n);
    memcpy(a->text + n, body, body_len);
    a->head_len = (size_t)n;
    a->len = (size_t)n + body_len;
  }
  return 0;
}

static void http_hello_free(http_hello_t *t) {
  int i;

  for (i = 0; i < HTTP_ANSWERS; i++)
    free(t->answer[i].text);
  free(t->in.p);
  free(t->out.p);
  free(t);
}

static int http_hello_connection_init(act_ctx_t *ctx, json_t *args,
                                      act_sock_t sock, http_hello_t **out) {
  act_sock_info_t info;
  json_t *listener = json_object_get(args, "listener");
  json_t *body = json_object_get(args, "body");
  http_hello_t *t;

  if ((t = calloc(1, sizeof(*t))) == NULL)
    return ACT_ENOMEM;
  t->role = HTTP_HELLO_CONNECTION;
  t->sock = sock;
  if (json_is_integer(listener) && json_integer_value(listener) > 0)
    t->listener = (act_id_t)json_integer_value(listener);
  if (http_hello_answers(t,
                         json_is_string(body) ? json_string_value(body)
                                              : HTTP_HELLO_BODY,
                         json_is_string(body)
                             ? json_string_length(body)
                             : sizeof(HTTP_HELLO_BODY) - 1) != 0) {
    http_hello_free(t);
    return ACT_ENOMEM;
  }
  if (act_net_info(ctx, sock, &info) == 0) {
    snprintf(t->local, sizeof(t->local), "%s", info.local);
    snprintf(t->peer, sizeof(t->peer), "%s", info.peer);
  }
  if (t->listener != 0)
    act_send(ctx, t->listener, HTTP_HELLO_TAG_OPENED, NULL, 0);
  *out = t;
  return 0;
}

/* Queue the answer to a request that cannot go on, and stop reading. */
static int http_hello_refuse(http_hello_t *t, const char *text, size_t len) {
  t->closing = 1;
  return http_buf_add(&t->out, text, len);
}

/* Answer the complete requests in buf[0..len), in order, into t->out, up
   to a slice (t->more says that more may follow). *used: the bytes done
   with; the rest is an unfinished head, or what the slice left. */
static int http_hello_answer(http_hello_t *t, const char *buf, size_t len,
                             size_t *used) {
  size_t pos = 0;
  int rc = 0;

  t->more = 0;
  while (pos < len && !t->closing) {
    http_request_t req;
    const char *end;
    const http_answer_t *a;
    size_t head_len;
    int status;

    if (t->skip > 0) {
      size_t n = len - pos < t->skip ? len - pos : (size_t)t->skip;
      pos += n;
      t->skip -= n;
      continue;
    }
    if (t->out.len >= HTTP_HELLO_SLICE) {
      t->more = 1;
      break;
    }
    /* RFC 9112 2.2: empty lines before a request line are ignored. */
    while (len - pos >= 2 && buf[pos] == '\r' && buf[pos + 1] == '\n')
      pos += 2;
    if (pos == len)
      break;
    end = memmem(buf + pos, len - pos, "\r\n\r\n", 4);
    if (end == NULL) {
      /* Unfinished: wait for more, unless it is too long already. */
      if (len - pos >= HTTP_HEAD_MAX)
        rc = http_hello_refuse(t, http_hello_431, sizeof(http_hello_431) - 1);
      break;
    }
    head_len = (size_t)(end + 4 - (buf + pos));
    if (head_len > HTTP_HEAD_MAX) {
      rc = http_hello_refuse(t, http_hello_431, sizeof(http_hello_431) - 1);
      break;
    }
    status = http_request_parse(buf + pos, head_len, &req);
    pos += head_len;
    if (status == 501) {
      rc = http_hello_refuse(t, http_hello_501, sizeof(http_hello_501) - 1);
      break;
    }
    if (status != 0) {
      rc = http_hello_refuse(t, http_hello_400, sizeof(http_hello_400) - 1);
      break;
    }
    t->requests++;
    a = &t->answer[!req.keep_alive ? HTTP_ANSWER_CLOSE
                   : req.keep_alive_asked ? HTTP_ANSWER_KEEP10
                                          : HTTP_ANSWER_KEEP];
    if ((rc = http_buf_add(&t->out, a->text,
                           req.head ? a->head_len : a->len)) != 0)
      break;
    t->skip = req.content_length;
    t->closing = !req.keep_alive;
  }
  /* After an answer that closes, nothing more is read. */
  *used = t->closing ? len : pos;
  return rc;
}

/* Answer what t->in holds, keeping what is left. */
static int http_hello_answer_held(http_hello_t *t) {
  size_t used;
  int rc = http_hello_answer(t, t->in.p, t->in.len, &used);

  if (rc != 0)
    return rc;
  memmove(t->in.p, t->in.p + used, t->in.len - used);
  t->in.len -= used;
  return 0;
}

/* Close once what is queued has been sent; the actor ends normally after
   this callback, and makes no other call on the socket. */
static int http_hello_finish(act_ctx_t *ctx, http_hello_t *t) {
  act_net_close(ctx, t->sock);
  t->sock = 0;
  t->done = 1;
  return act_exit(ctx, NULL);
}

/* Hand the gathered answers to the socket in one write. When its queue is
   full, keep them and stop reading until ACT_NET_WRITABLE: the peer does
   not read its answers, so its requests can wait too. */
static int http_hello_flush(act_ctx_t *ctx, http_hello_t *t) {
  int rc;

  if (t->out.len == 0)
    return 0;
  rc = act_net_write(ctx, t->sock, t->out.p, t->out.len);
  if (rc == ACT_EAGAIN) {
    t->blocked = 1;
    if (t->paused)
      return 0;
    t->paused = 1;
    return act_net_pause(ctx, t->sock, 1);
  }
  if (rc != 0)
    return rc;
  t->bytes_out += t->out.len;
  t->out.len = 0;
  return 0;
}

/* Write what is answered, then answer and write the rest of t->in a slice
   at a time, until done, refused, or closing. */
static int http_hello_drain(act_ctx_t *ctx, http_hello_t *t) {
  int rc;

  for (;;) {
    if ((rc = http_hello_flush(ctx, t)) != 0 || t->blocked)
      return rc;
    if (t->closing)
      return http_hello_finish(ctx, t);
    if (!t->more)
      break;
    if ((rc = http_hello_answer_held(t)) != 0)
      return rc;
  }
  /* The peer is done sending: an unfinished request never will be. */
  if (t->eof)
    return http_hello_finish(ctx, t);
  return 0;
}

static int http_hello_data(act_ctx_t *ctx, http_hello_t *t,
                           const act_msg_t *msg) {
  size_t used;
  int rc;

  t->bytes_in += msg->len;
  if (t->closing || t->done)
    return 0;
  /* Refused: this read was already on its way; it waits its turn. */
  if (t->blocked) {
    t->more = 1;
    return http_buf_add(&t->in, msg->data, msg->len);
  }
  if (t->in.len == 0) {
    /* The usual case: whole requests, answered from the message itself. */
    if ((rc = http_hello_answer(t, msg->data, msg->len, &used)) != 0)
      return rc;
    if (used < msg->len &&
        (rc = http_buf_add(&t->in, (const char *)msg->data + used,
                           msg->len - used)) != 0)
      return rc;
  } else {
    if ((rc = http_buf_add(&t->in, msg->data, msg->len)) != 0 ||
        (rc = http_hello_answer_held(t)) != 0)
      return rc;
  }
  return http_hello_drain(ctx, t);
}

static int http_hello_connection_handle(act_ctx_t *ctx, http_hello_t *t,
                                        const act_msg_t *msg) {
  int rc;

  if (msg->type != ACT_MSG_NET || msg->ref != t->sock || t->done)
    return 0;
  switch (msg->tag) {
  case ACT_NET_DATA:
    return http_hello_data(ctx, t, msg);

  case ACT_NET_WRITABLE:
    if (!t->blocked)
      return 0;
    t->blocked = 0;
    if ((rc = http_hello_drain(ctx, t)) != 0 || t->blocked || t->done)
      return rc;
    t->paused = 0;
    return act_net_pause(ctx, t->sock, 0);

  case ACT_NET_EOF:
    /* Requests may still be answered (the peer only stopped sending). */
    t->eof = 1;
    if (t->blocked)
      return 0;
    return http_hello_drain(ctx, t);

  case ACT_NET_CLOSED:
    /* Not ours to fail over: the peer reset it, or the network did. */
    act_log(ctx, ACT_LOG_INFO, "%s: %s", t->peer,
            msg->reason != NULL ? msg->reason : "closed");
    t->sock = 0;
    t->done = 1;
    return act_exit(ctx, NULL);

  default:
    return 0;
  }
}

/* ------------------------------------------------------------ the plugin */

static int http_hello_init(act_ctx_t *ctx, json_t *args, void **state) {
  act_sock_t sock = act_net_adopted(ctx);
  http_hello_t *t = NULL;
  int rc;

  if (sock != 0)
    rc = http_hello_connection_init(ctx, args, sock, &t);
  else if (args == NULL || json_is_null(args)) {
    /* No args at all reads as {}: the port is missing. */
    json_t *none = json_object();

    rc = none != NULL ? http_hello_listener_init(ctx, none, &t) : ACT_ENOMEM;
    json_decref(none);
  } else
    rc = http_hello_listener_init(ctx, args, &t);
  if (rc == 0)
    *state = t;
  return rc;
}

static int http_hello_handle(act_ctx_t *ctx, void *state,
                             const act_msg_t *msg) {
  http_hello_t *t = state;

  if (t->role == HTTP_HELLO_LISTENER)
    return http_hello_listener_handle(ctx, t, msg);
  return http_hello_connection_handle(ctx, t, msg);
}

static void http_hello_terminate(act_ctx_t *ctx, void *state,
                                 const char *reason) {
  http_hello_t *t = state;

  (void)reason;
  if (t == NULL)
    return;
  if (t->role == HTTP_HELLO_CONNECTION && t->listener != 0)
    act_send(ctx, t->listener, HTTP_HELLO_TAG_CLOSED, NULL, 0);
  http_hello_free(t);
}

static json_t *http_hello_inspect(void *state) {
  const http_hello_t *t = state;

  if (t->role == HTTP_HELLO_LISTENER)
    return json_pack("{s:s, s:s, s:i, s:s, s:I, s:I, s:I}", "role",
                     "listener", "address", t->address, "port", t->port,
                     "local", t->local, "body_bytes", (json_int_t)t->body_len,
                     "accepted", (json_int_t)t->accepted, "connections",
                     (json_int_t)t->open);
  return json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "role",
                   "connection", "peer", t->peer, "local", t->local,
                   "requests", (json_int_t)t->requests, "bytes_in",
                   (json_int_t)t->bytes_in, "bytes_out",
                   (json_int_t)t->bytes_out, "held",
                   (json_int_t)(t->blocked ? t->out.len : 0));
}

/* A deploy keeps both kinds of state: the layout is that of 1.0.0. */
static int http_hello_code_change(act_ctx_t *ctx, void *old_state,
                                  const char *old_version, void **new_state) {
  (void)ctx;
  (void)old_version;
  *new_state = old_state;
  return 0;
}

ACT_PLUGIN(.name = HTTP_HELLO_NAME, .version = "1.0.0",
           .description = "an HTTP/1.1 server answering every request with "
                          "one text: {\"address\":A, \"port\":N, "
                          "\"body\":S}",
           .init = http_hello_init, .handle = http_hello_handle,
           .terminate = http_hello_terminate, .inspect = http_hello_inspect,
           .code_change = http_hello_code_change);
