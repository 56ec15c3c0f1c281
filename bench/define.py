#!/usr/bin/env python3
"""Defines stopped instances quickly through the REST API, for the scale figures of bench/run.sh.

    define.py SOCKET FIRST LAST [--pool POOL] [--image ALIAS] [--clients C] [--deadline S]

Creates instances sFIRST..sLAST from the image ALIAS with their root disk on POOL, C requests in
flight at once over keep-alive connections on the unix socket, each waited for through
/1.0/operations/ID/wait. Both daemons get the very same requests. Stops early at the deadline
(seconds from start) and prints one JSON line: how many were made, how long it took, the failures.
"""
import argparse
import http.client
import json
import socket
import sys
import threading
import time


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("lxd", timeout=600)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(600)
        self.sock.connect(self.path)


def call(conn, method, url, body=None):
    conn.request(method, url, body=None if body is None else json.dumps(body),
                 headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    return response.status, json.loads(response.read() or b"{}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("first", type=int)
    ap.add_argument("last", type=int)
    ap.add_argument("--pool", default="default")
    ap.add_argument("--image", default="bb")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--deadline", type=float, default=0)
    ap.add_argument("--copy-of", default="", help="copy this instance instead of unpacking the image")
    a = ap.parse_args()

    names = iter(range(a.first, a.last + 1))
    lock = threading.Lock()
    made, failures = [0], []
    start = time.monotonic()

    def worker():
        conn = UnixConnection(a.socket)
        while True:
            with lock:
                if a.deadline and time.monotonic() - start > a.deadline:
                    return
                i = next(names, None)
            if i is None:
                return
            body = {"name": f"s{i}", "type": "container",
                    "source": ({"type": "copy", "source": a.copy_of} if a.copy_of
                               else {"type": "image", "alias": a.image}),
                    "devices": {"root": {"type": "disk", "path": "/", "pool": a.pool}}}
            try:
                status, reply = call(conn, "POST", "/1.0/instances", body)
                if status == 202:
                    status, reply = call(conn, "GET", reply["operation"] + "/wait?timeout=600")
                    ok = reply.get("metadata", {}).get("status") == "Success"
                else:
                    ok = False
            except (OSError, http.client.HTTPException, ValueError) as e:
                conn.close()
                conn = UnixConnection(a.socket)
                ok, reply = False, {"error": str(e)}
            with lock:
                if ok:
                    made[0] += 1
                elif len(failures) < 3:
                    failures.append(reply.get("error") or reply.get("metadata", {}).get("err"))

    threads = [threading.Thread(target=worker) for _ in range(a.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"made": made[0], "seconds": round(time.monotonic() - start, 1), "failures": failures}))
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
