"""Keys, rate limits and the wire details every response shares (content type, request ids, 404/405)."""

from __future__ import annotations

import base64
import re

from sim.app import create_app
from sim.config import Config
from sim.vendors.leadconduit import SPEC

from .conftest import API, FLOW, body_of
from .seed_examples import SUBMIT


def test_generated_key_is_32_lowercase_hex(lc):
    assert re.fullmatch(r"[0-9a-f]{32}", lc.key)


def test_missing_key_is_401_unauthorized(client):
    r = client.get(f"{API}/flows")
    assert r.status_code == 401
    assert body_of(r) == {"error": {"code": "unauthorized", "message": "Missing API key",
                                    "request_id": r.headers["X-Request-Id"]}}
    assert r.headers["WWW-Authenticate"] == "Bearer"


def test_unknown_key_is_401_invalid(lc):
    r = lc.get("/flows", key="0" * 32)
    assert r.status_code == 401
    assert body_of(r)["error"]["message"] == "Invalid API key"


def test_401_carries_no_rate_limit_headers(client):
    assert "X-RateLimit-Limit" not in client.get(f"{API}/flows").headers


def test_basic_auth_with_the_key_as_password_is_accepted(lc):
    token = base64.b64encode(f"X:{lc.key}".encode()).decode()
    r = lc.client.get(f"{API}/flows", headers={"Authorization": f"Basic {token}"})
    assert r.status_code == 200


def test_placeholder_key_reaches_the_default_workspace(client):
    r = client.get(f"{API}/flows/{FLOW}", headers={"Authorization": "Bearer YOUR_API_KEY"})
    assert r.status_code == 200


def test_read_only_key_is_403_on_post_and_put(lc):
    r = lc.client.post(f"/_sim/workspaces/{lc.ws}/keys", json={"vendor": "leadconduit", "read_only": True})
    key = r.get_json()["key"]
    assert lc.get("/flows", key=key).status_code == 200
    r = lc.post(f"/flows/{FLOW}/leads", raw=SUBMIT, key=key)
    assert r.status_code == 403
    assert body_of(r)["error"]["code"] == "forbidden"
    assert lc.put(f"/flows/{FLOW}/settings", {"settings": {}}, key=key).status_code == 403


def test_first_request_shows_999_remaining_and_the_next_top_of_the_hour(lc):
    r = lc.get("/flows")
    assert r.headers["X-RateLimit-Limit"] == "1000"
    assert r.headers["X-RateLimit-Remaining"] == "999"
    assert int(r.headers["X-RateLimit-Reset"]) % 3600 == 0


def test_remaining_goes_down_by_one_per_call_and_a_batch_counts_once(lc):
    first = int(lc.get("/flows").headers["X-RateLimit-Remaining"])
    r = lc.batch([{"lead": lc.lead()} for _ in range(50)])
    assert int(r.headers["X-RateLimit-Remaining"]) == first - 1


def test_error_responses_carry_rate_limit_headers(lc):
    r = lc.get("/leads/lead_000000000000")
    assert r.status_code == 404
    assert r.headers["X-RateLimit-Remaining"] == "999"


def test_minute_burst_gives_429_rate_limit_exceeded_with_retry_after(lc):
    lc.sim_settings(rate_limit_minute=2)
    lc.get("/flows")
    lc.get("/flows")
    r = lc.get("/flows")
    assert r.status_code == 429
    error = body_of(r)["error"]
    assert (error["code"], error["message"]) == ("rate_limit_exceeded", "Rate limit exceeded")
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    assert r.headers["X-RateLimit-Remaining"] == "998"


def test_hourly_quota_gives_429(lc):
    lc.sim_settings(rate_limit_hour=1)
    lc.get("/flows")
    r = lc.get("/flows")
    assert r.status_code == 429
    assert r.headers["X-RateLimit-Limit"] == "1"
    assert r.headers["X-RateLimit-Remaining"] == "0"


def test_every_response_is_json_utf8_with_a_request_id(lc):
    for r in (lc.get("/flows"), lc.get("/leads/nope"), lc.get("/nowhere"), lc.submit(lead={})):
        assert r.headers["Content-Type"] == "application/json; charset=utf-8"
        assert r.headers["X-Request-Id"].startswith("req_")


def test_unknown_route_is_404_not_found_in_the_envelope(lc):
    r = lc.get("/campaigns")
    assert r.status_code == 404
    assert body_of(r)["error"]["code"] == "not_found"


def test_wrong_method_is_405_with_allow(lc):
    r = lc.client.delete(f"{API}/flows/{FLOW}", headers=lc.headers())
    assert r.status_code == 405
    assert body_of(r)["error"]["code"] == "method_not_allowed"
    assert set(r.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_injected_fault_renders_internal_error(lc):
    lc.client.post(f"/_sim/workspaces/{lc.ws}/faults", json={"vendor": "leadconduit", "path": "*/flows", "status": 500})
    r = lc.get("/flows")
    assert r.status_code == 500
    assert body_of(r)["error"]["code"] == "internal_error"


def test_vendor_mode_serves_the_api_at_api_v1():
    app = create_app(Config(store="memory", vendor="leadconduit"), [SPEC])
    try:
        client = app.test_client()
        r = client.post(f"/api/v1/flows/{FLOW}/leads", data=SUBMIT, content_type="application/json",
                        headers={"Authorization": "Bearer YOUR_API_KEY"})
        assert r.status_code == 201
        assert client.get("/openapi.json").status_code == 200
    finally:
        app.extensions["sim"].close()
