/* cmd-call.c - ask an actor and print its reply. */
#include "client.h"
#include "cmd.h"
#include "output.h"
#include "proto.h"

/* The daemon gives up on a call after its own default (5 s) when no
   --timeout is given; we wait that long and a little more for its answer. */
#define CMD_CALL_DEFAULT_MS 5000
#define CMD_CALL_GRACE_MS 5000

static const struct cmd_option cmd_call_options[] = {
    {"timeout", 0, "MS", CMD_C_NONE, NULL, 0,
     "give up when no reply came within MS milliseconds (default 5000)"},
    {NULL, 0, NULL, 0, NULL, 0, NULL}};

static int cmd_call_exec(struct cmd_ctx *ctx, const struct cmd_args *args) {
  const char *t = cmd_args_get(args, "timeout");
  long long timeout = CMD_CALL_DEFAULT_MS;
  json_t *msg, *params, *result;
  int status;

  if (t != NULL && (timeout = cmd_number(args->entry, "--timeout", t)) < 0)
    return CMD_USAGE;
  if ((msg = cmd_json_arg(args->entry, "message", args->argc - 1,
                          args->argv + 1)) == NULL)
    return CMD_USAGE;
  /* -t bounds the whole request: the actor gets no more time than is left
     of it, and we stop waiting when it runs out. */
  if (ctx->timeout_ms >= 0 && (t == NULL || ctx->timeout_ms < timeout))
    timeout = ctx->timeout_ms;
  if (ctx->deadline == 0)
    ctx->deadline = cmd_now_ms() + timeout + CMD_CALL_GRACE_MS;
  params = json_pack("{s:o, s:o}", "target", cmd_target(args->argv[0]),
                     "message", msg);
  if (t != NULL || ctx->timeout_ms >= 0)
    json_object_set_new(params, "timeout_ms", json_integer(timeout));
  status = client_call(ctx, "call", ACT_M_ACTOR_CALL, params, &result);
  /* The reply is the output in both modes: one line of compact JSON. */
  if (status == CMD_OK) output_json_line(result);
  json_decref(result);
  return status;
}

const struct cmd_entry cmd_call_entry = {
    .name = "call",
    .alias = "ask",
    .options = cmd_call_options,
    .min_args = 2,
    .max_args = -1,
    .usage = "TARGET JSON [--timeout MS]",
    .summary = "send a JSON message to an actor and print its reply",
    .complete = {CMD_C_TARGET, CMD_C_NONE},
    .exec = cmd_call_exec,
};
