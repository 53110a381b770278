/*
 * actor-bench - the runtime workloads of BENCHMARKS.md, section 1.
 *
 *   actor-bench [-j THREADS] [-b BUDGET] [--local|--spread] WORKLOAD ARGS...
 *
 *     pingpong N        two actors exchange N messages (N/2 round trips)
 *     counting N        a producer sends N increments, then asks the total
 *     threadring R T    a token travels T hops around a ring of R actors
 *     spawn A           spawn A waiting actors, then message each one so it
 *                       exits
 *     fanout P M        P actors each send M messages to random peers
 *     idle S            (not in BENCHMARKS.md's table) the CPU the process
 *                       uses in S seconds with 1000 idle actors: the target
 *                       is 0%
 *
 * Each run prints one JSON line, {"runtime":"actord","workload":...,
 * "elapsed_s":...,...}, with the field names BENCHMARKS.md gives, so that one
 * driver (tests/bench/run.sh) can run the peers' versions side by side.
 *
 * The program embeds the runtime the way any C program would: it defines its
 * behaviours as act_plugin_t descriptors, starts a runtime with 2 scheduler
 * threads (the machine's cores, as the peers get; -j changes it), spawns one
 * driver actor per workload from the main thread and waits on a condition
 * variable that the actors signal: the main thread sleeps, it never polls.
 *
 * Placement. Actors that talk to each other are spawned with ACT_SPAWN_LOCAL,
 * on their spawner's scheduler: a send between them is a plain append to a
 * local mailbox, where a cross-thread send costs atomics and, whenever the
 * target loop sleeps, a kernel wake-up (about 15 us per round trip on the
 * machine we measure on). That is what a user of this runtime writes when a
 * group of actors exchanges many small messages: pingpong, counting,
 * threadring and spawn do so. fanout is the exception: its thousand actors
 * each send to random peers, no pair more than another, and all of them have
 * work at once, so a user spreads them over the schedulers (round robin) and
 * both cores share the work; measured side by side (5 runs each), spread ran
 * at a median 8.0 M msgs/s against 5.2 M for local. --local and --spread
 * force one placement for every workload; each line says which it used
 * ("placement").
 *
 * -b BUDGET sets the number of messages an actor handles per turn (the
 * runtime's default otherwise).
 *
 * Producers keep a window. A handler runs to completion on its scheduler, so
 * a producer that sent ten million messages from one handle() call would
 * hold the thread and fill the consumer's mailbox (ten million envelopes,
 * each one allocated) before the consumer ever ran. The counting producer
 * sends a batch, then an ask, and keeps two batches in flight: the reply to
 * a batch's ask says the consumer has handled it. The spawner keeps a
 * window of spawns whose init has not yet reported. That is how a producer
 * is written in any runtime that must not run out of memory; it costs an
 * ask per BATCH messages.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "actor/runtime.h"

/* Messages per batch, and spawns in flight (see above). */
#define BATCH 1024
/* Messages the spawner sends per turn in the second phase of spawn. */
#define CHUNK 256

/* Give up on a run that has not finished after this long: a hung runtime
   must fail the benchmark, not hang `make bench`. */
#define WAIT_LIMIT_S 300

/* Tags of the benchmark's messages. */
enum {
  TAG_GO = 1, /* from the main thread: start (the clock is running) */
  TAG_GO2,    /* spawn: second phase */
  TAG_MORE,   /* to self: next chunk of a long loop */
  TAG_PING,
  TAG_PONG,
  TAG_INC,
  TAG_GET,
  TAG_SYNC,
  TAG_TOKEN,
  TAG_HIT,
  TAG_MSG,
  TAG_DONE
};

/* ------------------------------------------------------------ utilities */

static void die(const char *what, int err) {
  fprintf(stderr, "actor-bench: %s: %s\n", what,
          err < 0 ? act_strerror(err) : strerror(err));
  fflush(stderr);
  _exit(1);
}

