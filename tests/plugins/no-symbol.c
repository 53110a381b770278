/*
 * no-symbol - a well-formed shared object that exports no act_plugin, as
 * when the descriptor was misspelt or defined static.
 */
#include <actor/plugin.h>

static int no_symbol_handle(act_ctx_t *ctx, void *state, const act_msg_t *msg) {
  (void)ctx, (void)state, (void)msg;
  return 0;
}

__attribute__((visibility("default"))) const act_plugin_t act_plugin_v1 = {
  .abi_version = ACT_ABI_VERSION,
  .size = sizeof(act_plugin_t),
  .name = "no_symbol",
  .version = "1.0.0",
  .handle = no_symbol_handle,
};
