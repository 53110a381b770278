/* cmd-restart.c - restart an actor now; prints its new id. */
#include "client.h"
#include "cmd.h"
#include "proto.h"

static int cmd_restart_exec(struct cmd_ctx *ctx, const struct cmd_args *args) {
  json_t *result;
  int status;

  status = client_call(ctx, "restart", ACT_M_ACTOR_RESTART,
                       json_pack("{s:o}", "target", cmd_target(args->argv[0])),
                       &result);
  if (status == CMD_OK) {
    if (json_object_get(result, "id") != NULL)
      cmd_print_id(ctx, result);
    else
      cmd_print_json(ctx, result);
  }
  json_decref(result);
  return status;
}

const struct cmd_entry cmd_restart_entry = {
    .name = "restart",
    .alias = NULL,
    .options = NULL,
    .min_args = 1,
    .max_args = 1,
    .usage = "TARGET",
    .summary = "restart an actor now and print its new id",
    .complete = {CMD_C_TARGET},
    .exec = cmd_restart_exec,
};
