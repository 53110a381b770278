/*
 * test-loader.c - daemon/loader.c against real shared objects: the bundled
 * plugins and the broken ones of tests/plugins (built into
 * TEST_BUILD_DIR/tests/plugins). Each refusal must leave one line naming the
 * file and the problem, and nothing registered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "actor/runtime.h"
#include "runner.h"
#include "../../daemon/loader.h"

#ifndef TEST_BUILD_DIR
#define TEST_BUILD_DIR "build"
#endif

static act_runtime_t *l_rt;
static loader_t *l_ld;

static void l_start(void) {
  act_runtime_opts_t opts = ACT_RUNTIME_OPTS_INIT;

  opts.threads = 1;
  ASSERT(act_runtime_new(&opts, &l_rt) == 0);
  ASSERT(act_runtime_start(l_rt) == 0);
  ASSERT(loader_new(l_rt, &l_ld) == 0);
}

/* The runtime goes first: it may look at the descriptors until it is
   freed, and they live in the shared objects loader_free closes. */
static void l_stop(void) {
  ASSERT(act_runtime_stop(l_rt, 5000) == 0);
  act_runtime_free(l_rt);
  loader_free(l_ld);
}

/* A test plugin's path. */
static const char *l_test_so(const char *name) {
  static char buf[4][512];
  static int next;
  char *p = buf[next++ % 4];

  snprintf(p, sizeof(buf[0]), "%s/tests/plugins/%s", TEST_BUILD_DIR, name);
  return p;
}

static const char *l_bundled_so(const char *name) {
  static char buf[512];

  snprintf(buf, sizeof(buf), "%s/plugins/%s", TEST_BUILD_DIR, name);
  return buf;
}

/* Loading path must fail with err and a single line containing text. */
static void l_refused(const char *path, int err, const char *text) {
  char line[1024];
  const loader_plugin_t *p = (const loader_plugin_t *)1;
  int rc;

  rc = loader_load(l_ld, path, &p, line, sizeof(line));
  if (rc != err || strstr(line, text) == NULL || strchr(line, '\n') != NULL ||
      strstr(line, path) == NULL) {
    fprintf(stderr, "load %s: got %d \"%s\", expected %d with \"%s\"\n", path,
            rc, line, err, text);
  }
  ASSERT(rc == err);
  ASSERT(strstr(line, text) != NULL);
  ASSERT(strstr(line, path) != NULL); /* names the file */
  ASSERT(strchr(line, '\n') == NULL); /* one line */
  ASSERT(p == NULL);
}

static int l_count(void) {
  int n = 0;

  for (const char *names[] = {"supervisor", "echo", "kv", "init_fails",
                              "bad_abi", "bad_size", "no_symbol", "undefined",
                              NULL},
                  **q = names;
       *q != NULL; q++)
    n += loader_find(l_ld, *q) != NULL;
  return n;
}

TEST_IMPL(loader_refuses_broken_plugins) {
  char abi[64];

  l_start();
  ASSERT(loader_load(l_ld, l_bundled_so("echo.so"), NULL, NULL, 0) == 0);
  ASSERT(l_count() == 2);

  snprintf(abi, sizeof(abi), "ABI version %d, this actord speaks %d",
           ACT_ABI_VERSION + 6, ACT_ABI_VERSION);
  l_refused(l_test_so("bad-abi.so"), ACT_EPLUGIN, abi);
  l_refused(l_test_so("bad-size.so"), ACT_EPLUGIN, "descriptor size");
  l_refused(l_test_so("no-symbol.so"), ACT_EPLUGIN,
            "no symbol \"act_plugin\"");
  l_refused(l_test_so("clash.so"), ACT_EEXIST,
            "a plugin named \"echo\" is already loaded");
  l_refused(l_test_so("bad-name.so"), ACT_EPLUGIN,
            "plugin name \"bad name!\" is not valid");
  l_refused(l_test_so("undefined.so"), ACT_EPLUGIN,
            "act_test_function_nobody_defines");
  l_refused(l_test_so("not-a-plugin.so"), ACT_EPLUGIN, "cannot load");
  l_refused(TEST_BUILD_DIR "/tests/plugins", ACT_EPLUGIN,
            "not a regular file");
  l_refused(l_test_so("no-such-file.so"), ACT_ENOENT, "No such file");
  l_refused(l_bundled_so("echo.so"), ACT_EEXIST,
            "already loaded as plugin \"echo\"");

  /* All or nothing: none of them left anything behind. */
  ASSERT(l_count() == 2);
  ASSERT(act_runtime_lookup(l_rt, "bad_abi") == NULL);
  ASSERT(act_runtime_lookup(l_rt, "undefined") == NULL);
  ASSERT(strcmp(loader_find(l_ld, "echo")->version, "1.0.0") == 0);
  l_stop();
  return 0;
}

static void l_list_cb(void *arg, const loader_plugin_t *p) {
  char *buf = arg;
  size_t len = strlen(buf);

  snprintf(buf + len, 256 - len, "%s%s ", p->name, p->builtin ? "*" : "");
}

