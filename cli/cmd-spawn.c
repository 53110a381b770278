/* cmd-spawn.c - start an actor of a plugin; prints its id. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "cmd.h"
#include "output.h"
#include "proto.h"

static const char *const cmd_spawn_restarts[] = {"permanent", "transient",
                                                 "temporary", NULL};

static const struct cmd_option cmd_spawn_options[] = {
    {"name", 'n', "NAME", CMD_C_NONE, NULL, 0, "register the actor as NAME"},
    {"args", 'a', "JSON", CMD_C_NONE, NULL, 0,
     "the plugin's init arguments"},
    {"sup", 0, "TARGET", CMD_C_TARGET, NULL, 0,
     "start it under this supervisor (default: the root)"},
    {"restart", 'r', "TYPE", CMD_C_CHOICE, cmd_spawn_restarts, 0,
     "permanent (default), transient or temporary"},
    {"mailbox", 'm', "N[:POLICY]", CMD_C_NONE, NULL, 0,
     "mailbox capacity; POLICY reject (default), drop_oldest or drop_newest"},
    {"isolate", 0, NULL, CMD_C_NONE, NULL, 0,
     "run the plugin in a host process of its own"},
    {"limit", 0, "as=SIZE,cpu=S,nofile=N", CMD_C_NONE, NULL, 0,
     "resource limits of the isolated host (needs --isolate)"},
    {"handler-timeout", 0, "MS", CMD_C_NONE, NULL, 0,
     "kill the isolated host when one handler runs longer (needs --isolate)"},
    {NULL, 0, NULL, 0, NULL, 0, NULL}};

/* Check a restart type; 0, or CMD_USAGE after saying what was wrong. */
static int cmd_spawn_check_restart(const char *cmd, const char *value) {
  for (int i = 0; cmd_spawn_restarts[i] != NULL; i++)
    if (strcmp(value, cmd_spawn_restarts[i]) == 0) return 0;
  output_error("%s: invalid --restart '%s': expected permanent, transient or "
               "temporary",
               cmd, value);
  return CMD_USAGE;
}

/* "N" or "N:POLICY" as the protocol takes it; NULL after an error. */
static json_t *cmd_spawn_mailbox(const char *cmd, const char *value) {
  static const char *const policies[] = {"reject", "drop_oldest",
                                         "drop_newest", NULL};
  const char *colon = strchr(value, ':');
  char *end;
  long long cap;

  errno = 0;
  cap = strtoll(value, &end, 10);
  if (!isdigit((unsigned char)value[0]) || errno != 0 || cap <= 0 ||
      (colon == NULL && *end != '\0') || (colon != NULL && end != colon)) {
    output_error("%s: invalid --mailbox '%s': expected a capacity of 1 or "
                 "more, then optionally :reject, :drop_oldest or :drop_newest",
                 cmd, value);
    return NULL;
  }
  if (colon == NULL) return json_integer(cap);
  for (int i = 0; policies[i] != NULL; i++)
    if (strcmp(colon + 1, policies[i]) == 0) return json_string(value);
  output_error("%s: invalid mailbox policy '%s': expected reject, "
               "drop_oldest or drop_newest",
               cmd, colon + 1);
  return NULL;
}

/* "as=64M,cpu=5,nofile=64" as {"as":67108864,"cpu":5,"nofile":64}. */
static json_t *cmd_spawn_limits(const char *value) {
  json_t *limits = json_object();
  const char *p = value;

  while (*p != '\0') {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    const char *eq = memchr(p, '=', len);
    char key[16], num[32], *end;
    size_t klen, nlen;
    unsigned long long v, mult = 1;

    if (eq == NULL || (klen = (size_t)(eq - p)) == 0 || klen >= sizeof(key) ||
        (nlen = len - klen - 1) == 0 || nlen >= sizeof(num))
      goto bad;
    memcpy(key, p, klen);
    key[klen] = '\0';
    memcpy(num, eq + 1, nlen);
    num[nlen] = '\0';
    if (strcmp(key, "as") != 0 && strcmp(key, "cpu") != 0 &&
        strcmp(key, "nofile") != 0) {
      output_error("spawn: invalid --limit '%s': unknown limit '%s' (known: "
                   "as, cpu, nofile)",
                   value, key);
      json_decref(limits);
      return NULL;
    }
    if (!isdigit((unsigned char)num[0])) goto bad;
    errno = 0;
    v = strtoull(num, &end, 10);
    if (errno != 0) goto bad;
    /* Sizes of the address space take the usual suffixes. */
    if (strcmp(key, "as") == 0 && *end != '\0' && end[1] == '\0') {
      switch (toupper((unsigned char)*end)) {
        case 'K': mult = 1ULL << 10; break;
        case 'M': mult = 1ULL << 20; break;
        case 'G': mult = 1ULL << 30; break;
        default: goto bad;
      }
      end++;
    }
    if (*end != '\0') goto bad;
    json_object_set_new(limits, key, json_integer((json_int_t)(v * mult)));
    p += len;
    if (*p == ',') p++;
  }
  if (json_object_size(limits) == 0) goto bad;
  return limits;

bad:
  output_error("spawn: invalid --limit '%s': expected KEY=VALUE[,...] with "
               "as=SIZE[K|M|G], cpu=SECONDS, nofile=COUNT",
               value);
  json_decref(limits);
  return NULL;
}

