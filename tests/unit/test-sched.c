/*
 * test-sched.c - schedulers: fairness, sends across threads, placement,
 * an idle runtime that uses no CPU, orderly stop, attached loops and
 * dedicated actors.
 */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "support.h"

#define U(x) ((unsigned long long)(x))

/* ------------------------------------------------------------- fairness */

static int self_flood_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  (void)b;
  if (m->type == ACT_MSG_USER) {
    /* Two for one: its mailbox never empties. */
    act_send(ctx, act_self(ctx), 1, NULL, 0);
    act_send(ctx, act_self(ctx), 1, NULL, 0);
    b->n++;
  }
  return 0;
}

static int quiet_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  (void)ctx;
  (void)b;
  if (m->type == ACT_MSG_USER)
    t_rec("quiet got %u", m->tag);
  return 0;
}

TEST_IMPL(fairness) {
  act_runtime_t *rt = t_rt_start(1);
  t_beh_t flood = {.handle = self_flood_handle};
  t_beh_t quiet = {.handle = quiet_handle};
  act_id_t f, q;
  int i;

  ASSERT(t_spawn(rt, &flood, 0, NULL, &f) == 0);
  ASSERT(t_spawn(rt, &quiet, 0, NULL, &q) == 0);
  ASSERT(act_runtime_send(rt, f, 1, NULL, 0) == 0);
  /* The flooder runs forever; the other actor on the same (only) thread
     still gets each of its messages handled. */
  for (i = 0; i < 5; i++) {
    ASSERT(act_runtime_send(rt, q, (uint32_t)i, NULL, 0) == 0);
    ASSERT(t_wait_rec("quiet got %d", i));
  }
  ASSERT(act_runtime_kill(rt, f, NULL) == 0);
  ASSERT(t_wait_rec("exit %llu killed", U(f)));
  t_rt_done(rt);
  return 0;
}

/* ---------------------------------------------------------- across threads */

#define PINGS 20000

static int pinger_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  if (m->type != ACT_MSG_USER)
    return 0;
  if (m->tag >= PINGS) {
    t_rec("pingpong done %u", m->tag);
    return 0;
  }
  ASSERT(act_send(ctx, b->peer, m->tag + 1, NULL, 0) == 0);
  return 0;
}

TEST_IMPL(cross_thread_pingpong) {
  act_runtime_t *rt = t_rt_start(2);
  t_beh_t a = {.handle = pinger_handle}, b = {.handle = pinger_handle};
  act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;
  act_id_t x, y;
  act_stats_t st;

  o.sched = 0;
  ASSERT(t_spawn_opts(rt, &a, &o, NULL, &x) == 0);
  o.sched = 1;
  ASSERT(t_spawn_opts(rt, &b, &o, NULL, &y) == 0);
  a.peer = y;
  b.peer = x;
  ASSERT(act_runtime_send(rt, x, 0, NULL, 0) == 0);
  ASSERT(t_wait_rec("pingpong done %u", PINGS));
  act_runtime_stats(rt, &st);
  ASSERT(st.messages >= PINGS);
  /* Ids say which scheduler: slot k of n hands out k+1, k+1+n, ... */
  ASSERT((x - 1) % 4 == 0 && (y - 1) % 4 == 1);
  t_rt_done(rt);
  return 0;
}

/* Spawning from an actor: ACT_SPAWN_LOCAL keeps the child on the
   spawner's scheduler. */
static void sched_cb(void *arg, const act_info_t *info) {
  *(int *)arg = info->sched;
}

static int local_spawner_handle(act_ctx_t *ctx, t_beh_t *b,
                                const act_msg_t *m) {
  act_id_t id;
  int i;

  if (m->type != ACT_MSG_USER)
    return 0;
  for (i = 0; i < 8; i++) {
    int s = -1;
    ASSERT(t_spawn_ctx(ctx, (t_beh_t *)b->data, ACT_SPAWN_LOCAL, &id) == 0);
    ASSERT(act_runtime_info(act_runtime_of(ctx), id, sched_cb, &s) == 0);
    ASSERT(s == 1);
  }
  t_rec("local spawns ok");
  return 0;
}

