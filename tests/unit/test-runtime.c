/*
 * test-runtime.c - actors' lives: spawn with args, init failure, exit
 * reasons, ids, names, message payloads, events, registry, inspect,
 * listings and statistics.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

/* --------------------------------------------------------- spawn, exit */

static int args_init(act_ctx_t *ctx, t_beh_t *b, json_t *arg) {
  t_rec("init %lld %s", (long long)json_integer_value(json_object_get(arg, "x")),
        json_string_value(json_object_get(arg, "s")));
  (void)ctx;
  (void)b;
  return 0;
}

TEST_IMPL(spawn_args) {
  act_runtime_t *rt = t_rt_start(2);
  act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;
  t_beh_t b = {.init = args_init};
  json_t *arg = json_pack("{s:i,s:s}", "x", 42, "s", "hello");
  act_id_t id;

  ASSERT(t_spawn_opts(rt, &b, &o, arg, &id) == 0);
  json_decref(arg);
  ASSERT(id > 0);
  ASSERT(t_wait_rec("init 42 hello"));
  ASSERT(t_wait_rec("spawn %llu", (unsigned long long)id));
  /* The spawn event comes after init. */
  ASSERT(t_rec_index("init 42 hello") < t_rec_index("spawn %llu",
                                                    (unsigned long long)id));
  t_rt_done(rt);
  return 0;
}

TEST_IMPL(spawn_bad_options) {
  act_runtime_t *rt = t_rt_start(1);
  act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;
  act_plugin_t bad = t_plugin;
  act_id_t id;

  o.plugin = "no-such-plugin";
  ASSERT(act_runtime_spawn(rt, &o, &id) == ACT_ENOENT);
  o.plugin = NULL;
  ASSERT(act_runtime_spawn(rt, &o, &id) == ACT_EINVAL);
  bad.abi_version = 99;
  o.desc = &bad;
  ASSERT(act_runtime_spawn(rt, &o, &id) == ACT_EINVAL);
  o.desc = &t_plugin;
  o.name = "9bad";
  ASSERT(act_runtime_spawn(rt, &o, &id) == ACT_EINVAL);
  o.name = NULL;
  o.sched = 7;
  ASSERT(act_runtime_spawn(rt, &o, &id) == ACT_EINVAL);
  o.sched = -1;
  o.flags = ACT_SPAWN_LINK; /* nobody to link to from outside */
  ASSERT(act_runtime_spawn(rt, &o, &id) == ACT_EINVAL);
  o.flags = 0;
  o.mailbox_policy = 9;
  ASSERT(act_runtime_spawn(rt, &o, &id) == ACT_EINVAL);
  t_rt_done(rt);
  return 0;
}

static int fail_init(act_ctx_t *ctx, t_beh_t *b, json_t *arg) {
  (void)ctx;
  (void)b;
  (void)arg;
  return ACT_EINVAL;
}

static int exit_init(act_ctx_t *ctx, t_beh_t *b, json_t *arg) {
  (void)b;
  (void)arg;
  act_exit(ctx, "error:init: no config");
  return ACT_EINVAL;
}

static void rec_terminate(act_ctx_t *ctx, t_beh_t *b, const char *reason) {
  (void)b;
  t_rec("terminate %llu %s", (unsigned long long)act_self(ctx), reason);
}

TEST_IMPL(spawn_init_fails) {
  act_runtime_t *rt = t_rt_start(2);
  t_beh_t f = {.init = fail_init, .terminate = rec_terminate};
  t_beh_t g = {.init = exit_init, .terminate = rec_terminate};
  act_id_t a, b;

  ASSERT(t_spawn(rt, &f, 0, "failer", &a) == 0);
  ASSERT(t_wait_rec("exit %llu error:init: invalid argument",
                    (unsigned long long)a));
  ASSERT(t_spawn(rt, &g, 0, NULL, &b) == 0);
  ASSERT(t_wait_rec("exit %llu error:init: no config", (unsigned long long)b));
  /* Never started: no spawn event, no terminate, the name is free. */
  ASSERT(!t_has_rec("spawn %llu", (unsigned long long)a));
  ASSERT(t_count_rec("terminate ") == 0);
  ASSERT(act_runtime_whereis(rt, "failer") == 0);
  t_rt_done(rt);
  return 0;
}

