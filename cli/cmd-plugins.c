/* cmd-plugins.c - the loaded plugins: NAME VERSION ACTORS PATH. */
#include <string.h>

#include "client.h"
#include "cmd.h"
#include "output.h"
#include "proto.h"

static int cmd_plugins_exec(struct cmd_ctx *ctx, const struct cmd_args *args) {
  static const char *const headers[] = {"NAME", "VERSION", "ACTORS", "PATH"};
  static const char *const keys[] = {"name", "version", "actors", "path"};
  size_t width[4], i;
  char buf[4][32];
  json_t *result, *row;
  int status, c;

  status = client_call(ctx, "plugins", ACT_M_PLUGIN_LIST, NULL, &result);
  if (status != CMD_OK) return status;
  if (ctx->json || !json_is_array(result)) {
    output_json_line(result);
    json_decref(result);
    return CMD_OK;
  }
  for (c = 0; c < 4; c++) width[c] = strlen(headers[c]);
  json_array_foreach(result, i, row) {
    for (c = 0; c < 3; c++) {
      size_t len =
          strlen(output_cell(buf[c], 32, json_object_get(row, keys[c])));
      if (len > width[c]) width[c] = len;
    }
  }
  for (c = 0; c < 3; c++) output_pad(headers[c], width[c] + 2);
  output_puts("PATH\n");
  json_array_foreach(result, i, row) {
    json_t *path = json_object_get(row, "path");
    for (c = 0; c < 3; c++)
      output_pad(output_cell(buf[c], 32, json_object_get(row, keys[c])),
                 width[c] + 2);
    /* Built-in plugins live in the daemon itself. */
    output_printf("%s\n", json_is_string(path) ? json_string_value(path)
                          : json_is_true(json_object_get(row, "builtin"))
                              ? "(builtin)"
                              : "-");
  }
  json_decref(result);
  return CMD_OK;
}

const struct cmd_entry cmd_plugins_entry = {
    .name = "plugins",
    .alias = NULL,
    .options = NULL,
    .min_args = 0,
    .max_args = 0,
    .usage = "",
    .summary = "list loaded plugins: NAME VERSION ACTORS PATH",
    .complete = {CMD_C_NONE},
    .exec = cmd_plugins_exec,
};
