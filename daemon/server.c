/* server.c - the control socket: listen, accept, admit, flush. */
#include "server.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "actor/error.h"
#include "actord.h"
#include "events.h"
#include "logs.h"
#include "state.h"

static struct {
  uv_pipe_t listener;
  int listening;
  uv_idle_t flusher;
  int flusher_init;
  conn_t *conns;
  conn_t *dirty;
  char path[PATH_MAX];
} server;

int server_probe(const char *path, pid_t *pid) {
  struct sockaddr_un sa;
  struct ucred cred;
  socklen_t len = sizeof(cred);
  int fd, rc = 0;

  *pid = 0;
  if (strlen(path) >= sizeof(sa.sun_path)) return 0;
  memset(&sa, 0, sizeof(sa));
  sa.sun_family = AF_UNIX;
  memcpy(sa.sun_path, path, strlen(path) + 1);
  if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) return 0;
  if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
    rc = 1;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
      *pid = cred.pid;
  }
  close(fd);
  return rc;
}

static void server_on_connection(uv_stream_t *listener, int status);

int server_listen(const char *path, char *errbuf, size_t errlen) {
  struct stat st;
  mode_t old;
  int rc;

  if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
    snprintf(errbuf, errlen, "socket path too long: %s", path);
    return ACT_EINVAL;
  }
  snprintf(server.path, sizeof(server.path), "%s", path);
  /* The caller made sure nobody answers there: a socket file left by a
     daemon that died is replaced. Anything else is not ours to remove. */
  if (lstat(path, &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      snprintf(errbuf, errlen, "%s exists and is not a socket", path);
      return ACT_EEXIST;
    }
    if (unlink(path) != 0) {
      snprintf(errbuf, errlen, "cannot remove stale socket %s: %s", path,
               strerror(errno));
      return ACT_EIO;
    }
    logs_info("replaced a stale socket at %s", path);
  }
  if ((rc = uv_pipe_init(actord.loop, &server.listener, 0)) != 0) {
    snprintf(errbuf, errlen, "%s: %s", path, uv_strerror(rc));
    return ACT_EIO;
  }
  /* No moment where the socket is open to others: the mask applies to the
     bind itself. */
  old = umask(actord.has_group ? 0117 : 0177);
  rc = uv_pipe_bind(&server.listener, path);
  umask(old);
  if (rc == 0 && actord.has_group &&
      chown(path, (uid_t)-1, actord.group) != 0)
    logs_warn("cannot give socket %s to group %u: %s", path,
              (unsigned)actord.group, strerror(errno));
  if (rc == 0)
    rc = uv_listen((uv_stream_t *)&server.listener, 1024,
                   server_on_connection);
  if (rc != 0) {
    snprintf(errbuf, errlen, "cannot listen on %s: %s", path,
             uv_strerror(rc));
    uv_close((uv_handle_t *)&server.listener, NULL);
    return ACT_EIO;
  }
  server.listening = 1;
  return 0;
}

void server_stop(void) {
  if (!server.listening) return;
  server.listening = 0;
  uv_close((uv_handle_t *)&server.listener, NULL);
  unlink(server.path);
}

void server_free(void) {
  server_stop();
  if (server.flusher_init) {
    server.flusher_init = 0;
    uv_close((uv_handle_t *)&server.flusher, NULL);
  }
}

/* Is this peer admitted? The daemon's own uid and root always; members of
   the configured group too. */
static int server_admit(uid_t uid, gid_t gid) {
  struct passwd pw, *pwp = NULL;
  char buf[4096];
  gid_t groups[256];
  int n = 256;

  if (uid == actord.uid || uid == 0) return 1;
  if (!actord.has_group) return 0;
  if (gid == actord.group) return 1;
  if (getpwuid_r(uid, &pw, buf, sizeof(buf), &pwp) != 0 || pwp == NULL)
    return 0;
  if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &n) < 0) return 0;
  for (int i = 0; i < n; i++)
    if (groups[i] == actord.group) return 1;
  return 0;
}

