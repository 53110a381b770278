/* cmd-ps.c - the live actors as a table. Ten thousand rows must print in a
   few milliseconds, so the reply is not built as JSON values: it is scanned
   in place once, the cells of every row go into one growing buffer while
   the column widths are measured, and the table leaves in one write. With
   -o json the result's text is passed on as it came. */
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "cmd.h"
#include "jscan.h"
#include "output.h"
#include "proto.h"
#include "xmalloc.h"

enum { PS_ID, PS_NAME, PS_PLUGIN, PS_STATUS, PS_MAILBOX, PS_RESTARTS,
       PS_UPTIME, PS_COLUMNS };

static const char *const cmd_ps_headers[PS_COLUMNS] = {
    "ID", "NAME", "PLUGIN", "STATUS", "MAILBOX", "RESTARTS", "UPTIME"};
static const char *const cmd_ps_keys[PS_COLUMNS] = {
    "id", "name", "plugin", "status", "mailbox", "restarts", "uptime_ms"};

/* Names are at most 64 bytes; anything longer is cut for the table. */
#define CMD_PS_CELL 80

/* The column a key of actor.list fills, or -1. */
static int cmd_ps_column(const char *key) {
  int c;

  for (c = 0; c < PS_COLUMNS; c++)
    if (key[0] == cmd_ps_keys[c][0] && strcmp(key, cmd_ps_keys[c]) == 0)
      return c;
  return -1;
}

/* The cells of the row under the cursor; -1 on bad JSON. */
static int cmd_ps_row(struct jscan *s, char cells[PS_COLUMNS][CMD_PS_CELL]) {
  char key[16];
  int r, c;

  for (c = 0; c < PS_COLUMNS; c++) memcpy(cells[c], "-", 2);
  if (jscan_object(s) != 0) return -1;
  while ((r = jscan_member(s, key, sizeof(key))) == 1) {
    if ((c = cmd_ps_column(key)) < 0) {
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

/* All cells, NUL-terminated one after the other, row after row. */
struct cmd_ps_cells {
  char *buf;
  size_t len, cap;
  size_t rows;
};

static int cmd_ps_collect(const char *raw, size_t len, size_t width[PS_COLUMNS],
                          struct cmd_ps_cells *all) {
  char cells[PS_COLUMNS][CMD_PS_CELL];
  struct jscan s;
  int r, c;

  jscan_init(&s, raw, len);
  if (jscan_array(&s) != 0) return -1;
  while ((r = jscan_element(&s)) == 1) {
    if (cmd_ps_row(&s, cells) != 0) return -1;
    if (all->len + sizeof(cells) > all->cap) {
      all->cap = all->cap ? all->cap * 2 : 65536;
      all->buf = xrealloc(all->buf, all->cap);
    }
    for (c = 0; c < PS_COLUMNS; c++) {
      size_t n = strlen(cells[c]);
      if (n > width[c]) width[c] = n;
      memcpy(all->buf + all->len, cells[c], n + 1);
      all->len += n + 1;
    }
    all->rows++;
  }
  return r;
}

static int cmd_ps_exec(struct cmd_ctx *ctx, const struct cmd_args *args) {
  struct cmd_ps_cells all = {NULL, 0, 0, 0};
  size_t width[PS_COLUMNS], len, off = 0;
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
  if (cmd_ps_collect(raw, len, width, &all) != 0) {
    free(all.buf);
    output_error("ps: actord's actor.list result is not a list of actors");
    return CMD_ERROR;
  }
  for (c = 0; c < PS_COLUMNS - 1; c++)
    output_pad(cmd_ps_headers[c], width[c] + 2);
  output_printf("%s\n", cmd_ps_headers[c]);
  for (size_t row = 0; row < all.rows; row++) {
    for (c = 0; c < PS_COLUMNS; c++) {
      const char *cell = all.buf + off;
      off += strlen(cell) + 1;
      if (c < PS_COLUMNS - 1) {
        output_pad(cell, width[c] + 2);
      } else {
        output_puts(cell);
        output_write("\n", 1);
      }
    }
  }
  free(all.buf);
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
