/*
 * loader.c - loading plugins (shared objects) into the runtime.
 *
 * Loading is all or nothing, as redis' moduleLoad: the file is opened with
 * dlopen(RTLD_NOW|RTLD_LOCAL), so that a missing symbol fails here and not
 * at the first message, and every check runs before the descriptor is
 * registered. Any failure closes the file again and leaves exactly one line
 * in errbuf that names the file and what is wrong with it.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "loader.h"

typedef struct loader_entry {
  loader_plugin_t pub; /* what callers see; pointers into the entry or .so */
  char *path;          /* the resolved path, or "" for a built-in */
  void *dl;            /* the dlopen handle, NULL for a built-in */
} loader_entry_t;

struct loader {
  act_runtime_t *rt;
  loader_entry_t **v; /* built-ins first, then in load order */
  size_t n, cap;
  size_t nbuiltin;
};

/* snprintf into errbuf, which may be NULL or empty. */
__attribute__((format(printf, 3, 4))) static void
loader_err(char *errbuf, size_t errlen, const char *fmt, ...) {
  va_list ap;

  if (errbuf == NULL || errlen == 0)
    return;
  va_start(ap, fmt);
  vsnprintf(errbuf, errlen, fmt, ap);
  va_end(ap);
}

static void loader_entry_free(loader_entry_t *e) {
  if (e == NULL)
    return;
  if (e->dl != NULL)
    dlclose(e->dl);
  if (e->path != NULL && e->path[0] != '\0')
    free(e->path);
  free(e);
}

/* Insert at index at, keeping the order of the others. */
static int loader_insert(loader_t *ld, size_t at, loader_entry_t *e) {
  loader_entry_t **v;

  if (ld->n == ld->cap) {
    size_t cap = ld->cap ? ld->cap * 2 : 8;
    v = realloc(ld->v, cap * sizeof(*v));
    if (v == NULL)
      return ACT_ENOMEM;
    ld->v = v;
    ld->cap = cap;
  }
  memmove(&ld->v[at + 1], &ld->v[at], (ld->n - at) * sizeof(*ld->v));
  ld->v[at] = e;
  ld->n++;
  return 0;
}

static loader_entry_t *loader_entry_find(const loader_t *ld, const char *name,
                                         size_t *index) {
  for (size_t i = 0; i < ld->n; i++) {
    if (strcmp(ld->v[i]->pub.name, name) == 0) {
      if (index != NULL)
        *index = i;
      return ld->v[i];
    }
  }
  return NULL;
}

/* The checks every descriptor passes, loaded or built in. what names the
   descriptor's origin in the message (a file, or "built-in"). */
static int loader_check(loader_t *ld, const act_plugin_t *desc,
                        const char *what, char *errbuf, size_t errlen) {
  const loader_entry_t *other;

  if (desc->abi_version != ACT_ABI_VERSION) {
    loader_err(errbuf, errlen, "%s: ABI version %u, this actord speaks %u",
               what, desc->abi_version, (unsigned)ACT_ABI_VERSION);
    return ACT_EPLUGIN;
  }
  if (desc->size != sizeof(act_plugin_t)) {
    loader_err(errbuf, errlen, "%s: descriptor size %u, expected %zu (built "
               "against another actor/plugin.h?)", what, desc->size,
               sizeof(act_plugin_t));
    return ACT_EPLUGIN;
  }
  if (desc->name == NULL) {
    loader_err(errbuf, errlen, "%s: the descriptor has no name", what);
    return ACT_EPLUGIN;
  }
  if (!act_name_valid(desc->name)) {
    loader_err(errbuf, errlen, "%s: plugin name \"%.80s\" is not valid "
               "(letters, digits, _ . -, not starting with a digit, . or -, "
               "at most %d bytes)", what, desc->name, ACT_NAME_MAX);
    return ACT_EPLUGIN;
  }
  if (desc->handle == NULL) {
    loader_err(errbuf, errlen, "%s: plugin \"%s\" has no handle callback",
               what, desc->name);
    return ACT_EPLUGIN;
  }
  if (desc->flags != 0) {
    loader_err(errbuf, errlen, "%s: plugin \"%s\" sets unknown flags 0x%x",
               what, desc->name, desc->flags);
    return ACT_EPLUGIN;
  }
  other = loader_entry_find(ld, desc->name, NULL);
  if (other != NULL) {
    loader_err(errbuf, errlen, "%s: a plugin named \"%s\" is already loaded "
               "(%s)", what, desc->name,
               other->pub.builtin ? "built in" : other->path);
    return ACT_EEXIST;
  }
  return 0;
}

