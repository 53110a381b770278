/* cmd-wait.c - block until an actor exits and print its reason. */
#include "client.h"
#include "cmd.h"
#include "output.h"
#include "proto.h"

#define CMD_WAIT_GRACE_MS 5000

static const struct cmd_option cmd_wait_options[] = {
    {"timeout", 0, "MS", CMD_C_NONE, NULL, 0,
     "give up after MS milliseconds (exit status 4)"},
    {NULL, 0, NULL, 0, NULL, 0, NULL}};

static int cmd_wait_exec(struct cmd_ctx *ctx, const struct cmd_args *args) {
  const char *t = cmd_args_get(args, "timeout");
  long long timeout = -1;
  json_t *params, *result;
  int status;

  if (t != NULL && (timeout = cmd_number(args->entry, "--timeout", t)) < 0)
    return CMD_USAGE;
  if (ctx->timeout_ms >= 0 && (timeout < 0 || ctx->timeout_ms < timeout))
    timeout = ctx->timeout_ms;
  /* Without -t our own wait is open-ended; the daemon's timeout (if any)
     decides, and we keep a margin to hear its answer. */
  if (ctx->deadline == 0 && timeout >= 0)
    ctx->deadline = cmd_now_ms() + timeout + CMD_WAIT_GRACE_MS;
  params = json_pack("{s:o}", "target", cmd_target(args->argv[0]));
  if (timeout >= 0) json_object_set_new(params, "timeout_ms", json_integer(timeout));
  status = client_call(ctx, "wait", ACT_M_ACTOR_WAIT, params, &result);
  if (status == CMD_OK) {
    json_t *reason = json_object_get(result, "reason");
    if (ctx->json)
      output_json_line(result);
    else if (json_is_string(reason))
      output_printf("%s\n", json_string_value(reason));
    else
      output_json_line(reason ? reason : result);
  }
  json_decref(result);
  return status;
}

const struct cmd_entry cmd_wait_entry = {
    .name = "wait",
    .alias = NULL,
    .options = cmd_wait_options,
    .min_args = 1,
    .max_args = 1,
    .usage = "TARGET [--timeout MS]",
    .summary = "wait until an actor exits and print its exit reason",
    .complete = {CMD_C_TARGET},
    .exec = cmd_wait_exec,
};
