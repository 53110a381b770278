/* config.c - the configuration file. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actor/error.h"
#include "actord.h"
#include "logs.h"
#include "proto.h"

static const char *const config_keys[] = {
    "name", "plugin_dirs", "group", "max_clients", "max_request",
    "max_output", "boot", NULL,
};

static int config_positive(json_t *cfg, const char *key, json_int_t min,
                           char *errbuf, size_t errlen) {
  json_t *v = json_object_get(cfg, key);

  if (v == NULL) return 0;
  if (!json_is_integer(v) || json_integer_value(v) < min) {
    snprintf(errbuf, errlen, "\"%s\": expected an integer of at least %lld",
             key, (long long)min);
    return ACT_EINVAL;
  }
  return 0;
}

int config_read(const char *path, json_t **out, char *errbuf, size_t errlen) {
  json_error_t err;
  json_t *cfg, *v, *e;
  const char *key;
  size_t i;

  *out = NULL;
  if ((cfg = json_load_file(path, 0, &err)) == NULL) {
    if (err.line < 1)
      snprintf(errbuf, errlen, "%s: %s", path, err.text);
    else
      snprintf(errbuf, errlen, "%s: line %d: %s", path, err.line, err.text);
    return ACT_EINVAL;
  }
  if (!json_is_object(cfg)) {
    snprintf(errbuf, errlen, "%s: expected a JSON object", path);
    goto fail;
  }
  json_object_foreach(cfg, key, v) {
    int known = 0;
    for (i = 0; config_keys[i] != NULL; i++)
      if (strcmp(key, config_keys[i]) == 0) known = 1;
    if (!known) {
      snprintf(errbuf, errlen, "%s: unknown key \"%s\"", path, key);
      goto fail;
    }
  }
  if ((v = json_object_get(cfg, "name")) != NULL &&
      (!json_is_string(v) || json_string_length(v) == 0 ||
       json_string_length(v) > 200)) {
    snprintf(errbuf, errlen, "%s: \"name\": expected a non-empty string",
             path);
    goto fail;
  }
  if ((v = json_object_get(cfg, "group")) != NULL && !json_is_string(v)) {
    snprintf(errbuf, errlen, "%s: \"group\": expected a group name", path);
    goto fail;
  }
  if (v != NULL && getgrnam(json_string_value(v)) == NULL) {
    snprintf(errbuf, errlen, "%s: \"group\": no group named \"%s\"", path,
             json_string_value(v));
    goto fail;
  }
  if ((v = json_object_get(cfg, "plugin_dirs")) != NULL) {
    if (!json_is_array(v)) {
      snprintf(errbuf, errlen, "%s: \"plugin_dirs\": expected an array", path);
      goto fail;
    }
    json_array_foreach(v, i, e) {
      if (!json_is_string(e) || json_string_length(e) == 0) {
        snprintf(errbuf, errlen,
                 "%s: \"plugin_dirs\"[%zu]: expected a directory name", path,
                 i);
        goto fail;
      }
    }
  }
  if (config_positive(cfg, "max_clients", 1, errbuf, errlen) != 0 ||
      config_positive(cfg, "max_request", 64, errbuf, errlen) != 0 ||
      config_positive(cfg, "max_output", 4096, errbuf, errlen) != 0) {
    size_t n = strlen(errbuf);
    char tmp[512];
    snprintf(tmp, sizeof(tmp), "%s: %.*s", path, (int)n, errbuf);
    snprintf(errbuf, errlen, "%s", tmp);
    goto fail;
  }
  if ((v = json_object_get(cfg, "boot")) != NULL) {
    if (!json_is_array(v)) {
      snprintf(errbuf, errlen, "%s: \"boot\": expected an array of specs",
               path);
      goto fail;
    }
    json_array_foreach(v, i, e) {
      json_t *n = json_object_get(e, "name");
      if (!json_is_object(e) || !json_is_string(json_object_get(e, "plugin"))) {
        snprintf(errbuf, errlen,
                 "%s: \"boot\"[%zu]: expected an object with a \"plugin\"",
                 path, i);
        goto fail;
      }
      if (n != NULL && !(json_is_string(n) && act_name_valid(json_string_value(n)))) {
        snprintf(errbuf, errlen, "%s: \"boot\"[%zu]: \"name\" is not a valid "
                 "name", path, i);
        goto fail;
      }
    }
  }
  *out = cfg;
  return 0;

fail:
  json_decref(cfg);
  return ACT_EINVAL;
}

static void config_log_line(void *arg, const char *line) {
  (void)arg;
  logs_warn("%s", line);
}

/* Is this spec in old's boot list? */
static int config_had(json_t *old, json_t *spec) {
  json_t *v;
  size_t i;

  json_array_foreach(json_object_get(old, "boot"), i, v)
    if (json_equal(v, spec)) return 1;
  return 0;
}

int config_apply(json_t *cfg, json_t *old, conn_t *internal, char *errbuf,
                 size_t errlen) {
  json_t *v, *e;
  size_t i;
  int n = 0;

  (void)errbuf;
  (void)errlen;
  if ((v = json_object_get(cfg, "name")) != NULL)
    snprintf(actord.name, sizeof(actord.name), "%s", json_string_value(v));
  if ((v = json_object_get(cfg, "max_clients")) != NULL)
    actord.max_clients = (unsigned)json_integer_value(v);
  if ((v = json_object_get(cfg, "max_request")) != NULL)
    actord.max_request = (size_t)json_integer_value(v);
  if ((v = json_object_get(cfg, "max_output")) != NULL)
    actord.max_output = (size_t)json_integer_value(v);
  if ((v = json_object_get(cfg, "group")) != NULL) {
    struct group *g = getgrnam(json_string_value(v));
    if (g != NULL) {
      actord.group = g->gr_gid;
      actord.has_group = 1;
    }
  } else {
    actord.has_group = 0;
  }
  json_array_foreach(json_object_get(cfg, "plugin_dirs"), i, e) {
    if (main_plugin_dir_add(json_string_value(e)) == 1 && actord.loader) {
      int k = loader_load_dir(actord.loader, json_string_value(e),
                              config_log_line, NULL);
      logs_info("loaded %d plugins from %s", k, json_string_value(e));
    }
  }
  json_array_foreach(json_object_get(cfg, "boot"), i, e) {
    json_t *params;
    if (old != NULL && config_had(old, e)) continue;
    if ((params = json_deep_copy(e)) == NULL) continue;
    /* The config owns these: the state file does not record them. */
    json_object_set_new(params, "persist", json_false());
    json_object_set_new(params, "timeout_ms", json_integer(5000));
    conn_submit(internal,
                json_pack("{s:s, s:i, s:s, s:o, s:s}", "jsonrpc", "2.0", "id",
                          ++n, "method", ACT_M_ACTOR_SPAWN, "params", params,
                          "label", "config boot"));
  }
  if (n > 0) logs_info("starting %d boot children from the config", n);
  return 0;
}
