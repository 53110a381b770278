/*
 * test-signals.c - links, exit signals, trap_exit, kill, monitors,
 * ACT_SPAWN_NOTIFY.
 */
#include <stdio.h>
#include <string.h>

#include "support.h"

/* Records every runtime message; "link", "trap", "exit:R", "kill:R",
   "killme", "monitor", "demonitor" commands act on b->peer. */
static int sig_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  char buf[64] = "";
  act_id_t self = act_self(ctx);

  switch (m->type) {
  case ACT_MSG_EXIT:
    t_rec("%llu EXIT from=%llu %s", (unsigned long long)self,
          (unsigned long long)m->from, m->reason);
    return 0;
  case ACT_MSG_DOWN:
    t_rec("%llu DOWN from=%llu ref_ok=%d %s", (unsigned long long)self,
          (unsigned long long)m->from, m->ref == (uint64_t)b->n, m->reason);
    return 0;
  case ACT_MSG_STARTED:
    t_rec("%llu STARTED from=%llu %s", (unsigned long long)self,
          (unsigned long long)m->from, m->reason ? m->reason : "ok");
    return 0;
  default:
    break;
  }
  if (m->payload == ACT_PAYLOAD_BYTES && m->len < sizeof(buf))
    memcpy(buf, m->data, m->len);
  if (strcmp(buf, "link") == 0) {
    ASSERT(act_link(ctx, b->peer) == 0);
    t_rec("%llu linked", (unsigned long long)self);
  } else if (strcmp(buf, "unlink") == 0) {
    ASSERT(act_unlink(ctx, b->peer) == 0);
    t_rec("%llu unlinked", (unsigned long long)self);
  } else if (strcmp(buf, "trap") == 0) {
    ASSERT(act_trap_exit(ctx, 1) == 0);
    t_rec("%llu trapping", (unsigned long long)self);
  } else if (strncmp(buf, "exit:", 5) == 0) {
    act_exit(ctx, buf + 5);
  } else if (strncmp(buf, "kill:", 5) == 0) {
    ASSERT(act_kill(ctx, b->peer, buf + 5) == 0);
  } else if (strcmp(buf, "killme") == 0) {
    ASSERT(act_kill(ctx, b->peer, NULL) == 0);
  } else if (strcmp(buf, "monitor") == 0) {
    uint64_t ref;
    ASSERT(act_monitor(ctx, b->peer, &ref) == 0);
    b->n = (long)ref;
    t_rec("%llu monitoring", (unsigned long long)self);
  } else if (strcmp(buf, "demonitor") == 0) {
    ASSERT(act_demonitor(ctx, (uint64_t)b->n) == 0);
    ASSERT(act_demonitor(ctx, (uint64_t)b->n) == ACT_ENOENT);
    t_rec("%llu demonitored", (unsigned long long)self);
  } else if (strcmp(buf, "ping") == 0) {
    t_rec("%llu pong", (unsigned long long)self);
  } else if (strcmp(buf, "spawn-notify") == 0) {
    act_id_t id;
    ASSERT(t_spawn_ctx(ctx, (t_beh_t *)b->data, ACT_SPAWN_NOTIFY, &id) == 0);
    b->peer = id;
    t_rec("%llu spawned %llu", (unsigned long long)self,
          (unsigned long long)id);
  } else if (strcmp(buf, "spawn-link") == 0) {
    act_id_t id;
    ASSERT(t_spawn_ctx(ctx, (t_beh_t *)b->data, ACT_SPAWN_LINK, &id) == 0);
    b->peer = id;
    t_rec("%llu spawned %llu", (unsigned long long)self,
          (unsigned long long)id);
  }
  return 0;
}

static act_id_t sp(act_runtime_t *rt, t_beh_t *b, int sched) {
  act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;
  act_id_t id;

  o.sched = sched;
  ASSERT(t_spawn_opts(rt, b, &o, NULL, &id) == 0);
  ASSERT(t_wait_rec("spawn %llu", (unsigned long long)id));
  return id;
}

