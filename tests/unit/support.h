/*
 * support.h - what the runtime tests share: a behaviour whose callbacks
 * each test writes in C ("tbeh"), a record of what happened that the test
 * thread can wait on (bounded, never a fixed sleep), and gates that hold an
 * actor inside its handler until the test opens them.
 */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include <stdint.h>

#include "actor/runtime.h"
#include "runner.h"

#define T_WAIT_MS 5000

typedef struct t_beh t_beh_t;
struct t_beh {
  int (*init)(act_ctx_t *ctx, t_beh_t *b, json_t *args);
  int (*handle)(act_ctx_t *ctx, t_beh_t *b, const act_msg_t *msg);
  void (*terminate)(act_ctx_t *ctx, t_beh_t *b, const char *reason);
  json_t *(*inspect)(t_beh_t *b);
  void *data;
  act_id_t peer;
  long n;
};

/* "tbeh": state = the t_beh_t given in args {"beh": pointer, "arg": any}. */
extern const act_plugin_t t_plugin;

/* A runtime with `threads` schedulers (and `attached` attachable loops),
   events recorded as "spawn ID" and "exit ID REASON", logs as
   "log ID LINE", t_plugin registered. */
act_runtime_t *t_rt_new(unsigned threads, unsigned attached);
/* Started too. */
act_runtime_t *t_rt_start(unsigned threads);
/* Orderly stop (asserted to succeed) and free. */
void t_rt_done(act_runtime_t *rt);

/* Spawn a tbeh actor; arg (borrowed, may be NULL) reaches init as "arg". */
int t_spawn(act_runtime_t *rt, t_beh_t *b, uint32_t flags, const char *name,
            act_id_t *id);
int t_spawn_opts(act_runtime_t *rt, t_beh_t *b, act_spawn_opts_t *o,
                 json_t *arg, act_id_t *id);
/* The same from inside an actor. */
int t_spawn_ctx(act_ctx_t *ctx, t_beh_t *b, uint32_t flags, act_id_t *id);

/* The record: one line per thing that happened. */
void t_rec(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* 1 once a line equal to the formatted one exists, 0 after T_WAIT_MS. */
int t_wait_rec(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Is such a line there now? */
int t_has_rec(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* How many lines start with prefix. */
int t_count_rec(const char *prefix);
/* Wait until at least n lines start with prefix; 1 if so. */
int t_wait_count(const char *prefix, int n);
/* Wait until n spawn events have been seen in all (not only the first
   lines the record keeps); 1 if so. */
int t_wait_spawned(long n);
/* The index of the first line equal to the text, or -1. */
int t_rec_index(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Let ms milliseconds pass (a measuring window, never a way to wait for
   something: wait for a record line instead). */
void t_window_ms(unsigned ms);

/* Gates: an actor waits in t_gate_wait until the test thread opens it. */
typedef struct t_gate t_gate_t;
t_gate_t *t_gate_new(void);
void t_gate_open(t_gate_t *g);
/* 1 when opened, 0 after 10 s. */
int t_gate_wait(t_gate_t *g);
void t_gate_free(t_gate_t *g);

uint64_t t_now_ms(void);

#endif /* TEST_SUPPORT_H */
