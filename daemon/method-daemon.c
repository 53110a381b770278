/* method-daemon.c - hello, daemon.status, daemon.shutdown. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actord.h"
#include "conn.h"
#include "logs.h"
#include "methods.h"
#include "proto.h"

void method_daemon_hello(conn_t *c, json_t *id, json_t *params) {
  const char *client, *proto;

  if (methods_string(c, id, params, "client", 0, &client) != 0 ||
      methods_string(c, id, params, "protocol", 0, &proto) != 0)
    return;
  /* A peer of another major version is refused, naming both. */
  if (proto != NULL && atoi(proto) != ACT_PROTO_MAJOR) {
    conn_fail(c, id, ACT_EINVAL,
              "protocol %s is not supported: this actord speaks protocol %s",
              proto, ACT_PROTO_VERSION);
    return;
  }
  if (client != NULL)
    logs_debug("client %u (pid %d) is %s", c->serial, (int)c->pid, client);
  conn_result(c, id,
              json_pack("{s:s, s:s, s:s, s:i}", "version", ACT_VERSION,
                        "protocol", ACT_PROTO_VERSION, "name", actord.name,
                        "pid", (int)actord.pid));
}

/* Actors a user can see: the runtime's count less the daemon's hidden
   ones (the root supervisor and the connections). */
static uint64_t method_daemon_actors(void) {
  act_stats_t st;
  uint64_t hidden = conn_live_actors + (actord.root ? 1 : 0);

  act_runtime_stats(actord.rt, &st);
  return st.actors > hidden ? st.actors - hidden : 0;
}

void method_daemon_status(conn_t *c, json_t *id, json_t *params) {
  (void)params;
  conn_result(
      c, id,
      json_pack("{s:i, s:s, s:s, s:I, s:I, s:s, s:i, s:s?, s:s, s:I}", "pid",
                (int)actord.pid, "version", ACT_VERSION, "protocol",
                ACT_PROTO_VERSION, "uptime_ms",
                (json_int_t)(act_runtime_now_ms() - actord.started_ms),
                "actors", (json_int_t)method_daemon_actors(), "socket",
                actord.socket_path, "threads", (int)actord.threads,
                "state_dir", actord.ephemeral ? NULL : actord.state_dir, "name",
                actord.name, "clients", (json_int_t)actord.clients));
}

void method_daemon_shutdown(conn_t *c, json_t *id, json_t *params) {
  char why[64];

  (void)params;
  conn_result_empty(c, id);
  snprintf(why, sizeof(why), "asked by client %u (pid %d)", c->serial,
           (int)c->pid);
  main_shutdown(why);
}
