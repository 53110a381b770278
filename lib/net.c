/*
 * net.c - sockets owned by actors (actor/plugin.h, "network"): TCP over
 * IPv4 and IPv6 and Unix stream sockets served by the loop of the owner's
 * scheduler, their events delivered as messages, the write and read bounds,
 * the lingering close, and listeners that spread their connections over the
 * schedulers (one SO_REUSEPORT socket and one built-in "acceptor" actor per
 * scheduler, each connection an actor of the handler plugin).
 *
 * Threading: a socket is touched only by its scheduler's thread (its
 * owner's). The one shared structure is the runtime's list of listened
 * addresses (rt->net_lock), used when a listener opens or closes and when an
 * acceptor takes its listening socket: never on the path of a read or a
 * write.
 *
 * Memory on the hot path: the kernel reads into a buffer that becomes the
 * message's blob (no copy between the socket and handle()); a write first
 * tries the socket directly and queues only the rest, in a request from the
 * scheduler's free list, sharing the blob of a received message.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/sockios.h>
#include <sys/ioctl.h>
#endif

#include "rt.h"

#define ACT__NET_RBUF (64u * 1024u) /* one read at most */
#define ACT__NET_BOUND_DEFAULT (1u << 20)
#define ACT__NET_BACKLOG_DEFAULT 511
/* How long a closed socket may go without progress while it flushes its
   queue (and reads what the peer still sends, so that the close does not
   reset the connection before the peer has read our last bytes): a peer
   that reads, however slowly, keeps it until it has everything; one that
   stops reading for this long does not hold it any longer. */
#define ACT__NET_LINGER_MS 10000
unsigned act__net_linger_ms = ACT__NET_LINGER_MS;
#define ACT__NET_WREQ_MAX 1024 /* free write requests kept per scheduler */
/* Full read buffers kept per scheduler: a stream reads 64 KiB at a time,
   and handing those back to malloc and taking them again made the heap
   give its pages to the kernel and fault them in again (a tenth of an
   echo's time). A read of less than half a buffer gives the rest back
   instead (realloc in place), so small messages do not hold 64 KiB each.
   An echo keeps a socket's write bound of buffers in flight per busy
   connection, so 8 were too few: 16 connections echoing 2 GiB still took
   12k-23k page faults; with 64 (at most 4 MiB a scheduler, held only after
   traffic) 1.5k-2.3k. */
#define ACT__NET_BUFS_MAX 64

/* Socket flags. */
#define ACT__K_HANDLE 0x1u     /* has a libuv handle (a group has not) */
#define ACT__K_CONNECTING 0x2u
#define ACT__K_CONNECTED 0x4u  /* counted in act_stats_t.connections */
#define ACT__K_LISTENING 0x8u  /* counted in act_stats_t.listeners */
#define ACT__K_READING 0x10u
#define ACT__K_HOLD 0x20u      /* adopted: reads once init has succeeded */
#define ACT__K_UPAUSE 0x40u    /* act_net_pause */
#define ACT__K_EOF 0x80u
#define ACT__K_SHUT 0x100u     /* shutdown requested */
#define ACT__K_SHUT_DONE 0x200u
#define ACT__K_WANT_W 0x400u   /* a write was refused: WRITABLE owed */
#define ACT__K_LINGER 0x800u   /* closed by its owner, still flushing */
#define ACT__K_CLOSING 0x1000u /* uv_close called */
#define ACT__K_ADDR 0x2000u    /* holds its listen entry's address */
#define ACT__K_TIMER 0x4000u   /* the linger timer is initialized */

/* Which of the flags stop reading (besides the bounds). */
#define ACT__K_NOREAD                                                       \
  (ACT__K_HOLD | ACT__K_UPAUSE | ACT__K_EOF | ACT__K_LINGER |               \
   ACT__K_CLOSING | ACT__K_CONNECTING)

/* A listened address, shared by the listener's owner and its acceptors. */
typedef struct act__listen {
  struct act__listen *next;
  uint64_t gid;
  int active;              /* holds its address (the owner listens) */
  int family;
  unsigned char addr[16];  /* network order; zeros = wildcard */
  uint16_t port;
  char *path;              /* Unix: the socket file this runtime made */
  dev_t dev;
  ino_t ino;
  unsigned refs;
  unsigned nfd;
  int *fds;                /* listening sockets not yet taken (-1 taken) */
  int *live;               /* taken and still open (-1 when closed) */
  act_id_t *acceptors;     /* the owner's thread only */
  int spread;              /* with a handler: accepted by acceptors */
  char *handler;           /* by name (resolved at each accept) ... */
  const act_plugin_t *handler_desc; /* ... or a descriptor */
  json_t *handler_args;    /* read (deep-copied) by acceptors' spawns */
  uint32_t wbound, rbound;
  uint32_t backlog;
  char local[112];
} act__listen_t;

typedef struct act__sock act__sock_t;
struct act__sock {
  union {
    uv_handle_t h;
    uv_stream_t st;
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } u;
  union {
    uv_connect_t connect;
    uv_shutdown_t shutdown;
  } req;
  uv_timer_t timer;          /* lingering only */
  act__sock_t *lnext, *lprev; /* the scheduler's lingering sockets */
  act__actor_t *owner;       /* NULL once closed by (or with) its owner */
  act__sched_t *sched;
  act__listen_t *lst;        /* listeners */
  act_sock_t id;
  uint32_t flags;
  uint8_t kind;              /* ACT_SOCK_* */
  uint8_t handles;           /* libuv handles not yet closed */
  int slot;                  /* listeners: index in lst->live */
  uint32_t wbound, rbound;
  uint64_t queued;           /* bytes in write requests */
  uint64_t pending;          /* DATA bytes in the owner's mailbox */
  uint64_t unsent;           /* lingering: act__sock_unsent at the last
                                look of the linger timer */
  uint64_t bytes_in, bytes_out;
};

/* A queued write: the rest of the bytes uv_try_write did not take. */
typedef struct act__wreq {
  uv_write_t req;
  act__sock_t *k;
  act__blob_t *blob;
  uint32_t len;
  struct act__wreq *next;
} act__wreq_t;

typedef struct act__acceptor {
  act__listen_t *l;
  act_id_t owner;
  act_sock_t sock;
  int k;
  uint64_t accepted;
  act__map_t conns; /* connection actor id -> itself */
} act__acceptor_t;

static const act_plugin_t act__acceptor_plugin;

/* --------------------------------------------------------------- helpers */

static int act__net_err(int err) {
  if (err < 0)
    err = -err;
  switch (err) {
  case EADDRINUSE:
    return ACT_EADDRINUSE;
  case EADDRNOTAVAIL:
    return ACT_EADDRNOTAVAIL;
  case EACCES:
  case EPERM:
    return ACT_EDENIED;
  case ENOMEM:
  case ENOBUFS:
    return ACT_ENOMEM;
  case EINVAL:
  case EAFNOSUPPORT:
    return ACT_EINVAL;
  default:
    return ACT_EIO;
  }
}

typedef struct act__addr {
  struct sockaddr_storage ss;
  socklen_t len;
  int family;
  const char *path; /* Unix: inside the caller's string */
} act__addr_t;

/* Parse "127.0.0.1", "::1", "[::1]", "localhost", "unix:PATH". Port 0 is
   allowed only to listen (the kernel picks one). */
