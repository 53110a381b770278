/* output.c - the buffered standard output and the error line of actorctl. */
#include "output.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmalloc.h"

static char *output_buf;
static int output_silent;
static size_t output_len, output_cap;

static void output_reserve(size_t more) {
  size_t cap;

  if (output_len + more <= output_cap) return;
  cap = output_cap ? output_cap : 8192;
  while (cap < output_len + more) cap *= 2;
  output_buf = xrealloc(output_buf, cap);
  output_cap = cap;
}

void output_write(const char *s, size_t len) {
  if (len == 0) return;
  output_reserve(len);
  memcpy(output_buf + output_len, s, len);
  output_len += len;
}

void output_puts(const char *s) { output_write(s, strlen(s)); }

void output_printf(const char *fmt, ...) {
  va_list ap;
  int n;

  /* Try in the space already there first: most lines fit. */
  output_reserve(256);
  va_start(ap, fmt);
  n = vsnprintf(output_buf + output_len, output_cap - output_len, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n >= output_cap - output_len) {
    output_reserve((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(output_buf + output_len, output_cap - output_len, fmt, ap);
    va_end(ap);
  }
  output_len += (size_t)n;
}

void output_pad(const char *s, size_t width) {
  size_t len = strlen(s);

  output_reserve(len > width ? len : width);
  memcpy(output_buf + output_len, s, len);
  output_len += len;
  if (len < width) {
    memset(output_buf + output_len, ' ', width - len);
    output_len += width - len;
  }
}

/* jansson's dump callback: append to the buffer. */
static int output_dump_cb(const char *s, size_t len, void *arg) {
  (void)arg;
  output_write(s, len);
  return 0;
}

void output_json(const json_t *value) {
  json_dump_callback(value, output_dump_cb, NULL,
                     JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
}

void output_json_line(const json_t *value) {
  output_json(value);
  output_write("\n", 1);
}

size_t output_pending(void) { return output_len; }

int output_flush(void) {
  size_t off = 0;
  ssize_t n;

  while (off < output_len) {
    n = write(STDOUT_FILENO, output_buf + off, output_len - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      /* A closed pipe (actorctl ps | head) is not worth a message. */
      output_len = 0;
      return -1;
    }
    off += (size_t)n;
  }
  output_len = 0;
  return 0;
}

void output_free(void) {
  free(output_buf);
  output_buf = NULL;
  output_len = output_cap = 0;
}

void output_error(const char *fmt, ...) {
  char line[4096];
  va_list ap;
  int n;

  if (output_silent) return;
  output_flush();
  memcpy(line, "actorctl: ", 10);
  va_start(ap, fmt);
  n = vsnprintf(line + 10, sizeof(line) - 11, fmt, ap);
  va_end(ap);
  if (n < 0) n = 0;
  n += 10;
  if ((size_t)n > sizeof(line) - 2) n = (int)sizeof(line) - 2;
  /* One line, whatever the message held: a daemon's message or a user's
     argument may contain newlines. */
  for (int i = 10; i < n; i++)
    if (line[i] == '\n' || line[i] == '\r') line[i] = ' ';
  line[n++] = '\n';
  if (write(STDERR_FILENO, line, (size_t)n) < 0) {
    /* Nowhere left to report it. */
  }
}

void output_duration(char *buf, size_t size, int64_t ms) {
  int64_t s = ms / 1000;

  if (s < 0) s = 0;
  if (s < 60)
    snprintf(buf, size, "%llds", (long long)s);
  else if (s < 3600)
    snprintf(buf, size, "%lldm%02llds", (long long)(s / 60),
             (long long)(s % 60));
  else if (s < 86400)
    snprintf(buf, size, "%lldh%02lldm", (long long)(s / 3600),
             (long long)(s % 3600 / 60));
  else
    snprintf(buf, size, "%lldd%02lldh", (long long)(s / 86400),
             (long long)(s % 86400 / 3600));
}

const char *output_cell(char *buf, size_t size, const json_t *value) {
  if (value == NULL || json_is_null(value)) return "-";
  if (json_is_string(value)) return json_string_value(value);
  if (json_is_integer(value)) {
    snprintf(buf, size, "%lld", (long long)json_integer_value(value));
    return buf;
  }
  if (json_is_true(value)) return "true";
  if (json_is_false(value)) return "false";
  if (json_is_real(value)) {
    snprintf(buf, size, "%g", json_real_value(value));
    return buf;
  }
  {
    char *s = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
    snprintf(buf, size, "%s", s ? s : "?");
    free(s);
  }
  return buf;
}

void output_silence(int on) { output_silent = on; }
