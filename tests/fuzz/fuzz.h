/*
 * fuzz.h - what a fuzz target provides. The same target links into a
 * libFuzzer binary (fuzz-main.c: make fuzz, built with clang) and into a
 * replay binary that runs it over files (replay.c: make check, any cc).
 * A target aborts when an invariant does not hold.
 */
#ifndef TESTS_FUZZ_H
#define TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Once, before the first input: 0, or -1 (the run fails). */
int fuzz_init(void);
/* One input; always 0. */
int fuzz_one(const uint8_t *data, size_t size);

#endif /* TESTS_FUZZ_H */
