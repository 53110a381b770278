#!/bin/sh
# make run: start actord in the background on the default socket (the one
# actorctl finds without -s: $ACTORD_SOCKET, else
# $XDG_RUNTIME_DIR/actord/control.sock, else /tmp/actord-$UID/control.sock)
# with the bundled plugins and a state directory in the build tree, or reuse
# the daemon that already answers there; then open the shell. The daemon
# stays up after the shell ends, until "actorctl daemon stop".
set -eu

build=${1:-build}
case $build in
  /*) ;;
  *) build=$(pwd)/$build ;;
esac
ctl=$build/bin/actorctl

for f in "$ctl" "$build/bin/actord"; do
  if [ ! -x "$f" ]; then
    echo "make run: $f is missing (run make first)" >&2
    exit 1
  fi
done

# The daemon detaches and changes to /, so every path it gets is absolute.
if "$ctl" -q daemon status >/dev/null 2>&1; then
  echo "make run: reusing the actord that already runs:"
  "$ctl" daemon status
else
  mkdir -p "$build/state"
  "$ctl" daemon start -- -S "$build/state" -p "$build/plugins" \
    -L "$build/actord.log"
fi
echo "make run: the daemon keeps running after the shell; its log is" \
  "$build/actord.log; stop it with: $ctl daemon stop"
exec "$ctl" shell
