/* listing.c - actor.list and actor.tree snapshots. */
#include "listing.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actor/error.h"
#include "actord.h"
#include "events.h"
#include "exec.h"
#include "isolate.h"
#include "logs.h"

#define LISTING_ASK_MS 2000
/* A supervisor with more live children than this is not asked for the
   ones that are not alive: building and reading its whole list would cost
   more than the rest of the listing. The root's failed children are known
   from the events instead (events_failed_foreach). */
#define LISTING_ASK_MAX 1000

typedef struct listing_ent {
  act_id_t id, supervisor;
  uint64_t mailbox, uptime_ms;
  uint32_t restarts;
  uint32_t pid; /* 0: the daemon's */
  uint32_t name, plugin, version, status; /* offsets into the arena; 0 = none */
} listing_ent_t;

typedef struct listing {
  listing_kind_t kind;
  json_t *id;
  listing_ent_t *ents;
  size_t n, cap;
  char *arena;
  size_t alen, acap;
  act_id_t *sups;
  size_t nsups, capsups;
  int root_asked;
  unsigned pending;
  int oom;
  uint64_t now;
} listing_t;

static uint32_t listing_str(listing_t *l, const char *s) {
  size_t n;
  uint32_t off;

  if (s == NULL) return 0;
  n = strlen(s) + 1;
  if (l->alen + n > l->acap) {
    size_t cap = l->acap ? l->acap * 2 : 4096;
    char *p;
    while (cap < l->alen + n) cap *= 2;
    if (cap > UINT32_MAX || (p = realloc(l->arena, cap)) == NULL) {
      l->oom = 1;
      return 0;
    }
    l->arena = p;
    l->acap = cap;
  }
  off = (uint32_t)l->alen;
  memcpy(l->arena + off, s, n);
  l->alen += n;
  return off;
}

static listing_ent_t *listing_add(listing_t *l) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 256;
    listing_ent_t *p = realloc(l->ents, cap * sizeof(*p));
    if (p == NULL) {
      l->oom = 1;
      return NULL;
    }
    l->ents = p;
    l->cap = cap;
  }
  memset(&l->ents[l->n], 0, sizeof(l->ents[0]));
  return &l->ents[l->n++];
}

static void listing_add_sup(listing_t *l, act_id_t id) {
  if (l->nsups == l->capsups) {
    size_t cap = l->capsups ? l->capsups * 2 : 16;
    act_id_t *p = realloc(l->sups, cap * sizeof(*p));
    if (p == NULL) {
      l->oom = 1;
      return;
    }
    l->sups = p;
    l->capsups = cap;
  }
  l->sups[l->nsups++] = id;
}

static int listing_is_sup(const act_info_t *info) {
  return info->desc == &act_supervisor_plugin ||
         (info->plugin != NULL && strcmp(info->plugin, "supervisor") == 0);
}

/* Under the schedulers' locks: copy, never call into the runtime. */
static void listing_on_actor(void *arg, const act_info_t *info) {
  listing_t *l = arg;
  listing_ent_t *e;

  if (info->flags & ACT_SPAWN_HIDDEN) return;
  if ((e = listing_add(l)) == NULL) return;
  e->id = info->id;
  e->supervisor = info->supervisor;
  e->mailbox = info->mailbox;
  e->restarts = info->restarts;
  e->uptime_ms = l->now > info->started_ms ? l->now - info->started_ms : 0;
  e->name = listing_str(l, info->name);
  e->plugin = listing_str(l, info->plugin);
  e->version = listing_str(l, info->version);
  e->status = listing_str(l, act_status_name(info->status));
  /* An exec actor's pid is its program's. */
  if (info->plugin != NULL && strcmp(info->plugin, "exec") == 0)
    e->pid = (uint32_t)exec_pid(info->id);
  /* An isolated actor shows the plugin it runs and its host's pid. */
  if (info->plugin != NULL && strcmp(info->plugin, ISOLATE_PLUGIN) == 0) {
    isolate_who_t who;
    if (isolate_lookup(info->id, &who) == 0) {
      e->pid = (uint32_t)who.pid;
      e->plugin = listing_str(l, who.plugin);
      e->version = listing_str(l, who.version);
    }
  }
  if (listing_is_sup(info)) listing_add_sup(l, info->id);
}

static void listing_free(listing_t *l) {
  json_decref(l->id);
  free(l->ents);
  free(l->arena);
  free(l->sups);
  free(l);
}

static const char *listing_s(const listing_t *l, uint32_t off) {
  return off ? l->arena + off : NULL;
}

