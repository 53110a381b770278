/*
 * ticker - sends a message to a target at a fixed interval.
 *
 *   args  {"target":T, "interval_ms":N, "message":JSON}
 *
 * T is an actor id (an integer) or a name (a string). A name is looked up at
 * every tick, so the ticker keeps reaching a supervised actor across its
 * restarts (a restarted actor gets a new id and keeps its name). A tick whose
 * target does not exist is skipped and counted; the log says so once when
 * the target goes missing and once when it is back, not at every tick.
 * "message" defaults to {"tick":true}. A call {"get":true} answers
 * {"ticks":N,"missed":N}; inspect shows the same with the arguments.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <actor/plugin.h>

/* The tag of this actor's own timer messages ("tick"); the control socket
   only sends ACT_TAG_JSON, so nothing from outside is mistaken for one. */
#define TICKER_TAG 0x7469636bu

typedef struct ticker {
  act_id_t target_id;             /* the target when given as an id */
  char target_name[ACT_NAME_MAX + 1]; /* or its name ("" when an id) */
  uint64_t interval_ms;
  json_t *message;                /* a reference of our own */
  uint64_t timer;
  uint64_t ticks;                 /* messages delivered */
  uint64_t missed;                /* ticks whose target did not exist */
  int missing;                    /* the last tick found no target */
} ticker_t;

static void ticker_describe(const json_t *v, char *buf, size_t size) {
  char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

  if (text == NULL) {
    snprintf(buf, size, "a value");
    return;
  }
  if (snprintf(buf, size, "%s", text) >= (int)size && size > 4)
    snprintf(buf + size - 4, 4, "...");
  free(text);
}

static json_t *ticker_target_json(const ticker_t *t) {
  if (t->target_name[0] != '\0')
    return json_string(t->target_name);
  return json_integer((json_int_t)t->target_id);
}

/* A bad argument: the line goes to the log and into the exit reason, so
   that spawn reports it; "invalid argument" in the reason makes the
   supervisor answer with the kind "invalid". Returns ACT_EINVAL. */
