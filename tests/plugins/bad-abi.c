/*
 * bad-abi - a descriptor from a future ABI. The loader must refuse it by its
 * version before looking at anything else in it.
 */
#include <actor/plugin.h>

static int bad_abi_handle(act_ctx_t *ctx, void *state, const act_msg_t *msg) {
  (void)ctx, (void)state, (void)msg;
  return 0;
}

__attribute__((visibility("default"))) const act_plugin_t act_plugin = {
  .abi_version = ACT_ABI_VERSION + 6,
  .size = sizeof(act_plugin_t),
  .name = "bad_abi",
  .version = "1.0.0",
  .handle = bad_abi_handle,
};
