/*
 * test-timers.c - timers (after, interval, cancel, gone at exit), ask and
 * reply (timeouts, late replies dropped, misuse), run_blocking.
 */
#include <stdio.h>
#include <string.h>

#include "support.h"

#define U(x) ((unsigned long long)(x))

static int timer_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  uint64_t t1, t2, t3;
  act_id_t self = act_self(ctx);

  if (m->type != ACT_MSG_USER)
    return 0;
  switch (m->tag) {
  case 1: /* start: a one-shot, an interval, a canceled one */
    ASSERT(act_timer_start(ctx, 10, 0, 100, "once", 4, &t1) == 0);
    ASSERT(act_timer_start(ctx, 5, 5, 200, NULL, 0, &t2) == 0);
    ASSERT(act_timer_start(ctx, 20, 0, 300, "never", 5, &t3) == 0);
    ASSERT(act_timer_cancel(ctx, t3) == 0);
    ASSERT(act_timer_cancel(ctx, t3) == ACT_ENOENT);
    b->n = (long)t2;
    b->peer = 0;
    break;
  case 100:
    ASSERT(m->len == 4 && memcmp(m->data, "once", 4) == 0 && m->from == 0);
    t_rec("%llu once", U(self));
    break;
  case 200:
    if (++b->peer == 3) {
      ASSERT(act_timer_cancel(ctx, (uint64_t)b->n) == 0);
      t_rec("%llu tick3", U(self));
    } else if (b->peer > 3) {
      t_rec("%llu tick-after-cancel", U(self));
    }
    break;
  case 300:
    t_rec("%llu canceled-fired", U(self));
    break;
  case 400: { /* a long timer and a big payload, then exit */
    char big[300];
    memset(big, 'z', sizeof(big));
    ASSERT(act_timer_start(ctx, 60000, 0, 1, big, sizeof(big), &t1) == 0);
    ASSERT(act_timer_start(ctx, 0, 60000, 2, NULL, 0, &t2) == 0);
    act_exit(ctx, NULL);
    break;
  }
  case 500: /* a big payload survives the trip */
    ASSERT(act_timer_start(ctx, 1, 0, 501,
                           "0123456789012345678901234567890123456789XYZ", 43,
                           &t1) == 0);
    break;
  case 501:
    ASSERT(m->len == 43 && memcmp((const char *)m->data + 40, "XYZ", 3) == 0);
    t_rec("%llu big", U(self));
    break;
  }
  return 0;
}

TEST_IMPL(timers) {
  act_runtime_t *rt = t_rt_start(2);
  t_beh_t b = {.handle = timer_handle};
  act_id_t a;

  ASSERT(t_spawn(rt, &b, 0, NULL, &a) == 0);
  ASSERT(act_runtime_send(rt, a, 1, NULL, 0) == 0);
  ASSERT(t_wait_rec("%llu once", U(a)));
  ASSERT(t_wait_rec("%llu tick3", U(a)));
  ASSERT(act_runtime_send(rt, a, 500, NULL, 0) == 0);
  ASSERT(t_wait_rec("%llu big", U(a)));
  /* Timers of an exiting actor die with it (and the stop below finds no
     handle left open: valgrind and ASan check the memory). */
  ASSERT(act_runtime_send(rt, a, 400, NULL, 0) == 0);
  ASSERT(t_wait_rec("exit %llu normal", U(a)));
  ASSERT(!t_has_rec("%llu canceled-fired", U(a)));
  ASSERT(!t_has_rec("%llu tick-after-cancel", U(a)));
  t_rt_done(rt);
  return 0;
}

/* ------------------------------------------------------------------ ask */

/* The server: tag 1 is answered at once, tag 4 with JSON; tag 2 is
   forwarded (asker and ref kept) to the slow helper, which answers only
   when the test opens its gate, so the answer comes after the asker's
   timeout. */
static t_gate_t *slow_gate;

static int server_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  if (m->type != ACT_MSG_USER)
    return 0;
  if (m->tag == 1) {
    ASSERT(act_reply(ctx, m, "pong", 4) == 0);
    /* Twice is refused. */
    ASSERT(act_reply(ctx, m, "pong", 4) == ACT_EINVAL);
  } else if (m->tag == 2) {
    ASSERT(act_forward(ctx, b->peer, m) == 0);
  } else if (m->tag == 4) {
    ASSERT(act_reply_json(ctx, m, json_pack("{s:b}", "ok", 1)) == 0);
  } else if (m->tag == 5) {
    /* Not an ask. */
    ASSERT(act_reply(ctx, m, "x", 1) == ACT_EINVAL);
    t_rec("server refused reply to a tell");
  }
  return 0;
}

static int slow_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  (void)b;
  if (m->type == ACT_MSG_USER && (m->flags & ACT_MSG_F_ASK)) {
    ASSERT(t_gate_wait(slow_gate));
    ASSERT(act_reply(ctx, m, "late", 4) == 0);
    t_rec("slow replied");
  }
  return 0;
}

