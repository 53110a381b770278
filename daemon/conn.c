/* conn.c - a client of the control socket: framing, dispatch, replies. */
#include "conn.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actor/error.h"
#include "actord.h"
#include "events.h"
#include "logs.h"
#include "methods.h"
#include "server.h"
#include "state.h"

unsigned conn_log_followers;
unsigned conn_live_actors;
static unsigned conn_serial;

static int conn_ops_grow(conn_t *c);
static void conn_on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf);
static void conn_on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);
static int conn_actor_init(act_ctx_t *ctx, json_t *args, void **state);
static int conn_actor_handle(act_ctx_t *ctx, void *state,
                             const act_msg_t *msg);
static void conn_actor_terminate(act_ctx_t *ctx, void *state,
                                 const char *reason);

/* Connections are actors of this behaviour. It is never registered by
   name, so only the daemon can spawn one. */
static const act_plugin_t conn_plugin = {
    .abi_version = ACT_ABI_VERSION,
    .size = sizeof(act_plugin_t),
    .name = ACTORD_CONN_PLUGIN,
    .version = ACT_VERSION,
    .description = "a client of the control socket",
    .init = conn_actor_init,
    .handle = conn_actor_handle,
    .terminate = conn_actor_terminate,
};

conn_t *conn_new(int internal) {
  conn_t *c = calloc(1, sizeof(*c));

  if (c == NULL) return NULL;
  c->internal = internal ? 1 : 0;
  c->serial = ++conn_serial;
  /* A table from the start, so that parking an op never fails (when it
     cannot grow later, its chains get longer). */
  if (conn_ops_grow(c) != 0) {
    free(c);
    return NULL;
  }
  act_linebuf_init(&c->in, actord.max_request);
  if (!internal) {
    if (uv_pipe_init(actord.loop, &c->pipe, 0) != 0) {
      free(c->ops);
      free(c);
      return NULL;
    }
    c->pipe.data = c;
    c->pipe_open = 1;
  } else if ((c->queue = json_array()) == NULL) {
    free(c->ops);
    free(c);
    return NULL;
  }
  return c;
}

/* --------------------------------------------------------------- lifetime */

static void conn_free_ops(conn_t *c) {
  for (size_t i = 0; i < c->nbuckets; i++) {
    conn_op_t *op, *next;
    for (op = c->ops[i]; op != NULL; op = next) {
      next = op->next;
      op->cb(c, op, NULL);
      conn_op_free(op);
    }
    c->ops[i] = NULL;
  }
  free(c->ops);
  c->ops = NULL;
  c->nbuckets = c->nops = 0;
}

/* Free once both the socket and the actor are gone. */
static void conn_maybe_free(conn_t *c) {
  if (c->pipe_open || c->actor_live || c->linger_open) return;
  if (!c->internal) server_conn_gone(c);
  if (c->follow && conn_log_followers > 0) conn_log_followers--;
  conn_free_ops(c);
  act_linebuf_free(&c->in);
  json_decref(c->queue);
  free(c->out);
  free(c->wbuf);
  free(c);
}

static void conn_on_close(uv_handle_t *h) {
  conn_t *c = h->data;
  c->pipe_open = 0;
  conn_maybe_free(c);
}

static void conn_on_linger_close(uv_handle_t *h) {
  conn_t *c = h->data;
  c->linger_open = 0;
  conn_maybe_free(c);
}

void conn_close(conn_t *c, const char *why) {
  if (c->closing) return;
  c->closing = 1;
  if (why != NULL)
    logs_debug("client %u (pid %d): disconnected: %s", c->serial, (int)c->pid,
               why);
  if (c->pipe_open && !uv_is_closing((uv_handle_t *)&c->pipe))
    uv_close((uv_handle_t *)&c->pipe, conn_on_close);
  if (c->linger_open && !uv_is_closing((uv_handle_t *)&c->linger))
    uv_close((uv_handle_t *)&c->linger, conn_on_linger_close);
  /* The actor ends too; its asks and monitors go with it. Before its init
     ran, the init sees `closing` and ends it (an actor killed before its
     init would never call terminate, and the connection would leak). */
  if (c->actor_live && c->ctx != NULL && actord.rt != NULL)
    act_runtime_kill(actord.rt, c->id, "shutdown");
}

