"""A live server for the CLI tests: the `serve` code (LiveServer) on a free loopback port, mounting the toy vendor."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from click.testing import CliRunner

from sim.cli import LiveServer, cli
from sim.config import Config
from tests.support.toyvendor import toy_spec

START = "2025-01-15T09:00:00Z"


@pytest.fixture(scope="module")
def live():
    server = LiveServer.create(Config(store="memory", webhook_timeout=2.0, background=True), [toy_spec()], port=0).start()
    yield server
    server.stop()


@pytest.fixture
def run(live):
    """``run("workspace", "list", "--json")`` against the live server; returns click's Result."""
    runner = CliRunner()

    def invoke(*args: str, url: str | None = None, env: dict | None = None, input: str | None = None,
               with_url: bool = True):
        argv = ["--url", url or live.url, *args] if with_url else list(args)
        return runner.invoke(cli, argv, env=env, input=input, catch_exceptions=False)
    return invoke


@pytest.fixture
def workspace(run):
    """A workspace with a fixed seed and start, created through the CLI."""
    result = run("workspace", "create", "--seed", "7", "--start", START, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def toy(live, ws: dict, method: str, path: str, **kw) -> requests.Response:
    """A call to the toy vendor with the workspace's key."""
    return requests.request(method, f"{live.url}/toy/v1{path}", headers={"Authorization": f"Bearer {ws['keys']['toy']}"},
                            timeout=10, **kw)


class Receiver:
    """A webhook receiver on loopback that records each POST and answers 204."""

    def __init__(self):
        self.bodies: list[bytes] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                outer.bodies.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()
