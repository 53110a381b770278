/* cmd.c - the command table, its lookup and the parsing of a command's
   words; shared by argv, the shell, `run` and completion. */
#include "cmd.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "output.h"
#include "xmalloc.h"

/* Sorted by name, so that help and "could be" lists read in order. */
const struct cmd_entry *const cmd_table[] = {
    &cmd_call_entry,     &cmd_daemon_entry,   &cmd_deploy_entry,
    &cmd_events_entry,   &cmd_exec_entry,     &cmd_help_entry,
    &cmd_inspect_entry,  &cmd_kill_entry,     &cmd_load_entry,
    &cmd_logs_entry,     &cmd_plugins_entry,  &cmd_ps_entry,
    &cmd_register_entry, &cmd_restart_entry,  &cmd_run_entry,
    &cmd_send_entry,     &cmd_shell_entry,    &cmd_spawn_entry,
    &cmd_stats_entry,    &cmd_stop_entry,     &cmd_tree_entry,
    &cmd_unload_entry,   &cmd_unregister_entry, &cmd_wait_entry,
    &cmd_whereis_entry,  &cmd_complete_entry, NULL};

int64_t cmd_now_ms(void) {
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void cmd_start_clock(struct cmd_ctx *ctx) {
  ctx->deadline = ctx->timeout_ms >= 0 ? cmd_now_ms() + ctx->timeout_ms : 0;
}

const struct cmd_entry *cmd_find(const char *name, int quiet) {
  const struct cmd_entry *const *e, *found = NULL;
  size_t len = strlen(name);
  int matches = 0;
  char list[1024];
  size_t off = 0;

  for (e = cmd_table; *e != NULL; e++) {
    if (strcmp((*e)->name, name) == 0) return *e;
    if ((*e)->alias != NULL && strcmp((*e)->alias, name) == 0) return *e;
  }
  /* Prefixes: commands that take over the terminal or are internal are
     reached by their full name only, so that a short typo never opens a
     shell. */
  list[0] = '\0';
  for (e = cmd_table; *e != NULL && len > 0; e++) {
    if ((*e)->flags & (CMD_NOPREFIX | CMD_HIDDEN)) continue;
    if (strncmp((*e)->name, name, len) != 0) continue;
    found = *e;
    matches++;
    off += (size_t)snprintf(list + off, off < sizeof(list) ? sizeof(list) - off : 0,
                            "%s%s", matches > 1 ? ", " : "", (*e)->name);
    if (off >= sizeof(list)) off = sizeof(list) - 1;
  }
  if (matches == 1) return found;
  if (!quiet) {
    if (matches > 1)
      output_error("ambiguous command: %s, could be: %s", name, list);
    else
      output_error("unknown command: %s", name);
  }
  return NULL;
}

int cmd_usage(const struct cmd_entry *entry) {
  output_error("usage: %s %s", entry->name, entry->usage);
  return CMD_USAGE;
}

/* One line: what was wrong, then the command's usage. */
static int cmd_parse_error(const struct cmd_entry *entry, const char *what,
                           const char *word) {
  output_error("%s: %s%s%s (usage: %s%s%s)", entry->name, what,
               word ? " " : "", word ? word : "", entry->name,
               entry->usage[0] ? " " : "", entry->usage);
  return CMD_USAGE;
}

/* A word is an option when it looks like one: "-x" or "--xyz". "-1" or
   "-2}" are JSON pieces, and "-" alone names standard input. */
static int cmd_is_option(const char *w) {
  if (w[0] != '-') return 0;
  if (w[1] == '-') return isalpha((unsigned char)w[2]);
  return isalpha((unsigned char)w[1]);
}

/* The global options that may also follow the command's name, as people
   write them (`actorctl ps -o json`); a command's own option of the same
   spelling comes first. -t is short only, since --timeout is call's and
   wait's own. */
static const char *const cmd_formats[] = {"table", "json", NULL};
static const struct cmd_option cmd_global_options[] = {
    {"output", 'o', "table|json", CMD_C_CHOICE, cmd_formats, 0,
     "print for people (table) or as JSON"},
    {"json", 0, NULL, CMD_C_NONE, NULL, 0, "the same as -o json"},
    {"quiet", 'q', NULL, CMD_C_NONE, NULL, 0, "print only what is asked for"},
    {"global-timeout", 't', "TIMEOUT_MS", CMD_C_NONE, NULL, CMD_OPT_SHORT,
     "bound the whole request"},
    {NULL, 0, NULL, 0, NULL, 0, NULL}};

static const struct cmd_option *cmd_find_long(const struct cmd_entry *entry,
                                              const char *name, size_t len) {
  const struct cmd_option *o;

  for (o = entry->options; o != NULL && o->name != NULL; o++)
    if (strlen(o->name) == len && strncmp(o->name, name, len) == 0) return o;
  for (o = cmd_global_options; o->name != NULL; o++)
    if (!(o->flags & CMD_OPT_SHORT) && strlen(o->name) == len &&
        strncmp(o->name, name, len) == 0)
      return o;
  return NULL;
}

static const struct cmd_option *cmd_find_short(const struct cmd_entry *entry,
                                               char c) {
  const struct cmd_option *o;

  for (o = entry->options; o != NULL && o->name != NULL; o++)
    if (o->short_name == c) return o;
  for (o = cmd_global_options; o->name != NULL; o++)
    if (o->short_name == c) return o;
  return NULL;
}

int cmd_apply_globals(struct cmd_ctx *ctx, const struct cmd_args *args) {
  for (int i = 0; i < args->nopts; i++) {
    const struct cmd_option *o = args->opts[i].opt;
    const char *v = args->opts[i].value;

    if (o < cmd_global_options ||
        o >= cmd_global_options + sizeof(cmd_global_options) /
                                      sizeof(cmd_global_options[0]))
      continue;
    if (strcmp(o->name, "json") == 0) {
      ctx->json = 1;
    } else if (strcmp(o->name, "quiet") == 0) {
      ctx->quiet = 1;
    } else if (strcmp(o->name, "output") == 0) {
      if (strcmp(v, "json") != 0 && strcmp(v, "table") != 0) {
        output_error("invalid output format '%s': expected table or json", v);
        return CMD_USAGE;
      }
      ctx->json = strcmp(v, "json") == 0;
    } else {
      long long ms = cmd_number(args->entry, "-t", v);
      if (ms < 0) return CMD_USAGE;
      ctx->timeout_ms = (long)ms;
    }
  }
  return CMD_OK;
}

static void cmd_add_opt(struct cmd_args *args, const struct cmd_option *o,
                        const char *value) {
  args->opts[args->nopts].opt = o;
  args->opts[args->nopts].value = value;
  args->nopts++;
}

/* "missing argument JSON": the name of positional argument n, read from
   the usage string (its upper-case words outside brackets). */
static void cmd_missing(const struct cmd_entry *entry, int n, char *msg,
                        size_t size) {
  const char *p = entry->usage;
  int depth = 0, index = 0;

  while (*p != '\0') {
    const char *start = p;
    size_t len;
    int upper = 1;

    while (*p != '\0' && *p != ' ') {
      if (*p == '[') depth++;
      if (*p == ']') depth--;
      if (!isupper((unsigned char)*p) && *p != '_') upper = 0;
      p++;
    }
    len = (size_t)(p - start);
    if (depth == 0 && upper && len > 0) {
      if (index++ == n) {
        snprintf(msg, size, "missing argument %.*s", (int)len, start);
        return;
      }
    }
    while (*p == ' ') p++;
  }
  snprintf(msg, size, "missing argument");
}

int cmd_parse(const struct cmd_entry *entry, int argc, char **argv,
              struct cmd_args *args) {
  const struct cmd_option *o;
  int i, end = 0;
  size_t nopts = (size_t)argc + 1;
  char msg[256];

  memset(args, 0, sizeof(*args));
  args->entry = entry;
  args->argv = xcalloc((size_t)argc + 1, sizeof(char *));
  /* A word may hold several grouped flags (-fq): at most one per byte. */
  for (i = 1; i < argc; i++) nopts += strlen(argv[i]);
  args->opts = xcalloc(nopts, sizeof(*args->opts));
  for (i = 1; i < argc; i++) {
    char *w = argv[i];

    if (!end && strcmp(w, "--") == 0) {
      end = 1;
      continue;
    }
    if (end || !cmd_is_option(w)) {
      args->argv[args->argc++] = w;
      /* Some commands hand everything after their first argument to
         someone else (exec's program, daemon start's actord options). */
      if (entry->flags & CMD_FIRSTARG) end = 1;
      continue;
    }
    if (w[1] == '-') {
      const char *eq = strchr(w + 2, '=');
      size_t len = eq ? (size_t)(eq - (w + 2)) : strlen(w + 2);

      if ((o = cmd_find_long(entry, w + 2, len)) == NULL) {
        snprintf(msg, sizeof(msg), "unknown option --%.*s", (int)len, w + 2);
        goto usage;
      }
      if (o->arg == NULL) {
        if (eq != NULL) {
          snprintf(msg, sizeof(msg), "option --%s takes no value", o->name);
          goto usage;
        }
        cmd_add_opt(args, o, NULL);
      } else if (eq != NULL) {
        cmd_add_opt(args, o, eq + 1);
      } else if (i + 1 < argc) {
        cmd_add_opt(args, o, argv[++i]);
      } else {
        snprintf(msg, sizeof(msg), "option --%s needs a value (%s)", o->name,
                 o->arg);
        goto usage;
      }
      continue;
    }
    /* Short options: flags may be grouped (-fq); a value follows in the
       same word (-n5) or the next (-n 5). */
    for (const char *p = w + 1; *p != '\0'; p++) {
      if ((o = cmd_find_short(entry, *p)) == NULL) {
        snprintf(msg, sizeof(msg), "unknown option -%c", *p);
        goto usage;
      }
      if (o->arg == NULL) {
        cmd_add_opt(args, o, NULL);
        continue;
      }
      if (p[1] != '\0')
        cmd_add_opt(args, o, p + 1);
      else if (i + 1 < argc)
        cmd_add_opt(args, o, argv[++i]);
      else {
        snprintf(msg, sizeof(msg), "option -%c needs a value (%s)", *p,
                 o->arg);
        goto usage;
      }
      break;
    }
  }
  /* Options given twice: the last one wins, except those that repeat. */
  if (args->argc < entry->min_args) {
    cmd_missing(entry, args->argc, msg, sizeof(msg));
    goto usage;
  }
  if (entry->max_args >= 0 && args->argc > entry->max_args) {
    snprintf(msg, sizeof(msg), "too many arguments, starting at '%.64s'",
             args->argv[entry->max_args]);
    goto usage;
  }
  return CMD_OK;

usage:
  cmd_parse_error(entry, msg, NULL);
  cmd_args_free(args);
  return CMD_USAGE;
}

void cmd_args_free(struct cmd_args *args) {
  free(args->argv);
  free(args->opts);
  args->argv = NULL;
  args->opts = NULL;
  args->argc = args->nopts = 0;
}

const char *cmd_args_get(const struct cmd_args *args, const char *name) {
  const char *value = NULL;

  for (int i = 0; i < args->nopts; i++)
    if (strcmp(args->opts[i].opt->name, name) == 0)
      value = args->opts[i].value ? args->opts[i].value : "";
  return value;
}

int cmd_args_has(const struct cmd_args *args, const char *name) {
  return cmd_args_get(args, name) != NULL;
}

int cmd_execute(struct cmd_ctx *ctx, int argc, char **argv) {
  const struct cmd_entry *entry;
  struct cmd_args args;
  struct cmd_ctx saved;
  int status;

  if (argc < 1) return CMD_OK;
  if ((entry = cmd_find(argv[0], 0)) == NULL) return CMD_USAGE;
  /* "COMMAND --help" is a question, not a mistake: answer it, as long as
     the word is the command's and not its program's (exec, daemon). */
  for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      cmd_help(entry);
      return CMD_OK;
    }
    if ((entry->flags & CMD_FIRSTARG) && !cmd_is_option(argv[i])) break;
  }
  if ((status = cmd_parse(entry, argc, argv, &args)) != CMD_OK) return status;
  /* Global options after the command hold for this command only (in the
     shell and in `run`, the next line starts from the first ones). */
  saved = *ctx;
  if ((status = cmd_apply_globals(ctx, &args)) == CMD_OK) {
    cmd_start_clock(ctx);
    status = entry->exec(ctx, &args);
  }
  ctx->json = saved.json;
  ctx->quiet = saved.quiet;
  ctx->timeout_ms = saved.timeout_ms;
  cmd_args_free(&args);
  return status;
}

