/*
 * runner.h - what a unit test file needs (libuv's test/task.h is the model).
 *
 *     TEST_IMPL(spawn_args) {
 *       ASSERT(1 + 1 == 2);
 *       return 0;
 *     }
 *
 * and one line TEST(spawn_args) in a list-*.h file (see test-list.h). Each
 * test runs in a process of its own with a timeout, so a crash, a hang or a
 * failed ASSERT (which aborts) ends only that test. A test returns 0 when it
 * passed, TEST_SKIP when it cannot run here (say why on stderr), anything
 * else when it failed.
 */
#ifndef TEST_RUNNER_H
#define TEST_RUNNER_H

#include <stdio.h>
#include <stdlib.h>

#define TEST_IMPL(name)                                                     \
  int run_test_##name(void);                                                \
  int run_test_##name(void)

#define TEST_SKIP 77

/* The first line a failing test writes to stderr is shown as its reason. */
#define ASSERT(expr)                                                        \
  do {                                                                      \
    if (!(expr)) {                                                          \
      fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, \
              #expr);                                                       \
      fflush(stderr);                                                       \
      abort();                                                              \
    }                                                                       \
  } while (0)

#define ASSERT_EQ(a, b)                                                     \
  do {                                                                      \
    long long a_ = (long long)(a), b_ = (long long)(b);                     \
    if (a_ != b_) {                                                         \
      fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__,  \
              __LINE__, #a, #b, a_, b_);                                    \
      fflush(stderr);                                                       \
      abort();                                                              \
    }                                                                       \
  } while (0)

#endif /* TEST_RUNNER_H */
