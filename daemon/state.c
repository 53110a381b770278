/* state.c - the state file: record, write atomically, restore. */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "actor/error.h"
#include "actord.h"
#include "events.h"
#include "logs.h"
#include "proto.h"

#define STATE_VERSION 1
/* While the file cannot be written, try again this often even when nothing
   changes, so that a disk that has room again gets the record at once. */
#define STATE_RETRY_MS 1000

typedef struct state_rec {
  json_t *spec; /* the spawn spec, with "sup" */
  act_id_t id;  /* the actor's current id */
  struct state_rec *next;
} state_rec_t;

static struct {
  int enabled;
  int dirty;
  int frozen;
  int restoring;
  char path[PATH_MAX + 16];
  char tmp[PATH_MAX + 16];
  char dir[PATH_MAX];
  state_rec_t *recs, **tail;
  json_t *plugins; /* [{"name","path"}] */
  json_t *loaded;  /* what was read at boot, until restored */
  uv_idle_t idle;
  int idle_init;
  int failing; /* the last write failed (reported once, until one works) */
  int fresh;   /* a change since the last try: worth trying again at once */
  uv_timer_t retry;
  int retry_init;
} state = {.tail = &state.recs};

static void state_on_idle(uv_idle_t *h) {
  uv_idle_stop(h);
  state_commit();
}

static void state_mark(void) {
  if (!state.enabled || state.frozen) return;
  state.dirty = 1;
  state.fresh = 1;
  if (!state.idle_init) {
    uv_idle_init(actord.loop, &state.idle);
    state.idle_init = 1;
  }
  if (!uv_is_active((uv_handle_t *)&state.idle))
    uv_idle_start(&state.idle, state_on_idle);
}

/* A file that cannot be read is kept for a human to look at. */
static void state_move_aside(const char *why) {
  char bad[PATH_MAX + 64];
  struct stat st;
  long t = (long)time(NULL);

  snprintf(bad, sizeof(bad), "%s.bad-%ld", state.path, t);
  for (int i = 1; lstat(bad, &st) == 0 && i < 1000; i++)
    snprintf(bad, sizeof(bad), "%s.bad-%ld.%d", state.path, t, i);
  if (rename(state.path, bad) != 0) {
    logs_error("state file %s is unreadable (%s) and cannot be moved aside: "
               "%s; starting empty, recording nothing",
               state.path, why, strerror(errno));
    state.enabled = 0;
    return;
  }
  logs_error("state file %s is unreadable (%s); moved aside to %s; starting "
             "empty",
             state.path, why, bad);
}

/* Is the document one this version can replay? */
static int state_valid(json_t *doc, char *why, size_t size) {
  json_t *actors, *plugins, *v;
  size_t i;

  if (!json_is_object(doc)) {
    snprintf(why, size, "not a JSON object");
    return 0;
  }
  actors = json_object_get(doc, "actors");
  plugins = json_object_get(doc, "plugins");
  if (actors != NULL && !json_is_array(actors)) {
    snprintf(why, size, "\"actors\" is not an array");
    return 0;
  }
  if (plugins != NULL && !json_is_array(plugins)) {
    snprintf(why, size, "\"plugins\" is not an array");
    return 0;
  }
  json_array_foreach(actors, i, v) {
    if (!json_is_object(v) || !json_is_string(json_object_get(v, "plugin"))) {
      snprintf(why, size, "actor %zu has no plugin", i);
      return 0;
    }
  }
  json_array_foreach(plugins, i, v) {
    if (!json_is_object(v) || !json_is_string(json_object_get(v, "path"))) {
      snprintf(why, size, "plugin %zu has no path", i);
      return 0;
    }
  }
  return 1;
}

int state_open(const char *dir) {
  json_error_t err;
  json_t *doc;
  char why[256];

  if ((state.plugins = json_array()) == NULL) return ACT_ENOMEM;
  if (dir == NULL) return 0;
  state.enabled = 1;
  snprintf(state.dir, sizeof(state.dir), "%s", dir);
  snprintf(state.path, sizeof(state.path), "%s/state.json", dir);
  snprintf(state.tmp, sizeof(state.tmp), "%s/state.json.tmp", dir);
  /* A temporary file is what a crash in the middle of a write leaves. */
  unlink(state.tmp);
  doc = json_load_file(state.path, 0, &err);
  if (doc == NULL) {
    if (access(state.path, F_OK) != 0 && errno == ENOENT) return 0;
    /* A file that cannot be opened has no line to point at. */
    if (err.line > 0)
      snprintf(why, sizeof(why), "line %d: %s", err.line, err.text);
    else
      snprintf(why, sizeof(why), "%s", err.text);
    state_move_aside(why);
    return 0;
  }
  if (!state_valid(doc, why, sizeof(why))) {
    json_decref(doc);
    state_move_aside(why);
    return 0;
  }
  state.loaded = doc;
  return 0;
}

