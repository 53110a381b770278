/*
 * deploy.h - plugin.deploy: a new version of a loaded plugin, moved under
 * its live actors, with a roll back when it does not hold.
 *
 * The steps, as Erlang's release handler takes them for one module, plus
 * the automatic roll back it leaves to the operator:
 *
 *   1. loader_upgrade opens the new file beside the old version (from a
 *      copy, since dlopen caches by path) and points the plugin's name at
 *      it, so that new spawns and supervisor restarts run it. A file that
 *      does not load, fails the ABI checks or is not a version of a loaded
 *      plugin changes nothing.
 *   2. Every live actor of the old version is monitored from the
 *      requesting connection and moved: through the new version's
 *      code_change (act_runtime_upgrade, on the actor's own thread between
 *      two messages, so its mailbox keeps filling and nothing is lost), or,
 *      when the new version has none or the strategy is "restart", by a
 *      restart_child at its supervisor, one actor at a time, each waiting
 *      for the replacement's init.
 *   3. The moved actors are watched for watch_ms milliseconds. An actor
 *      that exits with anything but "normal" or "shutdown" during the move
 *      or the watch, a failed code_change, or a replacement whose init
 *      fails, rolls everything back: the name points at the old version
 *      again, actors running the new one go back through the old
 *      version's code_change where it has one, else by restart_child, and
 *      children the supervisor gave up on ("failed") are revived. The
 *      request then fails with one line saying why.
 *   4. On success the state file names the new file (a restarted daemon
 *      loads it), the "deploy" event goes out, the old version is closed
 *      once no actor runs it, and the answer is the plugin's entry plus
 *      {"moved","left","strategy","from","to"}.
 *
 * One deploy runs at a time in the whole daemon: a second one is refused
 * with kind "unavailable" (the client may retry), and so is a deploy while
 * the daemon shuts down. The work is driven by the requesting connection's
 * actor (asks, monitors, timers). A client that disconnects does not cut
 * it short: the connection, like any with requests pending, stays until
 * the deploy is answered. Only the end of the connection's actor (the
 * daemon stopping) does; the deploy then ends where it stands: the new
 * version stays current (or the old one, after a roll back), and a log
 * line says so.
 */
#ifndef DAEMON_DEPLOY_H
#define DAEMON_DEPLOY_H

#include <stdint.h>
#include <jansson.h>

#include "conn.h"

#define DEPLOY_WATCH_MS 1000        /* watch_ms when the request has none */
#define DEPLOY_WATCH_MAX_MS 600000  /* the largest watch_ms accepted */

/* Start a deploy of the file at path (absolute, resolved, allowed for this
   client) for the request id (borrowed). restart: move by supervised
   restarts even when the new version has code_change. Answers the request
   now (an error) or when the deploy ends. */
void deploy_start(conn_t *c, json_t *id, const char *path, int restart,
                  uint64_t watch_ms);

#endif /* DAEMON_DEPLOY_H */
