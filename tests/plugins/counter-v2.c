/*
 * counter-v2 - a second version of the bundled counter, for deploy: the
 * same messages, and a get answers {"count":N,"version":2} so that a test
 * can tell which code runs. Its code_change keeps the count of a 1.x
 * actor (the state layout has not changed).
 */
#include <stdlib.h>
#include <string.h>

#include <actor/plugin.h>

typedef struct counter2 {
  json_int_t count;
} counter2_t;

static int counter2_init(act_ctx_t *ctx, json_t *args, void **state) {
  json_t *start = json_object_get(args, "start");
  counter2_t *c;

  if (start != NULL && !json_is_integer(start)) {
    act_exit(ctx, "error:invalid argument: start: expected an integer");
    return ACT_EINVAL;
  }
  c = calloc(1, sizeof(*c));
  if (c == NULL)
    return ACT_ENOMEM;
  c->count = start != NULL ? json_integer_value(start) : 0;
  *state = c;
  return 0;
}

static int counter2_handle(act_ctx_t *ctx, void *state, const act_msg_t *msg) {
  counter2_t *c = state;
  json_t *v, *reply;

  if (msg->type != ACT_MSG_USER)
    return 0;
  if (json_is_integer(v = act_msg_get(msg, "inc")))
    c->count += json_integer_value(v);
  else if (json_is_true(act_msg_get(msg, "reset")))
    c->count = 0;
  if (!(msg->flags & ACT_MSG_F_ASK))
    return 0;
  if (json_is_integer(act_msg_get(msg, "inc")) ||
      json_is_true(act_msg_get(msg, "reset")) ||
      json_is_true(act_msg_get(msg, "get")))
    reply = json_pack("{s:I,s:i}", "count", c->count, "version", 2);
  else
    reply = json_pack("{s:{s:s,s:s}}", "error", "kind", "invalid", "message",
                      "counter 2: unknown message (expected inc, get, reset)");
  if (reply == NULL)
    return ACT_ENOMEM;
  return act_reply_json(ctx, msg, reply);
}

static void counter2_terminate(act_ctx_t *ctx, void *state,
                               const char *reason) {
  (void)ctx, (void)reason;
  free(state);
}

static json_t *counter2_inspect(void *state) {
  return json_pack("{s:I,s:i}", "count", ((counter2_t *)state)->count,
                   "version", 2);
}

static int counter2_code_change(act_ctx_t *ctx, void *old_state,
                                const char *old_version, void **new_state) {
  (void)ctx;
  if (old_version == NULL || strncmp(old_version, "1.", 2) != 0) {
    /* Only 1.x states are known; restart the others. The old state is
       ours even when refused, and every counter's is one malloc'ed block. */
    free(old_state);
    return ACT_EINVAL;
  }
  *new_state = old_state;
  return 0;
}

ACT_PLUGIN(.name = "counter", .version = "2.0.0",
           .description = "the counter, version 2 (for deploy tests)",
           .init = counter2_init, .handle = counter2_handle,
           .terminate = counter2_terminate, .inspect = counter2_inspect,
           .code_change = counter2_code_change);
