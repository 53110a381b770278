/*
 * counter - an integer that messages add to, read and reset.
 *
 *   args      {"start":N}                     (optional, default 0)
 *   {"inc":N}     add N (a call answers {"count":N} with the new value)
 *   {"get":true}  a call answers {"count":N}
 *   {"reset":true} back to 0 (a call answers {"count":0})
 *
 * A message it does not understand, or one with a value of the wrong type,
 * gets an error reply when it is a call and a warning in the actor's log
 * when it is a send; it never takes the actor down, since a typo at the
 * command line should not cost the count.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <actor/plugin.h>

typedef struct counter {
  json_int_t count;
} counter_t;

/* A short rendering of a JSON value for an error line. */
static void counter_describe(const json_t *v, char *buf, size_t size) {
  char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

  if (text == NULL) {
    snprintf(buf, size, "a value");
    return;
  }
  if (snprintf(buf, size, "%s", text) >= (int)size && size > 4)
    snprintf(buf + size - 4, 4, "...");
  free(text);
}

static int counter_answer(act_ctx_t *ctx, const act_msg_t *msg,
                          json_int_t count) {
  json_t *reply;

  if (!(msg->flags & ACT_MSG_F_ASK))
    return 0;
  reply = json_pack("{s:I}", "count", count);
  if (reply == NULL)
    return ACT_ENOMEM;
  return act_reply_json(ctx, msg, reply);
}

/* A bad argument: the line goes to the log and into the exit reason, so
   that spawn reports it; "invalid argument" in the reason makes the
   supervisor answer with the kind "invalid". Returns ACT_EINVAL. */
__attribute__((format(printf, 2, 3))) static int
counter_bad_args(act_ctx_t *ctx, const char *fmt, ...) {
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

static int counter_init(act_ctx_t *ctx, json_t *args, void **state) {
  counter_t *c;
  json_t *start = NULL;
  const char *key;
  json_t *value;
  char got[80];

  if (args != NULL && !json_is_null(args)) {
    if (!json_is_object(args)) {
      counter_describe(args, got, sizeof(got));
      return counter_bad_args(ctx, "args: expected an object, got %s", got);
    }
    json_object_foreach(args, key, value) {
      if (strcmp(key, "start") != 0)
        return counter_bad_args(
            ctx, "args: unknown field \"%s\" (expected \"start\")", key);
    }
    start = json_object_get(args, "start");
    if (start != NULL && !json_is_integer(start)) {
      counter_describe(start, got, sizeof(got));
      return counter_bad_args(ctx, "start: expected an integer, got %s", got);
    }
  }

  c = malloc(sizeof(*c));
  if (c == NULL)
    return ACT_ENOMEM;
  c->count = start != NULL ? json_integer_value(start) : 0;
  *state = c;
  return 0;
}

static int counter_handle(act_ctx_t *ctx, void *state, const act_msg_t *msg) {
  counter_t *c = state;
  json_t *v;
  json_int_t n;
  char got[80];

  if (msg->type != ACT_MSG_USER)
    return 0;
  if (msg->payload != ACT_PAYLOAD_JSON || !json_is_object(msg->json))
    return act_reply_error(ctx, msg, "invalid",
                           "counter: expected a JSON object such as "
                           "{\"inc\":1}, {\"get\":true} or "
                           "{\"reset\":true}");

  if ((v = json_object_get(msg->json, "inc")) != NULL) {
    if (!json_is_integer(v)) {
      counter_describe(v, got, sizeof(got));
      return act_reply_error(ctx, msg, "invalid",
                             "inc: expected an integer, got %s", got);
    }
    if (__builtin_add_overflow(c->count, json_integer_value(v), &n))
      return act_reply_error(ctx, msg, "invalid",
                             "inc: %" JSON_INTEGER_FORMAT
                             " would overflow the count %" JSON_INTEGER_FORMAT,
                             json_integer_value(v), c->count);
    c->count = n;
    return counter_answer(ctx, msg, c->count);
  }
  if ((v = json_object_get(msg->json, "get")) != NULL) {
    if (!json_is_true(v)) {
      counter_describe(v, got, sizeof(got));
      return act_reply_error(ctx, msg, "invalid",
                             "get: expected true, got %s", got);
    }
    if (!(msg->flags & ACT_MSG_F_ASK)) {
      /* A get that nobody waits for still shows up somewhere useful. */
      act_log(ctx, ACT_LOG_INFO, "count: %" JSON_INTEGER_FORMAT, c->count);
      return 0;
    }
    return counter_answer(ctx, msg, c->count);
  }
  if ((v = json_object_get(msg->json, "reset")) != NULL) {
    if (!json_is_true(v)) {
      counter_describe(v, got, sizeof(got));
      return act_reply_error(ctx, msg, "invalid",
                             "reset: expected true, got %s", got);
    }
    c->count = 0;
    return counter_answer(ctx, msg, c->count);
  }

  counter_describe(msg->json, got, sizeof(got));
  return act_reply_error(ctx, msg, "invalid",
                         "counter: unknown message %s (expected {\"inc\":N}, "
                         "{\"get\":true} or {\"reset\":true})", got);
}

static void counter_terminate(act_ctx_t *ctx, void *state,
                              const char *reason) {
  (void)ctx;
  (void)reason;
  free(state);
}

static json_t *counter_inspect(void *state) {
  const counter_t *c = state;

  return json_pack("{s:I}", "count", c->count);
}

/* A deploy keeps the count: the state's layout has not changed since 1.0. */
static int counter_code_change(act_ctx_t *ctx, void *old_state,
                               const char *old_version, void **new_state) {
  (void)ctx;
  (void)old_version;
  *new_state = old_state;
  return 0;
}

ACT_PLUGIN(.name = "counter", .version = "1.0.0",
           .description = "an integer: {\"inc\":N}, {\"get\":true}, "
                          "{\"reset\":true}",
           .init = counter_init, .handle = counter_handle,
           .terminate = counter_terminate, .inspect = counter_inspect,
           .code_change = counter_code_change);
