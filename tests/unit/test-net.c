/*
 * test-net.c - network actors: echo over TCP (v4, v6) and Unix sockets,
 * connect, listeners that spread connections over the schedulers, half
 * close, the write and read bounds, what an owner's exit and a close do to
 * its sockets, listener restarts on the same port, bad input, inspect, and a
 * runtime stopped with sockets open and lingering.
 *
 * The actors listen on loopback with port 0 and publish the port they got;
 * the test thread is the peer, with plain blocking sockets whose every wait
 * is bounded by a receive/send timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "rt.h" /* act__net_unread: the read bound's own counter */
#include "support.h"

#define NET_IO_TIMEOUT_S 10

static _Atomic int g_port;
static _Atomic act_sock_t g_sock;
static _Atomic act_id_t g_owner;

/* ----------------------------------------------------------- the peer */

static void cl_timeouts(int fd) {
  struct timeval tv = {NET_IO_TIMEOUT_S, 0};

  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* A connected socket; rcvbuf > 0 makes its receive buffer small, so that
   a peer that does not read fills up soon. */
static int cl_connect(int family, const char *addr, int port, int rcvbuf) {
  struct sockaddr_storage ss;
  socklen_t len;
  int fd;

  memset(&ss, 0, sizeof(ss));
  if (family == AF_UNIX) {
    struct sockaddr_un *un = (struct sockaddr_un *)&ss;
    un->sun_family = AF_UNIX;
    snprintf(un->sun_path, sizeof(un->sun_path), "%s", addr);
    len = sizeof(*un);
  } else if (family == AF_INET6) {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons((uint16_t)port);
    ASSERT(inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1);
    len = sizeof(*s6);
  } else {
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)port);
    ASSERT(inet_pton(AF_INET, addr, &s4->sin_addr) == 1);
    len = sizeof(*s4);
  }
  fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT(fd >= 0);
  if (rcvbuf > 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  cl_timeouts(fd);
  if (connect(fd, (struct sockaddr *)&ss, len) != 0) {
    fprintf(stderr, "connect %s:%d: %s\n", addr, port, strerror(errno));
    ASSERT(0);
  }
  return fd;
}

static int cl_tcp(int port) { return cl_connect(AF_INET, "127.0.0.1", port, 0); }

static void cl_send(int fd, const void *p, size_t n) {
  const char *s = p;

  while (n > 0) {
    ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
    ASSERT(w > 0);
    s += w;
    n -= (size_t)w;
  }
}

/* Read exactly n bytes (asserted). */
static void cl_recv(int fd, void *p, size_t n) {
  char *s = p;

  while (n > 0) {
    ssize_t r = recv(fd, s, n, 0);
    if (r <= 0) {
      fprintf(stderr, "recv: %s\n", r == 0 ? "EOF" : strerror(errno));
      ASSERT(0);
    }
    s += r;
    n -= (size_t)r;
  }
}

/* Read until EOF; the byte count. Bytes are checked against a pattern
   (byte i == (char)(i * 7)) when check is set; tail gets the last 3. */
static size_t cl_drain(int fd, int check, char tail[4]) {
  char buf[65536];
  size_t total = 0;

  for (;;) {
    ssize_t r = recv(fd, buf, sizeof(buf), 0);
    ssize_t i;
    if (r == 0)
      break;
    if (r < 0) {
      fprintf(stderr, "recv after %zu bytes: %s\n", total, strerror(errno));
      ASSERT(0);
    }
    for (i = 0; check && i < r; i++)
      ASSERT(buf[i] == (char)((total + (size_t)i) * 7));
    if (tail != NULL) {
      for (i = 0; i < r; i++) {
        tail[0] = tail[1];
        tail[1] = tail[2];
        tail[2] = buf[i];
      }
      tail[3] = '\0';
    }
    total += (size_t)r;
  }
  return total;
}

/* Is the peer's side closed (EOF or reset) within the timeout? */
static int cl_closed(int fd) {
  char c;
  ssize_t r = recv(fd, &c, 1, 0);

  return r == 0 || (r < 0 && errno == ECONNRESET);
}

/* Send len pattern bytes and read them back, both at once (poll), so that
   neither side's buffers fill: the echo of a stream. */
static void cl_echo(int fd, size_t len) {
  static char out[1 << 16], in[1 << 16];
  size_t sent = 0, got = 0, i;
  struct pollfd p;

  while (got < len) {
    p.fd = fd;
    p.events = (short)(POLLIN | (sent < len ? POLLOUT : 0));
    ASSERT(poll(&p, 1, NET_IO_TIMEOUT_S * 1000) > 0);
    if ((p.revents & POLLOUT) && sent < len) {
      size_t n = len - sent < sizeof(out) ? len - sent : sizeof(out);
      ssize_t w;
      for (i = 0; i < n; i++)
        out[i] = (char)((sent + i) * 7);
      w = send(fd, out, n, MSG_NOSIGNAL | MSG_DONTWAIT);
      ASSERT(w > 0 || errno == EAGAIN);
      if (w > 0)
        sent += (size_t)w;
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t r = recv(fd, in, sizeof(in), MSG_DONTWAIT);
      ASSERT(r > 0);
      for (i = 0; i < (size_t)r; i++)
        ASSERT(in[i] == (char)((got + i) * 7));
      got += (size_t)r;
    }
  }
}

static void cl_echo_text(int fd, const char *text) {
  char buf[256];
  size_t n = strlen(text);

  cl_send(fd, text, n);
  cl_recv(fd, buf, n);
  ASSERT(memcmp(buf, text, n) == 0);
}

