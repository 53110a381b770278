/*
 * uv_peer - the plain libuv server the network benchmarks compare actord's
 * network actors with (tests/bench/net.sh runs it).
 *
 *   uv_peer [-j THREADS] http PORT BODY
 *       answers every HTTP/1.1 request, pipelined and kept alive, with the
 *       bytes the http_hello plugin sends:
 *       "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: N
 *       \r\n\r\nBODY"
 *   uv_peer [-j THREADS] echo PORT
 *       sends back every byte it receives
 *
 * It listens on 127.0.0.1:PORT (0: the kernel picks one) and prints
 * "listening on PORT" once every loop accepts. -j THREADS (default 2) runs
 * one thread per loop, each with its own SO_REUSEPORT listening socket, so
 * the kernel spreads connections over them: the same arrangement as
 * actord's listener with 2 schedulers, so that what the comparison measures
 * is the runtime around the loop, not a different architecture.
 *
 * Bounds as actord's: at most WRITE_BOUND bytes wait unsent per connection;
 * reading pauses above it and resumes when the queue has drained to half,
 * so a client that sends and never reads holds bounded memory.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#define READ_SIZE (64 * 1024)
#define WRITE_BOUND (1024 * 1024)
#define MAX_THREADS 64

enum { MODE_HTTP, MODE_ECHO };

typedef struct peer_loop {
  uv_loop_t loop;
  uv_tcp_t listener;
  int fd;
  pthread_t thread;
} peer_loop_t;

/* One accepted connection. The handle comes first so that a uv_stream_t *
   is also a peer_conn_t *; it is freed in its close callback only. */
typedef struct peer_conn {
  uv_tcp_t tcp;
  char rbuf[READ_SIZE];
  unsigned match;  /* how much of "\r\n\r\n" the last bytes matched */
  int reading;     /* 0 while paused by the write bound */
} peer_conn_t;

/* A write whose bytes the kernel did not take at once: the request and
   its own copy of the bytes in one block. */
typedef struct peer_write {
  uv_write_t req;
  size_t len;
  char data[];
} peer_write_t;

static int mode;
static char *response;     /* the whole HTTP response, built once */
static size_t response_len;

static void die(const char *fmt, const char *arg) {
  fprintf(stderr, "uv_peer: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n");
  exit(1);
}

static void usage(void) {
  fprintf(stderr, "usage: uv_peer [-j THREADS] http PORT BODY\n"
                  "       uv_peer [-j THREADS] echo PORT\n");
  exit(2);
}

static long parse_num(const char *s, long max, const char *what) {
  char *end;
  long v;
  errno = 0;
  v = strtol(s, &end, 10);
  if (*s == '\0' || *end != '\0' || errno != 0 || v < 0 || v > max) {
    fprintf(stderr, "uv_peer: %s must be an integer from 0 to %ld: %s\n",
            what, max, s);
    exit(2);
  }
  return v;
}

static void conn_close_cb(uv_handle_t *h) { free(h); }

static void conn_close(peer_conn_t *c) {
  if (!uv_is_closing((uv_handle_t *)&c->tcp))
    uv_close((uv_handle_t *)&c->tcp, conn_close_cb);
}

static void conn_alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  peer_conn_t *c = (peer_conn_t *)h;
  buf->base = c->rbuf;
  buf->len = sizeof c->rbuf;
}

static void conn_read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf);

static void conn_write_cb(uv_write_t *req, int status) {
  peer_write_t *w = (peer_write_t *)req;
  peer_conn_t *c = (peer_conn_t *)req->handle;
  free(w);
  if (status < 0) {
    conn_close(c);
    return;
  }
  /* Resume reading once the queue has drained to half its bound. */
  if (!c->reading && !uv_is_closing((uv_handle_t *)&c->tcp) &&
      c->tcp.write_queue_size <= WRITE_BOUND / 2) {
    if (uv_read_start((uv_stream_t *)&c->tcp, conn_alloc_cb, conn_read_cb) == 0)
      c->reading = 1;
  }
}

/* Send len bytes: what the kernel takes at once is written without a copy,
   the rest is copied and queued. Returns 0 or a libuv error. */
static int conn_send(peer_conn_t *c, const char *data, size_t len) {
  uv_buf_t b = uv_buf_init((char *)data, (unsigned)len);
  peer_write_t *w;
  int n, err;

  if (c->tcp.write_queue_size == 0) {
    n = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
    if (n == (int)len) return 0;
    if (n < 0 && n != UV_EAGAIN) return n;
    if (n > 0) {
      data += n;
      len -= (size_t)n;
    }
  }
  w = malloc(sizeof *w + len);
  if (w == NULL) return UV_ENOMEM;
  w->len = len;
  memcpy(w->data, data, len);
  b = uv_buf_init(w->data, (unsigned)len);
  err = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, conn_write_cb);
  if (err < 0) {
    free(w);
    return err;
  }
  if (c->tcp.write_queue_size > WRITE_BOUND) {
    uv_read_stop((uv_stream_t *)&c->tcp);
    c->reading = 0;
  }
  return 0;
}

/* Count the requests that end in data: a request ends with its header's
   empty line. The match state carries over reads, so a request split
   anywhere across reads is counted once. (wrk's requests have no body.) */
