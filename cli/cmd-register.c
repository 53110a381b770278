/* cmd-register.c - give an actor a name. */
#include "client.h"
#include "cmd.h"
#include "proto.h"

static int cmd_register_exec(struct cmd_ctx *ctx, const struct cmd_args *args) {
  json_t *result;
  int status;

  status = client_call(ctx, "register", ACT_M_NAME_REGISTER,
                       json_pack("{s:s, s:o}", "name", args->argv[0], "target",
                                 cmd_target(args->argv[1])),
                       &result);
  if (status == CMD_OK) cmd_print_json(ctx, result);
  json_decref(result);
  return status;
}

const struct cmd_entry cmd_register_entry = {
    .name = "register",
    .alias = NULL,
    .options = NULL,
    .min_args = 2,
    .max_args = 2,
    .usage = "NAME TARGET",
    .summary = "register NAME for an actor",
    .complete = {CMD_C_NONE, CMD_C_TARGET},
    .exec = cmd_register_exec,
};
