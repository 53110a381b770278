#!/bin/sh
# The daemon workloads of BENCHMARKS.md (section 2) that can be measured with
# what is built: each prints one JSON line. Every workload starts its own
# actord on a private socket in a temporary directory, with no saved state,
# and stops it afterwards.
#
#   sh tests/bench/daemon.sh build/bin
#
# A workload whose prerequisites are missing (a binary, a plugin, hyperfine)
# prints one "daemon bench: NAME: skipped (...)" line on stderr instead.
bin=${1:?usage: daemon.sh BIN-DIR}
runs=${BENCH_RUNS:-3}
actord=$bin/actord
actorctl=$bin/actorctl
ctlbench=$bin/ctl-bench
plugins=$(cd "$bin/.." && pwd)/plugins
here=$(cd "$(dirname "$0")" && pwd)
status=0

skip() { echo "daemon bench: $1: skipped ($2)" >&2; }

if [ ! -x "$actord" ] || [ ! -x "$actorctl" ]; then
  skip all "actord or actorctl not built"
  exit 0
fi

dir=
pid=
stop_daemon() {
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
      sleep 0.05; i=$((i + 1))
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    pid=
  fi
  [ -n "$dir" ] && rm -rf "$dir"
  dir=
}
trap 'stop_daemon' EXIT
trap 'stop_daemon; exit 130' INT TERM

# start_daemon: a fresh actord on a private socket; waits until it answers.
start_daemon() {
  dir=$(mktemp -d) || exit 1
  sock=$dir/control.sock
  "$actord" -s "$sock" -S "$dir/state" -p "$plugins" --ephemeral \
    -l error -L "$dir/actord.log" &
  pid=$!
  i=0
  until "$actorctl" -s "$sock" daemon status >/dev/null 2>&1; do
    i=$((i + 1))
    if [ $i -gt 200 ] || ! kill -0 "$pid" 2>/dev/null; then
      echo "daemon bench: actord did not start: $(tail -n 3 "$dir/actord.log" 2>/dev/null)" >&2
      stop_daemon
      return 1
    fi
    sleep 0.02
  done
}

ctl() { "$actorctl" -s "$sock" "$@"; }

rss_of() { awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/$1/status"; }
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1;
  if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# hyperfine_ms COMMAND: the median wall time of COMMAND in milliseconds.
hyperfine_ms() {
  hyperfine -N --style none --warmup 10 --runs "${HF_RUNS:-100}" \
    --export-json "$dir/hf.json" "$1" >/dev/null 2>&1 || return 1
  awk '/"median"/ { gsub(/[^0-9.eE+-]/, "", $2); printf "%.3f\n", $2 * 1000; exit }' \
    "$dir/hf.json"
}

# -------------------------------------------------------------- idle_rss
# The CPU it uses while idle rides along (the target is 0%): clock ticks of
# /proc/PID/stat over 3 seconds.
if start_daemon; then
  sleep 0.5
  v=$(for i in $(seq "$runs"); do rss_of "$pid"; sleep 0.1; done | median)
  np=$(ctl -o json plugins 2>/dev/null | grep -o '"name"' | wc -l)
  c0=$(cpu_ticks "$pid"); sleep 3; c1=$(cpu_ticks "$pid")
  pct=$(awk -v d=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "%.2f", d * 100 / hz / 3 }')
  printf '{"workload":"idle_rss","runtime":"actord","rss_b":%s,"plugins":%s,"idle_cpu_pct":%s}\n' \
    "$v" "$np" "$pct"
  stop_daemon
else status=1; fi

# -------------------------------------------------------------- ctl_call
if ! command -v hyperfine >/dev/null 2>&1; then
  skip ctl_call "hyperfine not installed: apt-get install hyperfine"
elif start_daemon; then
  if ctl spawn echo --name echo >/dev/null 2>&1 &&
     ctl call echo '{"x":1}' >/dev/null 2>&1; then
    ms=$(hyperfine_ms "$actorctl -s $sock call echo '{\"x\":1}'")
    printf '{"workload":"ctl_call","runtime":"actord","ms":%s}\n' "${ms:-null}"
  else
    skip ctl_call "actorctl call echo does not answer"
  fi
  stop_daemon
else status=1; fi

# ---------------------------------------------------------- ctl_pipeline
if [ ! -x "$ctlbench" ]; then
  skip ctl_pipeline "ctl-bench not built"
elif start_daemon; then
  if ctl spawn counter --name c1 >/dev/null 2>&1; then
    : >"$dir/lines"
    for i in $(seq "$runs"); do
      "$ctlbench" "$sock" pipeline 100000 c1 '{"inc":1}' >>"$dir/lines"
    done
    got=$(ctl call c1 '{"get":true}' 2>/dev/null | grep -o '[0-9][0-9]*')
    lost=$((100000 * runs - ${got:-0}))
    awk -f "$here/median.awk" "$dir/lines" | sed "s/}\$/,\"lost\":$lost}/"
  else
    skip ctl_pipeline "cannot spawn the counter plugin"
  fi
  stop_daemon
else status=1; fi

# spawn_many N: N counter actors through the socket, in waves of 10,000
# pipelined requests; fails (with the reason on stderr) when a wave has
# errors or the whole takes longer than BENCH_SETUP_LIMIT seconds.
spawn_many() {
  left=$1
  t0=$(date +%s)
  while [ "$left" -gt 0 ]; do
    wave=$((left < 10000 ? left : 10000))
    out=$("$ctlbench" "$sock" spawn "$wave" counter temporary) || return 1
    case $out in
    *'"errors":0,'*) ;;
    *) echo "spawning actors failed: $out" >&2; return 1 ;;
    esac
    left=$((left - wave))
    if [ $(($(date +%s) - t0)) -gt "${BENCH_SETUP_LIMIT:-120}" ]; then
      echo "spawning $1 actors took over ${BENCH_SETUP_LIMIT:-120} s ($left left)" >&2
      return 1
    fi
  done
}

