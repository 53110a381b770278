/*
 * echo-client - the client of the tcp_echo workload (tests/bench/net.sh).
 *
 *   echo-client [-c CONNECTIONS] [-b BYTES] [-w WINDOW] [-t SECONDS] HOST PORT
 *
 * Opens CONNECTIONS (default 16) TCP connections to an echo server at once;
 * through each it pushes BYTES (default 64M; K, M and G suffixes are powers
 * of 1024) while reading the echo back, with at most WINDOW bytes (default
 * 256K) sent and not yet echoed, so that the server is never idle waiting
 * for the client and never holds more than a window per connection. Every
 * byte that comes back is compared with what was sent (a pattern of period
 * 251, so that a lost, repeated or reordered chunk shows), and the run fails
 * if one differs, if a connection closes early, or if the whole takes more
 * than SECONDS (default 60). Prints one line:
 *
 *   {"workload":"tcp_echo","connections":16,"bytes_per_conn":67108864,
 *    "elapsed_s":...,"mb_per_s":...}
 *
 * where mb_per_s is the bytes echoed (counted once: C x BYTES) per second,
 * in 10^6 bytes. One thread and poll(): the client's own cost is a read and
 * a write per chunk, far less than the server's, and it is the same for
 * every server measured.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PERIOD 251
#define CHUNK (64 * 1024)
#define MAX_CONNS 1024

typedef struct echo_conn {
  int fd;
  uint64_t sent, received;
} echo_conn_t;

static char pattern[CHUNK + PERIOD];

static void die(const char *fmt, const char *arg) {
  fprintf(stderr, "echo-client: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n");
  exit(1);
}

static void usage(void) {
  fprintf(stderr, "usage: echo-client [-c CONNECTIONS] [-b BYTES] "
                  "[-w WINDOW] [-t SECONDS] HOST PORT\n");
  exit(2);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A positive count; with units, an optional K, M or G suffix (powers of
   1024). */
static uint64_t parse_size(const char *s, const char *what, int units) {
  char *end;
  unsigned long long v;
  errno = 0;
  if (*s < '0' || *s > '9') goto bad;
  v = strtoull(s, &end, 10);
  if (errno != 0) goto bad;
  switch (units ? *end : '\0') {
  case 'K': v <<= 10; end++; break;
  case 'M': v <<= 20; end++; break;
  case 'G': v <<= 30; end++; break;
  default: break;
  }
  if (*end != '\0' || v == 0 || v > (1ull << 40)) goto bad;
  return v;
bad:
  fprintf(stderr, "echo-client: %s must be a positive integer%s: %s\n",
          what, units ? " (K, M, G suffixes allowed)" : "", s);
  exit(2);
}

static int connect_to(const char *host, int port) {
  struct sockaddr_in sa;
  int fd, one = 1;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
    die("HOST must be an IPv4 address: %s", host);
  fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket: %s", strerror(errno));
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
    die("cannot connect: %s", strerror(errno));
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0)
    die("fcntl: %s", strerror(errno));
  return fd;
}

/* Write what the window allows; returns 0, or -1 when the server is gone. */
static int conn_write(echo_conn_t *c, uint64_t bytes, uint64_t window) {
  while (c->sent < bytes && c->sent - c->received < window) {
    uint64_t room = window - (c->sent - c->received);
    uint64_t left = bytes - c->sent;
    size_t n = CHUNK;
    ssize_t w;
    if (n > room) n = (size_t)room;
    if (n > left) n = (size_t)left;
    w = write(c->fd, pattern + c->sent % PERIOD, n);
    if (w < 0) {
      if (errno == EAGAIN || errno == EINTR) return 0;
      return -1;
    }
    c->sent += (uint64_t)w;
  }
  return 0;
}