static int listing_cmp(const void *a, const void *b) {
  const listing_ent_t *x = a, *y = b;
  return x->id < y->id ? -1 : x->id > y->id;
}

/* ----------------------------------------------------------- text output */

typedef struct listing_buf {
  char *p;
  size_t len, cap;
  int oom;
} listing_buf_t;

static void listing_put(listing_buf_t *b, const char *s, size_t n) {
  if (b->oom || n == 0) return;
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 65536;
    char *p;
    while (cap < b->len + n) cap *= 2;
    if ((p = realloc(b->p, cap)) == NULL) {
      b->oom = 1;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
}

#define listing_lit(b, s) listing_put((b), (s), sizeof(s) - 1)

static void listing_num(listing_buf_t *b, uint64_t v) {
  char num[24], *p = num + sizeof(num);

  /* By hand: printf's machinery is a third of a 100,000-actor listing. */
  do {
    *--p = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  listing_put(b, p, (size_t)(num + sizeof(num) - p));
}

static void listing_jstr(listing_buf_t *b, const char *s) {
  static const char hex[] = "0123456789abcdef";
  const char *run;

  if (s == NULL) {
    listing_lit(b, "null");
    return;
  }
  listing_lit(b, "\"");
  for (run = s; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch >= 0x20 && ch != '"' && ch != '\\') continue;
    listing_put(b, run, (size_t)(s - run));
    if (ch == '"' || ch == '\\') {
      char esc[2] = {'\\', (char)ch};
      listing_put(b, esc, 2);
    } else {
      char esc[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15]};
      listing_put(b, esc, 6);
    }
    run = s + 1;
  }
  listing_put(b, run, (size_t)(s - run));
  listing_lit(b, "\"");
}

/* The list is written as text straight from the snapshot: with 100,000
   actors, a jansson object per field would cost more than everything
   else together. */
static void listing_reply_list(conn_t *c, listing_t *l) {
  listing_buf_t b = {0};

  listing_lit(&b, "[");
  for (size_t i = 0; i < l->n; i++) {
    const listing_ent_t *e = &l->ents[i];
    if (i > 0) listing_lit(&b, ",");
    listing_lit(&b, "{\"id\":");
    listing_num(&b, e->id);
    listing_lit(&b, ",\"name\":");
    listing_jstr(&b, listing_s(l, e->name));
    listing_lit(&b, ",\"plugin\":");
    listing_jstr(&b, listing_s(l, e->plugin));
    listing_lit(&b, ",\"version\":");
    listing_jstr(&b, listing_s(l, e->version));
    listing_lit(&b, ",\"status\":");
    listing_jstr(&b, listing_s(l, e->status));
    listing_lit(&b, ",\"mailbox\":");
    listing_num(&b, e->mailbox);
    listing_lit(&b, ",\"restarts\":");
    listing_num(&b, e->restarts);
    listing_lit(&b, ",\"uptime_ms\":");
    listing_num(&b, e->uptime_ms);
    listing_lit(&b, ",\"supervisor\":");
    if (e->supervisor) listing_num(&b, e->supervisor);
    else listing_lit(&b, "null");
    listing_lit(&b, ",\"pid\":");
    listing_num(&b, e->pid ? e->pid : (uint64_t)actord.pid);
    listing_lit(&b, "}");
  }
  listing_lit(&b, "]");
  if (b.oom) conn_fail(c, l->id, ACT_ENOMEM, "actor.list: out of memory");
  else conn_result_raw(c, l->id, b.p, b.len);
  free(b.p);
}

static json_t *listing_node(const listing_t *l, const listing_ent_t *e) {
  return json_pack("{s:I, s:s?, s:s?, s:s?, s:i, s:[]}", "id",
                   (json_int_t)e->id, "name", listing_s(l, e->name), "plugin",
                   listing_s(l, e->plugin), "status", listing_s(l, e->status),
                   "restarts", (int)e->restarts, "children");
}

static listing_ent_t *listing_find(listing_t *l, act_id_t id) {
  listing_ent_t key = {.id = id};
  if (l->n == 0) return NULL;
  return bsearch(&key, l->ents, l->n, sizeof(key), listing_cmp);
}

