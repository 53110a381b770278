/*
 * test-supervisor.c - the built-in supervisor behaviour, on an embedded
 * runtime: every strategy, every restart type, intensity and its
 * escalation, root failed marking and revival, backoff, shutdown order and
 * timeout, start_child errors, simple_one_for_one.
 *
 * The tests drive supervisors the way the daemon does: asks with a JSON
 * request, from an actor (the "probe"), whose replies come back to the test
 * thread through a queue. Children are "tchild" actors, which exit on
 * command, fail in init on request, and record their inits and terminates
 * in order, so that the tests can check who started and stopped when.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actor/runtime.h"
#include "runner.h"

#define T_WAIT_MS 5000

/* ------------------------------------------------------- shared records */

typedef struct t_ev {
  int type;
  act_id_t id, old_id, supervisor;
  char name[ACT_NAME_MAX + 1];
  char plugin[ACT_NAME_MAX + 1];
  char reason[128];
  uint64_t at_ms; /* act_runtime_now_ms() when it was recorded */
} t_ev_t;

#define T_MAX_EVENTS 1024
#define T_MAX_REPLIES 64
#define T_LOG_SIZE 4096

static struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  t_ev_t events[T_MAX_EVENTS];
  unsigned nevents;
  json_t *replies[T_MAX_REPLIES];
  unsigned rhead, rtail;
  char log[T_LOG_SIZE]; /* "init:a stop:b ..." in the order it happened */
} t = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static act_runtime_t *t_rt;
static act_id_t t_probe;

static uint64_t t_now(void) { return act_runtime_now_ms(); }

static void t_log_add(const char *what, const char *tag) {
  pthread_mutex_lock(&t.mu);
  size_t len = strlen(t.log);
  snprintf(t.log + len, sizeof(t.log) - len, "%s:%s ", what, tag);
  pthread_cond_broadcast(&t.cv);
  pthread_mutex_unlock(&t.mu);
}

static void t_log_copy(char *buf, size_t size) {
  pthread_mutex_lock(&t.mu);
  snprintf(buf, size, "%s", t.log);
  pthread_mutex_unlock(&t.mu);
}

static void t_log_clear(void) {
  pthread_mutex_lock(&t.mu);
  t.log[0] = '\0';
  pthread_mutex_unlock(&t.mu);
}

static void t_on_event(void *arg, const act_event_t *ev) {
  t_ev_t *e;

  (void)arg;
  pthread_mutex_lock(&t.mu);
  if (t.nevents < T_MAX_EVENTS) {
    e = &t.events[t.nevents++];
    memset(e, 0, sizeof(*e));
    e->type = ev->type;
    e->id = ev->id;
    e->old_id = ev->old_id;
    e->supervisor = ev->supervisor;
    snprintf(e->name, sizeof(e->name), "%s", ev->name ? ev->name : "");
    snprintf(e->plugin, sizeof(e->plugin), "%s",
             ev->plugin ? ev->plugin : "");
    snprintf(e->reason, sizeof(e->reason), "%s",
             ev->reason ? ev->reason : "");
    e->at_ms = t_now();
  }
  pthread_cond_broadcast(&t.cv);
  pthread_mutex_unlock(&t.mu);
}

/* Wait for the n-th (from 1) event of this type about name (or about id,
   when name is NULL); copy it to out. 0, or -1 on timeout. */
static int t_wait_event(int type, const char *name, act_id_t id, unsigned n,
                        t_ev_t *out) {
  uint64_t deadline = t_now() + T_WAIT_MS;
  struct timespec ts;
  unsigned seen;

  pthread_mutex_lock(&t.mu);
  for (;;) {
    seen = 0;
    for (unsigned i = 0; i < t.nevents; i++) {
      t_ev_t *e = &t.events[i];
      if (e->type != type)
        continue;
      if (name != NULL ? strcmp(e->name, name) != 0 : e->id != id)
        continue;
      if (++seen == n) {
        if (out != NULL)
          *out = *e;
        pthread_mutex_unlock(&t.mu);
        return 0;
      }
    }
    if (t_now() >= deadline)
      break;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 20 * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&t.cv, &t.mu, &ts);
  }
  pthread_mutex_unlock(&t.mu);
  return -1;
}

/* How many events of this type about name have been seen. */
static unsigned t_count_events(int type, const char *name) {
  unsigned n = 0;

  pthread_mutex_lock(&t.mu);
  for (unsigned i = 0; i < t.nevents; i++)
    if (t.events[i].type == type && strcmp(t.events[i].name, name) == 0)
      n++;
  pthread_mutex_unlock(&t.mu);
  return n;
}

/* ------------------------------------------------------ test behaviours */

/* tchild args: {"tag":T, "fail":REASON?, "trap":true?}. Messages:
   {"exit":REASON} exits with it. A trapping tchild ignores exit signals,
   which is what a child that will not stop looks like. */
typedef struct tchild {
  char tag[32];
} tchild_t;

