#!/usr/bin/env python3
"""Load on the control socket, for load-*.bats.

  load-driver.py SOCK clients N M
      N clients at once, each on its own connection, M requests each, one
      at a time: spawn an echo actor, send to it, call it, list, info,
      stop it, in turn (and a last stop when M is not a multiple of 6). Prints "requests R errors E seconds S"; the errors
      are listed on stderr. Exit 0 when E is 0.
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


def run_client(path, n, m, errors, lock):
    try:
        c = Client(path)
    except OSError as e:
        with lock:
            errors.append("client %d: connect: %s" % (n, e))
        return
    actor = None
    for i in range(m):
        step = i % 6
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
                r = c.request("actor.list")
            elif step == 4:
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
    if m % 6 != 0 and actor is not None:
        try:
            r = c.request("actor.stop", {"target": actor})
            if "error" in r:
                with lock:
                    errors.append("client %d final stop: %s" % (n, r["error"]))
        except (OSError, ValueError) as e:
            with lock:
                errors.append("client %d final stop: %s" % (n, e))
    c.s.close()


def clients(path, n, m):
    errors, lock = [], threading.Lock()
    t0 = time.time()
    threads = [threading.Thread(target=run_client, args=(path, k, m, errors, lock))
               for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e in errors[:20]:
        print(e, file=sys.stderr)
    print("requests %d errors %d seconds %.1f" % (n * m, len(errors), time.time() - t0))
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
    path, mode = sys.argv[1], sys.argv[2]
    if mode == "clients":
        sys.exit(clients(path, int(sys.argv[3]), int(sys.argv[4])))
    if mode == "flood":
        sys.exit(flood(path, sys.argv[3], int(sys.argv[4])))
    sys.exit(2)


if __name__ == "__main__":
    main()