int conn_spawn(conn_t *c) {
  act_spawn_opts_t so = ACT_SPAWN_OPTS_INIT;
  json_t *args;
  int rc;

  /* The actor finds its connection through its args: both live on this
     thread, and the pointer never leaves the process. */
  args = json_pack("{s:I}", "conn", (json_int_t)(uintptr_t)c);
  if (args == NULL) {
    rc = ACT_ENOMEM;
    goto fail;
  }
  so.flags = ACT_SPAWN_HIDDEN;
  so.desc = &conn_plugin;
  so.args = args;
  so.sched = actord.sched;
  rc = act_runtime_spawn(actord.rt, &so, &c->id);
  json_decref(args);
  if (rc != 0) {
    /* Only a runtime that is stopping or out of memory may refuse. */
    if (rc != ACT_EUNAVAIL && rc != ACT_ENOMEM)
      logs_internal("cannot start a connection's actor: %s",
                    act_strerror(rc));
    goto fail;
  }
  c->actor_live = 1;
  conn_live_actors++;
  return 0;

fail:
  if (c->internal)
    conn_close(c, "could not start its actor");
  else
    conn_reject(c, rc == ACT_ENOMEM ? ACT_EUNAVAIL : rc,
                "actord cannot serve a client now: %s", act_strerror(rc));
  return rc;
}

/* --------------------------------------------------------------- output */

/* Room for n more bytes of output. */
static int conn_out_reserve(conn_t *c, size_t n) {
  size_t cap;
  char *p;

  if (c->out_len + n <= c->out_cap) return 0;
  cap = c->out_cap ? c->out_cap : 4096;
  while (cap < c->out_len + n) cap *= 2;
  if ((p = realloc(c->out, cap)) == NULL) return ACT_ENOMEM;
  c->out = p;
  c->out_cap = cap;
  return 0;
}

static int conn_out_mem(conn_t *c, const char *s, size_t n) {
  if (n == 0) return 0;
  if (conn_out_reserve(c, n) != 0) return ACT_ENOMEM;
  memcpy(c->out + c->out_len, s, n);
  c->out_len += n;
  return 0;
}

#define conn_out_lit(c, s) conn_out_mem((c), (s), sizeof(s) - 1)

static int conn_out_json(conn_t *c, const json_t *v) {
  const size_t flags = JSON_COMPACT | JSON_ENCODE_ANY;
  size_t avail = c->out_cap - c->out_len, n;

  n = json_dumpb(v, c->out ? c->out + c->out_len : NULL, avail, flags);
  if (n == 0) return ACT_EINVAL;
  if (n > avail) {
    if (conn_out_reserve(c, n) != 0) return ACT_ENOMEM;
    n = json_dumpb(v, c->out + c->out_len, n, flags);
    if (n == 0) return ACT_EINVAL;
  }
  c->out_len += n;
  return 0;
}

/* The length of the well-formed UTF-8 sequence at s, or 0. */
static size_t conn_utf8_len(const unsigned char *s) {
  size_t n;

  if (s[0] < 0x80) return 1;
  if (s[0] >= 0xc2 && s[0] <= 0xdf) n = 2;
  else if (s[0] >= 0xe0 && s[0] <= 0xef) n = 3;
  else if (s[0] >= 0xf0 && s[0] <= 0xf4) n = 4;
  else return 0;
  for (size_t i = 1; i < n; i++)
    if ((s[i] & 0xc0) != 0x80) return 0;
  if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
      (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
    return 0;
  return n;
}

/* A JSON string of s. A byte that is not UTF-8 (a parse error quotes the
   client's bytes as they came) becomes U+FFFD: a reply is always JSON. */
static int conn_out_str(conn_t *c, const char *s) {
  static const char hex[] = "0123456789abcdef";
  size_t n = strlen(s);

  if (conn_out_reserve(c, n * 6 + 2) != 0) return ACT_ENOMEM;
  c->out[c->out_len++] = '"';
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch >= 0x80) {
      size_t len = conn_utf8_len((const unsigned char *)s);
      if (len == 0) {
        memcpy(c->out + c->out_len, "\\ufffd", 6);
        c->out_len += 6;
      } else {
        memcpy(c->out + c->out_len, s, len);
        c->out_len += len;
        s += len - 1;
      }
    } else if (ch == '"' || ch == '\\') {
      c->out[c->out_len++] = '\\';
      c->out[c->out_len++] = (char)ch;
    } else if (ch < 0x20) {
      memcpy(c->out + c->out_len, "\\u00", 4);
      c->out[c->out_len + 4] = hex[ch >> 4];
      c->out[c->out_len + 5] = hex[ch & 15];
      c->out_len += 6;
    } else {
      c->out[c->out_len++] = (char)ch;
    }
  }
  c->out[c->out_len++] = '"';
  return 0;
}

