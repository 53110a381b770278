/*
 * init-fails - loads fine, but every actor of it fails in init with an
 * error reason of its own. Spawning it must fail with that reason, and a
 * supervisor must not add it.
 */
#include <actor/plugin.h>

static int init_fails_init(act_ctx_t *ctx, json_t *args, void **state) {
  (void)args;
  *state = NULL;
  act_log(ctx, ACT_LOG_ERROR, "refusing to start, on purpose");
  act_exit(ctx, "error:init_fails refuses to start");
  return ACT_EPLUGIN;
}

static int init_fails_handle(act_ctx_t *ctx, void *state,
                             const act_msg_t *msg) {
  (void)ctx, (void)state, (void)msg;
  return 0;
}

ACT_PLUGIN(.name = "init_fails", .version = "1.0.0",
           .description = "fails in init, on purpose",
           .init = init_fails_init, .handle = init_fails_handle);
