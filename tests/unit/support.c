/* support.c - see support.h. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "support.h"

#define T_MAX_LINES 4096

static struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  char *lines[T_MAX_LINES];
  int n;
} t_record = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, {0}, 0};

uint64_t t_now_ms(void) { return act_runtime_now_ms(); }

static void t_deadline(struct timespec *ts, unsigned ms) {
  clock_gettime(CLOCK_REALTIME, ts);
  ts->tv_sec += ms / 1000;
  ts->tv_nsec += (long)(ms % 1000) * 1000000L;
  if (ts->tv_nsec >= 1000000000L) {
    ts->tv_sec++;
    ts->tv_nsec -= 1000000000L;
  }
}

void t_rec(const char *fmt, ...) {
  char buf[512];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  pthread_mutex_lock(&t_record.mu);
  if (t_record.n < T_MAX_LINES)
    t_record.lines[t_record.n++] = strdup(buf);
  pthread_cond_broadcast(&t_record.cv);
  pthread_mutex_unlock(&t_record.mu);
}

static int t_find_locked(const char *text) {
  int i;

  for (i = 0; i < t_record.n; i++)
    if (t_record.lines[i] != NULL && strcmp(t_record.lines[i], text) == 0)
      return i;
  return -1;
}

static int t_count_locked(const char *prefix) {
  size_t len = strlen(prefix);
  int i, c = 0;

  for (i = 0; i < t_record.n; i++)
    if (t_record.lines[i] != NULL &&
        strncmp(t_record.lines[i], prefix, len) == 0)
      c++;
  return c;
}

int t_wait_rec(const char *fmt, ...) {
  char buf[512];
  struct timespec ts;
  va_list ap;
  int found;

  va_start(ap, fmt);
  vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  t_deadline(&ts, T_WAIT_MS);
  pthread_mutex_lock(&t_record.mu);
  while ((found = t_find_locked(buf) >= 0) == 0)
    if (pthread_cond_timedwait(&t_record.cv, &t_record.mu, &ts) != 0) {
      found = t_find_locked(buf) >= 0;
      break;
    }
  pthread_mutex_unlock(&t_record.mu);
  if (!found)
    fprintf(stderr, "never recorded: \"%s\"\n", buf);
  return found;
}

int t_has_rec(const char *fmt, ...) {
  char buf[512];
  va_list ap;
  int found;

  va_start(ap, fmt);
  vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  pthread_mutex_lock(&t_record.mu);
  found = t_find_locked(buf) >= 0;
  pthread_mutex_unlock(&t_record.mu);
  return found;
}

int t_rec_index(const char *fmt, ...) {
  char buf[512];
  va_list ap;
  int i;

  va_start(ap, fmt);
  vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  pthread_mutex_lock(&t_record.mu);
  i = t_find_locked(buf);
  pthread_mutex_unlock(&t_record.mu);
  return i;
}

void t_window_ms(unsigned ms) {
  struct timespec ts;

  t_deadline(&ts, ms);
  pthread_mutex_lock(&t_record.mu);
  while (pthread_cond_timedwait(&t_record.cv, &t_record.mu, &ts) == 0)
    ;
  pthread_mutex_unlock(&t_record.mu);
}

int t_count_rec(const char *prefix) {
  int c;

  pthread_mutex_lock(&t_record.mu);
  c = t_count_locked(prefix);
  pthread_mutex_unlock(&t_record.mu);
  return c;
}

int t_wait_count(const char *prefix, int n) {
  struct timespec ts;
  int ok;

  t_deadline(&ts, T_WAIT_MS);
  pthread_mutex_lock(&t_record.mu);
  while (!(ok = t_count_locked(prefix) >= n))
    if (pthread_cond_timedwait(&t_record.cv, &t_record.mu, &ts) != 0) {
      ok = t_count_locked(prefix) >= n;
      break;
    }
  pthread_mutex_unlock(&t_record.mu);
  if (!ok)
    fprintf(stderr, "fewer than %d lines \"%s...\" (%d)\n", n, prefix,
            t_count_rec(prefix));
  return ok;
}

/* ------------------------------------------------------------- behaviour */

static int t_init(act_ctx_t *ctx, json_t *args, void **state) {
  t_beh_t *b;

  ASSERT(json_is_object(args));
  b = (t_beh_t *)(intptr_t)json_integer_value(json_object_get(args, "beh"));
  ASSERT(b != NULL);
  *state = b;
  if (b->init != NULL)
    return b->init(ctx, b, json_object_get(args, "arg"));
  return 0;
}

static int t_handle(act_ctx_t *ctx, void *state, const act_msg_t *msg) {
  t_beh_t *b = state;

  return b->handle ? b->handle(ctx, b, msg) : 0;
}

static void t_terminate(act_ctx_t *ctx, void *state, const char *reason) {
  t_beh_t *b = state;

  if (b->terminate != NULL)
    b->terminate(ctx, b, reason);
}

static json_t *t_inspect(void *state) {
  t_beh_t *b = state;

  return b->inspect ? b->inspect(b) : NULL;
}

