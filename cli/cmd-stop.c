/* cmd-stop.c - stop an actor in order; its supervisor forgets it. */
#include "client.h"
#include "cmd.h"
#include "proto.h"

static int cmd_stop_exec(struct cmd_ctx *ctx, const struct cmd_args *args) {
  json_t *result;
  int status;

  status = client_call(ctx, "stop", ACT_M_ACTOR_STOP,
                       json_pack("{s:o}", "target", cmd_target(args->argv[0])),
                       &result);
  if (status == CMD_OK) cmd_print_json(ctx, result);
  json_decref(result);
  return status;
}

const struct cmd_entry cmd_stop_entry = {
    .name = "stop",
    .alias = NULL,
    .options = NULL,
    .min_args = 1,
    .max_args = 1,
    .usage = "TARGET",
    .summary = "stop an actor in order; it is not restarted",
    .complete = {CMD_C_TARGET},
    .exec = cmd_stop_exec,
};