int loader_add_builtin(loader_t *ld, const act_plugin_t *desc) {
  loader_entry_t *e;
  char err[256];
  int rc;

  if (ld == NULL || desc == NULL)
    return ACT_EINVAL;
  rc = loader_check(ld, desc, "built-in", err, sizeof(err));
  if (rc < 0)
    return rc;
  /* The runtime may know its own built-ins already; the same descriptor
     under its name is not a clash. */
  if (act_runtime_lookup(ld->rt, desc->name) != desc) {
    rc = act_runtime_register(ld->rt, desc);
    if (rc < 0)
      return rc;
  }
  e = calloc(1, sizeof(*e));
  if (e == NULL)
    return ACT_ENOMEM;
  e->path = "";
  e->pub.name = desc->name;
  e->pub.version = desc->version != NULL ? desc->version : "";
  e->pub.path = e->path;
  e->pub.desc = desc;
  e->pub.builtin = 1;
  rc = loader_insert(ld, ld->nbuiltin, e);
  if (rc < 0) {
    free(e);
    return rc;
  }
  ld->nbuiltin++;
  return 0;
}

int loader_new(act_runtime_t *rt, loader_t **out) {
  loader_t *ld;
  int rc;

  if (rt == NULL || out == NULL)
    return ACT_EINVAL;
  *out = NULL;
  ld = calloc(1, sizeof(*ld));
  if (ld == NULL)
    return ACT_ENOMEM;
  ld->rt = rt;
  rc = loader_add_builtin(ld, &act_supervisor_plugin);
  if (rc < 0)
    goto fail;
  *out = ld;
  return 0;

fail:
  loader_free(ld);
  return rc;
}

void loader_free(loader_t *ld) {
  if (ld == NULL)
    return;
  for (size_t i = 0; i < ld->n; i++)
    loader_entry_free(ld->v[i]);
  free(ld->v);
  free(ld);
}

/* dlerror() starts with the path it was given; the caller names the file
   already, so keep only what follows. */
static const char *loader_dlerror(const char *resolved) {
  const char *msg = dlerror();
  size_t len = strlen(resolved);

  if (msg == NULL)
    return "unknown dlopen error";
  if (strncmp(msg, resolved, len) == 0 && strncmp(msg + len, ": ", 2) == 0)
    return msg + len + 2;
  return msg;
}

int loader_load(loader_t *ld, const char *path, const loader_plugin_t **out,
                char *errbuf, size_t errlen) {
  loader_entry_t *e = NULL;
  const act_plugin_t *desc;
  char resolved[PATH_MAX];
  struct stat st;
  void *dl = NULL;
  int rc;

  if (out != NULL)
    *out = NULL;
  if (errbuf != NULL && errlen > 0)
    errbuf[0] = '\0';
  if (ld == NULL || path == NULL || path[0] == '\0') {
    loader_err(errbuf, errlen, "plugin path: expected a file name");
    return ACT_EINVAL;
  }
  if (stat(path, &st) < 0) {
    loader_err(errbuf, errlen, "%s: %s", path, strerror(errno));
    return errno == ENOENT || errno == ENOTDIR ? ACT_ENOENT
           : errno == EACCES                   ? ACT_EDENIED
                                               : ACT_EIO;
  }
  if (!S_ISREG(st.st_mode)) {
    loader_err(errbuf, errlen, "%s: not a regular file", path);
    return ACT_EPLUGIN;
  }
  /* dlopen searches the library path for a name without a slash, and
     caches by path: give it the one real path of the file. */
  if (realpath(path, resolved) == NULL) {
    loader_err(errbuf, errlen, "%s: %s", path, strerror(errno));
    return ACT_EIO;
  }
  for (size_t i = ld->nbuiltin; i < ld->n; i++) {
    if (strcmp(ld->v[i]->path, resolved) == 0) {
      loader_err(errbuf, errlen, "%s: already loaded as plugin \"%s\"", path,
                 ld->v[i]->pub.name);
      return ACT_EEXIST;
    }
  }

  dlerror();
  dl = dlopen(resolved, RTLD_NOW | RTLD_LOCAL);
  if (dl == NULL) {
    loader_err(errbuf, errlen, "%s: cannot load: %s", path,
               loader_dlerror(resolved));
    return ACT_EPLUGIN;
  }
  desc = dlsym(dl, ACT_PLUGIN_SYMBOL);
  if (desc == NULL) {
    loader_err(errbuf, errlen, "%s: no symbol \"%s\" (not an actord plugin)",
               path, ACT_PLUGIN_SYMBOL);
    rc = ACT_EPLUGIN;
    goto fail;
  }
  rc = loader_check(ld, desc, path, errbuf, errlen);
  if (rc < 0)
    goto fail;

  e = calloc(1, sizeof(*e));
  if (e == NULL || (e->path = strdup(resolved)) == NULL) {
    loader_err(errbuf, errlen, "%s: out of memory", path);
    rc = ACT_ENOMEM;
    goto fail;
  }
  rc = act_runtime_register(ld->rt, desc);
  if (rc < 0) {
    loader_err(errbuf, errlen, "%s: cannot register plugin \"%s\": %s", path,
               desc->name, act_strerror(rc));
    goto fail;
  }
  rc = loader_insert(ld, ld->n, e);
  if (rc < 0) {
    act_runtime_unregister(ld->rt, desc->name);
    loader_err(errbuf, errlen, "%s: out of memory", path);
    goto fail;
  }
  e->dl = dl;
  e->pub.name = desc->name;
  e->pub.version = desc->version != NULL ? desc->version : "";
  e->pub.path = e->path;
  e->pub.desc = desc;
  e->pub.builtin = 0;
  if (out != NULL)
    *out = &e->pub;
  return 0;

fail:
  if (e != NULL) {
    free(e->path);
    free(e);
  }
  dlclose(dl);
  return rc;
}

