# tmux.bash - drive a program in a real terminal for the shell tests.
#
# Every test file gets its own tmux server (-L NAME, -f /dev/null), so no
# user tmux, configuration or socket is touched; tmux_stop kills it.
# Nothing here sleeps a fixed time: tmux_wait_for polls the screen.
#
#   tmux_start CMD...        run CMD in a new 100x30 terminal
#   tmux_type TEXT           type TEXT literally
#   tmux_keys KEY...         press keys (Enter, Tab, Up, C-d, C-c, ...)
#   tmux_screen              print what the terminal shows
#   tmux_wait_for [-t S] RE  wait until the screen matches the extended
#                            regular expression RE
#   tmux_wait_gone [-t S]    wait until the program has left
#   tmux_exit_status         its exit status
#   tmux_stop                end the terminal and its server

TMUX_NAME=actorctl-test-$$-${BATS_TEST_NUMBER:-0}-$RANDOM

_tmux() {
  tmux -L "$TMUX_NAME" -f /dev/null "$@"
}

tmux_start() {
  TMUX_STATUS_FILE=$(mktemp /tmp/actorctl-tmux-status.XXXXXX)
  # A small sh waits for the program and writes down its exit status: the
  # status that tmux keeps for a dead pane is not reliable when the program
  # exits through a sanitizer's exit handlers.
  # shellcheck disable=SC2016 # the inner sh expands "$@" and "$0", not us
  _tmux new -d -s shell -x 100 -y 30 \
    sh -c '"$@"; echo "$?" >"$0"' "$TMUX_STATUS_FILE" "$@"
}

tmux_type() {
  _tmux send-keys -t shell -l -- "$1"
}

tmux_keys() {
  _tmux send-keys -t shell "$@"
}

tmux_screen() {
  _tmux capture-pane -p -t shell
}

_tmux_now_ms() {
  local t=${EPOCHREALTIME/[.,]/}
  printf '%s\n' "$((t / 1000))"
}

tmux_wait_for() {
  local timeout=10
  if [ "$1" = "-t" ]; then
    timeout=$2
    shift 2
  fi
  local deadline=$(($(_tmux_now_ms) + timeout * 1000 * ${TIMEOUT_SCALE:-1}))
  while :; do
    if tmux_screen | grep -Eq -- "$1"; then
      return 0
    fi
    if [ "$(_tmux_now_ms)" -ge "$deadline" ]; then
      echo "tmux_wait_for: '$1' did not appear within ${timeout}s; the screen:" >&2
      tmux_screen | sed 's/^/  | /' >&2
      return 1
    fi
    sleep 0.02
  done
}

# The program has left: its exit status is written down.
_tmux_dead() {
  [ -s "$TMUX_STATUS_FILE" ]
}

tmux_wait_gone() {
  local timeout=10
  if [ "${1:-}" = "-t" ]; then
    timeout=$2
    shift 2
  fi
  local deadline=$(($(_tmux_now_ms) + timeout * 1000 * ${TIMEOUT_SCALE:-1}))
  until _tmux_dead; do
    if [ "$(_tmux_now_ms)" -ge "$deadline" ]; then
      echo "tmux_wait_gone: the program still runs after ${timeout}s; the screen:" >&2
      tmux_screen | sed 's/^/  | /' >&2
      return 1
    fi
    sleep 0.02
  done
}

# The exit status of the program that left (128 + N for signal N).
tmux_exit_status() {
  cat "$TMUX_STATUS_FILE"
}

tmux_stop() {
  _tmux kill-server 2>/dev/null || true
  [ -z "${TMUX_STATUS_FILE:-}" ] || rm -f "$TMUX_STATUS_FILE"
}