TEST_IMPL(spawn_local) {
  act_runtime_t *rt = t_rt_start(2);
  t_beh_t child = {.handle = quiet_handle};
  t_beh_t sp = {.handle = local_spawner_handle, .data = &child};
  act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;
  act_id_t id;

  o.sched = 1;
  ASSERT(t_spawn_opts(rt, &sp, &o, NULL, &id) == 0);
  ASSERT(act_runtime_send(rt, id, 0, NULL, 0) == 0);
  ASSERT(t_wait_rec("local spawns ok"));
  t_rt_done(rt);
  return 0;
}

/* -------------------------------------------------------------- idle CPU */

static double cpu_seconds(void) {
  struct rusage ru;

  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static int idle_timer_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  uint64_t t;

  (void)b;
  /* A timer far in the future: armed, but nothing to do until then. */
  if (m->type == ACT_MSG_USER && m->tag == 1)
    ASSERT(act_timer_start(ctx, 3600000, 0, 2, NULL, 0, &t) == 0);
  return 0;
}

TEST_IMPL(idle_cpu) {
  act_runtime_t *rt = t_rt_start(2);
  t_beh_t b = {.handle = idle_timer_handle};
  act_id_t id;
  double c0, c1;
  uint64_t t0;
  int i;

  for (i = 0; i < 100; i++) {
    ASSERT(t_spawn(rt, &b, 0, NULL, &id) == 0);
    ASSERT(act_runtime_send(rt, id, 1, NULL, 0) == 0);
  }
  ASSERT(t_wait_spawned(100));
  /* The measuring window is the test: a second with nothing to do. */
  c0 = cpu_seconds();
  t0 = t_now_ms();
  t_window_ms(1000);
  ASSERT(t_now_ms() - t0 >= 999);
  c1 = cpu_seconds();
  fprintf(stderr, "idle CPU: %.4f s in 1 s\n", c1 - c0);
  ASSERT(c1 - c0 < 0.05);
  t_rt_done(rt);
  return 0;
}

/* ------------------------------------------------------------------ stop */

static void stop_terminate(act_ctx_t *ctx, t_beh_t *b, const char *reason) {
  (void)b;
  t_rec("terminate %llu %s", U(act_self(ctx)), reason);
}

static int trapper_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  (void)b;
  if (m->type == ACT_MSG_EXIT) {
    t_rec("trapper EXIT from=%llu %s", U(m->from), m->reason);
    act_exit(ctx, m->reason);
  }
  return 0;
}

static int stubborn_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  (void)ctx;
  (void)b;
  if (m->type == ACT_MSG_EXIT)
    t_rec("stubborn ignores %s", m->reason);
  return 0;
}

static int stopper_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  (void)b;
  if (m->type == ACT_MSG_USER)
    t_rec("stop from inside: %d", act_runtime_stop(act_runtime_of(ctx), 10));
  return 0;
}

TEST_IMPL(stop_orderly) {
  act_runtime_t *rt = t_rt_start(2);
  t_beh_t plain = {.handle = idle_timer_handle, .terminate = stop_terminate};
  t_beh_t trapper = {.handle = trapper_handle, .terminate = stop_terminate};
  t_beh_t stubborn = {.handle = stubborn_handle};
  t_beh_t stopper = {.handle = stopper_handle};
  act_id_t a, t, s, x;

  ASSERT(t_spawn(rt, &plain, 0, "plain", &a) == 0);
  ASSERT(act_runtime_send(rt, a, 1, NULL, 0) == 0); /* with a timer */
  ASSERT(t_spawn(rt, &trapper, ACT_SPAWN_TRAP_EXIT, NULL, &t) == 0);
  ASSERT(t_spawn(rt, &stubborn, ACT_SPAWN_TRAP_EXIT, NULL, &s) == 0);
  ASSERT(t_spawn(rt, &stopper, 0, NULL, &x) == 0);
  ASSERT(t_wait_spawned(4));
  /* Not from an actor: it would wait for its own thread. */
  ASSERT(act_runtime_send(rt, x, 0, NULL, 0) == 0);
  ASSERT(t_wait_rec("stop from inside: %d", ACT_EINVAL));
  ASSERT(act_runtime_stop(rt, 600) == 0);
  ASSERT(t_has_rec("exit %llu shutdown", U(a)));
  ASSERT(t_has_rec("terminate %llu shutdown", U(a)));
  /* A trapping actor sees the stop as an exit signal from 0. */
  ASSERT(t_has_rec("trapper EXIT from=0 shutdown"));
  ASSERT(t_has_rec("exit %llu shutdown", U(t)));
  /* One that ignores it is made to exit, with the same reason. */
  ASSERT(t_has_rec("stubborn ignores shutdown"));
  ASSERT(t_has_rec("exit %llu shutdown", U(s)));
  /* Nothing can start any more. */
  ASSERT(t_spawn(rt, &plain, 0, NULL, &a) == ACT_EUNAVAIL);
  act_runtime_free(rt);
  return 0;
}

