/* logs.c - the daemon's log output and the rings of log lines. */
#include "logs.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "actor/error.h"
#include "conn.h"
#include "server.h"

/* One kept line: the name and the text follow the struct. */
typedef struct logs_line {
  uint64_t time_ms;
  act_id_t id;
  int level;
  size_t name_len; /* 0: no name */
  char data[];     /* name '\0' text '\0' */
} logs_line_t;

typedef struct logs_ring {
  char *key;
  logs_line_t **lines;
  size_t cap, max, head, count; /* head: index of the oldest line */
  int dead;
  struct logs_ring *next;                /* hash chain */
  struct logs_ring *dead_prev, *dead_next; /* the list of dead rings */
} logs_ring_t;

static struct {
  int level;
  FILE *out;
  char *file;
  pthread_t main_thread;
  pthread_mutex_t lock; /* serialises writes to out */
  logs_ring_t all;
  logs_ring_t **buckets;
  size_t nbuckets, nrings;
  logs_ring_t *dead_head, *dead_tail;
  size_t ndead;
} logs = {.level = ACT_LOG_INFO, .lock = PTHREAD_MUTEX_INITIALIZER};

static const char *const logs_levels[] = {"debug", "info", "warn", "error"};

int logs_level_parse(const char *s) {
  for (int i = 0; i < 4; i++)
    if (strcmp(s, logs_levels[i]) == 0) return i;
  if (strcmp(s, "warning") == 0) return ACT_LOG_WARN;
  return -1;
}

const char *logs_level_name(int level) {
  if (level < 0 || level > 3) return "info";
  return logs_levels[level];
}

uint64_t logs_wall_ms(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

void logs_time_format(uint64_t ms, char *buf, size_t size) {
  time_t t = (time_t)(ms / 1000);
  struct tm tm;
  char tmp[32];

  gmtime_r(&t, &tm);
  strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf, size, "%s.%03uZ", tmp, (unsigned)(ms % 1000));
}

int logs_open(int level, const char *file) {
  logs.level = level;
  logs.main_thread = pthread_self();
  if (logs.all.max == 0) logs.all.max = LOGS_ALL_LINES;
  if (file == NULL) {
    logs.out = stderr;
    return 0;
  }
  if ((logs.file = strdup(file)) == NULL) return ACT_ENOMEM;
  if ((logs.out = fopen(file, "ae")) == NULL) {
    fprintf(stderr, "actord: cannot open log file %s: %s\n", file,
            strerror(errno));
    logs.out = stderr;
    return ACT_EIO;
  }
  setvbuf(logs.out, NULL, _IOLBF, 0);
  return 0;
}

void logs_reopen(void) {
  FILE *f;

  if (logs.file == NULL) return;
  if ((f = fopen(logs.file, "ae")) == NULL) {
    logs_warn("cannot reopen log file %s: %s", logs.file, strerror(errno));
    return;
  }
  setvbuf(f, NULL, _IOLBF, 0);
  pthread_mutex_lock(&logs.lock);
  if (logs.out != NULL && logs.out != stderr) fclose(logs.out);
  logs.out = f;
  pthread_mutex_unlock(&logs.lock);
}

void logs_close(void) {
  pthread_mutex_lock(&logs.lock);
  if (logs.out != NULL && logs.out != stderr) fclose(logs.out);
  logs.out = stderr;
  pthread_mutex_unlock(&logs.lock);
  free(logs.file);
  logs.file = NULL;
}

static void logs_write(uint64_t ms, int level, const char *who,
                       const char *text) {
  char ts[40];
  FILE *out;

  logs_time_format(ms, ts, sizeof(ts));
  pthread_mutex_lock(&logs.lock);
  out = logs.out != NULL ? logs.out : stderr;
  if (who != NULL)
    fprintf(out, "%s %s: %s: %s\n", ts, logs_levels[level], who, text);
  else
    fprintf(out, "%s %s: %s\n", ts, logs_levels[level], text);
  fflush(out);
  pthread_mutex_unlock(&logs.lock);
}

/* ------------------------------------------------------------------ rings */

static size_t logs_hash(const char *s) {
  size_t h = 5381;
  while (*s) h = h * 33 + (unsigned char)*s++;
  return h;
}

static logs_ring_t *logs_find(const char *key) {
  logs_ring_t *r;
  if (logs.nbuckets == 0) return NULL;
  for (r = logs.buckets[logs_hash(key) & (logs.nbuckets - 1)]; r; r = r->next)
    if (strcmp(r->key, key) == 0) return r;
  return NULL;
}

int logs_has(const char *key) { return logs_find(key) != NULL; }

