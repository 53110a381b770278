/*
 * bad-size - the right ABI version but a descriptor size that does not
 * match, as when a plugin was built against an edited copy of the header.
 */
#include <actor/plugin.h>

static int bad_size_handle(act_ctx_t *ctx, void *state, const act_msg_t *msg) {
  (void)ctx, (void)state, (void)msg;
  return 0;
}

__attribute__((visibility("default"))) const act_plugin_t act_plugin = {
  .abi_version = ACT_ABI_VERSION,
  .size = sizeof(act_plugin_t) - 16,
  .name = "bad_size",
  .version = "1.0.0",
  .handle = bad_size_handle,
};
