#!/bin/sh
# The network workloads: actord's bundled network plugins side by side with
# servers that do the same job without a runtime around them, on 127.0.0.1.
#
#   sh tests/bench/net.sh BIN-DIR PEER-DIR      (make bench-net; make bench)
#
#   http_hello  wrk (keep-alive, NET_WRK_THREADS threads, NET_WRK_CONNS
#               connections, NET_SECONDS seconds a run) against actord's
#               http_hello plugin, nginx (2 workers) and uv_peer http (2
#               loops); req/s and the p99 latency wrk reports
#   tcp_echo    echo-client (NET_ECHO_CONNS connections, NET_ECHO_BYTES each)
#               against actord's tcp_echo plugin and uv_peer echo; MB/s
#
# Every server gets 2 threads (the machine's cores, as in the other
# benchmarks) and the same client; runs are interleaved (run 1 of every
# server, then run 2, ...) so that the machine's noise falls on all alike.
# Each workload prints one line of medians per server (BENCH_RUNS runs,
# default 3), then a ratio line: ours / the fastest peer. Beside the rates,
# each line has the CPU time the server used per request or per GB (its
# own and its children's, from /proc): on a shared machine a rate moves
# with whatever else runs, the work per request much less. A peer or client
# that is not installed is skipped with one line on stderr that says so.
# Every process started here is stopped on exit.

# The run functions are called through measure, which shellcheck cannot see.
# shellcheck disable=SC2317
bin=${1:?usage: net.sh BIN-DIR PEER-DIR}
peers=${2:?usage: net.sh BIN-DIR PEER-DIR}
here=$(cd "$(dirname "$0")" && pwd)
runs=${BENCH_RUNS:-3}
seconds=${NET_SECONDS:-5}
wrk_threads=${NET_WRK_THREADS:-2}
wrk_conns=${NET_WRK_CONNS:-64}
echo_conns=${NET_ECHO_CONNS:-16}
echo_bytes=${NET_ECHO_BYTES:-128M}
body='Hello, world!'
actord=$bin/actord
actorctl=$bin/actorctl
echoclient=$bin/echo-client
uvpeer=$peers/uv_peer
status=0

# Bad arguments fail at once, before anything is started.
for v in "BENCH_RUNS=$runs" "NET_SECONDS=$seconds" \
         "NET_WRK_THREADS=$wrk_threads" "NET_WRK_CONNS=$wrk_conns" \
         "NET_ECHO_CONNS=$echo_conns"; do
  case ${v#*=} in
  '' | *[!0-9]* | 0*) echo "net bench: ${v%%=*} must be a positive integer: ${v#*=}" >&2
    exit 2 ;;
  esac
done
case $echo_bytes in
'' | *[!0-9KMG]* | [!1-9]* | *[KMG]?*)
  echo "net bench: NET_ECHO_BYTES must be a positive integer with an optional K, M or G: $echo_bytes" >&2
  exit 2 ;;
esac
if [ ! -d "$bin" ]; then
  echo "net bench: BIN-DIR is not a directory: $bin" >&2
  exit 2
fi
plugins=$(cd "$bin/.." && pwd)/plugins

skip() { echo "net bench: $1: skipped ($2)" >&2; }

if [ ! -x "$actord" ] || [ ! -x "$actorctl" ]; then
  skip all "actord or actorctl not built"
  exit 0
fi

tmp=$(mktemp -d) || exit 1
pids=
dpid=

# stop PID...: TERM, then KILL whatever is still there after 5 s.
stop() {
  for p in "$@"; do kill -TERM "$p" 2>/dev/null; done
  for p in "$@"; do
    i=0
    while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do
      sleep 0.05; i=$((i + 1))
    done
    kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
}
cleanup() {
  # shellcheck disable=SC2086
  stop $pids
  pids=
  dpid=
}
trap 'cleanup; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# listening PORT: whether something listens on 127.0.0.1:PORT (state 0A in
# /proc/net/tcp), without connecting to it.
listening() {
  awk -v p="$(printf '%04X' "$1")" \
    'NR > 1 && $4 == "0A" && $2 ~ (":" p "$") { f = 1 } END { exit !f }' \
    /proc/net/tcp
}

# free_port: a port that no socket of 127.0.0.1 or 0.0.0.0 uses now.
free_port() {
  while :; do
    p=$(($(od -An -N2 -tu2 /dev/urandom) % 30000 + 20000))
    hex=$(printf '%04X' "$p")
    awk -v p="$hex" 'NR > 1 && $2 ~ (":" p "$") { f = 1 } END { exit !f }' \
      /proc/net/tcp /proc/net/tcp6 || { echo "$p"; return; }
  done
}

