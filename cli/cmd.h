/*
 * cmd.h - the command table of actorctl (tmux's cmd.c). Each command lives
 * in its own cmd-<name>.c and exports one const struct cmd_entry; cmd.c
 * collects them in one NULL-terminated table. The same table parses argv,
 * lines of the shell and of `run`, prints help and usage errors, and drives
 * completion in the shell and in bash.
 */
#ifndef CLI_CMD_H
#define CLI_CMD_H

#include <stdint.h>
#include <jansson.h>

struct client;
struct shell;

/* Exit status of actorctl (DESIGN.md section 5), one list for all commands. */
enum cmd_status {
  CMD_OK = 0,          /* success */
  CMD_ERROR = 1,       /* the daemon answered with an error */
  CMD_USAGE = 2,       /* unknown command or option, malformed argument */
  CMD_NOT_FOUND = 3,   /* target, name or plugin not found */
  CMD_TIMEOUT = 4,     /* timed out */
  CMD_UNREACHABLE = 5  /* cannot reach the daemon */
};

/* What a word completes to, for options' values and positional arguments. */
enum cmd_complete {
  CMD_C_NONE = 0,
  CMD_C_TARGET,  /* live actor ids and names */
  CMD_C_NAME,    /* registered names */
  CMD_C_PLUGIN,  /* loaded plugin names */
  CMD_C_FILE,    /* file paths */
  CMD_C_COMMAND, /* command names */
  CMD_C_CHOICE   /* one of the option's fixed choices */
};

#define CMD_OPT_REPEAT 0x1 /* may be given more than once (--env) */
#define CMD_OPT_SHORT 0x2  /* has no long spelling on the command line */

struct cmd_option {
  const char *name;         /* long name, without "--" */
  char short_name;          /* or 0 */
  const char *arg;          /* the value's name in usage, NULL for a flag */
  enum cmd_complete complete;
  const char *const *choices; /* CMD_C_CHOICE: NULL-terminated */
  unsigned flags;
  const char *help;
};

#define CMD_HIDDEN 0x1   /* not listed by help nor completed (__complete) */
#define CMD_NOPREFIX 0x2 /* found by full name or alias only */
#define CMD_FIRSTARG 0x8 /* options end at the first positional argument:
                            what follows belongs to someone else */

struct cmd_args;
struct cmd_ctx;

struct cmd_entry {
  const char *name;
  const char *alias;                 /* or NULL */
  const struct cmd_option *options;  /* ends with a NULL name; may be NULL */
  int min_args, max_args;            /* positional arguments; max -1: any */
  const char *usage;                 /* what follows the name in usage */
  const char *summary;               /* one line for help */
  /* What the first three positional arguments complete to (the third
     also stands for those after it), and the fixed values for
     CMD_C_CHOICE. */
  enum cmd_complete complete[3];
  const char *const *choices;
  unsigned flags;
  int (*exec)(struct cmd_ctx *ctx, const struct cmd_args *args);
};

/* A command's parsed words: positional arguments and option values, both
   borrowed from the words given to cmd_parse. */
struct cmd_args {
  const struct cmd_entry *entry;
  int argc;
  char **argv;
  int nopts;
  struct cmd_optval {
    const struct cmd_option *opt;
    const char *value; /* NULL for a flag */
  } *opts;
};

#define CMD_MAX_WATCH 2

/* Everything a command needs besides its words. */
struct cmd_ctx {
  const char *socket_path;
  int json;          /* -o json */
  int quiet;         /* -q */
  long timeout_ms;   /* -t, or -1 when not given */
  int64_t deadline;  /* monotonic ms at which the request gives up, or 0 */
  struct client *client; /* the connection, opened on first use */
  struct shell *shell;   /* the interactive shell running the command */
  int in_script;     /* run by `run` or a non-terminal shell */
  /* While a request waits, these descriptors are served too: the shell's
     follow connections keep printing during a long call. */
  int nwatch;
  int watch_fd[CMD_MAX_WATCH];
  void (*watch_cb)(void *arg, int fd);
  void *watch_arg;
};

extern const struct cmd_entry *const cmd_table[];

