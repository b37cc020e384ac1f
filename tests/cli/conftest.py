"""A live server for the CLI tests: the `serve` code (LiveServer) on a free loopback port, mounting the toy vendor."""

from __future__ import annotations

import json

import pytest
import requests
from click.testing import CliRunner

from sim.cli import LiveServer, cli
from sim.config import Config
from tests.support.receiver import LoopbackReceiver
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


class Receiver(LoopbackReceiver):
    """Records every delivered body and answers 204."""

    def __init__(self):
        self.bodies: list[bytes] = []
        super().__init__()

    def answer(self, headers: dict, body: bytes) -> int:
        self.bodies.append(body)
        return 204


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()
