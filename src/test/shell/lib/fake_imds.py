"""A tiny IMDSv2 stand-in for bats tests.

Usage: fake_imds.py DATA_JSON PORT_FILE REQUEST_LOG

DATA_JSON maps metadata paths (without a leading slash) to string values and is re-read on every
request, so a test can change answers while the server runs. The chosen loopback port is written to
PORT_FILE; every request is appended to REQUEST_LOG as "METHOD PATH".
"""
import json
import os
import secrets
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DATA_FILE, PORT_FILE, REQUEST_LOG = sys.argv[1], sys.argv[2], sys.argv[3]
ISSUED = set()


class Handler(BaseHTTPRequestHandler):
    def _log_request(self, extra=""):
        with open(REQUEST_LOG, "a", encoding="utf-8") as log:
            log.write(f"{self.command} {self.path}{extra}\n")

    def _reply(self, status, body):
        payload = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_PUT(self):
        ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
        self._log_request(f" ttl={ttl}")
        if self.path != "/latest/api/token":
            self._reply(404, "not found")
            return
        if ttl is None or not ttl.isdigit() or not 0 <= int(ttl) <= 21600:
            self._reply(400, "missing or invalid X-aws-ec2-metadata-token-ttl-seconds")
            return
        token = "token-" + secrets.token_hex(8)
        ISSUED.add(token)
        self._reply(200, token)

    def do_GET(self):
        self._log_request()
        if self.headers.get("X-aws-ec2-metadata-token") not in ISSUED:
            self._reply(401, "unauthorized")
            return
        with open(DATA_FILE, encoding="utf-8") as data_file:
            data = json.load(data_file)
        key = self.path.lstrip("/")
        if key not in data:
            self._reply(404, "not found")
            return
        self._reply(200, data[key])

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(PORT_FILE + ".tmp", "w", encoding="utf-8") as port_file:
    port_file.write(str(server.server_address[1]))
os.replace(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