TEST_IMPL(stop_unstarted) {
  act_runtime_t *rt = t_rt_new(2, 0);

  ASSERT(act_runtime_stop(rt, 1000) == 0);
  act_runtime_free(rt);
  rt = t_rt_new(1, 0);
  act_runtime_free(rt);
  return 0;
}

/* ---------------------------------------------------------- attached loop */

static act_runtime_t *att_rt;
static act_id_t att_actor, att_peer;

static int att_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  (void)b;
  if (m->type == ACT_MSG_USER) {
    t_rec("attached got %u", m->tag);
    if (m->tag == 1)
      ASSERT(act_send(ctx, att_peer, 2, NULL, 0) == 0);
  }
  return 0;
}

static int att_peer_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  (void)b;
  if (m->type == ACT_MSG_USER && m->tag == 2) {
    t_rec("peer got 2");
    ASSERT(act_send(ctx, m->from, 3, NULL, 0) == 0);
  }
  return 0;
}

static void att_timer_cb(uv_timer_t *t) {
  act_ctx_t *ctx = act_runtime_ctx(att_rt, att_actor);

  /* From a plain libuv callback on the attached loop: the ctx works. */
  ASSERT(ctx != NULL);
  ASSERT(act_loop(ctx) == t->loop);
  ASSERT(act_send(ctx, att_actor, 1, NULL, 0) == 0);
  uv_close((uv_handle_t *)t, NULL);
}

static void att_check_cb(uv_timer_t *t) {
  /* Stop once the round trip is done; the loop then has no handle of
     ours left and uv_run returns. */
  if (t_has_rec("attached got 3")) {
    ASSERT(act_runtime_stop(att_rt, 2000) == 0);
    uv_close((uv_handle_t *)t, NULL);
  }
}

TEST_IMPL(attached_loop) {
  uv_loop_t loop;
  uv_timer_t timer, check;
  t_beh_t a = {.handle = att_handle, .terminate = stop_terminate};
  t_beh_t p = {.handle = att_peer_handle};
  act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;
  int sched;

  ASSERT(uv_loop_init(&loop) == 0);
  att_rt = t_rt_new(1, 1);
  ASSERT(act_runtime_attach(att_rt, &loop, &sched) == 0);
  ASSERT(sched == 1);
  ASSERT(act_runtime_attach(att_rt, &loop, &sched) == ACT_EUNAVAIL);
  ASSERT(act_runtime_start(att_rt) == 0);
  o.sched = 1;
  ASSERT(t_spawn_opts(att_rt, &a, &o, NULL, &att_actor) == 0);
  ASSERT(t_spawn(att_rt, &p, 0, NULL, &att_peer) == 0);
  /* Not this loop's thread's actor: no ctx. */
  ASSERT(act_runtime_ctx(att_rt, att_peer) == NULL);
  uv_timer_init(&loop, &timer);
  uv_timer_start(&timer, att_timer_cb, 1, 0);
  uv_timer_init(&loop, &check);
  uv_timer_start(&check, att_check_cb, 5, 5);
  uv_run(&loop, UV_RUN_DEFAULT);
  ASSERT(t_has_rec("peer got 2"));
  ASSERT(t_has_rec("terminate %llu shutdown", U(att_actor)));
  /* Every handle closed: the loop closes cleanly. */
  ASSERT(uv_loop_close(&loop) == 0);
  act_runtime_free(att_rt);
  return 0;
}

/* ------------------------------------------------------------- dedicated */

static t_gate_t *ded_gate;

static int ded_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  (void)b;
  if (m->type != ACT_MSG_USER)
    return 0;
  if (m->tag == 1) {
    /* Blocks its thread: nobody else is on it. */
    t_rec("dedicated blocking");
    ASSERT(t_gate_wait(ded_gate));
    t_rec("dedicated unblocked");
  } else if (m->tag == 2) {
    ASSERT(act_send(ctx, m->from, 3, NULL, 0) == 0);
  } else if (m->tag == 9) {
    act_exit(ctx, NULL);
  }
  return 0;
}

