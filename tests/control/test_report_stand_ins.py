"""Rules of Cluetik and AutoReach, driven through the real pipeline with the toy vendor's routes mounted under
those vendors' names (the two vendors themselves are not on main yet): the rules read only the journal."""

from __future__ import annotations

import pytest

from sim.app import create_app
from sim.config import Config
from sim.web.spec import VendorSpec
from tests.support.toyvendor import ToyErrors, blueprint, seed


def stand_in(name: str, prefix: str) -> VendorSpec:
    return VendorSpec(name=name, title=name, mounts=[prefix], roots=["/api"], blueprint=lambda: blueprint(name),
                      errors=ToyErrors(), new_key=lambda ids: ids.alnum(f"{name}_", 20), seed=seed)


@pytest.fixture(scope="module")
def app():
    app = create_app(Config(store="memory"), [stand_in("cluetik", "/cluetik/v1"), stand_in("autoreach", "/autoreach/api")])
    yield app
    app.extensions["sim"].close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ws(client):
    r = client.post("/_sim/workspaces", json={"seed": 7, "start": "2025-01-15T09:00:00Z"})
    assert r.status_code == 201
    return r.get_json()


def call(client, ws, vendor, method, path, json=None):
    prefix = {"cluetik": "/cluetik/v1", "autoreach": "/autoreach/api"}[vendor]
    return client.open(prefix + path, method=method, json=json, headers={"Authorization": "Bearer " + ws["keys"][vendor]})


def findings(client, ws) -> dict:
    r = client.get(f"/_sim/workspaces/{ws['id']}/report")
    assert r.status_code == 200
    return {f["rule"]: f for f in r.get_json()["findings"]}


def test_cluetik_rate_limited_fires_on_any_cluetik_429(client, ws):
    assert client.post(f"/_sim/workspaces/{ws['id']}/faults",
                       json={"vendor": "cluetik", "status": 429, "count": 1}).status_code == 201
    assert call(client, ws, "cluetik", "GET", "/things/thing_fixture").status_code == 429
    f = findings(client, ws)["cluetik.rate_limited"]
    assert (f["severity"], f["vendor"], f["count"], f["journal_seqs"]) == ("warning", "cluetik", 1, [1])


def test_cluetik_rate_limited_is_silent_without_a_429(client, ws):
    assert call(client, ws, "cluetik", "GET", "/things/thing_fixture").status_code == 200
    assert findings(client, ws) == {}


def test_autoreach_write_before_auth_check_fires_when_the_first_request_is_a_write(client, ws):
    call(client, ws, "autoreach", "POST", "/things", {"name": "x"})
    call(client, ws, "autoreach", "GET", "/things/thing_fixture")
    f = findings(client, ws)["autoreach.write_before_auth_check"]
    assert (f["severity"], f["count"], f["journal_seqs"]) == ("info", 1, [1])


def test_autoreach_write_after_a_read_first_is_silent(client, ws):
    call(client, ws, "autoreach", "GET", "/things/thing_fixture")
    call(client, ws, "autoreach", "POST", "/things", {"name": "x"})
    assert "autoreach.write_before_auth_check" not in findings(client, ws)
