/* events.c - from the scheduler threads to the control loop, and out. */
#include "events.h"

#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actord.h"
#include "isolate.h"
#include "logs.h"
#include "server.h"
#include "state.h"

/* Past this many queued items the newest are dropped (and counted): a
   plugin that logs in a tight loop must not eat the daemon's memory. */
#define EVENTS_QUEUE_MAX 1000000u

/* After this many exits, once the exits have paused for EVENTS_TRIM_MS,
   the allocator gives its free pages back. The memory of actors that come
   and go in numbers is freed, but glibc keeps the pages of its arenas
   (100,000 counters that came and went left 123 MB resident, 3.6 MB after
   a trim). A one-shot timer re-armed by each burst wakes nobody when the
   daemon is idle. */
#define EVENTS_TRIM_EXITS 1000u
#define EVENTS_TRIM_MS 1000u
/* The same after this many clients came and went, actors or not: the
   replies being built for a burst of clients are freed as they go, but
   their pages stay (500 clients listing 500 actors at once left 182 MB
   resident, 12 MB after a trim). */
#define EVENTS_TRIM_CLIENTS 100u

enum { EVENTS_EVENT, EVENTS_LOG };

typedef struct events_item {
  struct events_item *next;
  int kind;
  int type;  /* act_event_type_t, or the log level */
  uint64_t time_ms;
  act_id_t id, old_id, supervisor;
  const char *name, *plugin, *text; /* point into data, or NULL */
  char data[];
} events_item_t;

unsigned events_subscribers;

static struct {
  pthread_mutex_t lock;
  events_item_t *head, **tail;
  size_t len;
  uint64_t dropped;
  uv_async_t async;
  uv_timer_t trim;
  unsigned exits;   /* since the last trim (control loop only) */
  unsigned clients; /* clients gone since the last trim (the same) */
  int init;
} events = {.lock = PTHREAD_MUTEX_INITIALIZER, .tail = &events.head};

static void events_on_async(uv_async_t *h) {
  (void)h;
  events_drain();
}

static void events_on_trim(uv_timer_t *h) {
  (void)h;
  events.exits = 0;
  events.clients = 0;
  malloc_trim(0);
}

void events_client_gone(void) {
  if (++events.clients >= EVENTS_TRIM_CLIENTS && events.init)
    uv_timer_start(&events.trim, events_on_trim, EVENTS_TRIM_MS, 0);
}

int events_init(uv_loop_t *loop) {
  int rc = uv_async_init(loop, &events.async, events_on_async);
  if (rc != 0) return ACT_EIO;
  if (uv_timer_init(loop, &events.trim) != 0) {
    uv_close((uv_handle_t *)&events.async, NULL);
    return ACT_EIO;
  }
  events.init = 1;
  /* The wake-up handles must not keep the loop alive by themselves. */
  uv_unref((uv_handle_t *)&events.async);
  uv_unref((uv_handle_t *)&events.trim);
  return 0;
}

/* Copy up to three strings after the item, in one allocation. */
static events_item_t *events_item_new(const char *a, const char *b,
                                      const char *c) {
  size_t la = a ? strlen(a) + 1 : 0, lb = b ? strlen(b) + 1 : 0,
         lc = c ? strlen(c) + 1 : 0;
  events_item_t *it = malloc(sizeof(*it) + la + lb + lc);
  char *p;

  if (it == NULL) return NULL;
  memset(it, 0, sizeof(*it));
  p = it->data;
  if (a) { memcpy(p, a, la); it->name = p; p += la; }
  if (b) { memcpy(p, b, lb); it->plugin = p; p += lb; }
  if (c) { memcpy(p, c, lc); it->text = p; }
  return it;
}

static void events_push(events_item_t *it) {
  int wake;

  pthread_mutex_lock(&events.lock);
  if (events.len >= EVENTS_QUEUE_MAX) {
    events.dropped++;
    pthread_mutex_unlock(&events.lock);
    free(it);
    return;
  }
  wake = events.head == NULL;
  *events.tail = it;
  events.tail = &it->next;
  events.len++;
  pthread_mutex_unlock(&events.lock);
  if (wake && events.init) uv_async_send(&events.async);
}

void events_on_event(void *arg, const act_event_t *ev) {
  const char *plugin = ev->plugin;
  isolate_who_t who;
  events_item_t *it;

  (void)arg;
  /* Connections are the daemon's own business. */
  if (ev->plugin != NULL && strcmp(ev->plugin, ACTORD_CONN_PLUGIN) == 0)
    return;
  /* An isolated actor is named by the plugin it runs, not its proxy. */
  if (ev->plugin != NULL && strcmp(ev->plugin, ISOLATE_PLUGIN) == 0 &&
      (isolate_lookup(ev->id, &who) == 0 ||
       isolate_lookup(ev->old_id, &who) == 0))
    plugin = who.plugin;
  if ((it = events_item_new(ev->name, plugin, ev->reason)) == NULL)
    return;
  it->kind = EVENTS_EVENT;
  it->type = ev->type;
  it->time_ms = ev->time_ms ? ev->time_ms : logs_wall_ms();
  it->id = ev->id;
  it->old_id = ev->old_id;
  it->supervisor = ev->supervisor;
  events_push(it);
}

