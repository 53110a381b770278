#!/usr/bin/env bats
# Crash recovery: actord is killed with SIGKILL at random moments, 50 times,
# while clients spawn and stop recorded actors (plugin actors one request at
# a time and pipelined, exec actors). After every kill the state file is
# valid JSON, and the next start brings back every actor whose spawn was
# answered (and whose stop was not), and none whose stop was answered.
#
# A request that was sent but not answered when the daemon died may have
# taken effect or not: such an actor may be back or not, and whichever it is
# is what the next round expects of it from then on.

bats_require_minimum_version 1.5.0
load helpers

setup_file() { daemon_start; }
teardown_file() { daemon_stop; }

# The driver runs the daemons itself (the same command line as
# daemon_start), so that a kill can land between any two requests; the
# daemon it leaves running is the one teardown_file stops.
@test "50 kill -9 under a load of spawns and stops: nothing answered is lost, nothing stopped comes back" {
  skip_under_valgrind "50 daemon starts at memcheck's pace do not fit the driver's 110 s"
  marker=$((RANDOM % 9000 + 1000)).$$
  # The driver starts its own daemons, on the same socket and state, from a
  # copy of the binary: 50 starts must all run the same actord, also when a
  # build relinks the tree's meanwhile (a file being linked cannot be run).
  cp "$ACTORD" "$BATS_TEST_TMPDIR/actord"
  # The first daemon stops in order (a kill would be reported as a job
  # killed by the shell that started it).
  kill -TERM "$(_daemon_pid)"
  _daemon_wait_gone "$(_daemon_pid)" 20
  run timeout 110 python3 - "$BATS_TEST_TMPDIR/actord" "$SOCK" "$STATE" "$PLUGIN_DIR" "$LOG" \
    "$DAEMON_DIR/pid" "$marker" "${CRASH_KILLS:-50}" "${CRASH_SEED:-}" <<'PY'
import json, os, random, signal, socket, subprocess, sys, threading, time

actord, sock, state, plugin_dir, log, pidfile, marker, kills, seed = sys.argv[1:10]
kills = int(kills)
seed = int(seed) if seed else random.randrange(1 << 30)
rng = random.Random(seed)
print("seed", seed)

def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)

def connect(deadline):
    while True:
        try:
            s = socket.socket(socket.AF_UNIX)
            s.connect(sock)
            return s
        except OSError:
            s.close()
            if time.monotonic() > deadline:
                return None
            time.sleep(0.02)

def request(s, f, method, params=None):
    req = {"jsonrpc": "2.0", "id": 1, "method": method}
    if params is not None:
        req["params"] = params
    s.sendall((json.dumps(req) + "\n").encode())
    line = f.readline()
    return json.loads(line) if line else None

def answers():
    s = connect(time.monotonic())
    if s is None:
        return False
    try:
        s.settimeout(3)
        r = request(s, s.makefile(), "hello")
        return r is not None and "result" in r
    except OSError:
        return False
    finally:
        s.close()

# name -> "alive" (spawn answered), "gone" (stop answered), "spawning" or
# "stopping" (sent, no answer yet). Names are never used twice.
fate = {}
lock = threading.Lock()
count = {"spawned": 0, "stopped": 0, "inflight": 0, "inflight_back": 0}
errors = []

def set_fate(name, f):
    with lock:
        fate[name] = f
        if f == "alive": count["spawned"] += 1
        if f == "gone": count["stopped"] += 1

def spec(kind, name):
    if kind == "exec":
        return {"plugin": "exec", "name": name,
                "args": {"argv": ["sleep", marker], "stop_timeout_ms": 2000}}
    return {"plugin": rng.choice(["counter", "echo"]), "name": name}

serial = [0]
def new_name(kind):
    with lock:
        serial[0] += 1
        return "%s%d" % (kind, serial[0])