static int ded_client_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  if (m->type != ACT_MSG_USER)
    return 0;
  if (m->tag == 0)
    ASSERT(act_send(ctx, b->peer, 2, NULL, 0) == 0);
  else if (m->tag == 3)
    t_rec("dedicated answered");
  return 0;
}

TEST_IMPL(dedicated) {
  act_runtime_t *rt = t_rt_start(1);
  t_beh_t d = {.handle = ded_handle, .terminate = stop_terminate};
  t_beh_t q = {.handle = quiet_handle};
  t_beh_t c = {.handle = ded_client_handle};
  act_id_t did, qid, cid, d2;
  int i;

  ded_gate = t_gate_new();
  ASSERT(t_spawn(rt, &d, ACT_SPAWN_DEDICATED, "ded", &did) == 0);
  ASSERT(t_spawn(rt, &q, 0, NULL, &qid) == 0);
  ASSERT(act_runtime_send(rt, did, 1, NULL, 0) == 0);
  ASSERT(t_wait_rec("dedicated blocking"));
  /* The only scheduler thread is not blocked by it. */
  for (i = 0; i < 3; i++) {
    ASSERT(act_runtime_send(rt, qid, (uint32_t)i, NULL, 0) == 0);
    ASSERT(t_wait_rec("quiet got %d", i));
  }
  t_gate_open(ded_gate);
  ASSERT(t_wait_rec("dedicated unblocked"));
  c.peer = did;
  ASSERT(t_spawn(rt, &c, 0, NULL, &cid) == 0);
  ASSERT(act_runtime_send(rt, cid, 0, NULL, 0) == 0);
  ASSERT(t_wait_rec("dedicated answered"));
  ASSERT(act_runtime_whereis(rt, "ded") == did);
  ASSERT(act_runtime_send(rt, did, 9, NULL, 0) == 0);
  ASSERT(t_wait_rec("exit %llu normal", U(did)));
  ASSERT(act_runtime_send(rt, did, 1, NULL, 0) == ACT_ENOENT);
  /* Another one, left for the stop to end. */
  ASSERT(t_spawn(rt, &d, ACT_SPAWN_DEDICATED, NULL, &d2) == 0);
  ASSERT(d2 != did);
  ASSERT(t_wait_spawned(4));
  t_rt_done(rt);
  ASSERT(t_has_rec("terminate %llu shutdown", U(d2)));
  t_gate_free(ded_gate);
  return 0;
}

/* A handler that never returns: stop says so, and does not hang. */
static t_gate_t *stuck_gate;

static int stuck_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  (void)ctx;
  (void)b;
  if (m->type == ACT_MSG_USER) {
    t_rec("stuck");
    t_gate_wait(stuck_gate);
  }
  return 0;
}

TEST_IMPL(stop_stuck_actor) {
  act_runtime_t *rt = t_rt_start(1);
  t_beh_t b = {.handle = stuck_handle};
  act_id_t a;
  uint64_t t0;

  stuck_gate = t_gate_new();
  ASSERT(t_spawn(rt, &b, 0, NULL, &a) == 0);
  ASSERT(act_runtime_send(rt, a, 0, NULL, 0) == 0);
  ASSERT(t_wait_rec("stuck"));
  t0 = t_now_ms();
  ASSERT(act_runtime_stop(rt, 200) == ACT_ETIMEDOUT);
  ASSERT(t_now_ms() - t0 < 3000);
  /* The runtime stays allocated: its thread still runs the handler. */
  act_runtime_free(rt);
  return 0;
}

/* An attached loop run by a thread of the embedder, stopped from another. */
static uv_async_t emb_keepalive;

static void emb_close_cb(uv_async_t *h) {
  uv_close((uv_handle_t *)h, NULL);
}

static void emb_thread(void *arg) {
  uv_loop_t *loop = arg;
  int sched;

  ASSERT(act_runtime_attach(att_rt, loop, &sched) == 0);
  t_rec("attached %d", sched);
  uv_run(loop, UV_RUN_DEFAULT);
}