/* A port nobody listens on right now (the kernel's pick, released). */
static int free_port(void) {
  struct sockaddr_in sin = {.sin_family = AF_INET};
  socklen_t len = sizeof(sin);
  int fd = socket(AF_INET, SOCK_STREAM, 0), port;

  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT(bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
  ASSERT(getsockname(fd, (struct sockaddr *)&sin, &len) == 0);
  port = ntohs(sin.sin_port);
  close(fd);
  return port;
}

static act_stats_t stats_of(act_runtime_t *rt) {
  act_stats_t st;

  act_runtime_stats(rt, &st);
  return st;
}

/* Wait (bounded) until the runtime has that many sockets. */
static int wait_sockets(act_runtime_t *rt, uint64_t listeners,
                        uint64_t connections) {
  uint64_t until = t_now_ms() + T_WAIT_MS;
  act_stats_t st;

  do {
    st = stats_of(rt);
    if (st.listeners == listeners && st.connections == connections)
      return 1;
    t_window_ms(5);
  } while (t_now_ms() < until);
  fprintf(stderr, "still %llu listeners, %llu connections\n",
          (unsigned long long)st.listeners,
          (unsigned long long)st.connections);
  return 0;
}

/* ------------------------------------------------------- the listeners */

/* Listen as arg says: {"addr","port","wb","rb","handler":bool}; publish
   the port; "listening ID" or "listen-fail RC". */
static int listen_from(act_ctx_t *ctx, t_beh_t *b, json_t *arg,
                       const act_plugin_t *handler, json_t *handler_args) {
  act_net_opts_t o = ACT_NET_OPTS_INIT;
  act_sock_info_t info;
  act_sock_t s;
  int rc;

  o.write_bound = (uint32_t)json_integer_value(json_object_get(arg, "wb"));
  o.read_bound = (uint32_t)json_integer_value(json_object_get(arg, "rb"));
  o.handler_desc = handler;
  o.handler_args = handler_args;
  rc = act_net_listen(ctx, json_string_value(json_object_get(arg, "addr")),
                      (int)json_integer_value(json_object_get(arg, "port")),
                      &o, &s);
  if (rc != 0) {
    t_rec("listen-fail %d", rc);
    return rc;
  }
  ASSERT(act_net_info(ctx, s, &info) == 0);
  ASSERT(info.kind == ACT_SOCK_LISTENER);
  b->n = (long)s;
  g_port = info.port;
  g_sock = s;
  g_owner = act_self(ctx);
  t_rec("listening %llu", (unsigned long long)act_self(ctx));
  return 0;
}

static json_t *addr_arg(const char *addr, int port) {
  return json_pack("{s:s,s:i}", "addr", addr, "port", port);
}

/* Echo without a handler: connections come as ACCEPTED. "quit" exits,
   "crash" fails the handler. */
static int echo_init(act_ctx_t *ctx, t_beh_t *b, json_t *arg) {
  return listen_from(ctx, b, arg, NULL, NULL);
}

static int echo_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  (void)b;
  if (m->type != ACT_MSG_NET)
    return 0;
  switch (m->tag) {
  case ACT_NET_ACCEPTED:
    t_rec("accepted %llu", (unsigned long long)act_self(ctx));
    return 0;
  case ACT_NET_DATA:
    if (m->len >= 4 && memcmp(m->data, "quit", 4) == 0)
      return act_exit(ctx, NULL);
    if (m->len >= 5 && memcmp(m->data, "crash", 5) == 0)
      return ACT_EINVAL;
    return act_net_write_msg(ctx, m->ref, m);
  case ACT_NET_EOF:
    t_rec("eof");
    return act_net_close(ctx, m->ref);
  case ACT_NET_CLOSED:
    t_rec("closed %s", m->reason);
    return 0;
  default:
    return 0;
  }
}

static t_beh_t echo_beh = {.init = echo_init, .handle = echo_handle};

static act_id_t spawn_echo(act_runtime_t *rt, const char *addr, int port) {
  act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;
  json_t *arg = addr_arg(addr, port);
  act_id_t id;

  ASSERT(t_spawn_opts(rt, &echo_beh, &o, arg, &id) == 0);
  json_decref(arg);
  return id;
}

TEST_IMPL(net_echo_tcp4) {
  act_runtime_t *rt = t_rt_start(2);
  act_id_t id = spawn_echo(rt, "127.0.0.1", 0);
  act_stats_t st;
  int fd;

  ASSERT(t_wait_rec("listening %llu", (unsigned long long)id));
  ASSERT(g_port > 0);
  fd = cl_tcp(g_port);
  ASSERT(t_wait_rec("accepted %llu", (unsigned long long)id));
  cl_echo_text(fd, "hello, actors");
  cl_echo(fd, 4u << 20);
  st = stats_of(rt);
  ASSERT_EQ(st.listeners, 1);
  ASSERT_EQ(st.connections, 1);
  ASSERT_EQ(st.accepted, 1);
  ASSERT(st.net_bytes_in >= (4u << 20) + 13);
  ASSERT(st.net_bytes_out >= (4u << 20) + 13);
  /* Our EOF: the actor closes its side. */
  shutdown(fd, SHUT_WR);
  ASSERT(cl_closed(fd));
  ASSERT(t_wait_rec("eof"));
  close(fd);
  t_rt_done(rt);
  return 0;
}

TEST_IMPL(net_echo_tcp6) {
  act_runtime_t *rt = t_rt_start(1);
  act_id_t id = spawn_echo(rt, "[::1]", 0);
  int fd;

  ASSERT(t_wait_rec("listening %llu", (unsigned long long)id) ||
         t_has_rec("listen-fail %d", ACT_EADDRNOTAVAIL));
  if (!t_has_rec("listening %llu", (unsigned long long)id)) {
    fprintf(stderr, "no ::1 on this machine\n");
    t_rt_done(rt);
    return TEST_SKIP;
  }
  fd = cl_connect(AF_INET6, "::1", g_port, 0);
  cl_echo_text(fd, "hello over IPv6");
  cl_echo(fd, 1u << 20);
  close(fd);
  t_rt_done(rt);
  return 0;
}

TEST_IMPL(net_echo_unix) {
  act_runtime_t *rt = t_rt_start(2);
  char dir[] = "/tmp/act-net-XXXXXX", path[128], addr[140];
  struct stat st;
  act_id_t id;
  int fd;

  ASSERT(mkdtemp(dir) != NULL);
  snprintf(path, sizeof(path), "%s/echo.sock", dir);
  snprintf(addr, sizeof(addr), "unix:%s", path);
  id = spawn_echo(rt, addr, 0);
  ASSERT(t_wait_rec("listening %llu", (unsigned long long)id));
  ASSERT(g_port == 0);
  ASSERT(stat(path, &st) == 0 && S_ISSOCK(st.st_mode));
  fd = cl_connect(AF_UNIX, path, 0, 0);
  cl_echo_text(fd, "hello over a Unix socket");
  cl_echo(fd, 1u << 20);
  /* The listener's exit removes the file it made. */
  cl_send(fd, "quit", 4);
  ASSERT(cl_closed(fd));
  ASSERT(t_wait_rec("exit %llu normal", (unsigned long long)id));
  ASSERT(stat(path, &st) != 0 && errno == ENOENT);
  close(fd);
  rmdir(dir);
  t_rt_done(rt);
  return 0;
}

static t_beh_t spread_beh; /* below, with the other spread tests */

