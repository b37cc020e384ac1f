"""/_sim health, index and workspaces: create, list, get, delete, profile."""

from __future__ import annotations

import re

import pytest

from sim import __version__
from tests.control.conftest import START, auth, expect_problem


def test_health_reports_ok_and_the_version(toy_client):
    r = toy_client.get("/_sim/health")
    assert r.status_code == 200
    assert r.get_json() == {"status": "ok", "version": __version__}


def test_index_lists_vendors_and_control_routes(toy_client):
    body = toy_client.get("/_sim/").get_json()
    assert body["vendors"] == [{"name": "toy", "title": "Toy", "mounts": ["/toy/v1"], "roots": ["/v1"], "openapi": None}]
    assert "/_sim/workspaces/<ws>/clock/advance" in body["routes"]


def test_the_default_workspace_exists_from_the_start(toy_client):
    body = toy_client.get("/_sim/workspaces/default").get_json()
    assert body["id"] == "default"
    assert body["name"] == "default"
    assert re.fullmatch(r"toy_live_[A-Za-z0-9]{20}", body["keys"]["toy"])


def test_create_workspace_returns_201_with_id_keys_and_clock(toy_client):
    r = toy_client.post("/_sim/workspaces", json={"name": "alpha", "seed": 3, "start": START})
    assert r.status_code == 201
    body = r.get_json()
    assert re.fullmatch(r"ws_[0-9a-f]{16}", body["id"])
    assert body["name"] == "alpha"
    assert body["seed"] == 3
    assert body["clock"] == {"now": "2025-01-15T10:00:00Z", "mode": "manual"}
    assert body["fixtures"] == "default"
    assert re.fullmatch(r"toy_live_[A-Za-z0-9]{20}", body["keys"]["toy"])


def test_create_workspace_with_an_empty_body_uses_defaults(toy_client):
    r = toy_client.post("/_sim/workspaces")
    assert r.status_code == 201
    body = r.get_json()
    assert body["name"] == body["id"]
    assert body["seed"] == body["id"]


def test_a_new_workspace_is_filled_from_its_fixtures(toy_client, ws):
    r = toy_client.get("/toy/v1/things/thing_fixture", headers=auth(ws["keys"]["toy"]))
    assert r.status_code == 200
    assert r.get_json()["name"] == "From fixtures"


def test_a_new_workspace_key_works_at_once(toy_client, ws):
    r = toy_client.post("/toy/v1/things", json={"name": "x"}, headers=auth(ws["keys"]["toy"]))
    assert r.status_code == 201


def test_each_workspace_gets_its_own_keys(toy_client):
    a = toy_client.post("/_sim/workspaces").get_json()
    b = toy_client.post("/_sim/workspaces").get_json()
    assert a["keys"]["toy"] != b["keys"]["toy"]


def test_create_workspace_with_a_clock_mode(toy_client):
    r = toy_client.post("/_sim/workspaces", json={"clock": "60x", "start": START})
    assert r.get_json()["clock"]["mode"] == "60x"


def test_list_workspaces_includes_default_and_new_ones(toy_client, ws):
    ids = [w["id"] for w in toy_client.get("/_sim/workspaces").get_json()["workspaces"]]
    assert ids == ["default", ws["id"]]


def test_get_workspace_matches_what_create_returned(toy_client, ws):
    assert toy_client.get(f"/_sim/workspaces/{ws['id']}").get_json() == ws


def test_get_unknown_workspace_is_404(toy_client):
    expect_problem(toy_client.get("/_sim/workspaces/ws_nope"), 404, "workspace ws_nope not found")


def test_delete_workspace_is_204_then_404(toy_client, ws):
    r = toy_client.delete(f"/_sim/workspaces/{ws['id']}")
    assert r.status_code == 204
    assert r.data == b""
    expect_problem(toy_client.get(f"/_sim/workspaces/{ws['id']}"), 404)


def test_a_deleted_workspace_key_is_refused(toy_client, ws):
    toy_client.delete(f"/_sim/workspaces/{ws['id']}")
    r = toy_client.get("/toy/v1/things/thing_fixture", headers=auth(ws["keys"]["toy"]))
    assert r.status_code == 401
    assert r.get_json()["error"]["code"] == "unauthorized"


