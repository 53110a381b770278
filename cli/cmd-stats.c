/* cmd-stats.c - the runtime's counters. */
#include "client.h"
#include "cmd.h"
#include "output.h"
#include "proto.h"

static int cmd_stats_exec(struct cmd_ctx *ctx, const struct cmd_args *args) {
  json_t *result;
  int status;

  status = client_call(ctx, "stats", ACT_M_STATS, NULL, &result);
  if (status != CMD_OK) return status;
  if (ctx->json || !json_is_object(result))
    output_json_line(result);
  else
    cmd_print_fields(result);
  json_decref(result);
  return CMD_OK;
}

const struct cmd_entry cmd_stats_entry = {
    .name = "stats",
    .alias = NULL,
    .options = NULL,
    .min_args = 0,
    .max_args = 0,
    .usage = "",
    .summary = "print the runtime's counters",
    .complete = {CMD_C_NONE},
    .exec = cmd_stats_exec,
};