/* Messages: "exit:R" exits with R; "fail" returns an error; "normal". */
static int cmd_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  char buf[64] = "";

  (void)b;
  if (m->type != ACT_MSG_USER)
    return 0;
  if (m->payload == ACT_PAYLOAD_BYTES && m->len < sizeof(buf))
    memcpy(buf, m->data, m->len);
  if (strncmp(buf, "exit:", 5) == 0)
    return act_exit(ctx, buf + 5);
  if (strcmp(buf, "normal") == 0)
    return act_exit(ctx, NULL);
  if (strcmp(buf, "fail") == 0)
    return ACT_ENOENT;
  return 0;
}

static act_id_t spawn_cmd(act_runtime_t *rt, t_beh_t *b) {
  act_id_t id;

  ASSERT(t_spawn(rt, b, 0, NULL, &id) == 0);
  return id;
}

TEST_IMPL(exit_reasons) {
  act_runtime_t *rt = t_rt_start(2);
  t_beh_t b = {.handle = cmd_handle, .terminate = rec_terminate};
  act_id_t a = spawn_cmd(rt, &b), c = spawn_cmd(rt, &b), d = spawn_cmd(rt, &b);

  ASSERT(act_runtime_send(rt, a, 0, "normal", 6) == 0);
  ASSERT(act_runtime_send(rt, c, 0, "fail", 4) == 0);
  ASSERT(act_runtime_send(rt, d, 0, "exit:timeout", 12) == 0);
  ASSERT(t_wait_rec("exit %llu normal", (unsigned long long)a));
  ASSERT(t_wait_rec("exit %llu error:no such actor, name or plugin",
                    (unsigned long long)c));
  ASSERT(t_wait_rec("exit %llu timeout", (unsigned long long)d));
  ASSERT(t_wait_rec("terminate %llu timeout", (unsigned long long)d));
  /* Dead: sends and kills from outside say so. */
  ASSERT(act_runtime_send(rt, a, 0, "x", 1) == ACT_ENOENT);
  ASSERT(act_runtime_kill(rt, a, NULL) == ACT_ENOENT);
  t_rt_done(rt);
  return 0;
}

TEST_IMPL(ids_never_reused) {
  act_runtime_t *rt = t_rt_start(2);
  t_beh_t b = {.handle = cmd_handle};
  act_id_t ids[200];
  int i, j;

  for (i = 0; i < 100; i++)
    ids[i] = spawn_cmd(rt, &b);
  for (i = 0; i < 100; i++)
    ASSERT(act_runtime_send(rt, ids[i], 0, "normal", 6) == 0);
  ASSERT(t_wait_count("exit ", 100));
  for (i = 100; i < 200; i++)
    ids[i] = spawn_cmd(rt, &b);
  for (i = 0; i < 200; i++) {
    ASSERT(ids[i] > 0);
    for (j = 0; j < i; j++)
      ASSERT(ids[i] != ids[j]);
  }
  t_rt_done(rt);
  return 0;
}

/* ------------------------------------------------------------------ names */

TEST_IMPL(names) {
  act_runtime_t *rt = t_rt_start(2);
  t_beh_t b = {.handle = cmd_handle};
  act_id_t a, c, id;
  char longname[ACT_NAME_MAX + 2];

  ASSERT(act_name_valid("web_1.a-b"));
  ASSERT(act_name_valid("_x"));
  ASSERT(!act_name_valid(""));
  ASSERT(!act_name_valid("1abc"));
  ASSERT(!act_name_valid("a b"));
  ASSERT(!act_name_valid("a<b"));
  memset(longname, 'a', sizeof(longname) - 1);
  longname[ACT_NAME_MAX] = '\0';
  ASSERT(act_name_valid(longname));
  longname[ACT_NAME_MAX] = 'a';
  longname[ACT_NAME_MAX + 1] = '\0';
  ASSERT(!act_name_valid(longname));

  ASSERT(t_spawn(rt, &b, 0, "alpha", &a) == 0);
  ASSERT(act_runtime_whereis(rt, "alpha") == a);
  /* Unique among live actors. */
  ASSERT(t_spawn(rt, &b, 0, "alpha", &id) == ACT_EEXIST);
  c = spawn_cmd(rt, &b);
  ASSERT(act_runtime_name_register(rt, "alpha", c) == ACT_EEXIST);
  ASSERT(act_runtime_name_register(rt, "bad name", c) == ACT_EINVAL);
  ASSERT(act_runtime_name_register(rt, "gamma", 999999) == ACT_ENOENT);
  ASSERT(act_runtime_name_register(rt, "gamma", c) == 0);
  ASSERT(act_runtime_whereis(rt, "gamma") == c);
  ASSERT(act_runtime_name_unregister(rt, "gamma") == 0);
  ASSERT(act_runtime_whereis(rt, "gamma") == 0);
  ASSERT(act_runtime_name_unregister(rt, "gamma") == ACT_ENOENT);
  /* Freed at exit, then free to take again. */
  ASSERT(act_runtime_send(rt, a, 0, "normal", 6) == 0);
  ASSERT(t_wait_rec("exit %llu normal", (unsigned long long)a));
  ASSERT(act_runtime_whereis(rt, "alpha") == 0);
  ASSERT(t_spawn(rt, &b, 0, "alpha", &id) == 0);
  ASSERT(id != a && act_runtime_whereis(rt, "alpha") == id);
  t_rt_done(rt);
  return 0;
}

