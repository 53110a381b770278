# The functions the end-to-end tests (bats) share. Load with
#
#     load helpers            (from tests/e2e/*.bats)
#     load ../e2e/helpers     (from tests/shell/*.bats)
#
# Every test file runs its own daemon on a private socket in a private
# directory, so files can run in parallel and no user configuration or state
# is ever read:
#
#     setup_file()    { daemon_start; }
#     teardown_file() { daemon_stop; }
#
#     @test "counter counts" {
#       id=$(ctl spawn counter)
#       ctl send "$id" '{"inc":2}'
#       run ctl call "$id" '{"get":true}'
#       [ "$status" -eq 0 ] && [ "$output" = '{"count":2}' ]
#     }
#
# Variables exported in setup_file reach every test of the file. Waiting is
# always done by polling a condition (wait_for), never by a fixed sleep.
#
# Environment (all optional; relative paths are taken from the repository
# root and exported as absolute paths):
#   BUILD            the build tree (default "build"; make asan: "build-asan")
#   ACTORD ACTORCTL  the binaries (default $BUILD/bin/actord, .../actorctl)
#   PLUGIN_DIR       bundled plugins (default $BUILD/plugins)
#   TEST_PLUGIN_DIR  misbehaving test plugins (default $BUILD/tests/plugins)
#   DAEMON_TIMEOUT   seconds daemon_start/daemon_stop wait (default 10)
#   RPC_TIMEOUT      seconds rpc/rpc_raw wait for a reply (default 10)
#   KEEP_TEST_DIR=1  keep the daemon's directory after a clean stop
#   TIMEOUT_SCALE    a whole number every wait of these functions is
#                    multiplied by: wait_for, DAEMON_TIMEOUT, RPC_TIMEOUT
#                    (default 1; 10 under VALGRIND)
#   VALGRIND=1       run actord (ACTORD) under valgrind's memcheck (make
#                    valgrind). Each process logs to
#                    VALGRIND_LOG_DIR/NAME.PID.log (default
#                    $BUILD/valgrind/logs); daemon_stop and daemon_restart
#                    fail when the daemon's log shows a memory error or a
#                    definite or indirect leak. Tests that only make sense
#                    at native speed call skip_under_valgrind.
#   VALGRIND_ACTORCTL=GLOB  under VALGRIND, the bats files whose path
#                    matches GLOB (make valgrind: */e2e/cli-*) run actorctl
#                    under memcheck too: it is short-lived, and valgrind's
#                    start costs about a second a run.
#   VALGRIND_SUPP    a suppressions file (default tests/valgrind.supp when
#                    it exists)

# The repository root: this file lives in tests/e2e/.
_e2e_dir=$(cd "$(dirname "${BASH_SOURCE[0]:-$BATS_TEST_DIRNAME/helpers.bash}")" && pwd)
REPO_ROOT=$(cd "$_e2e_dir/../.." && pwd)
export REPO_ROOT
unset _e2e_dir

# Make a path absolute, relative to the repository root.
_abspath() {
  case "$1" in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s\n' "$REPO_ROOT/$1" ;;
  esac
}

BUILD=$(_abspath "${BUILD:-build}")
ACTORD=$(_abspath "${ACTORD:-$BUILD/bin/actord}")
ACTORCTL=$(_abspath "${ACTORCTL:-$BUILD/bin/actorctl}")
PLUGIN_DIR=$(_abspath "${PLUGIN_DIR:-$BUILD/plugins}")
TEST_PLUGIN_DIR=$(_abspath "${TEST_PLUGIN_DIR:-$BUILD/tests/plugins}")
export BUILD ACTORD ACTORCTL PLUGIN_DIR TEST_PLUGIN_DIR

TIMEOUT_SCALE=${TIMEOUT_SCALE:-$([ -n "${VALGRIND:-}" ] && echo 10 || echo 1)}
case $TIMEOUT_SCALE in
  '' | *[!0-9]* | 0*)
    echo "helpers: TIMEOUT_SCALE must be a whole number from 1, got \"$TIMEOUT_SCALE\"" >&2
    return 1
    ;;
esac
export TIMEOUT_SCALE