TEST_IMPL(net_spread_unix) {
  act_runtime_t *rt = t_rt_start(2);
  char dir[] = "/tmp/act-net-XXXXXX", path[128], addr[140];
  act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;
  struct stat st;
  json_t *arg;
  act_id_t id;
  int fd;

  ASSERT(mkdtemp(dir) != NULL);
  snprintf(path, sizeof(path), "%s/conn.sock", dir);
  snprintf(addr, sizeof(addr), "unix:%s", path);
  arg = addr_arg(addr, 0);
  ASSERT(t_spawn_opts(rt, &spread_beh, &o, arg, &id) == 0);
  json_decref(arg);
  ASSERT(t_wait_rec("listening %llu", (unsigned long long)id));
  /* One acceptor: no SO_REUSEPORT for Unix sockets. */
  ASSERT(wait_sockets(rt, 1, 0));
  fd = cl_connect(AF_UNIX, path, 0, 0);
  cl_echo_text(fd, "a connection actor over a Unix socket");
  ASSERT(t_wait_count("conn ", 1));
  ASSERT(act_runtime_kill(rt, id, "shutdown") == 0);
  ASSERT(cl_closed(fd));
  ASSERT(t_wait_rec("exit %llu shutdown", (unsigned long long)id));
  ASSERT(stat(path, &st) != 0 && errno == ENOENT);
  ASSERT(wait_sockets(rt, 0, 0));
  close(fd);
  rmdir(dir);
  t_rt_done(rt);
  return 0;
}

/* ------------------------------------------------------------ connect */

static int dial_init(act_ctx_t *ctx, t_beh_t *b, json_t *arg) {
  act_sock_t s;
  act_sock_info_t info;

  (void)b;
  ASSERT(act_net_connect(ctx, "127.0.0.1",
                         (int)json_integer_value(json_object_get(arg, "to")),
                         NULL, &s) == 0);
  ASSERT(act_net_connect(ctx, "localhost",
                         (int)json_integer_value(json_object_get(arg, "refused")),
                         NULL, &s) == 0);
  ASSERT(act_net_info(ctx, s, &info) == 0);
  return 0;
}

static int dial_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  act_sock_info_t info;

  (void)b;
  if (m->type != ACT_MSG_NET)
    return 0;
  if (m->tag == ACT_NET_CONNECTED && m->reason == NULL) {
    ASSERT(act_net_info(ctx, m->ref, &info) == 0);
    ASSERT(info.kind == ACT_SOCK_TCP && info.peer[0] != '\0');
    t_rec("connected");
    return act_net_write(ctx, m->ref, "hello, listener", 15);
  }
  if (m->tag == ACT_NET_CONNECTED) {
    /* A failed socket is closed already. */
    ASSERT(act_net_info(ctx, m->ref, &info) == ACT_ENOENT);
    t_rec("failed %s", m->reason);
    return 0;
  }
  if (m->tag == ACT_NET_DATA)
    t_rec("dial got %.*s", (int)m->len, (const char *)m->data);
  return 0;
}

TEST_IMPL(net_connect) {
  act_runtime_t *rt = t_rt_start(2);
  t_beh_t dial = {.init = dial_init, .handle = dial_handle};
  act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;
  act_id_t id = spawn_echo(rt, "127.0.0.1", 0), d;
  json_t *arg;

  ASSERT(t_wait_rec("listening %llu", (unsigned long long)id));
  arg = json_pack("{s:i,s:i}", "to", (int)g_port, "refused", free_port());
  ASSERT(t_spawn_opts(rt, &dial, &o, arg, &d) == 0);
  json_decref(arg);
  ASSERT(t_wait_rec("connected"));
  ASSERT(t_wait_rec("dial got hello, listener"));
  ASSERT(t_wait_rec("failed connection refused"));
  t_rt_done(rt);
  return 0;
}

/* ------------------------------------------- a listener with a handler */

static void sched_cb(void *arg, const act_info_t *info) {
  *(int *)arg = info->sched;
}

/* A connection actor: echoes; "crash" fails it. */
static int conn_init(act_ctx_t *ctx, t_beh_t *b, json_t *arg) {
  act_sock_t s = act_net_adopted(ctx);
  act_sock_info_t info;
  int sched = -1;

  (void)b;
  (void)arg;
  ASSERT(s != 0);
  ASSERT(act_net_info(ctx, s, &info) == 0);
  ASSERT(info.kind == ACT_SOCK_UNIX ||
         (info.kind == ACT_SOCK_TCP && info.peer[0] != '\0'));
  ASSERT(act_runtime_info(act_runtime_of(ctx), act_self(ctx), sched_cb,
                          &sched) == 0);
  t_rec("conn %d", sched);
  return 0;
}

static int conn_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  (void)b;
  if (m->type != ACT_MSG_NET)
    return 0;
  if (m->tag == ACT_NET_DATA) {
    if (m->len >= 5 && memcmp(m->data, "crash", 5) == 0)
      return ACT_EINVAL;
    return act_net_write_msg(ctx, m->ref, m);
  }
  if (m->tag == ACT_NET_EOF)
    return act_exit(ctx, NULL);
  return 0;
}

static t_beh_t conn_beh = {.init = conn_init, .handle = conn_handle};

static int spread_init(act_ctx_t *ctx, t_beh_t *b, json_t *arg) {
  json_t *hargs = json_pack("{s:I}", "beh", (json_int_t)(intptr_t)&conn_beh);
  int rc = listen_from(ctx, b, arg, &t_plugin, hargs);

  json_decref(hargs);
  return rc;
}

static t_beh_t spread_beh = {.init = spread_init};

typedef struct acc_count {
  act_id_t owner;
  int n, bad;
} acc_count_t;

static void acc_cb(void *arg, const act_info_t *info) {
  acc_count_t *c = arg;

  if (strcmp(info->plugin, "acceptor") != 0)
    return;
  c->n++;
  if (info->supervisor != c->owner)
    c->bad++;
}

static act_id_t spawn_spread(act_runtime_t *rt) {
  act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;
  json_t *arg = addr_arg("127.0.0.1", 0);
  act_id_t id;

  ASSERT(t_spawn_opts(rt, &spread_beh, &o, arg, &id) == 0);
  json_decref(arg);
  ASSERT(t_wait_rec("listening %llu", (unsigned long long)id));
  return id;
}

TEST_IMPL(net_spread_schedulers) {
  act_runtime_t *rt = t_rt_start(2);
  act_id_t id = spawn_spread(rt);
  acc_count_t c = {.owner = id};
  int fds[32], i;
  act_stats_t st;

  /* One acceptor per scheduler, shown under the listener's owner. */
  ASSERT(t_wait_spawned(3));
  ASSERT(act_runtime_list(rt, acc_cb, &c) == 0);
  ASSERT_EQ(c.n, 2);
  ASSERT_EQ(c.bad, 0);
  st = stats_of(rt);
  ASSERT_EQ(st.listeners, 2);
  for (i = 0; i < 32; i++) {
    char text[32];
    fds[i] = cl_tcp(g_port);
    snprintf(text, sizeof(text), "connection %d", i);
    cl_echo_text(fds[i], text);
  }
  ASSERT(t_wait_count("conn ", 32));
  /* The kernel hashes connections over the two sockets: that all 32 land
     on one has a chance of 2^-31. */
  ASSERT(t_count_rec("conn 0") > 0);
  ASSERT(t_count_rec("conn 1") > 0);
  ASSERT_EQ(t_count_rec("conn 0") + t_count_rec("conn 1"), 32);
  st = stats_of(rt);
  ASSERT_EQ(st.accepted, 32);
  ASSERT_EQ(st.connections, 32);
  for (i = 0; i < 32; i++)
    close(fds[i]);
  t_rt_done(rt);
  return 0;
}

