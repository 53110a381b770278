#!/bin/bash
# Run every test suite and count every test of every suite:
#
#   unit   $BUILD/bin/unit-tests, whose last line is
#          "unit: N passed, N failed[, N skipped]"
#   bats   tests/e2e/*.bats and tests/shell/*.bats, one bats process per file
#          (TAP), JOBS files at a time
#   man    mandoc -T lint -W warning on each man page, one test per page
#   valgrind  (only when asked for in SUITES: make valgrind) every memcheck
#          log in VALGRIND_LOG_DIR, from the bats files run under
#          VALGRIND=1: one failed test per log with an error or a leak
#          that counts (daemons started by tests themselves, actorctl),
#          or one passed test when none has
#
# The last line is "N passed, N failed" (", N skipped" when any); the exit
# status is non-zero when a test failed or a suite could not run (a missing
# binary or tool counts as a failed test, never as a silent skip). Failing
# tests are listed with their output before that line.
#
# Usage: tests/run-all.sh [BATS_FILE...]
#   With files, only those bats files run (the unit and man suites still run
#   unless SUITES says otherwise).
# Environment:
#   BUILD       the build tree (default build; make asan uses build-asan)
#   SUITES      which suites run (default "unit bats man"; "valgrind" too
#               for the memcheck logs)
#   JOBS        bats files run at once (default 2)
#   FILE_TIMEOUT  seconds one bats file may take (default 600: the
#               500-client load of load-clients.bats takes minutes on two
#               shared cores)
#   UNIT_TIMEOUT  seconds the unit tests may take (default 300)
#   MAN_DIR     where the man pages are (default man)
#   MAN_PAGES   the pages that must exist (default "actorctl.1 actord.8
#               actor-plugin.3"); other pages in MAN_DIR are linted too
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2

abspath() {
  case "$1" in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s\n' "$root/$1" ;;
  esac
}

BUILD=$(abspath "${BUILD:-build}")
export BUILD
SUITES=${SUITES:-unit bats man}
JOBS=${JOBS:-2}
FILE_TIMEOUT=${FILE_TIMEOUT:-600}
UNIT_TIMEOUT=${UNIT_TIMEOUT:-300}
MAN_DIR=$(abspath "${MAN_DIR:-man}")
MAN_PAGES=${MAN_PAGES:-actorctl.1 actord.8 actor-plugin.3}

passed=0
failed=0
skipped=0
failures=() # "suite: test name", in order

tmp=$(mktemp -d "${TMPDIR:-/tmp}/run-all.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
# Failure details, printed at the end so a CI log shows why.
details=$tmp/details
: >"$details"

has_suite() {
  case " $SUITES " in
    *" $1 "*) return 0 ;;
  esac
  return 1
}