static int act__addr_parse(const char *address, int port, int listening,
                           act__addr_t *out) {
  char buf[INET6_ADDRSTRLEN + 1];
  struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;
  struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;
  size_t n;
  int bracket = 0;

  memset(out, 0, sizeof(*out));
  if (address == NULL || address[0] == '\0')
    return ACT_EINVAL;
  if (strncmp(address, "unix:", 5) == 0) {
    struct sockaddr_un *un = (struct sockaddr_un *)&out->ss;
    n = strlen(address + 5);
    if (n == 0 || n >= sizeof(un->sun_path))
      return ACT_EINVAL;
    un->sun_family = AF_UNIX;
    memcpy(un->sun_path, address + 5, n + 1);
    out->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
    out->family = AF_UNIX;
    out->path = address + 5;
    return 0;
  }
  if (port < (listening ? 0 : 1) || port > 65535)
    return ACT_EINVAL;
  if (strcmp(address, "localhost") == 0)
    address = "127.0.0.1";
  n = strlen(address);
  if (address[0] == '[') {
    if (n < 3 || address[n - 1] != ']')
      return ACT_EINVAL;
    address++;
    n -= 2;
    bracket = 1;
  }
  if (n >= sizeof(buf))
    return ACT_EINVAL;
  memcpy(buf, address, n);
  buf[n] = '\0';
  if (!bracket && inet_pton(AF_INET, buf, &sin->sin_addr) == 1) {
    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t)port);
    out->len = sizeof(*sin);
    out->family = AF_INET;
    return 0;
  }
  if (inet_pton(AF_INET6, buf, &sin6->sin6_addr) == 1) {
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons((uint16_t)port);
    out->len = sizeof(*sin6);
    out->family = AF_INET6;
    return 0;
  }
  return ACT_EINVAL;
}

/* "127.0.0.1:8080", "[::1]:8080", "unix:/path"; "" when there is none. */
static void act__addr_format(const struct sockaddr *sa, socklen_t len,
                             char *buf, size_t size) {
  char ip[INET6_ADDRSTRLEN];

  buf[0] = '\0';
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
    inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
    snprintf(buf, size, "%s:%u", ip, ntohs(sin->sin_port));
  } else if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
    inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip));
    snprintf(buf, size, "[%s]:%u", ip, ntohs(sin6->sin6_port));
  } else if (sa->sa_family == AF_UNIX &&
             len > (socklen_t)offsetof(struct sockaddr_un, sun_path)) {
    const struct sockaddr_un *un = (const struct sockaddr_un *)sa;
    size_t n = len - offsetof(struct sockaddr_un, sun_path);
    if (n > 0 && un->sun_path[0] != '\0')
      snprintf(buf, size, "unix:%.*s", (int)strnlen(un->sun_path, n),
               un->sun_path);
  }
}

static uint16_t act__addr_port(const struct sockaddr *sa) {
  if (sa->sa_family == AF_INET)
    return ntohs(((const struct sockaddr_in *)sa)->sin_port);
  if (sa->sa_family == AF_INET6)
    return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
  return 0;
}

/* What an owner's map holds for a socket that failed, until the event that
   says so (ACT_NET_CLOSED, or ACT_NET_CONNECTED with a reason) has been
   handled: the events queued before it still reach the owner, and what it
   writes meanwhile is dropped (the event tells why) rather than refused as
   if the id were unknown. */
static char act__sock_failed_mark;
#define ACT__SOCK_FAILED ((act__sock_t *)(void *)&act__sock_failed_mark)

/* What a's map holds for this id: a socket, ACT__SOCK_FAILED, or NULL
   (closed, never a's). */
static act__sock_t *act__sock_raw(act__actor_t *a, act_sock_t id) {
  if (a->x == NULL || id == 0)
    return NULL;
  return act__map_get(&a->x->socks, id);
}

/* The live socket of a's with this id, or NULL. */
static act__sock_t *act__sock_get(act__actor_t *a, act_sock_t id) {
  act__sock_t *k = act__sock_raw(a, id);

  return k == ACT__SOCK_FAILED ? NULL : k;
}

static act__sock_t *act__sock_new(act__sched_t *s, int kind,
                                  const act_net_opts_t *o) {
  act__sock_t *k = calloc(1, sizeof(*k));

  if (k == NULL)
    return NULL;
  k->sched = s;
  k->kind = (uint8_t)kind;
  k->slot = -1;
  k->id = atomic_fetch_add_explicit(&s->rt->net_seq, 1,
                                    memory_order_relaxed) + 1;
  k->wbound = o && o->write_bound ? o->write_bound : ACT__NET_BOUND_DEFAULT;
  k->rbound = o && o->read_bound ? o->read_bound : ACT__NET_BOUND_DEFAULT;
  k->u.h.data = k;
  return k;
}

/* Give the socket to actor a (its map); 0 or ACT_ENOMEM. */
static int act__sock_own(act__actor_t *a, act__sock_t *k) {
  act__extra_t *x = act__actor_extra(a);

  if (x == NULL || act__map_put(&x->socks, k->id, k) != 0)
    return ACT_ENOMEM;
  k->owner = a;
  return 0;
}

static void act__sock_disown(act__sock_t *k) {
  if (k->owner != NULL && k->owner->x != NULL)
    act__map_del(&k->owner->x->socks, k->id);
  k->owner = NULL;
}

/* A socket event for the owner (its own thread). 0 if queued. */
static int act__sock_post(act__sock_t *k, uint32_t ev, act_sock_t ref,
                          const char *reason) {
  act__actor_t *a = k->owner;
  act__env_t *e;

  if (a == NULL || (a->st & ACT__A_DEAD))
    return ACT_ENOENT;
  e = act__env_new(a->sched);
  if (e == NULL)
    return ACT_ENOMEM;
  e->sig = ACT__SIG_NET;
  e->type = ACT_MSG_NET;
  e->tag = ev;
  e->ref = ref;
  e->to = a->id;
  if (reason != NULL && act__env_set_reason(e, reason) != 0) {
    act__env_free(a->sched, e);
    return ACT_ENOMEM;
  }
  act__enqueue_net(a, e);
  return 0;
}

/* ------------------------------------------------------- listen entries */

int act__net_runtime_init(act_runtime_t *rt) {
  atomic_init(&rt->net_seq, 0);
  atomic_init(&rt->net_listeners, 0);
  atomic_init(&rt->net_connections, 0);
  atomic_init(&rt->net_accepted, 0);
  atomic_init(&rt->done_net_in, 0);
  atomic_init(&rt->done_net_out, 0);
  return uv_mutex_init(&rt->net_lock) == 0 ? 0 : ACT_ENOMEM;
}

static void act__listen_free(act__listen_t *l) {
  unsigned i;

  for (i = 0; i < l->nfd; i++)
    if (l->fds[i] >= 0)
      close(l->fds[i]);
  free(l->fds);
  free(l->live);
  free(l->acceptors);
  free(l->path);
  free(l->handler);
  if (l->handler_args != NULL)
    json_decref(l->handler_args);
  free(l);
}

void act__net_runtime_free(act_runtime_t *rt) {
  act__listen_t *l;

  while ((l = rt->net_listens) != NULL) {
    rt->net_listens = l->next;
    act__listen_free(l);
  }
  uv_mutex_destroy(&rt->net_lock);
}

/* Is the address (or, for a wildcard, its port in its family) taken by a
   listener of this runtime? Under net_lock. */
static int act__listen_taken(act_runtime_t *rt, int family,
                             const unsigned char *addr, uint16_t port) {
  static const unsigned char zero[16];
  size_t alen = family == AF_INET ? 4 : 16;
  act__listen_t *l;

  for (l = rt->net_listens; l != NULL; l = l->next) {
    if (!l->active || l->family != family || l->port != port)
      continue;
    if (memcmp(l->addr, addr, alen) == 0 || memcmp(l->addr, zero, alen) == 0 ||
        memcmp(addr, zero, alen) == 0)
      return 1;
  }
  return 0;
}

/* Drop a reference (under net_lock); slot >= 0: that listening socket has
   been closed. */
static void act__listen_unref_locked(act_runtime_t *rt, act__listen_t *l,
                                     int slot) {
  act__listen_t **p;

  if (slot >= 0)
    l->live[slot] = -1;
  if (--l->refs > 0)
    return;
  for (p = &rt->net_listens; *p != NULL; p = &(*p)->next)
    if (*p == l) {
      *p = l->next;
      break;
    }
  act__listen_free(l);
}

static void act__listen_unref(act_runtime_t *rt, act__listen_t *l, int slot) {
  uv_mutex_lock(&rt->net_lock);
  act__listen_unref_locked(rt, l, slot);
  uv_mutex_unlock(&rt->net_lock);
}

