/*
 * counter-broken - a version of the counter that loads fine but whose
 * actors cannot start: what a deploy must roll back from, since its actors
 * fail right after the move.
 */
#include <actor/plugin.h>

static int counter_broken_init(act_ctx_t *ctx, json_t *args, void **state) {
  (void)args;
  *state = NULL;
  act_exit(ctx, "error:counter 3.0.0-broken cannot start, on purpose");
  return ACT_EPLUGIN;
}

static int counter_broken_handle(act_ctx_t *ctx, void *state,
                                 const act_msg_t *msg) {
  (void)ctx, (void)state, (void)msg;
  return 0;
}

ACT_PLUGIN(.name = "counter", .version = "3.0.0-broken",
           .description = "a counter that cannot start (for deploy tests)",
           .init = counter_broken_init, .handle = counter_broken_handle);
