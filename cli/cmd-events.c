/* cmd-events.c - the live event stream: spawn, exit, restart, failed,
   load, unload, deploy, rollback, state_failed, state_saved. */
#include <ctype.h>
#include <string.h>

#include "client.h"
#include "cmd.h"
#include "output.h"
#include "proto.h"
#include "shell.h"

static const struct cmd_option cmd_events_options[] = {
    {"count", 'n', "COUNT", CMD_C_NONE, NULL, 0,
     "stop after COUNT events (default: follow until interrupted)"},
    {NULL, 0, NULL, 0, NULL, 0, NULL}};

/* key=value, quoted when the value has spaces or quotes in it. */
static void cmd_events_field(const char *key, const json_t *value) {
  char buf[64];
  const char *s;
  int plain = 1;

  if (value == NULL || json_is_null(value)) return;
  s = output_cell(buf, sizeof(buf), value);
  for (const char *p = s; *p != '\0'; p++)
    if (isspace((unsigned char)*p) || *p == '"' || *p == '=') plain = 0;
  if (plain && s[0] != '\0') {
    output_printf(" %s=%s", key, s);
  } else {
    output_printf(" %s=", key);
    if (json_is_string(value))
      output_json(value);
    else
      output_printf("\"%s\"", s);
  }
}

void cmd_events_format(const struct cmd_ctx *ctx, const json_t *event) {
  static const char *const fields[] = {"id",     "name",   "plugin",
                                       "reason", "old_id", "supervisor",
                                       "version", "path", NULL};
  const char *key;
  json_t *value;
  char buf[64];

  if (ctx->json) {
    output_json_line(event);
    return;
  }
  output_printf("%s %s",
                output_cell(buf, sizeof(buf), json_object_get(event, "time")),
                json_string_value(json_object_get(event, "event"))
                    ? json_string_value(json_object_get(event, "event"))
                    : "event");
  for (int i = 0; fields[i] != NULL; i++)
    cmd_events_field(fields[i], json_object_get(event, fields[i]));
  /* Fields this actorctl does not know yet are still worth seeing. */
  json_object_foreach((json_t *)event, key, value) {
    int known = strcmp(key, "time") == 0 || strcmp(key, "event") == 0;
    for (int i = 0; !known && fields[i] != NULL; i++)
      known = strcmp(key, fields[i]) == 0;
    if (!known) cmd_events_field(key, value);
  }
  output_write("\n", 1);
}

static int cmd_events_exec(struct cmd_ctx *ctx, const struct cmd_args *args) {
  const char *n = cmd_args_get(args, "count");
  long long count = -1, seen = 0;
  json_t *result, *msg;
  int status;

  if (n != NULL && (count = cmd_number(args->entry, "--count", n)) < 0)
    return CMD_USAGE;
  if (args->argc == 1) {
    if (ctx->shell == NULL || strcmp(args->argv[0], "off") != 0) {
      output_error("events: '%s' is not an argument of events (the shell "
                   "takes 'events off')",
                   args->argv[0]);
      return CMD_USAGE;
    }
    return shell_unfollow(ctx->shell, "events");
  }
  if (count == 0) return CMD_OK;
  /* Typed in the interactive shell, events keep coming in the background
     while the shell goes on. */
  if (ctx->shell != NULL && !ctx->in_script && count < 0)
    return shell_follow(ctx->shell, ctx, "events", ACT_M_EVENTS_SUBSCRIBE,
                        NULL);
  status = client_call(ctx, "events", ACT_M_EVENTS_SUBSCRIBE, NULL, &result);
  json_decref(result);
  if (status != CMD_OK) return status;
  output_flush();
  while (count < 0 || seen < count) {
    status = client_next(ctx, "events", &msg);
    if (status == CLIENT_INTERRUPTED) return CMD_OK;
    if (status != CMD_OK) return status;
    if (strcmp(json_string_value(json_object_get(msg, "method")) ?: "",
               ACT_N_EVENT) == 0) {
      cmd_events_format(ctx, json_object_get(msg, "params"));
      output_flush();
      seen++;
    }
    json_decref(msg);
  }
  return CMD_OK;
}

const struct cmd_entry cmd_events_entry = {
    .name = "events",
    .alias = NULL,
    .options = cmd_events_options,
    .min_args = 0,
    .max_args = 1,
    .usage = "[-n COUNT]",
    .summary = "print events as they happen (in the shell: in the background "
               "until 'events off')",
    .complete = {CMD_C_NONE},
    .exec = cmd_events_exec,
};