/* The listener closes: its address is free from now on. The acceptors'
   sockets leave the kernel's SO_REUSEPORT group at once (shutdown of a
   listening socket), so a new listener on the port gets every connection,
   although the acceptors close their handles only when they exit; the
   socket file of a Unix listener goes, if it is still the one made here. */
static void act__listen_release(act_runtime_t *rt, act__listen_t *l) {
  struct stat st;
  unsigned i;

  uv_mutex_lock(&rt->net_lock);
  if (!l->active) {
    uv_mutex_unlock(&rt->net_lock);
    return;
  }
  ACT__RELAXED_STORE(&l->active, 0); /* acceptors read it without the lock */
  for (i = 0; i < l->nfd; i++) {
    /* (A Unix socket's file goes instead: nobody can connect any more.) */
    if (l->live[i] >= 0 && l->family != AF_UNIX)
      shutdown(l->live[i], SHUT_RDWR);
    if (l->fds[i] >= 0) {
      close(l->fds[i]);
      l->fds[i] = -1;
    }
  }
  if (l->path != NULL && lstat(l->path, &st) == 0 && st.st_dev == l->dev &&
      st.st_ino == l->ino)
    unlink(l->path);
  uv_mutex_unlock(&rt->net_lock);
}

/* One listening socket, by plain system calls so that every error reaches
   the caller of net_listen. */
static int act__listen_fd(const act__addr_t *ad, int reuseport, int backlog,
                          int *out) {
  int fd, one = 1, err;

  fd = socket(ad->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return act__net_err(errno);
  if (ad->family != AF_UNIX) {
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        (reuseport &&
         setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) ||
        (ad->family == AF_INET6 &&
         setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0))
      goto fail;
  }
  if (bind(fd, (const struct sockaddr *)&ad->ss, ad->len) != 0)
    goto fail;
  if (listen(fd, backlog) != 0) {
    err = act__net_err(errno);
    if (ad->family == AF_UNIX)
      unlink(ad->path); /* the file the bind made */
    close(fd);
    return err;
  }
  *out = fd;
  return 0;

fail:
  err = act__net_err(errno);
  close(fd);
  return err;
}

/* ------------------------------------------------------- closing sockets */

static void act__linger_unlist(act__sock_t *k) {
  if (!(k->flags & ACT__K_LINGER))
    return;
  if (k->lprev != NULL)
    k->lprev->lnext = k->lnext;
  else
    k->sched->net_linger = k->lnext;
  if (k->lnext != NULL)
    k->lnext->lprev = k->lprev;
  k->lnext = k->lprev = NULL;
}

static void act__sock_close_cb(uv_handle_t *h) {
  act__sock_t *k = h->data;

  if (--k->handles > 0)
    return;
  act__linger_unlist(k);
  k->sched->net_open--;
  free(k);
}

/* Close now: what is queued is dropped. The socket must have left its
   owner's map (or be leaving it: the caller disowns it). */
static void act__sock_close_now(act__sock_t *k) {
  act_runtime_t *rt = k->sched->rt;

  if (k->flags & ACT__K_CLOSING)
    return;
  k->flags |= ACT__K_CLOSING;
  if (k->flags & ACT__K_CONNECTED)
    atomic_fetch_sub_explicit(&rt->net_connections, 1, memory_order_relaxed);
  if (k->flags & ACT__K_LISTENING)
    atomic_fetch_sub_explicit(&rt->net_listeners, 1, memory_order_relaxed);
  if (k->lst != NULL) {
    if (k->flags & ACT__K_ADDR)
      act__listen_release(rt, k->lst);
    /* Marked closed before the descriptor is (uv_close closes it at once),
       so that a release on another thread never shuts down a number the
       kernel may hand out again. */
    act__listen_unref(rt, k->lst, k->slot);
    k->lst = NULL;
  }
  if (!(k->flags & ACT__K_HANDLE)) {
    free(k);
    return;
  }
  if (k->flags & ACT__K_TIMER) {
    uv_timer_stop(&k->timer);
    uv_close((uv_handle_t *)&k->timer, act__sock_close_cb);
  }
  uv_close(&k->u.h, act__sock_close_cb);
}

/* The socket failed: it closes now, and ev (with the reason) is the last
   event the owner gets of it; its id stays there, failed, until then. */
static void act__sock_fail_with(act__sock_t *k, uint32_t ev,
                                const char *reason) {
  act__actor_t *a = k->owner;

  if (k->flags & ACT__K_CLOSING)
    return;
  if (a != NULL) {
    if (act__sock_post(k, ev, k->id, reason) == 0)
      act__map_put(&a->x->socks, k->id, ACT__SOCK_FAILED); /* a replace */
    else
      act__map_del(&a->x->socks, k->id);
    k->owner = NULL;
  }
  act__sock_close_now(k);
}

static void act__sock_fail(act__sock_t *k, int uverr) {
  act__sock_fail_with(k, ACT_NET_CLOSED, uv_strerror(uverr));
}

static void act__read_cb(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf);
static void act__alloc_cb(uv_handle_t *h, size_t size, uv_buf_t *buf);

/* Bytes of ours the peer has not taken yet: those still in the socket's
   queue, and (Linux) those in the kernel's send queue, not yet sent or
   not yet acknowledged. A peer that reads makes this number go down. */
static uint64_t act__sock_unsent(act__sock_t *k) {
  uint64_t n = uv_stream_get_write_queue_size(&k->u.st);
#ifdef __linux__
  uv_os_fd_t fd;
  int outq = 0;

  if (uv_fileno(&k->u.h, &fd) == 0 && ioctl(fd, SIOCOUTQ, &outq) == 0 &&
      outq > 0)
    n += (uint64_t)outq;
#endif
  return n;
}

/* The linger timer: a socket whose peer took some of our bytes since the
   last look waits another period; one whose peer took nothing (or has
   everything and still has not closed its side) closes now. Cutting a
   peer that reads slowly but steadily would lose the end of what it was
   sent. */
static void act__linger_timer_cb(uv_timer_t *t) {
  act__sock_t *k = t->data;
  uint64_t unsent = act__sock_unsent(k);

  if (unsent < k->unsent) {
    k->unsent = unsent;
    uv_timer_start(&k->timer, act__linger_timer_cb, act__net_linger_ms, 0);
    return;
  }
  act__sock_close_now(k);
}

/* After the shutdown of a lingering socket, read (and drop) what the peer
   still sends until its EOF, so that the close does not reset the
   connection while the peer still reads our last bytes. */
static void act__linger_drain(act__sock_t *k) {
  if ((k->flags & (ACT__K_EOF | ACT__K_CLOSING)) ||
      uv_read_start(&k->u.st, act__alloc_cb, act__read_cb) != 0) {
    act__sock_close_now(k);
    return;
  }
  k->flags |= ACT__K_READING;
}

static void act__shutdown_cb(uv_shutdown_t *req, int status) {
  act__sock_t *k = req->data;

  if (status == UV_ECANCELED || (k->flags & ACT__K_CLOSING))
    return;
  k->flags |= ACT__K_SHUT_DONE;
  if (k->flags & ACT__K_LINGER) {
    if (status < 0)
      act__sock_close_now(k);
    else
      act__linger_drain(k);
    return;
  }
  if (status < 0)
    act__sock_fail(k, status);
}

/* The owner closed a connection: it leaves the owner now, and lives on
   the scheduler until its queue is sent (bounded by the linger timer). */
