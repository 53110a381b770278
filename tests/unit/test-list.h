/*
 * test-list.h - the one list of unit tests. Each suite keeps its entries in
 * its own list-*.h, one line per test:
 *
 *     TEST(name)                   default timeout (10 s)
 *     TEST_TIMEOUT(name, ms)       a longer one
 *
 * This file is included twice by runner.c: once to declare the functions,
 * once to build the table.
 */
#ifndef TEST_TIMEOUT
#define TEST_TIMEOUT(name, ms) TEST(name)
#define TEST_LIST_TIMEOUT_DEFINED
#endif

#include "list-runtime.h"
#include "list-supervisor.h"
#include "list-net.h"

#ifdef TEST_LIST_TIMEOUT_DEFINED
#undef TEST_TIMEOUT
#undef TEST_LIST_TIMEOUT_DEFINED
#endif
