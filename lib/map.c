/* map.c - uint64_t -> pointer hash map (see map.h). */
#include <stdlib.h>
#include <string.h>

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

/* ------------------------------------------------------------ kv sets */

#include "rt.h"

static int act__kv_to_map(act__kvset_t *s) {
  act__map_t *m = malloc(sizeof(*m));
  uint32_t i;

  if (m == NULL)
    return ACT_ENOMEM;
  act__map_init(m);
  for (i = 0; i < s->n; i++)
    if (act__map_put(m, s->v[i].key, (void *)(uintptr_t)s->v[i].val) != 0) {
      act__map_free(m);
      free(m);
      return ACT_ENOMEM;
    }
  free(s->v);
  s->v = NULL;
  s->n = s->cap = 0;
  s->map = m;
  return 0;
}

int act__kv_put(act__kvset_t *s, uint64_t key, uint64_t val) {
  uint32_t i;
  int err;

  if (s->map != NULL)
    return act__map_put(s->map, key, (void *)(uintptr_t)val);
  for (i = 0; i < s->n; i++)
    if (s->v[i].key == key) {
      s->v[i].val = val;
      return 0;
    }
  if (s->n == ACT__KV_SMALL) {
    err = act__kv_to_map(s);
    if (err != 0)
      return err;
    return act__map_put(s->map, key, (void *)(uintptr_t)val);
  }
  if (s->n == s->cap) {
    uint32_t cap = s->cap ? s->cap * 2 : 2;
    act__kv_t *v = realloc(s->v, cap * sizeof(*v));
    if (v == NULL)
      return ACT_ENOMEM;
    s->v = v;
    s->cap = cap;
  }
  s->v[s->n].key = key;
  s->v[s->n].val = val;
  s->n++;
  return 0;
}

uint64_t act__kv_get(const act__kvset_t *s, uint64_t key) {
  uint32_t i;

  if (s->map != NULL)
    return (uint64_t)(uintptr_t)act__map_get(s->map, key);
  for (i = 0; i < s->n; i++)
    if (s->v[i].key == key)
      return s->v[i].val;
  return 0;
}

uint64_t act__kv_del(act__kvset_t *s, uint64_t key) {
  uint64_t val;
  uint32_t i;

  if (s->map != NULL)
    return (uint64_t)(uintptr_t)act__map_del(s->map, key);
  for (i = 0; i < s->n; i++)
    if (s->v[i].key == key) {
      val = s->v[i].val;
      s->v[i] = s->v[--s->n];
      return val;
    }
  return 0;
}

size_t act__kv_count(const act__kvset_t *s) {
  return s->map != NULL ? s->map->count : s->n;
}

typedef struct act__kv_each_ctx {
  void (*cb)(void *arg, uint64_t key, uint64_t val);
  void *arg;
} act__kv_each_ctx_t;

static void act__kv_each_map(void *arg, uint64_t key, void *val) {
  act__kv_each_ctx_t *c = arg;

  c->cb(c->arg, key, (uint64_t)(uintptr_t)val);
}

void act__kv_each(const act__kvset_t *s,
                  void (*cb)(void *arg, uint64_t key, uint64_t val),
                  void *arg) {
  act__kv_each_ctx_t c = {cb, arg};
  uint32_t i;

  if (s->map != NULL) {
    act__map_each(s->map, act__kv_each_map, &c);
    return;
  }
  for (i = 0; i < s->n; i++)
    cb(arg, s->v[i].key, s->v[i].val);
}

void act__kv_free(act__kvset_t *s) {
  if (s->map != NULL) {
    act__map_free(s->map);
    free(s->map);
  }
  free(s->v);
  memset(s, 0, sizeof(*s));
}
