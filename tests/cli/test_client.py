"""sim.client.Client: the /_sim control API over HTTP with the in-process Simulator's operation names."""

from __future__ import annotations

import socket

import pytest

from sim.client import Client, ControlError, ServerUnavailable
from sim.simulator import Simulator
from tests.cli.conftest import START, toy

OPERATIONS = ["create_workspace", "list_workspaces", "get_workspace", "delete_workspace", "describe", "keys", "advance",
              "reset", "snapshot", "restore", "set_profile", "set_clock_mode", "journal_entries", "deliveries", "delivery",
              "notices", "register_webhook", "subscriptions", "set_subscription_status", "add_fault", "list_faults",
              "delete_fault", "add_key", "health"]


@pytest.fixture
def client(live):
    c = Client(live.url)
    yield c
    c.close()


@pytest.fixture
def ws(client):
    return client.create_workspace(seed=7, start=START)


@pytest.mark.parametrize("name", OPERATIONS)
def test_client_and_simulator_share_the_operation_name(name):
    assert callable(getattr(Simulator, name))
    assert callable(getattr(Client, name))


def test_create_workspace_returns_the_simulator_description(client, live, ws):
    assert ws == live.sim.describe(ws["id"])


def test_list_workspaces_is_unwrapped_to_a_list(client, ws):
    assert [w["id"] for w in client.list_workspaces()][-1] == ws["id"]


def test_advance_accepts_a_duration_string(client, ws):
    assert client.advance(ws["id"], "1d")["now"] == "2025-01-16T09:00:00Z"


def test_advance_accepts_seconds_and_an_iso_target(client, ws):
    assert client.advance(ws["id"], 60)["now"] == "2025-01-15T09:01:00Z"
    assert client.advance(ws["id"], to="2025-01-15T10:00:00Z")["now"] == "2025-01-15T10:00:00Z"


def test_advance_with_neither_seconds_nor_to_is_a_422(client, ws):
    with pytest.raises(ControlError) as caught:
        client.advance(ws["id"])
    assert (caught.value.status, caught.value.detail) == (422, "give exactly one of seconds or to")


def test_a_problem_becomes_a_control_error_with_status_detail_and_fields(client, ws):
    with pytest.raises(ControlError) as caught:
        client.advance(ws["id"], -5)
    err = caught.value
    assert (err.status, err.kind, err.title, err.detail) == (422, "invalid", "Unprocessable Content", "time only moves forward")
    assert err.errors == [{"field": "seconds", "kind": "value", "message": "seconds must not be negative"}]
    assert str(err) == "422 Unprocessable Content: time only moves forward"


def test_an_unknown_workspace_is_a_404_control_error(client):
    with pytest.raises(ControlError) as caught:
        client.get_workspace("ws_nope")
    assert (caught.value.status, caught.value.kind, caught.value.detail) == (404, "not_found", "workspace ws_nope not found")


def test_nothing_listening_raises_server_unavailable():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ServerUnavailable) as caught:
        Client(f"http://127.0.0.1:{port}").health()
    assert str(caught.value) == f"no leadsim server answers at http://127.0.0.1:{port} (connection refused)"


def test_url_and_admin_token_default_to_the_environment(monkeypatch):
    monkeypatch.setenv("LEADSIM_URL", "http://127.0.0.1:9999/")
    monkeypatch.setenv("LEADSIM_ADMIN_TOKEN", "tok")
    c = Client()
    assert (c.url, c.admin_token) == ("http://127.0.0.1:9999", "tok")


def test_reset_one_workspace_returns_its_description(client, live, ws):
    thing = toy(live, ws, "POST", "/things", json={"name": "x"}).json()
    assert client.reset(ws["id"])["clock"]["now"] == START
    assert toy(live, ws, "GET", f"/things/{thing['id']}").status_code == 404


