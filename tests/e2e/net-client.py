#!/usr/bin/env python3
"""The client side of the network tests (net-*.bats): loopback TCP only.

  net-client.py free-port
      Print a TCP port of 127.0.0.1 that nothing listens on now.
  net-client.py hold-port PORT_FILE
      Listen on a port the system picks, write it to PORT_FILE, then wait
      until standard input closes (a port taken by another program).
  net-client.py many HOST PORT N RELEASE_FILE
      Open N connections at once; each sends its own line and reads it back.
      Prints "echoed N" once all came back intact, then keeps the
      connections open until RELEASE_FILE exists, closes them and prints
      "closed". Exit 1 (with the reason on stderr) on a wrong or missing echo.
  net-client.py flood HOST PORT BYTES
      Send BYTES bytes on one connection and never read. Prints "sent" if
      it ever gets them all out (with an echo server that keeps its bounds,
      it does not: the test kills it).
  net-client.py slowread HOST PORT BYTES RELEASE_FILE
      Send BYTES random bytes (then half-close) while reading nothing until
      RELEASE_FILE exists; then read all that comes back and print
      "match BYTES" if it is what was sent.
  net-client.py halfclose HOST PORT TEXT
      Send TEXT, shut down the writing side, read until the server closes;
      print what came back, then "eof".
  net-client.py http HOST PORT VERSION N
      N GET requests with http.client on one connection, HTTP VERSION (1.0
      or 1.1); prints one line per answer, "STATUS BODY_LENGTH CONNECTION",
      then "connections 1" when every answer came on the same connection.
  net-client.py pipeline HOST PORT N RELEASE_FILE
      Send N pipelined GET requests while reading nothing until
      RELEASE_FILE exists; then read the N answers, each a 200 with a
      body, and print "answered N".
  net-client.py paced HOST PORT N RELEASE_FILE
      As pipeline, but the requests go out 500 at a time, a moment apart,
      so that the server reads each batch as it comes rather than a
      backlog of them: its queue of answers then reaches its bound on an
      answer it accepted, with no more requests read to be refused.
  net-client.py raw HOST PORT COUNT REQUEST
      Send REQUEST (Python escapes: \\r\\n) in one write, read COUNT
      answers; prints "STATUS CONNECTION BODY" for each (CONNECTION "-"
      when the header is absent); after an answer with "Connection: close",
      reads no more answers but to the end, and prints "peer closed" when
      nothing else came.
      A "|" in REQUEST splits it into separate writes (pieces of one
      request). REQUEST "big-head" sends a head of 9000 bytes.
Every wait is bounded (60 s) so that a broken server fails the test rather
than hangs it.
"""
import http.client
import os
import selectors
import socket
import sys
import time

TIMEOUT = 60


def connect(host, port):
    s = socket.create_connection((host, int(port)), timeout=TIMEOUT)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    print(port)


def hold_port(port_file):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    os.rename(port_file + ".tmp", port_file)
    sys.stdin.read()


def many(host, port, n, release):
    n = int(n)
    sel = selectors.DefaultSelector()
    conns = {}
    for i in range(n):
        s = socket.socket()
        s.settimeout(TIMEOUT)
        s.connect((host, int(port)))
        s.setblocking(False)
        want = b"connection %d of %d\n" % (i, n)
        conns[s] = [want, 0, b""]  # expected, sent, received
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    left = n
    deadline = time.monotonic() + TIMEOUT
    while left > 0:
        if time.monotonic() > deadline:
            sys.exit("many: %d of %d echoes missing after %ds" % (left, n, TIMEOUT))
        for key, ev in sel.select(timeout=1):
            s = key.fileobj
            st = conns[s]
            if ev & selectors.EVENT_WRITE and st[1] < len(st[0]):
                st[1] += s.send(st[0][st[1]:])
                if st[1] == len(st[0]):
                    sel.modify(s, selectors.EVENT_READ)
            if ev & selectors.EVENT_READ:
                data = s.recv(65536)
                if not data:
                    sys.exit("many: a connection closed after %r" % st[2])
                st[2] += data
                if len(st[2]) >= len(st[0]):
                    if st[2] != st[0]:
                        sys.exit("many: sent %r, got %r" % (st[0], st[2]))
                    sel.unregister(s)
                    left -= 1
    print("echoed %d" % n, flush=True)
    while not os.path.exists(release):
        if time.monotonic() > deadline + TIMEOUT:
            sys.exit("many: %s never appeared" % release)
        time.sleep(0.05)
    # A second round on every connection, one at a time: those the server
    # closed meanwhile are counted, the others must echo again.
    ok = closed = 0
    for s, st in conns.items():
        s.setblocking(True)
        s.settimeout(TIMEOUT)
        again = st[0].replace(b"connection", b"again")
        try:
            s.sendall(again)
            got = b""
            while len(got) < len(again):
                data = s.recv(65536)
                if not data:
                    break
                got += data
        except (ConnectionResetError, BrokenPipeError):
            got = b""
        if got == again:
            ok += 1
        elif got == b"":
            closed += 1
        else:
            sys.exit("many: sent %r again, got %r" % (again, got))
        s.close()
    print("again %d closed %d" % (ok, closed), flush=True)


def flood(host, port, total):
    s = connect(host, port)
    s.settimeout(None)  # blocked for as long as the server does not read
    chunk = b"x" * 65536
    left = int(total)
    while left > 0:
        left -= s.send(chunk[:min(left, len(chunk))])
    print("sent", flush=True)