# fail NAME [DETAIL-FILE]: count a failure and keep its output.
fail() {
  failed=$((failed + 1))
  failures+=("$1")
  {
    echo "=== FAIL: $1"
    if [ $# -ge 2 ] && [ -s "$2" ]; then
      cat "$2"
    fi
  } >>"$details"
}

# ----------------------------------------------------------------- unit
run_unit() {
  local bin=$BUILD/bin/unit-tests out=$tmp/unit.out rc=0 last p f s
  echo "--- unit: $bin"
  if [ ! -x "$bin" ]; then
    echo "$bin is missing (make unit builds it)" >"$out"
    cat "$out"
    fail "unit: unit-tests binary missing" "$out"
    return
  fi
  timeout -k 5 "$UNIT_TIMEOUT" "$bin" >"$out" 2>&1 || rc=$?
  cat "$out"
  last=$(grep -E '^unit: [0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
  if [ -z "$last" ]; then
    if [ "$rc" -eq 124 ]; then
      echo "unit-tests timed out after ${UNIT_TIMEOUT}s" >>"$out"
    fi
    fail "unit: no summary line (exit status $rc)" "$out"
    return
  fi
  p=$(printf '%s\n' "$last" | sed -E 's/^unit: ([0-9]+) passed.*/\1/')
  f=$(printf '%s\n' "$last" | sed -E 's/^unit: [0-9]+ passed, ([0-9]+) failed.*/\1/')
  s=0
  case "$last" in
    *skipped*) s=$(printf '%s\n' "$last" | sed -E 's/.*, ([0-9]+) skipped.*/\1/') ;;
  esac
  passed=$((passed + p))
  skipped=$((skipped + s))
  # The runner names its failing cases in its own output: keep all of it
  # but the passing cases' lines.
  if [ "$f" -gt 0 ]; then
    failed=$((failed + f))
    failures+=("unit: $f failed (see the unit output above)")
    {
      echo "=== FAIL: unit ($f failed)"
      grep -v '^ok ' "$out"
    } >>"$details"
  elif [ "$rc" -ne 0 ]; then
    fail "unit: unit-tests exited with status $rc but reported no failure" "$out"
  fi
}

# ----------------------------------------------------------------- bats
# Run one bats file; its TAP goes to $tmp/bats/N.tap, its exit status to
# N.rc, and a one-line summary to stdout when done.
run_bats_file() {
  local n=$1 file=$2 start rc=0 tpid
  start=$SECONDS
  timeout -k 10 "$FILE_TIMEOUT" bats --tap "$file" \
    >"$tmp/bats/$n.tap" 2>&1 </dev/null &
  tpid=$!
  wait "$tpid" || rc=$?
  # timeout runs the file in a process group of its own: whatever the file
  # left behind there (a client stuck after a failed test, a daemon whose
  # teardown never ran) goes too, rather than outliving the suite.
  kill -KILL -- "-$tpid" 2>/dev/null || true
  echo "$rc" >"$tmp/bats/$n.rc"
  printf -- '--- bats %s: %s ok, %s not ok (%ss%s)\n' "${file#"$root"/}" \
    "$(grep -cE '^ok ' "$tmp/bats/$n.tap")" \
    "$(grep -cE '^not ok ' "$tmp/bats/$n.tap")" "$((SECONDS - start))" \
    "$([ "$rc" -eq 124 ] && echo ", timed out")"
}

# Count the tests of one TAP file.
count_tap() {
  local n=$1 file=$2
  local tap=$tmp/bats/$n.tap rc plan=0 seen=0 line name
  local cur='' curout=$tmp/bats/$n.cur
  rc=$(cat "$tmp/bats/$n.rc" 2>/dev/null || echo 1)
  local rel=${file#"$root"/}
  : >"$curout"
  # Flush the failure being collected (its "# ..." lines follow "not ok").
  flush() {
    if [ -n "$cur" ]; then
      fail "$rel: $cur" "$curout"
      cur=''
      : >"$curout"
    fi
  }
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
      1..*)
        plan=${line#1..}
        plan=${plan%% *}
        ;;
      'not ok '*)
        flush
        seen=$((seen + 1))
        name=${line#not ok }
        name=${name#* }
        # A test marked as skipped is never "not ok"; bats prints a failing
        # setup_file or teardown_file as one more "not ok" line.
        cur=$name
        ;;
      'ok '*)
        flush
        seen=$((seen + 1))
        case "$line" in
          *' # skip'*) skipped=$((skipped + 1)) ;;
          *) passed=$((passed + 1)) ;;
        esac
        ;;
      *)
        if [ -n "$cur" ]; then
          printf '%s\n' "$line" >>"$curout"
        elif [ "$seen" -eq 0 ] && [ "$plan" = 0 ]; then
          # Output before the plan: bats could not even start the file.
          printf '%s\n' "$line" >>"$tmp/bats/$n.pre"
        fi
        ;;
    esac
  done <"$tap"
  flush
  # A setup_file or teardown_file failure adds a line beyond the plan; a
  # crash or a timeout leaves tests unreported: those count as failures.
  if [ "$plan" -gt 0 ] && [ "$seen" -lt "$plan" ]; then
    local missing=$((plan - seen)) why="did not report"
    [ "$rc" = 124 ] && why="timed out after ${FILE_TIMEOUT}s before reporting"
    failed=$((failed + missing))
    failures+=("$rel: $missing test(s) $why")
    { echo "=== FAIL: $rel: $missing test(s) $why"; tail -n 20 "$tap"; } >>"$details"
  elif [ "$seen" -eq 0 ] && [ "$rc" != 0 ]; then
    fail "$rel: bats could not run it (exit status $rc)" "$tap"
  fi
}

