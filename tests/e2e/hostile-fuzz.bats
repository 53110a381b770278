#!/usr/bin/env bats
# The fuzz targets' regression inputs and seed corpora, replayed through
# their plain builds (tests/fuzz: no clang or libFuzzer needed), so that a
# crash once found stays fixed. Under make asan these run sanitized.

bats_require_minimum_version 1.5.0
load helpers

FUZZ_DIR=$REPO_ROOT/tests/fuzz

# replay TARGET: every regression input and seed of TARGET passes.
replay() {
  local bin=$BUILD/bin/fuzz-replay-$1 n
  [ -x "$bin" ] || { echo "missing $bin (make fuzz-replay)" >&2; return 1; }
  n=$(find "$FUZZ_DIR/regressions/$1" "$FUZZ_DIR/corpus/$1" -type f ! -name '.*' | wc -l)
  run "$bin" "$FUZZ_DIR/regressions/$1" "$FUZZ_DIR/corpus/$1"
  [ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
  [ "$output" = "$n inputs passed" ]
}

@test "fuzz replay: request (framing, decoding, every method's params)" {
  cd "$BATS_TEST_TMPDIR"
  replay request
}

@test "fuzz replay: cliline (words, commands, options, JSON arguments)" {
  replay cliline
}
