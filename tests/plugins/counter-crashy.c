/*
 * counter-crashy - a version of the counter whose code_change succeeds but
 * which crashes on {"boom":true}: what a deploy must roll back from when a
 * moved actor crashes within the watch window, while the actors that did
 * not crash go back to the old version with their count.
 */
#include <stdlib.h>

#include <actor/plugin.h>

typedef struct crashy {
  json_int_t count;
} crashy_t;

static int crashy_init(act_ctx_t *ctx, json_t *args, void **state) {
  json_t *start = json_object_get(args, "start");
  crashy_t *c;

  (void)ctx;
  if ((c = calloc(1, sizeof(*c))) == NULL)
    return ACT_ENOMEM;
  c->count = json_is_integer(start) ? json_integer_value(start) : 0;
  *state = c;
  return 0;
}

static int crashy_handle(act_ctx_t *ctx, void *state, const act_msg_t *msg) {
  crashy_t *c = state;
  json_t *v;

  if (msg->type != ACT_MSG_USER)
    return 0;
  if (json_is_true(act_msg_get(msg, "boom")))
    return act_exit(ctx, "error:counter 3.0.0-crashy went boom, on purpose");
  if (json_is_integer(v = act_msg_get(msg, "inc")))
    c->count += json_integer_value(v);
  if (msg->flags & ACT_MSG_F_ASK)
    return act_reply_json(ctx, msg, json_pack("{s:I,s:i}", "count", c->count,
                                              "version", 3));
  return 0;
}

static void crashy_terminate(act_ctx_t *ctx, void *state, const char *reason) {
  (void)ctx, (void)reason;
  free(state);
}

/* The counters' states share one layout: keep it. */
static int crashy_code_change(act_ctx_t *ctx, void *old_state,
                              const char *old_version, void **new_state) {
  (void)ctx, (void)old_version;
  *new_state = old_state;
  return 0;
}

ACT_PLUGIN(.name = "counter", .version = "3.0.0-crashy",
           .description = "a counter that crashes on boom (for deploy tests)",
           .init = crashy_init, .handle = crashy_handle,
           .terminate = crashy_terminate, .code_change = crashy_code_change);
