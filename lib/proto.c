/* proto.c - socket path rules, JSON-RPC replies and line framing. */
#include "proto.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actor/error.h"

int act_socket_path(char *buf, size_t size) {
  const char *env = getenv("ACTORD_SOCKET");
  int n;

  if (env != NULL && env[0] != '\0')
    n = snprintf(buf, size, "%s", env);
  else if ((env = getenv("XDG_RUNTIME_DIR")) != NULL && env[0] != '\0')
    n = snprintf(buf, size, "%s/actord/control.sock", env);
  else
    n = snprintf(buf, size, "/tmp/actord-%u/control.sock", (unsigned)getuid());
  if (n < 0 || (size_t)n >= size) return ACT_EINVAL;
  return 0;
}

json_t *act_rpc_error(json_t *id, int code, const char *kind,
                      const char *fmt, ...) {
  char msg[512];
  va_list ap;
  json_t *err;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  err = json_pack("{s:i, s:s}", "code", code, "message", msg);
  if (err != NULL && kind != NULL)
    json_object_set_new(err, "data", json_pack("{s:s}", "kind", kind));
  return json_pack("{s:s, s:O?, s:o}", "jsonrpc", "2.0", "id", id, "error",
                   err);
}

json_t *act_rpc_result(json_t *id, json_t *result) {
  return json_pack("{s:s, s:O?, s:o}", "jsonrpc", "2.0", "id", id, "result",
                   result);
}

void act_linebuf_init(act_linebuf_t *lb, size_t max) {
  lb->buf = NULL;
  lb->start = lb->len = lb->cap = 0;
  lb->max = max;
}

void act_linebuf_free(act_linebuf_t *lb) {
  free(lb->buf);
  act_linebuf_init(lb, lb->max);
}

int act_linebuf_append(act_linebuf_t *lb, const char *data, size_t len) {
  size_t need;
  char *p;

  /* Forget the lines already handed out. */
  if (lb->start > 0) {
    memmove(lb->buf, lb->buf + lb->start, lb->len - lb->start);
    lb->len -= lb->start;
    lb->start = 0;
  }
  need = lb->len + len + 1;
  if (need > lb->cap) {
    size_t cap = lb->cap ? lb->cap : 4096;
    while (cap < need) cap *= 2;
    if ((p = realloc(lb->buf, cap)) == NULL) return ACT_ENOMEM;
    lb->buf = p;
    lb->cap = cap;
  }
  memcpy(lb->buf + lb->len, data, len);
  lb->len += len;
  /* No line, complete or not, may be longer than the limit. */
  {
    const char *p0 = lb->buf, *end = lb->buf + lb->len, *nl;
    while ((nl = memchr(p0, '\n', (size_t)(end - p0))) != NULL) {
      if ((size_t)(nl - p0) > lb->max) return ACT_EINVAL;
      p0 = nl + 1;
    }
    if ((size_t)(end - p0) > lb->max) return ACT_EINVAL;
  }
  return 0;
}

char *act_linebuf_next(act_linebuf_t *lb, size_t *len) {
  char *line = lb->buf + lb->start;
  char *nl;
  size_t n;

  if (lb->start >= lb->len ||
      (nl = memchr(line, '\n', lb->len - lb->start)) == NULL)
    return NULL;
  n = (size_t)(nl - line);
  *nl = '\0';
  lb->start += n + 1;
  if (len != NULL) *len = n;
  return line;
}
