/*
 * server.h - the control socket: listen, accept, admit, and the once per
 * loop iteration flush of every connection's replies.
 */
#ifndef DAEMON_SERVER_H
#define DAEMON_SERVER_H

#include <jansson.h>

#include "conn.h"

/* Is a live actord answering on path? 1 (with its pid in *pid, or 0 when
   unknown), 0 when nobody listens there. */
int server_probe(const char *path, pid_t *pid);
/* Listen on path (mode 0600, or 0660 with an admitted group). A stale
   socket file is replaced. 0 or a negative act_errno_t, with a line in
   errbuf. */
int server_listen(const char *path, char *errbuf, size_t errlen);
/* Stop accepting (shutdown). */
void server_stop(void);
/* Close the listening socket and unlink its file. */
void server_free(void);

/* A connection has output: it is written once this loop iteration's
   callbacks are done, after the state file (if changed) is on disk. */
void server_mark_dirty(conn_t *c);
/* A connection is freed: forget it. */
void server_conn_gone(conn_t *c);
/* Close every client (shutdown). */
void server_close_all(void);

/* Send an event (params of an "event" notification; borrowed) to the
   subscribed connections, a log line to those following its key. */
void server_event_fanout(json_t *event);
void server_log_fanout(const char *key, json_t *line);

#endif /* DAEMON_SERVER_H */
