#!/usr/bin/env python3
"""Load on the control socket, for load-*.bats.

  load-driver.py SOCK clients N M [PID]
      N clients at once, each on its own connection (all connected before
      any sends), M requests each, one at a time: spawn an echo actor,
      send to it, call it, hello, list, info, stop it, in turn (and a last
      stop when M is not a multiple of 7). Prints "requests R errors E
      seconds S"; the errors are listed on stderr. Exit 0 when E is 0.
      With PID, the resident memory of process PID is sampled every 20 ms
      while the clients run, and " rss_peak_kb K" ends the line.
  load-driver.py SOCK lists N M [PID]
      The same, but each request is an actor.list: a burst of clients and
      of replies, no actor coming or going.
  load-driver.py SOCK flood TARGET N
      N actor.send {"inc":1} to TARGET pipelined on one connection.
      Prints "replies R ok K" and the error kinds with their counts.
"""
import json
import os
import socket
import sys
import threading
import time


class Client:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(60)
        self.s.connect(path)
        self.buf = b""
        self.next_id = 0

    def request(self, method, params=None):
        self.next_id += 1
        req = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            req["params"] = params
        self.s.sendall(json.dumps(req).encode() + b"\n")
        while b"\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise OSError("connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        reply = json.loads(line)
        if reply.get("id") != self.next_id:
            raise ValueError("reply to %r for %d" % (reply.get("id"), self.next_id))
        return reply


STEPS = 7


def run_client(path, n, m, errors, lock, barrier, lists_only):
    try:
        c = Client(path)
    except OSError as e:
        with lock:
            errors.append("client %d: connect: %s" % (n, e))
        c = None
    # Every client holds its connection before any of them sends: N
    # clients at once, not N in turn.
    try:
        barrier.wait()
    except threading.BrokenBarrierError:
        pass
    if c is None:
        return
    actor = None
    for i in range(m):
        step = 4 if lists_only else i % STEPS
        try:
            if step == 0:
                r = c.request("actor.spawn", {"plugin": "echo", "name": "load_%d_%d_%d" % (os.getpid(), n, i),
                                              "restart": "temporary"})
                if "result" in r:
                    actor = r["result"]["id"]
            elif step == 1:
                r = c.request("actor.send", {"target": actor, "message": {"n": n, "i": i}})
            elif step == 2:
                r = c.request("actor.call", {"target": actor, "message": [n, i]})
                if "result" in r and r["result"] != [n, i]:
                    r = {"error": "call answered %r" % (r["result"],)}
            elif step == 3:
                r = c.request("hello", {"client": "load-driver"})
            elif step == 4:
                r = c.request("actor.list")
            elif step == 5:
                r = c.request("actor.info", {"target": actor})
            else:
                r = c.request("actor.stop", {"target": actor})
            if "error" in r:
                with lock:
                    errors.append("client %d request %d: %s" % (n, i, r["error"]))
        except (OSError, ValueError) as e:
            with lock:
                errors.append("client %d request %d: %s" % (n, i, e))
            return
    # The last actor spawned is stopped whatever M was.
    if m % STEPS != 0 and actor is not None:
        try:
            r = c.request("actor.stop", {"target": actor})
            if "error" in r:
                with lock:
                    errors.append("client %d final stop: %s" % (n, r["error"]))
        except (OSError, ValueError) as e:
            with lock:
                errors.append("client %d final stop: %s" % (n, e))
    c.s.close()


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def clients(path, n, m, pid=None, lists_only=False):
    errors, lock = [], threading.Lock()
    barrier = threading.Barrier(n, timeout=300)
    done = threading.Event()
    peak = [0]

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_kb(pid))
            done.wait(0.02)

    t0 = time.time()
    # Small stacks: hundreds of threads that only wait on sockets.
    threading.stack_size(256 * 1024)
    threads = [threading.Thread(target=run_client, args=(path, k, m, errors, lock, barrier, lists_only))
               for k in range(n)]
    sampler = threading.Thread(target=sample) if pid else None
    if sampler:
        sampler.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    if sampler:
        sampler.join()
    for e in errors[:20]:
        print(e, file=sys.stderr)
    print("requests %d errors %d seconds %.1f%s" % (
        n * m, len(errors), time.time() - t0,
        " rss_peak_kb %d" % peak[0] if pid else ""))
    return 0 if not errors else 1


def flood(path, target, n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(60)
    s.connect(path)
    line = "".join('{"jsonrpc":"2.0","id":%d,"method":"actor.send","params":'
                   '{"target":"%s","message":{"inc":1}}}\n' % (i, target)
                   for i in range(n)).encode()
    # Read while writing: a client that does not read its replies is cut
    # off once 8 MiB wait for it, and that is not what this measures.
    chunks = []

    def reader():
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                return
            chunks.append(chunk)

    t = threading.Thread(target=reader)
    t.start()
    s.sendall(line)
    s.shutdown(socket.SHUT_WR)
    t.join()
    data = b"".join(chunks)
    replies = [json.loads(l) for l in data.splitlines()]
    ok = sum(1 for r in replies if "result" in r)
    kinds = {}
    for r in replies:
        if "error" in r:
            k = r["error"].get("data", {}).get("kind", str(r["error"].get("code")))
            kinds[k] = kinds.get(k, 0) + 1
    print("replies %d ok %d%s" % (len(replies), ok,
                                 "".join(" %s %d" % kv for kv in sorted(kinds.items()))))
    return 0


def main():
    usage = ("usage: load-driver.py SOCK clients|lists N M [PID] | "
             "load-driver.py SOCK flood TARGET N")
    a = sys.argv[1:]
    try:
        if len(a) in (4, 5) and a[1] in ("clients", "lists"):
            pid = int(a[4]) if len(a) == 5 else None
            sys.exit(clients(a[0], int(a[2]), int(a[3]), pid, a[1] == "lists"))
        if len(a) == 4 and a[1] == "flood":
            sys.exit(flood(a[0], a[2], int(a[3])))
    except ValueError as e:
        print("load-driver.py: expected a number: %s" % e, file=sys.stderr)
        sys.exit(2)
    print(usage, file=sys.stderr)
    sys.exit(2)


if __name__ == "__main__":
    main()
