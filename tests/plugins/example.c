/*
 * kv - a small key-value store: the example plugin of actor-plugin(3).
 *
 * Build: cc -shared -fPIC $(pkg-config --cflags libactor) kv.c -o kv.so
 * Use:   actorctl load ./kv.so
 *        actorctl spawn kv --name store --args '{"max_keys":100}'
 *        actorctl send store '{"set":{"key":"a","value":[1,2]}}'
 *        actorctl call store '{"get":"a"}'       prints {"value":[1,2]}
 */
#include <stdlib.h>

#include <actor/plugin.h>

struct kv {
  json_t *table;   /* a JSON object of our own: key -> value */
  size_t max_keys;
};

/* A call gets {"error":{"kind":"invalid","message":TEXT}}; a send that
   nobody waits on leaves a warning in the actor's log instead. */
static int kv_error(act_ctx_t *ctx, const act_msg_t *msg, const char *text) {
  json_t *reply;

  if (!(msg->flags & ACT_MSG_F_ASK)) {
    act_log(ctx, ACT_LOG_WARN, "%s", text);
    return 0;
  }
  reply = json_pack("{s:{s:s,s:s}}", "error", "kind", "invalid",
                    "message", text);
  if (reply == NULL)
    return ACT_ENOMEM;
  return act_reply_json(ctx, msg, reply); /* reply is stolen */
}

static int kv_init(act_ctx_t *ctx, json_t *args, void **state) {
  /* args is borrowed and may be NULL; json_object_get accepts NULL. */
  json_t *max = json_object_get(args, "max_keys");
  struct kv *kv;

  if (max != NULL && (!json_is_integer(max) || json_integer_value(max) < 1)) {
    act_log(ctx, ACT_LOG_ERROR, "max_keys: expected a positive integer");
    return ACT_EINVAL; /* the actor exits; spawn reports the error */
  }
  kv = calloc(1, sizeof(*kv));
  if (kv == NULL)
    return ACT_ENOMEM;
  kv->table = json_object();
  if (kv->table == NULL) {
    free(kv);
    return ACT_ENOMEM;
  }
  kv->max_keys = max != NULL ? (size_t)json_integer_value(max) : 1000;
  *state = kv;
  return 0;
}

static int kv_handle(act_ctx_t *ctx, void *state, const act_msg_t *msg) {
  struct kv *kv = state;
  json_t *v, *key, *value, *reply;

  if (msg->type != ACT_MSG_USER)
    return 0; /* no links, monitors or asks of our own */

  if ((v = act_msg_get(msg, "set")) != NULL) {
    key = json_object_get(v, "key");
    value = json_object_get(v, "value");
    if (!json_is_string(key) || value == NULL)
      return kv_error(ctx, msg, "set: expected {key, value}, key a string");
    if (json_object_get(kv->table, json_string_value(key)) == NULL &&
        json_object_size(kv->table) >= kv->max_keys)
      return kv_error(ctx, msg, "set: the store is full (max_keys)");
    /* The message is borrowed and immutable: json_object_set takes a
       reference of its own, so the value outlives the message. */
    if (json_object_set(kv->table, json_string_value(key), value) < 0)
      return ACT_ENOMEM;
    reply = json_object();
  } else if ((v = act_msg_get(msg, "get")) != NULL) {
    if (!json_is_string(v))
      return kv_error(ctx, msg, "get: expected a key (a string)");
    value = json_object_get(kv->table, json_string_value(v));
    if (value == NULL)
      return kv_error(ctx, msg, "get: no such key");
    reply = json_pack("{s:O}", "value", value); /* O: a new reference */
  } else if ((v = act_msg_get(msg, "del")) != NULL) {
    if (!json_is_string(v))
      return kv_error(ctx, msg, "del: expected a key (a string)");
    json_object_del(kv->table, json_string_value(v));
    reply = json_object();
  } else {
    return kv_error(ctx, msg, "kv: unknown message (expected set, get, del)");
  }

  if (reply == NULL)
    return ACT_ENOMEM; /* a negative return exits the actor */
  if (!(msg->flags & ACT_MSG_F_ASK)) {
    json_decref(reply);
    return 0;
  }
  return act_reply_json(ctx, msg, reply);
}

static void kv_terminate(act_ctx_t *ctx, void *state, const char *reason) {
  struct kv *kv = state;

  (void)ctx, (void)reason;
  json_decref(kv->table);
  free(kv);
}

static json_t *kv_inspect(void *state) {
  const struct kv *kv = state;

  return json_pack("{s:I,s:I}", "keys", (json_int_t)json_object_size(kv->table),
                   "max_keys", (json_int_t)kv->max_keys);
}

/* The state has kept its layout since 1.0: a deploy keeps it as it is. */
static int kv_code_change(act_ctx_t *ctx, void *old_state,
                          const char *old_version, void **new_state) {
  (void)ctx, (void)old_version;
  *new_state = old_state;
  return 0;
}

ACT_PLUGIN(.name = "kv", .version = "1.0.0",
           .description = "a key-value store: set, get, del",
           .init = kv_init, .handle = kv_handle, .terminate = kv_terminate,
           .inspect = kv_inspect, .code_change = kv_code_change);
