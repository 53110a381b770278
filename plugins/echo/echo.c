/*
 * echo - answers a call with the message it got and logs what it is sent.
 *
 * The smallest useful plugin: it keeps no state, understands every message,
 * and is what the tests use to check that a message arrives intact.
 */
#include <stdlib.h>

#include <actor/plugin.h>

static int echo_handle(act_ctx_t *ctx, void *state, const act_msg_t *msg) {
  char *text;

  (void)state;
  if (msg->type != ACT_MSG_USER)
    return 0; /* Nothing else concerns an echo: it links and traps nothing. */

  if (msg->flags & ACT_MSG_F_ASK) {
    /* The reply steals a reference, and the message keeps its own. */
    if (msg->payload == ACT_PAYLOAD_JSON)
      return act_reply_json(ctx, msg, json_incref(msg->json));
    return act_reply(ctx, msg, msg->data, msg->len);
  }

  if (msg->payload == ACT_PAYLOAD_JSON) {
    text = json_dumps(msg->json, JSON_COMPACT | JSON_ENCODE_ANY);
    if (text == NULL)
      return ACT_ENOMEM;
    act_log(ctx, ACT_LOG_INFO, "%s", text);
    free(text);
  } else if (msg->payload == ACT_PAYLOAD_BYTES) {
    act_log(ctx, ACT_LOG_INFO, "%zu bytes (tag %u)", msg->len, msg->tag);
  } else {
    act_log(ctx, ACT_LOG_INFO, "an empty message (tag %u)", msg->tag);
  }
  return 0;
}

ACT_PLUGIN(.name = "echo", .version = "1.0.0",
           .description = "replies to a call with the message it got; "
                          "logs what it is sent",
           .handle = echo_handle);