static int conn_out_id(conn_t *c, json_t *id) {
  if (json_is_integer(id)) {
    char num[32];
    int n = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
                     json_integer_value(id));
    return conn_out_mem(c, num, (size_t)n);
  }
  return conn_out_json(c, id);
}

/* May this connection take another message? A client that does not read
   what it is sent is cut off once its queue passes the bound, so that it
   cannot make the daemon hold an unbounded amount of memory. */
static int conn_begin(conn_t *c) {
  size_t queued;

  if (c->closing || c->internal) return -1;
  queued = c->out_len + (c->writing ? c->wlen : 0);
  if (queued > actord.max_output) {
    logs_warn("client %u (pid %d): does not read its replies (%zu bytes "
              "queued); disconnected",
              c->serial, (int)c->pid, queued);
    conn_close(c, NULL);
    return -1;
  }
  return 0;
}

/* The message is complete: schedule the write, or undo a partial one. */
static void conn_end(conn_t *c, size_t mark, int rc) {
  if (rc != 0) {
    c->out_len = mark;
    logs_warn("client %u: out of memory for a reply; disconnected", c->serial);
    conn_close(c, NULL);
    return;
  }
  server_mark_dirty(c);
}

static int conn_out_head(conn_t *c, json_t *id) {
  int rc = conn_out_lit(c, "{\"jsonrpc\":\"2.0\",\"id\":");
  if (rc == 0) rc = conn_out_id(c, id);
  return rc;
}

void conn_result(conn_t *c, json_t *id, json_t *result) {
  size_t mark = c->out_len;
  int rc;

  if (id == NULL || conn_begin(c) != 0) {
    if (c->internal && id != NULL)
      logs_debug("%s: done", c->label[0] ? c->label : "internal request");
    json_decref(result);
    return;
  }
  if (result == NULL) {
    rc = ACT_ENOMEM;
  } else {
    rc = conn_out_head(c, id);
    if (rc == 0) rc = conn_out_lit(c, ",\"result\":");
    if (rc == 0) rc = conn_out_json(c, result);
    if (rc == 0) rc = conn_out_lit(c, "}\n");
  }
  json_decref(result);
  conn_end(c, mark, rc);
}

void conn_result_raw(conn_t *c, json_t *id, const char *json, size_t len) {
  size_t mark = c->out_len;
  int rc;

  if (id == NULL || conn_begin(c) != 0) return;
  rc = conn_out_head(c, id);
  if (rc == 0) rc = conn_out_lit(c, ",\"result\":");
  if (rc == 0) rc = conn_out_mem(c, json, len);
  if (rc == 0) rc = conn_out_lit(c, "}\n");
  conn_end(c, mark, rc);
}

void conn_result_empty(conn_t *c, json_t *id) {
  conn_result_raw(c, id, "{}", 2);
}

static void conn_verror(conn_t *c, json_t *id, int code, const char *kind,
                        const char *fmt, va_list ap) {
  char msg[1024];
  size_t mark = c->out_len;
  int rc;

  vsnprintf(msg, sizeof(msg), fmt, ap);
  if (c->internal) {
    logs_warn("%s: %s", c->label[0] ? c->label : "internal request", msg);
    return;
  }
  if (id == NULL || conn_begin(c) != 0) return;
  rc = conn_out_head(c, id);
  if (rc == 0) rc = conn_out_lit(c, ",\"error\":{\"code\":");
  if (rc == 0) {
    char num[16];
    int n = snprintf(num, sizeof(num), "%d", code);
    rc = conn_out_mem(c, num, (size_t)n);
  }
  if (rc == 0) rc = conn_out_lit(c, ",\"message\":");
  if (rc == 0) rc = conn_out_str(c, msg);
  if (rc == 0 && kind != NULL) {
    rc = conn_out_lit(c, ",\"data\":{\"kind\":");
    if (rc == 0) rc = conn_out_str(c, kind);
    if (rc == 0) rc = conn_out_lit(c, "}");
  }
  if (rc == 0) rc = conn_out_lit(c, "}}\n");
  conn_end(c, mark, rc);
}

