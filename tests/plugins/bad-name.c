/*
 * bad-name - a descriptor whose name could not be typed as a TARGET or a
 * plugin argument on the command line.
 */
#include <actor/plugin.h>

static int bad_name_handle(act_ctx_t *ctx, void *state, const act_msg_t *msg) {
  (void)ctx, (void)state, (void)msg;
  return 0;
}

ACT_PLUGIN(.name = "bad name!", .version = "1.0.0",
           .handle = bad_name_handle);
