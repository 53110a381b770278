/*
 * xmalloc.h - allocation that cannot fail: actorctl is a short-lived tool,
 * so running out of memory ends it with one line instead of an error path in
 * every caller (tmux's xmalloc.c).
 */
#ifndef CLI_XMALLOC_H
#define CLI_XMALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
int xasprintf(char **ret, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* CLI_XMALLOC_H */
