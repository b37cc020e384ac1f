"""/_sim keys: extra keys for a workspace, read-only and forbidden keys, revocation; and the admin token."""

from __future__ import annotations

import re

import pytest

from sim.app import create_app
from sim.config import Config
from tests.control.conftest import auth, expect_problem
from tests.support.toyvendor import toy_spec


def add_key(client, ws_id, **body):
    return client.post(f"/_sim/workspaces/{ws_id}/keys", json=body)


def test_add_key_returns_201_with_a_key_in_the_vendors_format(toy_client, ws):
    r = add_key(toy_client, ws["id"], vendor="toy")
    assert r.status_code == 201
    body = r.get_json()
    assert re.fullmatch(r"toy_live_[A-Za-z0-9]{20}", body["key"])
    assert body == {"vendor": "toy", "key": body["key"], "primary": False, "workspace": ws["id"]}


def test_an_added_key_reaches_its_workspace(toy_client, ws):
    key = add_key(toy_client, ws["id"], vendor="toy").get_json()["key"]
    made = toy_client.post("/toy/v1/things", json={"name": "x"}, headers=auth(key)).get_json()
    r = toy_client.get(f"/toy/v1/things/{made['id']}", headers=auth(ws["keys"]["toy"]))
    assert r.status_code == 200


def test_add_a_chosen_key(toy_client, ws):
    body = add_key(toy_client, ws["id"], vendor="toy", key="toy_live_chosen").get_json()
    assert body["key"] == "toy_live_chosen"
    assert toy_client.get("/toy/v1/things/thing_fixture", headers=auth("toy_live_chosen")).status_code == 200


def test_a_key_in_use_by_another_workspace_cannot_be_taken(toy_client, ws):
    other = toy_client.post("/_sim/workspaces").get_json()
    expect_problem(add_key(toy_client, ws["id"], vendor="toy", key=other["keys"]["toy"]), 409, "this key is already in use")
    r = toy_client.get("/toy/v1/things/thing_fixture", headers=auth(other["keys"]["toy"]))
    assert r.status_code == 200
    assert toy_client.get(f"/_sim/workspaces/{other['id']}").get_json()["keys"] == other["keys"]


def test_the_docs_placeholder_key_cannot_be_taken_from_default(toy_client, ws):
    expect_problem(add_key(toy_client, ws["id"], vendor="toy", key="TOY_KEY"), 409)
    r = toy_client.get("/toy/v1/things/thing_fixture", headers=auth("TOY_KEY"))
    assert r.status_code == 200
    assert len(toy_client.get("/_sim/workspaces/default/journal").get_json()["entries"]) == 1


def test_a_key_not_matching_the_vendors_key_pattern_is_422():
    spec = toy_spec()
    spec.key_pattern = r"toy_live_[A-Za-z0-9]+"
    app = create_app(Config(store="memory"), [spec])
    client = app.test_client()
    w = client.post("/_sim/workspaces").get_json()
    problem = expect_problem(add_key(client, w["id"], vendor="toy", key="sk_wrong"), 422)
    assert problem["errors"][0]["field"] == "key"
    app.extensions["sim"].close()


def test_a_read_only_key_can_read_but_not_write(toy_client, ws):
    key = add_key(toy_client, ws["id"], vendor="toy", read_only=True).get_json()["key"]
    assert toy_client.get("/toy/v1/things/thing_fixture", headers=auth(key)).status_code == 200
    r = toy_client.post("/toy/v1/things", json={"name": "x"}, headers=auth(key))
    assert r.status_code == 403
    assert r.get_json()["error"] == {"code": "forbidden", "message": "This API key is read-only",
                                     "request_id": r.get_json()["error"]["request_id"], "fields": []}


def test_a_forbidden_key_gets_403_everywhere(toy_client, ws):
    key = add_key(toy_client, ws["id"], vendor="toy", forbidden=True).get_json()["key"]
    r = toy_client.get("/toy/v1/things/thing_fixture", headers=auth(key))
    assert r.status_code == 403
    assert r.get_json()["error"]["message"] == "This API key is not allowed to do this"


def test_revoke_a_key(toy_client, ws):
    key = add_key(toy_client, ws["id"], vendor="toy").get_json()["key"]
    r = toy_client.post(f"/_sim/workspaces/{ws['id']}/keys/toy/{key}/revoke")
    assert r.status_code == 200
    assert r.get_json() == {"vendor": "toy", "key": key, "revoked": True}
    r = toy_client.get("/toy/v1/things/thing_fixture", headers=auth(key))
    assert r.status_code == 401
    assert r.get_json()["error"]["message"] == "Invalid API key"