# The errors memcheck reports, each the first line of a record: the kinds
# of memcheck's manual (invalid accesses and frees, uses of uninitialised
# values, overlaps, bad arguments), the leaks that count
# (--errors-for-leak-kinds=definite,indirect) and a crash (SIGILL, SIGABRT,
# SIGBUS, SIGFPE, SIGSEGV; not the SIGTERM, SIGHUP or SIGKILL of a test).
_VALGRIND_ERRORS='^==[0-9]+== (Invalid (read|write|free|alignment)|Mismatched free|Conditional jump or move depends on uninitialised|Use of uninitialised value|Syscall param .* (uninitialised|unaddressable)|Source and destination overlap|Argument .* of function .* has a fishy|Jump to the invalid address|.* are (definitely|indirectly) lost|Process terminating with default action of signal (4|6|7|8|11) )'

# The exit status memcheck gives a process it found an error in.
_VALGRIND_STATUS=97

# valgrind_log_errors FILE: fail, printing the log's error records and
# summaries, when a memcheck log shows an error or a leak that counts. A
# log without a summary is that of a process that was killed (or of a
# child between fork and exec): the records it has still count. A process
# a test ended with a signal (SIGHUP, SIGINT, SIGTERM) freed nothing and
# may have been in the middle of a call: its leaks say nothing, its other
# errors count.
valgrind_log_errors() {
  local log=$1 n
  [ -r "$log" ] || return 0
  n=$(sed -nE 's/^==[0-9]+== ERROR SUMMARY: ([0-9]+) errors.*/\1/p' "$log" | tail -n 1)
  if grep -Eq '^==[0-9]+== Process terminating with default action of signal (1|2|15) ' "$log"; then
    grep -E "$_VALGRIND_ERRORS" "$log" | grep -qvE 'are (definitely|indirectly) lost' ||
      return 0
  elif [ "${n:-0}" -eq 0 ] && ! grep -Eq "$_VALGRIND_ERRORS" "$log"; then
    return 0
  fi
  echo "valgrind: $log: ${n:-an unknown number of} errors:"
  # The records past the six-line banner, at most 150 lines, then what the
  # summaries say of the leaks that count and of the errors.
  sed -n '7,$p' "$log" |
    grep -v -E '^==[0-9]+== *$|HEAP SUMMARY|in use at exit|total heap usage|LEAK SUMMARY|(possibly lost|still reachable|suppressed|definitely lost|indirectly lost):|Reachable blocks|To see them|rerun with|ERROR SUMMARY' |
    head -n 150 | sed 's/^/  | /'
  grep -E '(definitely|indirectly) lost:|ERROR SUMMARY' "$log" | sed 's/^/  | /'
  return 1
}

# _valgrind_wrap NAME VAR: point VAR (ACTORD, ACTORCTL) at a script that
# runs the binary under memcheck. Children are not traced: actord starts
# exec's launchers and the isolate hosts from a descriptor of its binary
# that valgrind's launcher cannot reopen after the exec, and an isolate
# host's address space limit leaves memcheck no room; they run natively.
_valgrind_wrap() {
  local name=$1 var=$2 real dir tmp
  real=${!var}
  dir=$VALGRIND_DIR/bin
  # Only the build's own binary: not a test's stand-in, and not the script
  # again (helpers are loaded again for each test).
  [ "$real" = "$BUILD/bin/$name" ] || return 0
  mkdir -p "$dir" "$VALGRIND_LOG_DIR" || return 1
  # Files run in parallel, and other runs may share the build tree: the
  # script is the same for all (where the logs go is read when it runs),
  # and each writes its own and renames it into place.
  tmp=$(mktemp "$dir/.$name.XXXXXX") || return 1
  sed -e "s|@NAME@|$name|g" -e "s|@STATUS@|$_VALGRIND_STATUS|" \
    -e "s|@LOGS@|$VALGRIND_DIR/logs|" -e "s|@REAL@|$real|" >"$tmp" <<'WRAP'
#!/bin/sh
# @NAME@ under memcheck (tests/e2e/helpers.bash, VALGRIND set).
exec valgrind --tool=memcheck --leak-check=full \
  --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
  --error-exitcode=@STATUS@ --trace-children=no --fair-sched=yes \
  --keep-debuginfo=yes --num-callers=30 \
  ${VALGRIND_SUPP:+"--suppressions=$VALGRIND_SUPP"} \
  --log-file="${VALGRIND_LOG_DIR:-@LOGS@}/@NAME@.%p.log" '@REAL@' "$@"
WRAP
  chmod 755 "$tmp" && mv -f "$tmp" "$dir/$name" || return 1
  printf -v "$var" '%s' "$dir/$name"
  export "${var?}"
}