static void server_on_connection(uv_stream_t *listener, int status) {
  struct ucred cred;
  socklen_t len = sizeof(cred);
  uv_os_fd_t fd;
  conn_t *c;

  if (status != 0) {
    logs_warn("accept: %s", uv_strerror(status));
    return;
  }
  if ((c = conn_new(0)) == NULL) {
    logs_warn("accept: out of memory; a client waits");
    return;
  }
  c->next = server.conns;
  if (server.conns) server.conns->prev = c;
  server.conns = c;
  actord.clients++;
  if (uv_accept(listener, (uv_stream_t *)&c->pipe) != 0) {
    /* Freed in the close callback, like every connection. */
    conn_close(c, "accept failed");
    return;
  }
  if (uv_fileno((uv_handle_t *)&c->pipe, &fd) == 0 &&
      getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
    c->uid = cred.uid;
    c->gid = cred.gid;
    c->pid = cred.pid;
  } else {
    c->uid = (uid_t)-1;
  }
  if (!server_admit(c->uid, c->gid)) {
    logs_warn("client %u (pid %d, uid %d): not admitted", c->serial,
              (int)c->pid, (int)c->uid);
    conn_reject(c, ACT_EDENIED, "permission denied: uid %d is not admitted",
                (int)c->uid);
    return;
  }
  if (actord.shutting_down) {
    conn_reject(c, ACT_EUNAVAIL, "actord is shutting down");
    return;
  }
  if (actord.clients > actord.max_clients) {
    logs_warn("client %u (pid %d): refused, %u clients already", c->serial,
              (int)c->pid, actord.max_clients);
    conn_reject(c, ACT_EUNAVAIL, "too many clients (at most %u)",
                actord.max_clients);
    return;
  }
  conn_spawn(c);
}

void server_conn_gone(conn_t *c) {
  if (c->dirty) {
    conn_t **pp = &server.dirty;
    while (*pp != NULL && *pp != c) pp = &(*pp)->dirty_next;
    if (*pp == c) *pp = c->dirty_next;
    c->dirty = 0;
  }
  if (c->prev) c->prev->next = c->next;
  else if (server.conns == c) server.conns = c->next;
  if (c->next) c->next->prev = c->prev;
  c->prev = c->next = NULL;
  if (actord.clients > 0) actord.clients--;
  events_client_gone();
}

/* Once per loop iteration with output: the state file first, so that no
   client hears of a spawn that a crash right after would forget; then one
   write per connection for everything it was sent. */
static void server_on_flush(uv_idle_t *h) {
  conn_t *c;

  uv_idle_stop(h);
  state_commit();
  while ((c = server.dirty) != NULL) {
    server.dirty = c->dirty_next;
    c->dirty_next = NULL;
    c->dirty = 0;
    conn_flush(c);
  }
}

void server_mark_dirty(conn_t *c) {
  if (!c->dirty) {
    c->dirty = 1;
    c->dirty_next = server.dirty;
    server.dirty = c;
  }
  if (!server.flusher_init) {
    uv_idle_init(actord.loop, &server.flusher);
    server.flusher_init = 1;
  }
  if (!uv_is_active((uv_handle_t *)&server.flusher))
    uv_idle_start(&server.flusher, server_on_flush);
}

void server_close_all(void) {
  for (conn_t *c = server.conns; c != NULL; c = c->next)
    conn_close(c, "actord is shutting down");
}

void server_event_fanout(json_t *event) {
  for (conn_t *c = server.conns; c != NULL; c = c->next)
    if (c->events && !c->closing) conn_notify(c, ACT_N_EVENT, event);
}

void server_log_fanout(const char *key, json_t *line) {
  for (conn_t *c = server.conns; c != NULL; c = c->next) {
    if (!c->follow || c->closing) continue;
    if (c->follow_key[0] == '\0' ||
        (key != NULL && strcmp(c->follow_key, key) == 0))
      conn_notify(c, ACT_N_LOG, line);
  }
}
