"""Tenancy: a key reaches only its own workspace; ids of another workspace are the vendor's 404."""

from __future__ import annotations

from tests.control.conftest import auth


def make_thing(client, key, name="x"):
    r = client.post("/toy/v1/things", json={"name": name}, headers=auth(key))
    assert r.status_code == 201
    return r.get_json()


def test_a_key_gets_the_vendors_404_for_another_workspaces_id(toy_client, ws):
    other = toy_client.post("/_sim/workspaces").get_json()
    theirs = make_thing(toy_client, other["keys"]["toy"])
    r = toy_client.get(f"/toy/v1/things/{theirs['id']}", headers=auth(ws["keys"]["toy"]))
    assert r.status_code == 404
    assert r.get_json()["error"]["code"] == "thing_not_found"
    assert r.get_json()["error"]["message"] == f"thing {theirs['id']} not found"


def test_a_key_cannot_change_another_workspaces_object(toy_client, ws):
    other = toy_client.post("/_sim/workspaces").get_json()
    theirs = make_thing(toy_client, other["keys"]["toy"])
    assert toy_client.post(f"/toy/v1/things/{theirs['id']}/lock", headers=auth(ws["keys"]["toy"])).status_code == 404
    r = toy_client.post(f"/toy/v1/things/{theirs['id']}/lock", headers=auth(other["keys"]["toy"]))
    assert r.status_code == 200


def test_the_same_fixture_id_is_a_separate_object_in_each_workspace(toy_client, ws):
    other = toy_client.post("/_sim/workspaces").get_json()
    toy_client.post("/toy/v1/things/thing_fixture/lock", headers=auth(ws["keys"]["toy"]))
    r = toy_client.post("/toy/v1/things/thing_fixture/lock", headers=auth(other["keys"]["toy"]))
    assert r.status_code == 200


def test_placeholder_keys_reach_the_default_workspace(toy_client):
    made = make_thing(toy_client, "TOY_KEY")
    default_key = toy_client.get("/_sim/workspaces/default").get_json()["keys"]["toy"]
    assert toy_client.get(f"/toy/v1/things/{made['id']}", headers=auth(default_key)).status_code == 200


def test_placeholder_keys_reach_only_the_default_workspace(toy_client, ws):
    theirs = make_thing(toy_client, ws["keys"]["toy"])
    assert toy_client.get(f"/toy/v1/things/{theirs['id']}", headers=auth("TOY_KEY")).status_code == 404


def test_placeholder_keys_are_not_listed_as_workspace_keys(toy_client):
    assert "TOY_KEY" not in toy_client.get("/_sim/workspaces/default").get_json()["keys"].values()


def test_a_missing_key_is_401(toy_client):
    r = toy_client.get("/toy/v1/things/thing_fixture")
    assert r.status_code == 401
    assert r.get_json()["error"]["message"] == "Missing API key"


def test_an_unknown_key_is_401(toy_client):
    r = toy_client.get("/toy/v1/things/thing_fixture", headers=auth("toy_live_unknown"))
    assert r.status_code == 401
    assert r.get_json()["error"]["message"] == "Invalid API key"


def test_a_key_of_another_scheme_is_401(toy_client):
    r = toy_client.get("/toy/v1/things/thing_fixture", headers={"Authorization": "Token TOY_KEY"})
    assert r.status_code == 401


def test_vendor_controls_act_on_the_workspace_in_the_path_only(toy_client, ws):
    r = toy_client.post(f"/_sim/workspaces/{ws['id']}/toy/things/thing_fixture/rename", json={"name": "mine"})
    assert r.status_code == 200
    assert toy_client.get("/toy/v1/things/thing_fixture", headers=auth("TOY_KEY")).get_json()["name"] == "From fixtures"
    assert toy_client.get("/toy/v1/things/thing_fixture", headers=auth(ws["keys"]["toy"])).get_json()["name"] == "mine"


def test_vendor_controls_of_an_unknown_workspace_are_404(toy_client):
    r = toy_client.post("/_sim/workspaces/ws_nope/toy/things/thing_fixture/rename", json={"name": "x"})
    assert r.status_code == 404
    assert r.get_json()["detail"] == "workspace ws_nope not found"


def test_webhooks_of_one_workspace_never_get_another_workspaces_events(toy_client, ws):
    toy_client.post(f"/_sim/workspaces/{ws['id']}/webhooks", json={"vendor": "toy", "url": "https://example.com/h"})
    make_thing(toy_client, "TOY_KEY")
    assert toy_client.get(f"/_sim/workspaces/{ws['id']}/deliveries").get_json() == {"deliveries": []}
    assert toy_client.get("/_sim/workspaces/default/deliveries").get_json() == {"deliveries": []}
