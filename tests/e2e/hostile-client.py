#!/usr/bin/env python3
"""Hostile clients of the control socket, for hostile-socket.bats.

  hostile-client.py SOCK slowloris LINE [SENT GO]
                                            send LINE a byte at a time; with
                                            SENT and GO, create SENT before the
                                            newline and wait for GO to exist;
                                            print the reply
  hostile-client.py SOCK churn N            open N connections, drop them
  hostile-client.py SOCK send-file PATH     send a file's bytes, half-close,
                                            print every reply line
"""
import os
import socket
import sys
import time


def connect(path):
    """A connection, waiting while the daemon's backlog is full."""
    deadline = time.time() + 10
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        try:
            s.connect(path)
            return s
        except BlockingIOError:
            s.close()
            if time.time() > deadline:
                raise
            time.sleep(0.001)


def read_all(s):
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            return data
        data += chunk


def main():
    path, mode = sys.argv[1], sys.argv[2]
    if mode == "slowloris":
        line = sys.argv[3].encode()
        s = connect(path)
        for b in line:
            s.sendall(bytes([b]))
            time.sleep(0.005)
        # All but the newline is out: say so, and hold the line open until
        # told to finish it.
        if len(sys.argv) > 5:
            open(sys.argv[4], "w").close()
            deadline = time.time() + 30
            while not os.path.exists(sys.argv[5]) and time.time() < deadline:
                time.sleep(0.01)
        s.sendall(b"\n")
        s.shutdown(socket.SHUT_WR)
        sys.stdout.write(read_all(s).decode())
    elif mode == "churn":
        n = int(sys.argv[3])
        done = 0
        while done < n:
            batch = [connect(path) for _ in range(min(200, n - done))]
            for i, s in enumerate(batch):
                if i % 2:
                    s.sendall(b'{"jsonrpc":"2.0","id":1,"method":"hello"}\n')
                s.close()
            done += len(batch)
        print(done)
    elif mode == "send-file":
        with open(sys.argv[3], "rb") as f:
            data = f.read()
        s = connect(path)
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        sys.stdout.buffer.write(read_all(s))
    else:
        sys.exit(2)


if __name__ == "__main__":
    main()