void state_restored(void) {
  if (!state.restoring) return;
  state.restoring = 0;
  json_decref(state.loaded);
  state.loaded = NULL;
  logs_info("state restored");
  state_mark();
}

void state_restore_plugins(void) {
  const loader_plugin_t *p;
  json_t *v;
  size_t i;
  char err[512];

  if (state.loaded == NULL) return;
  json_array_foreach(json_object_get(state.loaded, "plugins"), i, v) {
    const char *path = json_string_value(json_object_get(v, "path"));
    p = NULL;
    err[0] = '\0';
    if (loader_load(actord.loader, path, &p, err, sizeof(err)) != 0 ||
        p == NULL) {
      logs_warn("restoring state: %s", err[0] ? err : path);
      continue;
    }
    logs_info("loaded plugin %s %s from %s (restored)", p->name, p->version,
              path);
    state_plugin_add(p->name, path);
  }
}

void state_restore(conn_t *internal) {
  json_t *v;
  size_t i;
  int n = 0;

  if (state.loaded == NULL) return;
  state.restoring = 1;
  json_array_foreach(json_object_get(state.loaded, "actors"), i, v) {
    json_t *params = json_deep_copy(v);
    if (params == NULL) continue;
    /* A restore must not keep the daemon from answering for long. */
    json_object_set_new(params, "timeout_ms", json_integer(5000));
    conn_submit(internal,
                json_pack("{s:s, s:i, s:s, s:o, s:s}", "jsonrpc", "2.0", "id",
                          ++n, "method", ACT_M_ACTOR_SPAWN, "params", params,
                          "label", "restoring state"));
  }
  logs_info("restoring %d records from %s", n, state.path);
}

void state_actor_add(json_t *spec, const char *sup, act_id_t id) {
  state_rec_t *r;

  if (!state.enabled || state.frozen) return;
  if ((r = calloc(1, sizeof(*r))) == NULL ||
      (r->spec = json_deep_copy(spec)) == NULL) {
    free(r);
    logs_warn("state: out of memory; actor %llu is not recorded",
              (unsigned long long)id);
    return;
  }
  json_object_set_new(r->spec, "sup", sup ? json_string(sup) : json_null());
  r->id = id;
  *state.tail = r;
  state.tail = &r->next;
  state_mark();
}

static void state_rec_unlink(state_rec_t **pp) {
  state_rec_t *r = *pp;

  *pp = r->next;
  if (state.tail == &r->next) state.tail = pp;
  json_decref(r->spec);
  free(r);
  state_mark();
}

void state_actor_remove(act_id_t id, const char *name) {
  state_rec_t **pp;

  if (!state.enabled || state.frozen) return;
  for (pp = &state.recs; *pp != NULL;) {
    const char *n = json_string_value(json_object_get((*pp)->spec, "name"));
    const char *s = json_string_value(json_object_get((*pp)->spec, "sup"));
    if ((*pp)->id == id || (name != NULL && n != NULL && !strcmp(n, name)) ||
        (name != NULL && s != NULL && !strcmp(s, name))) {
      /* Children recorded under a stopped supervisor go with it. */
      state_rec_unlink(pp);
      continue;
    }
    pp = &(*pp)->next;
  }
}

void state_actor_restarted(act_id_t old_id, act_id_t new_id) {
  for (state_rec_t *r = state.recs; r != NULL; r = r->next)
    if (r->id == old_id) r->id = new_id;
}

void state_actor_exited(act_id_t id, const char *reason) {
  state_rec_t **pp;

  if (!state.enabled || state.frozen || reason == NULL) return;
  if (strcmp(reason, "normal") != 0 && strcmp(reason, "shutdown") != 0)
    return;
  /* A transient child that ended normally is not restarted: its
     supervisor forgot it, and so does the state. */
  for (pp = &state.recs; *pp != NULL; pp = &(*pp)->next) {
    const char *restart =
        json_string_value(json_object_get((*pp)->spec, "restart"));
    if ((*pp)->id == id && restart != NULL && !strcmp(restart, "transient")) {
      state_rec_unlink(pp);
      return;
    }
  }
}

void state_plugin_add(const char *name, const char *path) {
  json_t *v;
  size_t i;

  if (!state.enabled || state.frozen) return;
  json_array_foreach(state.plugins, i, v) {
    if (!strcmp(json_string_value(json_object_get(v, "name")), name)) {
      json_object_set_new(v, "path", json_string(path));
      state_mark();
      return;
    }
  }
  json_array_append_new(state.plugins,
                        json_pack("{s:s, s:s}", "name", name, "path", path));
  state_mark();
}

void state_plugin_remove(const char *name) {
  json_t *v;
  size_t i;

  if (!state.enabled || state.frozen) return;
  json_array_foreach(state.plugins, i, v) {
    if (!strcmp(json_string_value(json_object_get(v, "name")), name)) {
      json_array_remove(state.plugins, i);
      state_mark();
      return;
    }
  }
}