# cpu_of PID: the clock ticks (user and system) that PID and its children
# (nginx's workers, listed by /proc/PID/task/*/children) have used. In
# /proc/PID/stat the fields after the command's ")" start with the state:
# user and system time are the 12th and 13th.
cpu_of() {
  for c in "$1" $(cat /proc/"$1"/task/*/children 2>/dev/null); do
    sed 's/.*) //' "/proc/$c/stat" 2>/dev/null
  done | awk '{ t += $12 + $13 } END { print t + 0 }'
}

# wait_listen NAME PID PORT LOG: wait until PID listens on PORT; on failure
# say why (the last line of LOG) and return 1.
wait_listen() {
  i=0
  until listening "$3"; do
    i=$((i + 1))
    if [ $i -gt 200 ] || ! kill -0 "$2" 2>/dev/null; then
      echo "net bench: $1 did not listen on port $3: $(tail -n 1 "$4" 2>/dev/null)" >&2
      return 1
    fi
    sleep 0.05
  done
}

# start_actord: actord with 2 schedulers on a private socket, no saved
# state; sets sock and dpid.
start_actord() {
  sock=$tmp/actord/control.sock
  mkdir -p "$tmp/actord"
  "$actord" -j 2 -s "$sock" -S "$tmp/actord/state" -p "$plugins" --ephemeral \
    -l error -L "$tmp/actord/actord.log" </dev/null &
  dpid=$!
  pids="$pids $dpid"
  i=0
  until "$actorctl" -s "$sock" daemon status >/dev/null 2>&1; do
    i=$((i + 1))
    if [ $i -gt 200 ] || ! kill -0 "$dpid" 2>/dev/null; then
      echo "net bench: actord did not start: $(tail -n 1 "$tmp/actord/actord.log" 2>/dev/null)" >&2
      return 1
    fi
    sleep 0.02
  done
}

# spawn_net PLUGIN PORT [BODY]: an actor of PLUGIN listening on PORT; on
# failure the reason is on stderr.
spawn_net() {
  if [ $# -eq 3 ]; then
    args="{\"address\":\"127.0.0.1\",\"port\":$2,\"body\":\"$3\"}"
  else
    args="{\"address\":\"127.0.0.1\",\"port\":$2}"
  fi
  "$actorctl" -s "$sock" spawn "$1" --name "bench_$1" --args "$args" >/dev/null
}

# start_uv_peer MODE PORT [BODY]: uv_peer with 2 loops; its pid in p.
start_uv_peer() {
  "$uvpeer" -j 2 "$@" >"$tmp/uv_peer.log" 2>&1 </dev/null &
  p=$!
  pids="$pids $p"
  wait_listen uv_peer "$p" "$2" "$tmp/uv_peer.log"
}

# start_nginx PORT: nginx with the conf of peers/nginx.conf.in, all of its
# files under $tmp/nginx; its pid in p. As root nginx would switch its
# workers to the conf's user (nobody by default), who could not open the
# temporary directory: the workers stay root, which they are anyway here.
start_nginx() {
  d=$tmp/nginx
  mkdir -p "$d"
  sed -e "s|@DIR@|$d|g" -e "s|@PORT@|$1|g" -e "s|@BODY@|$body|g" \
    "$here/peers/nginx.conf.in" >"$d/nginx.conf"
  if [ "$(id -u)" -eq 0 ]; then
    nginx -p "$d" -c "$d/nginx.conf" -e "$d/error.log" -g 'user root;' \
      </dev/null >"$d/stderr" 2>&1 &
  else
    nginx -p "$d" -c "$d/nginx.conf" -e "$d/error.log" \
      </dev/null >"$d/stderr" 2>&1 &
  fi
  p=$!
  pids="$pids $p"
  wait_listen nginx "$p" "$1" "$d/stderr"
}

# wrk_run RUNTIME PORT PID [SECONDS]: one wrk run (NET_SECONDS long by
# default); its JSON line on stdout,
# or a reason on stderr and status 1. Latencies convert from wrk's units
# (us, ms, s, m) to milliseconds; errors count socket errors and non-2xx
# answers; cpu_us_per_req is the CPU time of PID (and children) per request.
wrk_run() {
  hz=${hz:-$(getconf CLK_TCK)}
  secs=${4:-$seconds}
  c0=$(cpu_of "$3")
  timeout $((secs + 30)) wrk -t "$wrk_threads" -c "$wrk_conns" -d "${secs}s" \
    --latency "http://127.0.0.1:$2/" >"$tmp/wrk.out" 2>&1 </dev/null || {
    echo "wrk against $1 failed: $(tail -n 1 "$tmp/wrk.out")" >&2
    return 1
  }
  c1=$(cpu_of "$3")
  awk -v rt="$1" -v t="$wrk_threads" -v c="$wrk_conns" \
    -v cpu="$((c1 - c0))" -v hz="$hz" '
    function ms(v) {
      if (v ~ /us$/) return v / 1000
      if (v ~ /ms$/) return v + 0
      if (v ~ /m$/) return v * 60000
      if (v ~ /s$/) return v * 1000
      return ""
    }
    /^Requests\/sec:/ { rps = $2 }
    / requests in / { n = $1 }
    $1 == "99%" { p99 = ms($2) }
    /Socket errors:/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) err += $i }
    /Non-2xx or 3xx responses:/ { err += $NF }
    END {
      if (rps == "" || p99 == "" || n + 0 <= 0) exit 1
      printf "{\"workload\":\"http_hello\",\"runtime\":\"%s\",\"threads\":%d,\"connections\":%d,\"req_per_s\":%.0f,\"p99_ms\":%.3f,\"cpu_us_per_req\":%.2f,\"errors\":%d}\n", \
        rt, t, c, rps, p99, cpu / hz * 1e6 / n, err
    }' "$tmp/wrk.out" || {
    echo "cannot read the output of wrk against $1: $(tail -n 1 "$tmp/wrk.out")" >&2
    return 1
  }
}

# wrk_warmup RUNTIME PORT PID: a run of one second, not measured.
wrk_warmup() { wrk_run "$1" "$2" "$3" 1; }

# echo_run RUNTIME PORT PID [BYTES]: one echo-client run (NET_ECHO_BYTES per
# connection by default), its line with the
# runtime and cpu_ms_per_gb, the CPU time of PID per 10^9 bytes echoed.
echo_run() {
  hz=${hz:-$(getconf CLK_TCK)}
  c0=$(cpu_of "$3")
  "$echoclient" -c "$echo_conns" -b "${4:-$echo_bytes}" -t 60 127.0.0.1 "$2" \
    >"$tmp/echo.out" 2>"$tmp/echo.err" </dev/null || {
    echo "echo-client against $1 failed: $(tail -n 1 "$tmp/echo.err")" >&2
    return 1
  }
  c1=$(cpu_of "$3")
  awk -v rt="$1" -v cpu="$((c1 - c0))" -v hz="$hz" '
    match($0, /"connections":[0-9]+/) { c = substr($0, RSTART + 14, RLENGTH - 14) }
    match($0, /"bytes_per_conn":[0-9]+/) { b = substr($0, RSTART + 17, RLENGTH - 17) }
    {
      sub(/^\{"workload":"tcp_echo",/, "{\"workload\":\"tcp_echo\",\"runtime\":\"" rt "\",")
      sub(/\}$/, sprintf(",\"cpu_ms_per_gb\":%.1f}", cpu / hz * 1000 / (c * b / 1e9)))
      print
    }' "$tmp/echo.out"
}

# echo_warmup RUNTIME PORT PID: 8 MB per connection, not measured.
echo_warmup() { echo_run "$1" "$2" "$3" 8M; }

# medians_and_ratio WORKLOAD FIGURE CPU RUNTIMES: the median line of each
# runtime, then {"workload","figure","ratio","vs",...}: ours / the peer
# with the highest median of FIGURE, and cpu_ratio, ours / that peer's
# median of CPU (lower is better); for http_hello also that peer's p99 and
# whether ours is no worse. Returns 1 when actord has no run.
medians_and_ratio() {
  for rt in $4; do
    [ -s "$tmp/$1.$rt" ] && awk -f "$here/median.awk" "$tmp/$1.$rt"
  done >"$tmp/$1.medians"
  cat "$tmp/$1.medians"
  awk -v w="$1" -v fig="$2" -v cpuf="$3" '
    function get(line, key,    re) {
      re = "\"" key "\":[^,}]*"
      if (!match(line, re)) return ""
      return substr(line, RSTART + length(key) + 3, RLENGTH - length(key) - 3)
    }
    {
      rt = get($0, "runtime"); gsub(/"/, "", rt)
      v = get($0, fig)
      if (v == "") next
      if (rt == "actord") {
        ours = v; ours_p99 = get($0, "p99_ms"); ours_cpu = get($0, cpuf)
      } else if (best == "" || v + 0 > best + 0) {
        best = v; peer = rt; peer_p99 = get($0, "p99_ms"); peer_cpu = get($0, cpuf)
      }
    }
    END {
      if (ours == "" || best == "" || best + 0 <= 0) exit
      out = sprintf("{\"workload\":\"%s\",\"figure\":\"%s\",\"ratio\":%.2f,\"vs\":\"%s\",\"target\":0.9", \
        w, fig, ours / best, peer)
      if (ours_cpu + 0 > 0 && peer_cpu + 0 > 0)
        out = out sprintf(",\"cpu_ratio\":%.2f", ours_cpu / peer_cpu)
      if (ours_p99 != "" && peer_p99 != "")
        out = out sprintf(",\"p99_ms\":%s,\"vs_p99_ms\":%s,\"p99_no_worse\":%s", \
          ours_p99, peer_p99, (ours_p99 + 0 <= peer_p99 + 0) ? "true" : "false")
      print out "}"
    }' "$tmp/$1.medians"
  [ -s "$tmp/$1.actord" ]
}

# measure WORKLOAD FIGURE CPU RUN WARMUP: a WARMUP run against every server
# of $servers, then BENCH_RUNS rounds of RUN (wrk_run or echo_run) against
# each in turn, then the medians and the ratio line (medians_and_ratio). A runtime of servers that had no
# successful run prints an error line and fails the script.
measure() {
  names=
  for spec in $servers; do names="$names ${spec%%:*}"; done
  [ -n "$names" ] || return 0
  # One short run each first, so that no server is measured while it
  # still faults its pages in or grows its connection tables.
  for spec in $servers; do
    rest=${spec#*:}
    "$5" "${spec%%:*}" "${rest%%:*}" "${rest#*:}" >/dev/null
  done
  i=0
  while [ "$i" -lt "$runs" ]; do
    for spec in $servers; do
      rt=${spec%%:*}
      rest=${spec#*:}
      "$4" "$rt" "${rest%%:*}" "${rest#*:}" >>"$tmp/$1.$rt" ||
        echo "net bench: $1 $rt: run $((i + 1)) failed" >&2
    done
    i=$((i + 1))
  done
  if ! medians_and_ratio "$1" "$2" "$3" "$names" &&
     case " $names " in *" actord "*) true ;; *) false ;; esac; then
    printf '{"workload":"%s","runtime":"actord","error":"every run failed"}\n' "$1"
    status=1
  fi
}

# actord_listen WORKLOAD [BODY]: actord's WORKLOAD plugin on a free port,
# added to $servers; an error line (and status 1) when it does not listen.
actord_listen() {
  port=$(free_port)
  if spawn_net "$1" "$port" ${2:+"$2"} 2>"$tmp/why" &&
     wait_listen actord "$dpid" "$port" "$tmp/why"; then
    servers="$servers actord:$port:$dpid"
  else
    printf '{"workload":"%s","runtime":"actord","error":"%s"}\n' "$1" \
      "$(tail -n 1 "$tmp/why" | tr -d '\042\134')"
    status=1
  fi
}

# uv_peer_listen WORKLOAD MODE [BODY]: uv_peer in MODE, added to $servers.
uv_peer_listen() {
  if [ ! -x "$uvpeer" ]; then
    skip "$1 uv_peer" "$uvpeer not built"
    return
  fi
  port=$(free_port)
  mode=$2
  shift 2
  start_uv_peer "$mode" "$port" "$@" && servers="$servers uv_peer:$port:$p"
}

# ------------------------------------------------------------ http_hello
if ! command -v wrk >/dev/null 2>&1; then
  skip http_hello "wrk not found; apt-get install wrk"
elif start_actord; then
  servers=
  actord_listen http_hello "$body"
  if ! command -v nginx >/dev/null 2>&1; then
    skip "http_hello nginx" "nginx not found; apt-get install nginx-light"
  else
    port=$(free_port)
    start_nginx "$port" && servers="$servers nginx:$port:$p"
  fi
  uv_peer_listen http_hello http "$body"
  measure http_hello req_per_s cpu_us_per_req wrk_run wrk_warmup
  cleanup
else status=1; fi

# -------------------------------------------------------------- tcp_echo
if [ ! -x "$echoclient" ]; then
  skip tcp_echo "$echoclient not built"
elif start_actord; then
  servers=
  actord_listen tcp_echo
  uv_peer_listen tcp_echo echo
  measure tcp_echo mb_per_s cpu_ms_per_gb echo_run echo_warmup
  cleanup
else status=1; fi

exit $status
