/*
 * ctl-bench - a control-socket client for the daemon workloads of
 * BENCHMARKS.md, section 2 (tests/bench/daemon.sh runs it).
 *
 *   ctl-bench SOCKET pipeline N TARGET MESSAGE
 *       one connection, N actor.send requests written back to back while the
 *       replies are read; prints {"workload":"ctl_pipeline",...,"req_per_s"}
 *   ctl-bench SOCKET spawn N PLUGIN [RESTART [ARGS]]
 *       N actor.spawn requests, pipelined the same way (to set a daemon up
 *       with many actors); prints {"spawned":N,"errors":E,"elapsed_s":S}
 *   ctl-bench SOCKET list RUNS
 *       RUNS actor.list requests one after the other, each timed from the
 *       request's first byte to the reply's last; prints
 *       {"workload":"ctl_list",...,"ms":MEDIAN,"actors":N}
 *   ctl-bench SOCKET restart RUNS NAME [segv]
 *       RUNS times: tell the supervised actor NAME (the crash plugin) to
 *       exit with an error (with segv: to crash its isolated host), then
 *       wait until the name points at a new actor and that actor answers a
 *       ping; prints {"workload":"restart_inproc" (restart_isolated with
 *       segv),...,"ms":MEDIAN,"max_ms":...}
 *   ctl-bench SOCKET restart-exec RUNS NAME COMM
 *       RUNS times: SIGKILL the program (whose /proc/PID/comm is COMM) of
 *       the supervised exec actor NAME, then wait until NAME is a new actor
 *       whose program runs (has become COMM); prints
 *       {"workload":"restart_exec",...,"ms":MEDIAN,"max_ms":...}
 *
 * It speaks the wire protocol directly (JSON-RPC 2.0, one object per line)
 * so that what is timed is the daemon, not a client library.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include "actor/plugin.h"
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static void die(const char *fmt, const char *arg) {
  fprintf(stderr, "ctl-bench: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n");
  exit(1);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int connect_to(const char *path) {
  struct sockaddr_un sa;
  int fd;
  if (strlen(path) >= sizeof sa.sun_path) die("socket path too long: %s", path);
  memset(&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  memcpy(sa.sun_path, path, strlen(path) + 1); /* length checked above */
  fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket: %s", strerror(errno));
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
    die("cannot connect: %s", strerror(errno));
  return fd;
}

/* A growable byte buffer. */
typedef struct {
  char *p;
  size_t len, cap;
} buf_t;

static void buf_add(buf_t *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n + 1) cap *= 2;
    b->p = realloc(b->p, cap);
    if (b->p == NULL) die("%s", "out of memory");
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

/*
 * Write `out` to fd while reading replies, until `want` reply lines have
 * come. Each complete reply line is handed to on_line (may be NULL).
 * Returns the number of replies that carried an error.
 */
static uint64_t exchange(int fd, const buf_t *out, uint64_t want,
                         void (*on_line)(const char *line, size_t len)) {
  size_t off = 0, scanned = 0;
  uint64_t got = 0, errors = 0;
  buf_t in = {0};
  char chunk[65536];
  while (got < want) {
    struct pollfd pf = {.fd = fd, .events = POLLIN};
    if (off < out->len) pf.events |= POLLOUT;
    if (poll(&pf, 1, 60000) <= 0) die("%s", "no reply from the daemon in 60 s");
    if (pf.revents & POLLOUT) {
      ssize_t n = write(fd, out->p + off, out->len - off);
      if (n < 0 && errno != EAGAIN && errno != EINTR)
        die("write: %s", strerror(errno));
      if (n > 0) off += (size_t)n;
    }
    if (pf.revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = read(fd, chunk, sizeof chunk);
      size_t start = 0;
      if (n < 0 && errno != EAGAIN && errno != EINTR)
        die("read: %s", strerror(errno));
      if (n == 0) die("%s", "the daemon closed the connection");
      if (n <= 0) continue;
      buf_add(&in, chunk, (size_t)n);
      /* Only the new bytes are searched: a reply of many megabytes (a
         listing) arrives in many reads. */
      for (size_t i = scanned; i < in.len; i++) {
        if (in.p[i] != '\n') continue;
        in.p[i] = '\0';
        if (strstr(in.p + start, "\"error\"") != NULL) errors++;
        if (on_line) on_line(in.p + start, i - start);
        got++;
        start = i + 1;
      }
      if (start > 0) {
        memmove(in.p, in.p + start, in.len - start);
        in.len -= start;
      }
      scanned = in.len;
    }
  }
  free(in.p);
  return errors;
}

