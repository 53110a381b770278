#!/usr/bin/env bats
# The user-facing make targets as make plans them (make -n: nothing is
# built, installed or run): asan runs the whole check in its own tree with
# fatal sanitizer reports, install honours PREFIX and DESTDIR, help names
# every target. What they do for real is tested in install-*.bats and by
# make check itself.

load helpers

# make -n in the repository, without the suite's MAKEFLAGS.
plan() {
  env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
    make --no-print-directory -C "$REPO_ROOT" -n "$@"
}

@test "make asan runs check in build-asan with sanitizers on and reports fatal" {
  run plan asan
  [ "$status" -eq 0 ]
  [[ "$output" == *"ASAN_OPTIONS='"*"detect_leaks=1"* ]]
  [[ "$output" == *"ASAN_OPTIONS='"*"halt_on_error=1"* ]]
  [[ "$output" == *"UBSAN_OPTIONS='"*"halt_on_error=1"* ]]
  [[ "$output" == *"BUILD=build-asan SAN=1 check"* ]]
  # The sub-make (run even under -n) plans the check of build-asan.
  printf '%s\n' "$output" | grep -q "BUILD='build-asan' SAN='1' bash tests/run-all.sh"
}

@test "make check builds unit tests and test plugins, then runs the runner" {
  run plan check
  [ "$status" -eq 0 ]
  [[ "${lines[-1]}" == *"bash tests/run-all.sh"* ]]
  run plan check TESTS="tests/e2e/a.bats tests/e2e/b.bats"
  [[ "${lines[-1]}" == *"bash tests/run-all.sh tests/e2e/a.bats tests/e2e/b.bats" ]]
}

@test "make install honours PREFIX and DESTDIR and compiles in nothing of DESTDIR" {
  run plan -o all install PREFIX=/opt/act DESTDIR=/stage
  [ "$status" -eq 0 ]
  local f
  for f in "/stage/opt/act/bin/" "/stage/opt/act/lib/actord/plugins/" \
    "/stage/opt/act/include/actor/" "/stage/opt/act/lib/pkgconfig/libactor.pc" \
    "/stage/opt/act/lib/systemd/system/actord.service" \
    "/stage/opt/act/share/man/man"; do
    [[ "$output" == *"$f"* ]] || { echo "not installed to: $f"; false; }
  done
  # The generated files get the prefix, never the staging directory.
  printf '%s\n' "$output" | grep -F 'libactor.pc.in' | grep -q 's|@PREFIX@|/opt/act|g'
  ! printf '%s\n' "$output" | grep -F 'dist/' | grep -q 's|@PREFIX@|/stage'
}

@test "make help names every target a user runs" {
  run env -u MAKEFLAGS make --no-print-directory -C "$REPO_ROOT" help
  [ "$status" -eq 0 ]
  local t
  for t in 'make run' 'make check' 'make asan' 'make bench' 'make install' \
    'make uninstall' 'make clean'; do
    [[ "$output" == *"$t "* ]] || { echo "help lacks: $t"; false; }
  done
}
