/*
 * client.h - the connection to actord: JSON-RPC 2.0, one object per line,
 * over the control socket.
 *
 * A one-shot command is one connection and one round trip: the first
 * request on a connection goes out in the same write as `hello`, and the
 * hello reply is checked (protocol major version) before the request's own
 * reply is used. The socket is blocking and every wait is a poll(2) bounded
 * by the request's deadline, so `-t` covers the whole request. While
 * waiting, a signal (SIGINT, SIGTERM) ends the wait through a self-pipe.
 */
#ifndef CLI_CLIENT_H
#define CLI_CLIENT_H

#include <stdint.h>
#include <jansson.h>

#include "proto.h"

struct cmd_ctx;

/* A wait that a signal ended (128 + SIGINT, as a shell reports it). */
#define CLIENT_INTERRUPTED 130

struct client {
  int fd;
  char *path;
  act_linebuf_t lb;
  long long next_id;
  long long hello_id;   /* id of the pipelined hello, 0 once answered */
  json_t *hello;        /* hello's result, once answered */
  json_t *pending;      /* notifications read while awaiting a reply */
  int closed;           /* the daemon closed the connection */
};

/* Install the SIGINT/SIGTERM/SIGWINCH handlers and the self-pipe; the
   read end is what the shell watches. */
void client_signals_init(void);
int client_signal_fd(void);
/* The signals that arrived since the last call (a bit per signal number). */
unsigned client_signals_take(void);

/* Connect to path. Returns CMD_OK or CMD_UNREACHABLE after printing
   "cannot reach actord at PATH: REASON". *out is new. */
int client_connect(const char *path, int quiet, struct client **out);
void client_free(struct client *c);
/* Open ctx's connection if it is not open yet. */
int client_open(struct cmd_ctx *ctx);

/*
 * Send method with params (stolen, may be NULL) and wait until its reply
 * or ctx->deadline. Returns CMD_OK with *result (new reference, may be
 * NULL when result is not wanted), or a status after printing the error
 * line: CMD_ERROR / CMD_NOT_FOUND / CMD_TIMEOUT from the daemon's error
 * kind, CMD_TIMEOUT when the deadline passed, CMD_UNREACHABLE when the
 * connection failed, CLIENT_INTERRUPTED on a signal. what names the
 * command in messages that are actorctl's own.
 */
int client_call(struct cmd_ctx *ctx, const char *what, const char *method,
                json_t *params, json_t **result);
/* The same, for big results: the result's JSON text as it came, without
   building it (*raw points into the connection's buffer and stays valid
   until the next request on it). */
int client_call_raw(struct cmd_ctx *ctx, const char *what, const char *method,
                    json_t *params, const char **raw, size_t *len);
/* The next notification (new reference), waiting until ctx->deadline.
   Same statuses as client_call. */
int client_next(struct cmd_ctx *ctx, const char *what, json_t **msg);

/* Non-blocking use by the shell's event loop: read what is there (0, or
   -1 when the connection ended), then take parsed notifications one by
   one (new reference, NULL when none is complete). */
int client_pump(struct client *c);
json_t *client_pop(struct client *c);

/* The status a daemon error object maps to (kind not_found: 3, timeout: 4,
   else 1), after printing its message. */
int client_error_status(const char *what, const char *method,
                        const json_t *error);

#endif /* CLI_CLIENT_H */
