/* cmd-ps.c - the live actors as a table. Ten thousand rows must print in a
   few milliseconds: cells are formatted into stack buffers, twice (widths,
   then rows), and the whole table leaves in one write. */
#include <string.h>

#include "client.h"
#include "cmd.h"
#include "output.h"
#include "proto.h"

#define CMD_PS_COLUMNS 7

static const char *const cmd_ps_headers[CMD_PS_COLUMNS] = {
    "ID", "NAME", "PLUGIN", "STATUS", "MAILBOX", "RESTARTS", "UPTIME"};

/* The cells of one row, in bufs (one per column) or in the JSON strings. */
static void cmd_ps_cells(const json_t *row, char bufs[][32],
                         const char *cells[CMD_PS_COLUMNS]) {
  json_t *up = json_object_get(row, "uptime_ms");

  cells[0] = output_cell(bufs[0], 32, json_object_get(row, "id"));
  cells[1] = output_cell(bufs[1], 32, json_object_get(row, "name"));
  cells[2] = output_cell(bufs[2], 32, json_object_get(row, "plugin"));
  cells[3] = output_cell(bufs[3], 32, json_object_get(row, "status"));
  cells[4] = output_cell(bufs[4], 32, json_object_get(row, "mailbox"));
  cells[5] = output_cell(bufs[5], 32, json_object_get(row, "restarts"));
  if (json_is_integer(up)) {
    output_duration(bufs[6], 32, json_integer_value(up));
    cells[6] = bufs[6];
  } else {
    cells[6] = "-";
  }
}

static int cmd_ps_exec(struct cmd_ctx *ctx, const struct cmd_args *args) {
  size_t width[CMD_PS_COLUMNS], i;
  const char *cells[CMD_PS_COLUMNS];
  char bufs[CMD_PS_COLUMNS][32];
  json_t *result, *row;
  int status, c;

  status = client_call(ctx, "ps", ACT_M_ACTOR_LIST, NULL, &result);
  if (status != CMD_OK) return status;
  if (ctx->json || !json_is_array(result)) {
    output_json_line(result);
    json_decref(result);
    return CMD_OK;
  }
  for (c = 0; c < CMD_PS_COLUMNS; c++) width[c] = strlen(cmd_ps_headers[c]);
  json_array_foreach(result, i, row) {
    cmd_ps_cells(row, bufs, cells);
    for (c = 0; c < CMD_PS_COLUMNS; c++) {
      size_t len = strlen(cells[c]);
      if (len > width[c]) width[c] = len;
    }
  }
  for (c = 0; c < CMD_PS_COLUMNS - 1; c++) {
    output_pad(cmd_ps_headers[c], width[c] + 2);
  }
  output_printf("%s\n", cmd_ps_headers[c]);
  json_array_foreach(result, i, row) {
    cmd_ps_cells(row, bufs, cells);
    for (c = 0; c < CMD_PS_COLUMNS - 1; c++) output_pad(cells[c], width[c] + 2);
    output_puts(cells[c]);
    output_write("\n", 1);
  }
  json_decref(result);
  return CMD_OK;
}

const struct cmd_entry cmd_ps_entry = {
    .name = "ps",
    .alias = "ls",
    .options = NULL,
    .min_args = 0,
    .max_args = 0,
    .usage = "",
    .summary = "list live actors: ID NAME PLUGIN STATUS MAILBOX RESTARTS UPTIME",
    .complete = {CMD_C_NONE},
    .exec = cmd_ps_exec,
};