static int tchild_init(act_ctx_t *ctx, json_t *args, void **state) {
  const char *tag = json_string_value(json_object_get(args, "tag"));
  const char *fail = json_string_value(json_object_get(args, "fail"));
  tchild_t *c;

  t_log_add("init", tag ? tag : "?");
  if (json_is_integer(json_object_get(args, "slow_ms"))) {
    /* A slow init, to show who waits for it. Blocking a scheduler is
       what a test may do and a plugin must not. */
    json_int_t ms = json_integer_value(json_object_get(args, "slow_ms"));
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    t_log_add("ready", tag ? tag : "?");
  }
  if (fail != NULL) {
    act_exit(ctx, fail);
    return ACT_EPLUGIN;
  }
  if (json_is_true(json_object_get(args, "invalid")))
    return ACT_EINVAL;
  c = calloc(1, sizeof(*c));
  if (c == NULL)
    return ACT_ENOMEM;
  snprintf(c->tag, sizeof(c->tag), "%s", tag ? tag : "?");
  if (json_is_true(json_object_get(args, "trap")))
    act_trap_exit(ctx, 1);
  *state = c;
  return 0;
}

static int tchild_handle(act_ctx_t *ctx, void *state, const act_msg_t *msg) {
  json_t *v = act_msg_get(msg, "exit");

  (void)state;
  if (msg->type == ACT_MSG_USER && json_is_string(v))
    act_exit(ctx, json_string_value(v));
  return 0;
}

static void tchild_terminate(act_ctx_t *ctx, void *state, const char *reason) {
  tchild_t *c = state;

  (void)ctx, (void)reason;
  t_log_add("stop", c->tag);
  free(c);
}

static const act_plugin_t t_tchild = {
  .abi_version = ACT_ABI_VERSION,
  .size = sizeof(act_plugin_t),
  .name = "tchild",
  .version = "1",
  .init = tchild_init,
  .handle = tchild_handle,
  .terminate = tchild_terminate,
};

/* The probe: {"to":ID,"req":JSON} from the test thread becomes an ask; the
   answer (or {"timeout":true}) goes to the reply queue. */
static int probe_handle(act_ctx_t *ctx, void *state, const act_msg_t *msg) {
  json_t *to, *req, *r = NULL;
  uint64_t ref;

  (void)state;
  if (msg->type == ACT_MSG_USER) {
    to = act_msg_get(msg, "to");
    req = act_msg_get(msg, "req");
    if (json_is_integer(to) && json_is_true(act_msg_get(msg, "inspect"))) {
      if (act_inspect(ctx, (act_id_t)json_integer_value(to), T_WAIT_MS,
                      &ref) != 0)
        r = json_pack("{s:s}", "inspect", "failed");
    } else if (json_is_integer(to) && req != NULL &&
               act_ask_json(ctx, (act_id_t)json_integer_value(to),
                            ACT_TAG_JSON, json_incref(req), T_WAIT_MS,
                            &ref) != 0) {
      r = json_pack("{s:s}", "ask", "failed");
    }
  } else if (msg->type == ACT_MSG_REPLY) {
    r = msg->payload == ACT_PAYLOAD_JSON ? json_incref(msg->json)
                                         : json_null();
  } else if (msg->type == ACT_MSG_TIMEOUT) {
    r = json_pack("{s:b}", "timeout", 1);
  }
  if (r != NULL) {
    pthread_mutex_lock(&t.mu);
    if (t.rtail - t.rhead < T_MAX_REPLIES)
      t.replies[t.rtail++ % T_MAX_REPLIES] = r;
    else
      json_decref(r);
    pthread_cond_broadcast(&t.cv);
    pthread_mutex_unlock(&t.mu);
  }
  return 0;
}

static const act_plugin_t t_probe_plugin = {
  .abi_version = ACT_ABI_VERSION,
  .size = sizeof(act_plugin_t),
  .name = "probe",
  .version = "1",
  .handle = probe_handle,
};

/* ------------------------------------------------------------ utilities */

static void t_start(void) {
  act_runtime_opts_t opts = ACT_RUNTIME_OPTS_INIT;
  act_spawn_opts_t so = ACT_SPAWN_OPTS_INIT;

  opts.threads = 2;
  opts.on_event = t_on_event;
  ASSERT(act_runtime_new(&opts, &t_rt) == 0);
  ASSERT(act_runtime_register(t_rt, &t_tchild) == 0);
  ASSERT(act_runtime_register(t_rt, &t_probe_plugin) == 0);
  if (act_runtime_lookup(t_rt, "supervisor") == NULL)
    ASSERT(act_runtime_register(t_rt, &act_supervisor_plugin) == 0);
  ASSERT(act_runtime_start(t_rt) == 0);
  so.plugin = "probe";
  ASSERT(act_runtime_spawn(t_rt, &so, &t_probe) == 0);
}

static void t_stop(void) {
  ASSERT(act_runtime_stop(t_rt, 5000) == 0);
  act_runtime_free(t_rt);
  t_rt = NULL;
  pthread_mutex_lock(&t.mu);
  while (t.rhead != t.rtail)
    json_decref(t.replies[t.rhead++ % T_MAX_REPLIES]);
  pthread_mutex_unlock(&t.mu);
}

/* Parse JSON written in the test (single quotes stand for double quotes,
   which keeps the specs readable); aborts the test if it does not parse. */
static json_t *t_json(const char *fmt, ...) {
  char buf[2048];
  json_error_t err;
  json_t *v;
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  for (char *p = buf; *p; p++)
    if (*p == '\'')
      *p = '"';
  v = json_loads(buf, JSON_DECODE_ANY, &err);
  if (v == NULL)
    fprintf(stderr, "bad test JSON: %s: %s\n", buf, err.text);
  ASSERT(v != NULL);
  return v;
}

