#!/usr/bin/env bats
# What make valgrind stands on: the helpers run actord under memcheck when
# VALGRIND is set and fail a daemon whose log shows an error, waits scale
# with TIMEOUT_SCALE, and tests/run-all.sh's valgrind suite counts every
# log with an error as a failed test. The log reader is driven with logs
# of known content in memcheck's format; one test runs the real daemon
# under memcheck.

bats_require_minimum_version 1.5.0
load helpers

# vglog FILE [RECORD...]: a memcheck log of pid 4242, each RECORD a line
# of the errors part, then the summaries memcheck ends a log with: ERRORS
# errors (default 0) and DEFINITE bytes definitely lost (default 0).
vglog() {
  local f=$1
  shift
  {
    printf '==4242== Memcheck, a memory error detector\n'
    printf "==4242== Copyright (C) 2002-2022, and GNU GPL'd, by Julian Seward et al.\n"
    printf '==4242== Using Valgrind-3.19.0 and LibVEX; rerun with -h for copyright info\n'
    printf '==4242== Command: %s/bin/actord -s x.sock\n' "$BUILD"
    printf '==4242== Parent PID: 1\n'
    printf '==4242== \n'
    for r in "$@"; do printf '==4242== %s\n' "$r"; done
    [ -n "${NO_SUMMARY:-}" ] && return 0
    printf '==4242== HEAP SUMMARY:\n'
    printf '==4242==     in use at exit: 200 bytes in 2 blocks\n'
    printf '==4242== LEAK SUMMARY:\n'
    printf '==4242==    definitely lost: %s bytes in 1 blocks\n' "${DEFINITE:-0}"
    printf '==4242==    indirectly lost: 0 bytes in 0 blocks\n'
    printf '==4242==    still reachable: 200 bytes in 2 blocks\n'
    printf '==4242== ERROR SUMMARY: %s errors from %s contexts (suppressed: 0 from 0)\n' \
      "${ERRORS:-0}" "${ERRORS:-0}"
  } >"$f"
}

@test "a clean log, and one of a process a test stopped by a signal, pass" {
  local d=$BATS_TEST_TMPDIR
  vglog "$d/clean.log"
  run valgrind_log_errors "$d/clean.log"
  [ "$status" -eq 0 ] && [ -z "$output" ]
  vglog "$d/term.log" 'Process terminating with default action of signal 15 (SIGTERM)' \
    '   at 0x49A5F36: epoll_wait (epoll_wait.c:30)'
  run valgrind_log_errors "$d/term.log"
  [ "$status" -eq 0 ]
  # Killed by a test mid-call: what it held is no leak of its own.
  ERRORS=1 DEFINITE=35 vglog "$d/hup.log" \
    'Process terminating with default action of signal 1 (SIGHUP)' \
    '   at 0x49ED00F: open (open64.c:41)' \
    '35 bytes in 1 blocks are definitely lost in loss record 26 of 115'
  run valgrind_log_errors "$d/hup.log"
  [ "$status" -eq 0 ]
  # But an invalid access before the signal counts.
  ERRORS=2 DEFINITE=35 vglog "$d/hup2.log" 'Invalid read of size 4' \
    'Process terminating with default action of signal 15 (SIGTERM)' \
    '35 bytes in 1 blocks are definitely lost in loss record 26 of 115'
  run valgrind_log_errors "$d/hup2.log"
  [ "$status" -eq 1 ]
  # A child between fork and exec leaves the banner only.
  NO_SUMMARY=1 vglog "$d/child.log"
  run valgrind_log_errors "$d/child.log"
  [ "$status" -eq 0 ]
}

@test "an invalid read fails, showing the record and the summary" {
  ERRORS=1 vglog "$BATS_TEST_TMPDIR/bad.log" 'Invalid read of size 8' \
    '   at 0x10915D: conn_free (conn.c:120)' \
    " Address 0x4a8b040 is 8 bytes inside a block of size 40 free'd"
  run valgrind_log_errors "$BATS_TEST_TMPDIR/bad.log"
  [ "$status" -eq 1 ]
  [[ "$output" == *"bad.log: 1 errors:"* ]]
  [[ "$output" == *"Invalid read of size 8"* ]]
  [[ "$output" == *"conn_free (conn.c:120)"* ]]
  [[ "$output" == *"ERROR SUMMARY: 1 errors"* ]]
  [[ "$output" != *"still reachable"* ]]
}