/* --------------------------------------------------------------- messages */

static int payload_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  (void)ctx;
  (void)b;
  if (m->payload == ACT_PAYLOAD_BYTES)
    t_rec("bytes tag=%u len=%zu from=%llu first=%c last=%c", m->tag, m->len,
          (unsigned long long)m->from, ((const char *)m->data)[0],
          ((const char *)m->data)[m->len - 1]);
  else if (m->payload == ACT_PAYLOAD_JSON) {
    char *s = json_dumps(m->json, JSON_COMPACT);
    t_rec("json tag=%u %s", m->tag, s);
    free(s);
  } else
    t_rec("none tag=%u", m->tag);
  return 0;
}

/* The sender: on "go", sends to its peer small, big, JSON and empty. */
static int sender_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  char big[5000];

  (void)m;
  memset(big, 'b', sizeof(big));
  big[0] = 'B';
  big[sizeof(big) - 1] = 'E';
  ASSERT(act_send(ctx, b->peer, 7, "hi", 2) == 0);
  ASSERT(act_send(ctx, b->peer, 8, big, sizeof(big)) == 0);
  ASSERT(act_send_json(ctx, b->peer, 9, json_pack("{s:i}", "n", 1)) == 0);
  ASSERT(act_send(ctx, b->peer, 10, NULL, 0) == 0);
  ASSERT(act_send(ctx, 0, 1, "x", 1) == ACT_EINVAL);
  return 0;
}

TEST_IMPL(message_payloads) {
  act_runtime_t *rt = t_rt_start(2);
  t_beh_t recv = {.handle = payload_handle};
  t_beh_t send = {.handle = sender_handle};
  act_id_t r, s;
  int local;

  for (local = 0; local < 2; local++) {
    act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;
    o.sched = 0;
    ASSERT(t_spawn_opts(rt, &recv, &o, NULL, &r) == 0);
    o.sched = local ? 0 : 1; /* same scheduler, then across threads */
    ASSERT(t_spawn_opts(rt, &send, &o, NULL, &s) == 0);
    send.peer = r;
    ASSERT(act_runtime_send(rt, s, 0, "go", 2) == 0);
    ASSERT(t_wait_rec("bytes tag=7 len=2 from=%llu first=h last=i",
                      (unsigned long long)s));
    ASSERT(t_wait_rec("bytes tag=8 len=5000 from=%llu first=B last=E",
                      (unsigned long long)s));
    ASSERT(t_wait_rec("json tag=9 {\"n\":1}"));
    ASSERT(t_wait_rec("none tag=10"));
    /* Per-pair order is kept. */
    ASSERT(local == 1 || t_rec_index("json tag=9 {\"n\":1}") > t_rec_index(
               "bytes tag=8 len=5000 from=%llu first=B last=E",
               (unsigned long long)s));
    ASSERT(act_runtime_send_json(rt, r, 3, json_pack("[i]", 5)) == 0);
    ASSERT(t_wait_rec("json tag=3 [5]"));
    ASSERT(act_runtime_kill(rt, r, NULL) == 0);
    ASSERT(act_runtime_kill(rt, s, NULL) == 0);
    ASSERT(t_wait_rec("exit %llu killed", (unsigned long long)s));
    ASSERT(t_wait_rec("exit %llu killed", (unsigned long long)r));
  }
  t_rt_done(rt);
  return 0;
}

/* Forward keeps the payload (shared) and an ask's asker. */
static int fwd_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  if (m->type == ACT_MSG_USER)
    ASSERT(act_forward(ctx, b->peer, m) == 0);
  return 0;
}

static int echo_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  (void)b;
  if (m->type == ACT_MSG_USER && (m->flags & ACT_MSG_F_ASK))
    ASSERT(act_reply(ctx, m, m->data, m->len) == 0);
  else
    payload_handle(ctx, b, m);
  return 0;
}

