#!/usr/bin/env bats
# tests/run-all.sh, the runner behind make check: it must count every test
# of every suite, end with exactly one "N passed, N failed[, N skipped]"
# line, show why something failed, and fail when a suite cannot run. Driven
# here with a stand-in build tree, bats files and man pages of known
# outcome.

load helpers

setup() {
  T=$BATS_TEST_TMPDIR
  mkdir -p "$T/build/bin" "$T/man" "$T/bats"
  # A clean mdoc page.
  cat >"$T/man/good.1" <<'EOF'
.Dd November 21, 2026
.Dt GOOD 1
.Os
.Sh NAME
.Nm good
.Nd a page that lints clean
.Sh DESCRIPTION
The
.Nm
page has nothing to say.
EOF
  mkbats "$T/bats/pass.bats" <<'EOF'
TEST "one" { true; }
TEST "two" { [ 1 -eq 1 ]; }
TEST "later" { skip "not yet"; }
EOF
  unit_prints 'unit: 3 passed, 0 failed' 0
}

# mkbats FILE: a bats file from stdin, where TEST stands for the test
# keyword (bats would take the keyword as one of this file's tests).
mkbats() {
  sed 's/^TEST /@test /' >"$1"
}

# unit_prints LAST-LINE STATUS: a stand-in unit-tests binary.
unit_prints() {
  printf '#!/bin/sh\necho "ok 1 - something"\necho "%s"\nexit %s\n' "$1" "$2" \
    >"$T/build/bin/unit-tests"
  chmod +x "$T/build/bin/unit-tests"
}

# PATH without the bats-core libexec directory that bats puts first: there
# "bats" is bats' internal entry point, not the command.
outer_path() {
  printf '%s\n' "$PATH" | tr ':' '\n' | grep -v '/bats-core' | paste -sd: -
}

# run_all [BATS FILES...]: the runner in a clean environment (no BATS_*
# or MAKEFLAGS of the bats running this file), on the stand-in tree.
run_all() {
  run env -i PATH="$(outer_path)" HOME="$T" TMPDIR="$T" BUILD="$T/build" \
    MAN_DIR="$T/man" MAN_PAGES="good.1" FILE_TIMEOUT="${FILE_TIMEOUT:-60}" \
    JOBS=2 bash "$REPO_ROOT/tests/run-all.sh" "$@"
}

@test "every suite counts; the last line sums them, with skips" {
  run_all "$T/bats/pass.bats"
  echo "$output"
  [ "$status" -eq 0 ]
  # unit 3 + bats 2 (1 skipped) + man 1
  [ "${lines[-1]}" = "6 passed, 0 failed, 1 skipped" ]
}

@test "no skipped part when nothing was skipped" {
  echo 'TEST "only" { true; }' | mkbats "$T/bats/one.bats"
  run_all "$T/bats/one.bats"
  [ "$status" -eq 0 ]
  [ "${lines[-1]}" = "5 passed, 0 failed" ]
}

@test "unit skips and failures are counted from its summary line" {
  unit_prints 'unit: 5 passed, 2 failed, 1 skipped' 1
  run_all "$T/bats/pass.bats"
  [ "$status" -ne 0 ]
  [ "${lines[-1]}" = "8 passed, 2 failed, 2 skipped" ]
}

@test "a failing bats test is named with its output, and fails the run" {
  mkbats "$T/bats/bad.bats" <<'EOF'
TEST "good one" { true; }
TEST "bad one" { echo "the reason it broke"; false; }
EOF
  run_all "$T/bats/pass.bats" "$T/bats/bad.bats"
  echo "$output"
  [ "$status" -ne 0 ]
  [ "${lines[-1]}" = "7 passed, 1 failed, 1 skipped" ]
  [[ "$output" == *"FAIL: "*"bad.bats: bad one"* ]]
  [[ "$output" == *"the reason it broke"* ]]
}

@test "a missing unit binary is a failure, not a skip" {
  rm "$T/build/bin/unit-tests"
  run_all "$T/bats/pass.bats"
  [ "$status" -ne 0 ]
  [ "${lines[-1]}" = "3 passed, 1 failed, 1 skipped" ]
  [[ "$output" == *"unit-tests binary missing"* ]]
}

