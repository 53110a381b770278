/* cmd-logs.c - the daemon's and the actors' log lines, and following them. */
#include <string.h>

#include "client.h"
#include "cmd.h"
#include "output.h"
#include "proto.h"
#include "shell.h"

static const struct cmd_option cmd_logs_options[] = {
    {"follow", 'f', NULL, CMD_C_NONE, NULL, 0,
     "keep printing lines as they are logged"},
    {"lines", 'n', "N", CMD_C_NONE, NULL, 0,
     "print the last N lines first (default 100)"},
    {NULL, 0, NULL, 0, NULL, 0, NULL}};

void cmd_logs_format(const struct cmd_ctx *ctx, const json_t *line) {
  json_t *id = json_object_get(line, "id");
  json_t *name = json_object_get(line, "name");
  const char *text = json_string_value(json_object_get(line, "line"));
  char b1[64], b2[32], b3[32];

  if (ctx->json) {
    output_json_line(line);
    return;
  }
  output_printf("%s %s ",
                output_cell(b1, sizeof(b1), json_object_get(line, "time")),
                output_cell(b2, sizeof(b2), json_object_get(line, "level")));
  /* A line of the daemon itself has no actor id. */
  if (json_is_string(name) && json_is_integer(id) && json_integer_value(id) > 0)
    output_printf("%s[%s]: ", json_string_value(name),
                  output_cell(b3, sizeof(b3), id));
  else if (json_is_string(name))
    output_printf("%s: ", json_string_value(name));
  else if (json_is_integer(id) && json_integer_value(id) > 0)
    output_printf("[%s]: ", output_cell(b3, sizeof(b3), id));
  else
    output_puts("actord: ");
  output_printf("%s\n", text ? text : "");
}

static int cmd_logs_exec(struct cmd_ctx *ctx, const struct cmd_args *args) {
  const char *n = cmd_args_get(args, "lines");
  int follow = cmd_args_has(args, "follow");
  long long lines = -1;
  json_t *params, *result, *msg, *row;
  size_t i;
  int status;

  if (n != NULL && (lines = cmd_number(args->entry, "--lines", n)) < 0)
    return CMD_USAGE;
  if (args->argc == 1 && ctx->shell != NULL && !follow && n == NULL &&
      strcmp(args->argv[0], "off") == 0)
    return shell_unfollow(ctx->shell, "logs");
  params = json_object();
  if (args->argc == 1)
    json_object_set_new(params, "target", cmd_target(args->argv[0]));
  if (lines >= 0) json_object_set_new(params, "lines", json_integer(lines));
  if (follow) json_object_set_new(params, "follow", json_true());
  /* In the interactive shell, following goes on in the background. */
  if (follow && ctx->shell != NULL && !ctx->in_script)
    return shell_follow(ctx->shell, ctx, "logs", ACT_M_LOGS_READ, params);
  status = client_call(ctx, "logs", ACT_M_LOGS_READ, params, &result);
  if (status != CMD_OK) return status;
  json_array_foreach(result, i, row) cmd_logs_format(ctx, row);
  json_decref(result);
  output_flush();
  while (follow) {
    status = client_next(ctx, "logs", &msg);
    if (status == CLIENT_INTERRUPTED) return CMD_OK;
    if (status != CMD_OK) return status;
    if (strcmp(json_string_value(json_object_get(msg, "method")) ?: "",
               ACT_N_LOG) == 0) {
      cmd_logs_format(ctx, json_object_get(msg, "params"));
      output_flush();
    }
    json_decref(msg);
  }
  return CMD_OK;
}

const struct cmd_entry cmd_logs_entry = {
    .name = "logs",
    .alias = "log",
    .options = cmd_logs_options,
    .min_args = 0,
    .max_args = 1,
    .usage = "[TARGET] [-f] [-n N]",
    .summary = "print the daemon's or an actor's log lines (in the shell, -f "
               "follows in the background until 'logs off')",
    .complete = {CMD_C_TARGET},
    .exec = cmd_logs_exec,
};