static int asker_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  char big[100];
  uint64_t ref;

  if (m->type == ACT_MSG_USER) {
    memset(big, 'q', sizeof(big));
    ASSERT(act_ask(ctx, b->peer, 1, big, sizeof(big), 2000, &ref) == 0);
    b->n = (long)ref;
  } else if (m->type == ACT_MSG_REPLY) {
    t_rec("reply ok=%d len=%zu from=%llu", m->ref == (uint64_t)b->n, m->len,
          (unsigned long long)m->from);
  } else {
    t_rec("unexpected %d", m->type);
  }
  return 0;
}

TEST_IMPL(forward) {
  act_runtime_t *rt = t_rt_start(2);
  t_beh_t echo = {.handle = echo_handle};
  t_beh_t fwd = {.handle = fwd_handle};
  t_beh_t asker = {.handle = asker_handle};
  act_id_t e, f, a;

  e = spawn_cmd(rt, &echo);
  fwd.peer = e;
  f = spawn_cmd(rt, &fwd);
  asker.peer = f;
  a = spawn_cmd(rt, &asker);
  ASSERT(act_runtime_send(rt, f, 4, "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ",
                          46) == 0);
  ASSERT(t_wait_rec("bytes tag=4 len=46 from=%llu first=a last=J",
                    (unsigned long long)f));
  ASSERT(act_runtime_send(rt, a, 0, "go", 2) == 0);
  /* The echo answered the asker directly, through the forwarder. */
  ASSERT(t_wait_rec("reply ok=1 len=100 from=%llu", (unsigned long long)e));
  t_rt_done(rt);
  return 0;
}

/* ------------------------------------------------------ events and logs */

static int log_init(act_ctx_t *ctx, t_beh_t *b, json_t *arg) {
  (void)b;
  (void)arg;
  act_log(ctx, ACT_LOG_WARN, "hello %d", 5);
  return 0;
}

TEST_IMPL(events_and_logs) {
  act_runtime_t *rt = t_rt_start(1);
  t_beh_t b = {.init = log_init, .handle = cmd_handle};
  act_id_t a;

  ASSERT(t_spawn(rt, &b, 0, "logger", &a) == 0);
  ASSERT(t_wait_rec("log %llu logger %d hello 5", (unsigned long long)a,
                    ACT_LOG_WARN));
  ASSERT(t_wait_rec("spawn %llu", (unsigned long long)a));
  ASSERT(act_runtime_send(rt, a, 0, "exit:bye", 8) == 0);
  ASSERT(t_wait_rec("exit %llu bye", (unsigned long long)a));
  ASSERT(strcmp(act_event_name(ACT_EV_RESTART), "restart") == 0);
  ASSERT(strcmp(act_event_name(ACT_EV_FAILED), "failed") == 0);
  t_rt_done(rt);
  return 0;
}

/* ------------------------------------------------------------- registry */

TEST_IMPL(registry) {
  act_runtime_t *rt = t_rt_start(1);
  act_plugin_t other = t_plugin, bad = t_plugin;
  t_beh_t b = {.handle = cmd_handle};
  act_id_t a;

  ASSERT(act_runtime_register(rt, &t_plugin) == ACT_EEXIST);
  bad.abi_version = 2;
  ASSERT(act_runtime_register(rt, &bad) == ACT_EINVAL);
  bad = t_plugin;
  bad.handle = NULL;
  ASSERT(act_runtime_register(rt, &bad) == ACT_EINVAL);
  ASSERT(act_runtime_lookup(rt, "tbeh") == &t_plugin);
  ASSERT(act_runtime_lookup(rt, "nope") == NULL);
  a = spawn_cmd(rt, &b);
  ASSERT(t_wait_rec("spawn %llu", (unsigned long long)a));
  ASSERT_EQ(act_runtime_count(rt, &t_plugin), 1);
  ASSERT(act_runtime_unregister(rt, "tbeh") == ACT_EUNAVAIL);
  other.version = "2.0";
  ASSERT(act_runtime_replace(rt, &other) == 0);
  ASSERT(act_runtime_lookup(rt, "tbeh") == &other);
  ASSERT(act_runtime_send(rt, a, 0, "normal", 6) == 0);
  ASSERT(t_wait_rec("exit %llu normal", (unsigned long long)a));
  ASSERT_EQ(act_runtime_count(rt, &t_plugin), 0);
  ASSERT(act_runtime_unregister(rt, "tbeh") == 0);
  ASSERT(act_runtime_unregister(rt, "tbeh") == ACT_ENOENT);
  t_rt_done(rt);
  return 0;
}

