/*
 * state.h - what survives a restart of the daemon.
 *
 * Actors spawned through the socket with a restart type other than
 * "temporary" (their spec, name and supervisor) and plugins loaded through
 * the socket are recorded in <state-dir>/state.json. The file is rewritten
 * whole: to state.json.tmp, fsync'ed, renamed over state.json, and the
 * directory fsync'ed, so a crash at any moment leaves the old or the new
 * file, never a torn one. Writes happen once per loop iteration at most,
 * before the replies of that iteration go out (server.c), so a client that
 * was told "spawned" finds its actor again after kill -9.
 *
 * A write that fails (a full disk, an I/O error) leaves the old file in
 * place and no temporary file; the change itself stands and is answered.
 * The failure is logged once, naming the file, the step and the errno, and
 * sent as the event "state_failed"; the write is tried again at every
 * change and every second until it works ("written again", "state_saved").
 *
 * At boot the file is read back: the plugins are loaded again at once, the
 * actors are spawned again as requests on an internal connection, one at a
 * time and in their order; a file that cannot be read is moved aside (never
 * overwritten) and the daemon starts empty.
 */
#ifndef DAEMON_STATE_H
#define DAEMON_STATE_H

#include <jansson.h>

#include "actor/plugin.h"
#include "conn.h"

/* dir NULL: --ephemeral, nothing is read or written. */
int state_open(const char *dir);
/* Queue the recorded actors on an internal connection. No file is written
   until they have all been tried (state_restored()). */
void state_restore(conn_t *internal);
/* Load the recorded plugins (before the plugin directories: what was
   loaded by hand wins over a file of the same name there). */
void state_restore_plugins(void);
/* Everything queued by state_restore() was tried: record from now on. */
void state_restored(void);

/* spec: {"plugin","name"?,"args"?,"restart","mailbox"?} (borrowed);
   sup: the supervisor's name, NULL for the root. */
void state_actor_add(json_t *spec, const char *sup, act_id_t id);
/* Forget the record of this actor (stopped): by name when it has one. */
void state_actor_remove(act_id_t id, const char *name);
/* Runtime events: follow restarts (new ids), forget transient actors that
   ended normally. */
void state_actor_restarted(act_id_t old_id, act_id_t new_id);
void state_actor_exited(act_id_t id, const char *reason);

void state_plugin_add(const char *name, const char *path);
void state_plugin_remove(const char *name);

/* Is there a change not yet on disk? */
int state_pending(void);
/* Write the file if something changed (server.c calls this before it
   flushes replies). */
void state_commit(void);
/* Shutdown: what the tree does while it stops is not recorded. */
void state_freeze(void);
void state_free(void);

#endif /* DAEMON_STATE_H */
