#!/usr/bin/env bats
# make install into a DESTDIR: the tree an operator and a plugin author get,
# an outside plugin built with nothing but pkg-config against it and loaded
# into the installed actord, then make uninstall leaving nothing behind.

load helpers

# make in the repository with a clean environment for it: the make running
# the suite exports MAKEFLAGS (its jobserver is not ours). The build tree and
# sanitizer setting are the suite's; "-o all" because make check has built
# everything already: this tests installing, not building.
repo_make() {
  env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
    make --no-print-directory -C "$REPO_ROOT" -o all BUILD="$BUILD" \
    SAN="${SAN:-}" "$@"
}

setup_file() {
  export DEST=$BATS_FILE_TMPDIR/dest
  export PREFIX=/usr/local
  export ROOT=$DEST$PREFIX
  repo_make install PREFIX="$PREFIX" DESTDIR="$DEST" >"$BATS_FILE_TMPDIR/install.log" 2>&1 || {
    cat "$BATS_FILE_TMPDIR/install.log"
    return 1
  }
  # Where pkg-config finds the installed libactor.pc; --define-prefix
  # relocates prefix to where the file really is (DESTDIR), as for a
  # tree unpacked anywhere.
  export PKG_CONFIG_PATH=$ROOT/lib/pkgconfig
}

# A test that starts the installed daemon stops it, however the test ended;
# its log is checked like any daemon's.
teardown() {
  if [ -n "${DAEMON_DIR:-}" ] && [ -e "$DAEMON_DIR/pid" ]; then
    daemon_stop
  fi
}

# pkg-config on the DESTDIR tree.
pc() {
  pkg-config --define-prefix "$@"
}

@test "install puts binaries, library, headers, plugins, docs and unit in place" {
  local f
  for f in bin/actord bin/actorctl; do
    [ -x "$ROOT/$f" ] || { echo "missing: $f"; false; }
  done
  for f in lib/libactor.so lib/libactor.a \
    include/actor/plugin.h include/actor/runtime.h include/actor/error.h \
    lib/pkgconfig/libactor.pc \
    lib/actord/plugins/echo.so lib/actord/plugins/counter.so \
    lib/actord/plugins/ticker.so lib/actord/plugins/crash.so \
    share/man/man1/actorctl.1 share/man/man8/actord.8 \
    share/man/man3/actor-plugin.3 \
    share/bash-completion/completions/actorctl \
    lib/systemd/system/actord.service; do
    [ -f "$ROOT/$f" ] || { echo "missing: $f"; false; }
  done
  # Nothing outside PREFIX, nothing from the build tree's layout.
  [ "$(find "$DEST" -mindepth 1 -maxdepth 1)" = "$DEST/usr" ]
  [ "$(find "$DEST/usr" -mindepth 1 -maxdepth 1)" = "$ROOT" ]
}

@test "installed files have sane modes" {
  [ "$(stat -c %a "$ROOT/bin/actord")" = 755 ]
  [ "$(stat -c %a "$ROOT/include/actor/plugin.h")" = 644 ]
  [ "$(stat -c %a "$ROOT/lib/pkgconfig/libactor.pc")" = 644 ]
  [ "$(stat -c %a "$ROOT/share/man/man8/actord.8")" = 644 ]
}

@test "libactor.pc names the prefix, the version and jansson" {
  grep -qx "prefix=$PREFIX" "$ROOT/lib/pkgconfig/libactor.pc"
  local version
  version=$(sed -n 's/^#define ACT_VERSION "\(.*\)"/\1/p' "$REPO_ROOT/lib/proto.h")
  [ -n "$version" ]
  [ "$(pc --modversion libactor)" = "$version" ]
  pc --print-requires libactor | grep -qw jansson
  # Where the installed actord looks for plugins, for build scripts.
  [ "$(pkg-config --variable=plugindir libactor)" = "$PREFIX/lib/actord/plugins" ]
  run pc --cflags libactor
  [ "$status" -eq 0 ]
  [[ " $output " == *" -I$ROOT/include "* ]]
  run pc --libs libactor
  [[ "$output" == *"-L$ROOT/lib"* ]] && [[ "$output" == *"-lactor"* ]]
}

