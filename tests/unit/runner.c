/*
 * runner.c - the unit test runner (libuv's test/runner.c is the model).
 *
 *     unit-tests              run every test
 *     unit-tests NAME...      run the named tests
 *     unit-tests --list       print the names
 *
 * Each test runs in a forked process of its own, with a timeout (10 s
 * unless its list entry says otherwise; UNIT_TIMEOUT_SCALE=N multiplies it,
 * for valgrind; UNIT_VERBOSE=1 also shows what passing tests wrote to
 * stderr, such as figures they measured). One line per test, "ok N name" or "not ok N name (reason)",
 * and last "unit: N passed, N failed" (", N skipped" when some were). The
 * exit status is 1 when a test failed, 2 on a usage error.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runner.h"

typedef struct test_entry {
  const char *name;
  int (*fn)(void);
  unsigned timeout_ms;
} test_entry_t;

#define TEST(name) int run_test_##name(void);
#define TEST_TIMEOUT(name, ms) int run_test_##name(void);
#include "test-list.h"
#undef TEST
#undef TEST_TIMEOUT

static const test_entry_t runner_tests[] = {
#define TEST(name) {#name, run_test_##name, 10000},
#define TEST_TIMEOUT(name, ms) {#name, run_test_##name, (ms)},
#include "test-list.h"
#undef TEST
#undef TEST_TIMEOUT
  {NULL, NULL, 0}};

enum { RUNNER_OK, RUNNER_FAIL, RUNNER_SKIP };

static uint64_t runner_now_ms(void) {
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The first non-empty line of what the test wrote to stderr. */
static void runner_first_line(FILE *f, char *buf, size_t size) {
  char line[300];

  buf[0] = '\0';
  rewind(f);
  while (fgets(line, sizeof(line), f) != NULL) {
    line[strcspn(line, "\n")] = '\0';
    if (line[0] != '\0') {
      snprintf(buf, size, "%s", line);
      return;
    }
  }
}

/* Show a failing test's stderr, each line prefixed with "# ". */
static void runner_dump(FILE *f) {
  char line[512];

  rewind(f);
  while (fgets(line, sizeof(line), f) != NULL)
    fprintf(stderr, "# %s", line);
}

static int runner_run(const test_entry_t *t, unsigned scale, char *reason,
                      size_t size) {
  FILE *err;
  pid_t pid;
  int status = 0, result;
  uint64_t deadline;
  char first[400];

  err = tmpfile();
  if (err == NULL) {
    snprintf(reason, size, "cannot create a temporary file: %s",
             strerror(errno));
    return RUNNER_FAIL;
  }
  fflush(stdout);
  fflush(stderr);
  pid = fork();
  if (pid < 0) {
    snprintf(reason, size, "fork: %s", strerror(errno));
    fclose(err);
    return RUNNER_FAIL;
  }
  if (pid == 0) {
    int rc;
    dup2(fileno(err), STDERR_FILENO);
    setpgid(0, 0);
    rc = t->fn();
    /* exit(), not _exit(): LeakSanitizer checks for leaks at exit. */
    exit(rc == 0 ? 0 : rc == TEST_SKIP ? TEST_SKIP : 1);
  }
  deadline = runner_now_ms() + (uint64_t)t->timeout_ms * scale;
  for (;;) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid)
      break;
    if (r < 0 && errno != EINTR) {
      snprintf(reason, size, "waitpid: %s", strerror(errno));
      fclose(err);
      return RUNNER_FAIL;
    }
    if (runner_now_ms() >= deadline) {
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      snprintf(reason, size, "timed out after %u ms",
               t->timeout_ms * scale);
      runner_dump(err);
      fclose(err);
      return RUNNER_FAIL;
    }
    {
      struct timespec nap = {0, 2 * 1000 * 1000};
      nanosleep(&nap, NULL);
    }
  }
  runner_first_line(err, first, sizeof(first));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    result = RUNNER_OK;
    if (getenv("UNIT_VERBOSE") != NULL)
      runner_dump(err);
  } else if (WIFEXITED(status) && WEXITSTATUS(status) == TEST_SKIP) {
    snprintf(reason, size, "%s", first[0] ? first : "skipped");
    result = RUNNER_SKIP;
  } else {
    if (first[0] != '\0')
      snprintf(reason, size, "%s", first);
    else if (WIFSIGNALED(status))
      snprintf(reason, size, "killed by signal %d", WTERMSIG(status));
    else
      snprintf(reason, size, "exit status %d", WEXITSTATUS(status));
    runner_dump(err);
    result = RUNNER_FAIL;
  }
  fclose(err);
  return result;
}

static const test_entry_t *runner_find(const char *name) {
  const test_entry_t *t;

  for (t = runner_tests; t->name != NULL; t++)
    if (strcmp(t->name, name) == 0)
      return t;
  return NULL;
}

int main(int argc, char **argv) {
  const test_entry_t *t;
  unsigned passed = 0, failed = 0, skipped = 0, n = 0, scale = 1;
  const char *env = getenv("UNIT_TIMEOUT_SCALE");
  char reason[512];
  int i;

  if (env != NULL && atoi(env) > 0)
    scale = (unsigned)atoi(env);
  if (argc == 2 && strcmp(argv[1], "--list") == 0) {
    for (t = runner_tests; t->name != NULL; t++)
      printf("%s\n", t->name);
    return 0;
  }
  for (i = 1; i < argc; i++) {
    if (runner_find(argv[i]) == NULL) {
      fprintf(stderr, "unit-tests: unknown test: %s (see --list)\n", argv[i]);
      return 2;
    }
  }
  signal(SIGPIPE, SIG_IGN);
  for (t = runner_tests; t->name != NULL; t++) {
    int selected = argc == 1;
    for (i = 1; i < argc && !selected; i++)
      selected = strcmp(argv[i], t->name) == 0;
    if (!selected)
      continue;
    n++;
    switch (runner_run(t, scale, reason, sizeof(reason))) {
    case RUNNER_OK:
      printf("ok %u %s\n", n, t->name);
      passed++;
      break;
    case RUNNER_SKIP:
      printf("ok %u %s # skip %s\n", n, t->name, reason);
      skipped++;
      break;
    default:
      printf("not ok %u %s (%s)\n", n, t->name, reason);
      failed++;
      break;
    }
    fflush(stdout);
  }
  if (skipped > 0)
    printf("unit: %u passed, %u failed, %u skipped\n", passed, failed,
           skipped);
  else
    printf("unit: %u passed, %u failed\n", passed, failed);
  return failed > 0 ? 1 : 0;
}