void events_on_log(void *arg, act_id_t id, const char *name, int level,
                   const char *line) {
  events_item_t *it;

  (void)arg;
  if ((it = events_item_new(name, NULL, line ? line : "")) == NULL) return;
  it->kind = EVENTS_LOG;
  it->type = level;
  it->time_ms = logs_wall_ms();
  it->id = id;
  events_push(it);
}

/* The names of live named actors, by id: an exit is reported after the
   runtime dropped the name, and subscribers (and the log rings, kept by
   name) still need to know whose exit it was. */
typedef struct events_name {
  act_id_t id;
  struct events_name *next;
  char name[];
} events_name_t;

static struct {
  events_name_t **b;
  size_t nb, n;
} events_names;

static void events_name_put(act_id_t id, const char *name) {
  events_name_t *e;
  size_t len = strlen(name) + 1;

  if (events_names.n + 1 > events_names.nb) {
    size_t nb = events_names.nb ? events_names.nb * 2 : 64;
    events_name_t **b = calloc(nb, sizeof(*b));
    if (b == NULL) return;
    for (size_t i = 0; i < events_names.nb; i++) {
      events_name_t *x, *next;
      for (x = events_names.b[i]; x != NULL; x = next) {
        next = x->next;
        x->next = b[x->id & (nb - 1)];
        b[x->id & (nb - 1)] = x;
      }
    }
    free(events_names.b);
    events_names.b = b;
    events_names.nb = nb;
  }
  if ((e = malloc(sizeof(*e) + len)) == NULL) return;
  e->id = id;
  memcpy(e->name, name, len);
  e->next = events_names.b[id & (events_names.nb - 1)];
  events_names.b[id & (events_names.nb - 1)] = e;
  events_names.n++;
}

/* Take the name of id out of the table; the caller frees it. */
static events_name_t *events_name_take(act_id_t id) {
  events_name_t **pp, *e;

  if (events_names.nb == 0) return NULL;
  for (pp = &events_names.b[id & (events_names.nb - 1)]; (e = *pp) != NULL;
       pp = &e->next) {
    if (e->id == id) {
      *pp = e->next;
      events_names.n--;
      return e;
    }
  }
  return NULL;
}

static void events_names_free(void) {
  for (size_t i = 0; i < events_names.nb; i++) {
    events_name_t *e, *next;
    for (e = events_names.b[i]; e != NULL; e = next) {
      next = e->next;
      free(e);
    }
  }
  free(events_names.b);
  events_names.b = NULL;
  events_names.nb = events_names.n = 0;
}

typedef struct events_failed {
  struct events_failed *next;
  act_id_t id, supervisor;
  char *name, *plugin;
} events_failed_t;

/* Few: only what restarted too often and nobody revived yet. */
#define EVENTS_FAILED_MAX 10000
static events_failed_t *events_failed;
static size_t events_nfailed;

void events_failed_forget(act_id_t id, const char *name) {
  events_failed_t **pp = &events_failed, *f;

  while ((f = *pp) != NULL) {
    if ((id != 0 && f->id == id) ||
        (name != NULL && f->name != NULL && strcmp(f->name, name) == 0)) {
      *pp = f->next;
      free(f->name);
      free(f->plugin);
      free(f);
      events_nfailed--;
      continue;
    }
    pp = &f->next;
  }
}

static void events_failed_add(const events_item_t *it) {
  events_failed_t *f;

  events_failed_forget(it->id, it->name);
  if (events_nfailed >= EVENTS_FAILED_MAX) return;
  if ((f = calloc(1, sizeof(*f))) == NULL) return;
  f->id = it->id;
  f->supervisor = it->supervisor;
  f->name = it->name ? strdup(it->name) : NULL;
  f->plugin = it->plugin ? strdup(it->plugin) : NULL;
  f->next = events_failed;
  events_failed = f;
  events_nfailed++;
}

void events_failed_foreach(events_failed_cb cb, void *arg) {
  for (events_failed_t *f = events_failed; f != NULL; f = f->next)
    cb(arg, f->id, f->name, f->plugin, f->supervisor);
}

static void events_publish(json_t *ev) {
  if (events_subscribers > 0) server_event_fanout(ev);
}

