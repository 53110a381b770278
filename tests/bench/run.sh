#!/bin/sh
# Run the runtime workloads of BENCHMARKS.md (section 1) at their sizes,
# BENCH_RUNS times each (default 3), and print one JSON line per workload
# with the median figures.
#
#   sh tests/bench/run.sh build/bin/actor-bench [ACTOR-BENCH OPTIONS]
#
# A workload whose every run fails prints {"workload":...,"error":...} and
# makes the script exit 1 after the others ran.
bench=${1:?usage: run.sh ACTOR-BENCH [OPTIONS]}
shift
here=$(dirname "$0")
runs=${BENCH_RUNS:-3}
limit=${BENCH_TIMEOUT:-300}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
status=0

while read -r name args; do
  : >"$tmp/$name"
  i=0
  while [ "$i" -lt "$runs" ]; do
    if timeout "$limit" "$bench" "$@" $name $args </dev/null >>"$tmp/$name" \
        2>"$tmp/err"; then :; else
      echo "bench: $name $args: run $((i + 1)) failed: $(tail -n 1 "$tmp/err")" >&2
    fi
    i=$((i + 1))
  done
  if ! awk -f "$here/median.awk" "$tmp/$name"; then
    printf '{"runtime":"actord","workload":"%s","error":"every run failed"}\n' "$name"
    status=1
  fi
done <<'LIST'
pingpong 1000000
counting 10000000
threadring 1000 10000000
spawn 1000000
fanout 1000 1000
idle 2
LIST
exit $status