static void listing_reply_tree(conn_t *c, listing_t *l) {
  json_t *root, **nodes = NULL;
  size_t i;

  root = json_pack("{s:I, s:s, s:s, s:s, s:[]}", "id", (json_int_t)actord.root,
                   "name", "root", "plugin", "supervisor", "status", "running",
                   "children");
  if (root == NULL || (l->n && (nodes = calloc(l->n, sizeof(*nodes))) == NULL))
    goto fail;
  for (i = 0; i < l->n; i++)
    if ((nodes[i] = listing_node(l, &l->ents[i])) == NULL) goto fail;
  /* Each node under its supervisor; under the root when that is the root,
     or when it has none this listing knows. */
  for (i = 0; i < l->n; i++) {
    listing_ent_t *p = NULL;
    json_t *parent = root;
    if (l->ents[i].supervisor && l->ents[i].supervisor != l->ents[i].id &&
        (p = listing_find(l, l->ents[i].supervisor)) != NULL)
      parent = nodes[p - l->ents];
    json_array_append(json_object_get(parent, "children"), nodes[i]);
  }
  for (i = 0; i < l->n; i++) json_decref(nodes[i]);
  free(nodes);
  conn_result(c, l->id, root);
  return;

fail:
  if (nodes != NULL)
    for (i = 0; i < l->n; i++) json_decref(nodes[i]);
  free(nodes);
  json_decref(root);
  conn_fail(c, l->id, ACT_ENOMEM, "actor.tree: out of memory");
}

static void listing_finish(conn_t *c, listing_t *l) {
  if (l->oom) {
    conn_fail(c, l->id, ACT_ENOMEM, "listing: out of memory");
    listing_free(l);
    return;
  }
  if (l->n > 1) qsort(l->ents, l->n, sizeof(l->ents[0]), listing_cmp);
  if (l->kind == LISTING_LIST) listing_reply_list(c, l);
  else listing_reply_tree(c, l);
  listing_free(l);
}

/* A supervisor's which_children: add the children that are not alive. */
static void listing_on_children(conn_t *c, conn_op_t *op, const act_msg_t *msg) {
  listing_t *l = op->data;
  act_id_t sup = (act_id_t)op->aux;
  json_t *v;
  size_t i;

  if (msg != NULL && msg->type == ACT_MSG_REPLY &&
      msg->payload == ACT_PAYLOAD_JSON && json_is_array(msg->json)) {
    json_array_foreach(msg->json, i, v) {
      const char *st = json_string_value(json_object_get(v, "status"));
      listing_ent_t *e;
      if (st == NULL || (strcmp(st, "restarting") && strcmp(st, "failed")))
        continue;
      if ((e = listing_add(l)) == NULL) break;
      e->id = (act_id_t)json_integer_value(json_object_get(v, "id"));
      e->supervisor = sup == actord.root ? actord.root : sup;
      e->restarts = (uint32_t)json_integer_value(json_object_get(v, "restarts"));
      e->name = listing_str(l, json_string_value(json_object_get(v, "name")));
      e->plugin =
          listing_str(l, json_string_value(json_object_get(v, "plugin")));
      if (e->plugin && strcmp(l->arena + e->plugin, ISOLATE_PLUGIN) == 0) {
        /* An isolated child: the plugin its last run ran. */
        isolate_who_t who;
        if (isolate_lookup(e->id, &who) == 0)
          e->plugin = listing_str(l, who.plugin);
      }
      if (e->plugin) {
        const loader_plugin_t *p =
            loader_find(actord.loader, l->arena + e->plugin);
        e->version = listing_str(l, p ? p->version : NULL);
      }
      e->status = listing_str(l, st);
    }
  }
  if (--l->pending > 0) return;
  if (msg == NULL) listing_free(l); /* the connection is gone */
  else listing_finish(c, l);
}

static int listing_id_cmp(const void *a, const void *b) {
  act_id_t x = *(const act_id_t *)a, y = *(const act_id_t *)b;
  return x < y ? -1 : x > y;
}

/* Forget the supervisors with too many live children (sups[i] = 0): one
   pass over the actors, a binary search each among the supervisors. */
static void listing_count_children(listing_t *l) {
  size_t *count;

  if (l->nsups == 0) return;
  if ((count = calloc(l->nsups, sizeof(*count))) == NULL) return;
  qsort(l->sups, l->nsups, sizeof(*l->sups), listing_id_cmp);
  for (size_t k = 0; k < l->n; k++) {
    act_id_t *s;
    if (l->ents[k].supervisor == 0) continue;
    s = bsearch(&l->ents[k].supervisor, l->sups, l->nsups, sizeof(*l->sups),
                listing_id_cmp);
    if (s != NULL) count[s - l->sups]++;
  }
  for (size_t i = 0; i < l->nsups; i++)
    if (count[i] > LISTING_ASK_MAX) l->sups[i] = 0;
  free(count);
}