/* Find a command by full name, alias or unique prefix. On failure print
   "unknown command: X" or "ambiguous command: X, could be: ..." and return
   NULL. */
const struct cmd_entry *cmd_find(const char *name, int quiet);
/* Parse a command's words (argv[0] is the command's name). Returns CMD_OK,
   or CMD_USAGE after printing what was wrong and the usage line. */
int cmd_parse(const struct cmd_entry *entry, int argc, char **argv,
              struct cmd_args *args);
void cmd_args_free(struct cmd_args *args);
/* Apply the global options (-o, --json, -q, -t) found among a command's
   parsed options to ctx; CMD_OK, or CMD_USAGE after saying what was
   wrong. cmd_execute restores ctx after the command. */
int cmd_apply_globals(struct cmd_ctx *ctx, const struct cmd_args *args);
/* Find, parse and run one command; returns its exit status. */
int cmd_execute(struct cmd_ctx *ctx, int argc, char **argv);

/* The last value of an option, or NULL when not given. */
const char *cmd_args_get(const struct cmd_args *args, const char *name);
int cmd_args_has(const struct cmd_args *args, const char *name);

/* "actorctl: NAME: usage: NAME USAGE" on stderr; returns CMD_USAGE. */
int cmd_usage(const struct cmd_entry *entry);
/* Print the full help of one command (options included) to stdout. */
void cmd_help(const struct cmd_entry *entry);

/* The JSON value spread over words argv[0..argc-1], joined with spaces
   (new reference). A bare word that is not JSON is refused: on error print
   "CMD: invalid JSON WHAT 'TEXT': REASON" and return NULL. */
json_t *cmd_json_arg(const struct cmd_entry *entry, const char *what,
                     int argc, char **argv);
/* A TARGET as the protocol wants it: an integer id or a name (new ref). */
json_t *cmd_target(const char *word);
/* A non-negative integer option value, or -1 after printing an error. */
long long cmd_number(const struct cmd_entry *entry, const char *what,
                     const char *word);

/* path made absolute against the current directory (new string): the
   daemon does not share our working directory. */
char *cmd_abs_path(const char *path);
/* Print a result: with -o json as one line of JSON, else nothing. Returns
   CMD_OK. result borrowed. */
int cmd_print_json(const struct cmd_ctx *ctx, const json_t *result);
/* Print result's "id" alone (spawn, exec, whereis, restart), or the whole
   result with -o json. result borrowed. */
int cmd_print_id(const struct cmd_ctx *ctx, const json_t *result);
/* Print an object as "key: value" lines for people (inspect, stats, daemon
   status). object borrowed. */
void cmd_print_fields(const json_t *object);

/* Milliseconds of the monotonic clock. */
int64_t cmd_now_ms(void);
/* Set ctx->deadline from -t (or leave it open) for a new request. */
void cmd_start_clock(struct cmd_ctx *ctx);

/* actor.spawn with params (stolen), printing the id: spawn and exec. */
int cmd_spawn_send(struct cmd_ctx *ctx, json_t *params);

/* One event or log line (a notification's params, borrowed) as the
   events and logs commands print it, into the output buffer. */
void cmd_events_format(const struct cmd_ctx *ctx, const json_t *event);
void cmd_logs_format(const struct cmd_ctx *ctx, const json_t *line);

/* The commands. */
extern const struct cmd_entry cmd_call_entry, cmd_daemon_entry,
    cmd_deploy_entry, cmd_events_entry, cmd_exec_entry, cmd_help_entry,
    cmd_inspect_entry, cmd_kill_entry, cmd_load_entry, cmd_logs_entry,
    cmd_plugins_entry, cmd_ps_entry, cmd_register_entry, cmd_restart_entry,
    cmd_run_entry, cmd_send_entry, cmd_shell_entry, cmd_spawn_entry,
    cmd_stats_entry, cmd_stop_entry, cmd_tree_entry, cmd_unload_entry,
    cmd_unregister_entry, cmd_wait_entry, cmd_whereis_entry,
    cmd_complete_entry;

#endif /* CLI_CMD_H */
