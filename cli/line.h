/*
 * line.h - splitting a line of the shell or of a `run` file into words.
 *
 * Words are split at blanks, with the quoting people expect from a shell
 * ('single', "double", backslash), except that JSON stands as it is typed:
 * from an opening { or [ to the matching close, blanks and double quotes
 * belong to the word, so `send c1 {"inc": 2}` needs no quoting. A '#' at
 * the start of a word begins a comment.
 */
#ifndef CLI_LINE_H
#define CLI_LINE_H

#include <stdio.h>

struct cmd_ctx;

struct line_words {
  int argc;
  char **argv; /* NULL-terminated, each word allocated */
  int open;    /* the last word is unfinished (an open quote or bracket) */
};

/* 0, or -1 with *error set to a static message (an unterminated quote).
   lenient: accept unfinished words (for completion of a partial line). */
int line_split(const char *text, int lenient, struct line_words *words,
               const char **error);
void line_words_free(struct line_words *words);

/* Split and run one line; blank lines and comments are CMD_OK. */
int line_execute(struct cmd_ctx *ctx, const char *text);
/* Run every line of fp (name for messages): the first failing command
   ends the run with its status, unless keep_going, when the status is
   that of the last command that failed. */
int line_run_file(struct cmd_ctx *ctx, FILE *fp, const char *name,
                  int keep_going);

#endif /* CLI_LINE_H */