int cmd_spawn_send(struct cmd_ctx *ctx, json_t *params) {
  json_t *result;
  int status;

  status = client_call(ctx, "spawn", ACT_M_ACTOR_SPAWN, params, &result);
  if (status == CMD_OK) cmd_print_id(ctx, result);
  json_decref(result);
  return status;
}

static int cmd_spawn_exec(struct cmd_ctx *ctx, const struct cmd_args *args) {
  const struct cmd_entry *e = args->entry;
  const char *name = cmd_args_get(args, "name");
  const char *jargs = cmd_args_get(args, "args");
  const char *sup = cmd_args_get(args, "sup");
  const char *restart = cmd_args_get(args, "restart");
  const char *mailbox = cmd_args_get(args, "mailbox");
  const char *limit = cmd_args_get(args, "limit");
  const char *htimeout = cmd_args_get(args, "handler-timeout");
  int isolate = cmd_args_has(args, "isolate");
  json_t *params, *v;
  char *argv1[1];

  params = json_pack("{s:s}", "plugin", args->argv[0]);
  if (name != NULL) json_object_set_new(params, "name", json_string(name));
  if (jargs != NULL) {
    argv1[0] = (char *)jargs;
    if ((v = cmd_json_arg(e, "--args", 1, argv1)) == NULL) goto usage;
    json_object_set_new(params, "args", v);
  }
  if (sup != NULL) json_object_set_new(params, "sup", cmd_target(sup));
  if (restart != NULL) {
    if (cmd_spawn_check_restart(e->name, restart) != 0) goto usage;
    json_object_set_new(params, "restart", json_string(restart));
  }
  if (mailbox != NULL) {
    if ((v = cmd_spawn_mailbox(e->name, mailbox)) == NULL) goto usage;
    json_object_set_new(params, "mailbox", v);
  }
  if ((limit != NULL || htimeout != NULL) && !isolate) {
    output_error("spawn: --%s needs --isolate",
                 limit != NULL ? "limit" : "handler-timeout");
    goto usage;
  }
  if (isolate) json_object_set_new(params, "isolate", json_true());
  if (limit != NULL) {
    if ((v = cmd_spawn_limits(limit)) == NULL) goto usage;
    json_object_set_new(params, "limits", v);
  }
  if (htimeout != NULL) {
    long long ms = cmd_number(e, "--handler-timeout", htimeout);
    if (ms < 0) goto usage;
    json_object_set_new(params, "handler_timeout_ms", json_integer(ms));
  }
  return cmd_spawn_send(ctx, params);

usage:
  json_decref(params);
  return CMD_USAGE;
}

const struct cmd_entry cmd_spawn_entry = {
    .name = "spawn",
    .alias = NULL,
    .options = cmd_spawn_options,
    .min_args = 1,
    .max_args = 1,
    .usage = "PLUGIN [--name NAME] [--args JSON] [--sup TARGET] "
             "[--restart permanent|transient|temporary] [--mailbox N[:POLICY]] "
             "[--isolate [--limit as=64M,cpu=5,nofile=64] "
             "[--handler-timeout MS]]",
    .summary = "start an actor of PLUGIN and print its id",
    .complete = {CMD_C_PLUGIN},
    .exec = cmd_spawn_exec,
};
