/*
 * shell.c - the interactive shell.
 *
 * readline's callback interface runs on a libuv loop that watches three
 * things: the terminal (each readable byte goes to rl_callback_read_char),
 * the signal self-pipe (Ctrl-C drops the line being typed, a resize is
 * passed on) and the connections of what the shell follows (events,
 * logs). Lines that arrive on those print above the prompt: the visible
 * line is cleared, the text is written, and readline draws the prompt and
 * the half-typed line again, untouched.
 *
 * A command runs synchronously from the line handler, through the same
 * table as argv. While it waits for the daemon the terminal is not read,
 * but followed connections are still served (cmd_ctx.watch_fd), so a long
 * `wait` does not hold events back.
 */
#include "shell.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>
#include <uv.h>

#include "client.h"
#include "cmd.h"
#include "complete.h"
#include "line.h"
#include "output.h"
#include "xmalloc.h"

#define SHELL_HISTORY_MAX 1000
#define SHELL_FOLLOW_TIMEOUT_MS 5000

enum { SHELL_EVENTS, SHELL_LOGS, SHELL_NFOLLOW };

struct shell_follow {
  struct shell *sh;
  int kind;
  struct client *client;
  uv_poll_t poll;
};

struct shell {
  struct cmd_ctx *ctx;
  uv_loop_t loop;
  uv_poll_t in_poll, sig_poll;
  struct shell_follow *follow[SHELL_NFOLLOW];
  char prompt[160];
  char *histfile;
  int busy;    /* a command runs: no prompt is on the screen */
  int leaving; /* Ctrl-D, exit or SIGTERM */
  int status;  /* of the last command */
};

static const char *const shell_kinds[SHELL_NFOLLOW] = {"events", "logs"};

/* readline's callbacks take no argument: the one shell of the process. */
static struct shell *shell_current;
static struct complete_result shell_cands;

static int shell_kind(const char *kind) {
  return strcmp(kind, "logs") == 0 ? SHELL_LOGS : SHELL_EVENTS;
}

/* Print what the output buffer holds above the prompt, leaving the line
   being typed as it was. */
static void shell_print_above(struct shell *sh) {
  if (output_pending() == 0) return;
  if (sh->busy || sh->leaving) {
    output_flush();
    return;
  }
  /* readline writes through stdio: its clearing must reach the terminal
     before our text does. */
  rl_clear_visible_line();
  fflush(rl_outstream);
  output_flush();
  rl_on_new_line();
  rl_redisplay();
}

/* The daemon's name from hello, in the prompt. */
static void shell_set_prompt(struct shell *sh) {
  struct client *c = sh->ctx->client;
  const char *name =
      c ? json_string_value(json_object_get(c->hello, "name")) : NULL;

  snprintf(sh->prompt, sizeof(sh->prompt), "actord@%s> ",
           name ? name : "(none)");
}

/* The follow connections become the descriptors a waiting command serves. */
static void shell_update_watch(struct shell *sh) {
  sh->ctx->nwatch = 0;
  for (int k = 0; k < SHELL_NFOLLOW; k++)
    if (sh->follow[k] != NULL)
      sh->ctx->watch_fd[sh->ctx->nwatch++] = sh->follow[k]->client->fd;
}

static void shell_follow_closed(uv_handle_t *handle) {
  free(handle->data);
}

static void shell_follow_end(struct shell *sh, int kind) {
  struct shell_follow *f = sh->follow[kind];

  if (f == NULL) return;
  sh->follow[kind] = NULL;
  uv_poll_stop(&f->poll);
  client_free(f->client);
  f->client = NULL;
  f->poll.data = f;
  uv_close((uv_handle_t *)&f->poll, shell_follow_closed);
  shell_update_watch(sh);
}

