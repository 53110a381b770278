/* client.c - actorctl's side of the control socket. */
#include "client.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cmd.h"
#include "jscan.h"
#include "output.h"
#include "xmalloc.h"

static int client_sigpipe[2] = {-1, -1};
static volatile sig_atomic_t client_sigbits;

/* Only async-signal-safe work here: remember the signal and wake whoever
   polls the pipe. */
static void client_on_signal(int sig) {
  int saved = errno;
  char byte = (char)sig;

  client_sigbits |= 1 << sig;
  if (write(client_sigpipe[1], &byte, 1) < 0) {
    /* The pipe is full: a wake-up is already pending. */
  }
  errno = saved;
}

void client_signals_init(void) {
  struct sigaction sa;

  if (client_sigpipe[0] >= 0) return;
  if (pipe2(client_sigpipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    output_error("cannot create a pipe: %s", strerror(errno));
    exit(CMD_ERROR);
  }
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = client_on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGWINCH, &sa, NULL);
  /* A daemon that goes away mid-write must be an error, not a death. */
  signal(SIGPIPE, SIG_IGN);
}

int client_signal_fd(void) { return client_sigpipe[0]; }

unsigned client_signals_take(void) {
  char drain[64];
  unsigned bits;

  if (client_sigpipe[0] >= 0)
    while (read(client_sigpipe[0], drain, sizeof(drain)) > 0) continue;
  bits = (unsigned)client_sigbits;
  client_sigbits = 0;
  return bits;
}

int client_connect(const char *path, int quiet, struct client **out) {
  struct sockaddr_un sa;
  struct client *c;
  int fd;

  *out = NULL;
  memset(&sa, 0, sizeof(sa));
  sa.sun_family = AF_UNIX;
  if (strlen(path) >= sizeof(sa.sun_path)) {
    if (!quiet)
      output_error("cannot reach actord at %s: socket path longer than %zu "
                   "bytes",
                   path, sizeof(sa.sun_path) - 1);
    return CMD_UNREACHABLE;
  }
  memcpy(sa.sun_path, path, strlen(path) + 1);
  fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
    int err = errno;
    if (fd >= 0) close(fd);
    if (!quiet)
      output_error("cannot reach actord at %s: %s", path, strerror(err));
    return CMD_UNREACHABLE;
  }
  c = xcalloc(1, sizeof(*c));
  c->fd = fd;
  c->path = xstrdup(path);
  act_linebuf_init(&c->lb, 64 * 1024 * 1024);
  c->next_id = 1;
  c->pending = json_array();
  *out = c;
  return CMD_OK;
}

void client_free(struct client *c) {
  if (c == NULL) return;
  if (c->fd >= 0) close(c->fd);
  act_linebuf_free(&c->lb);
  json_decref(c->hello);
  json_decref(c->pending);
  free(c->path);
  free(c);
}

int client_open(struct cmd_ctx *ctx) {
  if (ctx->client != NULL && !ctx->client->closed) return CMD_OK;
  client_free(ctx->client);
  ctx->client = NULL;
  return client_connect(ctx->socket_path, 0, &ctx->client);
}

