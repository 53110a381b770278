/* method-actor.c - actor.spawn, send, call, kill, stop, restart, wait,
   list, info, tree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actor/error.h"
#include "actord.h"
#include "conn.h"
#include "events.h"
#include "exec.h"
#include "isolate.h"
#include "listing.h"
#include "logs.h"
#include "methods.h"
#include "state.h"

#define METHOD_ACTOR_SPAWN_MS 30000 /* a supervisor waits for init */
#define METHOD_ACTOR_SUP_MS 30000   /* stop waits for the shutdown timeout */
#define METHOD_ACTOR_CALL_MS 5000
#define METHOD_ACTOR_MAX_MS (24u * 3600 * 1000)

/* What a supervisor answered: NULL when it is a JSON object without
   "error"; else the error (borrowed from msg) or a placeholder. */
static json_t *method_actor_reply_error(const act_msg_t *msg) {
  static json_t *odd;
  json_t *err;

  if (msg->payload != ACT_PAYLOAD_JSON ||
      !(json_is_object(msg->json) || json_is_array(msg->json))) {
    if (odd == NULL)
      odd = json_pack("{s:s, s:s}", "kind", "internal", "message",
                      "the supervisor answered something that is not JSON");
    return odd;
  }
  err = json_object_get(msg->json, "error");
  return err;
}

/* The answer of an ask that timed out or came back with an error; returns
   1 when it was answered here. */
static int method_actor_failed(conn_t *c, conn_op_t *op, const act_msg_t *msg,
                               const char *what) {
  json_t *err;

  if (msg->type == ACT_MSG_TIMEOUT) {
    conn_fail(c, op->id, ACT_ETIMEDOUT, "%s: no answer from the supervisor",
              what);
    return 1;
  }
  if ((err = method_actor_reply_error(msg)) != NULL) {
    conn_fail_reply(c, op->id, err);
    return 1;
  }
  return 0;
}

typedef struct method_actor_who {
  int found, hidden, is_sup;
  act_id_t supervisor;
  char name[ACT_NAME_MAX + 1];
  char plugin[ACT_NAME_MAX + 1];
} method_actor_who_t;

static void method_actor_info_cb(void *arg, const act_info_t *info) {
  method_actor_who_t *s = arg;

  s->found = 1;
  s->hidden = (info->flags & ACT_SPAWN_HIDDEN) != 0;
  s->is_sup = info->desc == &act_supervisor_plugin ||
              (info->plugin && strcmp(info->plugin, "supervisor") == 0);
  s->supervisor = info->supervisor;
  snprintf(s->name, sizeof(s->name), "%s", info->name ? info->name : "");
  snprintf(s->plugin, sizeof(s->plugin), "%s",
           info->plugin ? info->plugin : "");
}

static int method_actor_lookup(act_id_t id, method_actor_who_t *s) {
  memset(s, 0, sizeof(*s));
  act_runtime_info(actord.rt, id, method_actor_info_cb, s);
  return s->found && !s->hidden;
}

/* ---------------------------------------------------------------- spawn */

typedef struct method_actor_spawn {
  json_t *spec;
  char sup_name[ACT_NAME_MAX + 1];
  int persist; /* record it in the state */
} method_actor_spawn_t;

static void method_actor_spawned(conn_t *c, conn_op_t *op,
                                 const act_msg_t *msg) {
  method_actor_spawn_t *s = op->data;
  json_t *jid, *name;

  if (msg == NULL) goto done;
  if (method_actor_failed(c, op, msg, "actor.spawn")) goto done;
  jid = json_object_get(msg->json, "id");
  if (!json_is_integer(jid)) {
    /* The supervisor broke its own protocol: a bug, not a user's error. */
    logs_internal("start_child answered without an id");
    conn_fail(c, op->id, ACT_EINTERNAL,
              "actor.spawn: the supervisor answered without an id");
    goto done;
  }
  name = json_object_get(msg->json, "name");
  if (s->persist)
    state_actor_add(s->spec, s->sup_name[0] ? s->sup_name : NULL,
                    (act_id_t)json_integer_value(jid));
  conn_result(c, op->id,
              json_pack("{s:O, s:O}", "id", jid, "name",
                        json_is_string(name) ? name : json_null()));
done:
  json_decref(s->spec);
  free(s);
}

