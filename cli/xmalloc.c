/* xmalloc.c - allocation wrappers that end the program when memory runs out. */
#include "xmalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* There is nothing sensible left to do without memory: say so and leave. */
static void __attribute__((noreturn)) xmalloc_fatal(size_t size) {
  fprintf(stderr, "actorctl: out of memory (allocating %zu bytes)\n", size);
  exit(1);
}

void *xmalloc(size_t size) {
  void *p = malloc(size ? size : 1);

  if (p == NULL) xmalloc_fatal(size);
  return p;
}

void *xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);

  if (p == NULL) xmalloc_fatal(n * size);
  return p;
}

void *xrealloc(void *ptr, size_t size) {
  void *p = realloc(ptr, size ? size : 1);

  if (p == NULL) xmalloc_fatal(size);
  return p;
}

char *xstrdup(const char *s) {
  char *p = strdup(s);

  if (p == NULL) xmalloc_fatal(strlen(s) + 1);
  return p;
}

char *xstrndup(const char *s, size_t n) {
  char *p = strndup(s, n);

  if (p == NULL) xmalloc_fatal(n + 1);
  return p;
}

int xasprintf(char **ret, const char *fmt, ...) {
  va_list ap;
  int n;

  va_start(ap, fmt);
  n = vasprintf(ret, fmt, ap);
  va_end(ap);
  if (n < 0) xmalloc_fatal(strlen(fmt));
  return n;
}
