/* line.c - words of a command line, and running lines one after another. */
#include "line.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "output.h"
#include "xmalloc.h"

struct line_buf {
  char *s;
  size_t len, cap;
};

static void line_buf_add(struct line_buf *b, char c) {
  if (b->len + 2 > b->cap) {
    b->cap = b->cap ? b->cap * 2 : 64;
    b->s = xrealloc(b->s, b->cap);
  }
  b->s[b->len++] = c;
  b->s[b->len] = '\0';
}

/* Quotes around nothing still make a word: '' is an empty argument. */
static void line_buf_touch(struct line_buf *b) {
  if (b->s == NULL) {
    b->s = xcalloc(1, 64);
    b->cap = 64;
  }
}

static void line_push(struct line_words *w, struct line_buf *b) {
  w->argv = xrealloc(w->argv, sizeof(char *) * ((size_t)w->argc + 2));
  w->argv[w->argc++] = b->s ? b->s : xstrdup("");
  w->argv[w->argc] = NULL;
  b->s = NULL;
  b->len = b->cap = 0;
}

int line_split(const char *text, int lenient, struct line_words *words,
               const char **error) {
  const char *p = text;
  struct line_buf b = {NULL, 0, 0};
  int depth, in_str;

  memset(words, 0, sizeof(*words));
  words->argv = xcalloc(1, sizeof(char *));
  for (;;) {
    while (*p != '\0' && isspace((unsigned char)*p)) p++;
    if (*p == '\0' || *p == '#') break;
    depth = 0;
    in_str = 0;
    words->open = 0;
    for (; *p != '\0'; p++) {
      char c = *p;

      if (depth > 0) {
        /* Inside JSON: everything is kept, brackets are counted outside
           of strings. */
        line_buf_add(&b, c);
        if (in_str) {
          if (c == '\\' && p[1] != '\0')
            line_buf_add(&b, *++p);
          else if (c == '"')
            in_str = 0;
        } else if (c == '"') {
          in_str = 1;
        } else if (c == '{' || c == '[') {
          depth++;
        } else if (c == '}' || c == ']') {
          depth--;
        }
        continue;
      }
      if (isspace((unsigned char)c)) break;
      if (c == '{' || c == '[') {
        line_buf_add(&b, c);
        depth = 1;
      } else if (c == '\'') {
        const char *end = strchr(p + 1, '\'');
        if (end == NULL) {
          if (!lenient) goto unterminated;
          for (p++; *p != '\0'; p++) line_buf_add(&b, *p);
          words->open = 1;
          p--;
          continue;
        }
        for (p++; p < end; p++) line_buf_add(&b, *p);
        line_buf_touch(&b);
      } else if (c == '"') {
        for (p++; *p != '\0' && *p != '"'; p++) {
          if (*p == '\\' && (p[1] == '"' || p[1] == '\\')) p++;
          line_buf_add(&b, *p);
        }
        if (*p == '\0') {
          if (!lenient) goto unterminated;
          words->open = 1;
          p--;
          continue;
        }
        line_buf_touch(&b);
      } else if (c == '\\' && p[1] != '\0') {
        line_buf_add(&b, *++p);
      } else {
        line_buf_add(&b, c);
      }
    }
    /* An unbalanced bracket is left for the JSON parser to explain. */
    if (depth > 0) words->open = 1;
    line_push(words, &b);
  }
  return 0;

unterminated:
  free(b.s);
  line_words_free(words);
  *error = "unterminated quote";
  return -1;
}

void line_words_free(struct line_words *words) {
  for (int i = 0; i < words->argc; i++) free(words->argv[i]);
  free(words->argv);
  words->argv = NULL;
  words->argc = 0;
}

/* Split and run one line; where names it in messages ("FILE:LINE") or
   is NULL. */
static int line_execute_at(struct cmd_ctx *ctx, const char *text,
                           const char *where) {
  struct line_words words;
  const char *error;
  int status;

  if (line_split(text, 0, &words, &error) != 0) {
    if (where != NULL)
      output_error("%s: %s in '%s'", where, error, text);
    else
      output_error("%s in '%s'", error, text);
    return CMD_USAGE;
  }
  status = words.argc > 0 ? cmd_execute(ctx, words.argc, words.argv) : CMD_OK;
  output_flush();
  line_words_free(&words);
  return status;
}

int line_execute(struct cmd_ctx *ctx, const char *text) {
  return line_execute_at(ctx, text, NULL);
}

int line_run_file(struct cmd_ctx *ctx, FILE *fp, const char *name,
                  int keep_going) {
  char *text = NULL, where[512];
  size_t cap = 0;
  ssize_t n;
  int status, last = CMD_OK;
  long lineno = 0;

  while ((n = getline(&text, &cap, fp)) >= 0) {
    lineno++;
    if (n > 0 && text[n - 1] == '\n') text[--n] = '\0';
    snprintf(where, sizeof(where), "%s:%ld", strcmp(name, "-") ? name : "stdin",
             lineno);
    status = line_execute_at(ctx, text, where);
    if (status == CMD_OK) continue;
    last = status;
    if (!keep_going || status == 130) break;
  }
  free(text);
  return last;
}