/* Spawn a supervisor (args in t_json's notation) under no one. */
static act_id_t t_sup(const char *name, const char *args) {
  act_spawn_opts_t so = ACT_SPAWN_OPTS_INIT;
  act_id_t id = 0;

  so.plugin = "supervisor";
  so.name = name;
  so.args = t_json("%s", args);
  ASSERT(act_runtime_spawn(t_rt, &so, &id) == 0);
  json_decref(so.args);
  return id;
}

/* Hand the probe an order (stolen) and wait for the reply it relays: a new
   reference, or NULL on timeout. */
static json_t *t_probe_ask(json_t *msg) {
  uint64_t deadline = t_now() + T_WAIT_MS + 1000;
  json_t *r = NULL;
  struct timespec ts;

  ASSERT(act_runtime_send_json(t_rt, t_probe, ACT_TAG_JSON, msg) == 0);
  pthread_mutex_lock(&t.mu);
  while (t.rhead == t.rtail && t_now() < deadline) {
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 20 * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&t.cv, &t.mu, &ts);
  }
  if (t.rhead != t.rtail)
    r = t.replies[t.rhead++ % T_MAX_REPLIES];
  pthread_mutex_unlock(&t.mu);
  return r;
}

/* Ask to the supervisor; the reply (new reference), or NULL on timeout. */
static json_t *t_ask(act_id_t to, const char *req) {
  return t_probe_ask(json_pack("{s:I,s:o}", "to", (json_int_t)to, "req",
                               t_json("%s", req)));
}

/* What the runtime's inspect says of an actor (new reference). */
static json_t *t_inspect(act_id_t id) {
  return t_probe_ask(
      json_pack("{s:I,s:b}", "to", (json_int_t)id, "inspect", 1));
}

/* Poll until name is registered to an id other than old (0: any id) whose
   init has run. The runtime registers a name at spawn, before init (as
   Erlang does), so the name alone does not say that the child is up; its
   spawn event, emitted once init succeeded, does. */
static act_id_t t_wait_name(const char *name, act_id_t old) {
  uint64_t deadline = t_now() + T_WAIT_MS;
  struct timespec ts = {0, 5 * 1000000L};
  act_id_t id;

  for (;;) {
    id = act_runtime_whereis(t_rt, name);
    if (id != 0 && id != old)
      return t_wait_event(ACT_EV_SPAWN, NULL, id, 1, NULL) == 0 ? id : 0;
    if (t_now() >= deadline)
      return 0;
    nanosleep(&ts, NULL);
  }
}

static void t_tell(act_id_t to, const char *msg) {
  ASSERT(act_runtime_send_json(t_rt, to, ACT_TAG_JSON, t_json("%s", msg)) ==
         0);
}

/* The status of the child named name in which_children, or "" if absent. */
static const char *t_child_status(act_id_t sup, const char *name, char *buf,
                                  size_t size) {
  json_t *r = t_ask(sup, "{'which_children':true}"), *c;
  size_t i;

  ASSERT(json_is_array(r));
  buf[0] = '\0';
  json_array_foreach(r, i, c) {
    if (json_is_string(json_object_get(c, "name")) &&
        strcmp(json_string_value(json_object_get(c, "name")), name) == 0)
      snprintf(buf, size, "%s",
               json_string_value(json_object_get(c, "status")));
  }
  json_decref(r);
  return buf;
}

/* Poll which_children until it lists n children; 0, or -1 on timeout.
   (A child's exit reaches the test's event queue and the supervisor's
   mailbox on different paths, so the test waits rather than assumes.) */
static int t_wait_children(act_id_t sup, size_t n) {
  uint64_t deadline = t_now() + T_WAIT_MS;
  size_t got;
  json_t *r;

  for (;;) {
    r = t_ask(sup, "{'which_children':true}");
    got = json_array_size(r);
    json_decref(r);
    if (got == n)
      return 0;
    if (t_now() >= deadline)
      return -1;
  }
}

static int t_has(const char *hay, const char *needle) {
  if (hay == NULL || strstr(hay, needle) == NULL) {
    fprintf(stderr, "expected \"%s\" in \"%s\"\n", needle, hay ? hay : "");
    return 0;
  }
  return 1;
}

/* The error of a reply: kind and message, or NULLs. */
static const char *t_err_kind(json_t *r) {
  return json_string_value(
      json_object_get(json_object_get(r, "error"), "kind"));
}
static const char *t_err_msg(json_t *r) {
  return json_string_value(
      json_object_get(json_object_get(r, "error"), "message"));
}

#define T_ABC                                                               \
  "[{'plugin':'tchild','name':'a','args':{'tag':'a'}},"                     \
  "{'plugin':'tchild','name':'b','args':{'tag':'b'}},"                      \
  "{'plugin':'tchild','name':'c','args':{'tag':'c'}}]"

/* ---------------------------------------------------------------- tests */

