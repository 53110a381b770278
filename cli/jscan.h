/*
 * jscan.h - a JSON scanner that builds nothing: it walks a document in
 * place and copies out only the scalars asked for. `ps` of ten thousand
 * actors reads a reply of a few megabytes; building it as jansson values
 * costs tens of milliseconds and an allocation per value, scanning it
 * costs about one.
 */
#ifndef CLI_JSCAN_H
#define CLI_JSCAN_H

#include <stddef.h>

struct jscan {
  const char *p, *end;
  int error; /* set once the text is found not to be JSON */
};

void jscan_init(struct jscan *s, const char *text, size_t len);
/* The next significant character without taking it, or 0 at the end. */
int jscan_peek(struct jscan *s);
/* Skip one value of any kind; 0, or -1 when the text is not JSON. */
int jscan_skip(struct jscan *s);
/* Enter an object / array: 0, or -1 when the next value is not one. */
int jscan_object(struct jscan *s);
int jscan_array(struct jscan *s);
/* The next member of the object entered: 1 with its key copied into key
   (truncated to size) and the cursor on its value, 0 after the closing
   brace, -1 on bad JSON. */
int jscan_member(struct jscan *s, char *key, size_t size);
/* The next element of the array entered: 1 with the cursor on it, 0 after
   the closing bracket, -1 on bad JSON. */
int jscan_element(struct jscan *s);
/* A scalar as text for a table cell: a string unescaped, a number as
   written, true/false, and "-" for null; an array or object is copied as
   its raw text. Truncated to size; returns buf, or NULL on bad JSON. */
const char *jscan_cell(struct jscan *s, char *buf, size_t size);
/* Skip one value and give its raw text. */
int jscan_raw(struct jscan *s, const char **start, size_t *len);

#endif /* CLI_JSCAN_H */
