// caf_bench - the runtime workloads of BENCHMARKS.md, section 1, written for
// CAF 0.17 (the C++ Actor Framework as Debian ships it, libcaf-dev) the way a
// CAF programmer would: event-based actors, atoms as message tags, a
// scoped_actor on the main thread that blocks until the actors report.
//
//   g++ -O2 -std=c++17 caf_bench.cpp -o caf-bench -lcaf_core -pthread
//   caf-bench WORKLOAD ARGS...
//
// Two worker threads (scheduler.max-threads), the default work-stealing
// scheduler. Each run prints one JSON line with the same fields as
// actor-bench and "runtime":"caf".
#include <caf/all.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace caf;

namespace {

using b_go = atom_constant<atom("b_go")>;
using b_go2 = atom_constant<atom("b_go2")>;
using b_ping = atom_constant<atom("b_ping")>;
using b_pong = atom_constant<atom("b_pong")>;
using b_inc = atom_constant<atom("b_inc")>;
using b_get = atom_constant<atom("b_get")>;
using b_token = atom_constant<atom("b_token")>;
using b_next = atom_constant<atom("b_next")>;
using b_up = atom_constant<atom("b_up")>;
using b_hit = atom_constant<atom("b_hit")>;
using b_msg = atom_constant<atom("b_msg")>;
using b_setup = atom_constant<atom("b_setup")>;
using b_ready = atom_constant<atom("b_ready")>;
using b_done = atom_constant<atom("b_done")>;

constexpr unsigned threads = 2;

double now_s() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

long rss_bytes() {
  FILE* f = std::fopen("/proc/self/status", "r");
  char line[256];
  long kb = -1;
  if (f == nullptr) return -1;
  while (std::fgets(line, sizeof line, f) != nullptr)
    if (std::sscanf(line, "VmRSS: %ld kB", &kb) == 1) break;
  std::fclose(f);
  return kb * 1024;
}

// ------------------------------------------------------------- pingpong

behavior pong() {
  return {[](b_ping) { return b_pong::value; }};
}

struct ping_state {
  uint64_t trips = 0;
};

behavior ping(stateful_actor<ping_state>* self, actor buddy, uint64_t trips,
              actor main) {
  return {
    [=](b_go) { self->send(buddy, b_ping::value); },
    [=](b_pong) {
      if (++self->state.trips == trips)
        self->send(main, b_done::value);
      else
        self->send(buddy, b_ping::value);
    },
  };
}

void run_pingpong(actor_system& sys, uint64_t n) {
  scoped_actor main{sys};
  uint64_t trips = n / 2;
  auto buddy = sys.spawn(pong);
  auto p = sys.spawn(ping, buddy, trips, actor{main});
  double t0 = now_s();
  main->send(p, b_go::value);
  main->receive([](b_done) {});
  double dt = now_s() - t0;
  std::printf("{\"runtime\":\"caf\",\"workload\":\"pingpong\","
              "\"elapsed_s\":%.6f,\"n\":%llu,\"round_trips\":%llu,"
              "\"msgs_per_s\":%.0f,\"rtt_ns\":%.1f,\"threads\":%u}\n",
              dt, (unsigned long long)n, (unsigned long long)trips,
              2.0 * trips / dt, dt * 1e9 / trips, threads);
  anon_send_exit(buddy, exit_reason::user_shutdown);
  anon_send_exit(p, exit_reason::user_shutdown);
}

// ------------------------------------------------------------- counting

struct counter_state {
  uint64_t total = 0;
};

behavior counter(stateful_actor<counter_state>* self) {
  return {
    [=](b_inc, uint64_t k) { self->state.total += k; },
    [=](b_get) { return self->state.total; },
  };
}

behavior producer(event_based_actor* self, actor c, uint64_t n, actor main) {
  return {
    [=](b_go) {
      for (uint64_t i = 0; i < n; i++) self->send(c, b_inc::value, uint64_t{1});
      self->request(c, infinite, b_get::value).then([=](uint64_t total) {
        self->send(main, b_done::value, total);
      });
    },
  };
}

void run_counting(actor_system& sys, uint64_t n) {
  scoped_actor main{sys};
  uint64_t total = 0;
  auto c = sys.spawn(counter);
  auto p = sys.spawn(producer, c, n, actor{main});
  double t0 = now_s();
  main->send(p, b_go::value);
  main->receive([&](b_done, uint64_t t) { total = t; });
  double dt = now_s() - t0;
  if (total != n) {
    std::fprintf(stderr, "caf_bench: counting: total %llu\n",
                 (unsigned long long)total);
    std::exit(1);
  }
  std::printf("{\"runtime\":\"caf\",\"workload\":\"counting\","
              "\"elapsed_s\":%.6f,\"n\":%llu,\"total\":%llu,"
              "\"msgs_per_s\":%.0f,\"threads\":%u}\n",
              dt, (unsigned long long)n, (unsigned long long)total, n / dt,
              threads);
  anon_send_exit(c, exit_reason::user_shutdown);
  anon_send_exit(p, exit_reason::user_shutdown);
}

// ----------------------------------------------------------- threadring

struct ring_state {
  actor next;
};

behavior ring_node(stateful_actor<ring_state>* self, actor next, actor main) {
  self->state.next = next;
  return {
    [=](b_next, actor n) { self->state.next = n; },
    [=](b_token, uint64_t left) {
      if (left == 0)
        self->send(main, b_done::value);
      else
        self->send(self->state.next, b_token::value, left - 1);
    },
  };
}

void run_threadring(actor_system& sys, uint64_t r, uint64_t t) {
  scoped_actor main{sys};
  std::vector<actor> nodes;
  auto first = sys.spawn(ring_node, actor{}, actor{main});
  nodes.push_back(first);
  actor next = first;
  for (uint64_t i = 1; i < r; i++) {
    next = sys.spawn(ring_node, next, actor{main});
    nodes.push_back(next);
  }
  main->send(first, b_next::value, next);
  double t0 = now_s();
  main->send(first, b_token::value, t);
  main->receive([](b_done) {});
  double dt = now_s() - t0;
  std::printf("{\"runtime\":\"caf\",\"workload\":\"threadring\","
              "\"elapsed_s\":%.6f,\"r\":%llu,\"t\":%llu,\"hops_per_s\":%.0f,"
              "\"threads\":%u}\n",
              dt, (unsigned long long)r, (unsigned long long)t, t / dt,
              threads);
  for (auto& a : nodes) anon_send_exit(a, exit_reason::user_shutdown);
}

// ---------------------------------------------------------------- spawn
// The main thread spawns the children (sys.spawn spreads them over the
// workers) and receives their "up" messages; each child waits for one
// message and quits. The main thread monitors each child as it messages it:
// the down_msg says the child has exited, and keeps at most `window` hits
// in flight. (Spawning them from one actor instead piles a million actors up
// in one worker's queue within a single resume, and so does sending all the
// hits at once; stealing from such a queue -- take_tail walks it -- makes the
// run quadratic.)

constexpr uint64_t window = 1024;

behavior child(event_based_actor* self, actor parent) {
  self->send(parent, b_up::value);
  return {[=](b_hit) { self->quit(); }};
}

void run_spawn(actor_system& sys, uint64_t a) {
  scoped_actor main{sys};
  std::vector<actor> children;
  children.reserve(a);
  long rss0 = rss_bytes();
  double t0 = now_s();
  for (uint64_t i = 0; i < a; i++) children.push_back(sys.spawn(child, actor{main}));
  for (uint64_t i = 0; i < a; i++) main->receive([](b_up) {});
  double t1 = now_s();
  long rss1 = rss_bytes();
  double t2 = now_s();
  uint64_t sent = 0;
  auto hit = [&] {
    main->monitor(children[sent]);
    main->send(children[sent], b_hit::value);
    children[sent++] = actor{};
  };
  while (sent < a && sent < window) hit();
  for (uint64_t i = 0; i < a; i++)
    main->receive([&](down_msg&) {
      if (sent < a) hit();
    });
  double t3 = now_s();
  double total = (t1 - t0) + (t3 - t2);
  std::printf("{\"runtime\":\"caf\",\"workload\":\"spawn\",\"elapsed_s\":%.6f,"
              "\"a\":%llu,\"spawn_phase_s\":%.6f,\"msg_exit_phase_s\":%.6f,"
              "\"spawns_per_s\":%.0f,\"rss_per_actor_b\":%.0f,"
              "\"threads\":%u}\n",
              total, (unsigned long long)a, t1 - t0, t3 - t2, a / total,
              double(rss1 - rss0) / a, threads);
}

// --------------------------------------------------------------- fanout
// The destinations come from the same xorshift64 sequence as actor-bench's.
// Each worker gets its destinations and the count it will receive before
// the clock starts, and acknowledges.

struct worker_state {
  std::vector<actor> to;
  uint64_t expected = 0, received = 0;
  bool sent = false;
};

behavior worker(stateful_actor<worker_state>* self, actor main) {
  auto check = [=] {
    if (self->state.sent && self->state.received == self->state.expected)
      self->send(main, b_done::value);
  };
  return {
    [=](b_setup, std::vector<actor> to, uint64_t expected) {
      self->state.to = std::move(to);
      self->state.expected = expected;
      self->send(main, b_ready::value);
    },
    [=](b_go) {
      for (auto& d : self->state.to) self->send(d, b_msg::value);
      self->state.sent = true;
      check();
    },
    [=](b_msg) {
      self->state.received++;
      check();
    },
  };
}

void run_fanout(actor_system& sys, uint64_t p, uint64_t m) {
  scoped_actor main{sys};
  std::vector<actor> workers;
  std::vector<uint32_t> dest(p * m);
  std::vector<uint64_t> expected(p);
  uint64_t x = 0x9e3779b97f4a7c15ull;
  for (auto& d : dest) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    d = uint32_t(x % p);
    expected[d]++;
  }
  for (uint64_t i = 0; i < p; i++)
    workers.push_back(sys.spawn(worker, actor{main}));
  for (uint64_t i = 0; i < p; i++) {
    std::vector<actor> to;
    to.reserve(m);
    for (uint64_t j = 0; j < m; j++) to.push_back(workers[dest[i * m + j]]);
    main->send(workers[i], b_setup::value, std::move(to), expected[i]);
  }
  for (uint64_t i = 0; i < p; i++) main->receive([](b_ready) {});
  double t0 = now_s();
  for (auto& w : workers) main->send(w, b_go::value);
  for (uint64_t i = 0; i < p; i++) main->receive([](b_done) {});
  double dt = now_s() - t0;
  std::printf("{\"runtime\":\"caf\",\"workload\":\"fanout\",\"elapsed_s\":%.6f,"
              "\"p\":%llu,\"m\":%llu,\"msgs\":%llu,\"msgs_per_s\":%.0f,"
              "\"threads\":%u}\n",
              dt, (unsigned long long)p, (unsigned long long)m,
              (unsigned long long)(p * m), double(p * m) / dt, threads);
  for (auto& w : workers) anon_send_exit(w, exit_reason::user_shutdown);
}

uint64_t arg(const char* s) {
  char* end;
  unsigned long long v = std::strtoull(s, &end, 10);
  if (*s == '\0' || *end != '\0') {
    std::fprintf(stderr, "caf_bench: not a count: %s\n", s);
    std::exit(2);
  }
  return v;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: caf-bench WORKLOAD ARGS...\n");
    return 2;
  }
  actor_system_config cfg;
  cfg.set("scheduler.max-threads", threads);
  actor_system sys{cfg};
  std::string w = argv[1];
  if (w == "pingpong")
    run_pingpong(sys, arg(argv[2]));
  else if (w == "counting")
    run_counting(sys, arg(argv[2]));
  else if (w == "threadring" && argc >= 4)
    run_threadring(sys, arg(argv[2]), arg(argv[3]));
  else if (w == "spawn")
    run_spawn(sys, arg(argv[2]));
  else if (w == "fanout" && argc >= 4)
    run_fanout(sys, arg(argv[2]), arg(argv[3]));
  else {
    std::fprintf(stderr, "caf_bench: unknown workload: %s\n", w.c_str());
    return 2;
  }
  std::fflush(stdout);
  return 0;
}
