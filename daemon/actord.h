/*
 * actord.h - what every part of the daemon shares: the one daemon object.
 *
 * actord runs one control loop on its main thread. Everything in this file
 * is touched only from that thread unless a field says otherwise; the
 * runtime's scheduler threads reach the daemon only through the event queue
 * of events.c.
 */
#ifndef DAEMON_ACTORD_H
#define DAEMON_ACTORD_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "actor/runtime.h"
#include "loader.h"

/* The behaviour name of connection actors (hidden; never registered, so no
   client can spawn one). */
#define ACTORD_CONN_PLUGIN "actord.conn"

#define ACTORD_MAX_CLIENTS 1024
#define ACTORD_MAX_OUTPUT (8u * 1024 * 1024)
#define ACTORD_STOP_TIMEOUT_MS 10000

typedef struct actord {
  act_runtime_t *rt;
  uv_loop_t *loop;
  loader_t *loader;
  int sched;         /* the scheduler index of the attached control loop */
  act_id_t root;     /* the root supervisor */
  pid_t pid;
  uid_t uid;
  uint64_t started_ms; /* act_runtime_now_ms() at boot */

  char socket_path[PATH_MAX];
  char state_dir[PATH_MAX];
  char exe_plugin_dir[PATH_MAX]; /* build/plugins beside the binary, or "" */
  /* The path exec's launchers and the isolate hosts re-execute: actord's
     own binary (main.c; set before the runtime starts, read-only after). */
  char self_exe[32];
  const char *config_path;       /* NULL: no config file */
  char name[256];                /* the daemon's name (hello, the shell) */
  int ephemeral;
  unsigned threads;

  /* Plugin directories: those of -p (or the defaults), then the config's. */
  char **plugin_dirs;
  size_t n_plugin_dirs;

  /* Limits and admission. */
  size_t max_request;
  size_t max_output;
  unsigned max_clients;
  int has_group;
  gid_t group;

  /* Counters for stats. */
  uint64_t requests;
  unsigned clients;

  int shutting_down;
} actord_t;

extern actord_t actord;

/* Begin an orderly shutdown of the whole tree (main.c). */
void main_shutdown(const char *why);
/* Re-read the config file (main.c). */
void main_reload(void);
/* Is dir one of the plugin directories? (path resolved, main.c) */
int main_plugin_dir_add(const char *dir);

#endif /* DAEMON_ACTORD_H */