static void act__sock_linger(act__sock_t *k) {
  act__sched_t *s = k->sched;
  int rc;

  act__sock_disown(k);
  if ((k->flags & ACT__K_CONNECTING) || !(k->flags & ACT__K_CONNECTED)) {
    act__sock_close_now(k);
    return;
  }
  if (k->flags & ACT__K_READING) {
    uv_read_stop(&k->u.st);
    k->flags &= ~ACT__K_READING;
  }
  k->flags |= ACT__K_LINGER;
  k->lprev = NULL;
  k->lnext = s->net_linger;
  if (s->net_linger != NULL)
    s->net_linger->lprev = k;
  s->net_linger = k;
  uv_timer_init(s->loop, &k->timer);
  k->timer.data = k;
  k->handles++;
  k->flags |= ACT__K_TIMER;
  k->unsent = act__sock_unsent(k);
  uv_timer_start(&k->timer, act__linger_timer_cb, act__net_linger_ms, 0);
  if (k->flags & ACT__K_SHUT) {
    /* Already shut down by the owner: the shutdown's callback, or now. */
    if (k->flags & ACT__K_SHUT_DONE)
      act__linger_drain(k);
    return;
  }
  k->flags |= ACT__K_SHUT;
  k->req.shutdown.data = k;
  rc = uv_shutdown(&k->req.shutdown, &k->u.st, act__shutdown_cb);
  if (rc != 0)
    act__sock_close_now(k);
}

/* -------------------------------------------------------------- reading */

/* Read while nothing holds the socket back: the owner's pause, EOF, a
   full write queue, unhandled bytes over the read bound. */
static void act__sock_update_read(act__sock_t *k) {
  int want = k->owner != NULL && (k->flags & ACT__K_CONNECTED) &&
             !(k->flags & ACT__K_NOREAD) && k->queued < k->wbound &&
             k->pending <= k->rbound;

  if (want && !(k->flags & ACT__K_READING)) {
    if (uv_read_start(&k->u.st, act__alloc_cb, act__read_cb) == 0)
      k->flags |= ACT__K_READING;
  } else if (!want && (k->flags & ACT__K_READING)) {
    uv_read_stop(&k->u.st);
    k->flags &= ~ACT__K_READING;
  }
}

void act__net_buf_put(act__blob_t *b) {
  act__sched_t *s = act__sched_self();

  if (s == NULL || s->net_nbufs >= ACT__NET_BUFS_MAX) {
    free(b);
    return;
  }
  memcpy(b->data, &s->net_bufs, sizeof(s->net_bufs));
  s->net_bufs = b;
  s->net_nbufs++;
}

static void act__alloc_cb(uv_handle_t *h, size_t size, uv_buf_t *buf) {
  act__sock_t *k = h->data;
  act__sched_t *s = k->sched;
  act__blob_t *b = s->net_bufs;

  (void)size;
  if (b != NULL) {
    memcpy(&s->net_bufs, b->data, sizeof(s->net_bufs));
    s->net_nbufs--;
  } else {
    b = malloc(sizeof(*b) + ACT__NET_RBUF);
  }
  if (b == NULL) {
    *buf = uv_buf_init(NULL, 0);
    return;
  }
  *buf = uv_buf_init(b->data, ACT__NET_RBUF);
}

/* A read buffer that did not become a message: kept for the next read. */
static void act__buf_spare(act__sched_t *s, const uv_buf_t *buf) {
  act__blob_t *b;

  (void)s;
  if (buf->base == NULL)
    return;
  b = (act__blob_t *)(void *)(buf->base - offsetof(act__blob_t, data));
  act__net_buf_put(b);
}

static void act__read_cb(uv_stream_t *st, ssize_t nread,
                         const uv_buf_t *buf) {
  act__sock_t *k = st->data;
  act__sched_t *s = k->sched;
  act__actor_t *a = k->owner;
  act__blob_t *b, *nb;
  act__env_t *e;

  if (nread <= 0 || a == NULL) {
    act__buf_spare(s, buf);
    if (nread == 0)
      return;
    if (a == NULL) {
      /* Lingering: the peer's bytes are dropped; its EOF ends the wait. */
      if (nread < 0)
        act__sock_close_now(k);
      return;
    }
    if (nread == UV_EOF) {
      k->flags |= ACT__K_EOF;
      act__sock_update_read(k);
      act__sock_post(k, ACT_NET_EOF, k->id, NULL);
    } else {
      act__sock_fail(k, (int)nread);
    }
    return;
  }
  b = (act__blob_t *)(void *)(buf->base - offsetof(act__blob_t, data));
  b->pool = (size_t)nread >= ACT__NET_RBUF / 2;
  if (!b->pool) {
    /* Give back what the read did not fill (in place, no copy). */
    nb = realloc(b, sizeof(*b) + (size_t)nread);
    if (nb != NULL)
      b = nb;
  }
  e = act__env_new(s);
  if (e == NULL) {
    free(b);
    act__sock_fail(k, UV_ENOMEM);
    return;
  }
  atomic_init(&b->refs, 1);
  b->len = (size_t)nread;
  e->sig = ACT__SIG_NET;
  e->type = ACT_MSG_NET;
  e->tag = ACT_NET_DATA;
  e->ref = k->id;
  e->to = a->id;
  e->payload = ACT_PAYLOAD_BYTES;
  e->len = (uint32_t)nread;
  e->eflags = ACT__E_BLOB;
  e->u.blob = b;
  k->bytes_in += (uint64_t)nread;
  ACT__RELAXED_STORE(&s->st_net_in, s->st_net_in + (uint64_t)nread);
  k->pending += (uint64_t)nread;
  act__enqueue_net(a, e);
  if (k->pending > k->rbound)
    act__sock_update_read(k);
}

int act__net_deliverable(act__actor_t *a, act__env_t *e) {
  return act__sock_raw(a, e->ref) != NULL;
}

void act__net_handled(act__actor_t *a, act__env_t *e) {
  act__sock_t *k = act__sock_raw(a, e->ref);

  if (k == NULL)
    return;
  if (k == ACT__SOCK_FAILED) {
    /* Its last event: the id is unknown from now on. */
    if (e->tag == ACT_NET_CLOSED ||
        (e->tag == ACT_NET_CONNECTED && (e->eflags & ACT__E_REASON)))
      act__map_del(&a->x->socks, e->ref);
    return;
  }
  if (e->tag != ACT_NET_DATA)
    return;
  k->pending -= e->len <= k->pending ? e->len : k->pending;
  if (!(k->flags & ACT__K_READING))
    act__sock_update_read(k);
}

uint64_t act__net_unread(act_ctx_t *ctx, act_sock_t sock) {
  act__sock_t *k = act__sock_get(act__actor_of(ctx), sock);

  return k != NULL ? k->pending : 0;
}

void act__net_started(act__actor_t *a) {
  act__sock_t *k = act__sock_get(a, a->x->adopted);

  if (k == NULL)
    return;
  k->flags &= ~ACT__K_HOLD;
  act__sock_update_read(k);
}

/* -------------------------------------------------------------- writing */

static act__wreq_t *act__wreq_get(act__sched_t *s) {
  act__wreq_t *w = s->net_wreqs;

  if (w != NULL) {
    s->net_wreqs = w->next;
    s->net_nwreqs--;
    return w;
  }
  return malloc(sizeof(*w));
}

static void act__wreq_put(act__sched_t *s, act__wreq_t *w) {
  if (s->net_nwreqs >= ACT__NET_WREQ_MAX) {
    free(w);
    return;
  }
  w->next = s->net_wreqs;
  s->net_wreqs = w;
  s->net_nwreqs++;
}

static void act__write_cb(uv_write_t *req, int status) {
  act__wreq_t *w = (act__wreq_t *)req;
  act__sock_t *k = w->k;
  act__sched_t *s = k->sched;

  k->queued -= w->len;
  if (status == 0) {
    k->bytes_out += w->len;
    ACT__RELAXED_STORE(&s->st_net_out, s->st_net_out + w->len);
  }
  act__blob_release(w->blob);
  act__wreq_put(s, w);
  if (k->flags & ACT__K_CLOSING)
    return;
  if (status < 0) {
    act__sock_fail(k, status);
    return;
  }
  if (k->owner == NULL)
    return; /* lingering: the shutdown follows the queue */
  if ((k->flags & ACT__K_WANT_W) && k->queued <= k->wbound / 2) {
    k->flags &= ~ACT__K_WANT_W;
    act__sock_post(k, ACT_NET_WRITABLE, k->id, NULL);
  }
  if (!(k->flags & ACT__K_READING))
    act__sock_update_read(k);
}

