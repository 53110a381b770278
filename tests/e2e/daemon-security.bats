#!/usr/bin/env bats
# The socket's security with a real user made for the test (useradd) and a
# real group (groupadd): the modes of the socket and its directory with and
# without a configured group, a user who is not admitted turned away (by the
# file modes, and by the daemon's peer check when the modes let them
# through), and a member of the group admitted but kept from loading code
# from outside the plugin directories.
#
# Needs root (to make users and to be another user); skipped otherwise.
# The user and the group are removed in teardown_file, also after a failure.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
  [ "$(id -u)" = 0 ] || skip "needs root to add a user and run actorctl as it"
  for tool in useradd userdel usermod groupadd groupdel setpriv; do
    command -v "$tool" >/dev/null || skip "needs $tool"
  done
  # Unique names, written down before they exist so that teardown_file
  # removes whatever was made even when this function fails half-way.
  export SEC_USER=actsec$$ SEC_GROUP=actsecg$$
  export SEC_DIR
  SEC_DIR=$(mktemp -d /tmp/actord-sec.XXXXXX)
  printf '%s %s %s\n' "$SEC_USER" "$SEC_GROUP" "$SEC_DIR" >"$BATS_FILE_TMPDIR/made"
  useradd --no-create-home --user-group --shell /usr/sbin/nologin "$SEC_USER"
  groupadd "$SEC_GROUP"
  SEC_UID=$(id -u "$SEC_USER")
  export SEC_UID
  # Like /run: others may pass through to the socket's directory, which
  # is the daemon's to open or close; they may not list or write.
  chmod 0711 "$SEC_DIR"
  # actorctl copied where the user may run it, wherever the build lives.
  mkdir -m 0755 "$SEC_DIR/bin" "$SEC_DIR/extra"
  install -m 0755 "$ACTORCTL" "$SEC_DIR/bin/actorctl"
  install -m 0644 "$PLUGIN_DIR/ticker.so" "$SEC_DIR/extra/ticker.so"
}

teardown_file() {
  local user group dir
  [ -r "$BATS_FILE_TMPDIR/made" ] || return 0
  read -r user group dir <"$BATS_FILE_TMPDIR/made"
  sec_stop
  userdel "$user" 2>/dev/null || true
  # The user's own group goes with it where login.defs says so; make sure.
  if getent group "$user" >/dev/null; then groupdel "$user" || true; fi
  if getent group "$group" >/dev/null; then groupdel "$group" || true; fi
  rm -rf "$dir"
  ! id "$user" >/dev/null 2>&1
}

# sec_start [ACTORD ARGS...]: a daemon on $SEC_DIR/run/control.sock; the
# socket's directory does not exist before, so actord makes it.
sec_start() {
  SOCK=$SEC_DIR/run/control.sock
  rm -rf "$SEC_DIR/run"
  "$ACTORD" -s "$SOCK" -S "$SEC_DIR/state" -p "$PLUGIN_DIR" --ephemeral "$@" \
    </dev/null >>"$SEC_DIR/log" 2>&1 3>&- &
  echo $! >"$SEC_DIR/pid"
  wait_for -t 20 daemon_answers
}

sec_stop() {
  local pid
  [ -r "$SEC_DIR/pid" ] || return 0
  pid=$(cat "$SEC_DIR/pid")
  rm -f "$SEC_DIR/pid"
  kill -TERM "$pid" 2>/dev/null || true
  wait_for -t 20 eval "! _pid_alive $pid"
  wait "$pid" 2>/dev/null || true
  # As daemon_stop does: no sanitizer report, no internal error.
  LOG=$SEC_DIR/log daemon_check_log
}

# actorctl as the test's user, with its groups as the system has them now
# and an environment of its own.
as_user() {
  setpriv --reuid "$SEC_USER" --regid "$SEC_USER" --init-groups -- \
    env -i PATH=/usr/bin:/bin HOME=/ "$SEC_DIR/bin/actorctl" -s "$SOCK" "$@"
}