static void listing_on_failed(void *arg, act_id_t id, const char *name,
                              const char *plugin, act_id_t supervisor) {
  listing_t *l = arg;
  listing_ent_t *e = listing_add(l);
  const loader_plugin_t *p;

  if (e == NULL) return;
  e->id = id;
  e->supervisor = supervisor;
  e->name = listing_str(l, name);
  e->plugin = listing_str(l, plugin);
  p = plugin ? loader_find(actord.loader, plugin) : NULL;
  e->version = listing_str(l, p ? p->version : NULL);
  e->status = listing_str(l, "failed");
}

void listing_start(conn_t *c, json_t *id, listing_kind_t kind) {
  listing_t *l = calloc(1, sizeof(*l));
  json_t *q;

  if (l == NULL) {
    conn_fail(c, id, ACT_ENOMEM, "listing: out of memory");
    return;
  }
  l->kind = kind;
  l->id = id ? json_incref(id) : NULL;
  l->alen = 1; /* offset 0 means "none" */
  l->acap = 0;
  l->now = act_runtime_now_ms();
  listing_str(l, "");
  l->alen = 1;
  act_runtime_list(actord.rt, listing_on_actor, l);
  if (actord.root) listing_add_sup(l, actord.root);
  listing_count_children(l);
  /* One outstanding count for the loop itself, so that a reply arriving
     early cannot finish the listing before every ask is out. */
  l->pending = 1;
  for (size_t i = 0; i < l->nsups && c->ctx != NULL; i++) {
    conn_op_t *op;
    uint64_t ref;
    if (l->sups[i] == 0) continue; /* too many children to ask */
    if ((q = json_pack("{s:b}", "which_children", 1)) == NULL) break;
    if (act_ask_json(c->ctx, l->sups[i], ACT_TAG_JSON, q, LISTING_ASK_MS,
                     &ref) != 0)
      continue;
    if ((op = conn_op_new(c, NULL, listing_on_children, l)) == NULL) {
      l->oom = 1;
      continue;
    }
    op->aux = l->sups[i];
    l->pending++;
    if (l->sups[i] == actord.root) l->root_asked = 1;
    conn_op_park(c, op, ref);
  }
  if (!l->root_asked) events_failed_foreach(listing_on_failed, l);
  if (--l->pending == 0) listing_finish(c, l);
}

/* ------------------------------------------------------------- one actor */

static void listing_on_one(void *arg, const act_info_t *info) {
  json_t **out = arg;
  uint64_t now = act_runtime_now_ms();

  *out = json_pack(
      "{s:I, s:s?, s:s?, s:s?, s:s, s:I, s:i, s:I, s:o, s:i, s:I, s:I}", "id",
      (json_int_t)info->id, "name", info->name, "plugin", info->plugin,
      "version", info->version, "status", act_status_name(info->status),
      "mailbox", (json_int_t)info->mailbox, "restarts", (int)info->restarts,
      "uptime_ms",
      (json_int_t)(now > info->started_ms ? now - info->started_ms : 0),
      "supervisor",
      info->supervisor ? json_integer((json_int_t)info->supervisor)
                       : json_null(),
      "pid",
      (info->plugin && !strcmp(info->plugin, "exec") && exec_pid(info->id) > 0)
          ? exec_pid(info->id)
          : (int)actord.pid,
      "messages_in", (json_int_t)info->messages_in,
      "messages_out", (json_int_t)info->messages_out);
  if (*out != NULL && info->plugin != NULL &&
      strcmp(info->plugin, ISOLATE_PLUGIN) == 0) {
    isolate_who_t who;
    if (isolate_lookup(info->id, &who) == 0) {
      json_object_set_new(*out, "plugin", json_string(who.plugin));
      json_object_set_new(*out, "version", json_string(who.version));
      if (who.pid > 0) json_object_set_new(*out, "pid", json_integer(who.pid));
      json_object_set_new(*out, "isolated", json_true());
    }
  }
}

json_t *listing_one(act_id_t target, act_id_t *supervisor) {
  json_t *obj = NULL, *sup;

  if (act_runtime_info(actord.rt, target, listing_on_one, &obj) != 0) {
    json_decref(obj);
    return NULL;
  }
  sup = json_object_get(obj, "supervisor");
  *supervisor = json_is_integer(sup) ? (act_id_t)json_integer_value(sup) : 0;
  return obj;
}
