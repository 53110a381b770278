/* cmd-unload.c - unload a plugin that no actor uses. */
#include "client.h"
#include "cmd.h"
#include "output.h"
#include "proto.h"

static int cmd_unload_exec(struct cmd_ctx *ctx, const struct cmd_args *args) {
  json_t *result;
  int status;
  char b1[32], b2[32];

  status = client_call(ctx, "unload", ACT_M_PLUGIN_UNLOAD,
                       json_pack("{s:s}", "name", args->argv[0]), &result);
  if (status == CMD_OK) {
    if (ctx->json)
      output_json_line(result);
    else if (!ctx->quiet && json_is_object(result))
      output_printf("unloaded %s %s\n",
                    output_cell(b1, sizeof(b1), json_object_get(result, "name")),
                    output_cell(b2, sizeof(b2),
                                json_object_get(result, "version")));
  }
  json_decref(result);
  return status;
}

const struct cmd_entry cmd_unload_entry = {
    .name = "unload",
    .alias = NULL,
    .options = NULL,
    .min_args = 1,
    .max_args = 1,
    .usage = "NAME",
    .summary = "unload a plugin that no actor uses any more",
    .complete = {CMD_C_PLUGIN},
    .exec = cmd_unload_exec,
};