void conn_error(conn_t *c, json_t *id, int code, const char *kind,
                const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  conn_verror(c, id, code, kind, fmt, ap);
  va_end(ap);
}

void conn_invalid(conn_t *c, json_t *id, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  conn_verror(c, id, ACT_RPC_INVALID_PARAMS, "invalid", fmt, ap);
  va_end(ap);
}

void conn_fail(conn_t *c, json_t *id, int err, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  conn_verror(c, id, ACT_RPC_APP, act_err_kind(err), fmt, ap);
  va_end(ap);
}

void conn_fail_reply(conn_t *c, json_t *id, json_t *error) {
  const char *kind = json_string_value(json_object_get(error, "kind"));
  const char *msg = json_string_value(json_object_get(error, "message"));

  if (json_is_string(error)) msg = json_string_value(error);
  conn_error(c, id, ACT_RPC_APP, kind ? kind : "internal", "%s",
             msg ? msg : "the supervisor refused the request");
}

void conn_notify(conn_t *c, const char *method, json_t *params) {
  size_t mark = c->out_len;
  int rc;

  if (conn_begin(c) != 0) return;
  rc = conn_out_lit(c, "{\"jsonrpc\":\"2.0\",\"method\":");
  if (rc == 0) rc = conn_out_str(c, method);
  if (rc == 0) rc = conn_out_lit(c, ",\"params\":");
  if (rc == 0) rc = conn_out_json(c, params);
  if (rc == 0) rc = conn_out_lit(c, "}\n");
  conn_end(c, mark, rc);
}

/* Close a client that said all it had to say once nothing is left to tell
   it: no request waiting, no subscription, nothing unwritten. */
static void conn_on_shutdown(uv_shutdown_t *req, int status) {
  (void)req;
  (void)status;
}

static void conn_on_linger(uv_timer_t *t) {
  conn_close(t->data, "refused");
}

/* The error line is out: half-close, and read (and drop) what the client
   still sends until it closes, for at most a second. Closing at once would
   make a client that is still writing fail with EPIPE before it reads why
   it was refused. */
static void conn_linger(conn_t *c) {
  if (c->lingering) return;
  c->lingering = 1;
  if (c->eof || uv_timer_init(actord.loop, &c->linger) != 0) {
    conn_close(c, "refused");
    return;
  }
  c->linger.data = c;
  c->linger_open = 1;
  /* EOF for a client that reads to the end; its close callback has
     nothing to do (the socket is closed by conn_close). */
  c->sreq.data = c;
  uv_shutdown(&c->sreq, (uv_stream_t *)&c->pipe, conn_on_shutdown);
  uv_timer_start(&c->linger, conn_on_linger, 1000, 0);
  /* Nothing is parsed any more; the line buffer is not needed. */
  act_linebuf_free(&c->in);
  uv_read_start((uv_stream_t *)&c->pipe, conn_on_alloc, conn_on_read);
}

static void conn_check_done(conn_t *c) {
  if (c->closing || c->internal) return;
  if (c->close_after_flush && !c->writing && c->out_len == 0) {
    conn_linger(c);
    return;
  }
  if (c->eof && c->nops == 0 && !c->events && !c->follow && !c->writing &&
      c->out_len == 0)
    conn_close(c, "end of input");
}

