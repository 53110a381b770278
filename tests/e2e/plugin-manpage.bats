#!/usr/bin/env bats
# actor-plugin(3): the page is clean mdoc, and the example it shows is the
# code the suite builds (tests/plugins/example.c), byte for byte. Also the
# promise the page makes about how plugins are built: one exported symbol,
# nothing of libactor linked in.

load helpers

PAGE=$REPO_ROOT/man/actor-plugin.3

# The first literal display of the EXAMPLES section, with the roff escapes
# a C file could need (\e for a backslash, \& before a leading dot) undone.
example_from_page() {
  awk '
    /^\.Sh / { in_ex = ($2 == "EXAMPLES") }
    in_ex && !done && /^\.Bd -literal/ { copying = 1; next }
    copying && /^\.Ed/ { copying = 0; done = 1; next }
    copying { print }
  ' "$PAGE" | sed -e 's/\\&//g' -e 's/\\e/\\/g'
}

@test "actor-plugin.3 passes mandoc -T lint without warnings" {
  command -v mandoc >/dev/null || skip "mandoc is not installed"
  run mandoc -T lint -W warning "$PAGE"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  [ -z "$output" ]
}

@test "the man page's example is tests/plugins/example.c" {
  example_from_page >"$BATS_TEST_TMPDIR/from-page.c"
  [ -s "$BATS_TEST_TMPDIR/from-page.c" ]
  run diff -u "$REPO_ROOT/tests/plugins/example.c" "$BATS_TEST_TMPDIR/from-page.c"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "the example builds with the documented command line alone" {
  example_from_page >"$BATS_TEST_TMPDIR/kv.c"
  # What pkg-config --cflags libactor gives once installed: the public
  # include directory and jansson's flags.
  run cc -std=gnu11 -Wall -Wextra -Werror -shared -fPIC \
    -I"$REPO_ROOT/lib/include" $(pkg-config --cflags jansson) \
    "$BATS_TEST_TMPDIR/kv.c" -o "$BATS_TEST_TMPDIR/kv.so"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  nm -D --defined-only "$BATS_TEST_TMPDIR/kv.so" | grep -qw act_plugin
}

@test "bundled plugins export act_plugin and no other function or object" {
  local so extra
  for so in "$PLUGIN_DIR"/{echo,counter,ticker,crash}.so "$TEST_PLUGIN_DIR/example.so"; do
    [ -f "$so" ] || { echo "missing $so (run make)"; false; }
    nm -D --defined-only "$so" | grep -qw act_plugin || { echo "$so: no act_plugin"; false; }
    extra=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBR]$/ && $3 != "act_plugin" && $3 !~ /^_/ { print $3 }')
    [ -z "$extra" ] || { echo "$so also exports: $extra"; false; }
  done
}

@test "bundled plugins do not link libactor" {
  local so
  for so in "$PLUGIN_DIR"/{echo,counter,ticker,crash}.so; do
    [ -f "$so" ] || { echo "missing $so (run make)"; false; }
    if readelf -d "$so" | grep NEEDED | grep -q libactor; then
      echo "$so links libactor"
      false
    fi
  done
}