/* Read and check what came back; returns 0, or -1 with the reason in why. */
static int conn_read(echo_conn_t *c, const char **why) {
  static char buf[CHUNK];
  for (;;) {
    ssize_t n = read(c->fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return 0;
      *why = strerror(errno);
      return -1;
    }
    if (n == 0) {
      *why = "the server closed the connection early";
      return -1;
    }
    if ((uint64_t)n > c->sent - c->received) {
      *why = "the server sent more bytes than it was sent";
      return -1;
    }
    if (memcmp(buf, pattern + c->received % PERIOD, (size_t)n) != 0) {
      *why = "the echoed bytes differ from the bytes sent";
      return -1;
    }
    c->received += (uint64_t)n;
    if ((size_t)n < sizeof buf) return 0;
  }
}

int main(int argc, char **argv) {
  static echo_conn_t conns[MAX_CONNS];
  static struct pollfd pfd[MAX_CONNS];
  uint64_t conns_n = 16, bytes = 64ull << 20, window = 256 << 10;
  double limit = 60, t0, elapsed;
  const char *why = NULL;
  int opt, port, done = 0, i, n;
  char *end;

  while ((opt = getopt(argc, argv, "c:b:w:t:h")) != -1) {
    switch (opt) {
    case 'c': conns_n = parse_size(optarg, "CONNECTIONS", 0); break;
    case 'b': bytes = parse_size(optarg, "BYTES", 1); break;
    case 'w': window = parse_size(optarg, "WINDOW", 1); break;
    case 't': limit = (double)parse_size(optarg, "SECONDS", 0); break;
    default: usage();
    }
  }
  if (argc - optind != 2) usage();
  if (conns_n > MAX_CONNS) {
    fprintf(stderr, "echo-client: CONNECTIONS must be at most %d: %llu\n",
            MAX_CONNS, (unsigned long long)conns_n);
    exit(2);
  }
  errno = 0;
  port = (int)strtol(argv[optind + 1], &end, 10);
  if (argv[optind + 1][0] == '\0' || *end != '\0' || errno != 0 ||
      port < 1 || port > 65535) {
    fprintf(stderr, "echo-client: PORT must be an integer from 1 to 65535: "
                    "%s\n", argv[optind + 1]);
    exit(2);
  }
  for (i = 0; i < (int)sizeof pattern; i++) pattern[i] = (char)(i % PERIOD);
  n = (int)conns_n;

  for (i = 0; i < n; i++) {
    conns[i].fd = connect_to(argv[optind], port);
    pfd[i].fd = conns[i].fd;
  }
  t0 = now_s();
  for (i = 0; i < n; i++)
    if (conn_write(&conns[i], bytes, window) != 0)
      die("write: %s", strerror(errno));
  while (done < n) {
    for (i = 0; i < n; i++) {
      if (conns[i].received == bytes) {
        pfd[i].fd = -1;
        continue;
      }
      pfd[i].events = POLLIN;
      if (conns[i].sent < bytes &&
          conns[i].sent - conns[i].received < window)
        pfd[i].events |= POLLOUT;
    }
    if (poll(pfd, (nfds_t)n, 1000) < 0 && errno != EINTR)
      die("poll: %s", strerror(errno));
    if (now_s() - t0 > limit) {
      uint64_t total = 0;
      char got[64];
      for (i = 0; i < n; i++) total += conns[i].received;
      snprintf(got, sizeof got, "%llu of %llu bytes",
               (unsigned long long)total,
               (unsigned long long)(bytes * conns_n));
      fprintf(stderr, "echo-client: not done after %.0f s: %s echoed\n",
              limit, got);
      exit(1);
    }
    for (i = 0; i < n; i++) {
      if (pfd[i].fd < 0 || pfd[i].revents == 0) continue;
      if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) {
        if (conn_read(&conns[i], &why) != 0) die("%s", why);
        if (conns[i].received == bytes) {
          done++;
          continue;
        }
      }
      if (conn_write(&conns[i], bytes, window) != 0)
        die("write: %s", strerror(errno));
    }
  }
  elapsed = now_s() - t0;
  for (i = 0; i < n; i++) close(conns[i].fd);
  printf("{\"workload\":\"tcp_echo\",\"connections\":%d,"
         "\"bytes_per_conn\":%llu,\"elapsed_s\":%.3f,\"mb_per_s\":%.1f}\n",
         n, (unsigned long long)bytes, elapsed,
         (double)bytes * (double)conns_n / elapsed / 1e6);
  return 0;
}
