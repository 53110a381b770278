/*
 * idtab.h - a scheduler's table of its live actors, indexed by the
 * sequence number of their ids (act__id_seq).
 *
 * Ids of one scheduler are handed out in order and never reused, so a
 * two-level array (a directory of pages of 1024 slots) finds an actor with
 * two loads and no hashing, keeps actors spawned together next to each
 * other in memory, and frees a page as soon as its last actor has gone.
 * Not thread-safe: the owner serializes access (see rt.h).
 */
#ifndef ACT_IDTAB_H
#define ACT_IDTAB_H

#include <stddef.h>
#include <stdint.h>

#define ACT__IDTAB_SHIFT 10
#define ACT__IDTAB_PAGE (1u << ACT__IDTAB_SHIFT)

typedef struct act__idtab {
  void ***pages;   /* [npages], NULL for a page with no live entry */
  uint32_t *used;  /* live entries per page */
  size_t npages;
  size_t count;
} act__idtab_t;

void act__idtab_init(act__idtab_t *t);
void act__idtab_free(act__idtab_t *t);
/* 0, or ACT_ENOMEM with the table unchanged. val must not be NULL. */
int act__idtab_put(act__idtab_t *t, uint64_t seq, void *val);
/* The removed value, or NULL. */
void *act__idtab_del(act__idtab_t *t, uint64_t seq);
/* Any one entry, or NULL when empty. */
void *act__idtab_any(const act__idtab_t *t);
/* Visit every entry; cb must not change the table. */
void act__idtab_each(const act__idtab_t *t, void (*cb)(void *arg, void *val),
                     void *arg);

static inline void *act__idtab_get(const act__idtab_t *t, uint64_t seq) {
  size_t p = (size_t)(seq >> ACT__IDTAB_SHIFT);

  if (p >= t->npages || t->pages[p] == NULL)
    return NULL;
  return t->pages[p][seq & (ACT__IDTAB_PAGE - 1)];
}

#endif /* ACT_IDTAB_H */