/* mailbox: N, "N:policy" or {"cap":N,"policy":P} -> {"cap","policy"}. */
static json_t *method_actor_mailbox(conn_t *c, json_t *id, json_t *v) {
  static const char *const policies[] = {"reject", "drop_oldest",
                                         "drop_newest"};
  json_int_t cap = -1;
  const char *policy = "reject";
  char got[80], buf[64];
  int ok = 0;

  if (json_is_integer(v)) {
    cap = json_integer_value(v);
  } else if (json_is_string(v)) {
    const char *s = json_string_value(v), *colon = strchr(s, ':');
    char *end;
    cap = strtoll(s, &end, 10);
    if (end == s || (colon ? end != colon : *end != '\0')) cap = -1;
    if (colon) {
      snprintf(buf, sizeof(buf), "%s", colon + 1);
      policy = buf;
    }
  } else if (json_is_object(v)) {
    json_t *jc = json_object_get(v, "cap"), *jp = json_object_get(v, "policy");
    if (json_is_integer(jc)) cap = json_integer_value(jc);
    if (jp != NULL && !json_is_string(jp)) {
      conn_invalid(c, id, "mailbox.policy: expected a string, got %s",
                   methods_describe(jp, got, sizeof(got)));
      return NULL;
    }
    if (jp) policy = json_string_value(jp);
  }
  if (cap < 0 || cap > UINT32_MAX) {
    conn_invalid(c, id,
                 "mailbox: expected a capacity N, \"N:policy\" or "
                 "{\"cap\":N,\"policy\":P}, got %s",
                 methods_describe(v, got, sizeof(got)));
    return NULL;
  }
  for (int i = 0; i < 3; i++)
    if (strcmp(policy, policies[i]) == 0) ok = 1;
  if (!ok) {
    conn_invalid(c, id,
                 "mailbox: policy \"%s\" is not one of reject, drop_oldest, "
                 "drop_newest",
                 policy);
    return NULL;
  }
  return json_pack("{s:I, s:s}", "cap", cap, "policy", policy);
}

