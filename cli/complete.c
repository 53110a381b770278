/* complete.c - candidates for the word being typed, from the command table
   and, for ids, names and plugins, from the daemon. */
#include "complete.h"

#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "cmd.h"
#include "output.h"
#include "proto.h"
#include "xmalloc.h"

/* Completion must not keep a prompt waiting on a stuck daemon. */
#define COMPLETE_TIMEOUT_MS 1000

static void complete_add(struct complete_result *res, const char *cur,
                         const char *word) {
  if (strncmp(word, cur, strlen(cur)) != 0) return;
  for (int i = 0; i < res->count; i++)
    if (strcmp(res->words[i], word) == 0) return;
  res->words = xrealloc(res->words, sizeof(char *) * ((size_t)res->count + 2));
  res->words[res->count++] = xstrdup(word);
  res->words[res->count] = NULL;
}

/* Ask the daemon (silently, briefly) and add what answers. */
static void complete_live(struct cmd_ctx *ctx, enum cmd_complete kind,
                          const char *cur, struct complete_result *res) {
  int64_t saved = ctx->deadline;
  const char *method =
      kind == CMD_C_PLUGIN ? ACT_M_PLUGIN_LIST : ACT_M_ACTOR_LIST;
  json_t *result = NULL, *row;
  char buf[32];
  size_t i;

  output_silence(1);
  ctx->deadline = cmd_now_ms() + COMPLETE_TIMEOUT_MS;
  if (client_call(ctx, "complete", method, NULL, &result) != CMD_OK) {
    /* A failed connection is reopened by the next command. */
    if (ctx->client != NULL && ctx->client->closed) {
      client_free(ctx->client);
      ctx->client = NULL;
    }
  }
  ctx->deadline = saved;
  output_silence(0);
  json_array_foreach(result, i, row) {
    json_t *name = json_object_get(row, "name");
    if (json_is_string(name)) complete_add(res, cur, json_string_value(name));
    if (kind == CMD_C_TARGET && json_is_integer(json_object_get(row, "id")))
      complete_add(res, cur, output_cell(buf, sizeof(buf),
                                         json_object_get(row, "id")));
  }
  json_decref(result);
}

static void complete_kind(struct cmd_ctx *ctx, enum cmd_complete kind,
                          const char *const *choices, const char *cur,
                          struct complete_result *res) {
  const struct cmd_entry *const *e;

  switch (kind) {
    case CMD_C_NONE:
      break;
    case CMD_C_TARGET:
    case CMD_C_NAME:
    case CMD_C_PLUGIN:
      complete_live(ctx, kind, cur, res);
      break;
    case CMD_C_FILE:
      res->files = 1;
      break;
    case CMD_C_COMMAND:
      for (e = cmd_table; *e != NULL; e++)
        if (!((*e)->flags & CMD_HIDDEN)) complete_add(res, cur, (*e)->name);
      break;
    case CMD_C_CHOICE:
      for (int i = 0; choices != NULL && choices[i] != NULL; i++)
        complete_add(res, cur, choices[i]);
      break;
  }
}

static const char *const complete_formats[] = {"table", "json", NULL};

/* -o and -t may follow the command too (cmd.c): they take a value. */
static const struct cmd_option complete_globals[] = {
    {"output", 'o', "FORMAT", CMD_C_CHOICE, complete_formats, 0, ""},
    {"", 't', "MS", CMD_C_NONE, NULL, 0, ""},
    {NULL, 0, NULL, 0, NULL, 0, NULL}};

static const struct cmd_option *complete_option(const struct cmd_entry *entry,
                                                const char *word) {
  const struct cmd_option *lists[2] = {entry->options, complete_globals};

  for (int l = 0; l < 2; l++)
    for (const struct cmd_option *o = lists[l]; o != NULL && o->name != NULL;
         o++) {
      if (word[1] == '-' && o->name[0] && strcmp(word + 2, o->name) == 0)
        return o;
      if (word[1] != '-' && word[1] == o->short_name && word[2] == '\0')
        return o;
    }
  return NULL;
}

void complete_words(struct cmd_ctx *ctx, int argc, char **words,
                    const char *cur, struct complete_result *res) {
  const struct cmd_entry *entry;
  const struct cmd_option *o;
  int i, positional = 0, end = 0;
  char opt[80];

  memset(res, 0, sizeof(*res));
  res->words = xcalloc(1, sizeof(char *));
  if (argc == 0) {
    complete_kind(ctx, CMD_C_COMMAND, NULL, cur, res);
    return;
  }
  if ((entry = cmd_find(words[0], 1)) == NULL) return;
  for (i = 1; i < argc; i++) {
    const char *w = words[i];
    if (!end && strcmp(w, "--") == 0) {
      end = 1;
    } else if (!end && w[0] == '-' && w[1] != '\0') {
      o = complete_option(entry, w);
      if (o != NULL && o->arg != NULL && strchr(w, '=') == NULL) {
        if (i + 1 == argc) {
          complete_kind(ctx, o->complete, o->choices, cur, res);
          return;
        }
        i++;
      }
    } else {
      positional++;
      if (entry->flags & CMD_FIRSTARG) end = 1;
    }
  }
  if (!end && cur[0] == '-') {
    for (o = entry->options; o != NULL && o->name != NULL; o++) {
      snprintf(opt, sizeof(opt), "--%s", o->name);
      complete_add(res, cur, opt);
    }
    return;
  }
  if (entry->max_args >= 0 && positional >= entry->max_args) return;
  complete_kind(ctx, entry->complete[positional < 3 ? positional : 2],
                entry->choices, cur, res);
}

void complete_result_free(struct complete_result *res) {
  for (int i = 0; i < res->count; i++) free(res->words[i]);
  free(res->words);
  res->words = NULL;
  res->count = 0;
}
