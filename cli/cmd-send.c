/* cmd-send.c - tell an actor a JSON message, without waiting for a reply. */
#include "client.h"
#include "cmd.h"
#include "proto.h"

static int cmd_send_exec(struct cmd_ctx *ctx, const struct cmd_args *args) {
  json_t *msg, *result;
  int status;

  if ((msg = cmd_json_arg(args->entry, "message", args->argc - 1,
                          args->argv + 1)) == NULL)
    return CMD_USAGE;
  status = client_call(ctx, "send", ACT_M_ACTOR_SEND,
                       json_pack("{s:o, s:o}", "target",
                                 cmd_target(args->argv[0]), "message", msg),
                       &result);
  if (status == CMD_OK) cmd_print_json(ctx, result);
  json_decref(result);
  return status;
}

const struct cmd_entry cmd_send_entry = {
    .name = "send",
    .alias = "tell",
    .options = NULL,
    .min_args = 2,
    .max_args = -1,
    .usage = "TARGET JSON",
    .summary = "send a JSON message to an actor without waiting for a reply",
    .complete = {CMD_C_TARGET, CMD_C_NONE},
    .exec = cmd_send_exec,
};