static void cmd(act_runtime_t *rt, act_id_t id, const char *c) {
  ASSERT(act_runtime_send(rt, id, 0, c, strlen(c)) == 0);
}

#define U(x) ((unsigned long long)(x))

TEST_IMPL(links_propagate) {
  act_runtime_t *rt = t_rt_start(2);
  t_beh_t ba = {.handle = sig_handle}, bb = {.handle = sig_handle},
          bc = {.handle = sig_handle};
  act_id_t a, b, c;
  int cross;

  for (cross = 0; cross < 2; cross++) {
    a = sp(rt, &ba, 0);
    b = sp(rt, &bb, cross);
    c = sp(rt, &bc, 1 - cross);
    ba.peer = b;
    bb.peer = c;
    /* a - b - c: an abnormal exit of c takes b, then a. */
    cmd(rt, a, "link");
    ASSERT(t_wait_rec("%llu linked", U(a)));
    cmd(rt, b, "link");
    ASSERT(t_wait_rec("%llu linked", U(b)));
    cmd(rt, c, "exit:error:boom");
    ASSERT(t_wait_rec("exit %llu error:boom", U(c)));
    ASSERT(t_wait_rec("exit %llu error:boom", U(b)));
    ASSERT(t_wait_rec("exit %llu error:boom", U(a)));
  }
  /* "normal" does not propagate. */
  a = sp(rt, &ba, 0);
  b = sp(rt, &bb, 1);
  ba.peer = b;
  cmd(rt, a, "link");
  ASSERT(t_wait_rec("%llu linked", U(a)));
  cmd(rt, b, "exit:normal");
  ASSERT(t_wait_rec("exit %llu normal", U(b)));
  cmd(rt, a, "ping");
  ASSERT(t_wait_rec("%llu pong", U(a)));
  ASSERT(!t_has_rec("exit %llu normal", U(a)));
  /* Unlinked: nothing propagates either. */
  c = sp(rt, &bc, 1);
  ba.peer = c;
  cmd(rt, a, "link");
  cmd(rt, a, "unlink");
  ASSERT(t_wait_rec("%llu unlinked", U(a)));
  cmd(rt, c, "exit:error:x");
  ASSERT(t_wait_rec("exit %llu error:x", U(c)));
  cmd(rt, a, "ping");
  {
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "%llu pong", U(a));
    ASSERT(t_wait_count(prefix, 2));
  }
  ASSERT(!t_has_rec("exit %llu error:x", U(a)));
  t_rt_done(rt);
  return 0;
}

TEST_IMPL(link_dead_gives_noproc) {
  act_runtime_t *rt = t_rt_start(2);
  t_beh_t ba = {.handle = sig_handle}, bb = {.handle = sig_handle};
  act_id_t a, b;

  b = sp(rt, &bb, 1);
  cmd(rt, b, "exit:normal");
  ASSERT(t_wait_rec("exit %llu normal", U(b)));
  a = sp(rt, &ba, 0);
  ba.peer = b;
  cmd(rt, a, "trap");
  cmd(rt, a, "link");
  ASSERT(t_wait_rec("%llu EXIT from=%llu noproc", U(a), U(b)));
  t_rt_done(rt);
  return 0;
}

TEST_IMPL(trap_exit) {
  act_runtime_t *rt = t_rt_start(2);
  t_beh_t ba = {.handle = sig_handle}, bb = {.handle = sig_handle};
  act_id_t a, b;

  a = sp(rt, &ba, 0);
  b = sp(rt, &bb, 1);
  ba.peer = b;
  cmd(rt, a, "trap");
  cmd(rt, a, "link");
  ASSERT(t_wait_rec("%llu linked", U(a)));
  cmd(rt, b, "exit:error:bad");
  /* Trapped: an EXIT message, and a lives on. */
  ASSERT(t_wait_rec("%llu EXIT from=%llu error:bad", U(a), U(b)));
  cmd(rt, a, "ping");
  ASSERT(t_wait_rec("%llu pong", U(a)));
  /* An exit signal with a reason is trappable too. */
  bb.peer = a;
  b = sp(rt, &bb, 1);
  cmd(rt, b, "kill:shutdown");
  ASSERT(t_wait_rec("%llu EXIT from=%llu shutdown", U(a), U(b)));
  /* Not trapping: a signal with reason "normal" is ignored. */
  cmd(rt, b, "kill:normal");
  cmd(rt, b, "ping");
  ASSERT(t_wait_rec("%llu pong", U(b)));
  ASSERT(act_runtime_kill(rt, b, "because") == 0);
  ASSERT(t_wait_rec("exit %llu because", U(b)));
  t_rt_done(rt);
  return 0;
}

