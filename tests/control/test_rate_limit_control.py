"""The one rate-limit control of every vendor: /_sim/workspaces/{id}/{vendor}/rate-limit."""

from __future__ import annotations

import pytest

from sim.app import create_app
from sim.config import Config
from tests.control.conftest import auth, expect_problem
from tests.support.toyvendor import toy_spec


@pytest.fixture
def app():
    app = create_app(Config(store="memory"))
    yield app
    app.extensions["sim"].close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ws(client):
    r = client.post("/_sim/workspaces", json={"seed": 3, "start": "2025-01-15T10:00:00Z"})
    assert r.status_code == 201
    return r.get_json()


def rl(ws: dict, vendor: str) -> str:
    return f"/_sim/workspaces/{ws['id']}/{vendor}/rate-limit"


def puffle_get(client, ws, key=None):
    return client.get("/puffle/api/account", headers=auth(key or ws["keys"]["puffle"]))


def conduit_get(client, key):
    return client.get("/leadconduit/api/v1/flows", headers=auth(key))


def test_get_shows_the_vendors_own_windows(client, ws):
    r = client.get(rl(ws, "leadconduit"))
    assert r.status_code == 200
    assert r.get_json() == {"vendor": "leadconduit", "scope": "key", "key": None, "overrides": [], "windows": [
        {"window": "hour", "seconds": 3600, "limit": 1000, "default": 1000},
        {"window": "minute", "seconds": 60, "limit": 100, "default": 100}]}


def test_put_without_a_window_sets_the_minute_limit(client, ws):
    r = client.put(rl(ws, "puffle"), json={"limit": 5000})
    assert r.status_code == 200
    body = r.get_json()
    assert body["windows"] == [{"window": "minute", "seconds": 60, "limit": 5000, "default": 100}]
    assert body["overrides"] == [{"key": None, "window_seconds": 60, "limit": 5000}]


