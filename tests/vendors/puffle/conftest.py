"""Puffle test fixtures: an app with only Puffle mounted, and a small client bound to a fresh workspace."""

from __future__ import annotations

import pytest

from sim.app import create_app
from sim.config import Config
from sim.vendors.puffle import SPEC

EMAIL_SENDER = "3f1c9a52-7b1e-4c2d-9a7e-1b2c3d4e5f60"
LINKEDIN_SENDER = "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d"
START = "2026-04-20T13:00:00Z"  # a Monday


class Puffle:
    """A Flask test client speaking to one workspace with its Puffle key."""

    def __init__(self, client, ws: dict, prefix: str = "/puffle/api"):
        self.client = client
        self.ws = ws
        self.prefix = prefix
        self.headers = {"Authorization": "Bearer " + ws["keys"]["puffle"]}

    def call(self, method: str, path: str, json=None, headers=None, **kw):
        return self.client.open(self.prefix + path, method=method, json=json, headers=self.headers if headers is None else headers, **kw)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.call("POST", path, json=json, **kw)

    def patch(self, path, json=None, **kw):
        return self.call("PATCH", path, json=json, **kw)

    def put(self, path, json=None, **kw):
        return self.call("PUT", path, json=json, **kw)

    def delete(self, path, json=None, **kw):
        return self.call("DELETE", path, json=json, **kw)

    # --- sim control plane ---
    def advance(self, seconds: float) -> dict:
        r = self.client.post(f"/_sim/workspaces/{self.ws['id']}/clock/advance", json={"seconds": seconds})
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    def fault(self, **rule) -> dict:
        r = self.client.post(f"/_sim/workspaces/{self.ws['id']}/faults", json=rule)
        assert r.status_code == 201, r.get_json()
        return r.get_json()

    def control(self, method: str, path: str, json=None):
        return self.client.open(f"/_sim/workspaces/{self.ws['id']}/puffle{path}", method=method, json=json)

    def profile(self, override: dict) -> None:
        assert self.client.put(f"/_sim/workspaces/{self.ws['id']}/profile", json=override).status_code == 200

    # --- shortcuts ---
    def campaign(self, kind: str = "email", senders=None, **fields) -> dict:
        ids = senders if senders is not None else [EMAIL_SENDER if kind == "email" else LINKEDIN_SENDER]
        r = self.post("/campaigns", {"type": kind, "name": f"{kind} campaign", "sender_account_ids": ids, **fields})
        assert r.status_code == 201, r.get_json()
        return r.get_json()["campaign"]

    def ready_campaign(self, kind: str = "email", leads: int = 5, **fields) -> dict:
        """A draft that passes every launch check: content on the first node and ``leads`` pending leads."""
        camp = self.campaign(kind, **fields)
        first = camp["sequence_nodes"][0]
        edit = {"subject": "Hi {{first_name}}", "body": "Hello %first_name% at %company%"} if kind == "email" \
            else {"include_message": True, "body": "Hi %first_name%, let's connect"}
        assert self.put(f"/campaigns/{camp['id']}/sequence/nodes/{first['id']}", edit).status_code == 200
        if leads:
            self.add_leads(camp, leads)
        return camp

    def add_leads(self, camp: dict, n: int, start: int = 0) -> dict:
        rows = [{"email": f"lead{i}@company{i}.com", "first_name": f"Lead{i}", "last_name": "Doe", "company": f"Company {i}",
                 "linkedin_url": f"https://www.linkedin.com/in/lead-{i}"} for i in range(start, start + n)]
        r = self.post(f"/campaigns/{camp['id']}/leads", {"prospects": rows})
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    def status(self, camp: dict) -> str:
        return self.get(f"/campaigns/{camp['id']}").get_json()["campaign"]["status"]


@pytest.fixture(scope="module")
def app():
    """One simulator per module: every test works in a workspace of its own."""
    app = create_app(Config(store="memory", webhook_timeout=2.0), [SPEC])
    yield app
    app.extensions["sim"].close()


@pytest.fixture
def client(app):
    return app.test_client()


def new_workspace(client, seed: int = 7) -> dict:
    r = client.post("/_sim/workspaces", json={"seed": seed, "start": START})
    assert r.status_code == 201
    return r.get_json()


@pytest.fixture
def puffle(client):
    return Puffle(client, new_workspace(client))


@pytest.fixture
def other(client):
    return Puffle(client, new_workspace(client, seed=8))
