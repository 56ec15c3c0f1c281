#!/usr/bin/env python3
"""A small HTTPS server for the image server tests: static files, plus routes with set headers.

    fake_image_server.py PORTFILE CERT KEY ROOT [ROUTES.json]

Serves the files under ROOT (a simplestreams tree, an image) on 127.0.0.1 at a free port, which
it writes to PORTFILE once listening. ROUTES maps a path to {"status": N, "headers": {...},
"file": "name under ROOT" or "body": "text"}, {PORT} in a header value standing for the port:
a hostile image server's answers (a bad LXD-Image-Hash, an image that does not match its
fingerprint). Every request line is appended
to ROOT/../requests.log, so a test can tell whether the daemon connected at all.

The server stops itself once the process that started it (the test) is gone, or after
$FAKE_SERVER_SECONDS (900 by default), so that no test leaves it running.
"""
import http.server
import json
import os
import ssl
import sys
import threading
import time

portfile, cert, key, root = sys.argv[1:5]
routes = json.load(open(sys.argv[5])) if len(sys.argv) > 5 else {}
log = os.path.join(os.path.dirname(os.path.abspath(root)), "requests.log")


class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self, with_body):
        with open(log, "a") as f:
            f.write(f"{self.command} {self.path}\n")
        route = routes.get(self.path)
        status, headers, body = 404, {}, b'{"type":"error","error":"not found","error_code":404}'
        if route is not None:
            status = route.get("status", 200)
            headers = route.get("headers", {})
            if "file" in route:
                body = open(os.path.join(root, route["file"]), "rb").read()
            else:
                body = route.get("body", "").encode()
        else:
            path = os.path.normpath(os.path.join(root, self.path.split("?")[0].lstrip("/")))
            if path.startswith(os.path.abspath(root)) and os.path.isfile(path):
                status, body = 200, open(path, "rb").read()
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v.replace("{PORT}", str(self.server.server_address[1])))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def do_GET(self):
        self.answer(True)

    def do_HEAD(self):
        self.answer(False)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
server.socket = ctx.wrap_socket(server.socket, server_side=True)
with open(portfile + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(portfile + ".tmp", portfile)


def watchdog(parent, deadline):
    while os.getppid() == parent and time.monotonic() < deadline:
        time.sleep(1)
    server.shutdown()


threading.Thread(target=watchdog, daemon=True,
                 args=(os.getppid(), time.monotonic() + int(os.environ.get("FAKE_SERVER_SECONDS", "900")))).start()
server.serve_forever()