void cmd_help(const struct cmd_entry *entry) {
  const struct cmd_option *o;
  char left[96];

  output_printf("usage: actorctl %s%s%s\n", entry->name,
                entry->usage[0] ? " " : "", entry->usage);
  output_printf("  %s\n", entry->summary);
  if (entry->alias != NULL) output_printf("  alias: %s\n", entry->alias);
  if (entry->options == NULL || entry->options[0].name == NULL) return;
  output_puts("options:\n");
  for (o = entry->options; o->name != NULL; o++) {
    /* A repeatable option says so with "...", as in the usage line. */
    const char *more = (o->flags & CMD_OPT_REPEAT) ? "..." : "";
    if (o->short_name)
      snprintf(left, sizeof(left), "-%c, --%s%s%s%s", o->short_name, o->name,
               o->arg ? " " : "", o->arg ? o->arg : "", more);
    else
      snprintf(left, sizeof(left), "    --%s%s%s%s", o->name,
               o->arg ? " " : "", o->arg ? o->arg : "", more);
    output_puts("  ");
    output_pad(left, 28);
    output_printf(" %s\n", o->help);
  }
}

json_t *cmd_json_arg(const struct cmd_entry *entry, const char *what,
                     int argc, char **argv) {
  json_error_t err;
  json_t *value;
  size_t len = 0;
  char *text;
  int i;

  for (i = 0; i < argc; i++) len += strlen(argv[i]) + 1;
  text = xmalloc(len + 1);
  text[0] = '\0';
  len = 0;
  for (i = 0; i < argc; i++) {
    size_t n = strlen(argv[i]);
    if (i > 0) text[len++] = ' ';
    memcpy(text + len, argv[i], n);
    len += n;
  }
  text[len] = '\0';
  value = json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
                     &err);
  if (value == NULL) {
    /* A bare word is most often a string someone forgot to quote: say so,
       rather than guessing that it was meant as one. */
    int bare = len > 0 && (isalpha((unsigned char)text[0]) || text[0] == '_') &&
               strcmp(text, "true") != 0 && strcmp(text, "false") != 0 &&
               strcmp(text, "null") != 0;
    if (bare)
      output_error("%s: invalid JSON %s '%s': a string needs double quotes, "
                   "as in '\"%s\"'",
                   entry->name, what, text, text);
    else
      output_error("%s: invalid JSON %s '%s': %s at column %d", entry->name,
                   what, text, err.text, err.column);
  }
  free(text);
  return value;
}