#define CHECK(call)                                                          \
  do {                                                                       \
    int rc_ = (call);                                                        \
    if (rc_ < 0) die(#call, rc_);                                            \
  } while (0)

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Resident memory of this process, in bytes (VmRSS of /proc/self/status). */
static long rss_bytes(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kb = -1;
  if (f == NULL) return -1;
  while (fgets(line, sizeof line, f) != NULL)
    if (sscanf(line, "VmRSS: %ld kB", &kb) == 1) break;
  fclose(f);
  return kb < 0 ? -1 : kb * 1024;
}

/*
 * A latch: actors open it from their scheduler threads, the main thread
 * sleeps in latch_wait until it is open, then it closes again for the next
 * phase. One value travels with it (a total, a count).
 */
typedef struct latch {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int open;
  uint64_t value;
} latch_t;

static void latch_init(latch_t *l) {
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_mutex_init(&l->mu, NULL);
  pthread_cond_init(&l->cv, &ca);
  pthread_condattr_destroy(&ca);
  l->open = 0;
  l->value = 0;
}

static void latch_open(latch_t *l, uint64_t value) {
  pthread_mutex_lock(&l->mu);
  l->open = 1;
  l->value = value;
  pthread_cond_signal(&l->cv);
  pthread_mutex_unlock(&l->mu);
}

static uint64_t latch_wait(latch_t *l, const char *what) {
  struct timespec until;
  uint64_t v;
  int rc = 0;
  clock_gettime(CLOCK_MONOTONIC, &until);
  until.tv_sec += WAIT_LIMIT_S;
  pthread_mutex_lock(&l->mu);
  while (!l->open && rc != ETIMEDOUT)
    rc = pthread_cond_timedwait(&l->cv, &l->mu, &until);
  if (!l->open) {
    fprintf(stderr, "actor-bench: no %s after %d s\n", what, WAIT_LIMIT_S);
    _exit(1);
  }
  l->open = 0;
  v = l->value;
  pthread_mutex_unlock(&l->mu);
  return v;
}

/* What every workload shares: its parameters and the main thread's latches. */
static struct {
  latch_t ready; /* the actors are set up; start the clock */
  latch_t done;  /* the timed work is over */
  int spread;    /* 1: spread actors over the schedulers; 0: local;
                    -1 (no option): what the workload's user would pick */
  unsigned threads;
} B;

/* Spawn from inside an actor, next to the spawner unless --spread; with
   --spread, on scheduler `sched` when it is >= 0, else where the runtime
   likes. The new actor tells the spawner when its init ran. */
static act_id_t spawn_peer(act_ctx_t *ctx, const act_plugin_t *desc,
                           json_t *args, int sched) {
  act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;
  act_id_t id = 0;
  o.desc = desc;
  o.args = args;
  o.flags = ACT_SPAWN_NOTIFY;
  if (B.spread)
    o.sched = sched >= 0 ? sched % (int)B.threads : -1;
  else
    o.flags |= ACT_SPAWN_LOCAL;
  CHECK(act_spawn(ctx, &o, &id));
  return id;
}

/* Spawn a workload's driver from the main thread, on scheduler 0. */
static act_id_t spawn_driver(act_runtime_t *rt, const act_plugin_t *desc) {
  act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;
  act_id_t id = 0;
  o.desc = desc;
  o.sched = 0;
  CHECK(act_runtime_spawn(rt, &o, &id));
  return id;
}

static void check_started(const act_msg_t *msg) {
  if (msg->reason != NULL) {
    fprintf(stderr, "actor-bench: an actor failed its init: %s\n",
            msg->reason);
    _exit(1);
  }
}

static uint64_t u64_of(const act_msg_t *msg) {
  uint64_t v = 0;
  if (msg->payload == ACT_PAYLOAD_BYTES && msg->len == sizeof v)
    memcpy(&v, msg->data, sizeof v);
  return v;
}

#define PLUGIN(name_, init_, handle_, terminate_)                            \
  {                                                                          \
    .abi_version = ACT_ABI_VERSION, .size = sizeof(act_plugin_t),            \
    .name = name_, .version = "1", .init = init_, .handle = handle_,         \
    .terminate = terminate_                                                  \
  }

/* ------------------------------------------------------------- pingpong
 *
 * ping spawns pong next to itself (ACT_SPAWN_LOCAL): the two do nothing but
 * talk to each other, so one thread serves both and a message is a local
 * append. With --spread pong goes to the other scheduler.
 */

static struct {
  uint64_t n;
} PP;

typedef struct {
  act_id_t pong;
  uint64_t trips; /* round trips completed */
} ping_t;

static const act_plugin_t pong_desc;

static int ping_init(act_ctx_t *ctx, json_t *args, void **state) {
  ping_t *s = calloc(1, sizeof *s);
  if (s == NULL) return ACT_ENOMEM;
  s->pong = spawn_peer(ctx, &pong_desc, NULL, 1);
  *state = s;
  return 0;
}

static int ping_handle(act_ctx_t *ctx, void *state, const act_msg_t *msg) {
  ping_t *s = state;
  if (msg->type == ACT_MSG_STARTED) {
    check_started(msg);
    latch_open(&B.ready, 0);
    return 0;
  }
  switch (msg->tag) {
  case TAG_GO:
    return act_send(ctx, s->pong, TAG_PING, NULL, 0);
  case TAG_PONG:
    if (++s->trips == PP.n / 2) {
      latch_open(&B.done, s->trips);
      return 0;
    }
    return act_send(ctx, s->pong, TAG_PING, NULL, 0);
  }
  return 0;
}

static int pong_handle(act_ctx_t *ctx, void *state, const act_msg_t *msg) {
  if (msg->type == ACT_MSG_USER && msg->tag == TAG_PING)
    return act_send(ctx, msg->from, TAG_PONG, NULL, 0);
  return 0;
}

static void free_state(act_ctx_t *ctx, void *state, const char *reason) {
  free(state);
}

static int no_state(act_ctx_t *ctx, json_t *args, void **state) {
  *state = NULL;
  return 0;
}

static const act_plugin_t ping_desc =
    PLUGIN("bench_ping", ping_init, ping_handle, free_state);
static const act_plugin_t pong_desc =
    PLUGIN("bench_pong", no_state, pong_handle, NULL);

static void run_pingpong(act_runtime_t *rt, uint64_t n) {
  act_id_t ping;
  double t0, dt;
  uint64_t trips;
  if (n < 2) die("pingpong: N must be at least 2", EINVAL);
  PP.n = n;
  ping = spawn_driver(rt, &ping_desc);
  latch_wait(&B.ready, "pong started");
  t0 = now_s();
  CHECK(act_runtime_send(rt, ping, TAG_GO, NULL, 0));
  trips = latch_wait(&B.done, "end of pingpong");
  dt = now_s() - t0;
  printf("{\"runtime\":\"actord\",\"workload\":\"pingpong\",\"elapsed_s\":%.6f,"
         "\"n\":%" PRIu64 ",\"round_trips\":%" PRIu64 ",\"msgs_per_s\":%.0f,"
         "\"rtt_ns\":%.1f,\"threads\":%u,\"placement\":\"%s\"}\n",
         dt, n, trips, (double)(2 * trips) / dt, dt * 1e9 / (double)trips,
         B.threads, B.spread ? "spread" : "local");
}

/* ------------------------------------------------------------- counting
 *
 * The producer spawns the counter next to itself and sends increments (a
 * 4-byte payload each) in batches of BATCH, each followed by an ask, two
 * batches in flight; the counter adds them up, answers the batches' asks
 * and, at the end, the ask for the total. With --spread the counter runs on
 * the other scheduler and consumes while the producer produces.
 */

static struct {
  uint64_t n;
} CT;

typedef struct {
  act_id_t counter;
  uint64_t sent;
  uint64_t get; /* the ref of the ask for the total, once asked */
  int asked;
} producer_t;

static const act_plugin_t counter_desc;

static int producer_init(act_ctx_t *ctx, json_t *args, void **state) {
  producer_t *s = calloc(1, sizeof *s);
  if (s == NULL) return ACT_ENOMEM;
  s->counter = spawn_peer(ctx, &counter_desc, NULL, 1);
  *state = s;
  return 0;
}

static int producer_batch(act_ctx_t *ctx, producer_t *s) {
  static const uint32_t one = 1;
  uint64_t end = s->sent + BATCH, ref;
  int rc;
  if (s->asked) return 0;
  if (end > CT.n) end = CT.n;
  for (; s->sent < end; s->sent++)
    if ((rc = act_send(ctx, s->counter, TAG_INC, &one, sizeof one)) < 0)
      return rc;
  if (s->sent < CT.n) return act_ask(ctx, s->counter, TAG_SYNC, NULL, 0, 0, &ref);
  s->asked = 1;
  return act_ask(ctx, s->counter, TAG_GET, NULL, 0, 0, &s->get);
}

static int producer_handle(act_ctx_t *ctx, void *state, const act_msg_t *msg) {
  producer_t *s = state;
  int rc;
  switch (msg->type) {
  case ACT_MSG_STARTED:
    check_started(msg);
    latch_open(&B.ready, 0);
    return 0;
  case ACT_MSG_REPLY:
    if (s->asked && msg->ref == s->get) {
      latch_open(&B.done, u64_of(msg));
      return 0;
    }
    return producer_batch(ctx, s);
  case ACT_MSG_USER:
    if (msg->tag != TAG_GO) return 0;
    if ((rc = producer_batch(ctx, s)) < 0) return rc;
    return producer_batch(ctx, s);
  }
  return 0;
}

static int counter_init(act_ctx_t *ctx, json_t *args, void **state) {
  uint64_t *total = calloc(1, sizeof *total);
  if (total == NULL) return ACT_ENOMEM;
  *state = total;
  return 0;
}

static int counter_handle(act_ctx_t *ctx, void *state, const act_msg_t *msg) {
  uint64_t *total = state;
  uint32_t inc;
  if (msg->type != ACT_MSG_USER) return 0;
  if (msg->tag == TAG_INC && msg->len == sizeof inc) {
    memcpy(&inc, msg->data, sizeof inc);
    *total += inc;
  } else if (msg->tag == TAG_SYNC && (msg->flags & ACT_MSG_F_ASK)) {
    return act_reply(ctx, msg, NULL, 0);
  } else if (msg->tag == TAG_GET && (msg->flags & ACT_MSG_F_ASK)) {
    return act_reply(ctx, msg, total, sizeof *total);
  }
  return 0;
}

static const act_plugin_t producer_desc =
    PLUGIN("bench_producer", producer_init, producer_handle, free_state);
static const act_plugin_t counter_desc =
    PLUGIN("bench_counter", counter_init, counter_handle, free_state);

static void run_counting(act_runtime_t *rt, uint64_t n) {
  act_id_t producer;
  double t0, dt;
  uint64_t total;
  CT.n = n;
  producer = spawn_driver(rt, &producer_desc);
  latch_wait(&B.ready, "counter started");
  t0 = now_s();
  CHECK(act_runtime_send(rt, producer, TAG_GO, NULL, 0));
  total = latch_wait(&B.done, "counter's total");
  dt = now_s() - t0;
  if (total != n) {
    fprintf(stderr, "actor-bench: counting: total %" PRIu64 ", expected %"
            PRIu64 "\n", total, n);
    exit(1);
  }
  printf("{\"runtime\":\"actord\",\"workload\":\"counting\",\"elapsed_s\":%.6f,"
         "\"n\":%" PRIu64 ",\"total\":%" PRIu64 ",\"msgs_per_s\":%.0f,"
         "\"threads\":%u,\"placement\":\"%s\"}\n",
         dt, n, total, (double)n / dt, B.threads,
         B.spread ? "spread" : "local");
}

/* ----------------------------------------------------------- threadring
 *
 * The driver is node 0 of the ring. It spawns nodes R-1 down to 1, each told
 * its successor in its args (node R-1's successor is the driver), all next to
 * itself: only one actor of a ring holds the token at a time, so a second
 * thread could only add hand-offs. With --spread the nodes alternate between
 * the schedulers, so every hop crosses threads. The token carries the number
 * of hops left; whoever receives it at 0 reports.
 */

typedef struct {
  act_id_t next;
  uint64_t pending; /* driver: inits not yet reported */
} ring_t;

static const act_plugin_t ring_desc;

static int ring_forward(act_ctx_t *ctx, ring_t *s, const act_msg_t *msg) {
  uint64_t left = u64_of(msg);
  if (left == 0) {
    latch_open(&B.done, 0);
    return 0;
  }
  left--;
  return act_send(ctx, s->next, TAG_TOKEN, &left, sizeof left);
}

static int ring_init(act_ctx_t *ctx, json_t *args, void **state) {
  ring_t *s = calloc(1, sizeof *s);
  if (s == NULL) return ACT_ENOMEM;
  s->next = (act_id_t)json_integer_value(args);
  *state = s;
  return 0;
}

static int ring_handle(act_ctx_t *ctx, void *state, const act_msg_t *msg) {
  if (msg->type == ACT_MSG_USER && msg->tag == TAG_TOKEN)
    return ring_forward(ctx, state, msg);
  return 0;
}

static struct {
  uint64_t r;
} RG;

static int ring0_init(act_ctx_t *ctx, json_t *args, void **state) {
  ring_t *s = calloc(1, sizeof *s);
  act_id_t next = act_self(ctx);
  if (s == NULL) return ACT_ENOMEM;
  for (uint64_t i = RG.r - 1; i >= 1; i--) {
    json_t *a = json_integer((json_int_t)next);
    if (a == NULL) return ACT_ENOMEM;
    next = spawn_peer(ctx, &ring_desc, a, (int)(i % B.threads));
    json_decref(a);
  }
  s->next = next;
  s->pending = RG.r - 1;
  *state = s;
  if (s->pending == 0) latch_open(&B.ready, 0);
  return 0;
}

static int ring0_handle(act_ctx_t *ctx, void *state, const act_msg_t *msg) {
  ring_t *s = state;
  if (msg->type == ACT_MSG_STARTED) {
    check_started(msg);
    if (--s->pending == 0) latch_open(&B.ready, 0);
    return 0;
  }
  if (msg->type == ACT_MSG_USER && (msg->tag == TAG_TOKEN || msg->tag == TAG_GO))
    return ring_forward(ctx, s, msg);
  return 0;
}

static const act_plugin_t ring_desc =
    PLUGIN("bench_ring", ring_init, ring_handle, free_state);
static const act_plugin_t ring0_desc =
    PLUGIN("bench_ring0", ring0_init, ring0_handle, free_state);

static void run_threadring(act_runtime_t *rt, uint64_t r, uint64_t t) {
  act_id_t head;
  double t0, dt;
  if (r == 0) die("threadring: R must be positive", EINVAL);
  RG.r = r;
  head = spawn_driver(rt, &ring0_desc);
  latch_wait(&B.ready, "ring set up");
  t0 = now_s();
  CHECK(act_runtime_send(rt, head, TAG_GO, &t, sizeof t));
  latch_wait(&B.done, "end of threadring");
  dt = now_s() - t0;
  printf("{\"runtime\":\"actord\",\"workload\":\"threadring\","
         "\"elapsed_s\":%.6f,\"r\":%" PRIu64 ",\"t\":%" PRIu64 ","
         "\"hops_per_s\":%.0f,\"threads\":%u,\"placement\":\"%s\"}\n",
         dt, r, t, (double)t / dt, B.threads, B.spread ? "spread" : "local");
}

/* ---------------------------------------------------------------- spawn
 *
 * The driver spawns A children next to itself (the runtime picks with
 * --spread), each with ACT_SPAWN_NOTIFY: the runtime's own "init is done"
 * message tells the driver that a child is up, and for each one that is up
 * it spawns the next, BATCH in flight. The children keep no state and wait.
 * Then the driver sends each one message, CHUNK per message to itself, on
 * which the child exits; the children's terminate counts the exits and the
 * last one opens the latch. The array of ids is allocated and touched before
 * the first RSS reading, so rss_per_actor_b is the runtime's memory alone.
 */

static struct {
  uint64_t a;
  act_id_t *ids;
  atomic_uint_fast64_t exited;
} SP;

typedef struct {
  uint64_t spawned, started, hit;
  int hitting; /* second phase */
} spawner_t;

static int child_handle(act_ctx_t *ctx, void *state, const act_msg_t *msg) {
  if (msg->type == ACT_MSG_USER && msg->tag == TAG_HIT)
    return act_exit(ctx, NULL);
  return 0;
}

static void child_terminate(act_ctx_t *ctx, void *state, const char *reason) {
  if (atomic_fetch_add_explicit(&SP.exited, 1, memory_order_relaxed) + 1 ==
      SP.a)
    latch_open(&B.done, 0);
}

static const act_plugin_t child_desc =
    PLUGIN("bench_child", no_state, child_handle, child_terminate);

static int spawner_init(act_ctx_t *ctx, json_t *args, void **state) {
  spawner_t *s = calloc(1, sizeof *s);
  if (s == NULL) return ACT_ENOMEM;
  *state = s;
  latch_open(&B.ready, 0);
  return 0;
}

static void spawner_spawn(act_ctx_t *ctx, spawner_t *s) {
  SP.ids[s->spawned] = spawn_peer(ctx, &child_desc, NULL, -1);
  s->spawned++;
}

static int spawner_hit(act_ctx_t *ctx, spawner_t *s) {
  uint64_t end = s->hit + CHUNK < SP.a ? s->hit + CHUNK : SP.a;
  int rc;
  for (; s->hit < end; s->hit++)
    if ((rc = act_send(ctx, SP.ids[s->hit], TAG_HIT, NULL, 0)) < 0) return rc;
  return s->hit < SP.a ? act_send(ctx, act_self(ctx), TAG_MORE, NULL, 0) : 0;
}

static int spawner_handle(act_ctx_t *ctx, void *state, const act_msg_t *msg) {
  spawner_t *s = state;
  if (msg->type == ACT_MSG_STARTED) {
    check_started(msg);
    if (s->spawned < SP.a) spawner_spawn(ctx, s);
    if (++s->started == SP.a) latch_open(&B.done, 0);
    return 0;
  }
  if (msg->type != ACT_MSG_USER) return 0;
  switch (msg->tag) {
  case TAG_GO:
    while (s->spawned < SP.a && s->spawned < BATCH) spawner_spawn(ctx, s);
    return 0;
  case TAG_GO2:
  case TAG_MORE:
    return spawner_hit(ctx, s);
  }
  return 0;
}

static const act_plugin_t spawner_desc =
    PLUGIN("bench_spawner", spawner_init, spawner_handle, free_state);

static void run_spawn(act_runtime_t *rt, uint64_t a) {
  act_id_t spawner;
  double t0, t1, t2, t3;
  long rss0, rss1;
  if (a == 0) die("spawn: A must be positive", EINVAL);
  SP.a = a;
  SP.ids = calloc(a, sizeof *SP.ids);
  if (SP.ids == NULL) die("spawn: ids", ENOMEM);
  memset(SP.ids, 0xff, a * sizeof *SP.ids); /* resident before rss0 */
  atomic_store(&SP.exited, 0);
  spawner = spawn_driver(rt, &spawner_desc);
  latch_wait(&B.ready, "spawner started");
  rss0 = rss_bytes();
  t0 = now_s();
  CHECK(act_runtime_send(rt, spawner, TAG_GO, NULL, 0));
  latch_wait(&B.done, "all children started");
  t1 = now_s();
  rss1 = rss_bytes();
  t2 = now_s();
  CHECK(act_runtime_send(rt, spawner, TAG_GO2, NULL, 0));
  latch_wait(&B.done, "all children exited");
  t3 = now_s();
  printf("{\"runtime\":\"actord\",\"workload\":\"spawn\",\"elapsed_s\":%.6f,"
         "\"a\":%" PRIu64 ",\"spawn_phase_s\":%.6f,\"msg_exit_phase_s\":%.6f,"
         "\"spawns_per_s\":%.0f,\"rss_per_actor_b\":%.0f,\"threads\":%u,"
         "\"placement\":\"%s\"}\n",
         (t1 - t0) + (t3 - t2), a, t1 - t0, t3 - t2,
         (double)a / ((t1 - t0) + (t3 - t2)),
         (double)(rss1 - rss0) / (double)a, B.threads,
         B.spread ? "spread" : "local");
  free(SP.ids);
  SP.ids = NULL;
}

/* --------------------------------------------------------------- fanout
 *
 * The driver spawns P workers round robin over the schedulers (next to
 * itself with --local; see "Placement" above). The destinations of all P*M messages are drawn before the
 * clock starts, and from them how many messages each worker will receive.
 * On "go" a worker sends its M messages (an 8-byte payload each), then
 * reports to the driver once it has also received all of its own.
 */

static struct {
  uint64_t p, m;
  act_id_t *ids;
  uint32_t *dest;     /* p*m worker indexes */
  uint64_t *expected; /* messages each worker receives */
} FO;

typedef struct {
  uint64_t index, received;
  int sent;
  act_id_t driver;
} worker_t;

static const act_plugin_t worker_desc;

static int worker_init(act_ctx_t *ctx, json_t *args, void **state) {
  worker_t *s = calloc(1, sizeof *s);
  if (s == NULL) return ACT_ENOMEM;
  s->index = (uint64_t)json_integer_value(json_array_get(args, 0));
  s->driver = (act_id_t)json_integer_value(json_array_get(args, 1));
  *state = s;
  return 0;
}

static int worker_check(act_ctx_t *ctx, worker_t *s) {
  if (s->sent && s->received == FO.expected[s->index])
    return act_send(ctx, s->driver, TAG_DONE, NULL, 0);
  return 0;
}

static int worker_handle(act_ctx_t *ctx, void *state, const act_msg_t *msg) {
  worker_t *s = state;
  const uint32_t *d;
  int rc;
  if (msg->type != ACT_MSG_USER) return 0;
  switch (msg->tag) {
  case TAG_MSG:
    s->received++;
    return worker_check(ctx, s);
  case TAG_GO:
    d = FO.dest + s->index * FO.m;
    for (uint64_t j = 0; j < FO.m; j++)
      if ((rc = act_send(ctx, FO.ids[d[j]], TAG_MSG, &s->index,
                         sizeof s->index)) < 0)
        return rc;
    s->sent = 1;
    return worker_check(ctx, s);
  }
  return 0;
}

typedef struct {
  uint64_t started, done;
} fodriver_t;

static int fodriver_init(act_ctx_t *ctx, json_t *args, void **state) {
  fodriver_t *s = calloc(1, sizeof *s);
  if (s == NULL) return ACT_ENOMEM;
  for (uint64_t i = 0; i < FO.p; i++) {
    json_t *a = json_pack("[II]", (json_int_t)i, (json_int_t)act_self(ctx));
    if (a == NULL) return ACT_ENOMEM;
    FO.ids[i] = spawn_peer(ctx, &worker_desc, a, (int)(i % B.threads));
    json_decref(a);
  }
  *state = s;
  return 0;
}

static int fodriver_handle(act_ctx_t *ctx, void *state, const act_msg_t *msg) {
  fodriver_t *s = state;
  int rc;
  if (msg->type == ACT_MSG_STARTED) {
    check_started(msg);
    if (++s->started == FO.p) latch_open(&B.ready, 0);
    return 0;
  }
  if (msg->type != ACT_MSG_USER) return 0;
  if (msg->tag == TAG_GO) {
    for (uint64_t i = 0; i < FO.p; i++)
      if ((rc = act_send(ctx, FO.ids[i], TAG_GO, NULL, 0)) < 0) return rc;
  } else if (msg->tag == TAG_DONE) {
    if (++s->done == FO.p) latch_open(&B.done, 0);
  }
  return 0;
}

static const act_plugin_t worker_desc =
    PLUGIN("bench_worker", worker_init, worker_handle, free_state);
static const act_plugin_t fodriver_desc =
    PLUGIN("bench_fanout", fodriver_init, fodriver_handle, free_state);

static void run_fanout(act_runtime_t *rt, uint64_t p, uint64_t m) {
  act_id_t driver;
  double t0, dt;
  uint64_t x = 0x9e3779b97f4a7c15ull; /* xorshift64, fixed seed */
  if (p == 0) die("fanout: P must be positive", EINVAL);
  FO.p = p;
  FO.m = m;
  FO.ids = calloc(p, sizeof *FO.ids);
  FO.dest = calloc(p * m + 1, sizeof *FO.dest);
  FO.expected = calloc(p, sizeof *FO.expected);
  if (FO.ids == NULL || FO.dest == NULL || FO.expected == NULL)
    die("fanout: tables", ENOMEM);
  for (uint64_t i = 0; i < p * m; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    FO.dest[i] = (uint32_t)(x % p);
    FO.expected[FO.dest[i]]++;
  }
  driver = spawn_driver(rt, &fodriver_desc);
  latch_wait(&B.ready, "workers started");
  t0 = now_s();
  CHECK(act_runtime_send(rt, driver, TAG_GO, NULL, 0));
  latch_wait(&B.done, "end of fanout");
  dt = now_s() - t0;
  printf("{\"runtime\":\"actord\",\"workload\":\"fanout\",\"elapsed_s\":%.6f,"
         "\"p\":%" PRIu64 ",\"m\":%" PRIu64 ",\"msgs\":%" PRIu64 ","
         "\"msgs_per_s\":%.0f,\"threads\":%u,\"placement\":\"%s\"}\n",
         dt, p, m, p * m, (double)(p * m) / dt, B.threads,
         B.spread ? "spread" : "local");
}

/* ----------------------------------------------------------------- idle
 *
 * 1000 actors spawned as in `spawn`, all idle; then the main thread sleeps
 * S seconds and reads the CPU time the whole process used meanwhile.
 */

static double cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

static void run_idle(act_runtime_t *rt, uint64_t secs) {
  act_id_t spawner;
  struct timespec ts = {.tv_sec = (time_t)secs};
  double c0, c1, t0, t1;
  SP.a = 1000;
  SP.ids = calloc(SP.a, sizeof *SP.ids);
  if (SP.ids == NULL) die("idle: ids", ENOMEM);
  spawner = spawn_driver(rt, &spawner_desc);
  latch_wait(&B.ready, "spawner started");
  CHECK(act_runtime_send(rt, spawner, TAG_GO, NULL, 0));
  latch_wait(&B.done, "all children started");
  t0 = now_s();
  c0 = cpu_s();
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
  c1 = cpu_s();
  t1 = now_s();
  printf("{\"runtime\":\"actord\",\"workload\":\"idle\",\"elapsed_s\":%.6f,"
         "\"actors\":%" PRIu64 ",\"cpu_s\":%.6f,\"cpu_pct\":%.3f,"
         "\"threads\":%u}\n",
         t1 - t0, SP.a, c1 - c0, (c1 - c0) * 100 / (t1 - t0), B.threads);
}

/* ----------------------------------------------------------------- main */

static void usage(FILE *f) {
  fprintf(f,
          "usage: actor-bench [-j THREADS] [-b BUDGET] [--local|--spread] "
          "WORKLOAD ARGS...\n"
          "  pingpong N | counting N | threadring R T | spawn A | "
          "fanout P M | idle S\n");
}

static uint64_t arg_u64(const char *s, const char *what) {
  char *end;
  unsigned long long v;
  errno = 0;
  v = strtoull(s, &end, 10);
  if (errno != 0 || *s == '\0' || *end != '\0' || s[0] == '-') {
    fprintf(stderr, "actor-bench: %s: not a count: %s\n", what, s);
    usage(stderr);
    exit(2);
  }
  return (uint64_t)v;
}

int main(int argc, char **argv) {
  static const struct option longopts[] = {
      {"threads", required_argument, NULL, 'j'},
      {"spread", no_argument, NULL, 's'},
      {"local", no_argument, NULL, 'l'},
      {"budget", required_argument, NULL, 'b'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  act_runtime_opts_t ro = ACT_RUNTIME_OPTS_INIT;
  act_runtime_t *rt;
  const char *w;
  int c, nargs;

  B.threads = 2;
  B.spread = -1;
  while ((c = getopt_long(argc, argv, "+j:b:h", longopts, NULL)) != -1) {
    switch (c) {
    case 'j':
      B.threads = (unsigned)arg_u64(optarg, "-j");
      if (B.threads == 0) B.threads = 1;
      break;
    case 's':
      B.spread = 1;
      break;
    case 'l':
      B.spread = 0;
      break;
    case 'b':
      ro.budget = (unsigned)arg_u64(optarg, "-b");
      break;
    case 'h':
      usage(stdout);
      return 0;
    default:
      usage(stderr);
      return 2;
    }
  }
  if (optind >= argc) {
    usage(stderr);
    return 2;
  }
  w = argv[optind];
  nargs = argc - optind - 1;
  if (!((strcmp(w, "pingpong") == 0 && nargs == 1) ||
        (strcmp(w, "counting") == 0 && nargs == 1) ||
        (strcmp(w, "threadring") == 0 && nargs == 2) ||
        (strcmp(w, "spawn") == 0 && nargs == 1) ||
        (strcmp(w, "fanout") == 0 && nargs == 2) ||
        (strcmp(w, "idle") == 0 && nargs == 1))) {
    fprintf(stderr, "actor-bench: unknown workload or wrong arguments: %s\n",
            w);
    usage(stderr);
    return 2;
  }

  if (B.spread < 0) B.spread = strcmp(w, "fanout") == 0;
  latch_init(&B.ready);
  latch_init(&B.done);
  ro.threads = B.threads;
  CHECK(act_runtime_new(&ro, &rt));
  CHECK(act_runtime_start(rt));

  if (strcmp(w, "pingpong") == 0)
    run_pingpong(rt, arg_u64(argv[optind + 1], "N"));
  else if (strcmp(w, "counting") == 0)
    run_counting(rt, arg_u64(argv[optind + 1], "N"));
  else if (strcmp(w, "threadring") == 0)
    run_threadring(rt, arg_u64(argv[optind + 1], "R"),
                   arg_u64(argv[optind + 2], "T"));
  else if (strcmp(w, "spawn") == 0)
    run_spawn(rt, arg_u64(argv[optind + 1], "A"));
  else if (strcmp(w, "idle") == 0)
    run_idle(rt, arg_u64(argv[optind + 1], "S"));
  else
    run_fanout(rt, arg_u64(argv[optind + 1], "P"),
               arg_u64(argv[optind + 2], "M"));
  fflush(stdout);

  CHECK(act_runtime_stop(rt, 30000));
  act_runtime_free(rt);
  return 0;
}