TEST_IMPL(net_conn_crash_alone) {
  act_runtime_t *rt = t_rt_start(2);
  act_id_t id = spawn_spread(rt);
  acc_count_t c = {.owner = id};
  int a, b;

  a = cl_tcp(g_port);
  b = cl_tcp(g_port);
  cl_echo_text(a, "first");
  cl_echo_text(b, "second");
  cl_send(a, "crash", 5);
  ASSERT(cl_closed(a));
  ASSERT(t_wait_count("exit ", 1));
  ASSERT_EQ(t_count_rec("exit "), 1);
  /* The other connection, the acceptors and the listener live on. */
  cl_echo_text(b, "still here");
  ASSERT(act_runtime_list(rt, acc_cb, &c) == 0);
  ASSERT_EQ(c.n, 2);
  close(a);
  close(b);
  t_rt_done(rt);
  return 0;
}

/* "close": close the listener and listen again on its port at once. */
static int reopen_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  json_t *hargs;
  act_net_opts_t o = ACT_NET_OPTS_INIT;
  act_sock_t s;
  int rc;

  if (m->type != ACT_MSG_USER)
    return 0;
  t_rec("closed %d", act_net_close(ctx, (act_sock_t)b->n));
  hargs = json_pack("{s:I}", "beh", (json_int_t)(intptr_t)&conn_beh);
  o.handler_desc = &t_plugin;
  o.handler_args = hargs;
  rc = act_net_listen(ctx, "127.0.0.1", g_port, &o, &s);
  json_decref(hargs);
  t_rec("relisten %d", rc);
  return 0;
}

TEST_IMPL(net_close_spread) {
  act_runtime_t *rt = t_rt_start(2);
  t_beh_t rb = {.init = spread_init, .handle = reopen_handle};
  act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;
  json_t *arg = addr_arg("127.0.0.1", 0);
  act_id_t id;
  int a, b, c;

  ASSERT(t_spawn_opts(rt, &rb, &o, arg, &id) == 0);
  json_decref(arg);
  ASSERT(t_wait_rec("listening %llu", (unsigned long long)id));
  a = cl_tcp(g_port);
  b = cl_tcp(g_port);
  cl_echo_text(a, "one");
  cl_echo_text(b, "two");
  ASSERT(t_wait_spawned(5));
  /* Closing the listener stops its acceptors, and they their connections;
     the owner lives on and has the port back at once. */
  ASSERT(act_runtime_send(rt, id, 0, "close", 5) == 0);
  ASSERT(t_wait_rec("closed 0"));
  ASSERT(t_wait_rec("relisten 0"));
  ASSERT(cl_closed(a));
  ASSERT(cl_closed(b));
  ASSERT(wait_sockets(rt, 2, 0));
  c = cl_tcp(g_port);
  cl_echo_text(c, "three");
  ASSERT(!t_has_rec("exit %llu shutdown", (unsigned long long)id));
  close(a);
  close(b);
  /* Stopped with a connection open: it closes with its listener. */
  t_rt_done(rt);
  ASSERT(cl_closed(c));
  close(c);
  return 0;
}

/* ----------------------------------------------------------- half close */

static char hc_buf[64];
static size_t hc_len;

static int hc_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  char out[80];

  (void)b;
  if (m->type != ACT_MSG_NET)
    return 0;
  if (m->tag == ACT_NET_DATA && hc_len + m->len <= sizeof(hc_buf)) {
    memcpy(hc_buf + hc_len, m->data, m->len);
    hc_len += m->len;
  } else if (m->tag == ACT_NET_EOF) {
    /* Half closed: the peer sends no more, but still reads. */
    snprintf(out, sizeof(out), "got:%.*s", (int)hc_len, hc_buf);
    ASSERT(act_net_write(ctx, m->ref, out, strlen(out)) == 0);
    t_rec("eof written");
    return act_net_close(ctx, m->ref);
  }
  return 0;
}

TEST_IMPL(net_half_close) {
  act_runtime_t *rt = t_rt_start(1);
  t_beh_t hc = {.init = echo_init, .handle = hc_handle};
  act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;
  json_t *arg = addr_arg("127.0.0.1", 0);
  char tail[4] = "";
  act_id_t id;
  int fd;

  ASSERT(t_spawn_opts(rt, &hc, &o, arg, &id) == 0);
  json_decref(arg);
  ASSERT(t_wait_rec("listening %llu", (unsigned long long)id));
  fd = cl_tcp(g_port);
  cl_send(fd, "ping", 4);
  ASSERT(shutdown(fd, SHUT_WR) == 0);
  ASSERT_EQ(cl_drain(fd, 0, tail), 8);
  ASSERT(strcmp(tail, "ing") == 0);
  ASSERT(t_wait_rec("eof written"));
  close(fd);
  ASSERT(wait_sockets(rt, 1, 0));
  t_rt_done(rt);
  return 0;
}

/* ------------------------------------------------------------ a reset */

static int reset_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  act_sock_info_t info;
  act_sock_t s;

  (void)b;
  if (m->type == ACT_MSG_USER) {
    /* After its last event the id is unknown. */
    memcpy(&s, m->data, sizeof(s));
    t_rec("after %d %d", act_net_write(ctx, s, "x", 1),
          act_net_close(ctx, s));
    return 0;
  }
  if (m->type != ACT_MSG_NET)
    return 0;
  if (m->tag == ACT_NET_DATA)
    t_rec("data %.*s", (int)m->len, (const char *)m->data);
  if (m->tag == ACT_NET_CLOSED) {
    /* Closed already; until this event is handled, writes are dropped. */
    t_rec("closed %s", m->reason);
    t_rec("in closed %d %d", act_net_write(ctx, m->ref, "x", 1),
          act_net_info(ctx, m->ref, &info));
    s = m->ref;
    return act_send(ctx, act_self(ctx), 1, &s, sizeof(s));
  }
  return 0;
}