TEST_IMPL(loader_builtins_and_json) {
  const loader_plugin_t *p;
  char list[256] = "";
  json_t *j;

  l_start();
  p = loader_find(l_ld, "supervisor");
  ASSERT(p != NULL && p->builtin && p->desc == &act_supervisor_plugin);
  ASSERT(act_runtime_lookup(l_rt, "supervisor") == &act_supervisor_plugin);
  /* A second registration of the same descriptor is a clash. */
  ASSERT(loader_add_builtin(l_ld, &act_supervisor_plugin) == ACT_EEXIST);

  ASSERT(loader_load(l_ld, l_test_so("example.so"), &p, NULL, 0) == 0);
  ASSERT(p != NULL && !p->builtin && strcmp(p->name, "kv") == 0);
  ASSERT(strstr(p->path, "/tests/plugins/example.so") != NULL);
  ASSERT(p->path[0] == '/'); /* resolved */

  j = loader_plugin_json(l_ld, p);
  ASSERT(strcmp(json_string_value(json_object_get(j, "name")), "kv") == 0);
  ASSERT(strcmp(json_string_value(json_object_get(j, "version")), "1.0.0") ==
         0);
  ASSERT(json_integer_value(json_object_get(j, "actors")) == 0);
  ASSERT(json_is_false(json_object_get(j, "builtin")));
  ASSERT(strcmp(json_string_value(json_object_get(j, "path")), p->path) == 0);
  json_decref(j);
  j = loader_plugin_json(l_ld, loader_find(l_ld, "supervisor"));
  ASSERT(json_is_true(json_object_get(j, "builtin")));
  ASSERT(strcmp(json_string_value(json_object_get(j, "path")), "") == 0);
  json_decref(j);

  ASSERT(loader_load(l_ld, l_bundled_so("counter.so"), NULL, NULL, 0) == 0);
  loader_foreach(l_ld, l_list_cb, list);
  ASSERT(strcmp(list, "supervisor* kv counter ") == 0);
  l_stop();
  return 0;
}

static int l_wait_count(const act_plugin_t *desc, unsigned n) {
  struct timespec ts = {0, 5 * 1000000L};
  uint64_t deadline = act_runtime_now_ms() + 5000;

  while (act_runtime_count(l_rt, desc) != n) {
    if (act_runtime_now_ms() >= deadline)
      return -1;
    nanosleep(&ts, NULL);
  }
  return 0;
}

TEST_IMPL(loader_unload) {
  act_spawn_opts_t so = ACT_SPAWN_OPTS_INIT;
  const loader_plugin_t *p;
  const act_plugin_t *desc;
  char line[256];
  act_id_t id;

  l_start();
  ASSERT(loader_load(l_ld, l_test_so("example.so"), &p, NULL, 0) == 0);
  desc = p->desc;
  so.plugin = "kv";
  ASSERT(act_runtime_spawn(l_rt, &so, &id) == 0);
  ASSERT(l_wait_count(desc, 1) == 0);

  ASSERT(loader_unload(l_ld, "kv", line, sizeof(line)) == ACT_EUNAVAIL);
  ASSERT(strstr(line, "still runs 1 actor") != NULL);
  ASSERT(loader_find(l_ld, "kv") != NULL);
  ASSERT(loader_unload(l_ld, "supervisor", line, sizeof(line)) ==
         ACT_EDENIED);
  ASSERT(strstr(line, "built in") != NULL);
  ASSERT(loader_unload(l_ld, "nosuch", line, sizeof(line)) == ACT_ENOENT);
  ASSERT(strstr(line, "\"nosuch\"") != NULL);

  ASSERT(act_runtime_kill(l_rt, id, NULL) == 0);
  ASSERT(l_wait_count(desc, 0) == 0);
  ASSERT(loader_unload(l_ld, "kv", line, sizeof(line)) == 0);
  ASSERT(loader_find(l_ld, "kv") == NULL);
  ASSERT(act_runtime_lookup(l_rt, "kv") == NULL);
  /* Gone for good: it loads again from the same file. */
  ASSERT(loader_load(l_ld, l_test_so("example.so"), NULL, NULL, 0) == 0);
  l_stop();
  return 0;
}

typedef struct l_lines {
  int n;
  char text[4096];
} l_lines_t;

static void l_log_cb(void *arg, const char *line) {
  l_lines_t *l = arg;
  size_t len = strlen(l->text);

  l->n++;
  snprintf(l->text + len, sizeof(l->text) - len, "%s\n", line);
}

