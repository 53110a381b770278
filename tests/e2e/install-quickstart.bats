#!/usr/bin/env bats
# The README's quick start as a newcomer meets it: make run starts actord on
# the default socket with the bundled plugins and opens the shell, a second
# make run reuses that daemon, and the README's tour works as written, line
# by line, printing what its comments promise.
#
# The "default" socket is made private by pointing XDG_RUNTIME_DIR into the
# test directory (ACTORD_SOCKET unset), and make run's state and log go there
# too (RUN_STATE, RUN_LOG), so the developer's own daemon and build/state are
# never touched.

load helpers

# make in the repository, without the suite's MAKEFLAGS (its jobserver is
# not ours) and with "-o all": make check has built everything already.
repo_make() {
  env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
    make --no-print-directory -C "$REPO_ROOT" -o all BUILD="$BUILD" \
    SAN="${SAN:-}" RUN_STATE="$RUN_STATE" RUN_LOG="$LOG" "$@"
}

setup() {
  DIR=$(mktemp -d /tmp/actord-qs.XXXXXX)
  mkdir -m 0700 "$DIR/run" "$DIR/xdg-state" "$DIR/xdg-config"
  unset ACTORD_SOCKET
  export XDG_RUNTIME_DIR=$DIR/run
  export XDG_STATE_HOME=$DIR/xdg-state
  export XDG_CONFIG_HOME=$DIR/xdg-config
  export ACTORCTL_HISTFILE=$DIR/history
  export RUN_STATE=$DIR/state
  export LOG=$DIR/actord.log
  # What actorctl and actord resolve with the environment above.
  DEFAULT_SOCK=$XDG_RUNTIME_DIR/actord/control.sock
  PATH=$BUILD/bin:$PATH
}

# Stop whatever daemon the test left on the default socket, then check its
# log like any daemon's.
teardown() {
  if "$ACTORCTL" -q daemon status >/dev/null 2>&1; then
    "$ACTORCTL" -q daemon stop || true
  fi
  wait_for -t 10 socket_gone
  daemon_check_log
  rm -rf "$DIR"
}

socket_gone() {
  ! "$ACTORCTL" -q daemon status >/dev/null 2>&1
}

@test "make run starts the daemon on the default socket and opens the shell" {
  run repo_make run <<'EOF'
spawn counter --name c1
send c1 {"inc": 2}
call c1 {"get": true}
EOF
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *'{"count":2}'* ]]
  # It stays up after the shell, on the default socket, with the state
  # directory and the bundled plugins make run gave it.
  [ -S "$DEFAULT_SOCK" ]
  run actorctl -o json daemon status
  echo "$output"
  [ "$status" -eq 0 ]
  json_assert '.socket == "'"$DEFAULT_SOCK"'"' "$output"
  [ -d "$RUN_STATE" ]
  run actorctl -o json plugins
  json_assert 'map(.name) | index("counter") and index("echo")' "$output"
}

@test "a second make run reuses the running daemon" {
  repo_make run </dev/null
  local pid
  pid=$(actorctl -o json daemon status | json_field .pid)
  actorctl spawn counter --name kept
  actorctl send kept '{"inc":7}'

  run repo_make run <<'EOF'
call kept {"get": true}
EOF
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"reusing"* ]]
  [[ "$output" == *'{"count":7}'* ]]
  [ "$(actorctl -o json daemon status | json_field .pid)" = "$pid" ]
}

# The tour's lines: "actorctl ..." between "## A short tour" and the next
# section. They run with stdin from /dev/null, so "actorctl shell" reads no
# command and ends.
tour_lines() {
  awk '/^## A short tour/ { t = 1; next } /^## / { t = 0 }
       t && /^actorctl / { print }' "$REPO_ROOT/README.md"
}

# run_tour_line LINE: run one line of the tour as the README shows it; when
# its comment shows JSON ("# {...}" or "prints {...}"), poll until the
# output is that (a restart after a kill takes a moment).
run_tour_line() {
  local line=$1 cmd comment want=''
  cmd=${line%%#*}
  comment=${line#"$cmd"}
  case $comment in
    *'{'*) want="{${comment#*\{}" ;;
  esac
  if [ -n "$want" ]; then
    wait_for -t 10 output_is "$want" bash -c "$cmd"
  else
    bash -c "$cmd" </dev/null
  fi
}

# output_is WANT CMD...: CMD succeeds and prints exactly WANT.
output_is() {
  local want=$1 got
  shift
  got=$("$@") || return 1
  [ "$got" = "$want" ]
}

@test "the README's tour works line by line, as its comments say" {
  local lines line n=0
  repo_make run </dev/null
  lines=$(tour_lines)
  [ -n "$lines" ]
  # It must exercise what the README promises a newcomer.
  for want in 'spawn counter --name c1' "send c1 '{\"inc\":1}'" \
    "call c1 '{\"get\":true}'" ' ps' ' tree' ' logs ' ' shell' 'daemon stop'; do
    [[ "$lines" == *"$want"* ]] || { echo "the tour lacks: $want"; false; }
  done
  while IFS= read -r line; do
    n=$((n + 1))
    echo "tour line $n: $line"
    run_tour_line "$line"
  done <<<"$lines"
  # The last line stopped the daemon.
  wait_for -t 10 socket_gone
  # The tour stops what it started, so the next make run restores nothing
  # and the tour can be taken again.
  repo_make run </dev/null
  run actorctl -o json ps
  [ "$status" -eq 0 ]
  json_assert 'length == 0' "$output"
}