TEST_IMPL(net_peer_reset) {
  act_runtime_t *rt = t_rt_start(1);
  t_beh_t rb = {.init = echo_init, .handle = reset_handle};
  act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;
  json_t *arg = addr_arg("127.0.0.1", 0);
  struct linger lg = {1, 0};
  act_id_t id;
  int fd;

  ASSERT(t_spawn_opts(rt, &rb, &o, arg, &id) == 0);
  json_decref(arg);
  ASSERT(t_wait_rec("listening %llu", (unsigned long long)id));
  fd = cl_tcp(g_port);
  cl_send(fd, "hello", 5);
  ASSERT(t_wait_rec("data hello"));
  /* Close with a reset rather than a FIN. */
  ASSERT(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0);
  close(fd);
  ASSERT(t_wait_rec("closed connection reset by peer"));
  ASSERT(t_wait_rec("in closed 0 %d", ACT_ENOENT));
  ASSERT(t_wait_rec("after %d %d", ACT_ENOENT, ACT_ENOENT));
  ASSERT(wait_sockets(rt, 1, 0));
  t_rt_done(rt);
  return 0;
}

/* ------------------------------------------------------- write bound */

#define BP_BOUND (64u * 1024u)
#define BP_CHUNK (16u * 1024u)
static _Atomic uint64_t g_total, g_queued;

static int bp_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  static char chunk[BP_CHUNK];
  act_sock_info_t info;
  uint64_t total = 0;
  int rc = 0, i;

  (void)b;
  if (m->type != ACT_MSG_NET)
    return 0;
  if (m->tag == ACT_NET_ACCEPTED) {
    /* Write until refused; the kernel's buffers take the first bytes. */
    for (i = 0; i < 100000 && (rc = act_net_write(ctx, m->ref, chunk,
                                                   sizeof(chunk))) == 0;
         i++)
      total += sizeof(chunk);
    ASSERT(rc == ACT_EAGAIN);
    ASSERT(act_net_info(ctx, m->ref, &info) == 0);
    /* Refused once at the bound: nothing more was queued. */
    ASSERT(act_net_write(ctx, m->ref, chunk, sizeof(chunk)) == ACT_EAGAIN);
    g_total = total;
    g_queued = info.queued;
    t_rec("eagain");
  } else if (m->tag == ACT_NET_WRITABLE) {
    ASSERT(act_net_info(ctx, m->ref, &info) == 0);
    ASSERT(info.queued <= BP_BOUND / 2);
    t_rec("writable");
    ASSERT(act_net_write(ctx, m->ref, "END", 3) == 0);
    return act_net_close(ctx, m->ref);
  }
  return 0;
}

TEST_IMPL(net_write_backpressure) {
  act_runtime_t *rt = t_rt_start(1);
  t_beh_t bp = {.init = echo_init, .handle = bp_handle};
  act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;
  json_t *arg = json_pack("{s:s,s:i,s:i}", "addr", "127.0.0.1", "port", 0,
                          "wb", (int)BP_BOUND);
  char tail[4] = "";
  act_id_t id;
  int fd;

  ASSERT(t_spawn_opts(rt, &bp, &o, arg, &id) == 0);
  json_decref(arg);
  ASSERT(t_wait_rec("listening %llu", (unsigned long long)id));
  fd = cl_connect(AF_INET, "127.0.0.1", g_port, 4096);
  ASSERT(t_wait_rec("eagain"));
  ASSERT(g_queued >= BP_BOUND && g_queued < BP_BOUND + BP_CHUNK);
  ASSERT(!t_has_rec("writable"));
  /* The peer reads: the queue drains, WRITABLE comes, the rest follows. */
  ASSERT_EQ(cl_drain(fd, 0, tail), g_total + 3);
  ASSERT(strcmp(tail, "END") == 0);
  ASSERT(t_has_rec("writable"));
  close(fd);
  t_rt_done(rt);
  return 0;
}

/* --------------------------------------------------------- read bound */

#define RP_BOUND (64u * 1024u)
#define RP_TOTAL (2u << 20)
static _Atomic uint64_t g_max_unread, g_read;

static int rp_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  struct timespec ms = {0, 1000000};
  uint64_t u;

  (void)b;
  if (m->type != ACT_MSG_NET || m->tag != ACT_NET_DATA)
    return 0;
  u = act__net_unread(ctx, m->ref);
  if (u > g_max_unread)
    g_max_unread = u;
  g_read += m->len;
  if (g_read == RP_TOTAL)
    t_rec("read all");
  /* A slow handler: the peer sends far faster than this. */
  nanosleep(&ms, NULL);
  return 0;
}

TEST_IMPL(net_read_pause) {
  act_runtime_t *rt = t_rt_start(1);
  t_beh_t rp = {.init = echo_init, .handle = rp_handle};
  act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;
  json_t *arg = json_pack("{s:s,s:i,s:i}", "addr", "127.0.0.1", "port", 0,
                          "rb", (int)RP_BOUND);
  static char buf[RP_TOTAL];
  act_id_t id;
  int fd;

  ASSERT(t_spawn_opts(rt, &rp, &o, arg, &id) == 0);
  json_decref(arg);
  ASSERT(t_wait_rec("listening %llu", (unsigned long long)id));
  fd = cl_tcp(g_port);
  cl_send(fd, buf, sizeof(buf));
  ASSERT(t_wait_rec("read all"));
  /* Unhandled bytes stayed within the bound plus one read. */
  fprintf(stderr, "most unread: %llu\n", (unsigned long long)g_max_unread);
  ASSERT(g_max_unread > 0);
  ASSERT(g_max_unread <= RP_BOUND + 64u * 1024u);
  close(fd);
  t_rt_done(rt);
  return 0;
}

/* ---------------------------------------------- exits, closes, restarts */

TEST_IMPL(net_owner_exit_closes) {
  act_runtime_t *rt = t_rt_start(2);
  act_id_t id = spawn_echo(rt, "127.0.0.1", 0);
  int a, b;

  ASSERT(t_wait_rec("listening %llu", (unsigned long long)id));
  a = cl_tcp(g_port);
  b = cl_tcp(g_port);
  cl_echo_text(a, "one");
  cl_echo_text(b, "two");
  ASSERT_EQ(stats_of(rt).connections, 2);
  cl_send(a, "quit", 4);
  /* Both connections and the listener close with their owner. */
  ASSERT(cl_closed(a));
  ASSERT(cl_closed(b));
  ASSERT(wait_sockets(rt, 0, 0));
  ASSERT_EQ(stats_of(rt).accepted, 2);
  close(a);
  close(b);
  t_rt_done(rt);
  return 0;
}

/* More than the kernel's buffers take, so that most of it waits in the
   socket's queue when the actor closes and exits. */
#define FL_TOTAL (16u << 20)

