/*
 * runtime-internal.h - what the built-in behaviours of libactor (the
 * supervisor, exec, ...) may use of the runtime beyond the public headers.
 *
 * Not installed. Everything here is called from inside a callback of the
 * actor that passes its ctx (the same rule as the host table), unless the
 * comment says otherwise.
 *
 * Facts about the runtime a behaviour can rely on:
 *
 *   - Orderly stop (act_runtime_stop): first every actor spawned with
 *     act_spawn_opts_t.supervisor == 0 (or naming a supervisor that is no
 *     longer alive, checked again as actors go) receives an ordinary,
 *     trappable exit
 *     signal with reason "shutdown" and from == 0. A supervisor traps exits,
 *     so it sees this as an ACT_MSG_EXIT with from == 0 (or from == its own
 *     supervisor, when that one stops it): it then stops its children in
 *     reverse start order and exits with "shutdown". Whatever is still alive
 *     after half of the stop timeout receives an untrappable exit with reason
 *     "shutdown". During the stop, act_spawn() fails with ACT_EUNAVAIL, so a
 *     supervisor does not restart what is being stopped.
 *   - Runtime messages (ACT_MSG_EXIT, DOWN, REPLY, TIMEOUT, STARTED) are
 *     queued ahead of user messages and never dropped by mailbox policies.
 *   - A link to an actor that is already dead makes the linker receive an
 *     exit signal with reason "noproc" (as Erlang's link/1 with trap_exit);
 *     a monitor of a dead actor gives ACT_MSG_DOWN with reason "noproc".
 *   - act_kill(ctx, id, "shutdown") is trappable; act_kill(ctx, id, NULL)
 *     exits the target with "killed" and cannot be trapped.
 *   - An actor's own info (name, supervisor, restarts, flags) is available
 *     through act_runtime_info(act_runtime_of(ctx), act_self(ctx), cb, arg)
 *     or act__actor_info() below.
 */
#ifndef ACT_RUNTIME_INTERNAL_H
#define ACT_RUNTIME_INTERNAL_H

#include "actor/runtime.h"

/*
 * Emit an event to the embedder's opts.on_event, on the calling thread (for
 * example ACT_EV_RESTART or ACT_EV_FAILED from the supervisor). ev and every
 * string in it are borrowed. ev->time_ms may be 0: it is then set to the
 * current wall clock. Safe from any thread.
 */
void act__runtime_emit(act_runtime_t *rt, const act_event_t *ev);

/*
 * The calling actor's own snapshot, as act_runtime_info gives it (strings
 * valid until the actor's next call into the runtime). Returns 0.
 */
int act__actor_info(act_ctx_t *ctx, act_info_t *out);

/*
 * Answer an ask after the handle() call that received it has returned: the
 * supervisor answers start_child and restart_child only once the child's
 * init has reported, when the request's envelope has long been recycled (so
 * act_reply_json, which marks the envelope, cannot be used on a copy). to
 * and ref are the request's msg->from and msg->ref; value is stolen, even on
 * error. The caller answers each ref at most once. ACT_EINVAL if ref is 0.
 * (Defined in host.c, next to the host's own reply functions.)
 */
int act__reply_json_later(act_ctx_t *ctx, act_id_t to, uint64_t ref,
                          json_t *value);

/*
 * The wall clock in milliseconds since the epoch, as events carry it.
 */
uint64_t act__wall_ms(void);

#endif /* ACT_RUNTIME_INTERNAL_H */