void method_actor_spawn(conn_t *c, json_t *id, json_t *params) {
  const char *plugin, *name, *restart;
  json_t *spec = NULL, *args, *mbox, *iso, *req = NULL;
  act_id_t sup = 0;
  method_actor_who_t si;
  method_actor_spawn_t *s = NULL;
  conn_op_t *op = NULL;
  uint64_t ref, timeout;
  int rc, persist, isolated;
  char got[80], err[256];

  if (methods_string(c, id, params, "plugin", 1, &plugin) != 0 ||
      methods_bool(c, id, params, "persist", 1, &persist) != 0 ||
      methods_string(c, id, params, "name", 0, &name) != 0 ||
      methods_string(c, id, params, "restart", 0, &restart) != 0 ||
      methods_uint(c, id, params, "timeout_ms", METHOD_ACTOR_SPAWN_MS,
                   METHOD_ACTOR_MAX_MS, &timeout) != 0)
    return;
  iso = json_object_get(params, "isolate");
  if (iso != NULL && !json_is_boolean(iso) && !json_is_null(iso)) {
    conn_invalid(c, id, "isolate: expected true or false, got %s",
                 methods_describe(iso, got, sizeof(got)));
    return;
  }
  isolated = json_is_true(iso);
  if (!isolated && (json_object_get(params, "limits") != NULL ||
                    json_object_get(params, "handler_timeout_ms") != NULL)) {
    conn_invalid(c, id, "%s: only for an isolated actor (\"isolate\": true)",
                 json_object_get(params, "limits") ? "limits"
                                                   : "handler_timeout_ms");
    return;
  }
  if (restart == NULL) restart = "permanent";
  if (strcmp(restart, "permanent") && strcmp(restart, "transient") &&
      strcmp(restart, "temporary")) {
    conn_invalid(c, id,
                 "restart: expected permanent, transient or temporary, got "
                 "\"%s\"",
                 restart);
    return;
  }
  if (name != NULL && !act_name_valid(name)) {
    conn_invalid(c, id, "name: \"%s\" is not a valid name (letters, digits, "
                        "_ . -, not starting with a digit, at most %d bytes)",
                 name, ACT_NAME_MAX);
    return;
  }
  if (!act_name_valid(plugin) ||
      (loader_find(actord.loader, plugin) == NULL &&
       act_runtime_lookup(actord.rt, plugin) == NULL)) {
    conn_fail(c, id, ACT_ENOENT, "no plugin named \"%s\"", plugin);
    return;
  }
  if (name != NULL) {
    act_id_t owner = act_runtime_whereis(actord.rt, name);
    if (owner != 0) {
      conn_fail(c, id, ACT_EEXIST, "name \"%s\" is already taken by actor %llu",
                name, (unsigned long long)owner);
      return;
    }
  }
  if (methods_target(c, id, params, "sup", METHODS_TARGET_OPTIONAL, &sup) != 0)
    return;
  memset(&si, 0, sizeof(si));
  if (sup != 0 && (!method_actor_lookup(sup, &si) || !si.is_sup)) {
    conn_invalid(c, id, "sup: actor %llu (%s) is not a supervisor",
                 (unsigned long long)sup, si.plugin);
    return;
  }
  if (sup == 0) sup = actord.root;
  if ((spec = json_pack("{s:s, s:s}", "plugin", plugin, "restart", restart)) ==
      NULL)
    goto nomem;
  if (name != NULL) json_object_set_new(spec, "name", json_string(name));
  if ((args = json_object_get(params, "args")) != NULL && !json_is_null(args))
    json_object_set(spec, "args", args);
  exec_spec_complete(spec);
  /* A spec recorded by an isolated spawn (a restore) is isolated already. */
  if (isolated && strcmp(plugin, ISOLATE_PLUGIN) != 0) {
    /* The plugin runs in a host process; its proxy is the actor. */
    const loader_plugin_t *lp = loader_find(actord.loader, plugin);
    if (lp == NULL || lp->builtin) {
      conn_invalid(c, id, "isolate: \"%s\" is built into actord and cannot "
                          "run isolated", plugin);
      json_decref(spec);
      return;
    }
    if ((rc = isolate_spec(spec, params, lp->path, err, sizeof(err))) != 0) {
      if (rc == ACT_EINVAL) conn_invalid(c, id, "%s", err);
      else conn_fail(c, id, rc, "actor.spawn: %s", err);
      json_decref(spec);
      return;
    }
  }
  if ((mbox = json_object_get(params, "mailbox")) != NULL &&
      !json_is_null(mbox)) {
    json_t *m = method_actor_mailbox(c, id, mbox);
    if (m == NULL) {
      json_decref(spec);
      return;
    }
    json_object_set_new(spec, "mailbox", m);
  }
  if ((s = calloc(1, sizeof(*s))) == NULL) goto nomem;
  s->spec = spec;
  /* Only what can be found again by name is restored under its
     supervisor; under the root needs no name. */
  s->persist =
      persist && strcmp(restart, "temporary") != 0 && !actord.ephemeral;
  if (sup != actord.root) {
    if (si.name[0] != '\0') {
      snprintf(s->sup_name, sizeof(s->sup_name), "%s", si.name);
    } else if (s->persist) {
      logs_info("actor.spawn under supervisor %llu, which has no name: not "
                "recorded for the next start",
                (unsigned long long)sup);
      s->persist = 0;
    }
  }
  if ((op = conn_op_new(c, id, method_actor_spawned, s)) == NULL) goto nomem;
  if ((req = json_pack("{s:O}", "start_child", spec)) == NULL) goto nomem;
  if (c->ctx == NULL) {
    rc = ACT_EUNAVAIL;
  } else {
    rc = act_ask_json(c->ctx, sup, ACT_TAG_JSON, req, (uint32_t)timeout, &ref);
  }
  req = NULL;
  if (rc != 0) {
    conn_fail(c, id, rc, "actor.spawn: cannot reach the supervisor: %s",
              act_strerror(rc));
    goto fail;
  }
  conn_op_park(c, op, ref);
  return;

nomem:
  conn_fail(c, id, ACT_ENOMEM, "actor.spawn: out of memory");
fail:
  json_decref(req);
  conn_op_free(op);
  free(s);
  json_decref(spec);
}

/* ----------------------------------------------------------- send, call */