def slowread(host, port, total, release):
    """Send TOTAL random bytes (a thread), read nothing until RELEASE
    exists, then read everything back; the bytes must be the same."""
    import hashlib
    import threading
    total = int(total)
    data = os.urandom(total)
    s = connect(host, port)
    s.settimeout(None)
    failed = []

    def send():
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except OSError as e:
            failed.append(e)
    t = threading.Thread(target=send)
    t.start()
    deadline = time.monotonic() + 2 * TIMEOUT
    while not os.path.exists(release):
        if time.monotonic() > deadline:
            sys.exit("slowread: %s never appeared" % release)
        time.sleep(0.05)
    s.settimeout(TIMEOUT)
    got = hashlib.sha256()
    n = 0
    while True:
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        got.update(chunk)
        n += len(chunk)
    t.join()
    if failed:
        sys.exit("slowread: sending failed: %s" % failed[0])
    if n != total or got.digest() != hashlib.sha256(data).digest():
        sys.exit("slowread: sent %d bytes, got %d back, %s" %
                 (total, n, "the same length but different" if n == total else "short"))
    print("match %d" % n)


def halfclose(host, port, text):
    s = connect(host, port)
    s.sendall(text.encode())
    s.shutdown(socket.SHUT_WR)
    got = b""
    while True:
        data = s.recv(65536)
        if not data:
            break
        got += data
    sys.stdout.write(got.decode(errors="replace") + "\neof\n")


def http_requests(host, port, version, n):
    c = http.client.HTTPConnection(host, int(port), timeout=TIMEOUT)
    if version == "1.0":
        c._http_vsn, c._http_vsn_str = 10, "HTTP/1.0"
    socks = set()
    for i in range(int(n)):
        c.request("GET", "/%d" % i)
        socks.add(c.sock.getsockname())
        r = c.getresponse()
        body = r.read()
        print("%d %d %s" % (r.status, len(body), r.getheader("Connection", "-")))
        if r.will_close:
            break
    print("connections %d" % len(socks))


def read_answer(f):
    """One answer from the buffered reader f: (status, connection, body), or
    None at EOF."""
    line = f.readline()
    if not line:
        return None
    status, connection, length = int(line.split()[1]), "-", 0
    while True:
        h = f.readline()
        if h in (b"\r\n", b""):
            break
        name, _, value = h.decode().partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
        elif name.strip().lower() == "connection":
            connection = value.strip()
    return status, connection, f.read(length)


def pipeline(host, port, n, release, batch=0):
    """Send N pipelined GETs (a thread; BATCH at a time a moment apart when
    given), read nothing until RELEASE exists, then read the N answers:
    each must be a 200 with a body."""
    import threading
    n = int(n)
    s = connect(host, port)
    s.settimeout(None)
    failed = []
    request = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"

    def send():
        try:
            if not batch:
                s.sendall(request * n)
                return
            for i in range(0, n, batch):
                s.sendall(request * min(batch, n - i))
                time.sleep(0.002)
        except OSError as e:
            failed.append(e)
    t = threading.Thread(target=send)
    t.start()
    deadline = time.monotonic() + 2 * TIMEOUT
    while not os.path.exists(release):
        if time.monotonic() > deadline:
            sys.exit("pipeline: %s never appeared" % release)
        time.sleep(0.05)
    s.settimeout(TIMEOUT)
    f = s.makefile("rb")
    for i in range(n):
        a = read_answer(f)
        if a is None or a[0] != 200 or not a[2]:
            sys.exit("pipeline: answer %d of %d: %r" % (i + 1, n, a))
    t.join()
    if failed:
        sys.exit("pipeline: sending failed: %s" % failed[0])
    print("answered %d" % n)


def paced(host, port, n, release):
    pipeline(host, port, n, release, batch=500)


def raw(host, port, count, request):
    s = connect(host, port)
    if request == "big-head":
        data = b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n"
    else:
        data = request.encode().decode("unicode_escape").encode("latin-1")
    # "|" splits the request into writes of their own, a moment apart, so
    # that the server may see it in pieces (it must answer the same).
    parts = data.split(b"|")
    for i, part in enumerate(parts):
        s.sendall(part)
        if i + 1 < len(parts):
            time.sleep(0.05)
    f = s.makefile("rb")
    a = None
    for i in range(int(count)):
        a = read_answer(f)
        if a is None:
            print("eof after %d answers" % i)
            return
        print("%d %s %s" % (a[0], a[1], a[2].decode(errors="replace").strip()))
        if a[1] == "close":
            break
    if a is not None and a[1] == "close":
        # The server said it closes: it must, and send nothing more.
        rest = f.read()
        print("peer closed" if rest == b"" else "peer sent more: %r" % rest[:80])


def main():
    cmds = {"free-port": (free_port, 0), "hold-port": (hold_port, 1),
            "many": (many, 4), "flood": (flood, 3), "slowread": (slowread, 4),
            "halfclose": (halfclose, 3), "http": (http_requests, 4), "raw": (raw, 4), "pipeline": (pipeline, 4),
            "paced": (paced, 4)}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit("usage: net-client.py " + "|".join(cmds) + " ARGS... (see the file)")
    fn, argc = cmds[sys.argv[1]]
    if len(sys.argv) - 2 != argc:
        sys.exit("net-client.py %s: expected %d arguments, got %d"
                 % (sys.argv[1], argc, len(sys.argv) - 2))
    fn(*sys.argv[2:])


if __name__ == "__main__":
    main()