if [ -n "${VALGRIND:-}" ]; then
  if ! command -v valgrind >/dev/null 2>&1; then
    echo "helpers: VALGRIND is set but valgrind is not installed" >&2
    return 1
  fi
  VALGRIND_DIR=$BUILD/valgrind
  VALGRIND_LOG_DIR=$(_abspath "${VALGRIND_LOG_DIR:-$VALGRIND_DIR/logs}")
  if [ -z "${VALGRIND_SUPP+set}" ] && [ -r "$REPO_ROOT/tests/valgrind.supp" ]; then
    VALGRIND_SUPP=$REPO_ROOT/tests/valgrind.supp
  fi
  VALGRIND_SUPP=${VALGRIND_SUPP:+$(_abspath "$VALGRIND_SUPP")}
  export VALGRIND VALGRIND_DIR VALGRIND_LOG_DIR VALGRIND_SUPP
  _valgrind_wrap actord ACTORD || return 1
  # shellcheck disable=SC2053
  if [ -n "${VALGRIND_ACTORCTL:-}" ] &&
    [[ ${BATS_TEST_FILENAME:-} == $VALGRIND_ACTORCTL ]]; then
    _valgrind_wrap actorctl ACTORCTL || return 1
  fi
fi

# skip_under_valgrind WHY: skip this test under VALGRIND (a timing bound,
# resident memory: what measures the daemon rather than checks it).
skip_under_valgrind() {
  [ -z "${VALGRIND:-}" ] || skip "under valgrind: $*"
}

# Microseconds since the epoch (bash 5), for deadlines.
_now_us() {
  local t=${EPOCHREALTIME/[.,]/}
  printf '%s\n' "$t"
}