@test "the unit file runs the installed actord in the foreground" {
  local unit=$ROOT/lib/systemd/system/actord.service
  grep -qx 'Type=simple' "$unit"
  grep -q "^ExecStart=$PREFIX/bin/actord\( \|$\)" "$unit"
  ! grep -q '^ExecStart=.*\( -d\| --daemonize\)' "$unit"
  grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$unit"
  grep -qx 'Restart=on-failure' "$unit"
  ! grep -q '@[A-Z]*@' "$unit"
  if command -v systemd-analyze >/dev/null 2>&1; then
    # Only the binary's absence (it is under DESTDIR) may be reported.
    run systemd-analyze verify "$unit"
    ! printf '%s\n' "$output" | grep -v 'is not executable\|man \|Command .* failed' | grep -q .
  fi
}

@test "the installed man pages render" {
  local p
  for p in man1/actorctl.1 man8/actord.8 man3/actor-plugin.3; do
    # Plain text without the overstrike of bold.
    mandoc -T ascii "$ROOT/share/man/$p" | sed 's/.\x08//g' | grep -q '^NAME'

  done
}

# An outside plugin: one file, built like a stranger to this tree would.
write_outside_plugin() {
  cat >"$1/greeter.c" <<'EOF'
#include <actor/plugin.h>
#include <stdlib.h>
#include <string.h>

struct greeter { char *greeting; int calls; };

static int greeter_init(act_ctx_t *ctx, json_t *args, void **state) {
  struct greeter *g = calloc(1, sizeof(*g));
  const char *word = json_string_value(json_object_get(args, "greeting"));
  if (g == NULL) return ACT_ENOMEM;
  g->greeting = strdup(word != NULL ? word : "hello");
  if (g->greeting == NULL) { free(g); return ACT_ENOMEM; }
  *state = g;
  return 0;
}

static int greeter_handle(act_ctx_t *ctx, void *state, const act_msg_t *msg) {
  struct greeter *g = state;
  json_t *who = act_msg_get(msg, "who");
  g->calls++;
  if (msg->flags & ACT_MSG_F_ASK)
    return act_reply_json(ctx, msg, json_pack("{s:s, s:s?}", "greeting",
                          g->greeting, "who", json_string_value(who)));
  return 0;
}

static void greeter_terminate(act_ctx_t *ctx, void *state, const char *reason) {
  struct greeter *g = state;
  free(g->greeting);
  free(g);
}

static json_t *greeter_inspect(void *state) {
  return json_pack("{s:i}", "calls", ((struct greeter *)state)->calls);
}

ACT_PLUGIN(.name = "greeter", .version = "1.0", .init = greeter_init,
           .handle = greeter_handle, .terminate = greeter_terminate,
           .inspect = greeter_inspect);
EOF
}

@test "an outside plugin builds with pkg-config --cflags libactor alone" {
  local dir=$BATS_FILE_TMPDIR/outside
  mkdir -p "$dir"
  write_outside_plugin "$dir"
  # No -I into this repository: only what pkg-config says.
  run bash -c "cd '$dir' && cc -shared -fPIC -Wall -Werror \
    \$(pkg-config --define-prefix --cflags libactor) greeter.c -o greeter.so"
  echo "$output"
  [ "$status" -eq 0 ]
  [ -f "$dir/greeter.so" ]
  nm -D --defined-only "$dir/greeter.so" | grep -qw act_plugin
}

@test "the installed actord loads the outside plugin and runs it" {
  [ -f "$BATS_FILE_TMPDIR/outside/greeter.so" ] || skip "the plugin did not build"
  # The installed binaries and plugins, not the build tree's.
  ACTORD=$ROOT/bin/actord
  ACTORCTL=$ROOT/bin/actorctl
  PLUGIN_DIR=$ROOT/lib/actord/plugins
  daemon_start

  run ctl load "$BATS_FILE_TMPDIR/outside/greeter.so"
  echo "$output"
  [ "$status" -eq 0 ]
  run ctl spawn greeter --name g1 --args '{"greeting":"hi"}'
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^[0-9]+$ ]]
  run ctl call g1 '{"who":"install test"}'
  echo "$output"
  [ "$status" -eq 0 ]
  json_assert '. == {"greeting":"hi","who":"install test"}' "$output"
  run ctl -o json inspect g1
  json_assert '.data.calls == 1 and .plugin == "greeter"' "$output"

  # The bundled plugins come from the installed plugin directory.
  run ctl spawn counter --name c1
  [ "$status" -eq 0 ]
  ctl send c1 '{"inc":5}'
  run ctl call c1 '{"get":true}'
  [ "$output" = '{"count":5}' ]
  run ctl -o json plugins
  json_assert 'map(select(.name == "counter"))[0].path | startswith("'"$PLUGIN_DIR"'/")' "$output"
}