TEST_IMPL(supervisor_one_for_one) {
  act_id_t a, b, c, a2;
  t_ev_t ev;

  t_start();
  t_sup("s", "{'children':["
             "{'plugin':'tchild','name':'a','args':{'tag':'a','slow_ms':50}},"
             "{'plugin':'tchild','name':'b','args':{'tag':'b'}},"
             "{'plugin':'tchild','name':'c','args':{'tag':'c'}}]}");
  ASSERT((c = t_wait_name("c", 0)) != 0);
  {
    /* The children of the args start in order, each after the previous
       one's init, whatever the strategy: b waits for a slow a. */
    char log[T_LOG_SIZE];
    t_log_copy(log, sizeof(log));
    ASSERT(t_has(log, "init:a ready:a init:b init:c "));
  }
  a = act_runtime_whereis(t_rt, "a");
  b = act_runtime_whereis(t_rt, "b");
  t_tell(a, "{'exit':'error:boom'}");
  ASSERT((a2 = t_wait_name("a", a)) != 0);
  ASSERT(t_wait_event(ACT_EV_RESTART, "a", 0, 1, &ev) == 0);
  ASSERT(ev.id == a2 && ev.old_id == a);
  ASSERT(strcmp(ev.reason, "error:boom") == 0);
  ASSERT(strcmp(ev.plugin, "tchild") == 0);
  ASSERT(ev.supervisor == act_runtime_whereis(t_rt, "s"));
  /* The others were left alone. */
  ASSERT(act_runtime_whereis(t_rt, "b") == b);
  ASSERT(act_runtime_whereis(t_rt, "c") == c);
  ASSERT(t_count_events(ACT_EV_RESTART, "b") == 0);
  t_stop();
  return 0;
}

TEST_IMPL(supervisor_one_for_all) {
  act_id_t a, b, c;

  t_start();
  t_sup("s", "{'strategy':'one_for_all','children':" T_ABC "}");
  ASSERT((c = t_wait_name("c", 0)) != 0);
  a = act_runtime_whereis(t_rt, "a");
  b = act_runtime_whereis(t_rt, "b");
  t_log_clear();
  t_tell(b, "{'exit':'error:boom'}");
  ASSERT(t_wait_name("a", a) != 0);
  ASSERT(t_wait_name("b", b) != 0);
  ASSERT(t_wait_name("c", c) != 0);
  ASSERT(t_wait_event(ACT_EV_RESTART, "c", 0, 1, NULL) == 0);
  {
    /* The siblings stopped in reverse start order, then all started in
       start order. */
    char log[T_LOG_SIZE];
    ASSERT(t_wait_event(ACT_EV_SPAWN, "c", 0, 2, NULL) == 0);
    t_log_copy(log, sizeof(log));
    ASSERT(t_has(log, "stop:b stop:c stop:a init:a init:b init:c"));
  }
  t_stop();
  return 0;
}

TEST_IMPL(supervisor_rest_for_one) {
  act_id_t a, b, c;
  char log[T_LOG_SIZE];

  t_start();
  t_sup("s", "{'strategy':'rest_for_one','children':" T_ABC "}");
  ASSERT((c = t_wait_name("c", 0)) != 0);
  a = act_runtime_whereis(t_rt, "a");
  b = act_runtime_whereis(t_rt, "b");
  t_log_clear();
  t_tell(b, "{'exit':'error:boom'}");
  ASSERT(t_wait_name("b", b) != 0);
  ASSERT(t_wait_name("c", c) != 0);
  ASSERT(t_wait_event(ACT_EV_SPAWN, "c", 0, 2, NULL) == 0);
  /* a was started before b: untouched. */
  ASSERT(act_runtime_whereis(t_rt, "a") == a);
  ASSERT(t_count_events(ACT_EV_RESTART, "a") == 0);
  t_log_copy(log, sizeof(log));
  ASSERT(t_has(log, "stop:b stop:c init:b init:c"));
  ASSERT(strstr(log, ":a") == NULL);
  t_stop();
  return 0;
}

TEST_IMPL(supervisor_restart_types) {
  act_id_t s, p, tr, tm;
  char st[32];

  t_start();
  s = t_sup("s", "{'children':["
                 "{'plugin':'tchild','name':'p','args':{'tag':'p'}},"
                 "{'plugin':'tchild','name':'t','restart':'transient'},"
                 "{'plugin':'tchild','name':'u','restart':'transient'},"
                 "{'plugin':'tchild','name':'m','restart':'temporary'}]}");
  ASSERT((tm = t_wait_name("m", 0)) != 0);
  p = t_wait_name("p", 0);
  tr = t_wait_name("t", 0);

  /* permanent: restarted even after a normal exit. */
  t_tell(p, "{'exit':'normal'}");
  ASSERT(t_wait_name("p", p) != 0);
  /* transient: not after a normal exit (nor shutdown), forgotten... */
  t_tell(tr, "{'exit':'shutdown'}");
  ASSERT(t_wait_event(ACT_EV_EXIT, NULL, tr, 1, NULL) == 0);
  /* ...but after an abnormal one. */
  t_tell(act_runtime_whereis(t_rt, "u"), "{'exit':'error:x'}");
  ASSERT(t_wait_event(ACT_EV_RESTART, "u", 0, 1, NULL) == 0);
  /* temporary: never. */
  t_tell(tm, "{'exit':'error:x'}");
  ASSERT(t_wait_event(ACT_EV_EXIT, NULL, tm, 1, NULL) == 0);

  ASSERT(t_wait_children(s, 2) == 0);
  ASSERT(strcmp(t_child_status(s, "p", st, sizeof(st)), "running") == 0);
  ASSERT(strcmp(t_child_status(s, "u", st, sizeof(st)), "running") == 0);
  ASSERT(strcmp(t_child_status(s, "t", st, sizeof(st)), "") == 0);
  ASSERT(strcmp(t_child_status(s, "m", st, sizeof(st)), "") == 0);
  ASSERT(t_count_events(ACT_EV_RESTART, "t") == 0);
  ASSERT(t_count_events(ACT_EV_RESTART, "m") == 0);
  t_stop();
  return 0;
}

