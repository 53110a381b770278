#!/usr/bin/env bats
# The network example of actor-plugin(3) is real: it builds with the
# documented command line alone, loads, and serves what the page says.

bats_require_minimum_version 1.5.0
load helpers

PAGE=$REPO_ROOT/man/actor-plugin.3

setup_file() { daemon_start; }
teardown_file() { daemon_stop; }

# The literal display (".Bd -literal" without an offset) of the NETWORK
# section, with the roff escapes of a C file (\e, \&) undone.
network_example() {
  awk '
    /^\.Sh / { in_net = ($2 == "NETWORK") }
    in_net && !done && /^\.Bd -literal$/ { copying = 1; next }
    copying && /^\.Ed/ { copying = 0; done = 1; next }
    copying { print }
  ' "$PAGE" | sed -e 's/\\&//g' -e 's/\\e/\\/g'
}

@test "the NETWORK example builds, loads and answers in upper case" {
  network_example >"$BATS_TEST_TMPDIR/upper.c"
  grep -q 'ACT_PLUGIN(.name = "upper"' "$BATS_TEST_TMPDIR/upper.c"
  # What pkg-config --cflags libactor gives once installed.
  run cc -std=gnu11 -Wall -Wextra -Werror -shared -fPIC -fvisibility=hidden \
    -I"$REPO_ROOT/lib/include" $(pkg-config --cflags jansson) \
    "$BATS_TEST_TMPDIR/upper.c" -o "$BATS_TEST_TMPDIR/upper.so"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  ctl load "$BATS_TEST_TMPDIR/upper.so" >/dev/null
  ctl spawn upper --name up --args '{"port":0}' >/dev/null
  # The example does not report its port: the runtime's sockets do.
  port=$(ctl -o json inspect up | jq -r '.sockets[0].local | sub("^127.0.0.1:"; "")')
  [ "$port" -gt 0 ]
  run bash -c "echo hello | socat -t 30 -T 30 - TCP:127.0.0.1:$port"
  [ "$output" = "HELLO" ]
  # More than the socket takes at once, with half-close: every byte back.
  head -c 3000000 /dev/urandom | base64 -w 0 >"$BATS_TEST_TMPDIR/big"
  socat -t 60 -T 60 - "TCP:127.0.0.1:$port" <"$BATS_TEST_TMPDIR/big" >"$BATS_TEST_TMPDIR/back"
  [ "$(tr '[:lower:]' '[:upper:]' <"$BATS_TEST_TMPDIR/big" | sha256sum)" = "$(sha256sum <"$BATS_TEST_TMPDIR/back")" ]
  run ctl spawn upper --args '{"port":"x"}'
  [ "$status" -eq 1 ]
  [[ "$output" == *"port: expected an integer"* ]]
  ctl stop up
}