@test "a definite leak fails; so do the records of a daemon killed before its summary" {
  ERRORS=1 DEFINITE=64 vglog "$BATS_TEST_TMPDIR/leak.log" \
    '64 bytes in 1 blocks are definitely lost in loss record 3 of 9' \
    '   at 0x48407B4: malloc (vg_replace_malloc.c:381)'
  run valgrind_log_errors "$BATS_TEST_TMPDIR/leak.log"
  [ "$status" -eq 1 ]
  [[ "$output" == *"are definitely lost"* ]]
  [[ "$output" == *"definitely lost: 64 bytes"* ]]
  NO_SUMMARY=1 vglog "$BATS_TEST_TMPDIR/killed.log" \
    'Conditional jump or move depends on uninitialised value(s)' \
    '   at 0x1093A0: state_commit (state.c:88)'
  run valgrind_log_errors "$BATS_TEST_TMPDIR/killed.log"
  [ "$status" -eq 1 ]
  [[ "$output" == *"an unknown number of errors"* ]]
  [[ "$output" == *"state_commit (state.c:88)"* ]]
  vglog "$BATS_TEST_TMPDIR/segv.log" \
    'Process terminating with default action of signal 11 (SIGSEGV)'
  run valgrind_log_errors "$BATS_TEST_TMPDIR/segv.log"
  [ "$status" -eq 1 ]
}

@test "run-all.sh's valgrind suite: one failed test per bad log, one passed test when all are clean" {
  local d=$BATS_TEST_TMPDIR/logs
  mkdir -p "$d"
  vglog "$d/actord.1.log"
  vglog "$d/actorctl.2.log"
  run env -u VALGRIND SUITES=valgrind VALGRIND_LOG_DIR="$d" \
    bash "$REPO_ROOT/tests/run-all.sh"
  [ "$status" -eq 0 ]
  [[ "$output" == *"ok valgrind: 2 logs"* ]]
  [ "${lines[-1]}" = "1 passed, 0 failed" ]
  ERRORS=1 vglog "$d/actord.3.log" 'Invalid write of size 1' '   at 0x1: f (x.c:1)'
  ERRORS=1 vglog "$d/actord.4.log" 'Invalid free() / delete / delete[] / realloc()'
  run env -u VALGRIND SUITES=valgrind VALGRIND_LOG_DIR="$d" \
    bash "$REPO_ROOT/tests/run-all.sh"
  [ "$status" -ne 0 ]
  [[ "$output" == *"FAIL: valgrind: "*"actord.3.log"* ]]
  [[ "$output" == *"Invalid write of size 1"* ]]
  [ "${lines[-1]}" = "0 passed, 2 failed" ]
  # No log at all: the bats files did not run under memcheck.
  run env -u VALGRIND SUITES=valgrind VALGRIND_LOG_DIR="$BATS_TEST_TMPDIR/none" \
    bash "$REPO_ROOT/tests/run-all.sh"
  [ "$status" -ne 0 ]
  [ "${lines[-1]}" = "0 passed, 1 failed" ]
}

@test "TIMEOUT_SCALE multiplies wait_for and is checked" {
  run env TIMEOUT_SCALE=3 bash -c '. "$1"; wait_for -t 0.1 false' _ \
    "$REPO_ROOT/tests/e2e/helpers.bash"
  [ "$status" -eq 1 ]
  [[ "$output" == *"timed out after 0.1s x 3: false"* ]]
  run env TIMEOUT_SCALE=fast bash -c '. "$1"' _ "$REPO_ROOT/tests/e2e/helpers.bash"
  [ "$status" -ne 0 ]
  [ "$output" = 'helpers: TIMEOUT_SCALE must be a whole number from 1, got "fast"' ]
}

@test "VALGRIND=1: the daemon runs under memcheck and its log is checked at the stop" {
  command -v valgrind >/dev/null || skip "valgrind is not installed"
  [ -z "${SAN:-}" ] || skip "memcheck cannot run a binary built with ASan"
  local d=$BATS_TEST_TMPDIR
  run env VALGRIND=1 VALGRIND_LOG_DIR="$d/vg" BATS_TEST_FILENAME=x.bats KEEP_TEST_DIR=1 \
    bash -c '. "$1"
      daemon_start || exit 1
      pid=$DAEMON_PID
      grep -q valgrind "/proc/$pid/cmdline" || { echo "not under valgrind"; exit 1; }
      ctl spawn counter --name c >/dev/null && ctl call c "{\"get\":true}" || exit 1
      daemon_stop || exit 1
      grep -q "ERROR SUMMARY: 0 errors" "$VALGRIND_LOG_DIR/actord.$pid.log" || exit 1
      echo "checked $pid"
      # The same check finds a record in that log.
      echo "==$pid== Invalid read of size 4" >>"$VALGRIND_LOG_DIR/actord.$pid.log"
      daemon_check_log && exit 1
      rm -rf "$DAEMON_DIR"' _ "$REPO_ROOT/tests/e2e/helpers.bash"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *'{"count":0}'* ]]
  [[ "$output" == *"checked "* ]]
  [[ "$output" == *"Invalid read of size 4"* ]]
}
