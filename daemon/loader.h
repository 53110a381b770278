/*
 * loader.h - loading plugins (shared objects) into the runtime.
 *
 * A plugin is loaded all or nothing: dlopen(RTLD_NOW|RTLD_LOCAL), the one
 * symbol ACT_PLUGIN_SYMBOL, then the checks (ABI version, descriptor size,
 * name well-formed and not taken, handle present); any failure unloads it
 * again and leaves one line in errbuf that names the file and the problem,
 * e.g. "counter.so: ABI version 7, this actord speaks 1".
 */
#ifndef DAEMON_LOADER_H
#define DAEMON_LOADER_H

#include <stddef.h>
#include <jansson.h>

#include "actor/runtime.h"

typedef struct loader loader_t;

typedef struct loader_plugin {
  const char *name;    /* the descriptor's */
  const char *version; /* the descriptor's */
  const char *path;    /* the file it was loaded from ("" if built in) */
  const act_plugin_t *desc;
  int builtin;         /* built into actord (supervisor, exec) */
} loader_plugin_t;

/* Built-in behaviours (act_supervisor_plugin, ...) are registered here too,
   so that plugin.list shows them. */
int loader_new(act_runtime_t *rt, loader_t **out);
/* dlcloses what it loaded: call it after act_runtime_free (or at least once
   no actor runs and the runtime no longer looks at the descriptors). */
void loader_free(loader_t *ld);

int loader_add_builtin(loader_t *ld, const act_plugin_t *desc);
/* Load one file; *out (may be NULL) receives the entry. Returns 0 or a
   negative act_errno_t (ACT_EPLUGIN, ACT_EEXIST, ACT_ENOENT, ...), with one
   line of explanation in errbuf. */
int loader_load(loader_t *ld, const char *path, const loader_plugin_t **out,
                char *errbuf, size_t errlen);
/* Load every *.so of a directory; failures are logged through log_cb and do
   not stop the others. Returns how many were loaded. */
int loader_load_dir(loader_t *ld, const char *dir,
                    void (*log_cb)(void *arg, const char *line), void *arg);
/* ACT_ENOENT if unknown, ACT_EUNAVAIL while actors of it live, ACT_EDENIED
   for a built-in. */
int loader_unload(loader_t *ld, const char *name, char *errbuf,
                  size_t errlen);
const loader_plugin_t *loader_find(loader_t *ld, const char *name);

/*
 * Deploy support. loader_upgrade loads a new version of a loaded plugin
 * beside the old one: the file is first copied into dir (dlopen caches by
 * path, and the file may be rebuilt in place), opened with the same checks
 * as loader_load, except that its name must be that of a loaded plugin that
 * is not built in; then the runtime's name points at it
 * (act_runtime_replace), so new spawns run it while running actors keep the
 * old version until they are moved. *out (may be NULL) receives the entry,
 * *old the descriptor it replaced. The old version stays open until
 * loader_collect finds no actor running it. One line in errbuf on failure,
 * as loader_load.
 */
int loader_upgrade(loader_t *ld, const char *path, const char *dir,
                   const loader_plugin_t **out, const act_plugin_t **old,
                   char *errbuf, size_t errlen);
/* Undo an upgrade: name points at old again (a descriptor loader_upgrade
   gave back and that was not collected); the version it replaces waits for
   its actors to be gone like any old version. ACT_ENOENT when either is
   unknown. */
int loader_rollback(loader_t *ld, const char *name, const act_plugin_t *old,
                    char *errbuf, size_t errlen);
/* Close the old versions that no actor runs any more; returns how many. */
int loader_collect(loader_t *ld);
/* Calls cb for each plugin, built-ins first, then in load order. */
void loader_foreach(loader_t *ld,
                    void (*cb)(void *arg, const loader_plugin_t *p),
                    void *arg);
/* {"name","version","path","actors","builtin"}; new reference. */
json_t *loader_plugin_json(loader_t *ld, const loader_plugin_t *p);

#endif /* DAEMON_LOADER_H */