TEST_IMPL(kill_untrappable) {
  act_runtime_t *rt = t_rt_start(2);
  t_beh_t ba = {.handle = sig_handle}, bb = {.handle = sig_handle};
  act_id_t a, b, c;

  a = sp(rt, &ba, 0);
  cmd(rt, a, "trap");
  ASSERT(t_wait_rec("%llu trapping", U(a)));
  ASSERT(act_runtime_kill(rt, a, NULL) == 0);
  ASSERT(t_wait_rec("exit %llu killed", U(a)));
  ASSERT(!t_has_rec("%llu EXIT from=0 killed", U(a)));
  /* From another actor, across threads. */
  c = sp(rt, &ba, 0);
  cmd(rt, c, "trap");
  bb.peer = c;
  b = sp(rt, &bb, 1);
  cmd(rt, b, "killme");
  ASSERT(t_wait_rec("exit %llu killed", U(c)));
  ASSERT(act_runtime_kill(rt, 0, NULL) == ACT_EINVAL);
  ASSERT(act_runtime_kill(rt, 987654321, NULL) == ACT_ENOENT);
  t_rt_done(rt);
  return 0;
}

TEST_IMPL(monitors) {
  act_runtime_t *rt = t_rt_start(2);
  t_beh_t ba = {.handle = sig_handle}, bb = {.handle = sig_handle};
  act_id_t a, b;
  int cross;

  for (cross = 0; cross < 2; cross++) {
    a = sp(rt, &ba, 0);
    b = sp(rt, &bb, cross);
    ba.peer = b;
    cmd(rt, a, "monitor");
    ASSERT(t_wait_rec("%llu monitoring", U(a)));
    cmd(rt, b, "exit:error:gone");
    ASSERT(t_wait_rec("%llu DOWN from=%llu ref_ok=1 error:gone", U(a), U(b)));
    /* One-way: the watcher lives on. */
    cmd(rt, a, "ping");
    ASSERT(t_wait_rec("%llu pong", U(a)));
    /* A dead id: DOWN "noproc" at once. */
    cmd(rt, a, "monitor");
    ASSERT(t_wait_rec("%llu DOWN from=%llu ref_ok=1 noproc", U(a), U(b)));
    ASSERT(act_runtime_kill(rt, a, NULL) == 0);
    ASSERT(t_wait_rec("exit %llu killed", U(a)));
  }
  /* Demonitor: no DOWN. */
  a = sp(rt, &ba, 0);
  b = sp(rt, &bb, 1);
  ba.peer = b;
  cmd(rt, a, "monitor");
  cmd(rt, a, "demonitor");
  ASSERT(t_wait_rec("%llu demonitored", U(a)));
  cmd(rt, b, "exit:error:quiet");
  ASSERT(t_wait_rec("exit %llu error:quiet", U(b)));
  cmd(rt, a, "ping");
  ASSERT(t_wait_rec("%llu pong", U(a)));
  ASSERT(!t_has_rec("%llu DOWN from=%llu ref_ok=1 error:quiet", U(a), U(b)));
  t_rt_done(rt);
  return 0;
}

static int child_fail_init(act_ctx_t *ctx, t_beh_t *b, json_t *arg) {
  (void)ctx;
  (void)arg;
  return b->n ? ACT_EPLUGIN : 0;
}