/* Read what a followed connection has and print it above the prompt. */
static void shell_follow_read(struct shell_follow *f) {
  struct shell *sh = f->sh;
  int ended = client_pump(f->client) != 0;
  json_t *msg;

  while ((msg = client_pop(f->client)) != NULL) {
    const char *method = json_string_value(json_object_get(msg, "method"));
    json_t *params = json_object_get(msg, "params");

    if (method != NULL && strcmp(method, "event") == 0)
      cmd_events_format(sh->ctx, params);
    else if (method != NULL && strcmp(method, "log") == 0)
      cmd_logs_format(sh->ctx, params);
    json_decref(msg);
  }
  if (ended) {
    output_printf("actorctl: stopped following %s: actord closed the "
                  "connection\n",
                  shell_kinds[f->kind]);
    shell_print_above(sh);
    shell_follow_end(sh, f->kind);
    return;
  }
  shell_print_above(sh);
}

static void shell_on_follow(uv_poll_t *handle, int status, int events) {
  shell_follow_read(handle->data);
}

/* A waiting command serves the follow connections through this. */
static void shell_on_watch(void *arg, int fd) {
  struct shell *sh = arg;

  for (int k = 0; k < SHELL_NFOLLOW; k++)
    if (sh->follow[k] != NULL && sh->follow[k]->client->fd == fd) {
      shell_follow_read(sh->follow[k]);
      return;
    }
}

int shell_follow(struct shell *sh, struct cmd_ctx *ctx, const char *kind,
                 const char *method, json_t *params) {
  int k = shell_kind(kind);
  struct cmd_ctx sub = *ctx;
  struct shell_follow *f;
  struct client *c;
  json_t *result = NULL, *row;
  size_t i;
  int status;

  shell_follow_end(sh, k);
  if ((status = client_connect(ctx->socket_path, 0, &c)) != CMD_OK) {
    json_decref(params);
    return status;
  }
  /* The subscription gets a connection of its own, so that commands keep
     their request/reply connection to themselves. */
  sub.client = c;
  sub.shell = NULL;
  sub.nwatch = 0;
  if (sub.deadline == 0) sub.deadline = cmd_now_ms() + SHELL_FOLLOW_TIMEOUT_MS;
  status = client_call(&sub, kind, method, params, &result);
  if (status != CMD_OK) {
    client_free(c);
    return status;
  }
  json_array_foreach(result, i, row) cmd_logs_format(ctx, row);
  json_decref(result);
  f = xcalloc(1, sizeof(*f));
  f->sh = sh;
  f->kind = k;
  f->client = c;
  uv_poll_init(&sh->loop, &f->poll, c->fd);
  f->poll.data = f;
  uv_poll_start(&f->poll, UV_READABLE | UV_DISCONNECT, shell_on_follow);
  sh->follow[k] = f;
  shell_update_watch(sh);
  if (!ctx->quiet && !ctx->json)
    output_printf("following %s in the background; '%s off' stops\n", kind,
                  kind);
  /* Notifications that came with the reply are already in the buffer. */
  output_flush();
  shell_follow_read(f);
  return CMD_OK;
}

int shell_unfollow(struct shell *sh, const char *kind) {
  int k = shell_kind(kind);

  if (sh->follow[k] == NULL) {
    output_error("%s: not following %s", kind, kind);
    return CMD_USAGE;
  }
  shell_follow_end(sh, k);
  if (!sh->ctx->quiet && !sh->ctx->json)
    output_printf("stopped following %s\n", kind);
  return CMD_OK;
}

/* ------------------------------------------------------------- history */

/* $ACTORCTL_HISTFILE, else $XDG_STATE_HOME/actorctl/history, else
   ~/.local/state/actorctl/history; the directories are created. */