/* fsync a directory so that a rename in it is durable. */
static void state_sync_dir(void) {
  int fd = open(state.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
}

int state_pending(void) {
  /* After a failed write, only a new change is worth another try before a
     reply: the replies of other requests are not held up for it. */
  return state.enabled && state.dirty && !state.frozen && !state.restoring &&
         (!state.failing || state.fresh);
}

static void state_on_retry(uv_timer_t *t) {
  (void)t;
  state.fresh = 1;
  state_commit();
}

/* A write failed: say so once (not at every retry), then keep trying. */
static void state_failed(const char *step, int err) {
  char line[2 * PATH_MAX + 128];

  if (state.retry_init == 0 && uv_timer_init(actord.loop, &state.retry) == 0) {
    state.retry_init = 1;
    /* The retries must not keep a stopping daemon's loop alive. */
    uv_unref((uv_handle_t *)&state.retry);
  }
  if (state.retry_init && !uv_is_active((uv_handle_t *)&state.retry))
    uv_timer_start(&state.retry, state_on_retry, STATE_RETRY_MS,
                   STATE_RETRY_MS);
  if (state.failing) return;
  state.failing = 1;
  snprintf(line, sizeof(line), "cannot write state file %s (%s): %s",
           state.path, step, err ? strerror(err) : "out of memory");
  logs_error("%s; the changes are kept and written once it can be", line);
  events_emit("state_failed",
              json_pack("{s:n, s:n, s:n, s:s, s:s}", "id", "name", "plugin",
                        "path", state.path, "reason", line));
}

static void state_saved(void) {
  if (state.retry_init) uv_timer_stop(&state.retry);
  if (!state.failing) return;
  state.failing = 0;
  logs_info("state file %s written again", state.path);
  events_emit("state_saved", json_pack("{s:n, s:n, s:n, s:s}", "id", "name",
                                       "plugin", "path", state.path));
}

void state_commit(void) {
  json_t *doc = NULL, *actors = NULL;
  const char *step = "building it";
  int fd = -1, err = 0;

  if (!state.enabled || !state.dirty || state.frozen || state.restoring)
    return;
  /* A disk that just failed is tried again at the next change or retry,
     not at every flush of replies: a full disk is not written whole at
     every turn of the loop. */
  if (state.failing && !state.fresh) return;
  state.fresh = 0;
  if ((actors = json_array()) == NULL) goto fail;
  for (state_rec_t *r = state.recs; r != NULL; r = r->next)
    if (json_array_append(actors, r->spec) != 0) goto fail;
  doc = json_pack("{s:i, s:s, s:O, s:O}", "version", STATE_VERSION,
                  "actord", ACT_VERSION, "plugins", state.plugins, "actors",
                  actors);
  if (doc == NULL) goto fail;
  /* Each step keeps its errno: the report names the one that failed. */
  step = "creating state.json.tmp";
  fd = open(state.tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) goto fail_errno;
  step = "writing state.json.tmp";
  errno = 0;
  if (json_dumpfd(doc, fd, JSON_INDENT(1)) != 0 || write(fd, "\n", 1) != 1)
    goto fail_errno;
  step = "fsync of state.json.tmp";
  if (fsync(fd) != 0) goto fail_errno;
  step = "closing state.json.tmp";
  if (close(fd) != 0) {
    fd = -1;
    goto fail_errno;
  }
  fd = -1;
  step = "renaming state.json.tmp over it";
  if (rename(state.tmp, state.path) != 0) goto fail_errno;
  state_sync_dir();
  state.dirty = 0;
  json_decref(doc);
  json_decref(actors);
  state_saved();
  return;

fail_errno:
  /* A short write without an errno is a full disk by another name. */
  err = errno ? errno : ENOSPC;
fail:
  if (fd >= 0) close(fd);
  /* The old file stays as it was; the temporary one is never left behind
     (a crash here leaves it, and the next start removes it). */
  unlink(state.tmp);
  json_decref(doc);
  json_decref(actors);
  /* Stay dirty: the retry and the next change try again. */
  state_failed(step, err);
}

void state_freeze(void) {
  /* One last try at shutdown, also when the disk failed just before. */
  state.fresh = 1;
  state_commit();
  state.frozen = 1;
  if (state.retry_init) uv_timer_stop(&state.retry);
}

void state_free(void) {
  state_rec_t *r, *next;

  for (r = state.recs; r != NULL; r = next) {
    next = r->next;
    json_decref(r->spec);
    free(r);
  }
  state.recs = NULL;
  state.tail = &state.recs;
  json_decref(state.plugins);
  json_decref(state.loaded);
  state.plugins = state.loaded = NULL;
  if (state.idle_init) {
    state.idle_init = 0;
    uv_close((uv_handle_t *)&state.idle, NULL);
  }
  if (state.retry_init) {
    state.retry_init = 0;
    uv_close((uv_handle_t *)&state.retry, NULL);
  }
}
