/* cmd-run.c - run commands from a file, one per line ('-' is stdin). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "line.h"
#include "output.h"

static const struct cmd_option cmd_run_options[] = {
    {"keep-going", 'k', NULL, CMD_C_NONE, NULL, 0,
     "go on after a failing command (the status is the last failure's)"},
    {NULL, 0, NULL, 0, NULL, 0, NULL}};

static int cmd_run_exec(struct cmd_ctx *ctx, const struct cmd_args *args) {
  const char *path = args->argv[0];
  int keep_going = cmd_args_has(args, "keep-going");
  int saved = ctx->in_script, status;
  FILE *fp;

  if (strcmp(path, "-") == 0) {
    fp = stdin;
  } else if ((fp = fopen(path, "re")) == NULL) {
    output_error("run: cannot open %s: %s", path, strerror(errno));
    return CMD_USAGE;
  }
  ctx->in_script = 1;
  status = line_run_file(ctx, fp, path, keep_going);
  ctx->in_script = saved;
  if (fp != stdin) fclose(fp);
  return status;
}

const struct cmd_entry cmd_run_entry = {
    .name = "run",
    .alias = NULL,
    .options = cmd_run_options,
    .min_args = 1,
    .max_args = 1,
    .usage = "FILE [--keep-going]",
    .summary = "run the commands of FILE ('-': standard input), one per line",
    .complete = {CMD_C_FILE},
    .exec = cmd_run_exec,
};