void events_emit(const char *event, json_t *fields) {
  char ts[40];

  if (fields == NULL) return;
  logs_time_format(logs_wall_ms(), ts, sizeof(ts));
  json_object_set_new(fields, "event", json_string(event));
  json_object_set_new(fields, "time", json_string(ts));
  events_publish(fields);
  json_decref(fields);
}

static void events_handle(events_item_t *it) {
  const char *ev = act_event_name(it->type);
  char ts[40], who[ACT_NAME_MAX + 64];
  events_name_t *known = NULL;
  json_t *obj;

  if (it->id == actord.root) return;
  if (it->type == ACT_EV_SPAWN || it->type == ACT_EV_RESTART) {
    if (events_failed != NULL) events_failed_forget(it->old_id, it->name);
    if (it->type == ACT_EV_RESTART) free(events_name_take(it->old_id));
    if (it->name != NULL) events_name_put(it->id, it->name);
  } else if (it->type == ACT_EV_EXIT) {
    known = events_name_take(it->id);
    if (it->name == NULL && known != NULL) it->name = known->name;
  } else if (it->type == ACT_EV_FAILED) {
    events_failed_add(it);
  }
  if (it->name)
    snprintf(who, sizeof(who), "%s %llu (%s)", it->plugin ? it->plugin : "actor",
             (unsigned long long)it->id, it->name);
  else
    snprintf(who, sizeof(who), "%s %llu", it->plugin ? it->plugin : "actor",
             (unsigned long long)it->id);
  switch (it->type) {
  case ACT_EV_SPAWN:
    logs_actor_spawn(it->id, it->name);
    logs_debug("%s started", who);
    break;
  case ACT_EV_EXIT:
    events.exits++;
    state_actor_exited(it->id, it->text);
    logs_actor_exit(it->id, it->name);
    if (it->text && strcmp(it->text, "normal") && strcmp(it->text, "shutdown"))
      logs_info("%s exited: %s", who, it->text);
    else
      logs_debug("%s exited: %s", who, it->text ? it->text : "normal");
    break;
  case ACT_EV_RESTART:
    state_actor_restarted(it->old_id, it->id);
    logs_actor_spawn(it->id, it->name);
    logs_info("%s restarted (was %llu)", who, (unsigned long long)it->old_id);
    break;
  case ACT_EV_FAILED:
    logs_warn("%s failed: restarted too often (%s); not restarted again "
              "until someone restarts it",
              who, it->text ? it->text : "?");
    break;
  default:
    break;
  }
  if (events_subscribers == 0) {
    free(known);
    return;
  }
  logs_time_format(it->time_ms, ts, sizeof(ts));
  obj = json_pack("{s:s, s:s, s:I, s:s?, s:s?}", "event", ev ? ev : "unknown",
                  "time", ts, "id", (json_int_t)it->id, "name", it->name,
                  "plugin", it->plugin);
  if (obj == NULL) {
    free(known);
    return;
  }
  if (it->text) json_object_set_new(obj, "reason", json_string(it->text));
  if (it->old_id)
    json_object_set_new(obj, "old_id", json_integer((json_int_t)it->old_id));
  if (it->supervisor)
    json_object_set_new(obj, "supervisor",
                        json_integer((json_int_t)it->supervisor));
  events_publish(obj);
  json_decref(obj);
  free(known);
}

void events_drain(void) {
  events_item_t *it, *next;
  uint64_t dropped;

  pthread_mutex_lock(&events.lock);
  it = events.head;
  events.head = NULL;
  events.tail = &events.head;
  events.len = 0;
  dropped = events.dropped;
  events.dropped = 0;
  pthread_mutex_unlock(&events.lock);
  if (dropped)
    logs_warn("%llu events or log lines dropped: the control loop fell "
              "behind",
              (unsigned long long)dropped);
  for (; it != NULL; it = next) {
    next = it->next;
    if (it->kind == EVENTS_LOG)
      logs_actor_line(it->time_ms, it->id, it->name, it->type, it->text);
    else
      events_handle(it);
    free(it);
  }
  if (events.exits >= EVENTS_TRIM_EXITS && events.init)
    uv_timer_start(&events.trim, events_on_trim, EVENTS_TRIM_MS, 0);
}

void events_free(void) {
  events_item_t *it, *next;

  pthread_mutex_lock(&events.lock);
  it = events.head;
  events.head = NULL;
  events.tail = &events.head;
  events.len = 0;
  pthread_mutex_unlock(&events.lock);
  for (; it != NULL; it = next) {
    next = it->next;
    free(it);
  }
  events_names_free();
  while (events_failed != NULL) {
    events_failed_t *f = events_failed;
    events_failed = f->next;
    free(f->name);
    free(f->plugin);
    free(f);
  }
  events_nfailed = 0;
  if (events.init) {
    events.init = 0;
    uv_close((uv_handle_t *)&events.async, NULL);
    uv_close((uv_handle_t *)&events.trim, NULL);
  }
}