static int client_write_all(struct client *c, const char *buf, size_t len) {
  size_t off = 0;
  ssize_t n;

  while (off < len) {
    n = send(c->fd, buf + off, len - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    off += (size_t)n;
  }
  return 0;
}

int client_pump(struct client *c) {
  char buf[262144];
  ssize_t n;

  for (;;) {
    n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n > 0) {
      if (act_linebuf_append(&c->lb, buf, (size_t)n) != 0) {
        c->closed = 1;
        return -1;
      }
      if ((size_t)n < sizeof(buf)) return 0;
      continue;
    }
    if (n == 0) {
      c->closed = 1;
      return -1;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    c->closed = 1;
    return -1;
  }
}

/* The next complete line as JSON (new reference), or NULL when none is
   complete; a line that is not JSON is skipped: the daemon never sends one,
   and one bad line must not stop a follower. */
static json_t *client_line(struct client *c) {
  char *line;
  size_t len;
  json_t *msg;

  while ((line = act_linebuf_next(&c->lb, &len)) != NULL) {
    if (len == 0) continue;
    msg = json_loadb(line, len, JSON_DECODE_ANY, NULL);
    if (json_is_object(msg)) return msg;
    json_decref(msg);
  }
  return NULL;
}

json_t *client_pop(struct client *c) {
  json_t *msg;

  if (json_array_size(c->pending) > 0) {
    msg = json_incref(json_array_get(c->pending, 0));
    json_array_remove(c->pending, 0);
    return msg;
  }
  while ((msg = client_line(c)) != NULL) {
    if (json_object_get(msg, "method") != NULL &&
        json_object_get(msg, "id") == NULL)
      return msg;
    json_decref(msg); /* a reply nobody waits for any more */
  }
  return NULL;
}

/*
 * Wait until the socket is readable or the deadline passes; serve the
 * watched descriptor meanwhile. 0 when readable, CMD_TIMEOUT,
 * CLIENT_INTERRUPTED.
 */
static int client_wait(struct cmd_ctx *ctx, struct client *c) {
  struct pollfd pfd[2 + CMD_MAX_WATCH];
  int n, timeout, nfds, i;

  for (;;) {
    timeout = -1;
    if (ctx->deadline > 0) {
      int64_t left = ctx->deadline - cmd_now_ms();
      if (left <= 0) return CMD_TIMEOUT;
      timeout = left > 0x7fffffff ? 0x7fffffff : (int)left;
    }
    pfd[0].fd = c->fd;
    pfd[0].events = POLLIN;
    pfd[1].fd = client_sigpipe[0];
    pfd[1].events = POLLIN;
    nfds = 2;
    for (i = 0; i < ctx->nwatch; i++) {
      pfd[nfds].fd = ctx->watch_fd[i];
      pfd[nfds].events = POLLIN;
      pfd[nfds].revents = 0;
      nfds++;
    }
    n = poll(pfd, (nfds_t)nfds, timeout);
    if (n < 0) {
      if (errno == EINTR) continue;
      return CMD_UNREACHABLE;
    }
    if (n == 0) continue; /* the deadline check above ends it */
    if (pfd[1].revents & POLLIN) {
      unsigned bits = client_signals_take();
      if (bits & ((1u << SIGINT) | (1u << SIGTERM))) return CLIENT_INTERRUPTED;
    }
    for (i = 2; i < nfds; i++)
      if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
        ctx->watch_cb(ctx->watch_arg, pfd[i].fd);
    if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) return 0;
  }
}

static int client_major(const json_t *proto) {
  if (json_is_integer(proto)) return (int)json_integer_value(proto);
  if (json_is_string(proto)) return atoi(json_string_value(proto));
  return -1;
}

/* Check the pipelined hello's reply; CMD_OK or a status after printing. */
static int client_check_hello(struct client *c, json_t *msg) {
  json_t *res = json_object_get(msg, "result");
  json_t *proto = json_object_get(res, "protocol");
  const char *shown;
  char buf[32];

  c->hello_id = 0;
  if (res == NULL) {
    json_t *err = json_object_get(msg, "error");
    output_error("actord at %s refused hello: %s", c->path,
                 json_string_value(json_object_get(err, "message"))
                     ? json_string_value(json_object_get(err, "message"))
                     : "no message");
    return CMD_ERROR;
  }
  if (client_major(proto) != ACT_PROTO_MAJOR) {
    shown = json_is_string(proto) ? json_string_value(proto) : NULL;
    if (shown == NULL) {
      if (json_is_integer(proto))
        snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(proto));
      else
        snprintf(buf, sizeof(buf), "unknown");
      shown = buf;
    }
    output_error("actord at %s speaks protocol %s, actorctl %s speaks %s: "
                 "use an actorctl of the same major version",
                 c->path, shown, ACT_VERSION, ACT_PROTO_VERSION);
    return CMD_ERROR;
  }
  json_decref(c->hello);
  c->hello = json_incref(res);
  return CMD_OK;
}

