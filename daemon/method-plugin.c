/* method-plugin.c - plugin.list, plugin.load, plugin.unload, plugin.deploy
   (whose work is in deploy.c). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actor/error.h"
#include "actord.h"
#include "conn.h"
#include "deploy.h"
#include "events.h"
#include "logs.h"
#include "methods.h"
#include "state.h"

static void method_plugin_add(void *arg, const loader_plugin_t *p) {
  json_t *arr = arg, *o = loader_plugin_json(actord.loader, p);
  if (o != NULL) json_array_append_new(arr, o);
}

void method_plugin_list(conn_t *c, json_t *id, json_t *params) {
  json_t *arr = json_array();

  (void)params;
  if (arr == NULL) {
    conn_fail(c, id, ACT_ENOMEM, "plugin.list: out of memory");
    return;
  }
  loader_foreach(actord.loader, method_plugin_add, arr);
  conn_result(c, id, arr);
}

typedef struct plugin_by_path {
  const char *path;
  const loader_plugin_t *found;
} plugin_by_path_t;

static void method_plugin_match(void *arg, const loader_plugin_t *p) {
  plugin_by_path_t *m = arg;
  if (m->found == NULL && p->path != NULL && strcmp(p->path, m->path) == 0)
    m->found = p;
}

/* Is the file in one of the plugin directories? */
static int method_plugin_in_dirs(const char *real) {
  char dir[PATH_MAX], rdir[PATH_MAX];
  char *slash;

  snprintf(dir, sizeof(dir), "%s", real);
  if ((slash = strrchr(dir, '/')) == NULL) return 0;
  *slash = '\0';
  for (size_t i = 0; i < actord.n_plugin_dirs; i++)
    if (realpath(actord.plugin_dirs[i], rdir) != NULL && !strcmp(rdir, dir))
      return 1;
  return 0;
}

/* The params' "path" for load and deploy: absolute, resolved into real,
   and allowed for this client. -1 after an error reply. */
static int method_plugin_path(conn_t *c, json_t *id, json_t *params,
                              char *real) {
  const char *path;

  if (methods_string(c, id, params, "path", 1, &path) != 0) return -1;
  /* The daemon's working directory means nothing to a client. */
  if (path[0] != '/') {
    conn_invalid(c, id, "path: expected an absolute path, got \"%s\"", path);
    return -1;
  }
  if (realpath(path, real) == NULL) {
    conn_fail(c, id, errno == ENOENT ? ACT_ENOENT : ACT_EPLUGIN, "%s: %s",
              path, strerror(errno));
    return -1;
  }
  /* Code from anywhere runs with the daemon's rights: only its own user
     may load it from outside the plugin directories. */
  if (!c->internal && c->uid != actord.uid && !method_plugin_in_dirs(real)) {
    conn_fail(c, id, ACT_EDENIED,
              "permission denied: %s is outside the plugin directories, and "
              "only uid %d may load from there",
              real, (int)actord.uid);
    return -1;
  }
  return 0;
}

void method_plugin_load(conn_t *c, json_t *id, json_t *params) {
  const loader_plugin_t *p = NULL;
  plugin_by_path_t m;
  char real[PATH_MAX], err[512];
  int rc;

  if (method_plugin_path(c, id, params, real) != 0) return;
  m.path = real;
  m.found = NULL;
  loader_foreach(actord.loader, method_plugin_match, &m);
  if (m.found != NULL) {
    /* Loading the same file again changes nothing. */
    conn_result(c, id, loader_plugin_json(actord.loader, m.found));
    return;
  }
  err[0] = '\0';
  rc = loader_load(actord.loader, real, &p, err, sizeof(err));
  if (rc != 0 || p == NULL) {
    if (rc == 0) rc = ACT_EINTERNAL;
    conn_fail(c, id, rc, "%s", err[0] ? err : act_strerror(rc));
    return;
  }
  logs_info("loaded plugin %s %s from %s", p->name, p->version, real);
  state_plugin_add(p->name, real);
  events_emit("load", json_pack("{s:n, s:s, s:s, s:s, s:s}", "id", "name",
                                p->name, "plugin", p->name, "version",
                                p->version, "path", real));
  conn_result(c, id, loader_plugin_json(actord.loader, p));
}

void method_plugin_unload(conn_t *c, json_t *id, json_t *params) {
  const loader_plugin_t *p;
  const char *name;
  json_t *entry;
  char err[512];
  int rc;

  if (methods_string(c, id, params, "name", 1, &name) != 0) return;
  if ((p = loader_find(actord.loader, name)) == NULL) {
    conn_fail(c, id, ACT_ENOENT, "no plugin named \"%s\"", name);
    return;
  }
  if (p->builtin) {
    conn_fail(c, id, ACT_EDENIED, "plugin \"%s\" is built into actord",
              name);
    return;
  }
  if ((entry = loader_plugin_json(actord.loader, p)) == NULL) {
    conn_fail(c, id, ACT_ENOMEM, "plugin.unload: out of memory");
    return;
  }
  err[0] = '\0';
  rc = loader_unload(actord.loader, name, err, sizeof(err));
  if (rc != 0) {
    if (rc == ACT_EUNAVAIL && err[0] == '\0')
      conn_fail(c, id, rc, "plugin \"%s\" is in use by %lld actors", name,
                (long long)json_integer_value(json_object_get(entry, "actors")));
    else
      conn_fail(c, id, rc, "%s", err[0] ? err : act_strerror(rc));
    json_decref(entry);
    return;
  }
  logs_info("unloaded plugin %s", name);
  state_plugin_remove(name);
  events_emit("unload", json_pack("{s:n, s:s, s:s}", "id", "name", name,
                                  "plugin", name));
  conn_result(c, id, entry);
}

void method_plugin_deploy(conn_t *c, json_t *id, json_t *params) {
  const char *strategy;
  char real[PATH_MAX], got[80];
  uint64_t watch;

  if (methods_string(c, id, params, "strategy", 0, &strategy) != 0 ||
      methods_uint(c, id, params, "watch_ms", DEPLOY_WATCH_MS,
                   DEPLOY_WATCH_MAX_MS, &watch) != 0)
    return;
  if (strategy != NULL && strcmp(strategy, "code_change") != 0 &&
      strcmp(strategy, "restart") != 0) {
    conn_invalid(c, id, "strategy: expected \"code_change\" or \"restart\", "
                 "got %s", methods_describe(json_object_get(params, "strategy"),
                                            got, sizeof(got)));
    return;
  }
  if (method_plugin_path(c, id, params, real) != 0) return;
  deploy_start(c, id, real,
               strategy != NULL && strcmp(strategy, "restart") == 0, watch);
}