def test_delete_unknown_workspace_is_404(toy_client):
    expect_problem(toy_client.delete("/_sim/workspaces/ws_nope"), 404)


def test_the_default_workspace_cannot_be_deleted(toy_client):
    expect_problem(toy_client.delete("/_sim/workspaces/default"), 409,
                   "the default workspace cannot be deleted; reset it instead")


@pytest.mark.parametrize(("body", "field", "kind"), [
    ({"name": 5}, "name", "type"),
    ({"name": ""}, "name", "type"),
    ({"name": "x" * 201}, "name", "type"),
    ({"seed": True}, "seed", "type"),
    ({"seed": 1.5}, "seed", "type"),
    ({"seed": [1]}, "seed", "type"),
    ({"start": 1736935200}, "start", "type"),
    ({"start": "yesterday"}, "start", "format"),
    ({"start": "0001-01-01T00:00:00Z"}, "start", "value"),
    ({"start": "9999-12-31T00:00:00Z"}, "start", "value"),
    ({"fixtures": 3}, "fixtures", "type"),
    ({"fixtures": "nope"}, "fixtures", "value"),
    ({"fixtures": "../fixtures"}, "fixtures", "value"),
    ({"clock": 60}, "clock", "type"),
    ({"clock": "warp"}, "clock", "value"),
    ({"profile": []}, "profile", "type"),
    ({"profile": {"email": {"hard_bounce": "x"}}}, "email.hard_bounce", "value"),
])
def test_create_workspace_rejects_bad_fields_with_422(toy_client, body, field, kind):
    problem = expect_problem(toy_client.post("/_sim/workspaces", json=body), 422)
    assert [(e["field"], e["kind"]) for e in problem["errors"]] == [(field, kind)]


def test_create_workspace_lists_every_bad_field(toy_client):
    problem = expect_problem(toy_client.post("/_sim/workspaces", json={"name": 1, "seed": None, "start": 2, "clock": 3}), 422)
    assert [e["field"] for e in problem["errors"]] == ["name", "start", "clock"]


def test_a_rejected_create_leaves_no_workspace_behind(toy_client):
    toy_client.post("/_sim/workspaces", json={"fixtures": "nope"})
    assert [w["id"] for w in toy_client.get("/_sim/workspaces").get_json()["workspaces"]] == ["default"]


def test_profile_defaults_to_the_fixture_profile(toy_client, ws):
    profile = toy_client.get(f"/_sim/workspaces/{ws['id']}/profile").get_json()
    assert profile["email"]["hard_bounce"] == 0.02


def test_create_with_a_profile_override_merges_it(toy_client):
    ws = toy_client.post("/_sim/workspaces", json={"profile": {"email": {"reply_of_delivered": 0.5}}}).get_json()
    profile = toy_client.get(f"/_sim/workspaces/{ws['id']}/profile").get_json()
    assert profile["email"]["reply_of_delivered"] == 0.5
    assert profile["email"]["hard_bounce"] == 0.02


def test_put_profile_replaces_the_override(toy_client, ws):
    r = toy_client.put(f"/_sim/workspaces/{ws['id']}/profile", json={"email": {"hard_bounce": 0.5}})
    assert r.status_code == 200
    assert r.get_json()["email"]["hard_bounce"] == 0.5
    assert toy_client.get(f"/_sim/workspaces/{ws['id']}/profile").get_json()["email"]["hard_bounce"] == 0.5


def test_put_profile_rejects_a_rate_above_one(toy_client, ws):
    problem = expect_problem(toy_client.put(f"/_sim/workspaces/{ws['id']}/profile", json={"email": {"hard_bounce": 2}}), 422)
    assert problem["errors"] == [{"field": "email.hard_bounce", "kind": "value",
                                  "message": "email.hard_bounce must be a number from 0 to 1"}]


def test_put_profile_of_unknown_workspace_is_404_whatever_the_body(toy_client):
    expect_problem(toy_client.put("/_sim/workspaces/ws_nope/profile", json={"email": 3}), 404)
