/* cmd-inspect.c - everything about one actor, as "key: value" lines, and
   the sockets it owns as a table. */
#include <string.h>

#include "client.h"
#include "cmd.h"
#include "output.h"
#include "proto.h"

#define INSPECT_SOCKET_COLUMNS 7

/* The sockets an actor owns, one row each, under a "sockets:" line; an
   actor without any gets "sockets: []", as links and monitors do. */
static void cmd_inspect_sockets(const json_t *sockets) {
  static const char *const headers[INSPECT_SOCKET_COLUMNS] = {
      "SOCKET", "KIND", "LOCAL", "PEER", "IN", "OUT", "QUEUED"};
  static const char *const keys[INSPECT_SOCKET_COLUMNS] = {
      "socket", "kind", "local", "peer", "bytes_in", "bytes_out", "queued"};
  size_t width[INSPECT_SOCKET_COLUMNS], i;
  char buf[128];
  json_t *row;
  int c;

  if (json_array_size(sockets) == 0) {
    output_puts("sockets: []\n");
    return;
  }
  for (c = 0; c < INSPECT_SOCKET_COLUMNS; c++) width[c] = strlen(headers[c]);
  json_array_foreach(sockets, i, row) {
    for (c = 0; c < INSPECT_SOCKET_COLUMNS; c++) {
      size_t len = strlen(
          output_cell(buf, sizeof(buf), json_object_get(row, keys[c])));
      if (len > width[c]) width[c] = len;
    }
  }
  output_puts("sockets:\n  ");
  for (c = 0; c < INSPECT_SOCKET_COLUMNS - 1; c++)
    output_pad(headers[c], width[c] + 2);
  output_printf("%s\n", headers[c]);
  json_array_foreach(sockets, i, row) {
    output_puts("  ");
    for (c = 0; c < INSPECT_SOCKET_COLUMNS - 1; c++)
      output_pad(output_cell(buf, sizeof(buf), json_object_get(row, keys[c])),
                 width[c] + 2);
    output_printf("%s\n",
                  output_cell(buf, sizeof(buf), json_object_get(row, keys[c])));
  }
}

static int cmd_inspect_exec(struct cmd_ctx *ctx, const struct cmd_args *args) {
  json_t *result, *sockets, *fields;
  int status;

  status = client_call(ctx, "inspect", ACT_M_ACTOR_INFO,
                       json_pack("{s:o}", "target", cmd_target(args->argv[0])),
                       &result);
  if (status != CMD_OK) return status;
  sockets = json_object_get(result, "sockets");
  if (ctx->json || !json_is_object(result)) {
    output_json_line(result);
  } else if (!json_is_array(sockets)) {
    /* An older actord: nothing to put in a table. */
    cmd_print_fields(result);
  } else {
    /* The fields in the daemon's order, the table last. */
    fields = json_copy(result);
    if (fields == NULL) {
      json_decref(result);
      output_error("inspect: out of memory");
      return CMD_ERROR;
    }
    json_object_del(fields, "sockets");
    cmd_print_fields(fields);
    json_decref(fields);
    cmd_inspect_sockets(sockets);
  }
  json_decref(result);
  return CMD_OK;
}

const struct cmd_entry cmd_inspect_entry = {
    .name = "inspect",
    .alias = "info",
    .options = NULL,
    .min_args = 1,
    .max_args = 1,
    .usage = "TARGET",
    .summary = "show everything about one actor, with what its plugin reports",
    .complete = {CMD_C_TARGET},
    .exec = cmd_inspect_exec,
};
