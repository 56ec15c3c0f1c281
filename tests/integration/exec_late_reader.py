#!/usr/bin/env python3
"""exec_late_reader.py SOCKET INSTANCE: an exec client that reads its stdout only once the
operation has ended, as a loaded `lxc exec` may (battery C-4 once saw one exit 0 without its
output).

It attaches the streams as the Go client does (control, 0, 1, 2; stdin at its end at once), waits
for the operation to end without reading stdout, then reads it as gorilla/websocket reads: a
ping it comes across is answered with a pong first, and a pong that cannot be written (the
daemon closed the stream) ends the read, whatever data followed. Prints the stdout received and
exits 0 when it is "ok\\n", 1 otherwise."""
import json
import os
import socket
import struct
import sys
import time

sock_path, instance = sys.argv[1], sys.argv[2]


def request(method, path, body=None):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock_path)
    data = json.dumps(body).encode() if body is not None else b""
    s.sendall(f"{method} {path} HTTP/1.1\r\nHost: lxd\r\nContent-Type: application/json\r\n"
              f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode() + data)
    reply = b""
    while chunk := s.recv(65536):
        reply += chunk
    s.close()
    return json.loads(reply.partition(b"\r\n\r\n")[2])


def attach(op, secret):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock_path)
    s.sendall(f"GET /1.0/operations/{op}/websocket?secret={secret} HTTP/1.1\r\nHost: lxd\r\n"
              "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    if b" 101 " not in head.split(b"\r\n")[0]:
        sys.exit(f"attach refused: {head!r}")
    return s


def send(s, opcode, payload=b""):
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    s.sendall(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise EOFError("connection closed")
        data += chunk
    return data


def frames(s):
    while True:
        b0, b1 = recv_exact(s, 2)
        length = b1 & 0x7F
        if length == 126:
            length = struct.unpack(">H", recv_exact(s, 2))[0]
        elif length == 127:
            length = struct.unpack(">Q", recv_exact(s, 8))[0]
        yield b0 & 0x0F, recv_exact(s, length)


op = request("POST", f"/1.0/instances/{instance}/exec",
             {"command": ["echo", "ok"], "wait-for-websocket": True, "interactive": False,
              "environment": {}})["metadata"]
streams = {fd: attach(op["id"], op["metadata"]["fds"][fd]) for fd in ("control", "0", "1", "2")}
send(streams["0"], 0x1)  # stdin at its end: an empty text message
done = request("GET", f"/1.0/operations/{op['id']}/wait?timeout=30")["metadata"]
if done["status_code"] != 200 or done["metadata"].get("return") != 0:
    sys.exit(f"exec did not end well: {done}")
time.sleep(0.5)  # the daemon, done with the stream, would have let it go by now

out = b""
try:
    for opcode, payload in frames(streams["1"]):
        if opcode == 0x9:
            send(streams["1"], 0xA, payload)  # gorilla's ping handler; its failure ends the read
        elif opcode == 0x2:
            out += payload
        elif opcode in (0x1, 0x8):
            break
except OSError as e:
    print(f"stdout read ended by {e.__class__.__name__} after {out!r}")
except EOFError:
    pass
for s in streams.values():
    s.close()
print(repr(out))
sys.exit(0 if out == b"ok\n" else 1)