TEST_IMPL(supervisor_intensity_escalates) {
  act_id_t s, a, b;
  t_ev_t ev;
  char log[T_LOG_SIZE];

  t_start();
  s = t_sup("s", "{'intensity':1,'period_ms':10000,'children':"
                 "[{'plugin':'tchild','name':'a','args':{'tag':'a'}},"
                 "{'plugin':'tchild','name':'b','args':{'tag':'b'}}]}");
  ASSERT((b = t_wait_name("b", 0)) != 0);
  a = act_runtime_whereis(t_rt, "a");
  t_tell(a, "{'exit':'error:one'}");
  ASSERT((a = t_wait_name("a", a)) != 0);
  /* The second restart within the period is one too many. */
  t_tell(a, "{'exit':'error:two'}");
  ASSERT(t_wait_event(ACT_EV_EXIT, NULL, s, 1, &ev) == 0);
  ASSERT(strcmp(ev.reason, "shutdown") == 0);
  /* Its other child went first. */
  ASSERT(t_wait_event(ACT_EV_EXIT, NULL, b, 1, &ev) == 0);
  ASSERT(strcmp(ev.reason, "shutdown") == 0);
  t_log_copy(log, sizeof(log));
  ASSERT(t_has(log, "stop:b"));
  ASSERT(act_runtime_whereis(t_rt, "a") == 0);
  ASSERT(act_runtime_whereis(t_rt, "b") == 0);
  t_stop();
  return 0;
}

TEST_IMPL(supervisor_root_marks_failed) {
  act_id_t s, a, other;
  char st[32];
  t_ev_t ev;
  json_t *r;

  t_start();
  s = t_sup("root", "{'root':true,'intensity':2,'period_ms':10000,'children':"
                    "[{'plugin':'tchild','name':'a'},"
                    "{'plugin':'tchild','name':'o'}]}");
  ASSERT((other = t_wait_name("o", 0)) != 0);
  ASSERT((a = t_wait_name("a", 0)) != 0);
  for (int i = 0; i < 2; i++) {
    t_tell(a, "{'exit':'error:again'}");
    ASSERT((a = t_wait_name("a", a)) != 0);
  }
  t_tell(a, "{'exit':'error:last'}");
  ASSERT(t_wait_event(ACT_EV_FAILED, "a", 0, 1, &ev) == 0);
  ASSERT(ev.id == a && strcmp(ev.reason, "error:last") == 0);
  ASSERT(strcmp(t_child_status(s, "a", st, sizeof(st)), "failed") == 0);
  ASSERT(act_runtime_whereis(t_rt, "a") == 0);
  /* The root itself and the other child are fine: the history is per child. */
  ASSERT(act_runtime_whereis(t_rt, "root") == s);
  t_tell(other, "{'exit':'error:once'}");
  ASSERT(t_wait_name("o", other) != 0);

  /* restart_child revives it, by name, with a fresh history. */
  r = t_ask(s, "{'restart_child':'a'}");
  ASSERT(json_is_integer(json_object_get(r, "id")));
  a = (act_id_t)json_integer_value(json_object_get(r, "id"));
  json_decref(r);
  ASSERT(act_runtime_whereis(t_rt, "a") == a);
  ASSERT(strcmp(t_child_status(s, "a", st, sizeof(st)), "running") == 0);
  t_tell(a, "{'exit':'error:after'}");
  ASSERT(t_wait_name("a", a) != 0);
  t_stop();
  return 0;
}

TEST_IMPL(supervisor_backoff) {
  t_ev_t e1, e2, e3, x1, x2, x3;

  t_start();
  /* A child that fails its init at once, every time. */
  t_sup("s", "{'intensity':100,'backoff_ms':[100,300],'children':"
             "[{'plugin':'tchild','name':'a','args':{'fail':'error:nope'}}]}");
  ASSERT(t_wait_event(ACT_EV_RESTART, "a", 0, 3, &e3) == 0);
  ASSERT(t_wait_event(ACT_EV_RESTART, "a", 0, 1, &e1) == 0);
  ASSERT(t_wait_event(ACT_EV_RESTART, "a", 0, 2, &e2) == 0);
  ASSERT(t_wait_event(ACT_EV_EXIT, NULL, e1.old_id, 1, &x1) == 0);
  ASSERT(t_wait_event(ACT_EV_EXIT, NULL, e2.old_id, 1, &x2) == 0);
  ASSERT(t_wait_event(ACT_EV_EXIT, NULL, e3.old_id, 1, &x3) == 0);
  ASSERT(strcmp(e1.reason, "error:nope") == 0);
  /* 100, then doubled to 200, then capped at 300; a little early is the
     clock's rounding, not a missing delay. */
  ASSERT(e1.at_ms - x1.at_ms >= 95);
  ASSERT(e2.at_ms - x2.at_ms >= 195);
  ASSERT(e3.at_ms - x3.at_ms >= 295);
  t_stop();
  return 0;
}

TEST_IMPL(supervisor_shutdown_order) {
  act_id_t s;
  t_ev_t ev;
  char log[T_LOG_SIZE];

  t_start();
  s = t_sup("s", "{'children':" T_ABC "}");
  ASSERT(t_wait_name("c", 0) != 0);
  t_log_clear();
  ASSERT(act_runtime_kill(t_rt, s, "shutdown") == 0);
  ASSERT(t_wait_event(ACT_EV_EXIT, NULL, s, 1, &ev) == 0);
  ASSERT(strcmp(ev.reason, "shutdown") == 0);
  t_log_copy(log, sizeof(log));
  ASSERT(t_has(log, "stop:c stop:b stop:a"));
  ASSERT(t_count_events(ACT_EV_RESTART, "a") == 0);
  t_stop();
  return 0;
}

