/* cmd-exec.c - start an OS program as a supervised actor (the exec plugin);
   prints its id. */
#include <ctype.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client.h"
#include "cmd.h"
#include "output.h"
#include "xmalloc.h"

static const char *const cmd_exec_restarts[] = {"permanent", "transient",
                                                "temporary", NULL};

static const struct cmd_option cmd_exec_options[] = {
    {"name", 'n', "NAME", CMD_C_NONE, NULL, 0, "register the actor as NAME"},
    {"restart", 'r', "TYPE", CMD_C_CHOICE, cmd_exec_restarts, 0,
     "permanent (default), transient or temporary"},
    {"sup", 0, "TARGET", CMD_C_TARGET, NULL, 0,
     "start it under this supervisor (default: the root)"},
    {"stop-signal", 0, "SIG", CMD_C_NONE, NULL, 0,
     "signal that stops the program (default TERM)"},
    {"stop-timeout", 0, "MS", CMD_C_NONE, NULL, 0,
     "SIGKILL the program when it has not exited MS after the stop signal"},
    {"env", 'e', "KEY=VALUE", CMD_C_NONE, NULL, CMD_OPT_REPEAT,
     "set an environment variable of the program (repeatable)"},
    {"cwd", 0, "DIR", CMD_C_FILE, NULL, 0,
     "run the program in DIR"},
    {NULL, 0, NULL, 0, NULL, 0, NULL}};

/* "TERM", "SIGTERM", "sigterm" or "15" as "TERM" (the C library's own
   names, so every signal of the system is known); NULL if none. */
static const char *cmd_exec_signal(const char *word) {
  const char *w = word, *abbrev;
  char *end;
  long n;

  if (strncasecmp(w, "SIG", 3) == 0) w += 3;
  if (isdigit((unsigned char)w[0])) {
    n = strtol(w, &end, 10);
    return *end == '\0' && n > 0 && n < NSIG ? sigabbrev_np((int)n) : NULL;
  }
  for (int i = 1; i < NSIG; i++)
    if ((abbrev = sigabbrev_np(i)) != NULL && strcasecmp(abbrev, w) == 0)
      return abbrev;
  return NULL;
}

static int cmd_exec_exec(struct cmd_ctx *ctx, const struct cmd_args *args) {
  const struct cmd_entry *e = args->entry;
  const char *name = cmd_args_get(args, "name");
  const char *restart = cmd_args_get(args, "restart");
  const char *sup = cmd_args_get(args, "sup");
  const char *sig = cmd_args_get(args, "stop-signal");
  const char *stimeout = cmd_args_get(args, "stop-timeout");
  const char *cwd = cmd_args_get(args, "cwd");
  json_t *params, *eargs, *argv, *env = NULL;
  int i;

  argv = json_array();
  for (i = 0; i < args->argc; i++)
    json_array_append_new(argv, json_string(args->argv[i]));
  eargs = json_pack("{s:o}", "argv", argv);
  params = json_pack("{s:s, s:o}", "plugin", "exec", "args", eargs);
  for (i = 0; i < args->nopts; i++) {
    const char *kv = args->opts[i].value, *eq;
    char *key;

    if (strcmp(args->opts[i].opt->name, "env") != 0) continue;
    if ((eq = strchr(kv, '=')) == NULL || eq == kv) {
      output_error("exec: invalid --env '%s': expected KEY=VALUE", kv);
      goto usage;
    }
    if (env == NULL) env = json_object();
    key = xstrndup(kv, (size_t)(eq - kv));
    json_object_set_new(env, key, json_string(eq + 1));
    free(key);
  }
  if (env != NULL) json_object_set_new(eargs, "env", env);
  if (cwd != NULL) {
    char *abs = cmd_abs_path(cwd);
    json_object_set_new(eargs, "cwd", json_string(abs));
    free(abs);
  }
  if (sig != NULL) {
    const char *canon = cmd_exec_signal(sig);
    char full[16];
    if (canon == NULL) {
      output_error("exec: invalid --stop-signal '%s': expected a signal name "
                   "such as TERM, INT, HUP, QUIT, USR1 or KILL",
                   sig);
      goto usage;
    }
    snprintf(full, sizeof(full), "SIG%s", canon);
    json_object_set_new(eargs, "stop_signal", json_string(full));
  }
  if (stimeout != NULL) {
    long long ms = cmd_number(e, "--stop-timeout", stimeout);
    if (ms < 0) goto usage;
    json_object_set_new(eargs, "stop_timeout_ms", json_integer(ms));
  }
  if (name != NULL) json_object_set_new(params, "name", json_string(name));
  if (sup != NULL) json_object_set_new(params, "sup", cmd_target(sup));
  if (restart != NULL) {
    int ok = 0;
    for (i = 0; cmd_exec_restarts[i] != NULL; i++)
      ok |= strcmp(restart, cmd_exec_restarts[i]) == 0;
    if (!ok) {
      output_error("exec: invalid --restart '%s': expected permanent, "
                   "transient or temporary",
                   restart);
      goto usage;
    }
    json_object_set_new(params, "restart", json_string(restart));
  }
  return cmd_spawn_send(ctx, params);

usage:
  json_decref(params);
  return CMD_USAGE;
}

const struct cmd_entry cmd_exec_entry = {
    .name = "exec",
    .alias = NULL,
    .options = cmd_exec_options,
    .min_args = 1,
    .max_args = -1,
    .usage = "[--name NAME] [--restart TYPE] [--sup TARGET] [--stop-signal SIG] "
             "[--stop-timeout MS] [--env KEY=VALUE]... [--cwd DIR] -- "
             "PROGRAM [ARGS...]",
    .summary = "start an OS program as a supervised actor and print its id",
    .complete = {CMD_C_FILE},
    .flags = CMD_FIRSTARG,
    .exec = cmd_exec_exec,
};
