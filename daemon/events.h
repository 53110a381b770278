/*
 * events.h - runtime events and actor log lines, from the scheduler threads
 * to the control loop, and from there to the subscribed connections.
 *
 * The runtime calls events_on_event() and events_on_log() on the thread
 * where something happened; they copy it into a queue under a mutex and
 * wake the control loop (uv_async_send, which coalesces). The loop drains
 * the queue in order: the state follows restarts, the log rings get their
 * lines, and every subscribed connection gets an "event" notification.
 */
#ifndef DAEMON_EVENTS_H
#define DAEMON_EVENTS_H

#include <jansson.h>

#include "actor/runtime.h"

/* Subscribed connections (conn.events set); the loop skips building
   notifications while 0. */
extern unsigned events_subscribers;

int events_init(uv_loop_t *loop);
/* Drain what is queued and close the wake-up handle. */
void events_free(void);

/* act_runtime_opts_t callbacks: any thread. */
void events_on_event(void *arg, const act_event_t *ev);
void events_on_log(void *arg, act_id_t id, const char *name, int level,
                   const char *line);

/* One of the daemon's own events ("load", "unload", ...): control loop
   only. fields (stolen) gets "event" and "time" added. */
void events_emit(const char *event, json_t *fields);
/* The children the root supervisor marked failed, as the events told
   (for listings that do not ask the root itself). */
typedef void (*events_failed_cb)(void *arg, act_id_t id, const char *name,
                                 const char *plugin, act_id_t supervisor);
void events_failed_foreach(events_failed_cb cb, void *arg);
/* A failed child was stopped for good (by id, or by name). */
void events_failed_forget(act_id_t id, const char *name);

/* Take what is queued now (e.g. before answering a request that must see
   the events that came before it). */
void events_drain(void);

/* A client connection has gone (server.c): after a burst of them, once
   they pause, the allocator gives its free pages back, as after a burst
   of actor exits. Control loop only. */
void events_client_gone(void);

#endif /* DAEMON_EVENTS_H */
