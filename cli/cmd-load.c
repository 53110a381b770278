/* cmd-load.c - load a plugin from a shared object. */
#include <stdlib.h>

#include "client.h"
#include "cmd.h"
#include "output.h"
#include "proto.h"

/* A plugin entry for people: "NAME VERSION PATH". */
static void cmd_load_print(const struct cmd_ctx *ctx, const json_t *entry) {
  char b1[32], b2[32], b3[32];

  if (ctx->json) {
    output_json_line(entry);
    return;
  }
  if (ctx->quiet) return;
  output_printf("%s %s %s\n",
                output_cell(b1, sizeof(b1), json_object_get(entry, "name")),
                output_cell(b2, sizeof(b2), json_object_get(entry, "version")),
                output_cell(b3, sizeof(b3), json_object_get(entry, "path")));
}

static int cmd_load_exec(struct cmd_ctx *ctx, const struct cmd_args *args) {
  char *path = cmd_abs_path(args->argv[0]);
  json_t *result;
  int status;

  status = client_call(ctx, "load", ACT_M_PLUGIN_LOAD,
                       json_pack("{s:s}", "path", path), &result);
  free(path);
  if (status == CMD_OK) cmd_load_print(ctx, result);
  json_decref(result);
  return status;
}

const struct cmd_entry cmd_load_entry = {
    .name = "load",
    .alias = NULL,
    .options = NULL,
    .min_args = 1,
    .max_args = 1,
    .usage = "PATH",
    .summary = "load a plugin from a shared object",
    .complete = {CMD_C_FILE},
    .exec = cmd_load_exec,
};