def test_revoke_the_primary_key(toy_client, ws):
    toy_client.post(f"/_sim/workspaces/{ws['id']}/keys/toy/{ws['keys']['toy']}/revoke")
    assert toy_client.get("/toy/v1/things/thing_fixture", headers=auth(ws["keys"]["toy"])).status_code == 401


def test_a_workspace_cannot_revoke_another_workspaces_key(toy_client, ws):
    other = toy_client.post("/_sim/workspaces").get_json()
    expect_problem(toy_client.post(f"/_sim/workspaces/{ws['id']}/keys/toy/{other['keys']['toy']}/revoke"), 404, "key not found")
    assert toy_client.get("/toy/v1/things/thing_fixture", headers=auth(other["keys"]["toy"])).status_code == 200


def test_revoke_an_unknown_key_is_404(toy_client, ws):
    expect_problem(toy_client.post(f"/_sim/workspaces/{ws['id']}/keys/toy/toy_live_nope/revoke"), 404)


def test_revoke_in_an_unknown_workspace_is_404(toy_client, ws):
    expect_problem(toy_client.post(f"/_sim/workspaces/ws_nope/keys/toy/{ws['keys']['toy']}/revoke"), 404,
                   "workspace ws_nope not found")


@pytest.mark.parametrize(("body", "field"), [
    ({}, "vendor"),
    ({"vendor": "nope"}, "vendor"),
    ({"vendor": ["toy"]}, "vendor"),
    ({"vendor": {"name": "toy"}}, "vendor"),
    ({"vendor": "toy", "key": 5}, "key"),
    ({"vendor": "toy", "key": ""}, "key"),
    ({"vendor": "toy", "key": "has space"}, "key"),
    ({"vendor": "toy", "key": "tab\there"}, "key"),
    ({"vendor": "toy", "read_only": "yes"}, "read_only"),
    ({"vendor": "toy", "forbidden": 1}, "forbidden"),
])
def test_add_key_rejects_bad_fields_with_422(toy_client, ws, body, field):
    problem = expect_problem(add_key(toy_client, ws["id"], **body), 422)
    assert [e["field"] for e in problem["errors"]] == [field]


def test_add_key_to_an_unknown_workspace_is_404_whatever_the_body(toy_client):
    expect_problem(add_key(toy_client, "ws_nope", vendor="nope"), 404)


# --- admin token -----------------------------------------------------------------------------------

@pytest.fixture
def guarded():
    app = create_app(Config(store="memory", admin_token="t0ken"), [toy_spec()])
    yield app.test_client()
    app.extensions["sim"].close()


def test_with_an_admin_token_the_control_api_needs_it(guarded):
    r = guarded.get("/_sim/workspaces")
    expect_problem(r, 401, "the control API needs Authorization: Bearer <admin token>")
    assert r.headers["WWW-Authenticate"] == "Bearer"


def test_the_right_admin_token_opens_the_control_api(guarded):
    assert guarded.get("/_sim/workspaces", headers=auth("t0ken")).status_code == 200
    assert guarded.post("/_sim/workspaces", headers=auth("t0ken")).status_code == 201


def test_a_wrong_admin_token_is_401(guarded):
    expect_problem(guarded.post("/_sim/reset", headers=auth("wrong")), 401)


def test_vendor_controls_need_the_admin_token_too(guarded):
    r = guarded.post("/_sim/workspaces/default/toy/things/thing_fixture/rename", json={"name": "hacked"})
    expect_problem(r, 401)
    thing = guarded.get("/toy/v1/things/thing_fixture", headers=auth("TOY_KEY")).get_json()
    assert thing["name"] == "From fixtures"


def test_vendor_controls_work_with_the_admin_token(guarded):
    r = guarded.post("/_sim/workspaces/default/toy/things/thing_fixture/rename", json={"name": "renamed"},
                     headers=auth("t0ken"))
    assert r.status_code == 200
    assert r.get_json()["name"] == "renamed"


def test_vendor_apis_do_not_need_the_admin_token(guarded):
    assert guarded.get("/toy/v1/things/thing_fixture", headers=auth("TOY_KEY")).status_code == 200


def test_without_an_admin_token_the_control_api_is_open(toy_client):
    assert toy_client.get("/_sim/workspaces").status_code == 200
