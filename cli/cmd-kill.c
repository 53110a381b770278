/* cmd-kill.c - send an actor an exit signal. */
#include "client.h"
#include "cmd.h"
#include "proto.h"

static const struct cmd_option cmd_kill_options[] = {
    {"reason", 'r', "REASON", CMD_C_NONE, NULL, 0,
     "exit with REASON (a trappable exit signal) instead of the untrappable "
     "killed"},
    {NULL, 0, NULL, 0, NULL, 0, NULL}};

static int cmd_kill_exec(struct cmd_ctx *ctx, const struct cmd_args *args) {
  const char *reason = cmd_args_get(args, "reason");
  json_t *params, *result;
  int status;

  if (reason != NULL && reason[0] == '\0')
    return cmd_usage(args->entry);
  params = json_pack("{s:o}", "target", cmd_target(args->argv[0]));
  if (reason != NULL) json_object_set_new(params, "reason", json_string(reason));
  status = client_call(ctx, "kill", ACT_M_ACTOR_KILL, params, &result);
  if (status == CMD_OK) cmd_print_json(ctx, result);
  json_decref(result);
  return status;
}

const struct cmd_entry cmd_kill_entry = {
    .name = "kill",
    .alias = NULL,
    .options = cmd_kill_options,
    .min_args = 1,
    .max_args = 1,
    .usage = "TARGET [--reason REASON]",
    .summary = "kill an actor (reason killed, or an exit signal with REASON)",
    .complete = {CMD_C_TARGET},
    .exec = cmd_kill_exec,
};
