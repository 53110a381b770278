/* cmd-whereis.c - print the id a name stands for. */
#include "client.h"
#include "cmd.h"
#include "proto.h"

static int cmd_whereis_exec(struct cmd_ctx *ctx, const struct cmd_args *args) {
  json_t *result;
  int status;

  status = client_call(ctx, "whereis", ACT_M_NAME_WHEREIS,
                       json_pack("{s:s}", "name", args->argv[0]), &result);
  if (status == CMD_OK) cmd_print_id(ctx, result);
  json_decref(result);
  return status;
}

const struct cmd_entry cmd_whereis_entry = {
    .name = "whereis",
    .alias = NULL,
    .options = NULL,
    .min_args = 1,
    .max_args = 1,
    .usage = "NAME",
    .summary = "print the id of the actor registered as NAME",
    .complete = {CMD_C_NAME},
    .exec = cmd_whereis_exec,
};