@test "without a group: the socket is 0600 in a 0700 directory, and another user is turned away" {
  sec_start
  [ "$(stat -c '%a %u' "$SEC_DIR/run")" = "700 0" ]
  [ "$(stat -c '%a %u' "$SOCK")" = "600 0" ]
  # The file modes stop the user first.
  run -5 --separate-stderr as_user ps
  [ "$stderr" = "actorctl: cannot reach actord at $SOCK: Permission denied" ]
  # With the modes opened by hand, the daemon's own check says no.
  chmod 0711 "$SEC_DIR/run"
  chmod 0666 "$SOCK"
  run -5 --separate-stderr as_user ps
  [ "$stderr" = "actorctl: actord at $SOCK refused the connection: permission denied: uid $SEC_UID is not admitted" ]
  grep -Eq "warn: client [0-9]+ \(pid [0-9]+, uid $SEC_UID\): not admitted" "$SEC_DIR/log"
  # Nothing of the user's got through (the refused connection may still be
  # closing when stats asks).
  wait_for bash -c "\"$ACTORCTL\" -s \"$SOCK\" -o json stats | jq -e '.clients == 1'"
  sec_stop
}

@test "with a group: 0660 and 0710, the group's; a non-member cannot reach it, a member is admitted" {
  printf '{"group": "%s"}\n' "$SEC_GROUP" >"$SEC_DIR/config.json"
  sec_start -c "$SEC_DIR/config.json"
  gid=$(getent group "$SEC_GROUP" | cut -d: -f3)
  [ "$(stat -c '%a %u %g' "$SEC_DIR/run")" = "710 0 $gid" ]
  [ "$(stat -c '%a %u %g' "$SOCK")" = "660 0 $gid" ]
  run -5 --separate-stderr as_user ps
  [ "$stderr" = "actorctl: cannot reach actord at $SOCK: Permission denied" ]
  usermod -a -G "$SEC_GROUP" "$SEC_USER"
  run -0 as_user -o json daemon status
  json_assert '.pid > 0' "$output"
  run -0 as_user spawn counter --name member1
  run -0 as_user call member1 '{"inc":2}'
  run -0 as_user ps
  [[ "$output" == *member1* ]]
  sec_stop
}

@test "a member may not load or deploy a plugin from outside the plugin directories; the daemon's user may" {
  getent group "$SEC_GROUP" | grep -q "$SEC_USER" || usermod -a -G "$SEC_GROUP" "$SEC_USER"
  printf '{"group": "%s"}\n' "$SEC_GROUP" >"$SEC_DIR/config.json"
  sec_start -c "$SEC_DIR/config.json"
  run -0 "$ACTORCTL" -s "$SOCK" unload ticker
  denied="permission denied: $SEC_DIR/extra/ticker.so is outside the plugin directories, and only uid 0 may load from there"
  run -1 --separate-stderr as_user load "$SEC_DIR/extra/ticker.so"
  [[ "$stderr" == *"$denied"* ]]
  run -1 --separate-stderr as_user deploy "$SEC_DIR/extra/ticker.so"
  [[ "$stderr" == *"$denied"* ]]
  run -0 "$ACTORCTL" -s "$SOCK" -o json plugins
  json_assert 'all(.[]; .name != "ticker")' "$output"
  # From a plugin directory the member may.
  run -0 as_user load "$PLUGIN_DIR/ticker.so"
  run -0 "$ACTORCTL" -s "$SOCK" unload ticker
  # The daemon's own user may load from anywhere.
  run -0 "$ACTORCTL" -s "$SOCK" load "$SEC_DIR/extra/ticker.so"
  sec_stop
}

@test "a member's exec actor runs with the daemon's rights, as actord(8) warns" {
  getent group "$SEC_GROUP" | grep -q "$SEC_USER" || usermod -a -G "$SEC_GROUP" "$SEC_USER"
  printf '{"group": "%s"}\n' "$SEC_GROUP" >"$SEC_DIR/config.json"
  sec_start -c "$SEC_DIR/config.json"
  run -0 as_user exec --name member-exec -- sleep 1000
  pid_of() { "$ACTORCTL" -s "$SOCK" -o json inspect member-exec | jq -e -r '.data.pid | numbers'; }
  wait_for pid_of
  pid=$(pid_of)
  wait_for grep -qx sleep "/proc/$pid/comm"
  [ "$(stat -c %u "/proc/$pid")" = 0 ]
  run -0 as_user stop member-exec
  sec_stop
}