def test_a_lowered_limit_refuses_the_next_request_with_the_vendors_429(client, ws):
    client.put(rl(ws, "puffle"), json={"limit": 2})
    statuses = [puffle_get(client, ws).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_the_hour_window_is_set_by_its_seconds_and_shows_in_the_headers(client, ws):
    client.put(rl(ws, "leadconduit"), json={"limit": 50000, "window_seconds": 3600})
    r = conduit_get(client, ws["keys"]["leadconduit"])
    assert (r.status_code, r.headers["X-RateLimit-Limit"], r.headers["X-RateLimit-Remaining"]) == (200, "50000", "49999")


def test_a_limit_for_one_key_leaves_the_other_keys_alone(client, ws):
    other = client.post(f"/_sim/workspaces/{ws['id']}/keys", json={"vendor": "leadconduit"}).get_json()["key"]
    mine = ws["keys"]["leadconduit"]
    client.put(rl(ws, "leadconduit"), json={"limit": 1, "key": mine})
    assert [conduit_get(client, mine).status_code for _ in range(2)] == [200, 429]
    assert [conduit_get(client, other).status_code for _ in range(2)] == [200, 200]


def test_a_keys_own_limit_wins_over_the_workspace_wide_one(client, ws):
    mine = ws["keys"]["leadconduit"]
    client.put(rl(ws, "leadconduit"), json={"limit": 1})
    r = client.put(rl(ws, "leadconduit"), json={"limit": 3, "key": mine})
    assert r.get_json()["windows"][1] == {"window": "minute", "seconds": 60, "limit": 3, "default": 100}
    assert [conduit_get(client, mine).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_get_with_a_key_shows_that_keys_windows(client, ws):
    mine = ws["keys"]["leadconduit"]
    client.put(rl(ws, "leadconduit"), json={"limit": 7, "key": mine})
    body = client.get(rl(ws, "leadconduit") + f"?key={mine}").get_json()
    assert (body["key"], body["windows"][1]["limit"]) == (mine, 7)
    assert client.get(rl(ws, "leadconduit")).get_json()["windows"][1]["limit"] == 100


def test_a_vendor_without_a_default_limit_gets_the_window_that_is_set(client, ws):
    r = client.put(rl(ws, "leadterra"), json={"limit": 1})
    assert r.get_json()["windows"] == [{"window": "minute", "seconds": 60, "limit": 1, "default": None}]
    key = ws["keys"]["leadterra"]
    first = client.get("/leadterra/v1/sender-pools", headers=auth(key))
    second = client.get("/leadterra/v1/sender-pools", headers=auth(key))
    assert (first.status_code, second.status_code) == (200, 429)
    assert second.get_json()["error"]["code"] == "rate_limited"
    assert second.headers["Retry-After"]


def test_a_null_limit_drops_what_was_set(client, ws):
    client.put(rl(ws, "puffle"), json={"limit": 1})
    r = client.put(rl(ws, "puffle"), json={"limit": None})
    assert r.get_json()["windows"] == [{"window": "minute", "seconds": 60, "limit": 100, "default": 100}]
    assert r.get_json()["overrides"] == []


def test_delete_goes_back_to_the_vendors_own_limits(client, ws):
    client.put(rl(ws, "leadconduit"), json={"limit": 1})
    client.put(rl(ws, "leadconduit"), json={"limit": 2, "key": ws["keys"]["leadconduit"]})
    r = client.delete(rl(ws, "leadconduit"))
    assert r.status_code == 200
    assert r.get_json()["overrides"] == []
    assert [w["limit"] for w in r.get_json()["windows"]] == [1000, 100]


def test_a_workspace_reset_clears_the_limits_set(client, ws):
    client.put(rl(ws, "puffle"), json={"limit": 1})
    client.post(f"/_sim/workspaces/{ws['id']}/reset")
    assert client.get(rl(ws, "puffle")).get_json()["overrides"] == []


def test_limits_are_kept_per_workspace(client, ws):
    other = client.post("/_sim/workspaces", json={}).get_json()
    client.put(rl(ws, "puffle"), json={"limit": 1})
    assert [puffle_get(client, other).status_code for _ in range(2)] == [200, 200]


def test_an_unknown_vendor_is_404(client, ws):
    expect_problem(client.get(rl(ws, "nosuch")), 404, "vendor nosuch not found")


def test_an_unknown_workspace_is_404(client):
    expect_problem(client.put("/_sim/workspaces/ws_nope/puffle/rate-limit", json={"limit": 1}), 404)


def test_a_missing_limit_is_422_naming_it(client, ws):
    body = expect_problem(client.put(rl(ws, "puffle"), json={"window_seconds": 60}), 422, "limit is required")
    assert body["errors"][0]["field"] == "limit"


@pytest.mark.parametrize("value", [0, -1, "10", 1.5, True])
def test_a_limit_that_is_not_a_positive_integer_is_422(client, ws, value):
    expect_problem(client.put(rl(ws, "puffle"), json={"limit": value}), 422, "limit must be an integer from 1 to 1000000000")


def test_a_window_out_of_range_is_422(client, ws):
    expect_problem(client.put(rl(ws, "puffle"), json={"limit": 5, "window_seconds": 0}), 422,
                   "window_seconds must be an integer from 1 to 2678400")


def test_an_unknown_field_is_422(client, ws):
    expect_problem(client.put(rl(ws, "puffle"), json={"limit": 5, "per": "minute"}), 422, "unknown field per")


def test_a_key_of_another_workspace_is_422(client, ws):
    other = client.post("/_sim/workspaces", json={}).get_json()
    expect_problem(client.put(rl(ws, "leadconduit"), json={"limit": 5, "key": other["keys"]["leadconduit"]}), 422,
                   "key is not a LeadConduit key of this workspace")


def test_a_failed_put_changes_nothing(client, ws):
    client.put(rl(ws, "puffle"), json={"limit": 9})
    client.put(rl(ws, "puffle"), json={"limit": 5, "window_seconds": "x"})
    assert client.get(rl(ws, "puffle")).get_json()["overrides"] == [{"key": None, "window_seconds": 60, "limit": 9}]


def test_a_vendor_limiting_per_account_refuses_a_key():
    spec = toy_spec()
    spec.rate_bucket = "workspace"
    app = create_app(Config(store="memory"), [spec])
    try:
        client = app.test_client()
        ws = client.post("/_sim/workspaces", json={}).get_json()
        expect_problem(client.put(rl(ws, "toy"), json={"limit": 5, "key": ws["keys"]["toy"]}), 422,
                       "Toy limits per account, not per key; leave key out")
        assert client.get(rl(ws, "toy")).get_json()["scope"] == "account"
    finally:
        app.extensions["sim"].close()