TEST_IMPL(supervisor_shutdown_timeout) {
  act_id_t s, a;
  uint64_t t0;
  t_ev_t ev;

  t_start();
  /* a traps exits and ignores "shutdown": killed after its 150 ms. */
  s = t_sup("s", "{'children':[{'plugin':'tchild','name':'a','shutdown_ms':150,"
                 "'args':{'tag':'a','trap':true}}]}");
  ASSERT((a = t_wait_name("a", 0)) != 0);
  t0 = t_now();
  ASSERT(act_runtime_kill(t_rt, s, "shutdown") == 0);
  ASSERT(t_wait_event(ACT_EV_EXIT, NULL, a, 1, &ev) == 0);
  ASSERT(strcmp(ev.reason, "killed") == 0);
  ASSERT(ev.at_ms - t0 >= 145);
  ASSERT(t_wait_event(ACT_EV_EXIT, NULL, s, 1, &ev) == 0);
  ASSERT(strcmp(ev.reason, "shutdown") == 0);
  t_stop();
  return 0;
}

TEST_IMPL(supervisor_start_child_errors) {
  act_id_t s, id;
  json_t *r;

  t_start();
  s = t_sup("s", "{}");
  ASSERT(t_wait_name("s", 0) == s);

  r = t_ask(s, "{'start_child':{'plugin':'tchild','restart':'sometimes'}}");
  ASSERT(strcmp(t_err_kind(r), "invalid") == 0);
  ASSERT(t_has(t_err_msg(r), "restart: expected permanent, transient or "
                             "temporary, got \"sometimes\""));
  json_decref(r);

  r = t_ask(s, "{'start_child':{'plugin':'nosuch'}}");
  ASSERT(strcmp(t_err_kind(r), "not_found") == 0);
  ASSERT(t_has(t_err_msg(r), "\"nosuch\""));
  json_decref(r);

  r = t_ask(s, "{'start_child':{'name':'x'}}");
  ASSERT(strcmp(t_err_kind(r), "invalid") == 0);
  ASSERT(t_has(t_err_msg(r), "plugin: missing"));
  json_decref(r);

  r = t_ask(s, "{'start_child':{'plugin':'tchild','name':'bad name'}}");
  ASSERT(t_has(t_err_msg(r), "name: \"bad name\" is not a valid name"));
  json_decref(r);

  r = t_ask(s, "{'start_child':{'plugin':'tchild','shutdown_ms':-1}}");
  ASSERT(t_has(t_err_msg(r), "shutdown_ms: expected"));
  json_decref(r);

  r = t_ask(s, "{'start_child':{'plugin':'tchild','mailbox':{'cap':1,"
               "'policy':'drop_all'}}}");
  ASSERT(t_has(t_err_msg(r), "mailbox.policy: expected reject, drop_oldest "
                             "or drop_newest, got \"drop_all\""));
  json_decref(r);

  r = t_ask(s, "{'start_child':[]}");
  ASSERT(t_has(t_err_msg(r), "spec: expected an object"));
  json_decref(r);

  /* A failing init: an error naming the reason, and the child not added. */
  r = t_ask(s, "{'start_child':{'plugin':'tchild','name':'f',"
               "'args':{'fail':'error:no thanks'}}}");
  ASSERT(strcmp(t_err_kind(r), "plugin") == 0);
  ASSERT(t_has(t_err_msg(r), "init failed: error:no thanks"));
  json_decref(r);
  r = t_ask(s, "{'start_child':{'plugin':'tchild','args':{'invalid':true}}}");
  ASSERT(strcmp(t_err_kind(r), "invalid") == 0);
  ASSERT(t_has(t_err_msg(r), "init failed: "));
  json_decref(r);
  /* A supervisor as a child, with bad args: its own message comes back. */
  r = t_ask(s, "{'start_child':{'plugin':'supervisor','args':"
               "{'strategy':'one_for_none'}}}");
  ASSERT(strcmp(t_err_kind(r), "invalid") == 0);
  ASSERT(t_has(t_err_msg(r), "strategy: expected one_for_one"));
  json_decref(r);
  r = t_ask(s, "{'which_children':true}");
  ASSERT(json_is_array(r) && json_array_size(r) == 0);
  json_decref(r);

  /* A good one, then its name again. */
  r = t_ask(s, "{'start_child':{'plugin':'tchild','name':'g'}}");
  ASSERT(json_is_integer(json_object_get(r, "id")));
  id = (act_id_t)json_integer_value(json_object_get(r, "id"));
  ASSERT(strcmp(json_string_value(json_object_get(r, "name")), "g") == 0);
  ASSERT(act_runtime_whereis(t_rt, "g") == id);
  json_decref(r);
  r = t_ask(s, "{'start_child':{'plugin':'tchild','name':'g'}}");
  ASSERT(strcmp(t_err_kind(r), "exists") == 0);
  json_decref(r);

  /* Requests that make no sense. */
  r = t_ask(s, "{'frobnicate':1}");
  ASSERT(t_has(t_err_msg(r), "unknown request"));
  json_decref(r);
  r = t_ask(s, "{'terminate_child':'nobody'}");
  ASSERT(strcmp(t_err_kind(r), "not_found") == 0);
  json_decref(r);
  r = t_ask(s, "{'restart_child':[1]}");
  ASSERT(strcmp(t_err_kind(r), "invalid") == 0);
  json_decref(r);
  t_stop();
  return 0;
}

