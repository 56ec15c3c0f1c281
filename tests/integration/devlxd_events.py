#!/usr/bin/env python3
"""Listens on /dev/lxd's /1.0/events websocket: devlxd_events.py SOCKET QUERY SECONDS.

Prints the HTTP status of the upgrade, then each text message on a line of its own, for
SECONDS seconds (flushed at once, so a test can watch the file)."""
import base64
import os
import socket
import sys
import time

path, query, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
s = socket.socket(socket.AF_UNIX)
s.connect(path)
key = base64.b64encode(os.urandom(16)).decode()
s.sendall((f"GET /1.0/events{query} HTTP/1.1\r\nHost: lxd\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
buf = b""
while b"\r\n\r\n" not in buf:
    chunk = s.recv(4096)
    if not chunk:
        break
    buf += chunk
head, _, buf = buf.partition(b"\r\n\r\n")
print(head.split(b"\r\n")[0].decode().split(" ")[1], flush=True)
deadline = time.time() + seconds


def take(n):
    global buf
    while len(buf) < n:
        left = deadline - time.time()
        if left <= 0:
            raise TimeoutError
        s.settimeout(left)
        chunk = s.recv(65536)
        if not chunk:
            raise EOFError
        buf += chunk
    out, buf = buf[:n], buf[n:]
    return out


try:
    while True:
        b0, b1 = take(2)
        n = b1 & 0x7F
        if n == 126:
            n = int.from_bytes(take(2), "big")
        elif n == 127:
            n = int.from_bytes(take(8), "big")
        payload = take(n)
        if b0 & 0x0F == 1:
            print(payload.decode(), flush=True)
        elif b0 & 0x0F == 8:
            break
except (TimeoutError, EOFError, socket.timeout):
    pass
