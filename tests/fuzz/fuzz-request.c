/*
 * fuzz-request.c - arbitrary bytes through the daemon's request path.
 *
 * A whole actord runs in this process, on a thread of its own, on a
 * private socket (the real main(), compiled as actord_main). Each input is
 * written to a fresh connection, which is then half-closed; everything the
 * daemon answers is read back to its end and checked:
 *
 *   - every reply is one line of valid JSON: an object with "jsonrpc":"2.0",
 *     an "id", and exactly one of "result" and "error" (with an integer
 *     "code" and a string "message");
 *   - every complete line gets exactly one reply, except a notification
 *     (no "id") of a known method with a well-formed envelope, which gets
 *     none;
 *   - the daemon answers within a few seconds and keeps running.
 *
 * Lines that ask for something with effects beyond the connection (stop
 * the daemon, start actors or programs, load code, follow streams, wait on
 * actors) are dropped from the input before it is sent: the fuzzer is after
 * the framing, the decoder and the validation of every method's params,
 * not after running what it finds.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "fuzz.h"

int actord_main(int argc, char **argv);

static char fuzz_dir[] = "/tmp/fuzz-request.XXXXXX";
static char fuzz_sock[100];

/* Methods whose handlers only look and answer. */
static const char *const fuzz_safe[] = {
    "hello",       "daemon.status", "actor.send",      "actor.list",
    "actor.info",  "actor.tree",    "name.register",   "name.unregister",
    "name.whereis", "plugin.list",  "stats",           "methods.list",
    NULL};
/* Every method the daemon knows: a notification of one gets no reply. */
static const char *const fuzz_known[] = {
    "daemon.shutdown", "actor.spawn",      "actor.call", "actor.wait",
    "plugin.load",     "plugin.deploy",    "logs.read",  "events.subscribe",
    "actor.kill",      "actor.stop",       "actor.restart", "plugin.unload",
    NULL};

static int fuzz_in(const char *const *list, const char *s) {
  for (; *list != NULL; list++)
    if (strcmp(*list, s) == 0) return 1;
  return 0;
}

static void *fuzz_daemon(void *arg) {
  char state[100], log[100];
  char *argv[12];
  int argc = 0;

  (void)arg;
  snprintf(state, sizeof(state), "%s/state", fuzz_dir);
  snprintf(log, sizeof(log), "%s/actord.log", fuzz_dir);
  argv[argc++] = "actord";
  argv[argc++] = "-s";
  argv[argc++] = fuzz_sock;
  argv[argc++] = "-S";
  argv[argc++] = state;
  argv[argc++] = "--ephemeral";
  argv[argc++] = "-L";
  argv[argc++] = log;
  argv[argc++] = "-l";
  argv[argc++] = "error";
  argv[argc] = NULL;
  actord_main(argc, argv);
  fprintf(stderr, "fuzz-request: the daemon stopped\n");
  abort();
}