const act_plugin_t t_plugin = {
  .abi_version = ACT_ABI_VERSION,
  .size = sizeof(act_plugin_t),
  .name = "tbeh",
  .version = "1.0",
  .init = t_init,
  .handle = t_handle,
  .terminate = t_terminate,
  .inspect = t_inspect,
};

static long t_spawned;

int t_wait_spawned(long n) {
  struct timespec ts;
  int ok;

  t_deadline(&ts, T_WAIT_MS * 4);
  pthread_mutex_lock(&t_record.mu);
  while (!(ok = t_spawned >= n))
    if (pthread_cond_timedwait(&t_record.cv, &t_record.mu, &ts) != 0) {
      ok = t_spawned >= n;
      break;
    }
  pthread_mutex_unlock(&t_record.mu);
  if (!ok)
    fprintf(stderr, "only %ld of %ld actors started\n", t_spawned, n);
  return ok;
}

static void t_on_event(void *arg, const act_event_t *ev) {
  (void)arg;
  if (ev->type == ACT_EV_SPAWN) {
    pthread_mutex_lock(&t_record.mu);
    t_spawned++;
    pthread_cond_broadcast(&t_record.cv);
    pthread_mutex_unlock(&t_record.mu);
  }
  if (ev->type == ACT_EV_EXIT)
    t_rec("exit %llu %s", (unsigned long long)ev->id, ev->reason);
  else
    t_rec("%s %llu", act_event_name(ev->type), (unsigned long long)ev->id);
}

static void t_on_log(void *arg, act_id_t id, const char *name, int level,
                     const char *line) {
  (void)arg;
  t_rec("log %llu %s %d %s", (unsigned long long)id, name ? name : "-", level,
        line);
}

act_runtime_t *t_rt_new(unsigned threads, unsigned attached) {
  act_runtime_opts_t opts = ACT_RUNTIME_OPTS_INIT;
  act_runtime_t *rt = NULL;

  opts.threads = threads;
  opts.attached = attached;
  opts.on_event = t_on_event;
  opts.on_log = t_on_log;
  ASSERT(act_runtime_new(&opts, &rt) == 0);
  ASSERT(act_runtime_register(rt, &t_plugin) == 0);
  return rt;
}

act_runtime_t *t_rt_start(unsigned threads) {
  act_runtime_t *rt = t_rt_new(threads, 0);

  ASSERT(act_runtime_start(rt) == 0);
  return rt;
}

void t_rt_done(act_runtime_t *rt) {
  ASSERT(act_runtime_stop(rt, 5000) == 0);
  act_runtime_free(rt);
}

static json_t *t_args(t_beh_t *b, json_t *arg) {
  json_t *a = json_pack("{s:I}", "beh", (json_int_t)(intptr_t)b);

  if (arg != NULL)
    json_object_set(a, "arg", arg);
  return a;
}

int t_spawn_opts(act_runtime_t *rt, t_beh_t *b, act_spawn_opts_t *o,
                 json_t *arg, act_id_t *id) {
  json_t *args = t_args(b, arg);
  int rc;

  o->plugin = "tbeh";
  o->args = args;
  rc = act_runtime_spawn(rt, o, id);
  json_decref(args);
  return rc;
}

int t_spawn(act_runtime_t *rt, t_beh_t *b, uint32_t flags, const char *name,
            act_id_t *id) {
  act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;

  o.flags = flags;
  o.name = name;
  return t_spawn_opts(rt, b, &o, NULL, id);
}

int t_spawn_ctx(act_ctx_t *ctx, t_beh_t *b, uint32_t flags, act_id_t *id) {
  act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;
  json_t *args = t_args(b, NULL);
  int rc;

  o.flags = flags;
  o.desc = &t_plugin;
  o.args = args;
  rc = act_spawn(ctx, &o, id);
  json_decref(args);
  return rc;
}

/* ------------------------------------------------------------------ gates */

struct t_gate {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int open;
};

t_gate_t *t_gate_new(void) {
  t_gate_t *g = calloc(1, sizeof(*g));

  ASSERT(g != NULL);
  pthread_mutex_init(&g->mu, NULL);
  pthread_cond_init(&g->cv, NULL);
  return g;
}

void t_gate_open(t_gate_t *g) {
  pthread_mutex_lock(&g->mu);
  g->open = 1;
  pthread_cond_broadcast(&g->cv);
  pthread_mutex_unlock(&g->mu);
}

int t_gate_wait(t_gate_t *g) {
  struct timespec ts;
  int ok;

  t_deadline(&ts, 10000);
  pthread_mutex_lock(&g->mu);
  while (!g->open)
    if (pthread_cond_timedwait(&g->cv, &g->mu, &ts) != 0)
      break;
  ok = g->open;
  pthread_mutex_unlock(&g->mu);
  return ok;
}

void t_gate_free(t_gate_t *g) {
  pthread_mutex_destroy(&g->mu);
  pthread_cond_destroy(&g->cv);
  free(g);
}