static int logs_grow_table(void) {
  size_t n = logs.nbuckets ? logs.nbuckets * 2 : 64;
  logs_ring_t **b = calloc(n, sizeof(*b));

  if (b == NULL) return ACT_ENOMEM;
  for (size_t i = 0; i < logs.nbuckets; i++) {
    logs_ring_t *r = logs.buckets[i], *next;
    for (; r != NULL; r = next) {
      next = r->next;
      r->next = b[logs_hash(r->key) & (n - 1)];
      b[logs_hash(r->key) & (n - 1)] = r;
    }
  }
  free(logs.buckets);
  logs.buckets = b;
  logs.nbuckets = n;
  return 0;
}

static void logs_ring_clear(logs_ring_t *r) {
  for (size_t i = 0; i < r->count; i++) free(r->lines[(r->head + i) % r->cap]);
  free(r->lines);
  r->lines = NULL;
  r->cap = r->count = r->head = 0;
}

static void logs_dead_unlink(logs_ring_t *r) {
  if (!r->dead) return;
  if (r->dead_prev) r->dead_prev->dead_next = r->dead_next;
  else logs.dead_head = r->dead_next;
  if (r->dead_next) r->dead_next->dead_prev = r->dead_prev;
  else logs.dead_tail = r->dead_prev;
  r->dead_prev = r->dead_next = NULL;
  r->dead = 0;
  logs.ndead--;
}

static void logs_ring_drop(logs_ring_t *r) {
  logs_ring_t **pp = &logs.buckets[logs_hash(r->key) & (logs.nbuckets - 1)];

  while (*pp != r) pp = &(*pp)->next;
  *pp = r->next;
  logs_dead_unlink(r);
  logs_ring_clear(r);
  free(r->key);
  free(r);
  logs.nrings--;
}

static logs_ring_t *logs_get(const char *key) {
  logs_ring_t *r = logs_find(key);
  size_t b;

  if (r != NULL) return r;
  if (logs.nrings + 1 > logs.nbuckets && logs_grow_table() != 0) return NULL;
  if ((r = calloc(1, sizeof(*r))) == NULL) return NULL;
  if ((r->key = strdup(key)) == NULL) {
    free(r);
    return NULL;
  }
  r->max = LOGS_RING_LINES;
  b = logs_hash(key) & (logs.nbuckets - 1);
  r->next = logs.buckets[b];
  logs.buckets[b] = r;
  logs.nrings++;
  return r;
}

/* Append a line; the ring grows by doubling up to its maximum, then the
   oldest line goes. */
static int logs_ring_push(logs_ring_t *r, uint64_t ms, act_id_t id,
                          const char *name, int level, const char *text) {
  size_t nl = name ? strlen(name) : 0, tl = strlen(text);
  logs_line_t *l;

  if (r->count == r->cap && r->cap < r->max) {
    size_t cap = r->cap ? r->cap * 2 : 8;
    logs_line_t **lines;
    if (cap > r->max) cap = r->max;
    if ((lines = malloc(cap * sizeof(*lines))) == NULL) return ACT_ENOMEM;
    for (size_t i = 0; i < r->count; i++)
      lines[i] = r->lines[(r->head + i) % r->cap];
    free(r->lines);
    r->lines = lines;
    r->cap = cap;
    r->head = 0;
  }
  if ((l = malloc(sizeof(*l) + nl + tl + 2)) == NULL) return ACT_ENOMEM;
  l->time_ms = ms;
  l->id = id;
  l->level = level;
  l->name_len = nl;
  if (nl) memcpy(l->data, name, nl);
  l->data[nl] = '\0';
  memcpy(l->data + nl + 1, text, tl + 1);
  if (r->count == r->cap) {
    free(r->lines[r->head]);
    r->lines[r->head] = l;
    r->head = (r->head + 1) % r->cap;
  } else {
    r->lines[(r->head + r->count) % r->cap] = l;
    r->count++;
  }
  return 0;
}

static json_t *logs_line_json(const logs_line_t *l) {
  char ts[40];
  logs_time_format(l->time_ms, ts, sizeof(ts));
  return json_pack("{s:s, s:s, s:o, s:s?, s:s}", "time", ts, "level",
                   logs_levels[l->level], "id",
                   l->id ? json_integer((json_int_t)l->id) : json_null(),
                   "name", l->name_len ? l->data : NULL, "line",
                   l->data + l->name_len + 1);
}

/* Hand a fresh line to the connections that follow it. */
static void logs_fanout(const char *key, const logs_line_t *l) {
  json_t *obj;

  if (conn_log_followers == 0) return;
  if ((obj = logs_line_json(l)) == NULL) return;
  server_log_fanout(key, obj);
  json_decref(obj);
}

static logs_line_t *logs_last(logs_ring_t *r) {
  return r->count ? r->lines[(r->head + r->count - 1) % r->cap] : NULL;
}