static int fuzz_connect(void) {
  struct sockaddr_un sa;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (fd < 0) return -1;
  memset(&sa, 0, sizeof(sa));
  sa.sun_family = AF_UNIX;
  snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", fuzz_sock);
  if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

int fuzz_init(void) {
  pthread_t t;
  struct timespec ts = {0, 10 * 1000 * 1000};
  int fd;

  if (mkdtemp(fuzz_dir) == NULL) return -1;
  snprintf(fuzz_sock, sizeof(fuzz_sock), "%s/s.sock", fuzz_dir);
  if (pthread_create(&t, NULL, fuzz_daemon, NULL) != 0) return -1;
  for (int i = 0; i < 1000; i++) {
    if ((fd = fuzz_connect()) >= 0) {
      close(fd);
      return 0;
    }
    nanosleep(&ts, NULL);
  }
  fprintf(stderr, "fuzz-request: the daemon did not come up\n");
  return -1;
}

/* How many replies a line must get: 1, 0 (a notification), or -1 to drop
   the line. */
static int fuzz_expect(const char *line, size_t len) {
  json_error_t err;
  json_t *req, *id, *jv, *method, *params;
  int n = 1;

  if (len > 0 && line[len - 1] == '\r') len--;
  if (len == 0) return 0;
  req = json_loadb(line, len, JSON_DECODE_ANY, &err);
  if (req == NULL) return 1;
  if (!json_is_object(req)) goto out;
  method = json_object_get(req, "method");
  if (json_is_string(method)) {
    const char *m = json_string_value(method);
    if (!fuzz_in(fuzz_safe, m) && fuzz_in(fuzz_known, m)) {
      n = -1;
      goto out;
    }
  }
  id = json_object_get(req, "id");
  if (id != NULL) goto out;
  jv = json_object_get(req, "jsonrpc");
  if (jv != NULL &&
      !(json_is_string(jv) && strcmp(json_string_value(jv), "2.0") == 0))
    goto out;
  if (!json_is_string(method)) goto out;
  params = json_object_get(req, "params");
  if (params != NULL && !json_is_object(params) && !json_is_null(params))
    goto out;
  if (!fuzz_in(fuzz_safe, json_string_value(method))) goto out;
  n = 0;
out:
  json_decref(req);
  return n;
}

static void fuzz_check_reply(const char *line, size_t len) {
  json_error_t err;
  json_t *r, *e;
  int has_result, has_error;

  r = json_loadb(line, len, 0, &err);
  if (r == NULL) {
    fprintf(stderr, "reply is not JSON (%s): %.*s\n", err.text, (int)len,
            line);
    abort();
  }
  has_result = json_object_get(r, "result") != NULL;
  e = json_object_get(r, "error");
  has_error = e != NULL;
  if (!json_is_string(json_object_get(r, "jsonrpc")) ||
      strcmp(json_string_value(json_object_get(r, "jsonrpc")), "2.0") != 0 ||
      json_object_get(r, "id") == NULL || has_result == has_error ||
      (has_error && (!json_is_integer(json_object_get(e, "code")) ||
                     !json_is_string(json_object_get(e, "message"))))) {
    fprintf(stderr, "not a JSON-RPC reply: %.*s\n", (int)len, line);
    abort();
  }
  json_decref(r);
}

int fuzz_one(const uint8_t *data, size_t size) {
  char *send_buf = malloc(size + 1), *reply = NULL;
  size_t send_len = 0, reply_len = 0, reply_cap = 0, got = 0;
  long expected = 0;
  const char *p = (const char *)data, *end = p + size, *nl;
  struct pollfd pfd;
  int fd;

  if (send_buf == NULL) abort();
  /* Complete lines only; what follows the last '\n' is sent too, but the
     daemon drops half a line at EOF. */
  while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
    int n = fuzz_expect(p, (size_t)(nl - p));
    if (n >= 0) {
      memcpy(send_buf + send_len, p, (size_t)(nl - p) + 1);
      send_len += (size_t)(nl - p) + 1;
      expected += n;
    }
    p = nl + 1;
  }
  if (p < end && fuzz_expect(p, (size_t)(end - p)) >= 0) {
    memcpy(send_buf + send_len, p, (size_t)(end - p));
    send_len += (size_t)(end - p);
  }
  if ((fd = fuzz_connect()) < 0) {
    fprintf(stderr, "cannot connect: %s\n", strerror(errno));
    abort();
  }
  for (size_t off = 0; off < send_len;) {
    ssize_t n = write(fd, send_buf + off, send_len - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break; /* the daemon may cut a client off */
    off += (size_t)n;
  }
  shutdown(fd, SHUT_WR);
  for (;;) {
    ssize_t n;
    pfd.fd = fd;
    pfd.events = POLLIN;
    if (poll(&pfd, 1, 10000) <= 0) {
      fprintf(stderr, "no end of the replies within 10 s\n");
      abort();
    }
    if (reply_len + 4096 > reply_cap) {
      reply_cap = reply_cap ? reply_cap * 2 : 8192;
      if ((reply = realloc(reply, reply_cap)) == NULL) abort();
    }
    n = read(fd, reply + reply_len, reply_cap - reply_len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    reply_len += (size_t)n;
  }
  close(fd);
  for (const char *q = reply, *qe = reply + reply_len; q < qe; q = nl + 1) {
    if ((nl = memchr(q, '\n', (size_t)(qe - q))) == NULL) {
      fprintf(stderr, "reply without its newline\n");
      abort();
    }
    fuzz_check_reply(q, (size_t)(nl - q));
    got++;
  }
  if ((long)got != expected) {
    fprintf(stderr, "%ld replies expected, %zu received\n", expected, got);
    abort();
  }
  free(reply);
  free(send_buf);
  return 0;
}
