/*
 * config.h - the configuration file (JSON), read at boot and on SIGHUP.
 *
 *   {
 *     "name": "web-1",                  the daemon's name (default: host)
 *     "plugin_dirs": ["/opt/actors"],   more plugin directories
 *     "group": "actord",                a group whose members are admitted
 *     "max_clients": 1024,
 *     "max_request": 1048576,           bytes per request line
 *     "max_output": 8388608,            bytes queued for a client that does
 *                                       not read before it is cut off
 *     "boot": [SPEC, ...]               children of the root supervisor,
 *                                       started at boot (actor.spawn params)
 *   }
 *
 * Every key is optional; an unknown key is an error (a typo must not pass
 * silently).
 */
#ifndef DAEMON_CONFIG_H
#define DAEMON_CONFIG_H

#include <stddef.h>
#include <jansson.h>

#include "conn.h"

/* Read and check path; *out receives the document (new reference).
   0, or a negative act_errno_t with one line in errbuf. */
int config_read(const char *path, json_t **out, char *errbuf, size_t errlen);
/* Apply a checked document: name, limits, group, plugin directories (new
   ones loaded), and the boot children that old (NULL at boot) did not have,
   started through the internal connection. */
int config_apply(json_t *cfg, json_t *old, conn_t *internal, char *errbuf,
                 size_t errlen);

#endif /* DAEMON_CONFIG_H */