def test_snapshot_and_restore_round_trip(client, live, ws):
    snap = client.snapshot(ws["id"])
    thing = toy(live, ws, "POST", "/things", json={"name": "x"}).json()
    assert client.restore(ws["id"], snap)["id"] == ws["id"]
    assert toy(live, ws, "GET", f"/things/{thing['id']}").status_code == 404


def test_set_profile_merges_into_the_workspace_profile(client, ws):
    profile = client.set_profile(ws["id"], {"custom_rate": 0.5})
    assert profile["custom_rate"] == 0.5
    assert client.get_profile(ws["id"]) == profile


def test_journal_entries_and_limit(client, live, ws):
    toy(live, ws, "GET", "/things/a")
    toy(live, ws, "GET", "/things/b")
    assert [e["path"] for e in client.journal_entries(ws["id"], limit=1)] == ["/toy/v1/things/b"]
    assert len(client.journal_entries(ws["id"], vendor="toy")) == 2


def test_webhook_registration_and_its_status(client, ws, receiver):
    sub = client.register_webhook(ws["id"], vendor="toy", url=receiver.url)
    assert [s["id"] for s in client.subscriptions(ws["id"])] == [sub["id"]]
    assert client.set_subscription_status(ws["id"], sub["id"], "disabled")["status"] == "disabled"
    assert client.set_subscription_status(ws["id"], sub["id"], "active")["status"] == "active"


def test_set_subscription_status_rejects_other_statuses(client, ws):
    with pytest.raises(ValueError, match="status must be 'active' or 'disabled'"):
        client.set_subscription_status(ws["id"], "wh_1", "paused")


def test_deliveries_and_one_delivery(client, live, ws, receiver):
    client.register_webhook(ws["id"], {"vendor": "toy", "url": receiver.url})
    toy(live, ws, "POST", "/things", json={"name": "x"})
    client.advance(ws["id"], 0)
    rows = client.deliveries(ws["id"], vendor="toy")
    assert [(r["event"], r["status"]) for r in rows] == [("thing.created", 204)]
    assert client.delivery(ws["id"], rows[0]["delivery_id"])["id"] == rows[0]["delivery_id"]


def test_faults_add_list_and_delete(client, ws):
    rule = client.add_fault(ws["id"], vendor="toy", status=429, retry_after=3)
    assert [f["id"] for f in client.list_faults(ws["id"])] == [rule["id"]]
    client.delete_fault(ws["id"], rule["id"])
    assert client.list_faults(ws["id"]) == []


def test_add_key_then_revoke_it(client, live, ws):
    key = client.add_key(ws["id"], "toy", "toy_live_extra")["key"]
    assert toy(live, {"keys": {"toy": key}}, "GET", "/things/thing_fixture").status_code == 200
    assert client.revoke_key(ws["id"], "toy", key)["revoked"] is True
    assert toy(live, {"keys": {"toy": key}}, "GET", "/things/thing_fixture").status_code == 401


def test_vendor_control_reaches_the_vendors_own_sim_controls(client, live, ws):
    renamed = client.vendor_control(ws["id"], "toy", "/things/thing_fixture/rename", {"name": "Renamed"})
    assert renamed["name"] == "Renamed"
    assert toy(live, ws, "GET", "/things/thing_fixture").json()["name"] == "Renamed"


def test_index_lists_the_mounted_vendors(client):
    assert [(v["name"], v["mounts"]) for v in client.vendors()] == [("toy", ["/toy/v1"])]


def test_the_client_ignores_proxy_settings_for_a_local_server(client, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:1")
    assert client.health()["status"] == "ok"


def test_an_error_that_is_not_a_problem_keeps_its_status_and_body(live):
    c = Client(live.url + "/toy/v1")  # /_sim under a vendor prefix is the vendor's own 404 envelope
    with pytest.raises(ControlError) as caught:
        c.health()
    assert caught.value.status == 404
    assert caught.value.body["error"]["code"] == "not_found"
    assert caught.value.detail.startswith('{"error":{"code":"not_found"')
