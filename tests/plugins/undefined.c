/*
 * undefined - calls a function that nothing defines. Linked as a shared
 * object this builds, but dlopen(RTLD_NOW) must fail on it at load time
 * rather than the first message crashing the daemon.
 */
#include <actor/plugin.h>

/* Defined nowhere, on purpose. */
extern int act_test_function_nobody_defines(int x);

static int undefined_handle(act_ctx_t *ctx, void *state, const act_msg_t *msg) {
  (void)ctx, (void)state;
  return act_test_function_nobody_defines((int)msg->tag);
}

ACT_PLUGIN(.name = "undefined", .version = "1.0.0",
           .handle = undefined_handle);
