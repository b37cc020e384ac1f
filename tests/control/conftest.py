"""Helpers for the /_sim control API tests: a fresh workspace at a fixed time, problem+json checks."""

from __future__ import annotations

import threading

import pytest
from waitress.server import create_server

from sim.app import create_app
from sim.config import Config
from tests.support.toyvendor import toy_spec

START = "2025-01-15T10:00:00Z"


def expect_problem(response, status: int, detail: str | None = None) -> dict:
    """Assert an application/problem+json error with ``status`` (and ``detail``); return the body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    assert body["type"] == "about:blank"
    if detail is not None:
        assert body["detail"] == detail
    return body


@pytest.fixture
def ws(toy_client):
    """A new workspace with a known start time and seed; returns its create response body."""
    r = toy_client.post("/_sim/workspaces", json={"name": "test", "seed": 7, "start": START})
    assert r.status_code == 201
    return r.get_json()


def auth(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def live():
    """The toy simulator served by waitress on a free loopback port, in a thread; yields its base URL."""
    app = create_app(Config(store="memory"), [toy_spec()])
    server = create_server(app, host="127.0.0.1", port=0, threads=8, asyncore_loop_timeout=0.05)
    stopping = threading.Event()

    def serve():
        try:
            server.run()
        except OSError:  # the loop's select() saw its sockets closed under it during shutdown
            if not stopping.is_set():
                raise

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    stopping.set()
    while server._map:  # close the listener, the trigger and every open channel: the loop ends with an empty map
        for channel in list(server._map.values()):
            channel.handle_close()
    server.task_dispatcher.shutdown()
    thread.join(timeout=5)
    app.extensions["sim"].close()
