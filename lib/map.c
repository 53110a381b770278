/* map.c - uint64_t -> pointer hash map (see map.h). */
#include <stdlib.h>

#include "actor/error.h"
#include "map.h"

/* Ids are dense and evenly spaced (k+1, k+1+n, ...): mix the bits so that
   consecutive keys do not fill consecutive slots in long runs. */
static inline size_t act__map_hash(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  return (size_t)k;
}

void act__map_init(act__map_t *m) {
  m->slots = NULL;
  m->mask = 0;
  m->count = 0;
}

void act__map_free(act__map_t *m) {
  free(m->slots);
  act__map_init(m);
}

void *act__map_get(const act__map_t *m, uint64_t key) {
  size_t i;

  if (m->slots == NULL)
    return NULL;
  for (i = act__map_hash(key) & m->mask;; i = (i + 1) & m->mask) {
    if (m->slots[i].key == key)
      return m->slots[i].val;
    if (m->slots[i].key == 0)
      return NULL;
  }
}

static void act__map_insert(act__map_slot_t *slots, size_t mask, uint64_t key,
                            void *val) {
  size_t i;

  for (i = act__map_hash(key) & mask; slots[i].key != 0; i = (i + 1) & mask) {
    if (slots[i].key == key)
      break;
  }
  slots[i].key = key;
  slots[i].val = val;
}

static int act__map_grow(act__map_t *m) {
  size_t cap = m->slots ? (m->mask + 1) * 2 : 16;
  act__map_slot_t *slots;
  size_t i;

  slots = calloc(cap, sizeof(*slots));
  if (slots == NULL)
    return ACT_ENOMEM;
  if (m->slots != NULL) {
    for (i = 0; i <= m->mask; i++)
      if (m->slots[i].key != 0)
        act__map_insert(slots, cap - 1, m->slots[i].key, m->slots[i].val);
    free(m->slots);
  }
  m->slots = slots;
  m->mask = cap - 1;
  return 0;
}

int act__map_put(act__map_t *m, uint64_t key, void *val) {
  size_t i;
  int err;

  if (m->slots != NULL) {
    for (i = act__map_hash(key) & m->mask; m->slots[i].key != 0;
         i = (i + 1) & m->mask) {
      if (m->slots[i].key == key) {
        m->slots[i].val = val;
        return 0;
      }
    }
  }
  /* Keep the load factor under 3/4 so that probes stay short. */
  if (m->slots == NULL || (m->count + 1) * 4 > (m->mask + 1) * 3) {
    err = act__map_grow(m);
    if (err != 0)
      return err;
  }
  act__map_insert(m->slots, m->mask, key, val);
  m->count++;
  return 0;
}

void *act__map_del(act__map_t *m, uint64_t key) {
  size_t i, j, home;
  void *val;

  if (m->slots == NULL)
    return NULL;
  for (i = act__map_hash(key) & m->mask;; i = (i + 1) & m->mask) {
    if (m->slots[i].key == 0)
      return NULL;
    if (m->slots[i].key == key)
      break;
  }
  val = m->slots[i].val;
  /* Backward shift: move later members of the probe run into the hole when
     their home slot does not lie (cyclically) between the hole and them. */
  for (j = (i + 1) & m->mask; m->slots[j].key != 0; j = (j + 1) & m->mask) {
    home = act__map_hash(m->slots[j].key) & m->mask;
    if (((j - home) & m->mask) >= ((j - i) & m->mask)) {
      m->slots[i] = m->slots[j];
      i = j;
    }
  }
  m->slots[i].key = 0;
  m->slots[i].val = NULL;
  m->count--;
  return val;
}

void act__map_each(const act__map_t *m,
                   void (*cb)(void *arg, uint64_t key, void *val), void *arg) {
  size_t i;

  if (m->slots == NULL)
    return;
  for (i = 0; i <= m->mask; i++)
    if (m->slots[i].key != 0)
      cb(arg, m->slots[i].key, m->slots[i].val);
}
