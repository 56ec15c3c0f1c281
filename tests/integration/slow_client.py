#!/usr/bin/env python3
"""Slow and idle clients on the daemon's unix socket, for the R-4 rows of the battery.

    slow_client.py head SOCKET N     N clients send a request head one byte a second; prints the
                                     seconds until the server closed each (max over clients)
    slow_client.py idle SOCKET       one request, then idle on the kept-alive connection; prints
                                     the seconds until the server closed it
"""
import socket
import sys
import threading
import time

HEAD = b"GET /1.0 HTTP/1.1\r\nHost: lxd\r\nX-Padding: " + b"x" * 200 + b"\r\n\r\n"


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def dribble(path, out, i):
    s = connect(path)
    start = time.time()
    try:
        for b in HEAD:
            s.send(bytes([b]))
            time.sleep(1)
            if time.time() - start > 60:
                break
    except OSError:  # the server closed: what we wait for
        pass
    s.settimeout(5)
    try:
        while s.recv(4096):
            pass
    except OSError:
        pass
    out[i] = time.time() - start


def main():
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "head":
        n = int(sys.argv[3])
        out = [0.0] * n
        threads = [threading.Thread(target=dribble, args=(path, out, i)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print("%.1f" % max(out))
    else:
        s = connect(path)
        s.send(b"GET /1.0 HTTP/1.1\r\nHost: lxd\r\n\r\n")
        s.settimeout(120)
        start = None
        data = b""
        while True:
            chunk = s.recv(65536)
            if start is None and b"\r\n\r\n" in (data + chunk):
                start = time.time()
            data += chunk
            if not chunk:
                break
        print("%.1f" % (time.time() - (start or time.time())))


if __name__ == "__main__":
    main()