void method_actor_send(conn_t *c, json_t *id, json_t *params) {
  json_t *msg = json_object_get(params, "message");
  act_id_t target;
  int rc;

  if (msg == NULL) {
    if (methods_target(c, id, params, "target", METHODS_TARGET_NOCHECK,
                       &target) == 0)
      conn_invalid(c, id, "message: missing; expected a JSON value");
    return;
  }
  if (methods_target(c, id, params, "target", METHODS_TARGET_NOCHECK,
                     &target) != 0)
    return;
  rc = act_runtime_send_json(actord.rt, target, ACT_TAG_JSON,
                             json_incref(msg));
  if (rc == 0) {
    conn_result_empty(c, id);
  } else if (rc == ACT_ENOENT || rc == ACT_ENOPROC) {
    conn_fail(c, id, ACT_ENOENT, "no actor with id %llu",
              (unsigned long long)target);
  } else if (rc == ACT_EMBOXFULL) {
    conn_fail(c, id, rc, "the mailbox of actor %llu is full",
              (unsigned long long)target);
  } else {
    conn_fail(c, id, rc, "send to actor %llu: %s", (unsigned long long)target,
              act_strerror(rc));
  }
}

/* A call waits for two things at once: the reply (or the ask's timeout),
   and the target's exit, so that a target that dies without replying is
   reported at once as gone rather than after the whole timeout. */
typedef struct method_actor_call {
  act_id_t target;
  uint64_t timeout_ms;
  uint64_t ask_ref, mon_ref;
  int parts; /* ops still parked (1 or 2) */
} method_actor_call_t;

static void method_actor_called(conn_t *c, conn_op_t *op,
                                const act_msg_t *msg) {
  method_actor_call_t *k = op->data;
  conn_op_t *other;
  json_t *v;

  if (msg == NULL) {
    if (--k->parts == 0) free(k);
    return;
  }
  /* Whichever comes first answers; the other part is dropped. */
  other = conn_op_take(c, op->ref == k->ask_ref ? k->mon_ref : k->ask_ref);
  if (other != NULL) {
    if (other->ref == k->mon_ref && c->ctx != NULL)
      act_demonitor(c->ctx, k->mon_ref);
    conn_op_free(other);
    k->parts--;
  }
  if (msg->type == ACT_MSG_DOWN) {
    conn_fail(c, op->id, ACT_ENOENT, "actor %llu exited (%s) before it replied",
              (unsigned long long)k->target,
              msg->reason ? msg->reason : "normal");
  } else if (msg->type == ACT_MSG_TIMEOUT) {
    conn_fail(c, op->id, ACT_ETIMEDOUT,
              "actor %llu did not reply within %llu ms",
              (unsigned long long)k->target,
              (unsigned long long)k->timeout_ms);
  } else {
    if (msg->payload == ACT_PAYLOAD_JSON) {
      v = json_incref(msg->json);
    } else if (msg->payload == ACT_PAYLOAD_BYTES) {
      /* Raw bytes: JSON when they parse as JSON, else a string. */
      v = json_loadb(msg->data, msg->len, JSON_DECODE_ANY, NULL);
      if (v == NULL) v = json_stringn_nocheck(msg->data, msg->len);
    } else {
      v = json_null();
    }
    conn_result(c, op->id, v);
  }
  if (--k->parts == 0) free(k);
}

void method_actor_call(conn_t *c, json_t *id, json_t *params) {
  json_t *msg = json_object_get(params, "message");
  act_id_t target;
  uint64_t timeout, ref;
  conn_op_t *op = NULL, *mop = NULL;
  method_actor_call_t *k = NULL;
  int rc;

  /* The form of every field first, then whether the target exists. */
  if (methods_uint(c, id, params, "timeout_ms", METHOD_ACTOR_CALL_MS,
                   METHOD_ACTOR_MAX_MS, &timeout) != 0)
    return;
  if (msg == NULL) {
    conn_invalid(c, id, "message: missing; expected a JSON value");
    return;
  }
  if (timeout == 0) {
    conn_invalid(c, id, "timeout_ms: expected at least 1, got 0");
    return;
  }
  if (methods_target(c, id, params, "target", 0, &target) != 0) return;
  if (c->ctx == NULL) {
    conn_fail(c, id, ACT_EUNAVAIL, "actor.call: the connection is closing");
    return;
  }
  if ((k = calloc(1, sizeof(*k))) == NULL ||
      (op = conn_op_new(c, id, method_actor_called, k)) == NULL ||
      (mop = conn_op_new(c, id, method_actor_called, k)) == NULL) {
    conn_fail(c, id, ACT_ENOMEM, "actor.call: out of memory");
    goto fail;
  }
  k->target = target;
  k->timeout_ms = timeout;
  rc = act_ask_json(c->ctx, target, ACT_TAG_JSON, json_incref(msg),
                    (uint32_t)timeout, &ref);
  if (rc != 0) {
    if (rc == ACT_ENOENT || rc == ACT_ENOPROC)
      conn_fail(c, id, ACT_ENOENT, "no actor with id %llu",
                (unsigned long long)target);
    else
      conn_fail(c, id, rc, "call to actor %llu: %s",
                (unsigned long long)target, act_strerror(rc));
    goto fail;
  }
  k->ask_ref = ref;
  k->parts = 1;
  conn_op_park(c, op, ref);
  op = NULL;
  /* Without the monitor the call still ends, by its timeout. */
  if (act_monitor(c->ctx, target, &ref) == 0) {
    k->mon_ref = ref;
    k->parts++;
    conn_op_park(c, mop, ref);
  } else {
    conn_op_free(mop);
  }
  return;

fail:
  conn_op_free(mop);
  conn_op_free(op);
  free(k);
}

