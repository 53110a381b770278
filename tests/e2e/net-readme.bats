#!/usr/bin/env bats
# The README's "Network actors" section works as written: each of its lines
# runs against a private daemon, on free ports instead of the README's 7007
# and 8080, and a line whose comment shows output prints it.

bats_require_minimum_version 1.5.0
load helpers

setup_file() { daemon_start; }
teardown_file() { daemon_stop; }

# The section's command lines (between "## Network actors" and the next
# section, inside the sh block).
section_lines() {
  awk '/^## Network actors/ { t = 1; next } /^## / { t = 0 }
       t && /^```sh/ { c = 1; next } t && /^```/ { c = 0 }
       t && c { print }' "$REPO_ROOT/README.md"
}

# free_port: a port nobody listens on now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

no_listeners() { [ "$(ctl -o json stats | jq .listeners)" = 0 ]; }

@test "the README's network section works line by line, as its comments say" {
  local lines line cmd want p1 p2 n=0 out
  lines=$(section_lines)
  [ -n "$lines" ]
  for w in 'spawn tcp_echo' 'spawn http_hello' socat ' tree' ' inspect' \
    ' stats' ' stop'; do
    [[ "$lines" == *"$w"* ]] || { echo "the section lacks: $w"; false; }
  done
  p1=$(free_port)
  p2=$(free_port)
  while IFS= read -r line; do
    n=$((n + 1))
    line=${line//7007/$p1}
    line=${line//8080/$p2}
    cmd=${line%%  #*}
    want=''
    case $line in
      *'  # '*) want=${line#*  # } ;;
    esac
    echo "line $n: $cmd"
    out=$(PATH=$(dirname "$ACTORCTL"):$PATH ACTORD_SOCKET=$SOCK \
      bash -c "$cmd" </dev/null 2>&1) || { echo "$out"; false; }
    echo "$out"
    # A comment made of output words ("hello", "HTTP/1.0 200 OK ... hi")
    # is checked piece by piece; a comment that describes ("its sockets:
    # ...") is not output and is skipped.
    case $cmd in
      *socat*)
        local piece
        IFS='|' read -ra pieces <<<"${want// ... /|}"
        for piece in "${pieces[@]}"; do
          [[ "$out" == *"$piece"* ]] || { echo "expected: $piece"; false; }
        done ;;
      *' tree'*) [[ "$out" == *acceptor* ]] ;;
      *' inspect'*) [[ "$out" == *"listener"*"127.0.0.1:$p1"* ]] ;;
      *' stats'*) [[ "$out" == *"listeners: "* && "$out" == *"accepted: "* ]] ;;
    esac
  done <<<"$lines"
  # The last lines stopped both listeners: nothing listens any more.
  wait_for -t 10 no_listeners
}
