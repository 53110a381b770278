/*
 * exec.h - the built-in "exec" behaviour: an OS program under supervision,
 * as runit, s6 or supervisord run one.
 *
 * Args (a JSON object):
 *   "argv"             non-empty array of strings; argv[0] is looked up in
 *                      PATH as execvp(3) does; no shell is ever involved
 *   "env"              object of strings, added to the daemon's environment
 *   "cwd"              the program's working directory
 *   "stop_signal"      "TERM", "SIGTERM" or a number (default TERM)
 *   "stop_timeout_ms"  how long a stop waits after stop_signal before it
 *                      sends SIGKILL (default 5000)
 *
 * The program runs in a process group of its own; stop signals and kills go
 * to the whole group. Its stdout and stderr become the actor's log lines
 * (info and warn), its exit is the actor's exit ("normal", "exit:N",
 * "signal:SIGNAME"). Messages: a JSON string is written to its stdin as a
 * line; {"signal":SIG} signals the group; {"close_stdin":true} closes its
 * stdin; any call is answered with {"pid","running","stdin_open"}.
 *
 * Every program is started through actord itself, re-executed in a hidden
 * launcher mode (see exec.c) that makes the kernel kill the program when
 * actord dies, even by SIGKILL.
 */
#ifndef DAEMON_EXEC_H
#define DAEMON_EXEC_H

#include "actor/plugin.h"

extern const act_plugin_t exec_plugin;

/* The OS pid of the program that exec actor `id` runs, or 0 when `id` is
   not a live exec actor with a running program. Safe from any thread. */
int exec_pid(act_id_t id);

/* Complete a supervisor child spec (borrowed, changed in place): an exec
   child without its own "shutdown_ms" gets its program's stop timeout plus
   the time to reap it, so that its supervisor does not kill the actor (and
   SIGKILL the program) before the program's own grace period is over. */
void exec_spec_complete(json_t *spec);

#endif /* DAEMON_EXEC_H */