/* ----------------------------------------------------------------- kill */

void method_actor_kill(conn_t *c, json_t *id, json_t *params) {
  const char *reason;
  act_id_t target;
  int rc;

  if (methods_string(c, id, params, "reason", 0, &reason) != 0 ||
      methods_target(c, id, params, "target", 0, &target) != 0)
    return;
  if (reason != NULL && reason[0] == '\0') {
    conn_invalid(c, id, "reason: expected a non-empty string");
    return;
  }
  /* A runaway isolated handler would hold the untrappable kill up. */
  if (reason == NULL) isolate_kill(target);
  rc = act_runtime_kill(actord.rt, target, reason);
  if (rc == ACT_ENOENT || rc == ACT_ENOPROC)
    conn_fail(c, id, ACT_ENOENT, "no actor with id %llu",
              (unsigned long long)target);
  else if (rc != 0)
    conn_fail(c, id, rc, "kill actor %llu: %s", (unsigned long long)target,
              act_strerror(rc));
  else
    conn_result_empty(c, id);
}

/* --------------------------------------------------------- stop, restart */

typedef struct method_actor_sup {
  act_id_t target;
  char name[ACT_NAME_MAX + 1];
  int restart;
} method_actor_sup_t;

static void method_actor_sup_done(conn_t *c, conn_op_t *op,
                                  const act_msg_t *msg) {
  method_actor_sup_t *s = op->data;
  json_t *jid;

  if (msg == NULL) goto done;
  if (msg->type == ACT_MSG_DOWN) {
    /* An actor without a supervisor, stopped with an exit signal. */
    state_actor_remove(s->target, s->name[0] ? s->name : NULL);
    conn_result_empty(c, op->id);
    goto done;
  }
  if (method_actor_failed(c, op, msg, s->restart ? "actor.restart"
                                                 : "actor.stop"))
    goto done;
  if (!s->restart) {
    state_actor_remove(s->target, s->name[0] ? s->name : NULL);
    events_failed_forget(s->target, s->name[0] ? s->name : NULL);
    conn_result_empty(c, op->id);
    goto done;
  }
  jid = json_object_get(msg->json, "id");
  if (json_is_integer(jid))
    state_actor_restarted(s->target, (act_id_t)json_integer_value(jid));
  conn_result(c, op->id, json_pack("{s:O}", "id", jid ? jid : json_null()));
done:
  free(s);
}