static int flush_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  static char big[FL_TOTAL];
  act_sock_info_t info;
  size_t i;

  (void)b;
  if (m->type != ACT_MSG_NET || m->tag != ACT_NET_ACCEPTED)
    return 0;
  for (i = 0; i < sizeof(big); i++)
    big[i] = (char)(i * 7);
  ASSERT(act_net_write(ctx, m->ref, big, sizeof(big)) == 0);
  ASSERT(act_net_info(ctx, m->ref, &info) == 0);
  t_rec("queued %s", info.queued > 0 ? "some" : "none");
  /* Close and exit at once: the queued bytes still go out. */
  ASSERT(act_net_close(ctx, m->ref) == 0);
  ASSERT(act_net_write(ctx, m->ref, "x", 1) == ACT_ENOENT);
  return act_exit(ctx, NULL);
}

/* The flush, by an actor on a scheduler or on a thread of its own (which
   stays until its closed sockets have sent their bytes). */
static int close_flushes(uint32_t flags) {
  act_runtime_t *rt = t_rt_start(1);
  t_beh_t fl = {.init = echo_init, .handle = flush_handle};
  act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;
  json_t *arg = json_pack("{s:s,s:i,s:i}", "addr", "127.0.0.1", "port", 0,
                          "wb", (int)(2 * FL_TOTAL));
  act_id_t id;
  int fd;

  o.flags = flags;
  ASSERT(t_spawn_opts(rt, &fl, &o, arg, &id) == 0);
  json_decref(arg);
  ASSERT(t_wait_rec("listening %llu", (unsigned long long)id));
  fd = cl_connect(AF_INET, "127.0.0.1", g_port, 4096);
  ASSERT(t_wait_rec("exit %llu normal", (unsigned long long)id));
  ASSERT(t_has_rec("queued some"));
  ASSERT_EQ(cl_drain(fd, 1, NULL), FL_TOTAL);
  close(fd);
  ASSERT(wait_sockets(rt, 0, 0));
  t_rt_done(rt);
  return 0;
}

TEST_IMPL(net_close_flushes) { return close_flushes(0); }

TEST_IMPL(net_close_flushes_dedicated) {
  return close_flushes(ACT_SPAWN_DEDICATED);
}

/* The linger period of these tests: short, so that a reader that needs
   many periods for the whole queue takes seconds, not minutes. */
#define SLOW_LINGER_MS 1000u
/* A slow reader's pace: a read of at most 64 KiB every 10 ms, so that the
   16 MiB of flush_handle take at least 2.5 s, several linger periods. */
#define SLOW_PAUSE_NS 10000000L

/* Read (and check) up to max pattern bytes, a pause after each read; stop
   at EOF. The bytes read. */
static size_t cl_read_slowly(int fd, size_t max) {
  struct timespec pause = {0, SLOW_PAUSE_NS};
  static char buf[65536];
  size_t total = 0;

  while (total < max) {
    size_t want = max - total < sizeof(buf) ? max - total : sizeof(buf);
    ssize_t r = recv(fd, buf, want, 0), i;
    if (r == 0)
      break;
    if (r < 0) {
      fprintf(stderr, "recv after %zu bytes: %s\n", total, strerror(errno));
      ASSERT(0);
    }
    for (i = 0; i < r; i++)
      ASSERT(buf[i] == (char)((total + (size_t)i) * 7));
    total += (size_t)r;
    nanosleep(&pause, NULL);
  }
  return total;
}

/* A closed socket whose peer reads slowly but steadily is not cut off by
   the linger period: the peer gets every byte, though reading them takes
   several periods. */
TEST_IMPL(net_close_slow_reader) {
  act_runtime_t *rt;
  t_beh_t fl = {.init = echo_init, .handle = flush_handle};
  act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;
  json_t *arg = json_pack("{s:s,s:i,s:i}", "addr", "127.0.0.1", "port", 0,
                          "wb", (int)(2 * FL_TOTAL));
  uint64_t start;
  act_id_t id;
  char c;
  int fd;

  act__net_linger_ms = SLOW_LINGER_MS;
  rt = t_rt_start(1);
  ASSERT(t_spawn_opts(rt, &fl, &o, arg, &id) == 0);
  json_decref(arg);
  ASSERT(t_wait_rec("listening %llu", (unsigned long long)id));
  fd = cl_connect(AF_INET, "127.0.0.1", g_port, 65536);
  ASSERT(t_wait_rec("exit %llu normal", (unsigned long long)id));
  ASSERT(t_has_rec("queued some"));
  start = t_now_ms();
  ASSERT_EQ(cl_read_slowly(fd, FL_TOTAL), FL_TOTAL);
  fprintf(stderr, "read in %llu ms, linger period %u ms\n",
          (unsigned long long)(t_now_ms() - start), SLOW_LINGER_MS);
  /* Then the end of the stream, and the socket closes. */
  ASSERT(recv(fd, &c, 1, 0) == 0);
  close(fd);
  ASSERT(wait_sockets(rt, 0, 0));
  t_rt_done(rt);
  return 0;
}

/* A peer that stops reading still does not keep a closed socket: a period
   without progress closes it, with the rest of its queue unsent. */
TEST_IMPL(net_close_reader_stops) {
  act_runtime_t *rt;
  t_beh_t fl = {.init = echo_init, .handle = flush_handle};
  act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;
  json_t *arg = json_pack("{s:s,s:i,s:i}", "addr", "127.0.0.1", "port", 0,
                          "wb", (int)(2 * FL_TOTAL));
  act_id_t id;
  int fd;

  act__net_linger_ms = SLOW_LINGER_MS;
  rt = t_rt_start(1);
  ASSERT(t_spawn_opts(rt, &fl, &o, arg, &id) == 0);
  json_decref(arg);
  ASSERT(t_wait_rec("listening %llu", (unsigned long long)id));
  fd = cl_connect(AF_INET, "127.0.0.1", g_port, 65536);
  ASSERT(t_wait_rec("exit %llu normal", (unsigned long long)id));
  ASSERT(t_has_rec("queued some"));
  ASSERT_EQ(cl_read_slowly(fd, FL_TOTAL / 16), FL_TOTAL / 16);
  /* The peer reads no more: the socket goes within a few periods. */
  ASSERT(wait_sockets(rt, 0, 0));
  ASSERT(cl_drain(fd, 1, NULL) < FL_TOTAL - FL_TOTAL / 16);
  close(fd);
  t_rt_done(rt);
  return 0;
}