static void conn_on_write(uv_write_t *req, int status) {
  conn_t *c = req->data;

  c->writing = 0;
  c->wlen = 0;
  if (status != 0) {
    /* UV_ECANCELED: the handle is closing already. */
    if (status != UV_ECANCELED) conn_close(c, uv_strerror(status));
    return;
  }
  /* A buffer that once held a huge reply is not kept for an idle client. */
  if (c->wcap > 1024 * 1024) {
    free(c->wbuf);
    c->wbuf = NULL;
    c->wcap = 0;
  }
  /* What was queued meanwhile goes out with the next flush, which writes
     the state file first: a reply must never get ahead of the record of
     what it reports. */
  if (c->out_len > 0) {
    if (state_pending()) server_mark_dirty(c);
    else conn_flush(c);
  } else {
    conn_check_done(c);
  }
}

void conn_flush(conn_t *c) {
  uv_buf_t buf;
  char *p;
  size_t cap;
  int rc;

  if (c->closing || c->writing || c->internal) return;
  if (c->out_len == 0) {
    conn_check_done(c);
    return;
  }
  /* Swap the buffers: the one being filled goes out, the spare is
     filled next. */
  p = c->wbuf;
  cap = c->wcap;
  c->wbuf = c->out;
  c->wcap = c->out_cap;
  c->wlen = c->out_len;
  c->out = p;
  c->out_cap = cap;
  c->out_len = 0;
  buf = uv_buf_init(c->wbuf, (unsigned)c->wlen);
  c->wreq.data = c;
  c->writing = 1;
  rc = uv_write(&c->wreq, (uv_stream_t *)&c->pipe, &buf, 1, conn_on_write);
  if (rc != 0) {
    c->writing = 0;
    conn_close(c, uv_strerror(rc));
  }
}

void conn_reject(conn_t *c, int err, const char *fmt, ...) {
  va_list ap;

  va_start(ap, fmt);
  conn_verror(c, json_null(), ACT_RPC_APP, act_err_kind(err), fmt, ap);
  va_end(ap);
  c->close_after_flush = 1;
  conn_flush(c);
}

/* ------------------------------------------------------------ parked ops */

conn_op_t *conn_op_new(conn_t *c, json_t *id, conn_op_cb cb, void *data) {
  conn_op_t *op = calloc(1, sizeof(*op));

  (void)c;
  if (op == NULL) return NULL;
  op->id = id ? json_incref(id) : NULL;
  op->cb = cb;
  op->data = data;
  return op;
}

void conn_op_free(conn_op_t *op) {
  if (op == NULL) return;
  json_decref(op->id);
  free(op);
}

static int conn_ops_grow(conn_t *c) {
  size_t n = c->nbuckets ? c->nbuckets * 2 : 16;
  conn_op_t **b = calloc(n, sizeof(*b));

  if (b == NULL) return ACT_ENOMEM;
  for (size_t i = 0; i < c->nbuckets; i++) {
    conn_op_t *op, *next;
    for (op = c->ops[i]; op != NULL; op = next) {
      next = op->next;
      op->next = b[op->ref & (n - 1)];
      b[op->ref & (n - 1)] = op;
    }
  }
  free(c->ops);
  c->ops = b;
  c->nbuckets = n;
  return 0;
}

void conn_op_park(conn_t *c, conn_op_t *op, uint64_t ref) {
  size_t b;

  op->ref = ref;
  /* When the table cannot grow, chains get longer; it still works. */
  if (c->nops + 1 > c->nbuckets * 2) conn_ops_grow(c);
  b = ref & (c->nbuckets - 1);
  op->next = c->ops[b];
  c->ops[b] = op;
  c->nops++;
}

conn_op_t *conn_op_take(conn_t *c, uint64_t ref) {
  conn_op_t **pp, *op;

  if (c->nbuckets == 0) return NULL;
  for (pp = &c->ops[ref & (c->nbuckets - 1)]; (op = *pp) != NULL;
       pp = &op->next) {
    if (op->ref == ref) {
      *pp = op->next;
      op->next = NULL;
      c->nops--;
      return op;
    }
  }
  return NULL;
}

/* -------------------------------------------------------------- dispatch */