static void method_actor_sup(conn_t *c, json_t *id, json_t *params,
                             int restart) {
  const char *verb = restart ? "restart_child" : "terminate_child";
  json_t *v = json_object_get(params, "target"), *req = NULL, *key;
  act_id_t target = 0, sup;
  method_actor_who_t si;
  method_actor_sup_t *s = NULL;
  conn_op_t *op = NULL;
  uint64_t ref;
  int rc;

  if ((s = calloc(1, sizeof(*s))) == NULL) {
    conn_fail(c, id, ACT_ENOMEM, "out of memory");
    return;
  }
  s->restart = restart;
  /* A name that is not alive may still be a child the root supervisor
     keeps (restarting, or failed and waiting for a hand restart). */
  if (json_is_string(v) && act_name_valid(json_string_value(v)) &&
      act_runtime_whereis(actord.rt, json_string_value(v)) == 0) {
    sup = actord.root;
    snprintf(s->name, sizeof(s->name), "%s", json_string_value(v));
    key = json_string(s->name);
  } else {
    if (methods_target(c, id, params, "target", 0, &target) != 0) {
      free(s);
      return;
    }
    if (!method_actor_lookup(target, &si)) {
      conn_fail(c, id, ACT_ENOENT, "no actor with id %llu",
                (unsigned long long)target);
      free(s);
      return;
    }
    snprintf(s->name, sizeof(s->name), "%s", si.name);
    s->target = target;
    sup = si.supervisor;
    key = json_integer((json_int_t)target);
  }
  if ((op = conn_op_new(c, id, method_actor_sup_done, s)) == NULL) {
    json_decref(key);
    conn_fail(c, id, ACT_ENOMEM, "out of memory");
    free(s);
    return;
  }
  if (c->ctx == NULL) {
    rc = ACT_EUNAVAIL;
    json_decref(key);
  } else if (sup == 0) {
    json_decref(key);
    if (restart) {
      conn_fail(c, id, ACT_EINVAL,
                "actor %llu has no supervisor: nothing would start it again",
                (unsigned long long)target);
      conn_op_free(op);
      free(s);
      return;
    }
    /* No supervisor: an exit signal, and the answer once it is gone. */
    rc = act_monitor(c->ctx, target, &ref);
    if (rc == 0) {
      conn_op_park(c, op, ref);
      act_runtime_kill(actord.rt, target, "shutdown");
      return;
    }
  } else {
    req = json_pack("{s:o}", verb, key);
    rc = req ? act_ask_json(c->ctx, sup, ACT_TAG_JSON, req,
                            METHOD_ACTOR_SUP_MS, &ref)
             : ACT_ENOMEM;
    if (rc == 0) {
      conn_op_park(c, op, ref);
      return;
    }
  }
  conn_fail(c, id, rc, "%s: %s", restart ? "actor.restart" : "actor.stop",
            act_strerror(rc));
  conn_op_free(op);
  free(s);
}

void method_actor_stop(conn_t *c, json_t *id, json_t *params) {
  method_actor_sup(c, id, params, 0);
}

void method_actor_restart(conn_t *c, json_t *id, json_t *params) {
  method_actor_sup(c, id, params, 1);
}

/* ----------------------------------------------------------------- wait */

static void method_actor_waited(conn_t *c, conn_op_t *op,
                                const act_msg_t *msg) {
  if (msg == NULL) return;
  if (msg->type == ACT_MSG_DOWN) {
    if (op->aux != 0 && c->ctx != NULL) act_timer_cancel(c->ctx, op->aux);
    conn_result(c, op->id, json_pack("{s:s}", "reason",
                                     msg->reason ? msg->reason : "normal"));
    return;
  }
  /* The timer went first. */
  if (c->ctx != NULL) act_demonitor(c->ctx, op->ref);
  conn_fail(c, op->id, ACT_ETIMEDOUT,
            "timed out waiting for actor %llu to exit",
            (unsigned long long)(uintptr_t)op->data);
}

void method_actor_wait(conn_t *c, json_t *id, json_t *params) {
  act_id_t target;
  uint64_t timeout, ref, timer = 0;
  conn_op_t *op;
  int rc;

  if (methods_uint(c, id, params, "timeout_ms", 0, METHOD_ACTOR_MAX_MS,
                   &timeout) != 0 ||
      methods_target(c, id, params, "target", 0, &target) != 0)
    return;
  if (c->ctx == NULL) {
    conn_fail(c, id, ACT_EUNAVAIL, "actor.wait: the connection is closing");
    return;
  }
  if ((op = conn_op_new(c, id, method_actor_waited,
                        (void *)(uintptr_t)target)) == NULL) {
    conn_fail(c, id, ACT_ENOMEM, "actor.wait: out of memory");
    return;
  }
  if ((rc = act_monitor(c->ctx, target, &ref)) != 0) {
    conn_op_free(op);
    conn_fail(c, id, rc == ACT_ENOPROC ? ACT_ENOENT : rc,
              "actor.wait: cannot monitor actor %llu: %s",
              (unsigned long long)target, act_strerror(rc));
    return;
  }
  if (timeout > 0 &&
      act_timer_start(c->ctx, timeout, 0, CONN_TAG_TIMER, &ref, sizeof(ref),
                      &timer) != 0) {
    act_demonitor(c->ctx, ref);
    conn_op_free(op);
    conn_fail(c, id, ACT_EINTERNAL, "actor.wait: cannot start a timer");
    return;
  }
  op->aux = timer;
  conn_op_park(c, op, ref);
}

/* ------------------------------------------------------- list, tree, info */