# -------------------------------------------------------------- ctl_list
if [ ! -x "$ctlbench" ]; then
  skip ctl_list "ctl-bench not built"
elif start_daemon; then
  if spawn_many 100000 2>"$dir/why"; then
    "$ctlbench" "$sock" list "$runs"
  else
    skip ctl_list "$(cat "$dir/why")"
  fi
  stop_daemon
else status=1; fi

# ---------------------------------------------------------------- ps_10k
if [ ! -x "$ctlbench" ] || ! command -v hyperfine >/dev/null 2>&1; then
  skip ps_10k "ctl-bench or hyperfine missing"
elif start_daemon; then
  if spawn_many 10000 2>"$dir/why"; then
    n=$(ctl -o json ps | grep -o '"id"' | wc -l)
    ms=$(HF_RUNS=30 hyperfine_ms "$actorctl -s $sock ps")
    printf '{"workload":"ps_10k","runtime":"actord","ms":%s,"actors":%s}\n' "${ms:-null}" "$n"
  else
    skip ps_10k "$(cat "$dir/why")"
  fi
  stop_daemon
else status=1; fi

# -------------------------------------------------------- restart_inproc
# The crash plugin under a supervisor of its own whose intensity a hundred
# restarts do not exceed, with no backoff.
if [ ! -x "$ctlbench" ]; then
  skip restart_inproc "ctl-bench not built"
elif start_daemon; then
  if ctl spawn supervisor --name bench_sup \
       --args '{"intensity":100000,"period_ms":1000}' >/dev/null 2>"$dir/why" &&
     ctl spawn crash --name bench_crash --sup bench_sup >/dev/null 2>"$dir/why"; then
    "$ctlbench" "$sock" restart 100 bench_crash
  else
    skip restart_inproc "$(cat "$dir/why")"
  fi
  stop_daemon
else status=1; fi

# ------------------------------------------------------ restart_isolated
# The crash plugin isolated in a host process, under a supervisor of its
# own; the host dies of SIGSEGV and the time runs until the replacement, in
# a new host, answers a call.
if [ ! -x "$ctlbench" ]; then
  skip restart_isolated "ctl-bench not built"
elif start_daemon; then
  if ctl spawn supervisor --name bench_sup \
       --args '{"intensity":100000,"period_ms":1000}' >/dev/null 2>"$dir/why" &&
     ctl spawn crash --name bench_icrash --sup bench_sup --isolate \
       >/dev/null 2>"$dir/why"; then
    "$ctlbench" "$sock" restart 100 bench_icrash segv
  else
    skip restart_isolated "$(cat "$dir/why")"
  fi
  stop_daemon
else status=1; fi

# ---------------------------------------------------------- restart_exec
# cat under a supervisor of its own; the program is SIGKILLed and the time
# runs until the name's new actor runs cat again. cat exits by itself when
# the daemon goes (its stdin closes), so nothing outlives the daemon.
if [ ! -x "$ctlbench" ]; then
  skip restart_exec "ctl-bench not built"
elif start_daemon; then
  if ctl spawn supervisor --name bench_sup \
       --args '{"intensity":100000,"period_ms":1000}' >/dev/null 2>"$dir/why" &&
     ctl exec --name bench_cat --sup bench_sup -- cat >/dev/null 2>"$dir/why"; then
    "$ctlbench" "$sock" restart-exec 100 bench_cat cat
  else
    skip restart_exec "$(cat "$dir/why")"
  fi
  stop_daemon
else status=1; fi

# --------------------------------------------------------- exec_1000_rss
if [ ! -x "$ctlbench" ]; then
  skip exec_1000_rss "ctl-bench not built"
elif start_daemon; then
  out=$("$ctlbench" "$sock" spawn 1000 exec temporary '{"argv":["cat"]}')
  case $out in
  *'"errors":0,'*)
    sleep 0.5
    v=$(for i in $(seq "$runs"); do rss_of "$pid"; sleep 0.1; done | median)
    n=$(pgrep -c -P "$pid")
    printf '{"workload":"exec_1000_rss","runtime":"actord","rss_b":%s,"programs":%s}\n' "$v" "$n" ;;
  *) skip exec_1000_rss "spawning 1000 exec actors failed: $out" ;;
  esac
  stop_daemon
else status=1; fi

exit $status