void logs_key(char *buf, size_t size, act_id_t id, const char *name) {
  if (name != NULL && name[0] != '\0') snprintf(buf, size, "n:%s", name);
  else snprintf(buf, size, "#%llu", (unsigned long long)id);
}

void logs_actor_line(uint64_t ms, act_id_t id, const char *name, int level,
                     const char *line) {
  char key[ACT_NAME_MAX + 8];
  logs_ring_t *r;

  if (level < ACT_LOG_DEBUG || level > ACT_LOG_ERROR) level = ACT_LOG_INFO;
  if (logs.level == ACT_LOG_DEBUG) {
    char who[ACT_NAME_MAX + 40];
    if (name) snprintf(who, sizeof(who), "actor %llu (%s)", (unsigned long long)id, name);
    else snprintf(who, sizeof(who), "actor %llu", (unsigned long long)id);
    logs_write(ms, level, who, line);
  }
  logs_key(key, sizeof(key), id, name);
  if ((r = logs_get(key)) != NULL) {
    logs_dead_unlink(r);
    logs_ring_push(r, ms, id, name, level, line);
  }
  if (logs.all.max == 0) logs.all.max = LOGS_ALL_LINES;
  if (logs_ring_push(&logs.all, ms, id, name, level, line) == 0)
    logs_fanout(key, logs_last(&logs.all));
}

void logs_actor_exit(act_id_t id, const char *name) {
  char key[ACT_NAME_MAX + 8];
  logs_ring_t *r;

  logs_key(key, sizeof(key), id, name);
  if ((r = logs_find(key)) == NULL || r->dead) return;
  r->dead = 1;
  r->dead_prev = logs.dead_tail;
  r->dead_next = NULL;
  if (logs.dead_tail) logs.dead_tail->dead_next = r;
  else logs.dead_head = r;
  logs.dead_tail = r;
  logs.ndead++;
  /* Keep memory bounded: the rings of long-dead actors go first. */
  while (logs.ndead > LOGS_MAX_DEAD) logs_ring_drop(logs.dead_head);
}

void logs_actor_spawn(act_id_t id, const char *name) {
  char key[ACT_NAME_MAX + 8];
  logs_ring_t *r;

  logs_key(key, sizeof(key), id, name);
  if ((r = logs_find(key)) != NULL) logs_dead_unlink(r);
}

json_t *logs_read(const char *key, size_t lines) {
  logs_ring_t *r = key ? logs_find(key) : &logs.all;
  json_t *arr = json_array();
  size_t start;

  if (arr == NULL || r == NULL) return arr;
  if (lines > r->count) lines = r->count;
  start = r->count - lines;
  for (size_t i = start; i < r->count; i++) {
    json_t *o = logs_line_json(r->lines[(r->head + i) % r->cap]);
    if (o == NULL || json_array_append_new(arr, o) != 0) {
      json_decref(arr);
      return NULL;
    }
  }
  return arr;
}

/* --------------------------------------------------------- daemon's lines */

static void logs_vmsg(int level, const char *prefix, const char *fmt,
                      va_list ap) {
  char text[1024];
  uint64_t ms;
  size_t n = 0;

  /* Below the threshold a line is neither written nor kept: `logs` shows
     what the log file shows. */
  if (level < logs.level) return;
  ms = logs_wall_ms();
  if (prefix != NULL) n = (size_t)snprintf(text, sizeof(text), "%s", prefix);
  vsnprintf(text + n, sizeof(text) - n, fmt, ap);
  logs_write(ms, level, NULL, text);
  /* The rings belong to the control loop; a line from elsewhere (the
     thread that stops the runtime) is only written out. */
  if (!pthread_equal(pthread_self(), logs.main_thread)) return;
  if (logs.all.max == 0) logs.all.max = LOGS_ALL_LINES;
  if (logs_ring_push(&logs.all, ms, 0, "actord", level, text) == 0)
    logs_fanout(NULL, logs_last(&logs.all));
}

void logs_msg(int level, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  logs_vmsg(level, NULL, fmt, ap);
  va_end(ap);
}

void logs_internal(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  logs_vmsg(ACT_LOG_ERROR, "internal error: ", fmt, ap);
  va_end(ap);
}

void logs_free_all(void) {
  for (size_t i = 0; i < logs.nbuckets; i++) {
    logs_ring_t *r = logs.buckets[i], *next;
    for (; r != NULL; r = next) {
      next = r->next;
      logs_ring_clear(r);
      free(r->key);
      free(r);
    }
  }
  free(logs.buckets);
  logs.buckets = NULL;
  logs.nbuckets = logs.nrings = logs.ndead = 0;
  logs.dead_head = logs.dead_tail = NULL;
  logs_ring_clear(&logs.all);
}