@test "a unit binary that dies without a summary is a failure" {
  printf '#!/bin/sh\necho "case 1 ok"\nkill -SEGV $$\n' >"$T/build/bin/unit-tests"
  run_all "$T/bats/pass.bats"
  [ "$status" -ne 0 ]
  [ "${lines[-1]}" = "3 passed, 1 failed, 1 skipped" ]
  [[ "$output" == *"unit: no summary line"* ]]
}

@test "a unit binary that exits non-zero after a clean summary is a failure" {
  unit_prints 'unit: 3 passed, 0 failed' 2
  run_all "$T/bats/pass.bats"
  [ "$status" -ne 0 ]
  [ "${lines[-1]}" = "6 passed, 1 failed, 1 skipped" ]
}

@test "a failing setup_file fails every test of its file" {
  mkbats "$T/bats/setup.bats" <<'EOF'
setup_file() { echo "no daemon today"; false; }
TEST "a" { true; }
TEST "b" { true; }
EOF
  run_all "$T/bats/setup.bats"
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"no daemon today"* ]]
  # unit 3 + man 1 passed; both tests of the file failed.
  [ "${lines[-1]}" = "4 passed, 2 failed" ]
}

@test "a failing teardown_file is counted as a failure" {
  mkbats "$T/bats/teardown.bats" <<'EOF'
teardown_file() { echo "sanitizer said no"; false; }
TEST "a" { true; }
EOF
  run_all "$T/bats/teardown.bats"
  [ "$status" -ne 0 ]
  [[ "$output" == *"sanitizer said no"* ]]
  [ "${lines[-1]}" = "5 passed, 1 failed" ]
}

@test "a bats file that hangs is stopped and its tests count as failed" {
  mkbats "$T/bats/hang.bats" <<'EOF'
TEST "quick" { true; }
TEST "hangs" { exec sleep 1000; }
TEST "never reached" { true; }
EOF
  local t0=$SECONDS
  FILE_TIMEOUT=2 run_all "$T/bats/hang.bats"
  echo "$output"
  [ "$status" -ne 0 ]
  [ $((SECONDS - t0)) -lt 30 ]
  [[ "$output" == *"timed out"* ]]
  [ "${lines[-1]}" = "5 passed, 2 failed" ]
}

@test "a missing or unclean man page fails, one test per page" {
  printf '.Dd\n.Sh NAME\nno title macro\n' >"$T/man/bad.8"
  run env -i PATH="$(outer_path)" HOME="$T" TMPDIR="$T" BUILD="$T/build" \
    MAN_DIR="$T/man" MAN_PAGES="good.1 missing.3" SUITES="man" \
    bash "$REPO_ROOT/tests/run-all.sh"
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"man: missing.3: missing"* ]]
  [[ "$output" == *"man: bad.8: mandoc lint"* ]]
  [ "${lines[-1]}" = "1 passed, 2 failed" ]
}

@test "a bats file that does not exist is a failure" {
  run_all "$T/bats/pass.bats" "$T/bats/nope.bats"
  [ "$status" -ne 0 ]
  [[ "$output" == *"nope.bats: no such file"* ]]
  [ "${lines[-1]}" = "6 passed, 1 failed, 1 skipped" ]
}

@test "a process a bats file leaves behind does not outlive the run" {
  mkbats "$T/bats/leak.bats" <<EOF2
TEST "leaves a process" { sleep 1000 3>&- & echo \$! >"$T/leak.pid"; }
EOF2
  run_all "$T/bats/leak.bats"
  [ "$status" -eq 0 ]
  local pid
  pid=$(cat "$T/leak.pid")
  [ -n "$pid" ]
  # Gone, or a zombie waiting for a parent that does not reap; the kill
  # may still be landing, and the process may go between two looks.
  wait_for -t 10 gone_or_zombie "$pid"
}

# gone_or_zombie PID: no such process, or one that has finished.
gone_or_zombie() {
  local st
  st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 0
  [ -z "$st" ] || [ "$st" = Z ]
}