static void conn_dispatch(conn_t *c, json_t *req) {
  json_t *id, *method, *params, *jv;
  const method_t *m;
  char got[80];

  actord.requests++;
  if (!json_is_object(req)) {
    conn_error(c, json_null(), ACT_RPC_INVALID_REQUEST, NULL,
               "invalid request: expected a JSON object, got %s",
               methods_describe(req, got, sizeof(got)));
    return;
  }
  id = json_object_get(req, "id");
  if (id != NULL && !json_is_integer(id) && !json_is_string(id) &&
      !json_is_null(id)) {
    conn_error(c, json_null(), ACT_RPC_INVALID_REQUEST, NULL,
               "invalid request: id: expected a number or a string, got %s",
               methods_describe(id, got, sizeof(got)));
    return;
  }
  jv = json_object_get(req, "jsonrpc");
  if (jv != NULL && !(json_is_string(jv) &&
                      strcmp(json_string_value(jv), "2.0") == 0)) {
    conn_error(c, id ? id : json_null(), ACT_RPC_INVALID_REQUEST, NULL,
               "invalid request: jsonrpc: expected \"2.0\", got %s",
               methods_describe(jv, got, sizeof(got)));
    return;
  }
  method = json_object_get(req, "method");
  if (!json_is_string(method)) {
    conn_error(c, id ? id : json_null(), ACT_RPC_INVALID_REQUEST, NULL,
               "invalid request: method: expected a string, got %s",
               methods_describe(method, got, sizeof(got)));
    return;
  }
  params = json_object_get(req, "params");
  if (params != NULL && !json_is_object(params)) {
    if (json_is_null(params)) {
      params = NULL;
    } else {
      conn_error(c, id ? id : json_null(), ACT_RPC_INVALID_PARAMS, "invalid",
                 "params: expected an object, got %s",
                 methods_describe(params, got, sizeof(got)));
      return;
    }
  }
  if ((m = methods_find(json_string_value(method))) == NULL) {
    conn_error(c, id ? id : json_null(), ACT_RPC_METHOD_NOT_FOUND, NULL,
               "unknown method \"%.100s\"", json_string_value(method));
    return;
  }
  if (params == NULL) {
    /* An empty object shared by every request without params. */
    static json_t *empty;
    if (empty == NULL) empty = json_object();
    params = empty;
  }
  m->fn(c, id, params);
}

static void conn_dispatch_line(conn_t *c, char *line, size_t len) {
  json_error_t err;
  json_t *req;

  if (len > 0 && line[len - 1] == '\r') line[--len] = '\0';
  if (len == 0) return;
  req = json_loadb(line, len, JSON_DECODE_ANY, &err);
  if (req == NULL) {
    actord.requests++;
    conn_error(c, json_null(), ACT_RPC_PARSE_ERROR, NULL,
               "parse error: %s (at byte %d)", err.text, err.position);
    return;
  }
  conn_dispatch(c, req);
  json_decref(req);
}

/* One buffer for every read: the bytes are copied into the connection's
   line buffer at once, and the loop runs one callback at a time. */
static char conn_rbuf[64 * 1024];

static void conn_on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  (void)h;
  (void)hint;
  *buf = uv_buf_init(conn_rbuf, sizeof(conn_rbuf));
}

static void conn_too_large(conn_t *c) {
  char *line;
  size_t len;

  /* Serve the complete lines that fit, then refuse the one that does not. */
  while (!c->closing && c->in.start < c->in.len) {
    char *nl = memchr(c->in.buf + c->in.start, '\n', c->in.len - c->in.start);
    if (nl == NULL || (size_t)(nl - (c->in.buf + c->in.start)) > c->in.max)
      break;
    line = act_linebuf_next(&c->in, &len);
    conn_dispatch_line(c, line, len);
  }
  if (c->closing) return;
  logs_info("client %u (pid %d): request larger than %zu bytes; "
            "disconnected",
            c->serial, (int)c->pid, c->in.max);
  uv_read_stop((uv_stream_t *)&c->pipe);
  conn_error(c, json_null(), ACT_RPC_INVALID_REQUEST, "invalid",
             "request too large: more than %zu bytes", c->in.max);
  c->close_after_flush = 1;
  act_linebuf_free(&c->in);
}

