/* methods.c - the method table and the params helpers of the handlers. */
#include "methods.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "actord.h"
#include "proto.h"

static void methods_list(conn_t *c, json_t *id, json_t *params);

const method_t methods_table[] = {
    {ACT_M_HELLO, method_daemon_hello, "the daemon's version, protocol and name"},
    {ACT_M_DAEMON_STATUS, method_daemon_status, "pid, uptime, socket, actors"},
    {ACT_M_DAEMON_SHUTDOWN, method_daemon_shutdown, "stop the whole tree and exit"},
    {ACT_M_ACTOR_SPAWN, method_actor_spawn, "start an actor under a supervisor"},
    {ACT_M_ACTOR_SEND, method_actor_send, "send a message, no reply"},
    {ACT_M_ACTOR_CALL, method_actor_call, "send a request and wait for the reply"},
    {ACT_M_ACTOR_KILL, method_actor_kill, "send an exit signal"},
    {ACT_M_ACTOR_STOP, method_actor_stop, "stop an actor in order, no restart"},
    {ACT_M_ACTOR_RESTART, method_actor_restart, "restart an actor now"},
    {ACT_M_ACTOR_WAIT, method_actor_wait, "wait until an actor exits"},
    {ACT_M_ACTOR_LIST, method_actor_list, "the actors, as ps shows them"},
    {ACT_M_ACTOR_INFO, method_actor_info, "everything about one actor"},
    {ACT_M_ACTOR_TREE, method_actor_tree, "the supervision tree"},
    {ACT_M_NAME_REGISTER, method_name_register, "give an actor a name"},
    {ACT_M_NAME_UNREGISTER, method_name_unregister, "remove a name"},
    {ACT_M_NAME_WHEREIS, method_name_whereis, "the id behind a name"},
    {ACT_M_PLUGIN_LIST, method_plugin_list, "the loaded plugins"},
    {ACT_M_PLUGIN_LOAD, method_plugin_load, "load a plugin from a file"},
    {ACT_M_PLUGIN_UNLOAD, method_plugin_unload, "unload a plugin no actor uses"},
    {ACT_M_PLUGIN_DEPLOY, method_plugin_deploy, "move a plugin's actors to a new version"},
    {ACT_M_LOGS_READ, method_logs_read, "log lines, and follow them"},
    {ACT_M_EVENTS_SUBSCRIBE, method_events_subscribe, "receive events as they happen"},
    {ACT_M_STATS, method_events_stats, "runtime counters"},
    {ACT_M_METHODS_LIST, methods_list, "the methods this daemon serves"},
    {NULL, NULL, NULL},
};

const method_t *methods_find(const char *name) {
  for (const method_t *m = methods_table; m->name != NULL; m++)
    if (strcmp(m->name, name) == 0) return m;
  return NULL;
}

static void methods_list(conn_t *c, json_t *id, json_t *params) {
  json_t *arr = json_array();
  int detail = 0;

  (void)params;
  if (methods_bool(c, id, params, "summary", 0, &detail) != 0) {
    json_decref(arr);
    return;
  }
  for (const method_t *m = methods_table; arr && m->name != NULL; m++) {
    if (detail)
      json_array_append_new(arr, json_pack("{s:s, s:s}", "name", m->name,
                                           "summary", m->summary));
    else
      json_array_append_new(arr, json_string(m->name));
  }
  conn_result(c, id, arr);
}

const char *methods_describe(const json_t *v, char *buf, size_t size) {
  if (v == NULL) {
    snprintf(buf, size, "nothing");
  } else if (json_is_true(v)) {
    snprintf(buf, size, "true");
  } else if (json_is_false(v)) {
    snprintf(buf, size, "false");
  } else if (json_is_null(v)) {
    snprintf(buf, size, "null");
  } else if (json_is_integer(v)) {
    snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
  } else if (json_is_real(v)) {
    snprintf(buf, size, "%g", json_real_value(v));
  } else if (json_is_string(v)) {
    const char *s = json_string_value(v);
    if (strlen(s) + 3 > size && size > 8)
      snprintf(buf, size, "\"%.*s...\"", (int)(size - 8), s);
    else
      snprintf(buf, size, "\"%s\"", s);
  } else if (json_is_object(v)) {
    snprintf(buf, size, "an object");
  } else {
    snprintf(buf, size, "an array");
  }
  return buf;
}

typedef struct methods_seen {
  int found;
  int hidden;
} methods_seen_t;

static void methods_seen_cb(void *arg, const act_info_t *info) {
  methods_seen_t *s = arg;
  s->found = 1;
  s->hidden = (info->flags & ACT_SPAWN_HIDDEN) != 0;
}

