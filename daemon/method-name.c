/* method-name.c - name.register, name.unregister, name.whereis. */
#include <string.h>

#include "actor/error.h"
#include "actord.h"
#include "conn.h"
#include "methods.h"

/* The name param, checked for form; NULL after an error reply. */
static const char *method_name_param(conn_t *c, json_t *id, json_t *params) {
  const char *name;

  if (methods_string(c, id, params, "name", 1, &name) != 0) return NULL;
  if (!act_name_valid(name)) {
    conn_invalid(c, id,
                 "name: \"%s\" is not a valid name (letters, digits, _ . -, "
                 "not starting with a digit, at most %d bytes)",
                 name, ACT_NAME_MAX);
    return NULL;
  }
  return name;
}

void method_name_register(conn_t *c, json_t *id, json_t *params) {
  const char *name;
  act_id_t target, owner;
  int rc;

  if ((name = method_name_param(c, id, params)) == NULL ||
      methods_target(c, id, params, "target", 0, &target) != 0)
    return;
  rc = act_runtime_name_register(actord.rt, name, target);
  if (rc == 0) {
    conn_result_empty(c, id);
  } else if (rc == ACT_EEXIST) {
    owner = act_runtime_whereis(actord.rt, name);
    if (owner == target)
      conn_fail(c, id, rc, "actor %llu is already named \"%s\"",
                (unsigned long long)target, name);
    else if (owner != 0)
      conn_fail(c, id, rc, "name \"%s\" is already taken by actor %llu", name,
                (unsigned long long)owner);
    else
      conn_fail(c, id, rc, "actor %llu already has a name",
                (unsigned long long)target);
  } else if (rc == ACT_ENOENT || rc == ACT_ENOPROC) {
    conn_fail(c, id, ACT_ENOENT, "no actor with id %llu",
              (unsigned long long)target);
  } else {
    conn_fail(c, id, rc, "name.register \"%s\": %s", name, act_strerror(rc));
  }
}

void method_name_unregister(conn_t *c, json_t *id, json_t *params) {
  const char *name;
  int rc;

  if ((name = method_name_param(c, id, params)) == NULL) return;
  rc = act_runtime_name_unregister(actord.rt, name);
  if (rc == 0)
    conn_result_empty(c, id);
  else if (rc == ACT_ENOENT)
    conn_fail(c, id, rc, "no actor named \"%s\"", name);
  else
    conn_fail(c, id, rc, "name.unregister \"%s\": %s", name, act_strerror(rc));
}

void method_name_whereis(conn_t *c, json_t *id, json_t *params) {
  const char *name;
  act_id_t target;

  if ((name = method_name_param(c, id, params)) == NULL) return;
  if ((target = act_runtime_whereis(actord.rt, name)) == 0) {
    conn_fail(c, id, ACT_ENOENT, "no actor named \"%s\"", name);
    return;
  }
  conn_result(c, id, json_pack("{s:I}", "id", (json_int_t)target));
}
