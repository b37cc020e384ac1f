"""Rate limiting through the request pipeline: per-key windows, headers, 429 with Retry-After, lowered limits."""

from __future__ import annotations

import pytest

from sim.app import create_app
from sim.config import Config
from sim.core.ratelimit import RateLimiter
from tests.control.conftest import auth
from tests.support.toyvendor import toy_spec


class FakeTime:
    def __init__(self, now: float = 1_000_020.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def real():
    return FakeTime()


def limited_app(real, limit=3, bucket="key"):
    spec = toy_spec(limit=limit)
    spec.rate_bucket = bucket
    app = create_app(Config(store="memory"), [spec])
    app.extensions["sim"].ratelimiter = RateLimiter(clock=real)  # real time, under the test's control
    return app


@pytest.fixture
def app(real):
    app = limited_app(real)
    yield app
    app.extensions["sim"].close()


@pytest.fixture
def client(app):
    return app.test_client()


def get(client, key="TOY_KEY"):
    return client.get("/toy/v1/things/thing_fixture", headers=auth(key))


def test_allowed_responses_carry_the_vendors_rate_limit_headers(client):
    statuses = [(r.status_code, r.headers["X-RateLimit-Limit"], r.headers["X-RateLimit-Remaining"])
                for r in (get(client) for _ in range(3))]
    assert statuses == [(200, "3", "2"), (200, "3", "1"), (200, "3", "0")]


def test_the_hit_over_the_limit_is_429_with_retry_after(client, real):
    for _ in range(3):
        get(client)
    r = get(client)
    assert r.status_code == 429
    window_end = (int(real.now // 60) + 1) * 60
    assert r.headers["Retry-After"] == str(int(window_end - real.now + 0.999))
    assert r.get_json()["error"]["code"] == "rate_limited"
    assert r.get_json()["error"]["message"] == "Rate limit exceeded"


def test_a_429_still_carries_the_rate_limit_headers(client):
    for _ in range(3):
        get(client)
    r = get(client)
    assert (r.headers["X-RateLimit-Limit"], r.headers["X-RateLimit-Remaining"]) == ("3", "0")


def test_a_refused_hit_does_not_use_up_quota(client, real):
    for _ in range(3):
        get(client)
    for _ in range(5):
        assert get(client).status_code == 429
    real.now += 60
    assert [get(client).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_a_rate_limited_request_does_not_run_the_handler(client):
    for _ in range(3):
        get(client)
    r = client.post("/toy/v1/things", json={"name": "x"}, headers=auth("TOY_KEY"))
    assert r.status_code == 429
    snap = client.get("/_sim/workspaces/default/snapshot").get_json()
    assert list(snap["tables"]["toy/things"]) == ["thing_fixture"]


def test_the_journal_records_429s_with_their_retry_after(client):
    for _ in range(4):
        get(client)
    last = client.get("/_sim/workspaces/default/journal").get_json()["entries"][-1]
    assert last["status"] == 429
    assert last["retry_after"] is not None


def test_each_key_has_its_own_quota(client):
    other = client.post("/_sim/workspaces/default/keys", json={"vendor": "toy"}).get_json()["key"]
    for _ in range(3):
        get(client)
    assert get(client).status_code == 429
    assert get(client, other).status_code == 200


def test_each_workspace_has_its_own_quota(client):
    ws = client.post("/_sim/workspaces").get_json()
    for _ in range(4):
        get(client)
    assert get(client, ws["keys"]["toy"]).status_code == 200


def test_a_workspace_bucket_is_shared_by_every_key_of_the_workspace(real):
    app = limited_app(real, bucket="workspace")
    client = app.test_client()
    other = client.post("/_sim/workspaces/default/keys", json={"vendor": "toy"}).get_json()["key"]
    assert [get(client).status_code, get(client, other).status_code, get(client).status_code] == [200, 200, 200]
    assert get(client, other).status_code == 429
    app.extensions["sim"].close()


def test_a_workspace_can_lower_its_limit(app, client):
    sim = app.extensions["sim"]
    with sim.store.batch():
        sim.context("default", "toy").set_setting("rate_limit", 1)
    assert [get(client).status_code for _ in range(2)] == [200, 429]


def test_resetting_a_workspace_resets_its_counters(client):
    for _ in range(4):
        get(client)
    client.post("/_sim/workspaces/default/reset")
    assert get(client).status_code == 200


def test_requests_without_a_valid_key_do_not_count(client):
    for _ in range(10):
        get(client, "toy_live_wrong")
    assert get(client).headers["X-RateLimit-Remaining"] == "2"