TEST_IMPL(supervisor_requests) {
  act_id_t s, a, b, a2;
  json_t *r;

  t_start();
  s = t_sup("s", "{'children':[{'plugin':'tchild','name':'a'},"
                 "{'plugin':'tchild','name':'b'}]}");
  ASSERT((b = t_wait_name("b", 0)) != 0);
  a = act_runtime_whereis(t_rt, "a");

  r = t_ask(s, "{'which_children':true}");
  ASSERT(json_array_size(r) == 2);
  ASSERT(json_integer_value(json_object_get(json_array_get(r, 0), "id")) ==
         (json_int_t)a);
  ASSERT(strcmp(json_string_value(json_object_get(json_array_get(r, 0),
                                                  "restart")),
                "permanent") == 0);
  json_decref(r);

  /* restart_child by id: a new id, the same name. */
  {
    char req[64];
    snprintf(req, sizeof(req), "{'restart_child':%llu}",
             (unsigned long long)a);
    r = t_ask(s, req);
  }
  a2 = (act_id_t)json_integer_value(json_object_get(r, "id"));
  ASSERT(a2 != 0 && a2 != a);
  ASSERT(act_runtime_whereis(t_rt, "a") == a2);
  json_decref(r);

  /* terminate_child by name: stopped, forgotten, not restarted. */
  r = t_ask(s, "{'terminate_child':'b'}");
  ASSERT(json_is_object(r) && json_object_size(r) == 0);
  json_decref(r);
  ASSERT(act_runtime_whereis(t_rt, "b") == 0);
  ASSERT(t_wait_event(ACT_EV_EXIT, NULL, b, 1, NULL) == 0);
  ASSERT(t_wait_children(s, 1) == 0);
  ASSERT(t_count_events(ACT_EV_RESTART, "b") == 0);
  t_stop();
  return 0;
}

TEST_IMPL(supervisor_simple_one_for_one) {
  act_id_t s, x;
  json_t *r;
  char log[T_LOG_SIZE];

  t_start();
  s = t_sup("s", "{'strategy':'simple_one_for_one','template':"
                 "{'plugin':'tchild','args':{'tag':'tmpl'}}}");
  ASSERT(t_wait_name("s", 0) == s);
  r = t_ask(s, "{'start_child':{'name':'x'}}");
  x = (act_id_t)json_integer_value(json_object_get(r, "id"));
  ASSERT(x != 0);
  json_decref(r);
  r = t_ask(s, "{'start_child':{'name':'y','args':{'tag':'mine'}}}");
  ASSERT(json_is_integer(json_object_get(r, "id")));
  json_decref(r);
  t_log_copy(log, sizeof(log));
  ASSERT(t_has(log, "init:tmpl init:mine"));
  r = t_ask(s, "{'which_children':true}");
  ASSERT(json_array_size(r) == 2);
  json_decref(r);

  /* Restarted like one_for_one. */
  t_tell(x, "{'exit':'error:x'}");
  ASSERT(t_wait_name("x", x) != 0);
  r = t_ask(s, "{'terminate_child':'y'}");
  ASSERT(json_object_size(r) == 0);
  json_decref(r);
  ASSERT(t_wait_children(s, 1) == 0);
  t_stop();
  return 0;
}

TEST_IMPL(supervisor_bad_args) {
  act_id_t s1, s2, s3, s4;
  t_ev_t ev;

  t_start();
  s1 = t_sup(NULL, "{'strategy':'one_for_some'}");
  s2 = t_sup(NULL, "{'children':[{'plugin':'tchild'},"
                   "{'plugin':'tchild','restart':'sometimes'}]}");
  s3 = t_sup(NULL, "{'strategy':'simple_one_for_one'}");
  s4 = t_sup(NULL, "{'intensty':3}");
  ASSERT(t_wait_event(ACT_EV_EXIT, NULL, s1, 1, &ev) == 0);
  ASSERT(t_has(ev.reason, "strategy: expected one_for_one, one_for_all, "
                          "rest_for_one or simple_one_for_one, got "
                          "\"one_for_some\""));
  ASSERT(t_wait_event(ACT_EV_EXIT, NULL, s2, 1, &ev) == 0);
  ASSERT(t_has(ev.reason, "children[1].restart: expected permanent"));
  ASSERT(t_wait_event(ACT_EV_EXIT, NULL, s3, 1, &ev) == 0);
  ASSERT(t_has(ev.reason, "template: missing"));
  ASSERT(t_wait_event(ACT_EV_EXIT, NULL, s4, 1, &ev) == 0);
  ASSERT(t_has(ev.reason, "unknown field \"intensty\""));
  /* Nothing was started for the one with a good first child. */
  ASSERT(t_count_events(ACT_EV_SPAWN, "") <= 1); /* the probe only */
  t_stop();
  return 0;
}

