/* cmd-shell.c - the interactive shell. */
#include "cmd.h"
#include "output.h"
#include "shell.h"

static const struct cmd_option cmd_shell_options[] = {
    {"keep-going", 'k', NULL, CMD_C_NONE, NULL, 0,
     "when reading commands from a pipe or file, go on after a failure"},
    {NULL, 0, NULL, 0, NULL, 0, NULL}};

static int cmd_shell_exec(struct cmd_ctx *ctx, const struct cmd_args *args) {
  if (ctx->shell != NULL) {
    output_error("shell: already in the shell");
    return CMD_USAGE;
  }
  return shell_run(ctx, cmd_args_has(args, "keep-going"));
}

const struct cmd_entry cmd_shell_entry = {
    .name = "shell",
    .alias = "sh",
    .options = cmd_shell_options,
    .min_args = 0,
    .max_args = 0,
    .usage = "[--keep-going]",
    .summary = "an interactive shell with completion, history and live "
               "events",
    .complete = {CMD_C_NONE},
    .flags = CMD_NOPREFIX,
    .exec = cmd_shell_exec,
};