TEST_IMPL(net_listener_restart) {
  act_runtime_t *rt = t_rt_start(2);
  act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;
  int port = free_port(), fd;
  json_t *args;
  act_id_t sup;

  ASSERT(act_runtime_register(rt, &act_supervisor_plugin) == 0);
  args = json_pack("{s:[{s:s,s:{s:I,s:{s:s,s:i}}}]}", "children", "plugin",
                   "tbeh", "args", "beh", (json_int_t)(intptr_t)&echo_beh,
                   "arg", "addr", "127.0.0.1", "port", port);
  o.plugin = "supervisor";
  o.args = args;
  ASSERT(act_runtime_spawn(rt, &o, &sup) == 0);
  json_decref(args);
  ASSERT(t_wait_count("listening ", 1));
  fd = cl_tcp(port);
  cl_echo_text(fd, "before");
  /* The listener crashes; its restart gets the port back at once. */
  cl_send(fd, "crash", 5);
  ASSERT(cl_closed(fd));
  close(fd);
  ASSERT(t_wait_count("listening ", 2));
  ASSERT_EQ(t_count_rec("listen-fail"), 0);
  fd = cl_tcp(port);
  cl_echo_text(fd, "after");
  close(fd);
  t_rt_done(rt);
  return 0;
}

/* -------------------------------------------------------- bad input */

#define CHECK(what, expr, want)                                             \
  do {                                                                      \
    int rc_ = (expr);                                                       \
    if (rc_ != (want))                                                      \
      t_rec("bad %s: %d, not %d", what, rc_, want);                         \
  } while (0)

static char g_busy_path[160];
static _Atomic int g_plain_port;

static int err_init(act_ctx_t *ctx, t_beh_t *b, json_t *arg) {
  act_net_opts_t o = ACT_NET_OPTS_INIT;
  act_sock_info_t info;
  act_sock_t s, s2;
  char addr[200];
  int port;

  (void)b;
  (void)arg;
  ASSERT(act_net_listen(ctx, "127.0.0.1", 0, NULL, &s) == 0);
  ASSERT(act_net_info(ctx, s, &info) == 0);
  port = info.port;
  ASSERT(strncmp(info.local, "127.0.0.1:", 10) == 0 && info.peer[0] == 0);
  CHECK("same address", act_net_listen(ctx, "127.0.0.1", port, NULL, &s2),
        ACT_EADDRINUSE);
  CHECK("wildcard over it", act_net_listen(ctx, "0.0.0.0", port, NULL, &s2),
        ACT_EADDRINUSE);
  CHECK("localhost", act_net_listen(ctx, "localhost", port, NULL, &s2),
        ACT_EADDRINUSE);
  CHECK("plain socket's port",
        act_net_listen(ctx, "127.0.0.1", g_plain_port, NULL, &s2),
        ACT_EADDRINUSE);
  o.handler = "tbeh";
  CHECK("plain socket's port, spread",
        act_net_listen(ctx, "127.0.0.1", g_plain_port, &o, &s2),
        ACT_EADDRINUSE);
  o.handler = "no-such-plugin";
  CHECK("no handler", act_net_listen(ctx, "127.0.0.1", 0, &o, &s2),
        ACT_ENOENT);
  o.handler = "tbeh";
  o.handler_desc = &t_plugin;
  CHECK("two handlers", act_net_listen(ctx, "127.0.0.1", 0, &o, &s2),
        ACT_EINVAL);
  o.handler = NULL;
  o.handler_desc = NULL;
  o.flags = 1;
  CHECK("flags", act_net_listen(ctx, "127.0.0.1", 0, &o, &s2), ACT_EINVAL);
  CHECK("NULL", act_net_listen(ctx, NULL, 0, NULL, &s2), ACT_EINVAL);
  CHECK("empty", act_net_listen(ctx, "", 0, NULL, &s2), ACT_EINVAL);
  CHECK("1.2.3", act_net_listen(ctx, "1.2.3", 0, NULL, &s2), ACT_EINVAL);
  CHECK("256.1.1.1", act_net_listen(ctx, "256.1.1.1", 0, NULL, &s2),
        ACT_EINVAL);
  CHECK("[::1", act_net_listen(ctx, "[::1", 0, NULL, &s2), ACT_EINVAL);
  CHECK("[127.0.0.1]", act_net_listen(ctx, "[127.0.0.1]", 0, NULL, &s2),
        ACT_EINVAL);
  CHECK("a name", act_net_listen(ctx, "example.com", 0, NULL, &s2),
        ACT_EINVAL);
  CHECK("port -1", act_net_listen(ctx, "127.0.0.1", -1, NULL, &s2),
        ACT_EINVAL);
  CHECK("port 65536", act_net_listen(ctx, "127.0.0.1", 65536, NULL, &s2),
        ACT_EINVAL);
  CHECK("unix:", act_net_listen(ctx, "unix:", 0, NULL, &s2), ACT_EINVAL);
  CHECK("connect port 0", act_net_connect(ctx, "127.0.0.1", 0, NULL, &s2),
        ACT_EINVAL);
  CHECK("no sock", act_net_listen(ctx, "127.0.0.1", 0, NULL, NULL),
        ACT_EINVAL);
  snprintf(addr, sizeof(addr), "unix:%s", g_busy_path);
  CHECK("over a file", act_net_listen(ctx, addr, 0, NULL, &s2),
        ACT_EADDRINUSE);
  CHECK("write a listener", act_net_write(ctx, s, "x", 1), ACT_EINVAL);
  CHECK("never a socket", act_net_write(ctx, 999999, "x", 1), ACT_ENOENT);
  CHECK("close", act_net_close(ctx, s), 0);
  CHECK("closed: close", act_net_close(ctx, s), ACT_ENOENT);
  CHECK("closed: info", act_net_info(ctx, s, &info), ACT_ENOENT);
  CHECK("closed: pause", act_net_pause(ctx, s, 1), ACT_ENOENT);
  CHECK("closed: shutdown", act_net_shutdown(ctx, s), ACT_ENOENT);
  /* Closed: the address is free again, at once. */
  CHECK("again", act_net_listen(ctx, "127.0.0.1", port, NULL, &s2), 0);
  g_sock = s2;
  t_rec("errors done");
  return 0;
}

/* Another actor's socket is not ours. */
static int thief_init(act_ctx_t *ctx, t_beh_t *b, json_t *arg) {
  act_sock_info_t info;

  (void)b;
  (void)arg;
  CHECK("theirs: write", act_net_write(ctx, g_sock, "x", 1), ACT_ENOENT);
  CHECK("theirs: info", act_net_info(ctx, g_sock, &info), ACT_ENOENT);
  CHECK("theirs: close", act_net_close(ctx, g_sock), ACT_ENOENT);
  t_rec("thief done");
  return 0;
}