static void conn_on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  conn_t *c = s->data;
  char *line;
  size_t len;
  int rc;

  if (c->lingering) {
    /* Refused: drop the input, end at its end. */
    if (nread < 0) conn_close(c, "refused");
    return;
  }
  if (nread < 0) {
    uv_read_stop(s);
    if (nread != UV_EOF) {
      conn_close(c, uv_strerror((int)nread));
      return;
    }
    /* Half a line at the end is dropped; what was asked is still
       answered (socat and the like half-close and wait for replies). */
    c->eof = 1;
    act_linebuf_free(&c->in);
    conn_check_done(c);
    return;
  }
  if (nread == 0 || c->closing || c->close_after_flush) return;
  rc = act_linebuf_append(&c->in, buf->base, (size_t)nread);
  if (rc == ACT_EINVAL) {
    conn_too_large(c);
    return;
  }
  if (rc != 0) {
    logs_warn("client %u: out of memory for its request; disconnected",
              c->serial);
    conn_close(c, NULL);
    return;
  }
  while (!c->closing && (line = act_linebuf_next(&c->in, &len)) != NULL)
    conn_dispatch_line(c, line, len);
}

/* ---------------------------------------------------------- internal use */

static void conn_run_queue(conn_t *c) {
  while (c->ctx != NULL && c->nops == 0 && json_array_size(c->queue) > 0) {
    json_t *req = json_incref(json_array_get(c->queue, 0));
    const char *label = json_string_value(json_object_get(req, "label"));
    json_array_remove(c->queue, 0);
    /* The label says in log lines what the request was for. */
    snprintf(c->label, sizeof(c->label), "%s",
             label ? label : "internal request");
    conn_dispatch(c, req);
    json_decref(req);
  }
  if (c->ctx != NULL && c->on_idle != NULL && conn_idle(c)) {
    void (*cb)(conn_t *) = c->on_idle;
    c->on_idle = NULL;
    cb(c);
  }
}

void conn_submit(conn_t *c, json_t *request) {
  if (request == NULL) return;
  json_array_append_new(c->queue, request);
  conn_run_queue(c);
}

int conn_idle(const conn_t *c) {
  return c->nops == 0 && json_array_size(c->queue) == 0;
}

/* ----------------------------------------------------------------- actor */

static int conn_actor_init(act_ctx_t *ctx, json_t *args, void **state) {
  json_t *p = json_object_get(args, "conn");
  conn_t *c;
  int rc;

  if (!json_is_integer(p)) return ACT_EINVAL;
  c = (conn_t *)(uintptr_t)json_integer_value(p);
  c->ctx = ctx;
  *state = c;
  if (c->internal) {
    conn_run_queue(c);
    return 0;
  }
  if (c->closing) {
    act_exit(ctx, "shutdown");
    return 0;
  }
  rc = uv_read_start((uv_stream_t *)&c->pipe, conn_on_alloc, conn_on_read);
  if (rc != 0) conn_close(c, uv_strerror(rc));
  return 0;
}

static int conn_actor_handle(act_ctx_t *ctx, void *state,
                             const act_msg_t *msg) {
  conn_t *c = state;
  conn_op_t *op = NULL;
  uint64_t ref;

  (void)ctx;
  switch (msg->type) {
  case ACT_MSG_REPLY:
  case ACT_MSG_TIMEOUT:
  case ACT_MSG_DOWN:
    op = conn_op_take(c, msg->ref);
    break;
  case ACT_MSG_USER:
    if (msg->tag == CONN_TAG_TIMER && msg->payload == ACT_PAYLOAD_BYTES &&
        msg->len == sizeof(ref)) {
      memcpy(&ref, msg->data, sizeof(ref));
      op = conn_op_take(c, ref);
    }
    break;
  default:
    break;
  }
  if (op != NULL) {
    op->cb(c, op, msg);
    conn_op_free(op);
  }
  if (c->internal) conn_run_queue(c);
  else conn_check_done(c);
  return 0;
}

static void conn_actor_terminate(act_ctx_t *ctx, void *state,
                                 const char *reason) {
  conn_t *c = state;

  (void)ctx;
  c->ctx = NULL;
  conn_free_ops(c);
  if (c->follow) {
    c->follow = 0;
    if (conn_log_followers > 0) conn_log_followers--;
  }
  if (c->events && events_subscribers > 0) events_subscribers--;
  c->events = 0;
  c->actor_live = 0;
  if (conn_live_actors > 0) conn_live_actors--;
  if (!c->closing) conn_close(c, reason);
  conn_maybe_free(c);
}