/* ------------------------------------------------- listings and stats */

static void count_cb(void *arg, const act_info_t *info) {
  long *n = arg;

  ASSERT(info->id > 0 && strcmp(info->plugin, "tbeh") == 0);
  (*n)++;
}

static void info_cb(void *arg, const act_info_t *info) {
  act_info_t *out = arg;

  *out = *info;
  out->name = NULL; /* valid only during the callback */
  ASSERT(info->name != NULL && strcmp(info->name, "listed") == 0);
}

TEST_IMPL(list_and_info) {
  act_runtime_t *rt = t_rt_start(2);
  t_beh_t b = {.handle = cmd_handle};
  act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;
  act_info_t info;
  act_stats_t st;
  act_id_t a;
  long n = 0;
  int i;
  uint64_t t0, t1;

  o.flags = ACT_SPAWN_HIDDEN;
  o.name = "listed";
  o.supervisor = 77;
  o.restarts = 3;
  o.mailbox_cap = 10;
  ASSERT(t_spawn_opts(rt, &b, &o, NULL, &a) == 0);
  ASSERT(act_runtime_info(rt, a, info_cb, &info) == 0);
  ASSERT(info.id == a && info.supervisor == 77 && info.restarts == 3);
  ASSERT(info.flags & ACT_SPAWN_HIDDEN);
  ASSERT(strcmp(info.version, "1.0") == 0 && info.desc == &t_plugin);
  ASSERT(act_runtime_info(rt, 123456789, info_cb, &info) == ACT_ENOENT);
  for (i = 1; i < 100000; i++)
    ASSERT(spawn_cmd(rt, &b) > 0);
  ASSERT(t_wait_spawned(100000));
  t0 = t_now_ms();
  ASSERT(act_runtime_list(rt, count_cb, &n) == 0);
  t1 = t_now_ms();
  ASSERT_EQ(n, 100000);
  fprintf(stderr, "listed 100000 actors in %llu ms\n",
          (unsigned long long)(t1 - t0));
  act_runtime_stats(rt, &st);
  ASSERT_EQ(st.actors, 100000);
  ASSERT_EQ(st.spawned, 100000);
  ASSERT_EQ(st.threads, 2);
  ASSERT(act_runtime_threads(rt) == 2);
  t_rt_done(rt);
  return 0;
}

/* --------------------------------------------------------------- inspect */

static json_t *insp_data(t_beh_t *b) {
  return json_pack("{s:i}", "count", (int)b->n);
}

static int inspector_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  uint64_t ref;

  if (m->type == ACT_MSG_USER) {
    ASSERT(act_inspect(ctx, b->peer, 2000, &ref) == 0);
  } else if (m->type == ACT_MSG_REPLY) {
    char *s = json_dumps(m->json, JSON_COMPACT | JSON_SORT_KEYS);
    t_rec("inspect %s", s);
    free(s);
  }
  return 0;
}

static int tgot_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  t_rec("tgot");
  return cmd_handle(ctx, b, m);
}

TEST_IMPL(inspect) {
  act_runtime_t *rt = t_rt_start(2);
  t_beh_t target = {.handle = tgot_handle, .inspect = insp_data, .n = 12};
  t_beh_t insp = {.handle = inspector_handle};
  act_id_t tg, i;

  tg = spawn_cmd(rt, &target);
  insp.peer = tg;
  i = spawn_cmd(rt, &insp);
  ASSERT(act_runtime_send(rt, tg, 0, "x", 1) == 0);
  ASSERT(t_wait_rec("tgot"));
  ASSERT(act_runtime_send(rt, i, 0, "go", 2) == 0);
  ASSERT(t_wait_rec("inspect {\"data\":{\"count\":12},\"links\":[],"
                    "\"messages_in\":1,\"messages_out\":0,\"monitors\":[],"
                    "\"sockets\":[],\"trap_exit\":false}"));
  ASSERT(act_runtime_send(rt, tg, 0, "normal", 6) == 0);
  ASSERT(t_wait_rec("exit %llu normal", (unsigned long long)tg));
  ASSERT(act_runtime_send(rt, i, 0, "go", 2) == 0);
  ASSERT(t_wait_rec("inspect {\"error\":\"noproc\"}"));
  t_rt_done(rt);
  return 0;
}

