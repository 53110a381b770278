/*
 * clash - a valid plugin that calls itself "echo", like the bundled one.
 * Loading it beside the bundled echo must fail with a name clash.
 */
#include <actor/plugin.h>

static int clash_handle(act_ctx_t *ctx, void *state, const act_msg_t *msg) {
  (void)ctx, (void)state, (void)msg;
  return 0;
}

ACT_PLUGIN(.name = "echo", .version = "0.0.1-clash",
           .description = "another echo, to clash with the bundled one",
           .handle = clash_handle);
