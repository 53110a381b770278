/* cmd-inspect.c - everything about one actor, as "key: value" lines. */
#include "client.h"
#include "cmd.h"
#include "output.h"
#include "proto.h"

static int cmd_inspect_exec(struct cmd_ctx *ctx, const struct cmd_args *args) {
  json_t *result;
  int status;

  status = client_call(ctx, "inspect", ACT_M_ACTOR_INFO,
                       json_pack("{s:o}", "target", cmd_target(args->argv[0])),
                       &result);
  if (status != CMD_OK) return status;
  if (ctx->json || !json_is_object(result))
    output_json_line(result);
  else
    cmd_print_fields(result);
  json_decref(result);
  return CMD_OK;
}

const struct cmd_entry cmd_inspect_entry = {
    .name = "inspect",
    .alias = "info",
    .options = NULL,
    .min_args = 1,
    .max_args = 1,
    .usage = "TARGET",
    .summary = "show everything about one actor, with what its plugin reports",
    .complete = {CMD_C_TARGET},
    .exec = cmd_inspect_exec,
};