def worker(kind, batch, stop):
    """Spawn and stop actors of one kind, batch requests at a time on one
    connection (pipelined when batch > 1), until the daemon goes."""
    s = connect(time.monotonic() + 5)
    if s is None:
        return
    f = s.makefile()
    with lock:
        mine = [n for n, v in fate.items() if v == "alive" and n.startswith(kind)]
    try:
        while not stop.is_set():
            if len(mine) < 8 or rng.random() < 0.5:
                ops = [("spawn", new_name(kind)) for _ in range(batch)]
            else:
                rng.shuffle(mine)
                ops = [("stop", mine.pop()) for _ in range(min(batch, len(mine)))]
            out = []
            for i, (op, name) in enumerate(ops):
                set_fate(name, "spawning" if op == "spawn" else "stopping")
                if op == "spawn":
                    req = {"jsonrpc": "2.0", "id": i, "method": "actor.spawn",
                           "params": spec(kind, name)}
                else:
                    req = {"jsonrpc": "2.0", "id": i, "method": "actor.stop",
                           "params": {"target": name}}
                out.append(json.dumps(req) + "\n")
            s.sendall("".join(out).encode())
            for _ in ops:
                line = f.readline()
                if not line:
                    return
                r = json.loads(line)
                op, name = ops[r["id"]]
                if "result" not in r:
                    with lock:
                        errors.append("%s %s: %s" % (op, name, r.get("error")))
                    return
                if op == "spawn":
                    set_fate(name, "alive")
                    mine.append(name)
                else:
                    set_fate(name, "gone")
    except (OSError, ValueError):
        # The daemon went in the middle of a line or of a send.
        return
    except Exception as e:
        with lock:
            errors.append("%s worker: %r" % (kind, e))
    finally:
        s.close()

def start():
    with open(log, "ab") as out:
        p = subprocess.Popen([actord, "-s", sock, "-S", state, "-p", plugin_dir],
                             stdin=subprocess.DEVNULL, stdout=out, stderr=out)
    with open(pidfile, "w") as pf:
        pf.write("%d\n" % p.pid)
    deadline = time.monotonic() + 30
    while not answers():
        if p.poll() is not None:
            fail("actord exited with status %s before answering" % p.returncode)
        if time.monotonic() > deadline:
            fail("actord did not answer within 30 s")
        time.sleep(0.02)
    return p

def restored_lines():
    with open(log, "rb") as f:
        return f.read().count(b"info: state restored")

def listed():
    s = connect(time.monotonic() + 5)
    s.settimeout(10)
    r = request(s, s.makefile(), "actor.list")
    s.close()
    return {a["name"] for a in r["result"] if a.get("name")}

def check(p, expect_restore):
    # The restore is over when the log says so (the socket answers before
    # that when it takes longer than 3 s).
    deadline = time.monotonic() + 30
    while restored_lines() < expect_restore:
        if time.monotonic() > deadline:
            fail("no 'state restored' in the log within 30 s")
        time.sleep(0.02)
    names = listed()
    for name, f in sorted(fate.items()):
        back = name in names
        if f == "alive" and not back:
            fail("%s: its spawn was answered, but it is not back" % name)
        if f == "gone" and back:
            fail("%s: its stop was answered, but it came back" % name)
        if f in ("spawning", "stopping"):
            # In flight at the kill: either way, and that is its fate now.
            count["inflight"] += 1
            count["inflight_back"] += back
            fate[name] = "alive" if back else "gone"
    unknown = names - set(fate)
    if unknown:
        fail("actors nobody spawned: %s" % sorted(unknown))

restores = restored_lines()
p = start()
for k in range(kills):
    stop = threading.Event()
    threads = [threading.Thread(target=worker, args=a)
               for a in (("counter", 1, stop), ("exec", 1, stop), ("bulk", 6, stop))]
    for t in threads:
        t.start()
    time.sleep(rng.uniform(0.005, 0.3))
    p.send_signal(signal.SIGKILL)
    p.wait()
    stop.set()
    for t in threads:
        t.join(30)
        if t.is_alive():
            fail("a client hung after the kill")
    if errors:
        fail("error replies: %s" % errors[:5])
    # What the kill left on disk: the old file or the new one, never torn.
    path = os.path.join(state, "state.json")
    if os.path.exists(path):
        rc = subprocess.run(["jq", "-e", ".actors | type == \"array\"", path],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if rc.returncode != 0:
            fail("kill %d: state.json is not valid: %s" % (k + 1, rc.stderr))
        # A start that finds a file logs "state restored" once it is
        # replayed, also when it holds no actor.
        restores += 1
    p = start()
    check(p, restores)

print("kills %d, spawns answered %d, stops answered %d, in flight %d (%d back)"
      % (kills, count["spawned"], count["stopped"], count["inflight"],
         count["inflight_back"]))
PY
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "${lines[-1]}" == "kills ${CRASH_KILLS:-50}, spawns answered "* ]]
  echo "# ${lines[-1]}" >&3
  # No program of an exec actor outlived the daemon that ran it: the only
  # ones left are those of the daemon that runs now.
  stray() {
    local live
    live=$(rpc actor.list | jq -r '.result[] | select(.plugin == "exec") | .pid | numbers')
    comm -23 <(pgrep -f "^sleep $marker\$" | sort) <(printf '%s\n' $live | sort)
  }
  no_stray() { [ -z "$(stray)" ]; }
  wait_for -t 30 no_stray
}
