/*
 * fuzz-cliline.c - arbitrary text through what actorctl makes of a line of
 * the shell or of a `run` file, short of sending anything: the word
 * splitter (line.c, strict and lenient), the command lookup, the option
 * parser of every command (cmd.c) and the joining of JSON arguments.
 *
 * Invariants checked:
 *   - argv holds argc words and ends with NULL;
 *   - a strict split that succeeds also succeeds leniently, with the same
 *     words; one that fails leaves the lenient split's last word open;
 *   - quoting each word and splitting again gives the same words back;
 *   - the parser's positional arguments are words of the line, in order,
 *     and fit the command's bounds.
 * The input is taken up to its first NUL (a line is a C string).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "cmd.h"
#include "fuzz.h"
#include "line.h"
#include "output.h"

#define CHECK(cond)                                                        \
  do {                                                                     \
    if (!(cond)) {                                                         \
      fprintf(stderr, "%s:%d: %s does not hold\n", __FILE__, __LINE__,   \
              #cond);                                                      \
      abort();                                                             \
    }                                                                      \
  } while (0)

int fuzz_init(void) {
  output_silence(1);
  return 0;
}

/* Each word in single quotes, a quote as '\''. */
static char *fuzz_quote(const struct line_words *w) {
  size_t len = 1;
  char *s, *q;

  for (int i = 0; i < w->argc; i++) len += strlen(w->argv[i]) * 4 + 3;
  q = s = malloc(len);
  if (s == NULL) abort();
  for (int i = 0; i < w->argc; i++) {
    *q++ = '\'';
    for (const char *p = w->argv[i]; *p; p++) {
      if (*p == '\'') {
        memcpy(q, "'\\''", 4);
        q += 4;
      } else {
        *q++ = *p;
      }
    }
    *q++ = '\'';
    *q++ = ' ';
  }
  *q = '\0';
  return s;
}

static void fuzz_same(const struct line_words *a, const struct line_words *b) {
  CHECK(a->argc == b->argc);
  for (int i = 0; i < a->argc; i++) CHECK(strcmp(a->argv[i], b->argv[i]) == 0);
}

static void fuzz_words(const struct line_words *w) {
  CHECK(w->argc >= 0);
  CHECK(w->argv != NULL && w->argv[w->argc] == NULL);
  for (int i = 0; i < w->argc; i++) CHECK(w->argv[i] != NULL);
}

/* What cmd_execute does short of running the command. */
static void fuzz_command(const struct line_words *w) {
  const struct cmd_entry *e;
  struct cmd_args args;
  json_t *v;

  if (w->argc == 0) return;
  if ((e = cmd_find(w->argv[0], 1)) == NULL) return;
  if (cmd_parse(e, w->argc, w->argv, &args) == CMD_OK) {
    int j = 1;
    CHECK(args.argc >= e->min_args);
    CHECK(e->max_args < 0 || args.argc <= e->max_args);
    /* Positional arguments are words of the line, in their order. */
    for (int i = 0; i < args.argc; i++) {
      while (j < w->argc && w->argv[j] != args.argv[i]) j++;
      CHECK(j < w->argc);
      j++;
    }
    for (int i = 0; i < args.nopts; i++) CHECK(args.opts[i].opt != NULL);
    if (args.argc > 1) {
      v = cmd_json_arg(e, "message", args.argc - 1, args.argv + 1);
      json_decref(v);
    }
    if (args.argc > 0) json_decref(cmd_target(args.argv[0]));
    cmd_args_free(&args);
  }
}

int fuzz_one(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1), *again;
  struct line_words strict, lenient, re;
  const char *err = NULL;
  int rc;

  if (text == NULL) abort();
  memcpy(text, data, size);
  text[size] = '\0';
  rc = line_split(text, 0, &strict, &err);
  CHECK(line_split(text, 1, &lenient, &err) == 0);
  fuzz_words(&lenient);
  if (rc == 0) {
    fuzz_words(&strict);
    fuzz_same(&strict, &lenient);
    again = fuzz_quote(&strict);
    CHECK(line_split(again, 0, &re, &err) == 0);
    fuzz_same(&strict, &re);
    line_words_free(&re);
    free(again);
    fuzz_command(&strict);
    line_words_free(&strict);
  } else {
    CHECK(err != NULL);
    CHECK(lenient.open);
  }
  fuzz_command(&lenient);
  line_words_free(&lenient);
  /* The whole input as one JSON argument, as `send T JSON` joins it. */
  {
    char *argv[2] = {text, NULL};
    json_decref(cmd_json_arg(cmd_table[0], "message", 1, argv));
  }
  free(text);
  return 0;
}
