/* cmd-help.c - usage of actorctl and of each command, from the table. */
#include <string.h>

#include "cmd.h"
#include "output.h"

static int cmd_help_exec(struct cmd_ctx *ctx, const struct cmd_args *args) {
  const struct cmd_entry *const *e, *entry;

  if (args->argc == 1) {
    if ((entry = cmd_find(args->argv[0], 0)) == NULL) return CMD_USAGE;
    cmd_help(entry);
    return CMD_OK;
  }
  if (ctx->shell == NULL)
    output_puts("usage: actorctl [-s SOCKET] [-o table|json] [--json] "
                "[-t TIMEOUT_MS] [-q] [-h] [-V] COMMAND [ARGS]\n");
  output_puts("commands:\n");
  for (e = cmd_table; *e != NULL; e++) {
    if ((*e)->flags & CMD_HIDDEN) continue;
    output_puts("  ");
    output_pad((*e)->name, 12);
    output_printf("%s\n", (*e)->summary);
  }
  output_puts("'help COMMAND' shows a command's arguments and options.\n");
  if (ctx->shell != NULL && !ctx->in_script)
    output_puts("'events' and 'logs -f' follow in the background ('events "
                "off', 'logs off' stop); Ctrl-D, 'exit' or 'quit' leave.\n");
  return CMD_OK;
}

const struct cmd_entry cmd_help_entry = {
    .name = "help",
    .alias = "?",
    .options = NULL,
    .min_args = 0,
    .max_args = 1,
    .usage = "[COMMAND]",
    .summary = "list the commands, or show one command's usage and options",
    .complete = {CMD_C_COMMAND},
    .exec = cmd_help_exec,
};
