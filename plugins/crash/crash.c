/*
 * crash - fault injection on command, to test supervision and isolation.
 *
 *   {"crash":"segv"}   SIGSEGV to the process it runs in
 *   {"crash":"abort"}  abort()
 *   {"crash":"exit"}   exit(3)
 *   {"crash":"error"}  an orderly exit with the reason "error:crash requested"
 *   {"crash":"hang"}   a busy loop that never returns (a runaway handler)
 *   args {"crash_in_init":KIND}   the same, inside init (error: init fails)
 *   call {"ping":true}     answers {"pong":true}
 *   call {"noreply":true}  is never answered (the caller times out)
 *
 * segv, abort, exit and hang take the whole process with them: in actord
 * itself unless the actor runs isolated (spawn --isolate), which is the point.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <actor/plugin.h>

static void crash_describe(const json_t *v, char *buf, size_t size) {
  char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

  if (text == NULL) {
    snprintf(buf, size, "a value");
    return;
  }
  if (snprintf(buf, size, "%s", text) >= (int)size && size > 4)
    snprintf(buf + size - 4, 4, "...");
  free(text);
}

static int crash_kind_valid(const char *kind) {
  return strcmp(kind, "segv") == 0 || strcmp(kind, "abort") == 0 ||
         strcmp(kind, "exit") == 0 || strcmp(kind, "error") == 0 ||
         strcmp(kind, "hang") == 0;
}

/* Do what kind says. Returns only for "error", after asking for an orderly
   exit with an error reason. */
static void crash_now(act_ctx_t *ctx, const char *kind, const char *where) {
  char reason[64];

  act_log(ctx, ACT_LOG_WARN, "crashing on request (%s in %s)", kind, where);
  if (strcmp(kind, "segv") == 0) {
    /* The default action, not a sanitizer's or a host's handler: the process
       must die of the signal itself for its reason to read signal:SIGSEGV. */
    signal(SIGSEGV, SIG_DFL);
    raise(SIGSEGV);
  } else if (strcmp(kind, "abort") == 0) {
    abort();
  } else if (strcmp(kind, "exit") == 0) {
    exit(3);
  } else if (strcmp(kind, "hang") == 0) {
    /* Spin rather than sleep, so that a CPU limit catches it too. The empty
       asm keeps the compiler from treating the loop as removable. */
    for (;;)
      __asm__ volatile("" ::: "memory");
  }
  snprintf(reason, sizeof(reason), "error:crash requested in %s", where);
  act_exit(ctx, reason);
}

/* A bad argument: the line goes to the log and into the exit reason, so
   that spawn reports it; "invalid argument" in the reason makes the
   supervisor answer with the kind "invalid". Returns ACT_EINVAL. */
__attribute__((format(printf, 2, 3))) static int
crash_bad_args(act_ctx_t *ctx, const char *fmt, ...) {
  char text[256], reason[300];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  act_log(ctx, ACT_LOG_ERROR, "%s", text);
  snprintf(reason, sizeof(reason), "error:invalid argument: %s", text);
  act_exit(ctx, reason);
  return ACT_EINVAL;
}

static int crash_init(act_ctx_t *ctx, json_t *args, void **state) {
  json_t *kind;
  const char *key;
  json_t *value;
  char got[80];

  *state = NULL;
  if (args == NULL || json_is_null(args))
    return 0;
  if (!json_is_object(args)) {
    crash_describe(args, got, sizeof(got));
    return crash_bad_args(ctx, "args: expected an object, got %s", got);
  }
  json_object_foreach(args, key, value) {
    if (strcmp(key, "crash_in_init") != 0)
      return crash_bad_args(
          ctx, "args: unknown field \"%s\" (expected \"crash_in_init\")",
          key);
  }
  kind = json_object_get(args, "crash_in_init");
  if (kind == NULL)
    return 0;
  if (!json_is_string(kind) || !crash_kind_valid(json_string_value(kind))) {
    crash_describe(kind, got, sizeof(got));
    return crash_bad_args(ctx, "crash_in_init: expected segv, abort, exit, "
                               "error or hang, got %s", got);
  }
  crash_now(ctx, json_string_value(kind), "init");
  return ACT_EPLUGIN; /* "error": init fails, as asked. */
}

static int crash_handle(act_ctx_t *ctx, void *state, const act_msg_t *msg) {
  json_t *v;
  char got[80];

  (void)state;
  if (msg->type != ACT_MSG_USER)
    return 0;

  if ((v = act_msg_get(msg, "crash")) != NULL) {
    if (!json_is_string(v) || !crash_kind_valid(json_string_value(v))) {
      crash_describe(v, got, sizeof(got));
      return act_reply_error(ctx, msg, "invalid",
                             "crash: expected segv, abort, exit, error "
                             "or hang, got %s", got);
    }
    crash_now(ctx, json_string_value(v), "handle");
    return 0;
  }
  if ((v = act_msg_get(msg, "ping")) != NULL) {
    if (!(msg->flags & ACT_MSG_F_ASK))
      return 0;
    v = json_pack("{s:b}", "pong", 1);
    if (v == NULL)
      return ACT_ENOMEM;
    return act_reply_json(ctx, msg, v);
  }
  if (act_msg_get(msg, "noreply") != NULL)
    return 0; /* Never answered, on purpose: the caller's timeout fires. */

  if (msg->payload == ACT_PAYLOAD_JSON)
    crash_describe(msg->json, got, sizeof(got));
  else
    snprintf(got, sizeof(got), "%zu bytes with tag %u", msg->len, msg->tag);
  return act_reply_error(ctx, msg, "invalid",
                         "crash: unknown message %s (expected "
                         "{\"crash\":KIND}, {\"ping\":true} or "
                         "{\"noreply\":true})", got);
}

ACT_PLUGIN(.name = "crash", .version = "1.0.0",
           .description = "fault injection: {\"crash\":\"segv\"|\"abort\"|"
                          "\"exit\"|\"error\"|\"hang\"}",
           .init = crash_init, .handle = crash_handle);
