/*
 * output.h - what actorctl prints. Standard output is collected in one
 * buffer and written with as few write(2) calls as possible (a listing of
 * ten thousand actors is one write); errors go to standard error as one
 * line each, "actorctl: <what was wrong and with what>".
 */
#ifndef CLI_OUTPUT_H
#define CLI_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

void output_write(const char *s, size_t len);
void output_puts(const char *s);
void output_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* s, then spaces up to width columns (nothing more when s is wider). */
void output_pad(const char *s, size_t width);
/* Compact JSON, no newline (value borrowed). */
void output_json(const json_t *value);
/* One line of compact JSON (value borrowed). */
void output_json_line(const json_t *value);
/* Bytes waiting in the buffer. */
size_t output_pending(void);
/* Write what is buffered to standard output; 0, or -1 when stdout is gone. */
int output_flush(void);
/* Free the buffer (at exit, so that leak checkers see nothing left). */
void output_free(void);

/* "actorctl: " fmt "\n" on standard error, after flushing stdout so that the
   two streams stay in order on a terminal. */
void output_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* While on, output_error prints nothing (completion asks the daemon
   quietly: a prompt is no place for error lines). */
void output_silence(int on);

/* A duration for people: 45s, 3m12s, 2h05m, 3d04h. */
void output_duration(char *buf, size_t size, int64_t ms);
/* A JSON scalar as text for a table cell ("-" for null or missing); strings
   are written without quotes. Returns buf or the string itself. */
const char *output_cell(char *buf, size_t size, const json_t *value);

#endif /* CLI_OUTPUT_H */