/* Write data (blob: shared, else copied for what cannot go at once). */
static int act__sock_write(act__actor_t *a, act_sock_t id, const char *data,
                           size_t len, act__blob_t *blob) {
  act__sock_t *k = act__sock_raw(a, id);
  act__sched_t *s = a->sched;
  act__wreq_t *w;
  uv_buf_t buf;
  size_t done = 0;
  int rc;

  if (k == ACT__SOCK_FAILED)
    return 0; /* dropped: ACT_NET_CLOSED is on its way */
  if (k == NULL)
    return ACT_ENOENT;
  if (k->kind == ACT_SOCK_LISTENER || (k->flags & ACT__K_SHUT))
    return ACT_EINVAL;
  if (len > UINT32_MAX)
    return ACT_EINVAL;
  if (len == 0)
    return 0;
  if (k->queued >= k->wbound) {
    k->flags |= ACT__K_WANT_W;
    return ACT_EAGAIN;
  }
  if (k->queued == 0 && (k->flags & ACT__K_CONNECTED)) {
    buf = uv_buf_init((char *)data, (unsigned)len);
    rc = uv_try_write(&k->u.st, &buf, 1);
    if (rc >= 0) {
      done = (size_t)rc;
      k->bytes_out += done;
      ACT__RELAXED_STORE(&s->st_net_out, s->st_net_out + done);
      if (done == len)
        return 0;
    } else if (rc != UV_EAGAIN) {
      /* The connection is gone: the owner hears it as ACT_NET_CLOSED. */
      act__sock_fail(k, rc);
      return 0;
    }
  }
  w = act__wreq_get(s);
  if (w == NULL)
    return done ? (act__sock_fail(k, UV_ENOMEM), 0) : ACT_ENOMEM;
  if (blob != NULL) {
    atomic_fetch_add_explicit(&blob->refs, 1, memory_order_relaxed);
  } else {
    blob = malloc(sizeof(*blob) + (len - done));
    if (blob == NULL) {
      act__wreq_put(s, w);
      return done ? (act__sock_fail(k, UV_ENOMEM), 0) : ACT_ENOMEM;
    }
    atomic_init(&blob->refs, 1);
    blob->pool = 0;
    blob->len = len - done;
    memcpy(blob->data, data + done, len - done);
    data = blob->data;
    done = 0;
    len = blob->len;
  }
  w->k = k;
  w->blob = blob;
  w->len = (uint32_t)(len - done);
  buf = uv_buf_init((char *)data + done, w->len);
  rc = uv_write(&w->req, &k->u.st, &buf, 1, act__write_cb);
  if (rc != 0) {
    act__blob_release(blob);
    act__wreq_put(s, w);
    act__sock_fail(k, rc);
    return 0;
  }
  k->queued += w->len;
  if (k->queued >= k->wbound && (k->flags & ACT__K_READING))
    act__sock_update_read(k);
  return 0;
}

int act__net_write(act_ctx_t *ctx, act_sock_t sock, const void *data,
                   size_t len) {
  if (len > 0 && data == NULL)
    return ACT_EINVAL;
  return act__sock_write(act__actor_of(ctx), sock, data, len, NULL);
}

int act__net_write_msg(act_ctx_t *ctx, act_sock_t sock, const act_msg_t *msg) {
  act__env_t *e;

  if (msg == NULL)
    return ACT_EINVAL;
  if (msg->payload == ACT_PAYLOAD_NONE)
    return act__sock_write(act__actor_of(ctx), sock, NULL, 0, NULL);
  if (msg->payload != ACT_PAYLOAD_BYTES)
    return ACT_EINVAL;
  e = act__env_of(msg);
  return act__sock_write(act__actor_of(ctx), sock, msg->data, msg->len,
                         (e->eflags & ACT__E_BLOB) ? e->u.blob : NULL);
}

/* ----------------------------------------------------------- connections */

static void act__tcp_or_pipe_init(act__sched_t *s, act__sock_t *k) {
  if (k->kind == ACT_SOCK_UNIX)
    uv_pipe_init(s->loop, &k->u.pipe, 0);
  else
    uv_tcp_init(s->loop, &k->u.tcp);
  k->u.h.data = k;
  k->handles = 1;
  k->flags |= ACT__K_HANDLE;
  s->net_open++;
}

static void act__connect_cb(uv_connect_t *req, int status) {
  act__sock_t *k = req->data;
  act_runtime_t *rt = k->sched->rt;

  if (status == UV_ECANCELED || (k->flags & ACT__K_CLOSING))
    return;
  k->flags &= ~ACT__K_CONNECTING;
  if (status < 0) {
    act__sock_fail_with(k, ACT_NET_CONNECTED, uv_strerror(status));
    return;
  }
  k->flags |= ACT__K_CONNECTED;
  atomic_fetch_add_explicit(&rt->net_connections, 1, memory_order_relaxed);
  act__sock_post(k, ACT_NET_CONNECTED, k->id, NULL);
  act__sock_update_read(k);
}

static int act__opts_ok(const act_net_opts_t *o) {
  return o == NULL ||
         (o->size >= offsetof(act_net_opts_t, reserved) && o->flags == 0);
}

int act__net_connect(act_ctx_t *ctx, const char *address, int port,
                     const act_net_opts_t *opts, act_sock_t *sock) {
  act__actor_t *a = act__actor_of(ctx);
  act__sched_t *s = a->sched;
  act__addr_t ad;
  act__sock_t *k;
  int rc;

  if (sock == NULL || !act__opts_ok(opts))
    return ACT_EINVAL;
  rc = act__addr_parse(address, port, 0, &ad);
  if (rc != 0)
    return rc;
  k = act__sock_new(s, ad.family == AF_UNIX ? ACT_SOCK_UNIX : ACT_SOCK_TCP,
                    opts);
  if (k == NULL)
    return ACT_ENOMEM;
  rc = act__sock_own(a, k);
  if (rc != 0) {
    free(k);
    return rc;
  }
  act__tcp_or_pipe_init(s, k);
  k->flags |= ACT__K_CONNECTING;
  k->req.connect.data = k;
  if (ad.family == AF_UNIX) {
    /* Its errors come through the callback, as CONNECTED's reason. */
    uv_pipe_connect(&k->req.connect, &k->u.pipe, ad.path, act__connect_cb);
  } else {
    uv_tcp_nodelay(&k->u.tcp, 1);
    rc = uv_tcp_connect(&k->req.connect, &k->u.tcp,
                        (const struct sockaddr *)&ad.ss, act__connect_cb);
    if (rc != 0) {
      act__sock_disown(k);
      act__sock_close_now(k);
      return act__net_err(rc);
    }
  }
  *sock = k->id;
  return 0;
}

act_sock_t act__net_adopted(act_ctx_t *ctx) {
  act__actor_t *a = act__actor_of(ctx);

  return a->x != NULL ? a->x->adopted : 0;
}

int act__net_pause(act_ctx_t *ctx, act_sock_t sock, int paused) {
  act__sock_t *k = act__sock_raw(act__actor_of(ctx), sock);

  if (k == ACT__SOCK_FAILED)
    return 0;
  if (k == NULL)
    return ACT_ENOENT;
  if (k->kind == ACT_SOCK_LISTENER)
    return ACT_EINVAL;
  if (paused)
    k->flags |= ACT__K_UPAUSE;
  else
    k->flags &= ~ACT__K_UPAUSE;
  act__sock_update_read(k);
  return 0;
}

int act__net_shutdown(act_ctx_t *ctx, act_sock_t sock) {
  act__sock_t *k = act__sock_raw(act__actor_of(ctx), sock);
  int rc;

  if (k == ACT__SOCK_FAILED)
    return 0;
  if (k == NULL)
    return ACT_ENOENT;
  if (k->kind == ACT_SOCK_LISTENER || !(k->flags & ACT__K_CONNECTED))
    return ACT_EINVAL;
  if (k->flags & ACT__K_SHUT)
    return 0;
  k->req.shutdown.data = k;
  rc = uv_shutdown(&k->req.shutdown, &k->u.st, act__shutdown_cb);
  if (rc != 0)
    return act__net_err(rc);
  k->flags |= ACT__K_SHUT;
  return 0;
}

