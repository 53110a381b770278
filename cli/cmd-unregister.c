/* cmd-unregister.c - remove a name; the actor keeps running. */
#include "client.h"
#include "cmd.h"
#include "proto.h"

static int cmd_unregister_exec(struct cmd_ctx *ctx,
                               const struct cmd_args *args) {
  json_t *result;
  int status;

  status = client_call(ctx, "unregister", ACT_M_NAME_UNREGISTER,
                       json_pack("{s:s}", "name", args->argv[0]), &result);
  if (status == CMD_OK) cmd_print_json(ctx, result);
  json_decref(result);
  return status;
}

const struct cmd_entry cmd_unregister_entry = {
    .name = "unregister",
    .alias = NULL,
    .options = NULL,
    .min_args = 1,
    .max_args = 1,
    .usage = "NAME",
    .summary = "remove a registered name (the actor keeps running)",
    .complete = {CMD_C_NAME},
    .exec = cmd_unregister_exec,
};
