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
#   tmux_stop                end the terminal and its server

TMUX_NAME=actorctl-test-$$-${BATS_TEST_NUMBER:-0}-$RANDOM

_tmux() {
  tmux -L "$TMUX_NAME" -f /dev/null "$@"
}

tmux_start() {
  _tmux new-session -d -s shell -x 100 -y 30 "$@"
  # The pane stays after the program leaves so its last screen can be read,
  # and its exit status shows in #{pane_dead_status}.
  _tmux set-option -t shell remain-on-exit on >/dev/null
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
  local deadline=$(($(_tmux_now_ms) + timeout * 1000))
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

# The program in the pane has left: its pane is dead.
_tmux_dead() {
  [ "$(_tmux display-message -p -t shell '#{pane_dead}' 2>/dev/null)" = 1 ]
}

tmux_wait_gone() {
  local timeout=10
  if [ "${1:-}" = "-t" ]; then
    timeout=$2
    shift 2
  fi
  local deadline=$(($(_tmux_now_ms) + timeout * 1000))
  until _tmux_dead; do
    if [ "$(_tmux_now_ms)" -ge "$deadline" ]; then
      echo "tmux_wait_gone: the program still runs after ${timeout}s; the screen:" >&2
      tmux_screen | sed 's/^/  | /' >&2
      return 1
    fi
    sleep 0.02
  done
}

# The exit status of the program that left the pane.
tmux_exit_status() {
  _tmux display-message -p -t shell '#{pane_dead_status}'
}

tmux_stop() {
  _tmux kill-server 2>/dev/null || true
}