TEST_IMPL(spawn_notify_and_link) {
  act_runtime_t *rt = t_rt_start(2);
  t_beh_t child = {.init = child_fail_init, .handle = sig_handle};
  t_beh_t parent = {.handle = sig_handle, .data = &child};
  act_id_t p, c;

  p = sp(rt, &parent, 0);
  cmd(rt, p, "spawn-notify");
  ASSERT(t_wait_count("spawn ", 2));
  c = parent.peer;
  /* STARTED without a reason: init succeeded. */
  ASSERT(t_wait_rec("%llu STARTED from=%llu ok", U(p), U(c)));
  /* A failing init: STARTED carries the reason the child exited with. */
  child.n = 1;
  cmd(rt, p, "spawn-notify");
  ASSERT(t_wait_count("exit ", 1));
  {
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "%llu spawned ", U(p));
    ASSERT(t_wait_count(prefix, 2));
  }
  c = parent.peer;
  ASSERT(t_wait_rec("%llu STARTED from=%llu error:init: plugin error", U(p),
                    U(c)));
  /* ACT_SPAWN_LINK: the child's crash reaches the (trapping) parent. */
  child.n = 0;
  cmd(rt, p, "trap");
  cmd(rt, p, "spawn-link");
  ASSERT(t_wait_count("spawn ", 3));
  c = parent.peer;
  ASSERT(act_runtime_send(rt, c, 0, "exit:error:child", 16) == 0);
  ASSERT(t_wait_rec("%llu EXIT from=%llu error:child", U(p), U(c)));
  t_rt_done(rt);
  return 0;
}

/* Many links (past the small array): every child's exit reaches the
   parent, and the parent's exit reaches every child. */
static int many_parent_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  act_id_t id;
  int i;

  if (m->type == ACT_MSG_EXIT) {
    t_rec("parent EXIT %s", m->reason);
    return 0;
  }
  if (m->type != ACT_MSG_USER)
    return 0;
  for (i = 0; i < 40; i++)
    ASSERT(t_spawn_ctx(ctx, (t_beh_t *)b->data,
                       ACT_SPAWN_LINK | (i % 2 ? ACT_SPAWN_LOCAL : 0),
                       &id) == 0);
  t_rec("parent spawned");
  return 0;
}

static int many_child_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  (void)b;
  if (m->type == ACT_MSG_USER)
    act_exit(ctx, "error:child");
  return 0;
}

static act_id_t many_ids[64];
static int many_n;

static void many_list_cb(void *arg, const act_info_t *info) {
  (void)arg;
  if (strcmp(info->plugin, "tbeh") == 0 && many_n < 64)
    many_ids[many_n++] = info->id;
}

TEST_IMPL(links_many) {
  act_runtime_t *rt = t_rt_start(2);
  t_beh_t child = {.handle = many_child_handle};
  t_beh_t parent = {.handle = many_parent_handle, .data = &child};
  act_id_t p;
  int i;

  ASSERT(t_spawn(rt, &parent, ACT_SPAWN_TRAP_EXIT, NULL, &p) == 0);
  ASSERT(act_runtime_send(rt, p, 0, NULL, 0) == 0);
  ASSERT(t_wait_rec("parent spawned"));
  ASSERT(t_wait_spawned(41));
  /* Ten children crash: the trapping parent hears of each. */
  ASSERT(act_runtime_list(rt, many_list_cb, NULL) == 0);
  ASSERT_EQ(many_n, 41);
  for (i = 0, many_n = 0; i < 41 && many_n < 10; i++)
    if (many_ids[i] != p) {
      ASSERT(act_runtime_send(rt, many_ids[i], 0, NULL, 0) == 0);
      many_n++;
    }
  ASSERT(t_wait_count("parent EXIT error:child", 10));
  /* The parent is killed: the thirty others go with it. */
  ASSERT(act_runtime_kill(rt, p, NULL) == 0);
  ASSERT(t_wait_count("exit ", 41));
  ASSERT_EQ(t_count_rec("exit "), 41);
  {
    act_stats_t st;
    act_runtime_stats(rt, &st);
    ASSERT_EQ(st.actors, 0);
  }
  t_rt_done(rt);
  return 0;
}
