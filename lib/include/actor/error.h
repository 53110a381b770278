/*
 * actor/error.h - the error codes of libactor.
 *
 * One list generates the enum, the names, the messages and the protocol
 * "kind" strings (libuv's UV_ERRNO_MAP). Every function of libactor that can
 * fail returns 0 or one of these negative codes; nothing else.
 */
#ifndef ACTOR_ERROR_H
#define ACTOR_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/* XX(NAME, value, protocol kind, message) */
#define ACT_ERRNO_MAP(XX)                                                   \
  XX(NOENT,     -1, "not_found",    "no such actor, name or plugin")       \
  XX(EXIST,     -2, "exists",       "already exists")                      \
  XX(INVAL,     -3, "invalid",      "invalid argument")                    \
  XX(MBOXFULL,  -4, "mailbox_full", "mailbox full")                        \
  XX(TIMEDOUT,  -5, "timeout",      "timed out")                           \
  XX(PLUGIN,    -6, "plugin",       "plugin error")                        \
  XX(DENIED,    -7, "denied",       "permission denied")                   \
  XX(UNAVAIL,   -8, "unavailable",  "unavailable (shutting down or busy)") \
  XX(NOMEM,     -9, "internal",     "out of memory")                       \
  XX(INTERNAL, -10, "internal",     "internal error")                      \
  XX(NOPROC,   -11, "not_found",    "no such process (actor is dead)")     \
  XX(IO,       -12, "internal",     "input/output error")                  \
  XX(ADDRINUSE, -13, "exists",      "address already in use")              \
  XX(ADDRNOTAVAIL, -14, "invalid",  "address not available")               \
  XX(AGAIN,    -15, "unavailable",  "try again later (write queue full)")

typedef enum act_errno {
#define ACT__ERR_ENUM(name, val, kind, msg) ACT_E##name = (val),
  ACT_ERRNO_MAP(ACT__ERR_ENUM)
#undef ACT__ERR_ENUM
  ACT_E__LAST = -16
} act_errno_t;

/* "no such actor, name or plugin"; "unknown error" for a code not listed. */
const char *act_strerror(int err);
/* "ACT_ENOENT" style name. */
const char *act_err_name(int err);
/* The protocol's error.data.kind for this code ("not_found", ...). */
const char *act_err_kind(int err);

#ifdef __cplusplus
}
#endif
#endif /* ACTOR_ERROR_H */
