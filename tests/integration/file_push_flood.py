#!/usr/bin/env python3
"""Pushes over one keep-alive connection: file_push_flood.py SOCKET INSTANCE PATH COUNT [TOKEN].

Each push is POST /1.0/instances/INSTANCE/files?path=PATH with "TOKEN <its number>" as content (one
connection for all, so a thousand pushes take seconds where a process per push takes minutes).
Prints "<written> <refused>": pushes answered 200 and pushes answered otherwise; a dropped
connection is counted as refused and reopened."""
import http.client
import socket
import sys
import urllib.parse


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("lxd", timeout=30)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(30)
        self.sock.connect(self.unix_path)


sock, instance, target, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
token = sys.argv[5] if len(sys.argv) > 5 else "push"
url = f"/1.0/instances/{instance}/files?path={urllib.parse.quote(target)}"
conn = UnixConnection(sock)
written = refused = 0
for i in range(count):
    try:
        conn.request("POST", url, body=f"{token} {i}\n".encode(), headers={"X-LXD-type": "file"})
        reply = conn.getresponse()
        reply.read()
        ok = reply.status == 200
    except (OSError, http.client.HTTPException):
        conn.close()
        ok = False
    written, refused = written + ok, refused + (not ok)
print(written, refused)
