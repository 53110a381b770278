/*
 * logs.h - the daemon's own log and the rings of actor log lines.
 *
 * The daemon logs one line per event, "TIME LEVEL: message", to stderr or
 * the -L file. Every line, the daemon's and the actors', is also kept in
 * memory: a ring per actor (by name when it has one, so `logs web` survives
 * restarts; else by id) and one ring of everything, which logs.read serves.
 * The rings belong to the control loop's thread; scheduler threads hand
 * their lines over through events.c.
 */
#ifndef DAEMON_LOGS_H
#define DAEMON_LOGS_H

#include <stdint.h>
#include <jansson.h>

#include "actor/plugin.h"

#define LOGS_RING_LINES 1000   /* lines kept per actor */
#define LOGS_ALL_LINES 10000   /* lines kept in the ring of everything */
#define LOGS_MAX_DEAD 256      /* rings of dead actors kept */

/* Set the threshold and the destination (NULL: stderr). 0 or ACT_EIO. */
int logs_open(int level, const char *file);
/* Reopen the log file (after SIGHUP, for log rotation). */
void logs_reopen(void);
void logs_close(void);
/* "debug", "info", "warn", "error" -> ACT_LOG_*, or -1. */
int logs_level_parse(const char *s);
const char *logs_level_name(int level);

/* The daemon's own lines. logs_internal() marks a bug of the daemon: its
   line says "internal error", which the test harness looks for, so it must
   never be used for what a client or a plugin did wrong. */
void logs_msg(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void logs_internal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define logs_debug(...) logs_msg(ACT_LOG_DEBUG, __VA_ARGS__)
#define logs_info(...) logs_msg(ACT_LOG_INFO, __VA_ARGS__)
#define logs_warn(...) logs_msg(ACT_LOG_WARN, __VA_ARGS__)
#define logs_error(...) logs_msg(ACT_LOG_ERROR, __VA_ARGS__)

/* "2026-11-21T19:44:13.123Z" from milliseconds since the epoch. */
void logs_time_format(uint64_t ms, char *buf, size_t size);
uint64_t logs_wall_ms(void);

/* An actor's line (control loop only): kept, echoed at debug level, sent
   to the connections following it. name may be NULL. */
void logs_actor_line(uint64_t time_ms, act_id_t id, const char *name,
                     int level, const char *line);
/* An actor exited: its ring may be dropped once enough others died. */
void logs_actor_exit(act_id_t id, const char *name);
/* An actor with this name (re)started: keep its ring. */
void logs_actor_spawn(act_id_t id, const char *name);

/* The ring key a connection follows for a target: by name, or by id. */
void logs_key(char *buf, size_t size, act_id_t id, const char *name);
/* Is there a ring for this key? */
int logs_has(const char *key);
/* The last `lines` lines of a ring (key NULL: every line) as a JSON array
   of {"time","level","id","name","line"}; new reference, NULL on ENOMEM. */
json_t *logs_read(const char *key, size_t lines);

void logs_free_all(void);

#endif /* DAEMON_LOGS_H */
