"""Fixtures: an app mounting only LeadConduit on an in-memory store, and a client bound to a fresh workspace."""

from __future__ import annotations

import itertools
import json

import pytest

from sim.app import create_app
from sim.config import Config
from sim.vendors.leadconduit import SPEC

API = "/leadconduit/api/v1"
FLOW = "flow_789xyz"


class LeadConduit:
    """Talks to one workspace's LeadConduit API and its /_sim controls through the Flask test client."""

    def __init__(self, client, ws: str, key: str):
        self.client = client
        self.ws = ws
        self.key = key
        self._emails = itertools.count(1)

    def headers(self, key: str | None = None, **extra) -> dict:
        return {"Authorization": f"Bearer {key or self.key}", **extra}

    def get(self, path: str, key: str | None = None, **kw):
        return self.client.get(API + path, headers=self.headers(key), **kw)

    def post(self, path: str, body=None, *, raw: str | None = None, key: str | None = None, **kw):
        if raw is not None:
            return self.client.post(API + path, data=raw, content_type="application/json",
                                    headers=self.headers(key), **kw)
        return self.client.post(API + path, json=body, headers=self.headers(key), **kw)

    def put(self, path: str, body=None, *, raw: str | None = None, key: str | None = None, **kw):
        if raw is not None:
            return self.client.put(API + path, data=raw, content_type="application/json",
                                   headers=self.headers(key), **kw)
        return self.client.put(API + path, json=body, headers=self.headers(key), **kw)

    # convenience ---------------------------------------------------------------------------------
    def lead(self, **fields) -> dict:
        """A valid lead with a fresh email (so it is never a duplicate)."""
        n = next(self._emails)
        return {"first_name": "Pat", "last_name": "Lee", "email": f"pat{n}@example.com", "phone": "5551234567",
                **fields}

    def submit(self, flow: str = FLOW, **body):
        body.setdefault("lead", self.lead())
        return self.post(f"/flows/{flow}/leads", body)

    def batch(self, leads: list, flow: str = FLOW, **options):
        body = {"leads": leads}
        if options:
            body["options"] = options
        return self.post(f"/flows/{flow}/leads/batch", body)

    def settings(self, flow: str = FLOW, **settings):
        return self.put(f"/flows/{flow}/settings", {"settings": settings})

    # simulator controls ----------------------------------------------------------------------------
    def control(self, method: str, path: str, body=None):
        return self.client.open(f"/_sim/workspaces/{self.ws}/leadconduit{path}", method=method, json=body)

    def sim_settings(self, **values):
        r = self.control("PUT", "/settings", values)
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    def recipient(self, mode: str, flow: str = FLOW, recipient: str = "recipient_789", **extra):
        r = self.control("PUT", f"/flows/{flow}/recipients/{recipient}", {"mode": mode, **extra})
        assert r.status_code == 200, r.get_json()

    def convert(self, lead_id: str):
        return self.control("POST", f"/leads/{lead_id}/convert")

    def advance(self, seconds: float = 0) -> dict:
        r = self.client.post(f"/_sim/workspaces/{self.ws}/clock/advance", json={"seconds": seconds})
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    def deliveries(self) -> list[dict]:
        return self.client.get(f"/_sim/workspaces/{self.ws}/deliveries").get_json()["deliveries"]


def body_of(response) -> dict:
    return json.loads(response.get_data(as_text=True))


@pytest.fixture
def app():
    app = create_app(Config(store="memory", webhook_timeout=2.0), [SPEC])
    yield app
    app.extensions["sim"].close()


@pytest.fixture
def client(app):
    return app.test_client()


def new_workspace(client, **body) -> LeadConduit:
    r = client.post("/_sim/workspaces", json=body)
    assert r.status_code == 201, r.get_json()
    ws = r.get_json()
    return LeadConduit(client, ws["id"], ws["keys"]["leadconduit"])


@pytest.fixture
def lc(client) -> LeadConduit:
    return new_workspace(client, start="2024-01-15T10:30:00Z")
