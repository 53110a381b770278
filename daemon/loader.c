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
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
  loader_entry_t **old; /* versions replaced by loader_upgrade, still open */
  size_t nold, capold;
  unsigned copies;      /* for unique names of deploy copies */
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
  if (ld == NULL)
    return 0; /* an upgrade: the name must be taken, see loader_upgrade */
  other = loader_entry_find(ld, desc->name, NULL);
  if (other != NULL) {
    loader_err(errbuf, errlen, "%s: a plugin named \"%s\" is already loaded "
               "(%s)", what, desc->name,
               other->pub.builtin ? "built in" : other->path);
    return ACT_EEXIST;
  }
  /* Registered with the runtime by its embedder, not through the loader. */
  if (act_runtime_lookup(ld->rt, desc->name) != NULL &&
      act_runtime_lookup(ld->rt, desc->name) != desc) {
    loader_err(errbuf, errlen, "%s: a plugin named \"%s\" is already loaded "
               "(built in)", what, desc->name);
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
  for (size_t i = 0; i < ld->nold; i++)
    loader_entry_free(ld->old[i]);
  free(ld->v);
  free(ld->old);
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

/* Is path a regular file? Its real path goes to resolved (PATH_MAX). */
static int loader_stat(const char *path, char *resolved, char *errbuf,
                       size_t errlen) {
  struct stat st;

  if (path == NULL || path[0] == '\0') {
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
  return 0;
}

/* dlopen file, find and check its descriptor (with the name clash check
   when ld is given); messages name shown, the path the user gave. */
static int loader_open(loader_t *ld, const char *file, const char *shown,
                       void **dlp, const act_plugin_t **descp, char *errbuf,
                       size_t errlen) {
  const act_plugin_t *desc;
  void *dl;
  int rc;

  dlerror();
  dl = dlopen(file, RTLD_NOW | RTLD_LOCAL);
  if (dl == NULL) {
    loader_err(errbuf, errlen, "%s: cannot load: %s", shown,
               loader_dlerror(file));
    return ACT_EPLUGIN;
  }
  desc = dlsym(dl, ACT_PLUGIN_SYMBOL);
  if (desc == NULL) {
    loader_err(errbuf, errlen, "%s: no symbol \"%s\" (not an actord plugin)",
               shown, ACT_PLUGIN_SYMBOL);
    dlclose(dl);
    return ACT_EPLUGIN;
  }
  rc = loader_check(ld, desc, shown, errbuf, errlen);
  if (rc < 0) {
    dlclose(dl);
    return rc;
  }
  *dlp = dl;
  *descp = desc;
  return 0;
}

int loader_load(loader_t *ld, const char *path, const loader_plugin_t **out,
                char *errbuf, size_t errlen) {
  loader_entry_t *e = NULL;
  const act_plugin_t *desc;
  char resolved[PATH_MAX];
  void *dl = NULL;
  int rc;

  if (out != NULL)
    *out = NULL;
  if (errbuf != NULL && errlen > 0)
    errbuf[0] = '\0';
  if (ld == NULL) {
    loader_err(errbuf, errlen, "no loader");
    return ACT_EINVAL;
  }
  rc = loader_stat(path, resolved, errbuf, errlen);
  if (rc < 0)
    return rc;
  for (size_t i = ld->nbuiltin; i < ld->n; i++) {
    if (strcmp(ld->v[i]->path, resolved) == 0) {
      loader_err(errbuf, errlen, "%s: already loaded as plugin \"%s\"", path,
                 ld->v[i]->pub.name);
      return ACT_EEXIST;
    }
  }
  rc = loader_open(ld, resolved, path, &dl, &desc, errbuf, errlen);
  if (rc < 0)
    return rc;

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

/* Copy src to a new file in dir; its path goes to copy (PATH_MAX). */
static int loader_copy(loader_t *ld, const char *src, const char *dir,
                       char *copy, char *errbuf, size_t errlen) {
  const char *base = strrchr(src, '/');
  char buf[65536];
  ssize_t got, put;
  int in = -1, out = -1, rc = ACT_EIO;

  base = base != NULL ? base + 1 : src;
  if (snprintf(copy, PATH_MAX, "%s/.deploy-%ld-%u-%s", dir, (long)getpid(),
               ++ld->copies, base) >= PATH_MAX) {
    loader_err(errbuf, errlen, "%s: path too long for a copy in %s", src, dir);
    return ACT_EINVAL;
  }
  in = open(src, O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    loader_err(errbuf, errlen, "%s: %s", src, strerror(errno));
    goto fail;
  }
  out = open(copy, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (out < 0) {
    loader_err(errbuf, errlen, "%s: cannot copy to %s: %s", src, copy,
               strerror(errno));
    goto fail;
  }
  while ((got = read(in, buf, sizeof(buf))) != 0) {
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0) {
      loader_err(errbuf, errlen, "%s: %s", src, strerror(errno));
      goto fail;
    }
    for (ssize_t off = 0; off < got; off += put) {
      put = write(out, buf + off, (size_t)(got - off));
      if (put < 0 && errno == EINTR) {
        put = 0;
        continue;
      }
      if (put < 0) {
        loader_err(errbuf, errlen, "%s: cannot copy to %s: %s", src, copy,
                   strerror(errno));
        goto fail;
      }
    }
  }
  rc = 0;

fail:
  if (in >= 0)
    close(in);
  if (out >= 0 && close(out) < 0 && rc == 0) {
    loader_err(errbuf, errlen, "%s: cannot copy to %s: %s", src, copy,
               strerror(errno));
    rc = ACT_EIO;
  }
  if (rc < 0 && out >= 0)
    unlink(copy);
  return rc;
}

/* Keep a replaced version open until its actors are gone. */
static int loader_keep_old(loader_t *ld, loader_entry_t *e) {
  loader_entry_t **v;

  if (ld->nold == ld->capold) {
    size_t cap = ld->capold ? ld->capold * 2 : 4;
    v = realloc(ld->old, cap * sizeof(*v));
    if (v == NULL)
      return ACT_ENOMEM;
    ld->old = v;
    ld->capold = cap;
  }
  ld->old[ld->nold++] = e;
  return 0;
}

int loader_upgrade(loader_t *ld, const char *path, const char *dir,
                   const loader_plugin_t **out, const act_plugin_t **old,
                   char *errbuf, size_t errlen) {
  loader_entry_t *cur, *prev = NULL;
  const act_plugin_t *desc = NULL;
  char resolved[PATH_MAX], copy[PATH_MAX], *rpath = NULL;
  void *dl = NULL;
  int rc;

  if (out != NULL)
    *out = NULL;
  if (old != NULL)
    *old = NULL;
  if (errbuf != NULL && errlen > 0)
    errbuf[0] = '\0';
  if (ld == NULL || dir == NULL) {
    loader_err(errbuf, errlen, "deploy: no loader or no directory for the "
               "copy");
    return ACT_EINVAL;
  }
  rc = loader_stat(path, resolved, errbuf, errlen);
  if (rc < 0)
    return rc;
  rc = loader_copy(ld, resolved, dir, copy, errbuf, errlen);
  if (rc < 0)
    return rc;
  rc = loader_open(NULL, copy, path, &dl, &desc, errbuf, errlen);
  /* The mapping outlives the name: nothing is left to clean up later. */
  unlink(copy);
  if (rc < 0)
    return rc;

  cur = loader_entry_find(ld, desc->name, NULL);
  if (cur == NULL) {
    loader_err(errbuf, errlen, "%s: no plugin named \"%s\" is loaded (load "
               "it before deploying a new version)", path, desc->name);
    rc = ACT_ENOENT;
    goto fail;
  }
  if (cur->pub.builtin) {
    loader_err(errbuf, errlen, "%s: plugin \"%s\" is built in and cannot be "
               "replaced", path, desc->name);
    rc = ACT_EDENIED;
    goto fail;
  }
  prev = calloc(1, sizeof(*prev));
  rpath = strdup(resolved);
  if (prev == NULL || rpath == NULL || loader_keep_old(ld, prev) < 0) {
    loader_err(errbuf, errlen, "%s: out of memory", path);
    rc = ACT_ENOMEM;
    goto fail;
  }
  rc = act_runtime_replace(ld->rt, desc);
  if (rc < 0) {
    ld->nold--;
    loader_err(errbuf, errlen, "%s: cannot replace plugin \"%s\": %s", path,
               desc->name, act_strerror(rc));
    goto fail;
  }
  /* The entry keeps its place in the list; what it held moves to prev. */
  *prev = *cur;
  prev->pub.path = prev->path;
  cur->dl = dl;
  cur->path = rpath;
  cur->pub.name = desc->name;
  cur->pub.version = desc->version != NULL ? desc->version : "";
  cur->pub.path = cur->path;
  cur->pub.desc = desc;
  if (out != NULL)
    *out = &cur->pub;
  if (old != NULL)
    *old = prev->pub.desc;
  return 0;

fail:
  free(prev);
  free(rpath);
  dlclose(dl);
  return rc;
}

int loader_rollback(loader_t *ld, const char *name, const act_plugin_t *old,
                    char *errbuf, size_t errlen) {
  loader_entry_t *cur, *prev, tmp;
  size_t i;
  int rc;

  if (errbuf != NULL && errlen > 0)
    errbuf[0] = '\0';
  if (ld == NULL || name == NULL || old == NULL) {
    loader_err(errbuf, errlen, "rollback: expected a plugin and a version");
    return ACT_EINVAL;
  }
  cur = loader_entry_find(ld, name, NULL);
  for (i = 0; i < ld->nold; i++)
    if (ld->old[i]->pub.desc == old)
      break;
  if (cur == NULL || cur->pub.builtin || i == ld->nold ||
      strcmp(old->name, name) != 0) {
    loader_err(errbuf, errlen, "rollback: no earlier version of plugin "
               "\"%s\" is open", name);
    return ACT_ENOENT;
  }
  prev = ld->old[i];
  rc = act_runtime_replace(ld->rt, old);
  if (rc < 0) {
    loader_err(errbuf, errlen, "rollback: cannot restore plugin \"%s\": %s",
               name, act_strerror(rc));
    return rc;
  }
  /* Swap: the old version is current again, the new one waits to be
     collected. */
  tmp = *cur;
  *cur = *prev;
  *prev = tmp;
  cur->pub.path = cur->path;
  prev->pub.path = prev->path;
  return 0;
}

int loader_collect(loader_t *ld) {
  size_t keep = 0;
  int closed = 0;

  if (ld == NULL)
    return 0;
  for (size_t i = 0; i < ld->nold; i++) {
    if (act_runtime_count(ld->rt, ld->old[i]->pub.desc) == 0) {
      loader_entry_free(ld->old[i]);
      closed++;
    } else {
      ld->old[keep++] = ld->old[i];
    }
  }
  ld->nold = keep;
  return closed;
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
  for (size_t k = 0; k < ld->nold; k++)
    if (strcmp(ld->old[k]->pub.name, name) == 0)
      actors += act_runtime_count(ld->rt, ld->old[k]->pub.desc);
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
  loader_collect(ld); /* its old versions, unused as counted above */
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