__attribute__((format(printf, 2, 3))) static int
ticker_bad_args(act_ctx_t *ctx, const char *fmt, ...) {
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

static int ticker_init(act_ctx_t *ctx, json_t *args, void **state) {
  ticker_t *t = NULL;
  json_t *target, *interval, *message;
  const char *key;
  json_t *value;
  char got[80];
  int err;

  if (!json_is_object(args))
    return ticker_bad_args(ctx, "args: expected an object with \"target\" "
                                "and \"interval_ms\"");
  json_object_foreach(args, key, value) {
    if (strcmp(key, "target") != 0 && strcmp(key, "interval_ms") != 0 &&
        strcmp(key, "message") != 0)
      return ticker_bad_args(ctx, "args: unknown field \"%s\" (expected "
                                  "target, interval_ms, message)", key);
  }

  target = json_object_get(args, "target");
  interval = json_object_get(args, "interval_ms");
  message = json_object_get(args, "message");
  if (target == NULL)
    return ticker_bad_args(ctx, "target: missing (an actor id or name)");
  if (json_is_integer(target)) {
    if (json_integer_value(target) <= 0)
      return ticker_bad_args(ctx, "target: expected a positive id, got %"
                             JSON_INTEGER_FORMAT, json_integer_value(target));
  } else if (json_is_string(target)) {
    if (json_string_length(target) == 0 ||
        json_string_length(target) > ACT_NAME_MAX)
      return ticker_bad_args(ctx, "target: a name must have 1 to %d bytes",
                             ACT_NAME_MAX);
  } else {
    ticker_describe(target, got, sizeof(got));
    return ticker_bad_args(ctx, "target: expected an id or a name, got %s",
                           got);
  }
  if (!json_is_integer(interval) || json_integer_value(interval) <= 0) {
    if (interval == NULL)
      snprintf(got, sizeof(got), "nothing");
    else
      ticker_describe(interval, got, sizeof(got));
    return ticker_bad_args(ctx, "interval_ms: expected a positive integer, "
                                "got %s", got);
  }

  t = calloc(1, sizeof(*t));
  if (t == NULL)
    return ACT_ENOMEM;
  if (json_is_string(target))
    memcpy(t->target_name, json_string_value(target),
           json_string_length(target) + 1);
  else
    t->target_id = (act_id_t)json_integer_value(target);
  t->interval_ms = (uint64_t)json_integer_value(interval);
  /* Messages are immutable, so sharing the args' value is safe. */
  t->message = message != NULL ? json_incref(message)
                               : json_pack("{s:b}", "tick", 1);
  if (t->message == NULL) {
    err = ACT_ENOMEM;
    goto fail;
  }
  err = act_timer_start(ctx, t->interval_ms, t->interval_ms, TICKER_TAG, NULL,
                        0, &t->timer);
  if (err < 0)
    goto fail;
  *state = t;
  return 0;

fail:
  json_decref(t->message);
  free(t);
  return err;
}

static int ticker_tick(act_ctx_t *ctx, ticker_t *t) {
  act_id_t to = t->target_id;
  int err;

  if (t->target_name[0] != '\0')
    to = act_whereis(ctx, t->target_name);
  err = to != 0 ? act_send_json(ctx, to, ACT_TAG_JSON, json_incref(t->message))
                : ACT_ENOENT;
  if (err == 0) {
    if (t->missing && t->target_name[0] != '\0')
      act_log(ctx, ACT_LOG_INFO, "target \"%s\" is back (id %llu)",
              t->target_name, (unsigned long long)to);
    else if (t->missing)
      act_log(ctx, ACT_LOG_INFO, "target %llu is back",
              (unsigned long long)to);
    t->missing = 0;
    t->ticks++;
    return 0;
  }
  /* A dead or full target is the target's problem, not the ticker's. */
  if (!t->missing) {
    if (t->target_name[0] != '\0')
      act_log(ctx, ACT_LOG_WARN, "target \"%s\": %s; skipping ticks until "
              "it is back", t->target_name, ctx->host->strerror(err));
    else
      act_log(ctx, ACT_LOG_WARN, "target %llu: %s; skipping ticks",
              (unsigned long long)t->target_id, ctx->host->strerror(err));
  }
  t->missing = 1;
  t->missed++;
  return 0;
}

static int ticker_handle(act_ctx_t *ctx, void *state, const act_msg_t *msg) {
  ticker_t *t = state;
  json_t *reply;
  char got[80];

  if (msg->type != ACT_MSG_USER)
    return 0;
  if (msg->tag == TICKER_TAG && msg->payload != ACT_PAYLOAD_JSON &&
      !(msg->flags & ACT_MSG_F_ASK))
    return ticker_tick(ctx, t);

  if (json_is_true(act_msg_get(msg, "get"))) {
    if (!(msg->flags & ACT_MSG_F_ASK))
      return 0;
    reply = json_pack("{s:I,s:I}", "ticks", (json_int_t)t->ticks, "missed",
                      (json_int_t)t->missed);
    if (reply == NULL)
      return ACT_ENOMEM;
    return act_reply_json(ctx, msg, reply);
  }
  if (msg->payload == ACT_PAYLOAD_JSON)
    ticker_describe(msg->json, got, sizeof(got));
  else
    snprintf(got, sizeof(got), "%zu bytes with tag %u", msg->len, msg->tag);
  return act_reply_error(ctx, msg, "invalid",
                         "ticker: unknown message %s (expected "
                         "{\"get\":true})", got);
}

static void ticker_terminate(act_ctx_t *ctx, void *state,
                             const char *reason) {
  ticker_t *t = state;

  (void)ctx;
  (void)reason;
  /* The timer dies with the actor; only the memory is ours to free. */
  json_decref(t->message);
  free(t);
}

static json_t *ticker_inspect(void *state) {
  const ticker_t *t = state;

  return json_pack("{s:o,s:I,s:O,s:I,s:I}", "target", ticker_target_json(t),
                   "interval_ms", (json_int_t)t->interval_ms, "message",
                   t->message, "ticks", (json_int_t)t->ticks, "missed",
                   (json_int_t)t->missed);
}

ACT_PLUGIN(.name = "ticker", .version = "1.0.0",
           .description = "sends {\"message\"} to {\"target\"} every "
                          "{\"interval_ms\"}",
           .init = ticker_init, .handle = ticker_handle,
           .terminate = ticker_terminate, .inspect = ticker_inspect);
