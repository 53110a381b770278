/* method-logs.c - logs.read (and following). */
#include <stdio.h>
#include <string.h>

#include "actor/error.h"
#include "actord.h"
#include "conn.h"
#include "logs.h"
#include "methods.h"

typedef struct method_logs_target {
  char name[ACT_NAME_MAX + 1];
  int found, hidden;
} method_logs_target_t;

static void method_logs_info(void *arg, const act_info_t *info) {
  method_logs_target_t *t = arg;
  t->found = 1;
  t->hidden = (info->flags & ACT_SPAWN_HIDDEN) != 0;
  snprintf(t->name, sizeof(t->name), "%s", info->name ? info->name : "");
}

void method_logs_read(conn_t *c, json_t *id, json_t *params) {
  json_t *target = json_object_get(params, "target"), *lines_json;
  char key[ACT_NAME_MAX + 8], got[80];
  uint64_t lines;
  int follow;

  if (methods_uint(c, id, params, "lines", 100, LOGS_ALL_LINES, &lines) != 0 ||
      methods_bool(c, id, params, "follow", 0, &follow) != 0)
    return;
  key[0] = '\0';
  if (target != NULL && !json_is_null(target)) {
    /* A name has a ring even while its actor is dead or restarting. */
    if (json_is_string(target) && act_name_valid(json_string_value(target))) {
      const char *name = json_string_value(target);
      logs_key(key, sizeof(key), 0, name);
      if (!logs_has(key) && act_runtime_whereis(actord.rt, name) == 0) {
        conn_fail(c, id, ACT_ENOENT, "no actor named \"%s\"", name);
        return;
      }
    } else if (json_is_integer(target) && json_integer_value(target) > 0) {
      act_id_t aid = (act_id_t)json_integer_value(target);
      method_logs_target_t t = {{0}, 0, 0};
      act_runtime_info(actord.rt, aid, method_logs_info, &t);
      logs_key(key, sizeof(key), aid, t.found ? t.name : NULL);
      if ((!t.found || t.hidden) && !logs_has(key)) {
        conn_fail(c, id, ACT_ENOENT, "no actor with id %llu",
                  (unsigned long long)aid);
        return;
      }
    } else {
      act_id_t aid;
      /* Anything else (a decimal string, a wrong type) as any TARGET. */
      if (methods_target(c, id, params, "target", 0, &aid) != 0) return;
      logs_key(key, sizeof(key), aid, NULL);
      (void)got;
    }
  }
  if ((lines_json = logs_read(key[0] ? key : NULL, lines)) == NULL) {
    conn_fail(c, id, ACT_ENOMEM, "logs.read: out of memory");
    return;
  }
  conn_result(c, id, lines_json);
  if (follow && !c->internal) {
    snprintf(c->follow_key, sizeof(c->follow_key), "%s", key);
    if (!c->follow) {
      c->follow = 1;
      conn_log_followers++;
    }
  }
}
