"""A real HTTP webhook receiver on a free loopback port, shared by the webhook tests.

Subclasses decide the answer in ``answer(headers, body)``; the base records nothing itself. The accept
queue is deep because the dispatcher opens up to 16 connections at once (the default backlog of 5
refuses some of them, which turns a delivery into a retry a simulated minute later).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Server(ThreadingHTTPServer):
    request_queue_size = 128
    daemon_threads = True


class LoopbackReceiver:
    path = "/hooks"

    def __init__(self, path: str | None = None):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = outer.answer(dict(self.headers), body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}{path or self.path}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    def answer(self, headers: dict, body: bytes) -> int:
        """The HTTP status for one delivery (called on the server's thread)."""
        return 200

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