/* ------------------------------------------------------------- accepting */

static void act__conn_cb(uv_stream_t *server, int status);

/* A listening handle for actor a on its loop, from a bound and listening
   descriptor (which it owns from now on, whatever happens). */
static int act__sock_listen_open(act__actor_t *a, act__listen_t *l, int slot,
                                 int fd, act__sock_t **out) {
  act__sched_t *s = a->sched;
  act__sock_t *k;
  int rc;

  k = act__sock_new(s, ACT_SOCK_LISTENER, NULL);
  if (k == NULL) {
    close(fd);
    return ACT_ENOMEM;
  }
  k->wbound = l->wbound;
  k->rbound = l->rbound;
  if (l->family == AF_UNIX) {
    uv_pipe_init(s->loop, &k->u.pipe, 0);
    rc = uv_pipe_open(&k->u.pipe, fd);
  } else {
    uv_tcp_init(s->loop, &k->u.tcp);
    rc = uv_tcp_open(&k->u.tcp, fd);
  }
  k->u.h.data = k;
  k->handles = 1;
  k->flags |= ACT__K_HANDLE;
  s->net_open++;
  if (rc == 0) {
    rc = uv_listen(&k->u.st, (int)l->backlog, act__conn_cb);
    rc = rc == 0 ? act__sock_own(a, k) : act__net_err(rc);
  } else {
    rc = act__net_err(rc);
  }
  if (rc != 0) {
    /* Marked closed before the descriptor is (see act__sock_close_now);
       the caller keeps its references to l. */
    uv_mutex_lock(&s->rt->net_lock);
    l->live[slot] = -1;
    uv_mutex_unlock(&s->rt->net_lock);
    if (uv_fileno(&k->u.h, &(uv_os_fd_t){0}) != 0)
      close(fd); /* not taken by the handle */
    act__sock_close_now(k);
    return rc;
  }
  k->lst = l;
  k->slot = slot;
  k->flags |= ACT__K_LISTENING;
  atomic_fetch_add_explicit(&s->rt->net_listeners, 1, memory_order_relaxed);
  *out = k;
  return 0;
}

/* A connection accepted by an acceptor becomes an actor of the handler on
   this scheduler (a handle cannot move to another loop), linked to the
   acceptor and shown under it; reading waits for its init. */
static void act__spawn_conn(act__actor_t *acc, act__sock_t *c) {
  act__acceptor_t *st = acc->state;
  act__listen_t *l = st->l;
  act_runtime_t *rt = acc->sched->rt;
  act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;
  act__actor_t *child;
  act_id_t id;
  int rc;

  o.desc = l->handler ? act_runtime_lookup(rt, l->handler) : l->handler_desc;
  if (o.desc == NULL) {
    act__log(rt, acc, ACT_LOG_WARN, "accept: no such handler plugin");
    act__sock_close_now(c);
    return;
  }
  o.flags = ACT_SPAWN_LOCAL | ACT_SPAWN_LINK;
  o.args = l->handler_args;
  o.supervisor = acc->id;
  rc = act__spawn(rt, acc, &o, &id);
  child = rc == 0 ? act__sched_lookup(acc->sched, id) : NULL;
  if (child == NULL || act__sock_own(child, c) != 0) {
    char line[96];
    if (rc != ACT_EUNAVAIL) { /* not while the runtime stops */
      snprintf(line, sizeof(line), "accept: spawn %s: %s", o.desc->name,
               act_strerror(rc ? rc : ACT_ENOMEM));
      act__log(rt, acc, ACT_LOG_WARN, line);
    }
    if (child != NULL)
      act__actor_exit_later(child, "error:out of memory", 1);
    act__sock_close_now(c);
    return;
  }
  child->x->adopted = c->id;
  c->flags |= ACT__K_HOLD;
  st->accepted++;
  act__map_put(&st->conns, id, child);
}

static void act__conn_cb(uv_stream_t *server, int status) {
  act__sock_t *lk = server->data;
  act__sched_t *s = lk->sched;
  act_runtime_t *rt = s->rt;
  act__actor_t *a = lk->owner;
  act__sock_t *c;
  int kind = lk->lst->family == AF_UNIX ? ACT_SOCK_UNIX : ACT_SOCK_TCP;
  act_net_opts_t o = ACT_NET_OPTS_INIT;

  if (a == NULL || (lk->flags & ACT__K_CLOSING))
    return;
  if (status < 0) {
    /* A listening socket shut down by its owner's close fails every
       accept (and libuv would keep trying): close it now, its acceptor
       exits next. Anything else (no descriptors left) is logged. */
    if (!ACT__RELAXED_LOAD(&lk->lst->active)) {
      act__sock_disown(lk);
      act__sock_close_now(lk);
    } else {
      char line[96];
      snprintf(line, sizeof(line), "accept: %s", uv_strerror(status));
      act__log(rt, a, ACT_LOG_WARN, line);
    }
    return;
  }
  o.write_bound = lk->wbound;
  o.read_bound = lk->rbound;
  c = act__sock_new(s, kind, &o);
  if (c == NULL)
    return;
  act__tcp_or_pipe_init(s, c);
  if (kind == ACT_SOCK_TCP)
    uv_tcp_nodelay(&c->u.tcp, 1);
  if (uv_accept(server, &c->u.st) != 0) {
    act__sock_close_now(c);
    return;
  }
  c->flags |= ACT__K_CONNECTED;
  atomic_fetch_add_explicit(&rt->net_connections, 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&rt->net_accepted, 1, memory_order_relaxed);
  if (lk->lst->spread) {
    act__spawn_conn(a, c);
    return;
  }
  if (act__sock_own(a, c) != 0) {
    act__sock_close_now(c);
    return;
  }
  act__sock_post(lk, ACT_NET_ACCEPTED, c->id, NULL);
  act__sock_update_read(c);
}

/* ------------------------------------------------------------- acceptors */

static int act__acceptor_init(act_ctx_t *ctx, json_t *args, void **state) {
  act__actor_t *a = act__actor_of(ctx);
  act_runtime_t *rt = a->sched->rt;
  uint64_t gid = (uint64_t)json_integer_value(json_object_get(args, "group"));
  int k = (int)json_integer_value(json_object_get(args, "slot"));
  act__acceptor_t *st;
  act__listen_t *l;
  act__sock_t *ls;
  int fd = -1, rc;

  st = calloc(1, sizeof(*st));
  if (st == NULL)
    return ACT_ENOMEM;
  uv_mutex_lock(&rt->net_lock);
  for (l = rt->net_listens; l != NULL; l = l->next)
    if (l->gid == gid)
      break;
  if (l != NULL && l->active && k >= 0 && (unsigned)k < l->nfd &&
      l->fds[k] >= 0) {
    fd = l->fds[k];
    l->fds[k] = -1;
    l->live[k] = fd;
    l->refs += 2; /* this state's, and its listening socket's */
  }
  uv_mutex_unlock(&rt->net_lock);
  if (fd < 0) {
    /* The listener closed before this acceptor could start. */
    free(st);
    return ACT_EUNAVAIL;
  }
  st->l = l;
  st->k = k;
  st->owner = a->spawner;
  act__map_init(&st->conns);
  rc = act__sock_listen_open(a, l, k, fd, &ls);
  if (rc != 0) {
    act__listen_unref(rt, l, -1);
    act__listen_unref(rt, l, -1);
    free(st);
    return rc;
  }
  st->sock = ls->id;
  *state = st;
  return 0;
}

/* It traps exits: a connection's exit closes only that connection; any
   other exit signal (its listener's owner exited or closed the listener,
   or someone stops it) ends it, and its links then end its connections. */
static int act__acceptor_handle(act_ctx_t *ctx, void *state,
                                const act_msg_t *msg) {
  act__acceptor_t *st = state;

  if (msg->type != ACT_MSG_EXIT)
    return 0;
  if (act__map_del(&st->conns, msg->from) != NULL)
    return 0;
  return act_exit(ctx, "shutdown");
}

