#!/bin/sh
# make run: start actord in the background on the default socket (the one
# actorctl finds without -s: $ACTORD_SOCKET, else
# $XDG_RUNTIME_DIR/actord/control.sock, else /tmp/actord-$UID/control.sock)
# with the bundled plugins and a state directory in the build tree, or reuse
# the daemon that already answers there; then open the shell. The daemon
# stays up after the shell ends, until "actorctl daemon stop".
#
# Usage: mk/run.sh BUILD [STATE_DIR [LOG_FILE]]
set -eu

# The daemon detaches and changes to /, so every path it gets is absolute.
abs() {
  case $1 in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s/%s\n' "$(pwd)" "$1" ;;
  esac
}

build=$(abs "${1:-build}")
state=$(abs "${2:-$build/state}")
log=$(abs "${3:-$build/actord.log}")
ctl=$build/bin/actorctl

for f in "$ctl" "$build/bin/actord"; do
  if [ ! -x "$f" ]; then
    echo "make run: $f is missing (run make first)" >&2
    exit 1
  fi
done

if "$ctl" -q daemon status >/dev/null 2>&1; then
  echo "make run: reusing the actord that already runs:"
  "$ctl" daemon status
else
  mkdir -p "$state" "$(dirname "$log")"
  "$ctl" daemon start -S "$state" -p "$build/plugins" -L "$log"
fi
echo "make run: actord keeps running after the shell; its log is $log"
echo "make run: stop it with: $ctl daemon stop"
# On a terminal the shell runs as a job of its own (set -m), so that Ctrl-C,
# which the shell uses to cancel a line, reaches it alone and not make.
if [ -t 0 ] && [ -t 2 ]; then
  set -m
  status=0
  "$ctl" shell || status=$?
  exit "$status"
fi
exec "$ctl" shell
