/*
 * listing.h - snapshots of the actors for actor.list, actor.tree and
 * actor.info.
 *
 * A snapshot is taken in two steps: the live actors from the runtime (one
 * pass under the schedulers' locks, copying what is needed), then the
 * children that are not alive right now (restarting, failed), which only
 * their supervisors know: one which_children ask to each supervisor, from
 * the requesting connection's actor. The reply is built when the last
 * answer (or its timeout) is in.
 */
#ifndef DAEMON_LISTING_H
#define DAEMON_LISTING_H

#include <jansson.h>

#include "conn.h"

typedef enum listing_kind { LISTING_LIST, LISTING_TREE } listing_kind_t;

/* Start a snapshot; answers the request (id borrowed) when complete. */
void listing_start(conn_t *c, json_t *id, listing_kind_t kind);

/* One actor as actor.list shows it, for actor.info: a new object, or NULL
   (ENOMEM, or no such live actor). *supervisor receives its supervisor. */
json_t *listing_one(act_id_t target, act_id_t *supervisor);

#endif /* DAEMON_LISTING_H */