static char *shell_histfile(void) {
  const char *env = getenv("ACTORCTL_HISTFILE"), *home;
  char *path, *p;
  int fd;

  if (env != NULL && env[0] != '\0') {
    path = xstrdup(env);
  } else if ((env = getenv("XDG_STATE_HOME")) != NULL && env[0] != '\0') {
    xasprintf(&path, "%s/actorctl/history", env);
  } else {
    if ((home = getenv("HOME")) == NULL || home[0] == '\0') return NULL;
    xasprintf(&path, "%s/.local/state/actorctl/history", home);
  }
  for (p = strchr(path + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
    *p = '\0';
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
      output_error("shell: cannot create %s: %s (history is not kept)", path,
                   strerror(errno));
      free(path);
      return NULL;
    }
    *p = '/';
  }
  /* append_history wants the file to be there. */
  if ((fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0) {
    output_error("shell: cannot open %s: %s (history is not kept)", path,
                 strerror(errno));
    free(path);
    return NULL;
  }
  close(fd);
  return path;
}

static void shell_remember(struct shell *sh, const char *line) {
  HIST_ENTRY *last = history_get(history_base + history_length - 1);

  if (last != NULL && strcmp(last->line, line) == 0) return;
  add_history(line);
  if (sh->histfile != NULL) append_history(1, sh->histfile);
}

/* ---------------------------------------------------------- completion */

static char *shell_complete_next(const char *text, int state) {
  static int next;

  if (state == 0) next = 0;
  if (next < shell_cands.count) return xstrdup(shell_cands.words[next++]);
  return NULL;
}

static char **shell_complete(const char *text, int start, int end) {
  struct line_words words;
  const char *error;
  char *before = xstrndup(rl_line_buffer, (size_t)start);
  char **matches = NULL;

  rl_attempted_completion_over = 1;
  if (line_split(before, 1, &words, &error) == 0) {
    complete_words(shell_current->ctx, words.argc, words.argv, text,
                   &shell_cands);
    if (shell_cands.files)
      matches = rl_completion_matches(text, rl_filename_completion_function);
    else if (shell_cands.count > 0)
      matches = rl_completion_matches(text, shell_complete_next);
    complete_result_free(&shell_cands);
    line_words_free(&words);
  }
  free(before);
  return matches;
}

/* ---------------------------------------------------------------- loop */

static void shell_leave(struct shell *sh) {
  sh->leaving = 1;
  uv_poll_stop(&sh->in_poll);
  uv_poll_stop(&sh->sig_poll);
  for (int k = 0; k < SHELL_NFOLLOW; k++) shell_follow_end(sh, k);
}

static int shell_is_blank(const char *line) {
  while (*line == ' ' || *line == '\t') line++;
  return *line == '\0';
}

static void shell_on_stdin(uv_poll_t *handle, int status, int events) {
  rl_callback_read_char();
}

static void shell_on_line(char *line) {
  struct shell *sh = shell_current;
  struct termios saved;
  int echo_off;

  if (line == NULL) {
    /* Ctrl-D on an empty line: leave on a fresh line. */
    if (write(STDOUT_FILENO, "\n", 1) < 0) {
      /* The terminal is gone; leaving is all there is to do. */
    }
    rl_callback_handler_remove();
    shell_leave(sh);
    return;
  }
  if (!shell_is_blank(line)) shell_remember(sh, line);
  {
    struct line_words w;
    const char *error;
    if (line_split(line, 1, &w, &error) == 0) {
      int bye = w.argc == 1 && (strcmp(w.argv[0], "exit") == 0 ||
                                strcmp(w.argv[0], "quit") == 0);
      line_words_free(&w);
      if (bye) {
        free(line);
        rl_callback_handler_remove();
        shell_leave(sh);
        return;
      }
    }
  }
  sh->busy = 1;
  uv_poll_stop(&sh->in_poll);
  /* readline gave the terminal back as it found it, echoing; what is typed
     ahead while the command runs would then appear amid its output, and
     again when readline takes it. Without echo it waits unseen. */
  echo_off = tcgetattr(STDIN_FILENO, &saved) == 0;
  if (echo_off) {
    struct termios quiet = saved;
    quiet.c_lflag &= (tcflag_t)~ECHO;
    echo_off = tcsetattr(STDIN_FILENO, TCSANOW, &quiet) == 0;
  }
  sh->status = line_execute(sh->ctx, line);
  if (echo_off) tcsetattr(STDIN_FILENO, TCSANOW, &saved);
  free(line);
  if (sh->ctx->client != NULL && sh->ctx->client->closed) {
    /* The daemon went away (or was stopped): the next command reconnects. */
    client_free(sh->ctx->client);
    sh->ctx->client = NULL;
  }
  shell_set_prompt(sh);
  rl_set_prompt(sh->prompt);
  sh->busy = 0;
  client_signals_take();
  if (!sh->leaving) uv_poll_start(&sh->in_poll, UV_READABLE, shell_on_stdin);
}

static void shell_on_signal(uv_poll_t *handle, int status, int events) {
  struct shell *sh = handle->data;
  unsigned bits = client_signals_take();

  if (bits & (1u << SIGTERM)) {
    rl_callback_handler_remove();
    shell_leave(sh);
    return;
  }
  if (bits & (1u << SIGWINCH)) rl_resize_terminal();
  if (bits & (1u << SIGINT)) {
    /* Ctrl-C drops the line being typed, as in bash. */
    rl_callback_sigcleanup();
    rl_replace_line("", 0);
    rl_crlf();
    rl_on_new_line();
    rl_redisplay();
  }
}

static int shell_interactive(struct cmd_ctx *ctx, struct shell *sh) {
  json_t *hello = NULL;
  int status;

  status = client_call(ctx, "shell", ACT_M_HELLO, NULL, &hello);
  json_decref(hello);
  if (status == CLIENT_INTERRUPTED) return status;
  shell_set_prompt(sh);
  if (!ctx->quiet) {
    struct client *c = ctx->client;
    if (status == CMD_OK && c != NULL && c->hello != NULL)
      output_printf("actord %s on %s; 'help' lists the commands, Ctrl-D "
                    "leaves\n",
                    json_string_value(json_object_get(c->hello, "version"))
                        ?: "?",
                    ctx->socket_path);
    else
      output_puts("not connected; 'daemon start' starts actord, Ctrl-D "
                  "leaves\n");
  }
  output_flush();
  if (ctx->client != NULL && ctx->client->closed) {
    client_free(ctx->client);
    ctx->client = NULL;
  }

  sh->histfile = shell_histfile();
  using_history();
  stifle_history(SHELL_HISTORY_MAX);
  if (sh->histfile != NULL) read_history(sh->histfile);

  rl_readline_name = "actorctl";
  rl_catch_signals = 0;
  rl_catch_sigwinch = 0;
  rl_change_environment = 0;
  rl_attempted_completion_function = shell_complete;
  rl_completer_word_break_characters = " \t\n";
  ctx->watch_cb = shell_on_watch;
  ctx->watch_arg = sh;

  uv_loop_init(&sh->loop);
  uv_poll_init(&sh->loop, &sh->in_poll, STDIN_FILENO);
  uv_poll_init(&sh->loop, &sh->sig_poll, client_signal_fd());
  sh->in_poll.data = sh;
  sh->sig_poll.data = sh;
  rl_callback_handler_install(sh->prompt, shell_on_line);
  uv_poll_start(&sh->in_poll, UV_READABLE, shell_on_stdin);
  uv_poll_start(&sh->sig_poll, UV_READABLE, shell_on_signal);
  uv_run(&sh->loop, UV_RUN_DEFAULT);

  /* Every handle was stopped by shell_leave; close them and let the loop
     run their close callbacks before it goes. */
  uv_close((uv_handle_t *)&sh->in_poll, NULL);
  uv_close((uv_handle_t *)&sh->sig_poll, NULL);
  uv_run(&sh->loop, UV_RUN_DEFAULT);
  uv_loop_close(&sh->loop);
  if (sh->histfile != NULL) history_truncate_file(sh->histfile,
                                                  SHELL_HISTORY_MAX);
  clear_history();
  free(sh->histfile);
  ctx->nwatch = 0;
  ctx->watch_cb = NULL;
  return CMD_OK;
}

int shell_run(struct cmd_ctx *ctx, int keep_going) {
  struct shell sh;
  int status;

  memset(&sh, 0, sizeof(sh));
  sh.ctx = ctx;
  ctx->shell = &sh;
  shell_current = &sh;
  if (!isatty(STDIN_FILENO)) {
    /* Commands from a pipe or a file: no prompt, no background. */
    ctx->in_script = 1;
    status = line_run_file(ctx, stdin, "-", keep_going);
  } else {
    status = shell_interactive(ctx, &sh);
  }
  ctx->shell = NULL;
  shell_current = NULL;
  return status;
}