TEST_IMPL(loader_load_dir) {
  l_lines_t lines = {0, ""};
  int loaded;

  l_start();
  /* In name order: clash.so (named "echo") loads here, since no echo is
     loaded; counter-broken (a "counter"), example (kv) and init-fails
     load; counter-crashy and counter-v2 clash with counter-broken, and
     the six broken ones are refused: one line each. */
  loaded = loader_load_dir(l_ld, TEST_BUILD_DIR "/tests/plugins", l_log_cb,
                           &lines);
  if (loaded != 4 || lines.n != 8)
    fprintf(stderr, "loaded %d, lines:\n%s", loaded, lines.text);
  ASSERT(loaded == 4);
  ASSERT(lines.n == 8);
  ASSERT(strcmp(loader_find(l_ld, "counter")->version, "3.0.0-broken") == 0);
  ASSERT(strstr(lines.text, "counter-v2.so: a plugin named \"counter\" is "
                            "already loaded") != NULL);
  ASSERT(loader_find(l_ld, "echo") != NULL);
  ASSERT(loader_find(l_ld, "kv") != NULL);
  ASSERT(loader_find(l_ld, "init_fails") != NULL);
  ASSERT(strstr(lines.text, "bad-abi.so: ABI version") != NULL);
  ASSERT(strstr(lines.text, "undefined.so: cannot load") != NULL);

  /* A directory that is not there is one line, and nothing loaded. */
  lines.n = 0;
  lines.text[0] = '\0';
  ASSERT(loader_load_dir(l_ld, TEST_BUILD_DIR "/no-such-dir", l_log_cb,
                         &lines) == 0);
  ASSERT(lines.n == 1 && strstr(lines.text, "no-such-dir") != NULL);
  l_stop();
  return 0;
}

TEST_IMPL(loader_upgrade_and_rollback) {
  act_spawn_opts_t so = ACT_SPAWN_OPTS_INIT;
  const loader_plugin_t *p;
  const act_plugin_t *v1, *v2, *old;
  char dir[] = "/tmp/loader-test.XXXXXX", line[512];
  act_id_t a, b;

  l_start();
  ASSERT(mkdtemp(dir) != NULL);
  ASSERT(loader_load(l_ld, l_bundled_so("echo.so"), &p, NULL, 0) == 0);
  v1 = p->desc;
  so.plugin = "echo";
  ASSERT(act_runtime_spawn(l_rt, &so, &a) == 0);
  ASSERT(l_wait_count(v1, 1) == 0);

  /* clash.so is another "echo": a new version of it. */
  ASSERT(loader_upgrade(l_ld, l_test_so("clash.so"), dir, &p, &old, line,
                        sizeof(line)) == 0);
  v2 = p->desc;
  ASSERT(old == v1 && v2 != v1);
  ASSERT(strcmp(p->version, "0.0.1-clash") == 0);
  ASSERT(strstr(p->path, "/tests/plugins/clash.so") != NULL);
  ASSERT(loader_find(l_ld, "echo") == p);
  ASSERT(act_runtime_lookup(l_rt, "echo") == v2);
  /* The copy is not left lying around: the mapping outlives its name. */
  ASSERT(rmdir(dir) == 0);
  ASSERT(mkdir(dir, 0700) == 0);

  /* The running actor keeps the old version open; new ones run the new. */
  ASSERT(loader_collect(l_ld) == 0);
  ASSERT(act_runtime_count(l_rt, v1) == 1);
  ASSERT(act_runtime_spawn(l_rt, &so, &b) == 0);
  ASSERT(l_wait_count(v2, 1) == 0);

  /* Roll back: v1 is current again, v2 waits for its actor. */
  ASSERT(loader_rollback(l_ld, "echo", v1, line, sizeof(line)) == 0);
  ASSERT(act_runtime_lookup(l_rt, "echo") == v1);
  ASSERT(strcmp(loader_find(l_ld, "echo")->version, "1.0.0") == 0);
  ASSERT(loader_rollback(l_ld, "echo", v1, line, sizeof(line)) ==
         ACT_ENOENT);
  ASSERT(loader_unload(l_ld, "echo", line, sizeof(line)) == ACT_EUNAVAIL);
  ASSERT(strstr(line, "still runs 2 actors") != NULL);
  ASSERT(act_runtime_kill(l_rt, b, NULL) == 0);
  ASSERT(l_wait_count(v2, 0) == 0);
  ASSERT(loader_collect(l_ld) == 1);

  /* What cannot be upgraded, each with its line. */
  ASSERT(loader_upgrade(l_ld, l_test_so("example.so"), dir, NULL, NULL, line,
                        sizeof(line)) == ACT_ENOENT);
  ASSERT(strstr(line, "no plugin named \"kv\" is loaded") != NULL);
  ASSERT(loader_upgrade(l_ld, l_test_so("bad-abi.so"), dir, NULL, NULL, line,
                        sizeof(line)) == ACT_EPLUGIN);
  ASSERT(strstr(line, "ABI version") != NULL);
  ASSERT(loader_upgrade(l_ld, l_test_so("clash.so"), "/nonexistent-dir", NULL,
                        NULL, line, sizeof(line)) == ACT_EIO);
  ASSERT(strstr(line, "cannot copy") != NULL);
  ASSERT(rmdir(dir) == 0); /* failed upgrades leave no copy either */
  ASSERT(act_runtime_lookup(l_rt, "echo") == v1);
  l_stop();
  return 0;
}
