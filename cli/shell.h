/*
 * shell.h - `actorctl shell`: the commands of the table in a readline
 * readline loop served by libuv, so that the events and logs the shell
 * follows print above the prompt while a line is being typed.
 */
#ifndef CLI_SHELL_H
#define CLI_SHELL_H

#include <jansson.h>

struct cmd_ctx;
struct shell;

/* Run the interactive shell (stdin a terminal) or read commands line by
   line (stdin not a terminal: no prompt; the first failing command ends
   the run with its status unless keep_going). Returns the exit status. */
int shell_run(struct cmd_ctx *ctx, int keep_going);

/* Follow "events" or "logs" in the background of the shell: method and
   params (stolen) start the subscription on a connection of its own. A
   second call for the same kind replaces the first. Returns a CMD_ status. */
int shell_follow(struct shell *sh, struct cmd_ctx *ctx, const char *kind,
                 const char *method, json_t *params);
/* Stop following kind; CMD_OK, or CMD_USAGE when it was not followed. */
int shell_unfollow(struct shell *sh, const char *kind);

#endif /* CLI_SHELL_H */
