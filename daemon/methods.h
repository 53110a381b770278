/*
 * methods.h - the method table of the control protocol and the helpers the
 * handlers share to read their params.
 *
 * Each method is { name, handler, one-line summary }; methods.list walks the
 * table, so what a client can complete is what the daemon serves. A handler
 * either answers at once (conn_result, conn_fail, ...) or parks a conn_op_t
 * and answers when the message it waits for arrives; it never blocks.
 */
#ifndef DAEMON_METHODS_H
#define DAEMON_METHODS_H

#include <jansson.h>

#include "actor/runtime.h"
#include "conn.h"

/* id is borrowed (NULL: a notification, nothing to answer); params is
   borrowed and always an object. */
typedef void (*method_fn)(conn_t *c, json_t *id, json_t *params);

typedef struct method {
  const char *name;
  method_fn fn;
  const char *summary;
} method_t;

const method_t *methods_find(const char *name);
/* The table, NULL-terminated by a NULL name. */
extern const method_t methods_table[];

/* What a value is, for messages: true, 42, "abc", an object, an array. */
const char *methods_describe(const json_t *v, char *buf, size_t size);

/* Options of methods_target(). */
#define METHODS_TARGET_OPTIONAL 0x1u /* absent -> *id = 0, returns 0 */
#define METHODS_TARGET_NOCHECK 0x2u  /* do not check that an id is alive */

/* Read a TARGET (an id, or a name of a live actor) from params[field] into
   *id. On a bad or unknown target, answers the request with the error and
   returns -1. Hidden actors (the root, connections) are not targets. */
int methods_target(conn_t *c, json_t *id, json_t *params, const char *field,
                   unsigned flags, act_id_t *out);
/* An optional non-negative integer field, def when absent; -1 after an
   error reply. */
int methods_uint(conn_t *c, json_t *id, json_t *params, const char *field,
                 uint64_t def, uint64_t max, uint64_t *out);
/* An optional string field (NULL when absent); -1 after an error reply. */
int methods_string(conn_t *c, json_t *id, json_t *params, const char *field,
                   int required, const char **out);
/* An optional boolean field; -1 after an error reply. */
int methods_bool(conn_t *c, json_t *id, json_t *params, const char *field,
                 int def, int *out);

/* Handlers, by group (method-<group>.c). */
void method_daemon_hello(conn_t *c, json_t *id, json_t *params);
void method_daemon_status(conn_t *c, json_t *id, json_t *params);
void method_daemon_shutdown(conn_t *c, json_t *id, json_t *params);
void method_actor_spawn(conn_t *c, json_t *id, json_t *params);
void method_actor_send(conn_t *c, json_t *id, json_t *params);
void method_actor_call(conn_t *c, json_t *id, json_t *params);
void method_actor_kill(conn_t *c, json_t *id, json_t *params);
void method_actor_stop(conn_t *c, json_t *id, json_t *params);
void method_actor_restart(conn_t *c, json_t *id, json_t *params);
void method_actor_wait(conn_t *c, json_t *id, json_t *params);
void method_actor_list(conn_t *c, json_t *id, json_t *params);
void method_actor_info(conn_t *c, json_t *id, json_t *params);
void method_actor_tree(conn_t *c, json_t *id, json_t *params);
void method_name_register(conn_t *c, json_t *id, json_t *params);
void method_name_unregister(conn_t *c, json_t *id, json_t *params);
void method_name_whereis(conn_t *c, json_t *id, json_t *params);
void method_plugin_list(conn_t *c, json_t *id, json_t *params);
void method_plugin_load(conn_t *c, json_t *id, json_t *params);
void method_plugin_unload(conn_t *c, json_t *id, json_t *params);
void method_plugin_deploy(conn_t *c, json_t *id, json_t *params);
void method_logs_read(conn_t *c, json_t *id, json_t *params);
void method_events_subscribe(conn_t *c, json_t *id, json_t *params);
void method_events_stats(conn_t *c, json_t *id, json_t *params);

#endif /* DAEMON_METHODS_H */
