#!/bin/sh
# Run the runtime workloads of BENCHMARKS.md on actord's runtime and on the
# peers (Erlang/OTP, CAF) side by side: runs are interleaved (run 1 of every
# runtime, then run 2, ...) so that the machine's noise falls on all of them
# alike; then one median line per runtime and workload, and a table of the
# ratios ours / best peer.
#
#   sh tests/bench/compare.sh build/bin/actor-bench build/bench
#
# A peer that is not installed is skipped with a line that says so.
# ACTOR_BENCH_OPTS passes options to actor-bench (e.g. --local, --spread).
bench=${1:?usage: compare.sh ACTOR-BENCH PEER-DIR}
peers=${2:?usage: compare.sh ACTOR-BENCH PEER-DIR}
here=$(dirname "$0")
runs=${BENCH_RUNS:-3}
limit=${BENCH_TIMEOUT:-300}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

runtimes="actord"
if ! command -v erl >/dev/null 2>&1; then
  echo "bench-compare: erlang: skipped (erl not found; apt-get install erlang-nox)"
elif [ ! -f "$peers/actor_bench.beam" ]; then
  echo "bench-compare: erlang: skipped ($peers/actor_bench.beam not built)"
else
  runtimes="$runtimes erlang"
fi
if [ -x "$peers/caf-bench" ]; then
  runtimes="$runtimes caf"
else
  echo "bench-compare: caf: skipped (no $peers/caf-bench; apt-get install libcaf-dev g++)"
fi

# run RUNTIME WORKLOAD ARGS...: one run, its JSON line appended to its file.
run() {
  rt=$1
  shift
  case $rt in
  # shellcheck disable=SC2086
  actord) set -- "$bench" ${ACTOR_BENCH_OPTS:-} "$@" ;;
  erlang) set -- erl +S 2 +P 4000000 -noshell -pa "$peers" \
            -run actor_bench main "$@" ;;
  caf) set -- "$peers/caf-bench" "$@" ;;
  esac
  if ! timeout "$limit" "$@" </dev/null >>"$tmp/$rt.$w" 2>"$tmp/err"; then
    echo "bench-compare: $rt $w: a run failed: $(tail -n 1 "$tmp/err")" >&2
  fi
}

workloads="pingpong:1000000 counting:10000000 threadring:1000:10000000 spawn:1000000 fanout:1000:1000"
i=0
while [ "$i" -lt "$runs" ]; do
  for spec in $workloads; do
    w=${spec%%:*}
    args=$(echo "${spec#*:}" | tr ':' ' ')
    for rt in $runtimes; do
      # shellcheck disable=SC2086
      run "$rt" "$w" $args
    done
  done
  i=$((i + 1))
done

for spec in $workloads; do
  w=${spec%%:*}
  for rt in $runtimes; do
    [ -s "$tmp/$rt.$w" ] && awk -f "$here/median.awk" "$tmp/$rt.$w"
  done
done | tee "$tmp/medians"
echo
awk -f "$here/ratios.awk" "$tmp/medians"
