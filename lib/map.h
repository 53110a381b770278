/*
 * map.h - a small open-addressing hash map from nonzero uint64_t keys to
 * pointers, used for a scheduler's id -> actor table and an actor's timers
 * and pending asks. Not thread-safe: the owner serializes access.
 *
 * Linear probing with backward-shift deletion, so there are no tombstones
 * and a table that sees many inserts and deletes (actors come and go) does
 * not degrade.
 */
#ifndef ACT_MAP_H
#define ACT_MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct act__map_slot {
  uint64_t key; /* 0 = empty */
  void *val;
} act__map_slot_t;

typedef struct act__map {
  act__map_slot_t *slots;
  size_t mask;  /* capacity - 1; capacity is a power of two, or 0 */
  size_t count;
} act__map_t;

void act__map_init(act__map_t *m);
void act__map_free(act__map_t *m);
/* NULL when absent. */
void *act__map_get(const act__map_t *m, uint64_t key);
/* Insert or replace. 0, or ACT_ENOMEM with the map unchanged. */
int act__map_put(act__map_t *m, uint64_t key, void *val);
/* The removed value, or NULL when absent. */
void *act__map_del(act__map_t *m, uint64_t key);
/* Visit every entry; cb must not change the map. */
void act__map_each(const act__map_t *m,
                   void (*cb)(void *arg, uint64_t key, void *val), void *arg);

#endif /* ACT_MAP_H */