static void act__acceptor_terminate(act_ctx_t *ctx, void *state,
                                    const char *reason) {
  act__acceptor_t *st = state;

  (void)reason;
  if (st == NULL)
    return;
  act__map_free(&st->conns);
  act__listen_unref(act_runtime_of(ctx), st->l, -1);
  free(st);
}

static json_t *act__acceptor_inspect(void *state) {
  act__acceptor_t *st = state;

  return json_pack("{s:s,s:I,s:I,s:I,s:s?}", "address", st->l->local,
                   "connections", (json_int_t)st->conns.count, "accepted",
                   (json_int_t)st->accepted, "listener",
                   (json_int_t)st->owner, "handler",
                   st->l->handler ? st->l->handler
                                  : (st->l->handler_desc
                                         ? st->l->handler_desc->name
                                         : NULL));
}

static const act_plugin_t act__acceptor_plugin = {
    .abi_version = ACT_ABI_VERSION,
    .size = sizeof(act_plugin_t),
    .name = "acceptor",
    .version = "1",
    .description = "accepts the connections of a listener on one scheduler",
    .init = act__acceptor_init,
    .handle = act__acceptor_handle,
    .terminate = act__acceptor_terminate,
    .inspect = act__acceptor_inspect,
};

/* --------------------------------------------------------------- listen */

/* Resolve and check the handler of opts. 0, ACT_EINVAL or ACT_ENOENT. */
static int act__handler_check(act_runtime_t *rt, const act_net_opts_t *o,
                              int *spread) {
  const act_plugin_t *d;

  *spread = 0;
  if (o == NULL || (o->handler == NULL && o->handler_desc == NULL))
    return 0;
  if (o->handler != NULL && o->handler_desc != NULL)
    return ACT_EINVAL;
  d = o->handler_desc;
  if (o->handler != NULL) {
    if (!act_name_valid(o->handler))
      return ACT_EINVAL;
    d = act_runtime_lookup(rt, o->handler);
    if (d == NULL)
      return ACT_ENOENT;
  }
  if (d->abi_version != ACT_ABI_VERSION ||
      d->size < offsetof(act_plugin_t, flags) || d->handle == NULL)
    return ACT_EINVAL;
  *spread = 1;
  return 0;
}

/* Make the entry and its descriptors under net_lock: the check that the
   address is free and the binds are one step for the other threads. */
static int act__listen_make(act_runtime_t *rt, const act__addr_t *ad0,
                            unsigned nfd, const act_net_opts_t *o, int spread,
                            act__listen_t **out) {
  act__addr_t ad = *ad0;
  act__listen_t *l;
  struct sockaddr_storage got;
  socklen_t glen = sizeof(got);
  unsigned char *ip = NULL;
  uint16_t port = 0;
  unsigned i;
  int rc = 0, backlog;
  struct stat stt;

  backlog = o && o->backlog ? (int)o->backlog : ACT__NET_BACKLOG_DEFAULT;
  l = calloc(1, sizeof(*l));
  if (l == NULL)
    return ACT_ENOMEM;
  l->fds = malloc(nfd * sizeof(*l->fds));
  l->live = malloc(nfd * sizeof(*l->live));
  l->acceptors = calloc(nfd, sizeof(*l->acceptors));
  if (l->fds == NULL || l->live == NULL || l->acceptors == NULL) {
    act__listen_free(l);
    return ACT_ENOMEM;
  }
  for (i = 0; i < nfd; i++)
    l->fds[i] = l->live[i] = -1;
  l->nfd = nfd;
  l->family = ad.family;
  l->spread = spread;
  l->backlog = (uint32_t)backlog;
  l->wbound = o && o->write_bound ? o->write_bound : ACT__NET_BOUND_DEFAULT;
  l->rbound = o && o->read_bound ? o->read_bound : ACT__NET_BOUND_DEFAULT;
  if (spread) {
    if (o->handler != NULL && (l->handler = strdup(o->handler)) == NULL) {
      act__listen_free(l);
      return ACT_ENOMEM;
    }
    l->handler_desc = o->handler_desc;
    if (o->handler_args != NULL &&
        (l->handler_args = json_deep_copy(o->handler_args)) == NULL) {
      act__listen_free(l);
      return ACT_ENOMEM;
    }
  }
  if (ad.family == AF_INET) {
    ip = (unsigned char *)&((struct sockaddr_in *)&ad.ss)->sin_addr;
    port = ntohs(((struct sockaddr_in *)&ad.ss)->sin_port);
  } else if (ad.family == AF_INET6) {
    ip = (unsigned char *)&((struct sockaddr_in6 *)&ad.ss)->sin6_addr;
    port = ntohs(((struct sockaddr_in6 *)&ad.ss)->sin6_port);
  } else if ((l->path = strdup(ad.path)) == NULL) {
    act__listen_free(l);
    return ACT_ENOMEM;
  }
  if (ip != NULL)
    memcpy(l->addr, ip, ad.family == AF_INET ? 4 : 16);

  uv_mutex_lock(&rt->net_lock);
  if (ip != NULL && port != 0 && act__listen_taken(rt, ad.family, ip, port)) {
    rc = ACT_EADDRINUSE;
    goto fail;
  }
  /* Never over an existing file: it may be another program's socket. */
  if (ad.family == AF_UNIX && lstat(ad.path, &stt) == 0) {
    rc = ACT_EADDRINUSE;
    goto fail;
  }
  for (i = 0; i < nfd; i++) {
    rc = act__listen_fd(&ad, nfd > 1 || spread, backlog, &l->fds[i]);
    if (rc != 0)
      goto fail;
    if (i == 0) {
      if (getsockname(l->fds[0], (struct sockaddr *)&got, &glen) != 0) {
        rc = act__net_err(errno);
        goto fail;
      }
      act__addr_format((struct sockaddr *)&got, glen, l->local,
                       sizeof(l->local));
      if (ad.family == AF_UNIX) {
        snprintf(l->local, sizeof(l->local), "unix:%s", ad.path);
        if (lstat(ad.path, &stt) == 0) {
          l->dev = stt.st_dev;
          l->ino = stt.st_ino;
        }
      } else {
        /* Port 0: the others bind to the port the kernel gave the first. */
        port = act__addr_port((struct sockaddr *)&got);
        if (ad.family == AF_INET)
          ((struct sockaddr_in *)&ad.ss)->sin_port = htons(port);
        else
          ((struct sockaddr_in6 *)&ad.ss)->sin6_port = htons(port);
      }
    }
  }
  l->port = port;
  l->active = 1;
  l->refs = 1; /* the owner's listening socket */
  l->gid = ++rt->net_next_group;
  l->next = rt->net_listens;
  rt->net_listens = l;
  uv_mutex_unlock(&rt->net_lock);
  *out = l;
  return 0;

fail:
  if (ad.family == AF_UNIX && l->fds[0] >= 0)
    unlink(ad.path); /* made by the bind above */
  uv_mutex_unlock(&rt->net_lock);
  act__listen_free(l);
  return rc;
}

/* Close a listener with a handler: its address goes, its acceptors stop
   (unless its owner is exiting: its links stop them). */
static void act__group_close(act__sock_t *k, int owner_exits) {
  act__actor_t *a = k->owner;
  act__listen_t *l = k->lst;
  act_runtime_t *rt = k->sched->rt;
  unsigned i;

  act__listen_release(rt, l);
  if (!owner_exits && a != NULL) {
    for (i = 0; i < l->nfd; i++) {
      if (l->acceptors[i] == 0)
        continue;
      a->ctx.host->unlink(&a->ctx, l->acceptors[i]);
      a->ctx.host->kill(&a->ctx, l->acceptors[i], "shutdown");
    }
  }
  act__sock_disown(k);
  act__sock_close_now(k);
}

