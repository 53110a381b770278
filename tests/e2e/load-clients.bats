#!/usr/bin/env bats
# Load, kept modest for CI (two shared cores): many clients at once with
# mixed requests, every one answered without error, and the daemon's
# memory back near where it was once the load is gone. Bigger runs by hand:
#   python3 tests/e2e/load-driver.py SOCK clients 500 200

bats_require_minimum_version 1.5.0
load helpers

DRIVER=$BATS_TEST_DIRNAME/load-driver.py

setup_file() {
  daemon_start
  ctl spawn counter --name keeper >/dev/null
}
teardown_file() { daemon_stop; }

teardown() {
  rpc hello >/dev/null
  run ctl call keeper '{"get":true}'
  [ "$status" -eq 0 ] && [ "$output" = '{"count":0}' ]
}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$(_daemon_pid)/status"; }

# Only keeper and the root supervisor's children the test left: none.
no_load_actors() {
  ! ctl ps | grep -q load_
}

# rss_bounded BEFORE AFTER LIMIT_KB: the daemon grew by less than LIMIT_KB.
# Under the sanitizers (SAN set, make asan) freed memory sits in ASan's
# quarantine, so RSS says nothing; LeakSanitizer checks leaks there instead
# when the daemon stops.
rss_bounded() {
  [ -n "${SAN:-}" ] && return 0
  [ $(($2 - $1)) -lt "$3" ]
}

# rss_below KB: the daemon's resident memory is under KB now.
rss_below() { [ "$(rss_kb)" -lt "$1" ]; }

@test "load: 50 clients x 100 mixed requests, no error" {
  run python3 "$DRIVER" "$SOCK" clients 50 100
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"requests 5000 errors 0 "* ]]
  wait_for no_load_actors
}

@test "load: memory returns near its baseline after repeated load" {
  local base after i
  # The first run above warmed the allocator; a second one sets the mark.
  python3 "$DRIVER" "$SOCK" clients 50 100 >/dev/null
  wait_for no_load_actors
  base=$(rss_kb)
  for i in 1 2 3; do
    run python3 "$DRIVER" "$SOCK" clients 50 100
    [ "$status" -eq 0 ]
  done
  wait_for no_load_actors
  after=$(rss_kb)
  echo "RSS ${base} kB -> ${after} kB" >&3
  # 15000 more requests and 2500 actors come and gone: at most 4 MiB more.
  rss_bounded "$base" "$after" 4096
}

@test "load: clients and connection actors are all gone after the load" {
  run python3 "$DRIVER" "$SOCK" clients 20 30
  [ "$status" -eq 0 ]
  wait_for bash -c "\"$ACTORCTL\" -s \"$SOCK\" -o json stats | jq -e '.clients == 1'"
}

@test "load: memory returns to its baseline after 20,000 actors come and go" {
  local base req=$BATS_TEST_TMPDIR/spawns
  ctl spawn supervisor --name load_grp >/dev/null
  base=$(rss_kb)
  python3 -c '
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(20000):
        f.write(json.dumps({"jsonrpc": "2.0", "id": i, "method": "actor.spawn",
            "params": {"plugin": "counter", "sup": "load_grp",
                       "restart": "temporary"}}) + "\n")
' "$req"
  run bash -c "socat -t 60 - UNIX-CONNECT:$SOCK < '$req' | grep -c '\"result\"'"
  [ "$output" = 20000 ]
  ctl stop load_grp
  wait_for no_load_actors
  # The allocator gives the pages back once the exits pause (about 1 s):
  # without that, 20,000 counters that came and went stay ~25 MB resident.
  [ -n "${SAN:-}" ] || wait_for -t 15 rss_below $((base + 4096))
}