static int loader_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int loader_load_dir(loader_t *ld, const char *dir,
                    void (*log_cb)(void *arg, const char *line), void *arg) {
  char **names = NULL, **grown, line[PATH_MAX + 512], path[PATH_MAX];
  size_t n = 0, cap = 0, len;
  struct dirent *de;
  DIR *d;
  int loaded = 0;

  if (ld == NULL || dir == NULL)
    return 0;
  d = opendir(dir);
  if (d == NULL) {
    if (log_cb != NULL) {
      snprintf(line, sizeof(line), "%s: cannot open plugin directory: %s",
               dir, strerror(errno));
      log_cb(arg, line);
    }
    return 0;
  }
  while ((de = readdir(d)) != NULL) {
    len = strlen(de->d_name);
    if (len < 4 || strcmp(de->d_name + len - 3, ".so") != 0 ||
        de->d_name[0] == '.')
      continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      grown = realloc(names, cap * sizeof(*names));
      if (grown == NULL)
        break;
      names = grown;
    }
    if ((names[n] = strdup(de->d_name)) == NULL)
      break;
    n++;
  }
  closedir(d);

  /* In name order, so that what a clash keeps does not depend on readdir. */
  if (n > 0)
    qsort(names, n, sizeof(*names), loader_cmp);
  for (size_t i = 0; i < n; i++) {
    if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >=
        (int)sizeof(path)) {
      snprintf(line, sizeof(line), "%s/%s: path too long", dir, names[i]);
      if (log_cb != NULL)
        log_cb(arg, line);
    } else if (loader_load(ld, path, NULL, line, sizeof(line)) == 0) {
      loaded++;
    } else if (log_cb != NULL) {
      log_cb(arg, line);
    }
    free(names[i]);
  }
  free(names);
  return loaded;
}

int loader_unload(loader_t *ld, const char *name, char *errbuf,
                  size_t errlen) {
  loader_entry_t *e;
  unsigned actors;
  size_t i;
  int rc;

  if (errbuf != NULL && errlen > 0)
    errbuf[0] = '\0';
  if (ld == NULL || name == NULL) {
    loader_err(errbuf, errlen, "name: expected a plugin name");
    return ACT_EINVAL;
  }
  e = loader_entry_find(ld, name, &i);
  if (e == NULL) {
    loader_err(errbuf, errlen, "no plugin named \"%s\"", name);
    return ACT_ENOENT;
  }
  if (e->pub.builtin) {
    loader_err(errbuf, errlen, "plugin \"%s\" is built in and cannot be "
               "unloaded", name);
    return ACT_EDENIED;
  }
  actors = act_runtime_count(ld->rt, e->pub.desc);
  if (actors > 0) {
    loader_err(errbuf, errlen, "plugin \"%s\" still runs %u actor%s; stop "
               "them first", name, actors, actors == 1 ? "" : "s");
    return ACT_EUNAVAIL;
  }
  rc = act_runtime_unregister(ld->rt, name);
  if (rc == ACT_EUNAVAIL) {
    loader_err(errbuf, errlen, "plugin \"%s\" still runs actors; stop them "
               "first", name);
    return rc;
  }
  if (rc < 0 && rc != ACT_ENOENT) {
    loader_err(errbuf, errlen, "plugin \"%s\": cannot unregister: %s", name,
               act_strerror(rc));
    return rc;
  }
  memmove(&ld->v[i], &ld->v[i + 1], (ld->n - i - 1) * sizeof(*ld->v));
  ld->n--;
  loader_entry_free(e);
  return 0;
}

const loader_plugin_t *loader_find(loader_t *ld, const char *name) {
  loader_entry_t *e;

  if (ld == NULL || name == NULL)
    return NULL;
  e = loader_entry_find(ld, name, NULL);
  return e != NULL ? &e->pub : NULL;
}

void loader_foreach(loader_t *ld,
                    void (*cb)(void *arg, const loader_plugin_t *p),
                    void *arg) {
  if (ld == NULL || cb == NULL)
    return;
  for (size_t i = 0; i < ld->n; i++)
    cb(arg, &ld->v[i]->pub);
}

json_t *loader_plugin_json(loader_t *ld, const loader_plugin_t *p) {
  const char *descr;

  if (ld == NULL || p == NULL)
    return NULL;
  descr = p->desc->description != NULL ? p->desc->description : "";
  return json_pack("{s:s,s:s,s:s,s:I,s:b,s:s}", "name", p->name, "version",
                   p->version, "path", p->path, "actors",
                   (json_int_t)act_runtime_count(ld->rt, p->desc), "builtin",
                   p->builtin, "description", descr);
}