void method_actor_list(conn_t *c, json_t *id, json_t *params) {
  (void)params;
  listing_start(c, id, LISTING_LIST);
}

void method_actor_tree(conn_t *c, json_t *id, json_t *params) {
  (void)params;
  listing_start(c, id, LISTING_TREE);
}

typedef struct method_actor_info {
  json_t *obj;      /* what is known so far */
  act_id_t target;
  unsigned pending; /* asks still out */
  int failed;
} method_actor_info_t;

static void method_actor_info_part(conn_t *c, conn_op_t *op,
                                   const act_msg_t *msg) {
  method_actor_info_t *in = op->data;
  json_t *v;
  size_t i;

  if (msg != NULL && msg->type == ACT_MSG_REPLY &&
      msg->payload == ACT_PAYLOAD_JSON) {
    if (op->aux == 1 && json_is_object(msg->json)) {
      /* The target's own view: links, monitors, counters, data. */
      if (json_object_get(msg->json, "error") != NULL) {
        in->failed = 1;
      } else {
        const char *k;
        json_t *val;
        json_object_foreach(msg->json, k, val)
          json_object_set(in->obj, k, val);
        v = json_object_get(in->obj, "data");
        if (json_is_object(v) && json_is_integer(json_object_get(v, "pid")))
          json_object_set(in->obj, "pid", json_object_get(v, "pid"));
      }
    } else if (op->aux == 2 && json_is_array(msg->json)) {
      json_array_foreach(msg->json, i, v) {
        if ((act_id_t)json_integer_value(json_object_get(v, "id")) ==
            in->target) {
          json_object_set(in->obj, "restart", json_object_get(v, "restart"));
        }
      }
    }
  } else if (msg != NULL && msg->type == ACT_MSG_TIMEOUT && op->aux == 1) {
    /* A busy actor cannot tell; what the runtime knows still helps. */
    json_object_set_new(in->obj, "data", json_null());
  }
  if (--in->pending > 0) return;
  if (msg == NULL) {
    /* The connection is gone. */
  } else if (in->failed) {
    conn_fail(c, op->id, ACT_ENOENT, "no actor with id %llu",
              (unsigned long long)in->target);
  } else {
    conn_result(c, op->id, json_incref(in->obj));
  }
  json_decref(in->obj);
  free(in);
}

void method_actor_info(conn_t *c, json_t *id, json_t *params) {
  act_id_t target, sup = 0;
  method_actor_info_t *in;
  json_t *obj, *q;
  uint64_t ref;

  if (methods_target(c, id, params, "target", 0, &target) != 0) return;
  if ((obj = listing_one(target, &sup)) == NULL) {
    conn_fail(c, id, ACT_ENOENT, "no actor with id %llu",
              (unsigned long long)target);
    return;
  }
  json_object_set_new(obj, "links", json_array());
  json_object_set_new(obj, "monitors", json_array());
  json_object_set_new(obj, "trap_exit", json_false());
  json_object_set_new(obj, "data", json_null());
  json_object_set_new(obj, "restart", json_null());
  /* The runtime's answer replaces it with the sockets the actor owns; an
     actor that cannot tell (busy, isolated) shows none rather than no
     field. */
  json_object_set_new(obj, "sockets", json_array());
  if ((in = calloc(1, sizeof(*in))) == NULL || c->ctx == NULL) {
    free(in);
    conn_result(c, id, obj);
    return;
  }
  in->obj = obj;
  in->target = target;
  in->pending = 1;
  /* Both asks go out before either answer can come back (same thread);
     every part carries the request's id and the last one answers. */
  if (act_inspect(c->ctx, target, 2000, &ref) == 0) {
    conn_op_t *op = conn_op_new(c, id, method_actor_info_part, in);
    if (op != NULL) {
      op->aux = 1;
      in->pending++;
      conn_op_park(c, op, ref);
    }
  }
  if (sup != 0 && (q = json_pack("{s:b}", "which_children", 1)) != NULL &&
      act_ask_json(c->ctx, sup, ACT_TAG_JSON, q, 2000, &ref) == 0) {
    conn_op_t *op = conn_op_new(c, id, method_actor_info_part, in);
    if (op != NULL) {
      op->aux = 2;
      in->pending++;
      conn_op_park(c, op, ref);
    }
  }
  if (--in->pending == 0) {
    conn_result(c, id, json_incref(in->obj));
    json_decref(in->obj);
    free(in);
  }
}