static size_t http_count(peer_conn_t *c, const char *p, size_t n) {
  static const char end[4] = {'\r', '\n', '\r', '\n'};
  size_t done = 0, i;
  unsigned m = c->match;
  for (i = 0; i < n; i++) {
    if (p[i] == end[m]) {
      if (++m == 4) {
        done++;
        m = 0;
      }
    } else {
      m = p[i] == '\r' ? 1 : 0;
    }
  }
  c->match = m;
  return done;
}

/* Answer the requests that ended in this read with one write, so that a
   pipelined batch costs one system call as it does in nginx. */
static int http_answer(peer_conn_t *c, size_t requests) {
  char *all;
  size_t i;
  int err;
  if (requests == 1) return conn_send(c, response, response_len);
  all = malloc(requests * response_len);
  if (all == NULL) return UV_ENOMEM;
  for (i = 0; i < requests; i++)
    memcpy(all + i * response_len, response, response_len);
  err = conn_send(c, all, requests * response_len);
  free(all);
  return err;
}

static void conn_read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  peer_conn_t *c = (peer_conn_t *)s;
  size_t requests;
  int err = 0;

  if (n < 0) {
    conn_close(c);
    return;
  }
  if (n == 0) return;
  if (mode == MODE_ECHO) {
    err = conn_send(c, buf->base, (size_t)n);
  } else {
    requests = http_count(c, buf->base, (size_t)n);
    if (requests > 0) err = http_answer(c, requests);
  }
  if (err < 0) conn_close(c);
}

static void listener_cb(uv_stream_t *server, int status) {
  peer_conn_t *c;
  if (status < 0) return;
  c = malloc(sizeof *c);
  if (c == NULL) return;
  c->match = 0;
  c->reading = 1;
  uv_tcp_init(server->loop, &c->tcp);
  if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
    conn_close(c);
    return;
  }
  /* nginx sets TCP_NODELAY on keep-alive connections; so do we. */
  uv_tcp_nodelay(&c->tcp, 1);
  if (uv_read_start((uv_stream_t *)&c->tcp, conn_alloc_cb, conn_read_cb) != 0)
    conn_close(c);
}

/* A listening socket on 127.0.0.1:port with SO_REUSEPORT, so that every
   loop binds one of its own; returns the fd and sets *bound to the port. */
static int listen_socket(int port, int *bound) {
  struct sockaddr_in sa;
  socklen_t len = sizeof sa;
  int fd, one = 1;

  fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket: %s", strerror(errno));
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
    die("setsockopt: %s", strerror(errno));
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
    die("cannot bind 127.0.0.1: %s", strerror(errno));
  if (getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
    die("getsockname: %s", strerror(errno));
  *bound = ntohs(sa.sin_port);
  return fd;
}

static void *loop_main(void *arg) {
  peer_loop_t *l = arg;
  uv_run(&l->loop, UV_RUN_DEFAULT);
  return NULL;
}

int main(int argc, char **argv) {
  static peer_loop_t loops[MAX_THREADS];
  const char *body = NULL;
  int threads = 2, port, bound = 0, i, opt, err;

  while ((opt = getopt(argc, argv, "+j:h")) != -1) {
    switch (opt) {
    case 'j': threads = (int)parse_num(optarg, MAX_THREADS, "THREADS"); break;
    default: usage();
    }
  }
  argc -= optind;
  argv += optind;
  if (threads < 1) die("%s", "THREADS must be at least 1");
  if (argc < 2) usage();
  if (strcmp(argv[0], "http") == 0) {
    if (argc != 3) usage();
    mode = MODE_HTTP;
    body = argv[2];
  } else if (strcmp(argv[0], "echo") == 0) {
    if (argc != 2) usage();
    mode = MODE_ECHO;
  } else {
    fprintf(stderr, "uv_peer: unknown mode %s (http or echo)\n", argv[0]);
    exit(2);
  }
  port = (int)parse_num(argv[1], 65535, "PORT");

  if (mode == MODE_HTTP) {
    size_t blen = strlen(body);
    int n = snprintf(NULL, 0,
                     "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                     "Content-Length: %zu\r\n\r\n%s", blen, body);
    response = malloc((size_t)n + 1);
    if (response == NULL) die("%s", "out of memory");
    snprintf(response, (size_t)n + 1,
             "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
             "Content-Length: %zu\r\n\r\n%s", blen, body);
    response_len = (size_t)n;
  }
  signal(SIGPIPE, SIG_IGN);

  /* Bind every socket before any loop runs, so that a port in use is one
     error here rather than a thread that quietly does not listen; with
     port 0 the first socket's port is the one the others take. */
  for (i = 0; i < threads; i++) {
    loops[i].fd = listen_socket(i == 0 ? port : bound, &bound);
    if ((err = uv_loop_init(&loops[i].loop)) != 0 ||
        (err = uv_tcp_init(&loops[i].loop, &loops[i].listener)) != 0 ||
        (err = uv_tcp_open(&loops[i].listener, loops[i].fd)) != 0 ||
        (err = uv_listen((uv_stream_t *)&loops[i].listener, 511,
                         listener_cb)) != 0)
      die("cannot listen: %s", uv_strerror(err));
  }
  for (i = 0; i < threads; i++)
    if (pthread_create(&loops[i].thread, NULL, loop_main, &loops[i]) != 0)
      die("%s", "cannot start a thread");
  printf("listening on %d\n", bound);
  fflush(stdout);
  for (i = 0; i < threads; i++) pthread_join(loops[i].thread, NULL);
  return 0;
}