TEST_IMPL(attached_loop_other_thread) {
  uv_loop_t loop;
  uv_thread_t th;
  t_beh_t a = {.handle = att_handle, .terminate = stop_terminate};
  act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;
  act_id_t id;

  ASSERT(uv_loop_init(&loop) == 0);
  /* The embedder's own handle keeps its loop running. */
  ASSERT(uv_async_init(&loop, &emb_keepalive, emb_close_cb) == 0);
  att_rt = t_rt_new(1, 1);
  ASSERT(uv_thread_create(&th, emb_thread, &loop) == 0);
  ASSERT(t_wait_rec("attached 1"));
  ASSERT(act_runtime_start(att_rt) == 0);
  o.sched = 1;
  ASSERT(t_spawn_opts(att_rt, &a, &o, NULL, &id) == 0);
  ASSERT(act_runtime_send(att_rt, id, 7, NULL, 0) == 0);
  ASSERT(t_wait_rec("attached got 7"));
  ASSERT(act_runtime_stop(att_rt, 2000) == 0);
  ASSERT(t_has_rec("terminate %llu shutdown", U(id)));
  /* The runtime's handles on that loop are closed: only ours is left. */
  uv_async_send(&emb_keepalive);
  uv_thread_join(&th);
  ASSERT(uv_loop_close(&loop) == 0);
  act_runtime_free(att_rt);
  return 0;
}

/* Many producers on many threads into one inbox: nothing lost, each
   producer's order kept. */
#define STRESS_THREADS 3
#define STRESS_PER 30000

static long stress_next[STRESS_THREADS + 1];

static int counter_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  uint32_t who, seq;

  (void)ctx;
  if (m->type != ACT_MSG_USER)
    return 0;
  ASSERT(m->len == 8);
  memcpy(&who, m->data, 4);
  memcpy(&seq, (const char *)m->data + 4, 4);
  ASSERT(who <= STRESS_THREADS);
  ASSERT(seq == (uint32_t)stress_next[who]); /* per-producer FIFO */
  stress_next[who]++;
  if (++b->n == (long)(STRESS_THREADS + 1) * STRESS_PER)
    t_rec("stress all arrived");
  return 0;
}

static act_runtime_t *stress_rt;
static act_id_t stress_target;

static void stress_thread(void *arg) {
  uint32_t who = (uint32_t)(uintptr_t)arg, seq;
  char buf[8];

  for (seq = 0; seq < STRESS_PER; seq++) {
    memcpy(buf, &who, 4);
    memcpy(buf + 4, &seq, 4);
    ASSERT(act_runtime_send(stress_rt, stress_target, 1, buf, 8) == 0);
  }
}

static int stress_actor_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  uint32_t who = STRESS_THREADS, seq;
  char buf[8];

  (void)b;
  if (m->type != ACT_MSG_USER)
    return 0;
  /* From an actor on the other scheduler, in one burst. */
  for (seq = 0; seq < STRESS_PER; seq++) {
    memcpy(buf, &who, 4);
    memcpy(buf + 4, &seq, 4);
    ASSERT(act_send(ctx, stress_target, 1, buf, 8) == 0);
  }
  return 0;
}

TEST_IMPL(inbox_stress) {
  t_beh_t counter = {.handle = counter_handle};
  t_beh_t sender = {.handle = stress_actor_handle};
  act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;
  uv_thread_t th[STRESS_THREADS];
  act_stats_t st;
  act_id_t s;
  uintptr_t i;

  stress_rt = t_rt_start(2);
  o.sched = 0;
  ASSERT(t_spawn_opts(stress_rt, &counter, &o, NULL, &stress_target) == 0);
  o.sched = 1;
  ASSERT(t_spawn_opts(stress_rt, &sender, &o, NULL, &s) == 0);
  ASSERT(t_wait_spawned(2));
  ASSERT(act_runtime_send(stress_rt, s, 0, NULL, 0) == 0);
  for (i = 0; i < STRESS_THREADS; i++)
    ASSERT(uv_thread_create(&th[i], stress_thread, (void *)i) == 0);
  for (i = 0; i < STRESS_THREADS; i++)
    uv_thread_join(&th[i]);
  ASSERT(t_wait_rec("stress all arrived"));
  act_runtime_stats(stress_rt, &st);
  ASSERT(st.messages >= (uint64_t)(STRESS_THREADS + 1) * STRESS_PER);
  ASSERT_EQ(st.dropped, 0);
  t_rt_done(stress_rt);
  return 0;
}