TEST_IMPL(supervisor_group_temporary) {
  act_id_t s, a, m;
  char st[32];

  t_start();
  /* one_for_all stops a temporary sibling with the others, and does not
     start it again. */
  s = t_sup("s", "{'strategy':'one_for_all','children':["
                 "{'plugin':'tchild','name':'a'},"
                 "{'plugin':'tchild','name':'m','restart':'temporary'}]}");
  ASSERT((m = t_wait_name("m", 0)) != 0);
  ASSERT((a = t_wait_name("a", 0)) != 0);
  t_tell(a, "{'exit':'error:boom'}");
  ASSERT(t_wait_name("a", a) != 0);
  ASSERT(t_wait_event(ACT_EV_EXIT, NULL, m, 1, NULL) == 0);
  ASSERT(t_wait_children(s, 1) == 0);
  ASSERT(strcmp(t_child_status(s, "m", st, sizeof(st)), "") == 0);
  ASSERT(act_runtime_whereis(t_rt, "m") == 0);
  t_stop();
  return 0;
}

TEST_IMPL(supervisor_intensity_period) {
  struct timespec ts = {0, 20 * 1000000L};
  act_id_t s, a;
  uint64_t t0;

  t_start();
  /* One restart per 150 ms is allowed: two crashes further apart than the
     period are two separate restarts, not an escalation. */
  s = t_sup("s", "{'intensity':1,'period_ms':150,'children':"
                 "[{'plugin':'tchild','name':'a'}]}");
  ASSERT((a = t_wait_name("a", 0)) != 0);
  t_tell(a, "{'exit':'error:one'}");
  ASSERT((a = t_wait_name("a", a)) != 0);
  t0 = t_now();
  while (t_now() - t0 < 200)
    nanosleep(&ts, NULL); /* the condition is time itself: the period */
  t_tell(a, "{'exit':'error:two'}");
  ASSERT((a = t_wait_name("a", a)) != 0);
  ASSERT(act_runtime_whereis(t_rt, "s") == s);
  /* Two within the period are one too many. */
  t_tell(a, "{'exit':'error:three'}");
  ASSERT(t_wait_event(ACT_EV_EXIT, NULL, s, 1, NULL) == 0);
  t_stop();
  return 0;
}

TEST_IMPL(supervisor_inspect) {
  act_id_t s;
  json_t *r, *d, *c;

  t_start();
  s = t_sup("s", "{'strategy':'rest_for_one','intensity':3,'period_ms':500,"
                 "'backoff_ms':[10,20],'children':["
                 "{'plugin':'tchild','name':'a','restart':'transient'},"
                 "{'plugin':'tchild','name':'b'}]}");
  ASSERT(t_wait_name("b", 0) != 0);
  r = t_inspect(s);
  ASSERT(json_is_true(json_object_get(r, "trap_exit")));
  d = json_object_get(r, "data");
  ASSERT(strcmp(json_string_value(json_object_get(d, "strategy")),
                "rest_for_one") == 0);
  ASSERT(json_integer_value(json_object_get(d, "intensity")) == 3);
  ASSERT(json_integer_value(json_object_get(d, "period_ms")) == 500);
  ASSERT(json_integer_value(json_array_get(json_object_get(d, "backoff_ms"),
                                           1)) == 20);
  ASSERT(json_is_false(json_object_get(d, "root")));
  ASSERT(json_array_size(json_object_get(d, "children")) == 2);
  c = json_array_get(json_object_get(d, "children"), 0);
  ASSERT(strcmp(json_string_value(json_object_get(c, "name")), "a") == 0);
  ASSERT(strcmp(json_string_value(json_object_get(c, "restart")),
                "transient") == 0);
  ASSERT(strcmp(json_string_value(json_object_get(c, "status")), "running") ==
         0);
  ASSERT(json_integer_value(json_object_get(c, "id")) ==
         (json_int_t)act_runtime_whereis(t_rt, "a"));
  json_decref(r);
  t_stop();
  return 0;
}

/* act_runtime_info callback: the scheduler the actor runs on. */
static void t_sched_of(void *arg, const act_info_t *info) {
  *(int *)arg = info->sched;
}

TEST_IMPL(supervisor_dedicated_child) {
  act_id_t s, d, n;
  int dsched = -1, nsched = -1;
  json_t *r;

  t_start();
  s = t_sup("s", "{}");
  ASSERT(t_wait_name("s", 0) == s);

  r = t_ask(s, "{'start_child':{'plugin':'tchild','name':'d',"
               "'dedicated':true}}");
  ASSERT(r != NULL && json_object_get(r, "error") == NULL);
  json_decref(r);
  r = t_ask(s, "{'start_child':{'plugin':'tchild','name':'n'}}");
  ASSERT(r != NULL && json_object_get(r, "error") == NULL);
  json_decref(r);
  d = act_runtime_whereis(t_rt, "d");
  n = act_runtime_whereis(t_rt, "n");
  ASSERT(act_runtime_info(t_rt, d, t_sched_of, &dsched) == 0);
  ASSERT(act_runtime_info(t_rt, n, t_sched_of, &nsched) == 0);
  /* The worker threads are schedulers 0 and 1; a dedicated actor's thread
     is a scheduler of its own, outside that list (-1). */
  ASSERT(nsched >= 0 && nsched < 2);
  ASSERT(dsched == -1);

  r = t_ask(s, "{'start_child':{'plugin':'tchild','dedicated':'yes'}}");
  ASSERT(strcmp(t_err_kind(r), "invalid") == 0);
  ASSERT(t_has(t_err_msg(r), "dedicated: expected true or false, got "
                             "\"yes\""));
  json_decref(r);
  t_stop();
  return 0;
}
