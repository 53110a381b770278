/* cmd-deploy.c - move every actor of a plugin to a new version of it. */
#include <stdlib.h>

#include "client.h"
#include "cmd.h"
#include "output.h"
#include "proto.h"

static const char *const cmd_deploy_strategies[] = {"code_change", "restart",
                                                     NULL};

static const struct cmd_option cmd_deploy_options[] = {
    {"strategy", 0, "STRATEGY", CMD_C_CHOICE, cmd_deploy_strategies, 0,
     "how actors move: code_change (the default, where the new version has "
     "one) or restart (a supervised restart, one at a time)"},
    {"watch", 'w', "MS", CMD_C_NONE, NULL, 0,
     "roll back when moved actors crash within MS milliseconds"},
    {NULL, 0, NULL, 0, NULL, 0, NULL}};

static int cmd_deploy_exec(struct cmd_ctx *ctx, const struct cmd_args *args) {
  const char *strategy = cmd_args_get(args, "strategy");
  const char *watch = cmd_args_get(args, "watch");
  json_t *params, *result;
  char *path;
  int status;

  params = json_object();
  if (strategy != NULL)
    json_object_set_new(params, "strategy", json_string(strategy));
  if (watch != NULL) {
    long long ms = cmd_number(args->entry, "--watch", watch);
    if (ms < 0) {
      json_decref(params);
      return CMD_USAGE;
    }
    json_object_set_new(params, "watch_ms", json_integer(ms));
  }
  path = cmd_abs_path(args->argv[0]);
  json_object_set_new(params, "path", json_string(path));
  free(path);
  status = client_call(ctx, "deploy", ACT_M_PLUGIN_DEPLOY, params, &result);
  if (status == CMD_OK) {
    if (ctx->json || !json_is_object(result))
      output_json_line(result);
    else if (!ctx->quiet)
      cmd_print_fields(result);
  }
  json_decref(result);
  return status;
}

const struct cmd_entry cmd_deploy_entry = {
    .name = "deploy",
    .alias = NULL,
    .options = cmd_deploy_options,
    .min_args = 1,
    .max_args = 1,
    .usage = "PATH [--strategy code_change|restart] [--watch MS]",
    .summary = "load a new version of a plugin and move its actors to it",
    .complete = {CMD_C_FILE},
    .exec = cmd_deploy_exec,
};
