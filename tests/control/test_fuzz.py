"""Property tests: whatever JSON a client sends to the control API or a vendor route, the answer is never a 5xx."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.app import create_app
from sim.config import Config
from tests.support.toyvendor import toy_spec

FIELDS = ["name", "seed", "start", "fixtures", "profile", "clock", "seconds", "to", "mode", "vendor", "url", "events",
          "secret", "action", "status", "latency_ms", "count", "probability", "method", "path", "message", "code",
          "retry_after", "key", "read_only", "forbidden", "workspace", "tables", "email", "after"]

scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
                    st.sampled_from(["toy", "manual", "60x", "2025-01-15T10:00:00Z", "9999-12-31T23:59:59Z",
                                     "http://127.0.0.1:9/h", "https://example.com/h", "*", "GET", "thing.created"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.sampled_from(FIELDS), inner, max_size=4)),
                      max_leaves=8)
bodies = st.one_of(st.dictionaries(st.sampled_from(FIELDS), values, max_size=6), values)

ROUTES = [
    ("POST", "/_sim/workspaces"),
    ("POST", "/_sim/workspaces/default/clock/advance"),
    ("PUT", "/_sim/workspaces/default/clock"),
    ("PUT", "/_sim/workspaces/default/snapshot"),
    ("PUT", "/_sim/workspaces/default/profile"),
    ("POST", "/_sim/workspaces/default/webhooks"),
    ("POST", "/_sim/workspaces/default/faults"),
    ("POST", "/_sim/workspaces/default/keys"),
    ("POST", "/toy/v1/things"),
    ("POST", "/toy/v1/webhooks"),
]


@pytest.fixture(scope="module")
def client():
    app = create_app(Config(store="memory", webhook_timeout=0.5), [toy_spec()])
    yield app.test_client()
    app.extensions["sim"].close()


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_no_json_body_gets_a_5xx(client, method, path):
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(body=bodies)
    def check(body):
        data = json.dumps(body, allow_nan=True)
        r = client.open(path, method=method, data=data, content_type="application/json",
                        headers={"Authorization": "Bearer TOY_KEY"})
        assert r.status_code < 500, (data, r.get_data(as_text=True))

    check()