/* Decimal digits only: a TARGET given as a string that is an id. */
static int methods_all_digits(const char *s) {
  if (*s == '\0') return 0;
  for (; *s; s++)
    if (*s < '0' || *s > '9') return 0;
  return 1;
}

int methods_target(conn_t *c, json_t *id, json_t *params, const char *field,
                   unsigned flags, act_id_t *out) {
  json_t *v = json_object_get(params, field);
  char got[80];
  act_id_t target = 0;

  *out = 0;
  if (v == NULL || (json_is_null(v) && (flags & METHODS_TARGET_OPTIONAL))) {
    if (flags & METHODS_TARGET_OPTIONAL) return 0;
    conn_invalid(c, id, "%s: missing; expected an id or a name", field);
    return -1;
  }
  if (json_is_integer(v)) {
    if (json_integer_value(v) <= 0) {
      conn_invalid(c, id, "%s: expected an id or a name, got %s", field,
                   methods_describe(v, got, sizeof(got)));
      return -1;
    }
    target = (act_id_t)json_integer_value(v);
  } else if (json_is_string(v)) {
    const char *s = json_string_value(v);
    if (methods_all_digits(s)) {
      /* Past the largest id is no id at all, not the largest one. */
      errno = 0;
      target = (act_id_t)strtoull(s, NULL, 10);
      if (target == 0 || errno == ERANGE) {
        conn_invalid(c, id, "%s: expected an id or a name, got %s", field,
                     methods_describe(v, got, sizeof(got)));
        return -1;
      }
    } else if (!act_name_valid(s)) {
      conn_invalid(c, id, "%s: %s is not a valid name", field,
                   methods_describe(v, got, sizeof(got)));
      return -1;
    } else if ((target = act_runtime_whereis(actord.rt, s)) == 0) {
      conn_fail(c, id, ACT_ENOENT, "no actor named \"%s\"", s);
      return -1;
    }
  } else {
    conn_invalid(c, id, "%s: expected an id or a name, got %s", field,
                 methods_describe(v, got, sizeof(got)));
    return -1;
  }
  if (!(flags & METHODS_TARGET_NOCHECK)) {
    methods_seen_t seen = {0, 0};
    act_runtime_info(actord.rt, target, methods_seen_cb, &seen);
    if (!seen.found || seen.hidden) {
      if (json_is_string(v) && !methods_all_digits(json_string_value(v)))
        conn_fail(c, id, ACT_ENOENT, "no actor named \"%s\"",
                  json_string_value(v));
      else
        conn_fail(c, id, ACT_ENOENT, "no actor with id %llu",
                  (unsigned long long)target);
      return -1;
    }
  }
  *out = target;
  return 0;
}

int methods_uint(conn_t *c, json_t *id, json_t *params, const char *field,
                 uint64_t def, uint64_t max, uint64_t *out) {
  json_t *v = json_object_get(params, field);
  char got[80];

  *out = def;
  if (v == NULL || json_is_null(v)) return 0;
  if (!json_is_integer(v) || json_integer_value(v) < 0 ||
      (uint64_t)json_integer_value(v) > max) {
    conn_invalid(c, id, "%s: expected an integer from 0 to %llu, got %s",
                 field, (unsigned long long)max,
                 methods_describe(v, got, sizeof(got)));
    return -1;
  }
  *out = (uint64_t)json_integer_value(v);
  return 0;
}

int methods_string(conn_t *c, json_t *id, json_t *params, const char *field,
                   int required, const char **out) {
  json_t *v = json_object_get(params, field);
  char got[80];

  *out = NULL;
  if (v == NULL || (json_is_null(v) && !required)) {
    if (!required) return 0;
    conn_invalid(c, id, "%s: missing; expected a string", field);
    return -1;
  }
  if (!json_is_string(v)) {
    conn_invalid(c, id, "%s: expected a string, got %s", field,
                 methods_describe(v, got, sizeof(got)));
    return -1;
  }
  *out = json_string_value(v);
  return 0;
}

int methods_bool(conn_t *c, json_t *id, json_t *params, const char *field,
                 int def, int *out) {
  json_t *v = json_object_get(params, field);
  char got[80];

  *out = def;
  if (v == NULL || json_is_null(v)) return 0;
  if (!json_is_boolean(v)) {
    conn_invalid(c, id, "%s: expected true or false, got %s", field,
                 methods_describe(v, got, sizeof(got)));
    return -1;
  }
  *out = json_is_true(v);
  return 0;
}