/* ----------------------------------------------------------- hot upgrade */

/* Version 1 counts in an int; version 2 in a long long, and says so. */
static int v1_init(act_ctx_t *ctx, json_t *args, void **state) {
  (void)ctx;
  (void)args;
  *state = calloc(1, sizeof(int));
  return *state ? 0 : ACT_ENOMEM;
}

static int v1_handle(act_ctx_t *ctx, void *state, const act_msg_t *m) {
  (void)ctx;
  if (m->type == ACT_MSG_USER)
    t_rec("v1 count %d", ++*(int *)state);
  return 0;
}

static void v_terminate(act_ctx_t *ctx, void *state, const char *reason) {
  (void)ctx;
  (void)reason;
  free(state);
}

static int v2_code_change(act_ctx_t *ctx, void *old, const char *old_version,
                          void **state) {
  long long *n;

  (void)ctx;
  if (strcmp(old_version, "1") != 0)
    return ACT_EINVAL;
  n = malloc(sizeof(*n));
  if (n == NULL)
    return ACT_ENOMEM;
  *n = *(int *)old;
  free(old);
  *state = n;
  return 0;
}

static int v2_handle(act_ctx_t *ctx, void *state, const act_msg_t *m) {
  (void)ctx;
  if (m->type == ACT_MSG_USER)
    t_rec("v2 count %lld", ++*(long long *)state);
  return 0;
}

static int bad_code_change(act_ctx_t *ctx, void *old, const char *old_version,
                           void **state) {
  (void)ctx;
  (void)old_version;
  (void)state;
  free(old);
  return ACT_EPLUGIN;
}

static const act_plugin_t up_v1 = {
  .abi_version = ACT_ABI_VERSION, .size = sizeof(act_plugin_t),
  .name = "upg", .version = "1", .init = v1_init, .handle = v1_handle,
  .terminate = v_terminate};
static const act_plugin_t up_v2 = {
  .abi_version = ACT_ABI_VERSION, .size = sizeof(act_plugin_t),
  .name = "upg", .version = "2", .init = v1_init, .handle = v2_handle,
  .terminate = v_terminate, .code_change = v2_code_change};
static const act_plugin_t up_bad = {
  .abi_version = ACT_ABI_VERSION, .size = sizeof(act_plugin_t),
  .name = "upg", .version = "3", .init = v1_init, .handle = v1_handle,
  .terminate = v_terminate, .code_change = bad_code_change};

static void desc_cb(void *arg, const act_info_t *info) {
  *(const act_plugin_t **)arg = info->desc;
}

TEST_IMPL(upgrade) {
  act_runtime_t *rt = t_rt_start(2);
  act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;
  const act_plugin_t *d = NULL;
  act_id_t a, b;

  ASSERT(act_runtime_register(rt, &up_v1) == 0);
  o.plugin = "upg";
  ASSERT(act_runtime_spawn(rt, &o, &a) == 0);
  ASSERT(act_runtime_send(rt, a, 0, NULL, 0) == 0);
  ASSERT(act_runtime_send(rt, a, 0, NULL, 0) == 0);
  ASSERT(t_wait_rec("v1 count 2"));
  /* Without code_change there is nothing to move with. */
  ASSERT(act_runtime_upgrade(rt, a, &up_v1) == ACT_EINVAL);
  ASSERT(act_runtime_upgrade(rt, 987654321, &up_v2) == ACT_ENOENT);
  ASSERT(act_runtime_replace(rt, &up_v2) == 0);
  ASSERT(act_runtime_upgrade(rt, a, &up_v2) == 0);
  ASSERT(act_runtime_send(rt, a, 0, NULL, 0) == 0);
  /* The state came along: the count goes on. */
  ASSERT(t_wait_rec("v2 count 3"));
  ASSERT(act_runtime_info(rt, a, desc_cb, &d) == 0 && d == &up_v2);
  ASSERT_EQ(act_runtime_count(rt, &up_v1), 0);
  ASSERT_EQ(act_runtime_count(rt, &up_v2), 1);
  /* A failing code_change ends the actor with a reason that says so. */
  ASSERT(act_runtime_spawn(rt, &o, &b) == 0);
  ASSERT(t_wait_rec("spawn %llu", (unsigned long long)b));
  ASSERT(act_runtime_upgrade(rt, b, &up_bad) == 0);
  ASSERT(t_wait_rec("exit %llu error:code_change: plugin error",
                    (unsigned long long)b));
  t_rt_done(rt);
  return 0;
}
