/* cmd-complete.c - the hidden `__complete`, which prints the candidates for
   the last of its words, one per line, for bash's completion
   (dist/actorctl.bash). A line ":files" asks the caller to complete file
   paths. Global options among the words are skipped, and -s is honoured so
   that live candidates come from the daemon the command line names. */
#include <string.h>

#include "cmd.h"
#include "complete.h"
#include "output.h"

static const char *const cmd_complete_globals[] = {
    "--json", "--output", "--quiet", "--socket", "--timeout", "--help",
    "--version", NULL};

static int cmd_complete_exec(struct cmd_ctx *ctx, const struct cmd_args *args) {
  struct complete_result res;
  const char *cur;
  int i = 0, n = args->argc - 1;

  if (args->argc == 0) return CMD_OK;
  cur = args->argv[n];
  /* Global options stand before the command. */
  while (i < n && args->argv[i][0] == '-') {
    const char *w = args->argv[i];
    int takes = strcmp(w, "-s") == 0 || strcmp(w, "--socket") == 0 ||
                strcmp(w, "-o") == 0 || strcmp(w, "--output") == 0 ||
                strcmp(w, "-t") == 0 || strcmp(w, "--timeout") == 0;
    if (takes && i + 1 == n) {
      if (w[1] == 'o' || strcmp(w, "--output") == 0) {
        if (strncmp("table", cur, strlen(cur)) == 0) output_puts("table\n");
        if (strncmp("json", cur, strlen(cur)) == 0) output_puts("json\n");
      } else if (w[1] == 's' || strcmp(w, "--socket") == 0) {
        output_puts(":files\n");
      }
      return CMD_OK;
    }
    if (takes && (w[1] == 's' || strcmp(w, "--socket") == 0))
      ctx->socket_path = args->argv[i + 1];
    i += takes ? 2 : 1;
  }
  if (i == n && cur[0] == '-') {
    for (int g = 0; cmd_complete_globals[g] != NULL; g++)
      if (strncmp(cmd_complete_globals[g], cur, strlen(cur)) == 0)
        output_printf("%s\n", cmd_complete_globals[g]);
    return CMD_OK;
  }
  complete_words(ctx, n - i, args->argv + i, cur, &res);
  for (int k = 0; k < res.count; k++) output_printf("%s\n", res.words[k]);
  if (res.files) output_puts(":files\n");
  complete_result_free(&res);
  return CMD_OK;
}

const struct cmd_entry cmd_complete_entry = {
    .name = "__complete",
    .alias = NULL,
    .options = NULL,
    .min_args = 0,
    .max_args = -1,
    .usage = "-- WORD...",
    .summary = "print completion candidates for the last word",
    .complete = {CMD_C_NONE},
    .flags = CMD_HIDDEN | CMD_NOPREFIX,
    .exec = cmd_complete_exec,
};
