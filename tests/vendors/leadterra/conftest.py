"""Leadterra test fixtures: an in-memory simulator with only Leadterra mounted, fresh workspaces, a webhook receiver."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading

import pytest

from sim.app import create_app
from sim.config import Config
from sim.vendors.leadterra import SPEC
from tests.support.receiver import LoopbackReceiver

BASE = "/leadterra/v1"
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
    """One fresh workspace: its id, its Leadterra key, and helpers that speak HTTP to the app."""

    def __init__(self, client, body: dict | None = None):
        self.client = client
        r = client.post("/_sim/workspaces", json={"seed": "leadterra-tests", "start": START, **(body or {})})
        assert r.status_code == 201, r.get_data(as_text=True)
        doc = r.get_json()
        self.id = doc["id"]
        self.key = doc["keys"]["leadterra"]
        self.headers = {"Authorization": f"Bearer {self.key}"}

    def get(self, path: str, **kw):
        return self.client.get(BASE + path, headers=self.headers, **kw)

    def post(self, path: str, json=None, **kw):
        return self.client.post(BASE + path, headers=self.headers, json=json, **kw)

    def control(self, method: str, path: str, json=None):
        return self.client.open(f"/_sim/workspaces/{self.id}/leadterra{path}", method=method, json=json)

    def advance(self, seconds: float) -> dict:
        r = self.client.post(f"/_sim/workspaces/{self.id}/clock/advance", json={"seconds": seconds})
        assert r.status_code == 200, r.get_data(as_text=True)
        return r.get_json()

    def campaign(self, name: str = "Test campaign", steps: list[dict] | None = None) -> str:
        if steps is None:
            steps = [{"subject": "Quick question, {{firstName}}", "bodyHtml": "<p>Hi {{firstName}}</p>"}]
        r = self.post("/campaigns", {"name": name, "sequenceSteps": steps})
        assert r.status_code == 201, r.get_data(as_text=True)
        return r.get_json()["campaign"]["id"]

    def enroll(self, cid: str, leads: list[dict]) -> dict:
        r = self.post(f"/campaigns/{cid}/leads/bulk", {"leads": leads})
        assert r.status_code == 200, r.get_data(as_text=True)
        return r.get_json()

    def stats(self, cid: str) -> dict:
        r = self.get(f"/campaigns/{cid}/stats")
        assert r.status_code == 200, r.get_data(as_text=True)
        return r.get_json()

    def set_pool(self, **body) -> dict:
        return self.control("PUT", "/sender-pools/pool_abc123", body).get_json()


@pytest.fixture
def ws(client):
    return Workspace(client)


@pytest.fixture
def make_ws(client):
    return lambda **body: Workspace(client, body)


def leads(n: int, tag: str = "lead") -> list[dict]:
    return [{"email": f"{tag}{i}@example.com", "firstName": f"First{i}", "company": f"Co{i}", "jobTitle": "VP Sales"}
            for i in range(n)]


class Receiver(LoopbackReceiver):
    """A real HTTP receiver on a loopback port that records every delivery; ``fail`` makes it answer 500."""

    path = "/hooks/leadterra"

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


def verify_signature(secret: str, raw: bytes, signature: str) -> bool:
    """How Leadterra's webhook guide tells a customer to check a delivery: HMAC-SHA256 of the raw body."""
    expected = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)