int client_error_status(const char *what, const char *method,
                        const json_t *error) {
  const char *msg = json_string_value(json_object_get(error, "message"));
  const char *kind =
      json_string_value(json_object_get(json_object_get(error, "data"), "kind"));
  json_int_t code = json_integer_value(json_object_get(error, "code"));

  if (msg == NULL) msg = "unknown error";
  if (code == ACT_RPC_METHOD_NOT_FOUND && kind == NULL) {
    output_error("%s: actord does not support %s yet (%s)", what, method, msg);
    return CMD_ERROR;
  }
  output_error("%s", msg);
  if (kind != NULL && strcmp(kind, "not_found") == 0) return CMD_NOT_FOUND;
  if (kind != NULL && strcmp(kind, "timeout") == 0) return CMD_TIMEOUT;
  return CMD_ERROR;
}

static void client_report(struct cmd_ctx *ctx, struct client *c,
                          const char *what, int status) {
  if (status == CMD_TIMEOUT) {
    if (ctx->timeout_ms >= 0)
      output_error("%s: timed out after %ld ms", what, ctx->timeout_ms);
    else
      output_error("%s: timed out waiting for actord", what);
  } else if (status == CMD_UNREACHABLE) {
    output_error("cannot reach actord at %s: connection closed", c->path);
  } else if (status == CLIENT_INTERRUPTED && ctx->shell != NULL) {
    output_error("%s: interrupted", what);
  }
}

/* The reply to id, taken from the line without building it, when it is a
   result: 1 with *raw and *len on the result's text, else 0 (errors and
   everything else go the ordinary way). */
static int client_raw_result(const char *line, size_t len, long long id,
                             const char **raw, size_t *rawlen) {
  struct jscan s;
  char key[16], buf[32];
  int r, match = 0, found = 0;

  jscan_init(&s, line, len);
  if (jscan_object(&s) != 0) return 0;
  while ((r = jscan_member(&s, key, sizeof(key))) == 1) {
    if (strcmp(key, "id") == 0) {
      int quoted = jscan_peek(&s) == '"';
      const char *cell = jscan_cell(&s, buf, sizeof(buf));
      if (cell == NULL) return 0;
      match = !quoted && strtoll(cell, NULL, 10) == id;
    } else if (strcmp(key, "result") == 0) {
      if (jscan_raw(&s, raw, rawlen) != 0) return 0;
      found = 1;
    } else if (jscan_skip(&s) != 0) {
      return 0;
    }
  }
  return r == 0 && match && found;
}

/* Read until the reply to id arrives; notifications meanwhile are kept.
   With raw, a result is handed over as text (see client_call_raw). */
static int client_await(struct cmd_ctx *ctx, struct client *c,
                        const char *what, const char *method, long long id,
                        json_t **result, const char **raw, size_t *rawlen) {
  json_t *msg;
  char *line;
  size_t len;
  int status;

  for (;;) {
    while ((line = act_linebuf_next(&c->lb, &len)) != NULL) {
      json_t *jid;
      long long got;

      if (len == 0) continue;
      if (raw != NULL && client_raw_result(line, len, id, raw, rawlen))
        return CMD_OK;
      msg = json_loadb(line, len, JSON_DECODE_ANY, NULL);
      if (!json_is_object(msg)) {
        json_decref(msg);
        continue;
      }
      jid = json_object_get(msg, "id");
      got = json_is_integer(jid) ? json_integer_value(jid) : -1;
      if (jid == NULL && json_object_get(msg, "method") != NULL) {
        json_array_append_new(c->pending, msg);
        continue;
      }
      /* An error with id null before any reply: the daemon refused the
         connection (too many clients, not admitted, shutting down) and
         says why before it closes. */
      if (json_is_null(jid) && json_object_get(msg, "error") != NULL) {
        json_t *err = json_object_get(msg, "error");
        const char *why = json_string_value(json_object_get(err, "message"));
        output_error("actord at %s refused the connection: %s", c->path,
                     why ? why : "no reason given");
        json_decref(msg);
        c->closed = 1;
        return CMD_UNREACHABLE;
      }
      if (c->hello_id != 0 && got == c->hello_id) {
        status = client_check_hello(c, msg);
        json_decref(msg);
        if (status != CMD_OK) return status;
        continue;
      }
      if (got != id) {
        json_decref(msg);
        continue;
      }
      if (json_object_get(msg, "error") != NULL) {
        status = client_error_status(what, method, json_object_get(msg, "error"));
        json_decref(msg);
        return status;
      }
      if (result != NULL) {
        *result = json_object_get(msg, "result");
        if (*result == NULL) *result = json_null();
        json_incref(*result);
      } else if (raw != NULL) {
        /* A result the scanner could not take apart: say what it is. */
        json_decref(msg);
        output_error("%s: actord sent a reply that is not valid JSON", what);
        return CMD_ERROR;
      }
      json_decref(msg);
      return CMD_OK;
    }
    if (c->closed) {
      client_report(ctx, c, what, CMD_UNREACHABLE);
      return CMD_UNREACHABLE;
    }
    status = client_wait(ctx, c);
    if (status != 0) {
      client_report(ctx, c, what, status);
      return status;
    }
    client_pump(c);
  }
}

