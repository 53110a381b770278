/* cmd-ps.c - the live actors as a table. Ten thousand rows must print in a
   few milliseconds, so the reply is not built as JSON values: it is scanned
   in place twice (column widths, then rows) with every cell in a stack
   buffer, and the table leaves in one write. With -o json the result's
   text is passed on as it came. */
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "cmd.h"
#include "jscan.h"
#include "output.h"
#include "proto.h"

enum { PS_ID, PS_NAME, PS_PLUGIN, PS_STATUS, PS_MAILBOX, PS_RESTARTS,
       PS_UPTIME, PS_COLUMNS };

static const char *const cmd_ps_headers[PS_COLUMNS] = {
    "ID", "NAME", "PLUGIN", "STATUS", "MAILBOX", "RESTARTS", "UPTIME"};
static const char *const cmd_ps_keys[PS_COLUMNS] = {
    "id", "name", "plugin", "status", "mailbox", "restarts", "uptime_ms"};

/* Names are at most 64 bytes; anything longer is cut for the table. */
#define CMD_PS_CELL 80

/* The cells of the row under the cursor; -1 on bad JSON. */
static int cmd_ps_row(struct jscan *s, char cells[PS_COLUMNS][CMD_PS_CELL]) {
  char key[16];
  int r, c;

  for (c = 0; c < PS_COLUMNS; c++) strcpy(cells[c], "-");
  if (jscan_object(s) != 0) return -1;
  while ((r = jscan_member(s, key, sizeof(key))) == 1) {
    for (c = 0; c < PS_COLUMNS; c++)
      if (strcmp(key, cmd_ps_keys[c]) == 0) break;
    if (c == PS_COLUMNS) {
      if (jscan_skip(s) != 0) return -1;
      continue;
    }
    if (jscan_cell(s, cells[c], CMD_PS_CELL) == NULL) return -1;
  }
  if (r < 0) return -1;
  if (strcmp(cells[PS_UPTIME], "-") != 0)
    output_duration(cells[PS_UPTIME], CMD_PS_CELL,
                    strtoll(cells[PS_UPTIME], NULL, 10));
  return 0;
}

/* One pass over the array: widths when print is 0, rows when it is 1. */
static int cmd_ps_pass(const char *raw, size_t len, size_t width[PS_COLUMNS],
                       int print) {
  char cells[PS_COLUMNS][CMD_PS_CELL];
  struct jscan s;
  int r, c;

  jscan_init(&s, raw, len);
  if (jscan_array(&s) != 0) return -1;
  while ((r = jscan_element(&s)) == 1) {
    if (cmd_ps_row(&s, cells) != 0) return -1;
    for (c = 0; c < PS_COLUMNS; c++) {
      if (!print) {
        size_t n = strlen(cells[c]);
        if (n > width[c]) width[c] = n;
      } else if (c < PS_COLUMNS - 1) {
        output_pad(cells[c], width[c] + 2);
      } else {
        output_puts(cells[c]);
        output_write("\n", 1);
      }
    }
  }
  return r;
}

static int cmd_ps_exec(struct cmd_ctx *ctx, const struct cmd_args *args) {
  size_t width[PS_COLUMNS], len;
  const char *raw;
  int status, c;

  status = client_call_raw(ctx, "ps", ACT_M_ACTOR_LIST, NULL, &raw, &len);
  if (status != CMD_OK) return status;
  if (ctx->json) {
    output_write(raw, len);
    output_write("\n", 1);
    return CMD_OK;
  }
  for (c = 0; c < PS_COLUMNS; c++) width[c] = strlen(cmd_ps_headers[c]);
  if (cmd_ps_pass(raw, len, width, 0) != 0) {
    output_error("ps: actord's actor.list result is not a list of actors");
    return CMD_ERROR;
  }
  for (c = 0; c < PS_COLUMNS - 1; c++)
    output_pad(cmd_ps_headers[c], width[c] + 2);
  output_printf("%s\n", cmd_ps_headers[c]);
  cmd_ps_pass(raw, len, width, 1);
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
