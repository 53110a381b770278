#!/bin/sh
# deploy_10k (BENCHMARKS.md): deploy a new version of the counter plugin
# (counter 1.0.0 -> the test plugin counter-v2.so, through code_change)
# under 10,000 live counter actors while another client keeps sending
# {"inc":1} to one of them. Prints one JSON line: the deploy request's wall
# time in milliseconds (watch window 0: the moves only) and how many of the
# sent increments the counter did not count.
#
#   sh tests/bench/deploy.sh build/bin
#
# Prerequisites missing (a binary, the test plugin) give one
# "deploy bench: skipped (...)" line on stderr instead.
bin=${1:?usage: deploy.sh BIN-DIR}
actors=${BENCH_ACTORS:-10000}
sends=${BENCH_SENDS:-20000}
actord=$bin/actord
actorctl=$bin/actorctl
ctlbench=$bin/ctl-bench
plugins=$(cd "$bin/.." && pwd)/plugins
v2=$(cd "$bin/.." && pwd)/tests/plugins/counter-v2.so

skip() { echo "deploy bench: skipped ($1)" >&2; exit 0; }

[ -x "$actord" ] && [ -x "$actorctl" ] && [ -x "$ctlbench" ] ||
  skip "actord, actorctl or ctl-bench not built"
[ -f "$v2" ] || skip "$v2 not built (make test-plugins)"

dir=$(mktemp -d) || exit 1
pid=
sender=
cleanup() {
  [ -n "$sender" ] && kill "$sender" 2>/dev/null && wait "$sender" 2>/dev/null
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 200 ]; do
      sleep 0.05; i=$((i + 1))
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

sock=$dir/control.sock
"$actord" -s "$sock" -S "$dir/state" -p "$plugins" --ephemeral \
  -l error -L "$dir/actord.log" &
pid=$!
ctl() { "$actorctl" -s "$sock" "$@"; }
i=0
until ctl daemon status >/dev/null 2>&1; do
  i=$((i + 1))
  if [ $i -gt 200 ] || ! kill -0 "$pid" 2>/dev/null; then
    echo "deploy bench: actord did not start: $(tail -n 3 "$dir/actord.log" 2>/dev/null)" >&2
    exit 1
  fi
  sleep 0.02
done

left=$actors
while [ "$left" -gt 0 ]; do
  wave=$((left < 10000 ? left : 10000))
  out=$("$ctlbench" "$sock" spawn "$wave" counter temporary) || exit 1
  case $out in
  *'"errors":0,'*) ;;
  *) echo "deploy bench: spawning actors failed: $out" >&2; exit 1 ;;
  esac
  left=$((left - wave))
done
ctl spawn counter --name target --restart temporary >/dev/null || exit 1

# The sender: one client, one send per line, as fast as the socket goes.
awk -v n="$sends" 'BEGIN { for (i = 0; i < n; i++) print "send target {\"inc\":1}" }' \
  >"$dir/sends"
ctl run - <"$dir/sends" &
sender=$!
# Deploy once the stream is flowing.
until [ "$(ctl call target '{"get":true}' | sed 's/[^0-9]//g')" -gt 0 ] 2>/dev/null; do
  sleep 0.005
done

t0=$(date +%s%N)
ctl deploy "$v2" --watch 0 >"$dir/deploy.out" 2>&1 || {
  echo "deploy bench: deploy failed: $(cat "$dir/deploy.out")" >&2
  exit 1
}
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
running=$(kill -0 "$sender" 2>/dev/null && echo 1 || echo 0)
wait "$sender" || { echo "deploy bench: the sender failed" >&2; exit 1; }
sender=
[ "$running" = 1 ] ||
  echo "deploy bench: the sender ended before the deploy did (raise BENCH_SENDS)" >&2

# Every send was accepted when the sender ended; wait until the count stops
# moving, then compare.
last=-1
count=$(ctl call target '{"get":true}' | sed 's/.*"count":\([0-9]*\).*/\1/')
while [ "$count" != "$last" ]; do
  last=$count
  sleep 0.05
  count=$(ctl call target '{"get":true}' | sed 's/.*"count":\([0-9]*\).*/\1/')
done
moved=$(sed 's/.*moved: *//;t;d' "$dir/deploy.out")
printf '{"workload":"deploy_10k","runtime":"actord","ms":%s,"lost":%s,"actors":%s,"moved":%s}\n' \
  "$ms" "$((sends - count))" "$((actors + 1))" "${moved:-null}"
