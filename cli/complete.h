/*
 * complete.h - what a partly typed command line can go on with: command
 * names, the options of the command being typed, their fixed values, live
 * actor ids and names, plugin names, or file paths. The shell's Tab and
 * bash's completion (through the hidden `actorctl __complete`) both ask
 * here, and both answer from the command table.
 */
#ifndef CLI_COMPLETE_H
#define CLI_COMPLETE_H

struct cmd_ctx;

struct complete_result {
  char **words; /* NULL-terminated candidates starting with cur */
  int count;
  int files;    /* complete file paths (the caller knows how) */
};

/* words: the complete words before the one being typed, from the command
   name on; cur: the word being typed (may be empty). Asks the daemon for
   ids, names and plugins through ctx, silently. */
void complete_words(struct cmd_ctx *ctx, int argc, char **words,
                    const char *cur, struct complete_result *res);
void complete_result_free(struct complete_result *res);

#endif /* CLI_COMPLETE_H */