# Seconds ("10", "0.5") to microseconds.
_secs_us() {
  local int=${1%%.*} frac=
  case $1 in *.*) frac=${1#*.} ;; esac
  frac=${frac}000000
  printf '%s\n' $(( ${int:-0} * 1000000 + 10#${frac:0:6} ))
}

# wait_for [-t SECONDS] CMD [ARGS...]
# Run CMD every 20 ms until it succeeds; fail after SECONDS (default 10,
# fractions allowed) times TIMEOUT_SCALE, naming the command and showing
# what its last attempt printed.
wait_for() {
  local timeout=10
  if [ "${1:-}" = "-t" ]; then
    timeout=$2
    shift 2
  fi
  if [ $# -eq 0 ]; then
    echo "wait_for: no command given" >&2
    return 2
  fi
  local deadline=$(($(_now_us) + $(_secs_us "$timeout") * TIMEOUT_SCALE))
  while :; do
    if "$@" >/dev/null 2>&1; then
      return 0
    fi
    if [ "$(_now_us)" -ge "$deadline" ]; then
      break
    fi
    sleep 0.02
  done
  timeout=${timeout}s
  [ "$TIMEOUT_SCALE" -eq 1 ] || timeout="$timeout x $TIMEOUT_SCALE"
  echo "wait_for: timed out after $timeout: $*" >&2
  echo "wait_for: last attempt printed:" >&2
  "$@" 2>&1 | sed 's/^/  | /' >&2 || true
  return 1
}

# Is process $1 alive (and not a zombie)?
_pid_alive() {
  local pid=$1 state
  kill -0 "$pid" 2>/dev/null || return 1
  if [ -r "/proc/$pid/stat" ]; then
    # Field 3 of /proc/PID/stat, after the parenthesised command name.
    state=$(sed 's/^.*) \(.\).*$/\1/' "/proc/$pid/stat" 2>/dev/null) || return 1
    [ "$state" != Z ] || return 1
  fi
  return 0
}

# The seconds daemon_start and daemon_stop wait.
_daemon_timeout() { echo $((${DAEMON_TIMEOUT:-10} * TIMEOUT_SCALE)); }

# Does the daemon answer a hello on $SOCK?
daemon_answers() {
  local reply
  reply=$(printf '{"jsonrpc":"2.0","id":1,"method":"hello"}\n' |
    socat -t 2 -T $((3 * TIMEOUT_SCALE)) - "UNIX-CONNECT:$SOCK" 2>/dev/null) || return 1
  case "$reply" in
    *'"result"'*) return 0 ;;
  esac
  return 1
}

# Print the daemon's log (for failures), indented so it stands out.
daemon_log() {
  echo "--- $LOG" >&2
  sed 's/^/  | /' "$LOG" >&2 2>/dev/null || true
  echo "---" >&2
}

# Start actord in the private directory $DAEMON_DIR (made by daemon_start).
_daemon_launch() {
  local -a args=("$@")
  declare -p args >"$DAEMON_DIR/args"
  # stdin from /dev/null and fd 3 closed: bats waits for whoever holds fd 3.
  "$ACTORD" -s "$SOCK" -S "$STATE" -p "$PLUGIN_DIR" "$@" \
    </dev/null >>"$LOG" 2>&1 3>&- &
  DAEMON_PID=$!
  export DAEMON_PID
  # Tests that restart the daemon run in another process than teardown_file,
  # so the current pid is kept in a file, not only in the environment.
  echo "$DAEMON_PID" >"$DAEMON_DIR/pid"
  # Every daemon the directory had, for their valgrind logs.
  echo "$DAEMON_PID" >>"$DAEMON_DIR/pids"

  local deadline=$(($(_now_us) + $(_daemon_timeout) * 1000000))
  until daemon_answers; do
    if ! _pid_alive "$DAEMON_PID"; then
      local rc=0
      wait "$DAEMON_PID" 2>/dev/null || rc=$?
      echo "daemon_start: actord exited (status $rc) before answering on $SOCK" >&2
      daemon_log
      return 1
    fi
    if [ "$(_now_us)" -ge "$deadline" ]; then
      echo "daemon_start: actord did not answer hello on $SOCK within $(_daemon_timeout)s" >&2
      daemon_log
      kill -KILL "$DAEMON_PID" 2>/dev/null || true
      return 1
    fi
    sleep 0.02
  done
}

# daemon_start [ACTORD ARGS...]
# A private directory with SOCK, STATE, LOG; actord in the foreground as a
# background job; returns once it answers hello. Exports DAEMON_DIR, SOCK,
# STATE, LOG, DAEMON_PID, and ACTORD_SOCKET, XDG_*, ACTORCTL_HISTFILE
# pointing into the directory.
daemon_start() {
  if [ ! -x "$ACTORD" ]; then
    echo "daemon_start: $ACTORD is missing (run make)" >&2
    return 1
  fi
  DAEMON_DIR=$(mktemp -d /tmp/actord-test.XXXXXX)
  SOCK=$DAEMON_DIR/control.sock
  STATE=$DAEMON_DIR/state
  LOG=$DAEMON_DIR/actord.log
  export DAEMON_DIR SOCK STATE LOG
  mkdir -m 0700 "$DAEMON_DIR/run" "$DAEMON_DIR/xdg-state" "$DAEMON_DIR/xdg-config"
  export ACTORD_SOCKET=$SOCK
  export XDG_RUNTIME_DIR=$DAEMON_DIR/run
  export XDG_STATE_HOME=$DAEMON_DIR/xdg-state
  export XDG_CONFIG_HOME=$DAEMON_DIR/xdg-config
  export ACTORCTL_HISTFILE=$DAEMON_DIR/history
  : >"$LOG"
  _daemon_launch "$@"
}

# The pid of the daemon this file started (also after daemon_restart in a test).
_daemon_pid() {
  if [ -n "${DAEMON_DIR:-}" ] && [ -r "$DAEMON_DIR/pid" ]; then
    cat "$DAEMON_DIR/pid"
  else
    printf '%s\n' "${DAEMON_PID:-}"
  fi
}

# Fail if the daemon's log shows a sanitizer report or an internal error,
# or (under VALGRIND) the memcheck log of a daemon of this directory shows
# an error or a leak that counts.
daemon_check_log() {
  local pattern='ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer|internal error'
  local failed=0 pid
  if [ -f "$LOG" ] && grep -Eq "$pattern" "$LOG"; then
    echo "daemon: $LOG shows a sanitizer report or an internal error:" >&2
    grep -En -A12 "$pattern" "$LOG" | head -n 80 | sed 's/^/  | /' >&2
    failed=1
  fi
  if [ -n "${VALGRIND:-}" ] && [ -r "$DAEMON_DIR/pids" ]; then
    while read -r pid; do
      valgrind_log_errors "$VALGRIND_LOG_DIR/actord.$pid.log" >&2 || failed=1
    done <"$DAEMON_DIR/pids"
  fi
  return "$failed"
}

# Wait until process $1 is gone (or a zombie, then reap it if it is ours).
# Sets _DAEMON_RC to its exit status, 127 when it is unknown: the daemon is
# not a child of this shell (a test restarted it), or this is a subshell
# (bats' run), which cannot reap it.
_daemon_wait_gone() {
  local pid=$1 secs=$2
  local deadline=$(($(_now_us) + secs * 1000000))
  _DAEMON_RC=127
  while _pid_alive "$pid"; do
    [ "$(_now_us)" -lt "$deadline" ] || return 1
    sleep 0.02
  done
  _DAEMON_RC=0
  wait "$pid" 2>/dev/null || _DAEMON_RC=$?
  # In a subshell (bats' run) bash may know the job but not its end: -1.
  [ "$_DAEMON_RC" -ge 0 ] || _DAEMON_RC=127
  return 0
}

# daemon_stop: SIGTERM, wait (bounded; then SIGKILL and fail), then fail if
# the log shows a sanitizer report or an internal error.
daemon_stop() {
  local pid rc failed=0
  pid=$(_daemon_pid)
  [ -n "$pid" ] || return 0
  if _pid_alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    if ! _daemon_wait_gone "$pid" "$(_daemon_timeout)"; then
      echo "daemon_stop: actord (pid $pid) still running $(_daemon_timeout)s after SIGTERM; killed" >&2
      kill -KILL "$pid" 2>/dev/null || true
      _daemon_wait_gone "$pid" 5 || true
      daemon_log
      failed=1
    elif rc=$_DAEMON_RC && [ "$rc" -gt 128 ] && [ "$rc" -ne 143 ]; then
      echo "daemon_stop: actord (pid $pid) died of signal $((rc - 128)) on SIGTERM" >&2
      daemon_log
      failed=1
    elif [ "$rc" -ne 0 ] && [ "$rc" -ne 127 ] && [ "$rc" -ne 143 ]; then
      # An orderly shutdown exits 0 (127: not our child, status unknown).
      echo "daemon_stop: actord (pid $pid) exited with status $rc on SIGTERM$(
        [ -z "${VALGRIND:-}" ] || [ "$rc" -ne "$_VALGRIND_STATUS" ] ||
          echo ": memcheck found errors")" >&2
      daemon_log
      failed=1
    fi
  else
    # Already gone (daemon_kill9, or it crashed): reap it if it is ours.
    wait "$pid" 2>/dev/null || true
  fi
  rm -f "$DAEMON_DIR/pid"
  daemon_check_log || failed=1
  if [ "$failed" -eq 0 ] && [ -z "${KEEP_TEST_DIR:-}" ] && [ -n "${DAEMON_DIR:-}" ]; then
    rm -rf "$DAEMON_DIR"
  fi
  return "$failed"
}

# daemon_restart [ACTORD ARGS...]: stop and start again on the same
# directory, state and socket; without arguments, with the previous ones.
daemon_restart() {
  local pid
  pid=$(_daemon_pid)
  if [ -n "$pid" ] && _pid_alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    if ! _daemon_wait_gone "$pid" "$(_daemon_timeout)"; then
      echo "daemon_restart: actord (pid $pid) still running after SIGTERM" >&2
      kill -KILL "$pid" 2>/dev/null || true
      daemon_log
      return 1
    fi
  fi
  daemon_check_log || return 1
  if [ $# -gt 0 ]; then
    _daemon_launch "$@"
  else
    local -a args=()
    # shellcheck disable=SC1091
    [ -r "$DAEMON_DIR/args" ] && . "$DAEMON_DIR/args"
    _daemon_launch "${args[@]}"
  fi
}

# daemon_kill9: SIGKILL the daemon (crash tests); returns once it is gone.
daemon_kill9() {
  local pid
  pid=$(_daemon_pid)
  [ -n "$pid" ] || { echo "daemon_kill9: no daemon" >&2; return 1; }
  kill -KILL "$pid" 2>/dev/null || true
  _daemon_wait_gone "$pid" "$(_daemon_timeout)" || {
    echo "daemon_kill9: actord (pid $pid) survived SIGKILL" >&2
    return 1
  }
}

# ctl ARGS...: actorctl on this file's daemon.
ctl() {
  "$ACTORCTL" -s "$SOCK" "$@"
}

# rpc_raw LINE [COUNT]: send LINE (and a newline) on a new connection; print
# up to COUNT (default 1) lines that come back. Status 0 when COUNT lines
# came, 1 when the connection closed or RPC_TIMEOUT expired before.
rpc_raw() {
  local line=$1 count=${2:-1} reply n=0 rc=0
  local deadline=$(($(_now_us) + $((${RPC_TIMEOUT:-10} * TIMEOUT_SCALE)) * 1000000))
  coproc _RPC { exec socat -t 5 - "UNIX-CONNECT:$SOCK" 2>/dev/null 3>&-; }
  local in=${_RPC[1]} out=${_RPC[0]} pid=$_RPC_PID
  printf '%s\n' "$line" 1>&"$in" 2>/dev/null || rc=1
  while [ "$rc" -eq 0 ] && [ "$n" -lt "$count" ]; do
    local left=$(((deadline - $(_now_us)) / 1000))
    if [ "$left" -le 0 ]; then
      rc=1
      break
    fi
    if IFS= read -r -t "$((left / 1000)).$(printf '%03d' $((left % 1000)))" reply <&"$out"; then
      printf '%s\n' "$reply"
      n=$((n + 1))
    else
      rc=1
    fi
  done
  exec {in}>&- {out}<&-
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  return "$rc"
}

# rpc METHOD [PARAMS_JSON]: one JSON-RPC request; prints the reply line.
# Status 0 when the reply has "result", 1 when it has "error" (or none came).
rpc() {
  local method=$1 params=${2:-} req reply
  if [ -n "$params" ]; then
    req=$(printf '{"jsonrpc":"2.0","id":1,"method":"%s","params":%s}' "$method" "$params")
  else
    req=$(printf '{"jsonrpc":"2.0","id":1,"method":"%s"}' "$method")
  fi
  reply=$(rpc_raw "$req") || {
    echo "rpc: no reply to $method within $((${RPC_TIMEOUT:-10} * TIMEOUT_SCALE))s" >&2
    return 1
  }
  printf '%s\n' "$reply"
  printf '%s\n' "$reply" | jq -e 'has("result")' >/dev/null 2>&1
}

# json_field FILTER [JSON]: apply a jq filter to JSON (default: stdin) and
# print the result raw (strings without quotes). Fails on invalid JSON.
json_field() {
  if [ $# -ge 2 ]; then
    printf '%s\n' "$2" | jq -r "$1"
  else
    jq -r "$1"
  fi
}

# json_assert FILTER [JSON]: succeed when the jq filter yields true on JSON
# (default: stdin); otherwise print the filter and the document, and fail.
json_assert() {
  local doc
  if [ $# -ge 2 ]; then doc=$2; else doc=$(cat); fi
  if printf '%s\n' "$doc" | jq -e "$1" >/dev/null 2>&1; then
    return 0
  fi
  echo "json_assert: not true: $1" >&2
  echo "json_assert: on: $doc" >&2
  return 1
}
