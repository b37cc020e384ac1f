"""/_sim webhooks (control-plane registration), deliveries listing, and the https/loopback target rule."""

from __future__ import annotations

import re
import socket

import pytest

from sim.core.errors import Invalid
from sim.core.webhooks import check_target, is_loopback_host
from tests.control.conftest import auth, expect_problem


@pytest.fixture
def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def register(client, ws_id, **body):
    return client.post(f"/_sim/workspaces/{ws_id}/webhooks", json=body)


# --- registration ----------------------------------------------------------------------------------

def test_register_webhook_returns_201_with_id_and_secret(toy_client, ws):
    r = register(toy_client, ws["id"], vendor="toy", url="https://example.com/hook", events=["thing.created"])
    assert r.status_code == 201
    body = r.get_json()
    assert re.fullmatch(r"wh_[0-9a-f]{16}", body["id"])
    assert re.fullmatch(r"whsec_[0-9a-f]{32}", body["secret"])
    assert body["vendor"] == "toy"
    assert body["url"] == "https://example.com/hook"
    assert body["events"] == ["thing.created"]
    assert body["status"] == "active"
    assert body["created_at"] == "2025-01-15T10:00:00Z"


def test_register_webhook_with_a_chosen_secret(toy_client, ws):
    body = register(toy_client, ws["id"], vendor="toy", url="https://example.com/hook", secret="s3cret").get_json()
    assert body["secret"] == "s3cret"


def test_register_webhook_without_events_gets_every_event(toy_client, ws):
    assert register(toy_client, ws["id"], vendor="toy", url="https://example.com/h").get_json()["events"] is None


def test_registered_webhooks_are_listed(toy_client, ws):
    made = register(toy_client, ws["id"], vendor="toy", url="https://example.com/h").get_json()
    assert toy_client.get(f"/_sim/workspaces/{ws['id']}/webhooks").get_json() == {"webhooks": [made]}


@pytest.mark.parametrize(("body", "field"), [
    ({"vendor": "nope", "url": "https://example.com/h"}, "vendor"),
    ({"vendor": ["toy"], "url": "https://example.com/h"}, "vendor"),
    ({"url": "https://example.com/h"}, "vendor"),
    ({"vendor": "toy"}, "url"),
    ({"vendor": "toy", "url": 5}, "url"),
    ({"vendor": "toy", "url": "http://example.com/h"}, "url"),
    ({"vendor": "toy", "url": "ftp://example.com/h"}, "url"),
    ({"vendor": "toy", "url": "not a url"}, "url"),
    ({"vendor": "toy", "url": "https://example.com/h", "events": ["thing.exploded"]}, "events"),
    ({"vendor": "toy", "url": "https://example.com/h", "events": "thing.created"}, "events"),
    ({"vendor": "toy", "url": "https://example.com/h", "secret": 5}, "secret"),
    ({"vendor": "toy", "url": "https://example.com/h", "secret": ""}, "secret"),
])
def test_register_webhook_rejects_bad_fields_with_422(toy_client, ws, body, field):
    problem = expect_problem(toy_client.post(f"/_sim/workspaces/{ws['id']}/webhooks", json=body), 422)
    assert [e["field"] for e in problem["errors"]] == [field]


def test_register_webhook_on_an_unknown_workspace_is_404_whatever_the_body(toy_client):
    expect_problem(register(toy_client, "ws_nope", vendor="nope"), 404)


def test_register_webhook_without_a_body_is_400(toy_client, ws):
    expect_problem(toy_client.post(f"/_sim/workspaces/{ws['id']}/webhooks"), 400, "Request body is required")


def test_disable_and_enable_a_webhook(toy_client, ws):
    made = register(toy_client, ws["id"], vendor="toy", url="https://example.com/h").get_json()
    base = f"/_sim/workspaces/{ws['id']}/webhooks/{made['id']}"
    assert toy_client.post(f"{base}/disable").get_json()["status"] == "disabled"
    assert toy_client.post(f"{base}/enable").get_json()["status"] == "active"


def test_enable_an_unknown_webhook_is_404(toy_client, ws):
    expect_problem(toy_client.post(f"/_sim/workspaces/{ws['id']}/webhooks/wh_nope/enable"), 404, "webhook wh_nope not found")


def test_enable_a_webhook_of_an_unknown_workspace_is_404(toy_client):
    expect_problem(toy_client.post("/_sim/workspaces/ws_nope/webhooks/wh_nope/enable"), 404)


# --- deliveries ------------------------------------------------------------------------------------

def test_deliveries_list_a_pending_delivery_before_the_clock_moves(toy_client, ws, closed_port):
    register(toy_client, ws["id"], vendor="toy", url=f"http://127.0.0.1:{closed_port}/h")
    made = toy_client.post("/toy/v1/things", json={"name": "x"}, headers=auth(ws["keys"]["toy"])).get_json()
    [row] = toy_client.get(f"/_sim/workspaces/{ws['id']}/deliveries").get_json()["deliveries"]
    assert row["event"] == "thing.created"
    assert row["state"] == "pending"
    assert row["attempt"] == 1
    assert row["at"] is None
    assert row["next_retry_at"] == "2025-01-15T10:00:00Z"
    detail = toy_client.get(f"/_sim/workspaces/{ws['id']}/deliveries/{row['delivery_id']}").get_json()
    assert detail["body"].startswith('{"id":"evt_')
    assert made["id"] in detail["body"]


