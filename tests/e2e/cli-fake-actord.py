#!/usr/bin/env python3
"""A stand-in for actord that the client tests use where the real daemon
cannot show what they check: what actorctl puts on the wire, how it treats
a daemon of another protocol version, one that never answers, or one that
answers with chosen errors.

usage: cli-fake-actord.py SOCKET LOG [--protocol V] [--silent METHOD]
                          [--error METHOD:CODE:KIND:MESSAGE]...
                          [--result METHOD:JSON]... [--result-file METHOD:PATH]...
                          [--emit-on METHOD]

Every request line received is appended to LOG as it came. hello answers
{"version","protocol","name","pid"}; a --silent method is never answered;
--error and --result give the answer of a method (--result-file: the JSON in PATH); any other method answers
{}. After answering a --emit-on method, every connection that subscribed
to events gets an "exit" event of the request's target. The server runs
until killed; it writes its pid to SOCKET.pid once it
listens.
"""
import json
import os
import socket
import sys
import threading


def main():
    path, log = sys.argv[1], sys.argv[2]
    protocol, silent, errors, results = "1.0", set(), {}, {}
    emit_on, subscribers = set(), []
    args = sys.argv[3:]
    while args:
        opt = args.pop(0)
        if opt == "--protocol":
            protocol = args.pop(0)
        elif opt == "--silent":
            silent.add(args.pop(0))
        elif opt == "--error":
            method, code, kind, message = args.pop(0).split(":", 3)
            errors[method] = {"code": int(code), "message": message}
            if kind:
                errors[method]["data"] = {"kind": kind}
        elif opt == "--emit-on":
            emit_on.add(args.pop(0))
        elif opt == "--result":
            method, value = args.pop(0).split(":", 1)
            results[method] = json.loads(value)
        elif opt == "--result-file":
            method, name = args.pop(0).split(":", 1)
            with open(name) as f:
                results[method] = json.load(f)
        else:
            sys.exit("unknown option " + opt)
    lock = threading.Lock()

    def serve(conn):
        buf = b""
        with conn:
            while True:
                data = conn.recv(65536)
                if not data:
                    return
                buf += data
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    with lock, open(log, "ab") as f:
                        f.write(line + b"\n")
                    req = json.loads(line)
                    method = req.get("method")
                    if method in silent:
                        continue
                    reply = {"jsonrpc": "2.0", "id": req.get("id")}
                    if method == "hello":
                        reply["result"] = {"version": "9.9.9",
                                           "protocol": protocol,
                                           "name": "fake", "pid": os.getpid()}
                    elif method in errors:
                        reply["error"] = errors[method]
                    elif method in results:
                        reply["result"] = results[method]
                    else:
                        reply["result"] = {}
                    with lock:
                        conn.sendall(json.dumps(reply).encode() + b"\n")
                        if method == "events.subscribe":
                            subscribers.append(conn)
                        if method in emit_on:
                            target = req.get("params", {}).get("target")
                            event = {"jsonrpc": "2.0", "method": "event",
                                     "params": {"event": "exit",
                                                "time": "2026-11-21T19:44:13.123Z",
                                                "id": 5, "name": target,
                                                "plugin": "echo",
                                                "reason": "killed"}}
                            for sub in subscribers:
                                try:
                                    sub.sendall(json.dumps(event).encode() + b"\n")
                                except OSError:
                                    pass

    # The socket appears under its name only once it listens: the tests
    # wait for the file, and a connect between bind and listen is refused.
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path + ".new")
    srv.listen(16)
    os.rename(path + ".new", path)
    with open(path + ".pid", "w") as f:
        f.write(str(os.getpid()))
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
