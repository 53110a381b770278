/* method-events.c - events.subscribe and stats. */
#include "actor/error.h"
#include "actord.h"
#include "conn.h"
#include "events.h"
#include "methods.h"

void method_events_subscribe(conn_t *c, json_t *id, json_t *params) {
  (void)params;
  if (c->internal) {
    conn_fail(c, id, ACT_EINVAL, "events.subscribe: not on this connection");
    return;
  }
  /* The reply goes out before the first event: both are queued in order
     on this connection. */
  conn_result_empty(c, id);
  if (!c->events) {
    c->events = 1;
    events_subscribers++;
  }
}

void method_events_stats(conn_t *c, json_t *id, json_t *params) {
  act_stats_t st;
  uint64_t hidden = conn_live_actors + (actord.root ? 1 : 0);

  (void)params;
  act_runtime_stats(actord.rt, &st);
  /* The network counters come after the existing ones, so that a reader
     of the old shape finds every field where it was. */
  conn_result(
      c, id,
      json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:i, s:i, s:I, s:I,"
                " s:I, s:I, s:I, s:I, s:I}",
                "actors", (json_int_t)(st.actors > hidden ? st.actors - hidden : 0),
                "spawned", (json_int_t)st.spawned, "exited",
                (json_int_t)st.exited, "messages", (json_int_t)st.messages,
                "dropped", (json_int_t)st.dropped, "wakeups",
                (json_int_t)st.wakeups, "threads", (int)st.threads, "clients",
                (int)actord.clients, "requests", (json_int_t)actord.requests,
                "uptime_ms",
                (json_int_t)(act_runtime_now_ms() - actord.started_ms),
                "listeners", (json_int_t)st.listeners, "connections",
                (json_int_t)st.connections, "accepted",
                (json_int_t)st.accepted, "net_bytes_in",
                (json_int_t)st.net_bytes_in, "net_bytes_out",
                (json_int_t)st.net_bytes_out));
}