def test_a_failed_attempt_is_listed_with_its_error_and_next_retry(toy_client, ws, closed_port):
    hook = register(toy_client, ws["id"], vendor="toy", url=f"http://127.0.0.1:{closed_port}/h").get_json()
    toy_client.post("/toy/v1/things", json={"name": "x"}, headers=auth(ws["keys"]["toy"]))
    r = toy_client.post(f"/_sim/workspaces/{ws['id']}/clock/advance", json={"seconds": 0})
    assert r.get_json()["webhooks_attempted"] == 1
    [row] = toy_client.get(f"/_sim/workspaces/{ws['id']}/deliveries").get_json()["deliveries"]
    assert row["attempt"] == 1
    assert row["status"] is None
    assert row["error"] == "connection error: ConnectionRefusedError"
    assert row["state"] == "retrying"
    assert row["at"] == "2025-01-15T10:00:00Z"
    assert row["next_retry_at"] == "2025-01-15T10:01:00Z"
    assert row["subscription_id"] == hook["id"]
    assert row["url"] == hook["url"]


def test_deliveries_vendor_filter_and_limit(toy_client, ws, closed_port):
    register(toy_client, ws["id"], vendor="toy", url=f"http://127.0.0.1:{closed_port}/h")
    key = auth(ws["keys"]["toy"])
    for name in ("a", "b"):
        toy_client.post("/toy/v1/things", json={"name": name}, headers=key)
    base = f"/_sim/workspaces/{ws['id']}/deliveries"
    assert len(toy_client.get(base).get_json()["deliveries"]) == 2
    assert len(toy_client.get(f"{base}?limit=1").get_json()["deliveries"]) == 1
    assert toy_client.get(f"{base}?vendor=leadterra").get_json()["deliveries"] == []


def test_deliveries_of_an_unknown_workspace_is_404(toy_client):
    expect_problem(toy_client.get("/_sim/workspaces/ws_nope/deliveries"), 404)


def test_an_unknown_delivery_is_404(toy_client, ws):
    expect_problem(toy_client.get(f"/_sim/workspaces/{ws['id']}/deliveries/dlv_nope"), 404, "delivery dlv_nope not found")


def test_a_disabled_webhook_gets_no_new_deliveries(toy_client, ws, closed_port):
    hook = register(toy_client, ws["id"], vendor="toy", url=f"http://127.0.0.1:{closed_port}/h").get_json()
    toy_client.post(f"/_sim/workspaces/{ws['id']}/webhooks/{hook['id']}/disable")
    toy_client.post("/toy/v1/things", json={"name": "x"}, headers=auth(ws["keys"]["toy"]))
    assert toy_client.get(f"/_sim/workspaces/{ws['id']}/deliveries").get_json() == {"deliveries": []}


def test_a_webhook_for_other_events_gets_no_delivery(toy_client, ws, closed_port):
    register(toy_client, ws["id"], vendor="toy", url=f"http://127.0.0.1:{closed_port}/h", events=["thing.pinged"])
    toy_client.post("/toy/v1/things", json={"name": "x"}, headers=auth(ws["keys"]["toy"]))
    assert toy_client.get(f"/_sim/workspaces/{ws['id']}/deliveries").get_json() == {"deliveries": []}


# --- the target rule -------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "https://example.com/hook", "https://hooks.example.org:8443/a?b=c", "http://localhost:9000/h", "http://127.0.0.1/h",
    "http://127.0.0.5:81/h", "http://[::1]:9000/h", "http://foo.localhost/h", "http://a.b.localhost:1/h",
    "HTTP://LOCALHOST/h", "https://10.0.0.1/h",
])
def test_https_anywhere_and_http_on_loopback_are_accepted(url):
    assert check_target(url) == url


@pytest.mark.parametrize(("url", "message"), [
    ("http://example.com/hook", "url must use https"),
    ("http://localhost.example.com/h", "url must use https"),
    ("http://10.0.0.1/h", "url must use https"),
    ("http://0.0.0.0/h", "url must use https"),
    ("http://[::2]/h", "url must use https"),
    ("ftp://localhost/h", "url must be an absolute https URL"),
    ("https:///nohost", "url must be an absolute https URL"),
    ("//example.com/h", "url must be an absolute https URL"),
    ("http://[::1/h", "url must be an absolute https URL"),
    ("", "url is required"),
    (None, "url is required"),
])
def test_other_targets_are_refused(url, message):
    with pytest.raises(Invalid) as exc:
        check_target(url)
    assert exc.value.message == message
    assert exc.value.fields[0].path == "url"


def test_is_loopback_host():
    assert is_loopback_host("localhost")
    assert is_loopback_host("LOCALHOST")
    assert is_loopback_host("[::1]")
    assert is_loopback_host("127.1.2.3")
    assert not is_loopback_host("example.com")
    assert not is_loopback_host("")
    assert not is_loopback_host(None)