int act__net_listen(act_ctx_t *ctx, const char *address, int port,
                    const act_net_opts_t *opts, act_sock_t *sock) {
  act__actor_t *a = act__actor_of(ctx);
  act__sched_t *s = a->sched;
  act_runtime_t *rt = s->rt;
  act__addr_t ad;
  act__listen_t *l = NULL;
  act__sock_t *k;
  unsigned nfd, i;
  int rc, spread;

  if (sock == NULL || !act__opts_ok(opts))
    return ACT_EINVAL;
  rc = act__addr_parse(address, port, 1, &ad);
  if (rc == 0)
    rc = act__handler_check(rt, opts, &spread);
  if (rc != 0)
    return rc;
  nfd = spread && ad.family != AF_UNIX ? rt->nthreads : 1;
  rc = act__listen_make(rt, &ad, nfd, opts, spread, &l);
  if (rc != 0)
    return rc;

  if (!spread) {
    int fd = l->fds[0];
    l->fds[0] = -1;
    l->live[0] = fd;
    /* The entry's first reference becomes the socket's. */
    rc = act__sock_listen_open(a, l, 0, fd, &k);
    if (rc != 0) {
      act__listen_release(rt, l);
      act__listen_unref(rt, l, -1);
      return rc;
    }
    k->flags |= ACT__K_ADDR;
    *sock = k->id;
    return 0;
  }

  /* A group: the owner holds a socket without a handle (its id, its
     address); one acceptor per scheduler holds each descriptor. */
  k = act__sock_new(s, ACT_SOCK_LISTENER, opts);
  if (k == NULL || act__sock_own(a, k) != 0) {
    free(k);
    act__listen_release(rt, l);
    act__listen_unref(rt, l, -1);
    return ACT_ENOMEM;
  }
  k->lst = l;
  k->flags |= ACT__K_ADDR;
  for (i = 0; i < nfd; i++) {
    act_spawn_opts_t o = ACT_SPAWN_OPTS_INIT;
    json_t *args = json_pack("{s:I,s:i}", "group", (json_int_t)l->gid,
                             "slot", (int)i);
    if (args == NULL) {
      rc = ACT_ENOMEM;
      break;
    }
    o.desc = &act__acceptor_plugin;
    o.flags = ACT_SPAWN_LINK | ACT_SPAWN_TRAP_EXIT;
    o.supervisor = a->id;
    o.args = args;
    /* A Unix socket has no SO_REUSEPORT: its one acceptor runs on the
       owner's scheduler, or the first one for a dedicated owner. */
    o.sched = ad.family == AF_UNIX
                  ? (s->index >= 0 && !s->dedicated ? s->index : 0)
                  : (int)i;
    rc = act__spawn(rt, a, &o, &l->acceptors[i]);
    json_decref(args);
    if (rc != 0)
      break;
  }
  if (rc != 0) {
    act__group_close(k, 0);
    return rc;
  }
  *sock = k->id;
  return 0;
}

/* ---------------------------------------------------------------- close */

int act__net_close(act_ctx_t *ctx, act_sock_t sock) {
  act__actor_t *a = act__actor_of(ctx);
  act__sock_t *k = act__sock_raw(a, sock);

  if (k == ACT__SOCK_FAILED) {
    /* Closed already: its failure event, still queued, is dropped. */
    act__map_del(&a->x->socks, sock);
    return 0;
  }
  if (k == NULL)
    return ACT_ENOENT;
  if (!(k->flags & ACT__K_HANDLE)) {
    act__group_close(k, 0);
    return 0;
  }
  if (k->kind == ACT_SOCK_LISTENER) {
    act__sock_disown(k);
    act__sock_close_now(k);
    return 0;
  }
  act__sock_linger(k);
  return 0;
}

void act__net_actor_exit(act__actor_t *a) {
  act__map_t m = a->x->socks;
  size_t i;

  /* Taken out of the actor first: closing a socket disowns it, which
     would change the map under the walk. */
  act__map_init(&a->x->socks);
  for (i = 0; m.slots != NULL && i <= m.mask; i++) {
    act__sock_t *k = m.slots[i].val;
    if (m.slots[i].key == 0 || k == ACT__SOCK_FAILED)
      continue;
    if (!(k->flags & ACT__K_HANDLE)) {
      act__group_close(k, 1);
    } else {
      k->owner = NULL;
      act__sock_close_now(k);
    }
  }
  act__map_free(&m);
}

/* ---------------------------------------------------------------- info */

static int act__sock_fill(act__sock_t *k, act_sock_info_t *info) {
  struct sockaddr_storage ss;
  int len;

  memset(info, 0, sizeof(*info));
  info->kind = k->kind;
  info->bytes_in = k->bytes_in;
  info->bytes_out = k->bytes_out;
  info->queued = k->queued;
  if (k->lst != NULL) {
    snprintf(info->local, sizeof(info->local), "%s", k->lst->local);
    info->port = k->lst->family == AF_UNIX ? 0 : k->lst->port;
    return 0;
  }
  if (!(k->flags & ACT__K_CONNECTED))
    return 0;
  len = sizeof(ss);
  if (k->kind == ACT_SOCK_TCP) {
    if (uv_tcp_getsockname(&k->u.tcp, (struct sockaddr *)&ss, &len) == 0) {
      act__addr_format((struct sockaddr *)&ss, (socklen_t)len, info->local,
                       sizeof(info->local));
      info->port = act__addr_port((struct sockaddr *)&ss);
    }
    len = sizeof(ss);
    if (uv_tcp_getpeername(&k->u.tcp, (struct sockaddr *)&ss, &len) == 0)
      act__addr_format((struct sockaddr *)&ss, (socklen_t)len, info->peer,
                       sizeof(info->peer));
  } else {
    size_t n = sizeof(info->local) - 5;
    char path[sizeof(info->local)];
    if (uv_pipe_getsockname(&k->u.pipe, path, &n) == 0 && n > 0)
      snprintf(info->local, sizeof(info->local), "unix:%.*s", (int)n, path);
    n = sizeof(info->peer) - 5;
    if (uv_pipe_getpeername(&k->u.pipe, path, &n) == 0 && n > 0)
      snprintf(info->peer, sizeof(info->peer), "unix:%.*s", (int)n, path);
  }
  return 0;
}

int act__net_info(act_ctx_t *ctx, act_sock_t sock, act_sock_info_t *info) {
  act__sock_t *k = act__sock_get(act__actor_of(ctx), sock);

  if (info == NULL)
    return ACT_EINVAL;
  if (k == NULL)
    return ACT_ENOENT;
  return act__sock_fill(k, info);
}

static const char *act__kind_name(int kind) {
  return kind == ACT_SOCK_LISTENER ? "listener"
                                   : kind == ACT_SOCK_UNIX ? "unix" : "tcp";
}

static void act__inspect_one(void *arg, uint64_t key, void *val) {
  act_sock_info_t info;
  json_t *o;

  if (val == ACT__SOCK_FAILED)
    return;
  act__sock_fill(val, &info);
  o = json_pack("{s:I,s:s,s:s,s:s,s:I,s:I,s:I}", "socket", (json_int_t)key,
                "kind", act__kind_name(info.kind), "local", info.local,
                "peer", info.peer, "bytes_in", (json_int_t)info.bytes_in,
                "bytes_out", (json_int_t)info.bytes_out, "queued",
                (json_int_t)info.queued);
  if (o != NULL)
    json_array_append_new(arg, o);
}

json_t *act__net_inspect(act__actor_t *a) {
  json_t *arr = json_array();

  if (arr != NULL && a->x != NULL)
    act__map_each(&a->x->socks, act__inspect_one, arr);
  return arr;
}

/* ------------------------------------------------------------ scheduler */

void act__net_sched_close(act__sched_t *s) {
  while (s->net_linger != NULL) {
    act__sock_t *k = s->net_linger;
    act__linger_unlist(k);
    k->flags &= ~ACT__K_LINGER;
    act__sock_close_now(k);
  }
}

void act__net_sched_free(act__sched_t *s) {
  act__wreq_t *w;

  while ((w = s->net_wreqs) != NULL) {
    s->net_wreqs = w->next;
    free(w);
  }
  s->net_nwreqs = 0;
  while (s->net_bufs != NULL) {
    act__blob_t *b = s->net_bufs;
    memcpy(&s->net_bufs, b->data, sizeof(s->net_bufs));
    free(b);
  }
  s->net_nbufs = 0;
}