static uint64_t arg_u64(const char *s) {
  char *end;
  unsigned long long v = strtoull(s, &end, 10);
  if (*s == '\0' || *end != '\0' || s[0] == '-') die("not a count: %s", s);
  return (uint64_t)v;
}

static void request(buf_t *b, uint64_t id, const char *method, json_t *params) {
  json_t *req = json_pack("{s:s,s:I,s:s,s:O}", "jsonrpc", "2.0", "id",
                          (json_int_t)id, "method", method, "params", params);
  char *s = req ? json_dumps(req, JSON_COMPACT) : NULL;
  if (s == NULL) die("%s", "cannot encode a request");
  buf_add(b, s, strlen(s));
  buf_add(b, "\n", 1);
  free(s);
  json_decref(req);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static size_t list_count;
static json_t *last_reply;
static buf_t list_line;

/* Keep the listing's line; it is parsed after the clock has stopped. */
static void on_list(const char *line, size_t len) {
  list_line.len = 0;
  buf_add(&list_line, line, len);
}

static void list_parse(void) {
  json_error_t e;
  json_t *r = json_loadb(list_line.p, list_line.len, 0, &e);
  list_count = json_array_size(json_object_get(r, "result"));
  json_decref(r);
}

static void on_reply(const char *line, size_t len) {
  json_error_t e;
  json_decref(last_reply);
  last_reply = json_loadb(line, len, 0, &e);
}

/* One request, one reply (new reference, or NULL when it was not JSON). */
static json_t *rpc(int fd, uint64_t id, const char *method, json_t *params) {
  buf_t out = {0};
  request(&out, id, method, params);
  json_decref(params);
  exchange(fd, &out, 1, on_reply);
  free(out.p);
  return json_incref(last_reply);
}

/* The id and OS process of the actor named name; 0 when there is none.
   From actor.list, which the runtime answers from its tables: actor.info
   asks the actor itself, and an exec actor busy ending its program answers
   late, which would make the measurement slow down what it measures. */
static act_id_t info_pid(int fd, uint64_t *rid, const char *name,
                         long *pid) {
  json_t *r = rpc(fd, ++*rid, "actor.list", json_object());
  json_t *res = json_object_get(r, "result"), *v;
  act_id_t id = 0;
  size_t i;
  *pid = 0;
  json_array_foreach(res, i, v) {
    const char *n = json_string_value(json_object_get(v, "name"));
    if (n == NULL || strcmp(n, name) != 0) continue;
    id = (act_id_t)json_integer_value(json_object_get(v, "id"));
    *pid = (long)json_integer_value(json_object_get(v, "pid"));
    break;
  }
  json_decref(r);
  return id;
}

/* Is pid a live process running the program comm? (Between fork and exec
   a child still runs the daemon's launcher.) */
static int runs_comm(long pid, const char *comm) {
  char path[64], buf[64];
  FILE *f;
  int ok = 0;
  snprintf(path, sizeof path, "/proc/%ld/comm", pid);
  if ((f = fopen(path, "r")) == NULL) return 0;
  if (fgets(buf, sizeof buf, f) != NULL) {
    buf[strcspn(buf, "\n")] = '\0';
    ok = strcmp(buf, comm) == 0;
  }
  fclose(f);
  return ok;
}

static double median_ms(double *ms, uint64_t n) {
  qsort(ms, n, sizeof *ms, cmp_double);
  return n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
}

static act_id_t whereis(int fd, uint64_t *rid, const char *name) {
  json_t *r = rpc(fd, ++*rid, "name.whereis", json_pack("{s:s}", "name", name));
  act_id_t id = (act_id_t)json_integer_value(
      json_object_get(json_object_get(r, "result"), "id"));
  json_decref(r);
  return id;
}


int main(int argc, char **argv) {
  buf_t out = {0};
  double t0, dt;
  uint64_t n, errors;
  int fd;

  if (argc < 4) {
    fprintf(stderr, "usage: ctl-bench SOCKET pipeline N TARGET MESSAGE\n"
                    "       ctl-bench SOCKET spawn N PLUGIN [RESTART]\n"
                    "       ctl-bench SOCKET list RUNS\n"
                    "       ctl-bench SOCKET restart RUNS NAME [segv]\n"
                    "       ctl-bench SOCKET restart-exec RUNS NAME COMM\n");
    return 2;
  }
  fd = connect_to(argv[1]);
  n = arg_u64(argv[3]);

  if (strcmp(argv[2], "pipeline") == 0 && argc == 6) {
    json_error_t e;
    json_t *msg = json_loads(argv[5], JSON_DECODE_ANY, &e);
    json_t *target;
    if (msg == NULL) die("MESSAGE is not JSON: %s", argv[5]);
    target = strspn(argv[4], "0123456789") == strlen(argv[4])
                 ? json_integer((json_int_t)arg_u64(argv[4]))
                 : json_string(argv[4]);
    for (uint64_t i = 1; i <= n; i++) {
      json_t *p = json_pack("{s:O,s:O}", "target", target, "message", msg);
      request(&out, i, "actor.send", p);
      json_decref(p);
    }
    t0 = now_s();
    errors = exchange(fd, &out, n, NULL);
    dt = now_s() - t0;
    printf("{\"workload\":\"ctl_pipeline\",\"runtime\":\"actord\","
           "\"elapsed_s\":%.6f,\"n\":%" PRIu64 ",\"req_per_s\":%.0f,"
           "\"errors\":%" PRIu64 "}\n",
           dt, n, (double)n / dt, errors);
    json_decref(msg);
    json_decref(target);
  } else if (strcmp(argv[2], "spawn") == 0 && argc >= 5 && argc <= 7) {
    json_t *args = NULL;
    if (argc == 7) {
      json_error_t e;
      if ((args = json_loads(argv[6], 0, &e)) == NULL)
        die("ARGS is not JSON: %s", argv[6]);
    }
    for (uint64_t i = 1; i <= n; i++) {
      json_t *p = json_pack("{s:s}", "plugin", argv[4]);
      if (argc >= 6) json_object_set_new(p, "restart", json_string(argv[5]));
      if (args) json_object_set(p, "args", args);
      request(&out, i, "actor.spawn", p);
      json_decref(p);
    }
    t0 = now_s();
    errors = exchange(fd, &out, n, NULL);
    dt = now_s() - t0;
    printf("{\"spawned\":%" PRIu64 ",\"errors\":%" PRIu64
           ",\"elapsed_s\":%.6f}\n",
           n - errors, errors, dt);
    json_decref(args);
  } else if (strcmp(argv[2], "list") == 0 && argc == 4) {
    double *ms;
    if (n == 0) die("%s", "RUNS must be positive");
    ms = calloc(n, sizeof *ms);
    if (ms == NULL) die("%s", "out of memory");
    for (uint64_t i = 0; i < n; i++) {
      out.len = 0;
      request(&out, i + 1, "actor.list", json_object());
      t0 = now_s();
      errors = exchange(fd, &out, 1, on_list);
      ms[i] = (now_s() - t0) * 1e3;
      if (errors) die("%s", "actor.list answered with an error");
      list_parse();
    }
    qsort(ms, n, sizeof *ms, cmp_double);
    printf("{\"workload\":\"ctl_list\",\"runtime\":\"actord\",\"ms\":%.3f,"
           "\"runs\":%" PRIu64 ",\"actors\":%zu}\n",
           n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2, n, list_count);
    free(ms);
  } else if (strcmp(argv[2], "restart") == 0 && (argc == 5 || argc == 6)) {
    /* The crash kind: "error" (an orderly error exit, in-process) by
       default; "segv" for an isolated actor, whose host dies of it. */
    const char *name = argv[4], *kind = argc == 6 ? argv[5] : "error";
    const char *workload = strcmp(kind, "error") == 0 ? "restart_inproc"
                                                       : "restart_isolated";
    uint64_t rid = 0;
    double *ms;
    if (n == 0) die("%s", "RUNS must be positive");
    ms = calloc(n, sizeof *ms);
    if (ms == NULL) die("%s", "out of memory");
    for (uint64_t i = 0; i < n; i++) {
      act_id_t old = whereis(fd, &rid, name), now;
      json_t *r;
      int answered = 0;
      if (old == 0) die("no actor named %s", name);
      t0 = now_s();
      r = rpc(fd, ++rid, "actor.send",
              json_pack("{s:s,s:{s:s}}", "target", name, "message", "crash",
                        kind));
      json_decref(r);
      /* The name moves to the replacement once it has been spawned; the
         replacement counts once it answers. */
      while (!answered) {
        if (now_s() - t0 > 10) die("no replacement for %s after 10 s", name);
        now = whereis(fd, &rid, name);
        if (now == 0 || now == old) continue;
        r = rpc(fd, ++rid, "actor.call",
                json_pack("{s:I,s:{s:b},s:i}", "target", (json_int_t)now,
                          "message", "ping", 1, "timeout_ms", 1000));
        answered = json_object_get(r, "result") != NULL;
        json_decref(r);
      }
      ms[i] = (now_s() - t0) * 1e3;
    }
    qsort(ms, n, sizeof *ms, cmp_double);
    printf("{\"workload\":\"%s\",\"runtime\":\"actord\","
           "\"ms\":%.3f,\"max_ms\":%.3f,\"runs\":%" PRIu64 "}\n",
           workload, n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2,
           ms[n - 1], n);
    free(ms);
  } else if (strcmp(argv[2], "restart-exec") == 0 && argc == 6) {
    const char *name = argv[4], *comm = argv[5];
    uint64_t rid = 0;
    double *ms;
    json_t *st = rpc(fd, ++rid, "daemon.status", json_object());
    /* An actor without a program of its own shows the daemon's pid. */
    long dpid = (long)json_integer_value(
        json_object_get(json_object_get(st, "result"), "pid"));
    json_decref(st);
    if (dpid <= 0) die("%s", "daemon.status has no pid");
    if (n == 0) die("%s", "RUNS must be positive");
    ms = calloc(n, sizeof *ms);
    if (ms == NULL) die("%s", "out of memory");
    for (uint64_t i = 0; i < n; i++) {
      long pid = 0, npid = 0;
      act_id_t old, now;
      /* A program that is still starting has no pid yet. */
      t0 = now_s();
      while ((old = info_pid(fd, &rid, name, &pid)) == 0 || pid <= 0 ||
             pid == dpid || !runs_comm(pid, comm))
        if (now_s() - t0 > 10) die("%s has no running program", name);
      t0 = now_s();
      if (kill((pid_t)pid, SIGKILL) != 0) die("kill: %s", strerror(errno));
      do {
        if (now_s() - t0 > 10) die("no new program for %s after 10 s", name);
        now = info_pid(fd, &rid, name, &npid);
      } while (now == 0 || now == old || npid <= 0 || npid == pid ||
               npid == dpid || !runs_comm(npid, comm));
      ms[i] = (now_s() - t0) * 1e3;
    }
    dt = median_ms(ms, n); /* sorts ms */
    printf("{\"workload\":\"restart_exec\",\"runtime\":\"actord\","
           "\"ms\":%.3f,\"max_ms\":%.3f,\"runs\":%" PRIu64 "}\n",
           dt, ms[n - 1], n);
    free(ms);
  } else {
    fprintf(stderr, "ctl-bench: unknown command or wrong arguments: %s\n",
            argv[2]);
    return 2;
  }
  free(out.p);
  close(fd);
  return 0;
}