@test "a program embedding the runtime links with pkg-config --libs libactor" {
  local dir=$BATS_FILE_TMPDIR/embed san=""
  mkdir -p "$dir"
  cat >"$dir/embed.c" <<'EOF'
#include <actor/runtime.h>
#include <stdio.h>

int main(void) {
  /* The library answers, through the installed header and library. */
  if (!act_name_valid("c1") || act_name_valid("1c")) return 1;
  printf("%s\n", act_err_kind(ACT_ENOENT));
  return 0;
}
EOF
  [ -z "${SAN:-}" ] || san="-fsanitize=address,undefined"
  run bash -c "cd '$dir' && cc $san -Wall -Werror \$(pkg-config --define-prefix --cflags libactor) \
    embed.c -o embed \$(pkg-config --define-prefix --libs libactor)"
  echo "$output"
  [ "$status" -eq 0 ]
  run env LD_LIBRARY_PATH="$ROOT/lib" "$dir/embed"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = not_found ]
}

@test "the README's plugin example builds and answers as the README says" {
  local dir=$BATS_FILE_TMPDIR/readme line msg want
  mkdir -p "$dir"
  # The README's only C block, and its call line with the promised reply.
  awk '/^```c$/ { f = 1; next } /^```$/ { f = 0 } f' "$REPO_ROOT/README.md" >"$dir/hello.c"
  grep -q 'ACT_PLUGIN(.name = "hello"' "$dir/hello.c"
  line=$(grep -E "^actorctl call h1 '.*' +# " "$REPO_ROOT/README.md")
  msg=$(printf '%s\n' "$line" | sed -E "s/^actorctl call h1 '([^']*)'.*/\1/")
  want=$(printf '%s\n' "$line" | sed -E 's/.*# +//')
  # The README's build line, run as written.
  grep -qF 'cc -shared -fPIC $(pkg-config --cflags libactor) hello.c -o hello.so' \
    "$REPO_ROOT/README.md"
  run bash -c "cd '$dir' && cc -shared -fPIC \$(pkg-config --define-prefix --cflags libactor) hello.c -o hello.so"
  echo "$output"
  [ "$status" -eq 0 ]

  ACTORD=$ROOT/bin/actord
  ACTORCTL=$ROOT/bin/actorctl
  PLUGIN_DIR=$ROOT/lib/actord/plugins
  daemon_start
  ( cd "$dir" && ctl load ./hello.so )
  ctl spawn hello --name h1
  run ctl call h1 "$msg"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "$want" ]
  # A tell is logged, as the example says.
  ctl send h1 '{"who":"log"}'
  wait_for ctl_logs_show h1 'hello, log'

  # "actorctl deploy ./hello.so later replaces a loaded version by a new
  # one with the actors running it."
  grep -qF 'actorctl deploy ./hello.so' "$REPO_ROOT/README.md"
  sed -i 's/\.version = "1\.0"/.version = "1.1"/' "$dir/hello.c"
  ( cd "$dir" && cc -shared -fPIC $(pkg-config --define-prefix --cflags libactor) \
      hello.c -o hello.so )
  ( cd "$dir" && ctl deploy ./hello.so )
  run ctl -o json plugins
  json_assert 'map(select(.name == "hello"))[0] | .version == "1.1" and .actors == 1' "$output"
  run ctl call h1 "$msg"
  [ "$status" -eq 0 ]
  [ "$output" = "$want" ]
}

# ctl_logs_show TARGET TEXT: the actor's log has a line containing TEXT.
ctl_logs_show() {
  ctl logs "$1" | grep -qF "$2"
}

@test "uninstall removes every installed file" {
  repo_make uninstall PREFIX="$PREFIX" DESTDIR="$DEST"
  run find "$DEST" -type f
  echo "$output"
  [ -z "$output" ]
  [ ! -e "$ROOT/include/actor" ]
  [ ! -e "$ROOT/lib/actord" ]
}
