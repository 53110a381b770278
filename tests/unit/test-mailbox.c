/*
 * test-mailbox.c - bounded mailboxes (reject, drop_oldest, drop_newest),
 * system signals ahead of and never dropped behind user messages.
 *
 * The target blocks inside its handler on a gate while the test fills its
 * mailbox, so what is queued is known exactly.
 */
#include <stdio.h>
#include <string.h>

#include "support.h"

#define U(x) ((unsigned long long)(x))

static t_gate_t *gate;

static int gated_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  (void)b;
  switch (m->type) {
  case ACT_MSG_USER:
    if (m->tag == 0) {
      t_rec("blocked");
      ASSERT(t_gate_wait(gate));
    } else {
      t_rec("got %u", m->tag);
    }
    break;
  case ACT_MSG_EXIT:
    t_rec("EXIT %s", m->reason);
    break;
  case ACT_MSG_DOWN:
    t_rec("DOWN %s", m->reason);
    break;
  }
  (void)ctx;
  return 0;
}

static act_id_t spawn_bounded(act_runtime_t *rt, t_beh_t *b, uint32_t cap,
                              int policy, uint32_t flags) {
  act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;
  act_id_t id;

  o.mailbox_cap = cap;
  o.mailbox_policy = (uint8_t)policy;
  o.flags = flags;
  ASSERT(t_spawn_opts(rt, b, &o, NULL, &id) == 0);
  return id;
}

static void mailbox_case(int policy, const char *expect) {
  act_runtime_t *rt = t_rt_start(2);
  t_beh_t b = {.handle = gated_handle};
  act_id_t a;
  act_stats_t st;
  uint32_t i;
  int rejected = 0;
  char got[64] = "";

  gate = t_gate_new();
  a = spawn_bounded(rt, &b, 2, policy, 0);
  ASSERT(act_runtime_send(rt, a, 0, NULL, 0) == 0);
  ASSERT(t_wait_rec("blocked"));
  for (i = 1; i <= 5; i++) {
    int rc = act_runtime_send(rt, a, i, NULL, 0);
    if (rc == ACT_EMBOXFULL)
      rejected++;
    else
      ASSERT(rc == 0);
  }
  if (policy == ACT_OVERFLOW_REJECT)
    ASSERT_EQ(rejected, 3);
  else
    ASSERT_EQ(rejected, 0);
  t_gate_open(gate);
  ASSERT(t_wait_count("got ", 2));
  /* Two delivered, no more: stop the actor and look at what it got. */
  ASSERT(act_runtime_kill(rt, a, "done") == 0);
  ASSERT(t_wait_rec("exit %llu done", U(a)));
  for (i = 1; i <= 5; i++)
    if (t_has_rec("got %u", i)) {
      size_t used = strlen(got);
      snprintf(got + used, sizeof(got) - used, "%u", i);
    }
  ASSERT(strcmp(got, expect) == 0);
  act_runtime_stats(rt, &st);
  if (policy != ACT_OVERFLOW_REJECT)
    ASSERT(st.dropped >= 3);
  t_rt_done(rt);
  t_gate_free(gate);
}

TEST_IMPL(mailbox_reject) {
  mailbox_case(ACT_OVERFLOW_REJECT, "12");
  return 0;
}

TEST_IMPL(mailbox_drop_newest) {
  mailbox_case(ACT_OVERFLOW_DROP_NEWEST, "12");
  return 0;
}

TEST_IMPL(mailbox_drop_oldest) {
  mailbox_case(ACT_OVERFLOW_DROP_OLDEST, "45");
  return 0;
}

/* A sender on the target's own scheduler is refused at once too. */
static int flooder_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  int i, full = 0;

  if (m->type != ACT_MSG_USER)
    return 0;
  for (i = 0; i < 10; i++) {
    int rc = act_send(ctx, b->peer, 1, "x", 1);
    if (rc == ACT_EMBOXFULL)
      full++;
    else
      ASSERT(rc == 0);
  }
  t_rec("local full %d", full);
  return 0;
}

TEST_IMPL(mailbox_reject_local) {
  act_runtime_t *rt = t_rt_start(2);
  t_beh_t target = {.handle = gated_handle};
  t_beh_t flooder = {.handle = flooder_handle};
  act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;
  act_id_t a, f;

  gate = t_gate_new();
  o.sched = 0;
  o.mailbox_cap = 4;
  ASSERT(t_spawn_opts(rt, &target, &o, NULL, &a) == 0);
  flooder.peer = a;
  o.mailbox_cap = 0;
  ASSERT(t_spawn_opts(rt, &flooder, &o, NULL, &f) == 0);
  ASSERT(act_runtime_send(rt, f, 0, NULL, 0) == 0);
  ASSERT(t_wait_rec("local full 6"));
  t_gate_open(gate);
  ASSERT(t_wait_count("got ", 4));
  t_rt_done(rt);
  t_gate_free(gate);
  return 0;
}

/* An exit signal passes a full mailbox under every policy, and goes ahead
   of the user messages queued before it. */
TEST_IMPL(signals_not_dropped) {
  act_runtime_t *rt = t_rt_start(2);
  t_beh_t b = {.handle = gated_handle};
  act_id_t a;
  int policy;
  char reason[32], got[16];

  for (policy = 0; policy <= ACT_OVERFLOW_DROP_NEWEST; policy++) {
    gate = t_gate_new();
    a = spawn_bounded(rt, &b, 1, policy, ACT_SPAWN_TRAP_EXIT);
    ASSERT(act_runtime_send(rt, a, 0, NULL, 0) == 0);
    ASSERT(t_wait_count("blocked", policy + 1));
    ASSERT(act_runtime_send(rt, a, 10 + policy, NULL, 0) == 0); /* full */
    act_runtime_send(rt, a, 20 + policy, NULL, 0); /* over the cap */
    snprintf(reason, sizeof(reason), "stop-%d", policy);
    ASSERT(act_runtime_kill(rt, a, reason) == 0);
    t_gate_open(gate);
    ASSERT(t_wait_rec("EXIT %s", reason));
    /* The one kept: the first, or with drop_oldest the last. */
    snprintf(got, sizeof(got), "got %d",
             (policy == ACT_OVERFLOW_DROP_OLDEST ? 20 : 10) + policy);
    ASSERT(t_wait_rec("%s", got));
    ASSERT(t_rec_index("EXIT %s", reason) < t_rec_index("%s", got));
    ASSERT(act_runtime_kill(rt, a, NULL) == 0);
    ASSERT(t_wait_rec("exit %llu killed", U(a)));
    t_gate_free(gate);
  }
  t_rt_done(rt);
  return 0;
}
