#!/usr/bin/env python3
"""Requests on /dev/lxd from whoever runs it: devlxd_flood.py SOCKET METHOD PATH [COUNT [THREADS [BODY]]].

Each request is a new connection (as a guest's curl or wget would make), sent as raw HTTP so
that odd methods and paths go out unchanged. Prints one line per distinct answer:
"<count> <status> <first 200 bytes of the body>", so a test can check that every request got
the same answer."""
import collections
import socket
import sys
import threading

path, method, target = sys.argv[1], sys.argv[2], sys.argv[3]
count = int(sys.argv[4]) if len(sys.argv) > 4 else 1
threads = int(sys.argv[5]) if len(sys.argv) > 5 else 1
payload = sys.argv[6].encode() if len(sys.argv) > 6 else b""
answers = collections.Counter()
lock = threading.Lock()


def one():
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(path)  # blocking: a full backlog makes it wait rather than fail
        s.settimeout(30)
        request = f"{method} {target} HTTP/1.1\r\nHost: lxd\r\nContent-Type: application/json\r\n"
        s.sendall(f"{request}Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode() + payload)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        status = head.split(b" ")[1].decode() if b" " in head else "none"
        return f"{status} {body[:200].decode(errors='replace').strip()}"
    except OSError as e:
        return f"error {e.__class__.__name__}"
    finally:
        s.close()


def worker(n):
    for _ in range(n):
        answer = one()
        with lock:
            answers[answer] += 1


share = [count // threads + (1 if i < count % threads else 0) for i in range(threads)]
pool = [threading.Thread(target=worker, args=(n,)) for n in share]
for t in pool:
    t.start()
for t in pool:
    t.join()
for answer, n in answers.most_common():
    print(n, answer)