json_t *cmd_target(const char *word) {
  const char *p = word;

  if (*p == '\0') return json_string(word);
  while (isdigit((unsigned char)*p)) p++;
  if (*p == '\0' && word[0] != '0' && strlen(word) < 19)
    return json_integer((json_int_t)strtoll(word, NULL, 10));
  return json_string(word);
}

long long cmd_number(const struct cmd_entry *entry, const char *what,
                     const char *word) {
  char *end;
  long long v;

  errno = 0;
  v = strtoll(word, &end, 10);
  if (word[0] == '\0' || *end != '\0' || errno != 0 || v < 0) {
    output_error("%s: invalid %s '%s': expected a number of 0 or more",
                 entry->name, what, word);
    return -1;
  }
  return v;
}

char *cmd_abs_path(const char *path) {
  char cwd[4096];
  char *out;

  if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
    return xstrdup(path);
  if (strncmp(path, "./", 2) == 0) path += 2;
  xasprintf(&out, "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, path);
  return out;
}

int cmd_print_json(const struct cmd_ctx *ctx, const json_t *result) {
  if (ctx->json) output_json_line(result);
  return CMD_OK;
}

int cmd_print_id(const struct cmd_ctx *ctx, const json_t *result) {
  json_t *id = json_object_get(result, "id");
  char buf[32];

  if (ctx->json)
    output_json_line(result);
  else
    output_printf("%s\n", output_cell(buf, sizeof(buf), id));
  return CMD_OK;
}

void cmd_print_fields(const json_t *object) {
  const char *key;
  json_t *value;
  char buf[64];

  json_object_foreach((json_t *)object, key, value) {
    if (json_is_object(value) || json_is_array(value)) {
      output_printf("%s: ", key);
      output_json_line(value);
    } else if (strcmp(key, "uptime_ms") == 0 && json_is_integer(value)) {
      output_duration(buf, sizeof(buf), json_integer_value(value));
      output_printf("uptime: %s\n", buf);
    } else {
      output_printf("%s: %s\n", key, output_cell(buf, sizeof(buf), value));
    }
  }
}