TEST_IMPL(net_errors) {
  act_runtime_t *rt = t_rt_start(2);
  t_beh_t eb = {.init = err_init}, tb = {.init = thief_init};
  struct sockaddr_in sin = {.sin_family = AF_INET};
  socklen_t len = sizeof(sin);
  char dir[] = "/tmp/act-net-XXXXXX";
  struct stat st;
  act_id_t id;
  int plain, f;

  /* A port held by a plain socket, and a file where a socket would go. */
  plain = socket(AF_INET, SOCK_STREAM, 0);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT(bind(plain, (struct sockaddr *)&sin, sizeof(sin)) == 0);
  ASSERT(listen(plain, 1) == 0);
  ASSERT(getsockname(plain, (struct sockaddr *)&sin, &len) == 0);
  g_plain_port = ntohs(sin.sin_port);
  ASSERT(mkdtemp(dir) != NULL);
  snprintf(g_busy_path, sizeof(g_busy_path), "%s/busy", dir);
  f = open(g_busy_path, O_CREAT | O_WRONLY, 0600);
  ASSERT(f >= 0);
  close(f);

  ASSERT(t_spawn(rt, &eb, 0, NULL, &id) == 0);
  ASSERT(t_wait_rec("errors done"));
  ASSERT(t_spawn(rt, &tb, 0, NULL, &id) == 0);
  ASSERT(t_wait_rec("thief done"));
  ASSERT_EQ(t_count_rec("bad "), 0);
  /* The file that was in the way is still there. */
  ASSERT(stat(g_busy_path, &st) == 0 && S_ISREG(st.st_mode));
  unlink(g_busy_path);
  rmdir(dir);
  close(plain);
  t_rt_done(rt);
  return 0;
}

/* ------------------------------------------------------------- inspect */

static char g_inspect[2048];

static int probe_init(act_ctx_t *ctx, t_beh_t *b, json_t *arg) {
  (void)b;
  (void)arg;
  return act_inspect(ctx, g_owner, 5000, NULL);
}

static int probe_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  char *text;

  (void)ctx;
  (void)b;
  if (m->type != ACT_MSG_REPLY)
    return 0;
  text = json_dumps(json_object_get(m->json, "sockets"), JSON_SORT_KEYS);
  ASSERT(text != NULL);
  snprintf(g_inspect, sizeof(g_inspect), "%s", text);
  free(text);
  t_rec("inspected");
  return 0;
}

TEST_IMPL(net_inspect) {
  act_runtime_t *rt = t_rt_start(2);
  t_beh_t probe = {.init = probe_init, .handle = probe_handle};
  act_id_t id = spawn_echo(rt, "127.0.0.1", 0), p;
  json_t *arr, *el, *lis = NULL, *con = NULL;
  char local[64];
  size_t i;
  int fd;

  ASSERT(t_wait_rec("listening %llu", (unsigned long long)id));
  fd = cl_tcp(g_port);
  cl_echo_text(fd, "twelve bytes");
  ASSERT(t_spawn(rt, &probe, 0, NULL, &p) == 0);
  ASSERT(t_wait_rec("inspected"));
  arr = json_loads(g_inspect, 0, NULL);
  ASSERT(json_is_array(arr) && json_array_size(arr) == 2);
  json_array_foreach(arr, i, el) {
    const char *kind = json_string_value(json_object_get(el, "kind"));
    ASSERT(kind != NULL);
    ASSERT(json_is_integer(json_object_get(el, "socket")));
    ASSERT(json_is_string(json_object_get(el, "local")));
    ASSERT(json_is_string(json_object_get(el, "peer")));
    ASSERT(json_is_integer(json_object_get(el, "bytes_in")));
    ASSERT(json_is_integer(json_object_get(el, "bytes_out")));
    ASSERT(json_is_integer(json_object_get(el, "queued")));
    if (strcmp(kind, "listener") == 0)
      lis = el;
    else if (strcmp(kind, "tcp") == 0)
      con = el;
  }
  ASSERT(lis != NULL && con != NULL);
  snprintf(local, sizeof(local), "127.0.0.1:%d", (int)g_port);
  ASSERT(strcmp(json_string_value(json_object_get(lis, "local")), local) == 0);
  ASSERT(strcmp(json_string_value(json_object_get(lis, "peer")), "") == 0);
  ASSERT_EQ(json_integer_value(json_object_get(lis, "socket")), g_sock);
  ASSERT(strcmp(json_string_value(json_object_get(con, "local")), local) == 0);
  ASSERT(strncmp(json_string_value(json_object_get(con, "peer")), "127.0.0.1:",
                 10) == 0);
  ASSERT_EQ(json_integer_value(json_object_get(con, "bytes_in")), 12);
  ASSERT_EQ(json_integer_value(json_object_get(con, "bytes_out")), 12);
  ASSERT_EQ(json_integer_value(json_object_get(con, "queued")), 0);
  json_decref(arr);

  /* An actor without sockets shows an empty array. */
  g_owner = p;
  t_rec("reset");
  ASSERT(t_spawn(rt, &probe, 0, NULL, &p) == 0);
  ASSERT(t_wait_count("inspected", 2));
  ASSERT(strcmp(g_inspect, "[]") == 0);
  close(fd);
  t_rt_done(rt);
  return 0;
}

/* ------------------------------------------------- stop with sockets */

static int stop_handle(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *m) {
  static char big[1 << 20];

  if (m->type != ACT_MSG_NET || m->tag != ACT_NET_ACCEPTED)
    return 0;
  if (b->n > 0 && b->peer == 0) {
    /* The first connection: a megabyte its peer never reads, then close:
       it lingers. The second stays open. */
    b->peer = 1;
    ASSERT(act_net_write(ctx, m->ref, big, sizeof(big)) == 0);
    ASSERT(act_net_close(ctx, m->ref) == 0);
    t_rec("lingering");
  } else {
    t_rec("open");
  }
  return 0;
}

TEST_IMPL(net_stop_with_sockets) {
  act_runtime_t *rt = t_rt_start(2);
  t_beh_t sb = {.init = echo_init, .handle = stop_handle};
  act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;
  json_t *arg = json_pack("{s:s,s:i,s:i}", "addr", "127.0.0.1", "port", 0,
                          "wb", (int)(4u << 20));
  act_id_t id;
  int a, b;

  ASSERT(t_spawn_opts(rt, &sb, &o, arg, &id) == 0);
  json_decref(arg);
  ASSERT(t_wait_rec("listening %llu", (unsigned long long)id));
  a = cl_connect(AF_INET, "127.0.0.1", g_port, 4096);
  ASSERT(t_wait_rec("lingering"));
  b = cl_tcp(g_port);
  ASSERT(t_wait_rec("open"));
  ASSERT_EQ(stats_of(rt).connections, 2);
  /* The stop neither hangs on them nor leaks them (ASan, valgrind). */
  t_rt_done(rt);
  ASSERT(cl_closed(b));
  close(a);
  close(b);
  return 0;
}
