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
echo "make run: actord keeps running after the shell; its log: $log;" \
  "stop it with: $ctl daemon stop"
exec "$ctl" shell