static int client_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  uint64_t ref;

  switch (m->type) {
  case ACT_MSG_USER:
    if (m->tag == 10) {
      ASSERT(act_ask(ctx, b->peer, 1, "ping", 4, 5000, &ref) == 0);
      b->n = (long)ref;
    } else if (m->tag == 11) {
      ASSERT(act_ask(ctx, b->peer, 2, "slow", 4, 50, &ref) == 0);
      b->n = (long)ref;
    } else if (m->tag == 12) {
      ASSERT(act_ask_json(ctx, b->peer, 4, json_pack("[]"), 0, &ref) == 0);
      b->n = (long)ref;
    } else if (m->tag == 13) {
      ASSERT(act_ask(ctx, 0, 1, "x", 1, 10, &ref) == ACT_EINVAL);
      ASSERT(act_send(ctx, b->peer, 5, "tell", 4) == 0);
    }
    break;
  case ACT_MSG_REPLY:
    if (m->payload == ACT_PAYLOAD_JSON)
      t_rec("reply json ref_ok=%d ok=%d", m->ref == (uint64_t)b->n,
            json_is_true(json_object_get(m->json, "ok")));
    else
      t_rec("reply %.*s ref_ok=%d", (int)m->len, (const char *)m->data,
            m->ref == (uint64_t)b->n);
    break;
  case ACT_MSG_TIMEOUT:
    t_rec("timeout ref_ok=%d", m->ref == (uint64_t)b->n);
    break;
  }
  return 0;
}

TEST_IMPL(ask_reply) {
  act_runtime_t *rt = t_rt_start(2);
  t_beh_t slow = {.handle = slow_handle};
  t_beh_t server = {.handle = server_handle};
  t_beh_t client = {.handle = client_handle};
  act_id_t s, c, w;
  int i;

  slow_gate = t_gate_new();
  for (i = 0; i < 2; i++) {
    act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;
    o.sched = 1;
    ASSERT(t_spawn_opts(rt, &slow, &o, NULL, &w) == 0);
    server.peer = w;
    o.sched = 1;
    ASSERT(t_spawn_opts(rt, &server, &o, NULL, &s) == 0);
    client.peer = s;
    o.sched = i; /* across threads, then on the same one */
    ASSERT(t_spawn_opts(rt, &client, &o, NULL, &c) == 0);
    ASSERT(act_runtime_send(rt, c, 10, NULL, 0) == 0);
    ASSERT(t_wait_count("reply pong ref_ok=1", i + 1));
    ASSERT(act_runtime_send(rt, c, 12, NULL, 0) == 0);
    ASSERT(t_wait_count("reply json ref_ok=1 ok=1", i + 1));
    ASSERT(act_runtime_send(rt, c, 13, NULL, 0) == 0);
    ASSERT(t_wait_count("server refused reply to a tell", i + 1));
    if (i == 0) {
      /* Timeout, then the late reply is dropped. */
      ASSERT(act_runtime_send(rt, c, 11, NULL, 0) == 0);
      ASSERT(t_wait_rec("timeout ref_ok=1"));
      t_gate_open(slow_gate);
      ASSERT(t_wait_rec("slow replied"));
      /* One more round trip, so the late reply has had time to arrive. */
      ASSERT(act_runtime_send(rt, c, 10, NULL, 0) == 0);
      ASSERT(t_wait_count("reply pong ref_ok=1", 2));
      ASSERT(t_count_rec("reply late") == 0);
      ASSERT(t_count_rec("timeout") == 1);
      /* Account for the extra pong in the next round. */
      ASSERT(act_runtime_send(rt, c, 10, NULL, 0) == 0);
      ASSERT(t_wait_count("reply pong ref_ok=1", 3));
    }
  }
  t_rt_done(rt);
  t_gate_free(slow_gate);
  return 0;
}

/* A reply to an asker that has exited is dropped. */
static int quitter_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  uint64_t ref;

  if (m->type == ACT_MSG_USER) {
    ASSERT(act_ask(ctx, b->peer, 2, "slow", 4, 0, &ref) == 0);
    act_exit(ctx, "gave-up");
  }
  return 0;
}

TEST_IMPL(ask_asker_gone) {
  act_runtime_t *rt = t_rt_start(2);
  t_beh_t slow = {.handle = slow_handle};
  t_beh_t server = {.handle = server_handle};
  t_beh_t q = {.handle = quitter_handle};
  act_id_t s, w, c;
  act_stats_t st;

  slow_gate = t_gate_new();
  ASSERT(t_spawn(rt, &slow, 0, NULL, &w) == 0);
  server.peer = w;
  ASSERT(t_spawn(rt, &server, 0, NULL, &s) == 0);
  q.peer = s;
  ASSERT(t_spawn(rt, &q, 0, NULL, &c) == 0);
  ASSERT(act_runtime_send(rt, c, 0, NULL, 0) == 0);
  ASSERT(t_wait_rec("exit %llu gave-up", U(c)));
  t_gate_open(slow_gate);
  ASSERT(t_wait_rec("slow replied"));
  act_runtime_stats(rt, &st);
  t_rt_done(rt);
  t_gate_free(slow_gate);
  return 0;
}

/* ------------------------------------------------------------ blocking */

static void blocking_fn(void *arg) {
  t_beh_t *b = arg;

  b->n = 4242;
}

static int blocker_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  if (m->type != ACT_MSG_USER)
    return 0;
  if (m->tag == 1)
    ASSERT(act_run_blocking(ctx, blocking_fn, b, 77) == 0);
  else if (m->tag == 77)
    t_rec("blocking done %ld", b->n);
  return 0;
}

TEST_IMPL(run_blocking) {
  act_runtime_t *rt = t_rt_start(1);
  t_beh_t b = {.handle = blocker_handle};
  act_id_t a;

  ASSERT(t_spawn(rt, &b, 0, NULL, &a) == 0);
  ASSERT(act_runtime_send(rt, a, 1, NULL, 0) == 0);
  ASSERT(t_wait_rec("blocking done 4242"));
  t_rt_done(rt);
  return 0;
}
