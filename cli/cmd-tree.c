/* cmd-tree.c - the supervision tree, drawn with branches. */
#include <string.h>

#include "client.h"
#include "cmd.h"
#include "output.h"
#include "proto.h"

/* One node: "ID NAME PLUGIN", then its status when it is not running, then
   its children, each prefixed by the branches of its ancestors. */
static void cmd_tree_node(const json_t *node, char *prefix, size_t plen,
                          size_t cap, int last, int root) {
  json_t *children = json_object_get(node, "children");
  json_t *st = json_object_get(node, "status");
  char b1[32], b2[32], b3[32];
  size_t i, n;

  output_write(prefix, plen);
  if (!root) output_puts(last ? "\u2514\u2500\u2500 " : "\u251c\u2500\u2500 ");
  output_printf("%s %s %s",
                output_cell(b1, sizeof(b1), json_object_get(node, "id")),
                output_cell(b2, sizeof(b2), json_object_get(node, "name")),
                output_cell(b3, sizeof(b3), json_object_get(node, "plugin")));
  if (json_is_string(st) && strcmp(json_string_value(st), "running") != 0)
    output_printf(" (%s)", json_string_value(st));
  output_write("\n", 1);
  n = json_array_size(children);
  if (n == 0) return;
  /* The branch of this node continues below it unless it was the last. */
  if (!root) {
    const char *add = last ? "    " : "\u2502   ";
    size_t alen = strlen(add);
    if (plen + alen >= cap) return; /* deeper than any real tree */
    memcpy(prefix + plen, add, alen);
    plen += alen;
  }
  for (i = 0; i < n; i++)
    cmd_tree_node(json_array_get(children, i), prefix, plen, cap, i == n - 1,
                  0);
}

static int cmd_tree_exec(struct cmd_ctx *ctx, const struct cmd_args *args) {
  char prefix[4096];
  json_t *result;
  int status;

  status = client_call(ctx, "tree", ACT_M_ACTOR_TREE, NULL, &result);
  if (status != CMD_OK) return status;
  if (ctx->json || !json_is_object(result))
    output_json_line(result);
  else
    cmd_tree_node(result, prefix, 0, sizeof(prefix), 1, 1);
  json_decref(result);
  return CMD_OK;
}

const struct cmd_entry cmd_tree_entry = {
    .name = "tree",
    .alias = NULL,
    .options = NULL,
    .min_args = 0,
    .max_args = 0,
    .usage = "",
    .summary = "draw the supervision tree",
    .complete = {CMD_C_NONE},
    .exec = cmd_tree_exec,
};