/* Write the request (with hello first on a new connection); its id, or
   -1 after printing the error. */
static long long client_send(struct cmd_ctx *ctx, const char *what,
                             const char *method, json_t *params, int *status) {
  struct client *c;
  json_t *req;
  char *text = NULL, *hello = NULL, *both;
  long long id;
  int err;

  if ((*status = client_open(ctx)) != CMD_OK) {
    json_decref(params);
    return -1;
  }
  c = ctx->client;
  id = c->next_id++;
  req = json_pack("{s:s, s:I, s:s}", "jsonrpc", "2.0", "id", (json_int_t)id,
                  "method", method);
  if (params != NULL) json_object_set_new(req, "params", params);
  text = json_dumps(req, JSON_COMPACT);
  json_decref(req);
  if (text == NULL) {
    output_error("%s: cannot encode the request", what);
    *status = CMD_USAGE;
    return -1;
  }
  /* The first request of a connection travels with hello in one write, so
     that checking the protocol costs no extra round trip. */
  if (c->hello == NULL && c->hello_id == 0) {
    c->hello_id = c->next_id++;
    xasprintf(&hello,
              "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"method\":\"hello\","
              "\"params\":{\"client\":\"actorctl " ACT_VERSION "\","
              "\"protocol\":\"" ACT_PROTO_VERSION "\"}}\n",
              c->hello_id);
  }
  xasprintf(&both, "%s%s\n", hello ? hello : "", text);
  free(hello);
  free(text);
  err = client_write_all(c, both, strlen(both));
  free(both);
  if (err != 0) {
    c->closed = 1;
    output_error("cannot reach actord at %s: %s", c->path, strerror(-err));
    *status = CMD_UNREACHABLE;
    return -1;
  }
  *status = CMD_OK;
  return id;
}

int client_call(struct cmd_ctx *ctx, const char *what, const char *method,
                json_t *params, json_t **result) {
  long long id;
  int status;

  if (result != NULL) *result = NULL;
  if ((id = client_send(ctx, what, method, params, &status)) < 0)
    return status;
  return client_await(ctx, ctx->client, what, method, id, result, NULL, NULL);
}

int client_call_raw(struct cmd_ctx *ctx, const char *what, const char *method,
                    json_t *params, const char **raw, size_t *len) {
  long long id;
  int status;

  if ((id = client_send(ctx, what, method, params, &status)) < 0)
    return status;
  return client_await(ctx, ctx->client, what, method, id, NULL, raw, len);
}

int client_next(struct cmd_ctx *ctx, const char *what, json_t **msg) {
  struct client *c = ctx->client;
  int status;

  *msg = NULL;
  for (;;) {
    if ((*msg = client_pop(c)) != NULL) return CMD_OK;
    if (c->closed) {
      client_report(ctx, c, what, CMD_UNREACHABLE);
      return CMD_UNREACHABLE;
    }
    status = client_wait(ctx, c);
    if (status != 0) {
      client_report(ctx, c, what, status);
      return status;
    }
    if (client_pump(c) != 0 && (*msg = client_pop(c)) == NULL) {
      client_report(ctx, c, what, CMD_UNREACHABLE);
      return CMD_UNREACHABLE;
    }
    if (*msg != NULL) return CMD_OK;
  }
}
