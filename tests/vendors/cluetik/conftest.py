"""Cluetik test fixtures: an in-memory simulator with only Cluetik mounted, fresh workspaces, a webhook receiver."""

from __future__ import annotations

import json
import threading

import pytest

from sim.app import create_app
from sim.config import Config
from sim.vendors.cluetik import SPEC
from tests.support.receiver import LoopbackReceiver

BASE = "/cluetik/v1"
START = "2025-01-15T10:00:00Z"


@pytest.fixture
def app():
    app = create_app(Config(store="memory", webhook_timeout=2.0, start=START), [SPEC])
    yield app
    app.extensions["sim"].close()


@pytest.fixture
def client(app):
    return app.test_client()


class Workspace:
    def __init__(self, client, body: dict | None = None):
        self.client = client
        r = client.post("/_sim/workspaces", json={"seed": "cluetik-tests", "start": START, **(body or {})})
        assert r.status_code == 201, r.get_data(as_text=True)
        doc = r.get_json()
        self.id = doc["id"]
        self.key = doc["keys"]["cluetik"]
        self.headers = {"Authorization": f"Bearer {self.key}"}

    def req(self, method: str, path: str, json=None, **kw):
        return self.client.open(BASE + path, method=method, headers=self.headers, json=json, **kw)

    def get(self, path: str, **kw):
        return self.req("GET", path, **kw)

    def post(self, path: str, json=None, **kw):
        return self.req("POST", path, json=json, **kw)

    def control(self, method: str, path: str, json=None):
        return self.client.open(f"/_sim/workspaces/{self.id}/cluetik{path}", method=method, json=json)

    def advance(self, seconds: float) -> dict:
        r = self.client.post(f"/_sim/workspaces/{self.id}/clock/advance", json={"seconds": seconds})
        assert r.status_code == 200, r.get_data(as_text=True)
        return r.get_json()

    def lead(self, email: str = "jane@company.com", **fields) -> dict:
        r = self.post("/leads", {"email": email, **fields})
        assert r.status_code == 201, r.get_data(as_text=True)
        return r.get_json()

    def campaign(self, name: str = "Q1 outbound", **fields) -> dict:
        r = self.post("/campaigns", {"name": name, **fields})
        assert r.status_code == 201, r.get_data(as_text=True)
        return r.get_json()

    def webhook(self, url: str, **body) -> dict:
        r = self.client.post(f"/_sim/workspaces/{self.id}/webhooks", json={"vendor": "cluetik", "url": url, **body})
        assert r.status_code == 201, r.get_data(as_text=True)
        return r.get_json()


@pytest.fixture
def ws(client):
    return Workspace(client)


@pytest.fixture
def make_ws(client):
    return lambda **body: Workspace(client, body)


class Receiver(LoopbackReceiver):
    path = "/hooks/cluetik"

    def __init__(self):
        self.requests: list[dict] = []
        self.fail = 0
        self.lock = threading.Lock()
        super().__init__()

    def answer(self, headers: dict, body: bytes) -> int:
        with self.lock:
            failing = self.fail > 0
            if failing:
                self.fail -= 1
            self.requests.append({"headers": headers, "raw": body, "status": 500 if failing else 200})
        return 500 if failing else 200

    def events(self, name: str | None = None) -> list[dict]:
        with self.lock:
            out = [json.loads(r["raw"]) for r in self.requests if r["status"] == 200]
        return [e for e in out if name is None or e["event"] == name]


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()