run_bats() {
  local -a files=()
  local f n
  if [ $# -gt 0 ]; then
    for f in "$@"; do files+=("$(abspath "$f")"); done
  else
    for f in "$root"/tests/e2e/*.bats "$root"/tests/shell/*.bats; do
      [ -e "$f" ] && files+=("$f")
    done
  fi
  if ! command -v bats >/dev/null 2>&1; then
    echo "bats is not installed (sh mk/deps.sh)" >"$tmp/nobats"
    fail "bats: bats-core is not installed" "$tmp/nobats"
    return
  fi
  if [ "${#files[@]}" -eq 0 ]; then
    echo "no tests/e2e/*.bats or tests/shell/*.bats" >"$tmp/nofiles"
    fail "bats: no test files" "$tmp/nofiles"
    return
  fi
  for f in "${files[@]}"; do
    if [ ! -r "$f" ]; then
      echo "$f does not exist" >"$tmp/nofile"
      fail "bats: ${f#"$root"/}: no such file" "$tmp/nofile"
    fi
  done
  mkdir -p "$tmp/bats"
  export -f run_bats_file
  export tmp root FILE_TIMEOUT
  # One bats process per file, JOBS at a time; each prints its summary as
  # it ends, so a slow file shows which it is.
  n=0
  for f in "${files[@]}"; do
    [ -r "$f" ] || continue
    n=$((n + 1))
    printf '%s\0%s\0' "$n" "$f"
  done | xargs -0 -n 2 -P "$JOBS" bash -c 'run_bats_file "$1" "$2"' run_bats_file
  n=0
  for f in "${files[@]}"; do
    [ -r "$f" ] || continue
    n=$((n + 1))
    count_tap "$n" "$f"
  done
}

# ------------------------------------------------------------------ man
run_man() {
  local page pages=() p out
  echo "--- man: mandoc -T lint -W warning"
  for p in $MAN_PAGES; do
    pages+=("$MAN_DIR/$p")
  done
  for page in "$MAN_DIR"/*.[1-8]; do
    [ -e "$page" ] || continue
    case " $MAN_PAGES " in
      *" ${page##*/} "*) ;;
      *) pages+=("$page") ;;
    esac
  done
  if ! command -v mandoc >/dev/null 2>&1; then
    echo "mandoc is not installed (sh mk/deps.sh)" >"$tmp/nomandoc"
    fail "man: mandoc is not installed" "$tmp/nomandoc"
    return
  fi
  for page in "${pages[@]}"; do
    out=$tmp/man.out
    if [ ! -r "$page" ]; then
      echo "${page#"$root"/} does not exist" >"$out"
      fail "man: ${page##*/}: missing" "$out"
      continue
    fi
    if mandoc -T lint -W warning "$page" >"$out" 2>&1 && [ ! -s "$out" ]; then
      passed=$((passed + 1))
      echo "ok man ${page##*/}"
    else
      cat "$out"
      fail "man: ${page##*/}: mandoc lint" "$out"
    fi
  done
}

# ------------------------------------------------------------- valgrind
run_valgrind() {
  local dir=${VALGRIND_LOG_DIR:-} log n=0 bad=0 out=$tmp/valgrind.out
  echo "--- valgrind: the memcheck logs in ${dir:-(VALGRIND_LOG_DIR unset)}"
  if [ -z "$dir" ] || [ ! -d "$dir" ]; then
    echo "VALGRIND_LOG_DIR is not a directory: \"$dir\"" >"$out"
    fail "valgrind: no log directory" "$out"
    return
  fi
  for log in "$dir"/*.log; do
    [ -e "$log" ] || continue
    n=$((n + 1))
    # valgrind_log_errors is the one the bats helpers check daemons with.
    if ! (unset VALGRIND && . "$root/tests/e2e/helpers.bash" &&
      valgrind_log_errors "$log") >"$out" 2>&1; then
      bad=$((bad + 1))
      cat "$out"
      fail "valgrind: ${log#"$root"/}" "$out"
    fi
  done
  if [ "$n" -eq 0 ]; then
    echo "no memcheck log in $dir: did the bats files run under VALGRIND=1?" >"$out"
    fail "valgrind: no logs" "$out"
  elif [ "$bad" -eq 0 ]; then
    passed=$((passed + 1))
    echo "ok valgrind: $n logs, no error and no definite or indirect leak"
  fi
}

has_suite unit && run_unit
has_suite bats && run_bats "$@"
has_suite man && run_man
has_suite valgrind && run_valgrind

if [ "$failed" -gt 0 ]; then
  echo
  cat "$details"
  echo
  echo "Failed:"
  for f in "${failures[@]}"; do
    echo "  $f"
  done
fi
summary="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"
[ "$failed" -eq 0 ]
