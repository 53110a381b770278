/* idtab.c - the id-indexed actor table (see idtab.h). */
#include <stdlib.h>
#include <string.h>

#include "actor/error.h"
#include "idtab.h"

void act__idtab_init(act__idtab_t *t) { memset(t, 0, sizeof(*t)); }

void act__idtab_free(act__idtab_t *t) {
  size_t i;

  for (i = 0; i < t->npages; i++)
    free(t->pages[i]);
  free(t->pages);
  free(t->used);
  act__idtab_init(t);
}

static int act__idtab_grow(act__idtab_t *t, size_t need) {
  size_t n = t->npages ? t->npages : 16;
  void ***pages;
  uint32_t *used;

  while (n <= need)
    n *= 2;
  pages = realloc(t->pages, n * sizeof(*pages));
  if (pages == NULL)
    return ACT_ENOMEM;
  t->pages = pages;
  used = realloc(t->used, n * sizeof(*used));
  if (used == NULL)
    return ACT_ENOMEM; /* pages grew: harmless, npages is unchanged */
  t->used = used;
  memset(pages + t->npages, 0, (n - t->npages) * sizeof(*pages));
  memset(used + t->npages, 0, (n - t->npages) * sizeof(*used));
  t->npages = n;
  return 0;
}

int act__idtab_put(act__idtab_t *t, uint64_t seq, void *val) {
  size_t p = (size_t)(seq >> ACT__IDTAB_SHIFT);
  void **page;

  if (p >= t->npages && act__idtab_grow(t, p) != 0)
    return ACT_ENOMEM;
  page = t->pages[p];
  if (page == NULL) {
    page = calloc(ACT__IDTAB_PAGE, sizeof(*page));
    if (page == NULL)
      return ACT_ENOMEM;
    t->pages[p] = page;
  }
  if (page[seq & (ACT__IDTAB_PAGE - 1)] == NULL) {
    t->used[p]++;
    t->count++;
  }
  page[seq & (ACT__IDTAB_PAGE - 1)] = val;
  return 0;
}

void *act__idtab_del(act__idtab_t *t, uint64_t seq) {
  size_t p = (size_t)(seq >> ACT__IDTAB_SHIFT);
  void *val;

  if (p >= t->npages || t->pages[p] == NULL)
    return NULL;
  val = t->pages[p][seq & (ACT__IDTAB_PAGE - 1)];
  if (val == NULL)
    return NULL;
  t->pages[p][seq & (ACT__IDTAB_PAGE - 1)] = NULL;
  t->count--;
  if (--t->used[p] == 0) {
    free(t->pages[p]);
    t->pages[p] = NULL;
  }
  return val;
}

void *act__idtab_any(const act__idtab_t *t) {
  size_t p, i;

  for (p = 0; p < t->npages; p++)
    if (t->pages[p] != NULL)
      for (i = 0; i < ACT__IDTAB_PAGE; i++)
        if (t->pages[p][i] != NULL)
          return t->pages[p][i];
  return NULL;
}

void act__idtab_each(const act__idtab_t *t, void (*cb)(void *arg, void *val),
                     void *arg) {
  size_t p, i;

  for (p = 0; p < t->npages; p++)
    if (t->pages[p] != NULL)
      for (i = 0; i < ACT__IDTAB_PAGE; i++)
        if (t->pages[p][i] != NULL)
          cb(arg, t->pages[p][i]);
}
