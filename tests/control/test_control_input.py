"""Control input: every /_sim body is validated before anything changes, and a failed request changes nothing."""

from __future__ import annotations

import json

import pytest

from sim.app import create_app
from sim.config import Config
from tests.control.conftest import START, auth, expect_problem
from tests.support.toyvendor import toy_spec

BAD_MODES = ["1e308x", "infx", "nanx", "1e12x", "1e9x", "10001x", "1e-300x", "1_000x", "\u0663x", "\uff16\uff10x",
             "0x", "-5x", "fast", "60"]


def field_errors(response) -> list[str]:
    return [e["field"] for e in response.get_json().get("errors", [])]


def workspace_ids(client) -> list[str]:
    r = client.get("/_sim/workspaces")
    assert r.status_code == 200
    return [w["id"] for w in r.get_json()["workspaces"]]


@pytest.mark.parametrize("mode", BAD_MODES)
def test_a_bad_clock_mode_is_422_naming_mode(toy_client, ws, mode):
    r = toy_client.put(f"/_sim/workspaces/{ws['id']}/clock", json={"mode": mode})
    body = expect_problem(r, 422)
    assert field_errors(r) == ["mode"]
    assert body["errors"][0]["kind"] == "value"


@pytest.mark.parametrize("mode", ["1e12x", "1e308x", "10001x"])
def test_a_rejected_clock_mode_leaves_the_clock_as_it_was(toy_client, ws, mode):
    before = toy_client.get(f"/_sim/workspaces/{ws['id']}/clock").get_json()
    toy_client.put(f"/_sim/workspaces/{ws['id']}/clock", json={"mode": mode})
    assert toy_client.get(f"/_sim/workspaces/{ws['id']}/clock").get_json() == before == {"now": START, "mode": "manual"}


def test_the_workspace_list_still_answers_after_a_rejected_mode(toy_client, ws):
    toy_client.put(f"/_sim/workspaces/{ws['id']}/clock", json={"mode": "1e12x"})
    assert ws["id"] in workspace_ids(toy_client)


@pytest.mark.parametrize(("mode", "shown"), [("10000x", "10000x"), ("0.5x", "0.5x"), ("realtime", "realtime"),
                                             ("manual", "manual")])
def test_modes_within_bounds_are_accepted(toy_client, ws, mode, shown):
    r = toy_client.put(f"/_sim/workspaces/{ws['id']}/clock", json={"mode": mode})
    assert r.status_code == 200
    assert r.get_json()["mode"] == shown


def test_the_fastest_clock_keeps_every_call_answering(toy_client, ws):
    assert toy_client.put(f"/_sim/workspaces/{ws['id']}/clock", json={"mode": "10000x"}).status_code == 200
    assert toy_client.get("/toy/v1/things/thing_fixture", headers=auth(ws["keys"]["toy"])).status_code == 200
    assert toy_client.get("/_sim/workspaces").status_code == 200


def test_a_mode_of_the_wrong_type_is_422_naming_mode(toy_client, ws):
    r = toy_client.put(f"/_sim/workspaces/{ws['id']}/clock", json={"mode": 60})
    expect_problem(r, 422, "mode must be manual, realtime or <N>x")
    assert field_errors(r) == ["mode"]


@pytest.mark.parametrize(("body", "field"), [
    ({"clock": "1e308x"}, "clock"), ({"clock": "infx"}, "clock"), ({"clock": "10001x"}, "clock"),
    ({"start": "yesterday"}, "start"), ({"start": "99999-01-01T00:00:00Z"}, "start"), ({"start": 5}, "start"),
    ({"seed": 1.5}, "seed"), ({"seed": True}, "seed"), ({"seed": "s" * 201}, "seed"), ({"seed": 2**64}, "seed"),
    ({"fixtures": "nope"}, "fixtures"), ({"fixtures": "../etc"}, "fixtures"), ({"fixtures": 3}, "fixtures"),
    ({"name": ""}, "name"), ({"name": 7}, "name"), ({"profile": 3}, "profile"),
])
def test_a_bad_workspace_field_is_422_naming_it_and_makes_no_workspace(toy_client, body, field):
    before = workspace_ids(toy_client)
    r = toy_client.post("/_sim/workspaces", json=body)
    expect_problem(r, 422)
    assert field in field_errors(r)
    assert workspace_ids(toy_client) == before


def test_a_workspace_create_that_fails_midway_leaves_no_half_made_workspace(toy_app, monkeypatch):
    sim = toy_app.extensions["sim"]
    client = toy_app.test_client()
    before_ws, before_keys = workspace_ids(client), sorted(sim.store.table("keys").ids())

    def broken(ws, fixture):  # the workspace record and its keys are written by now
        raise RuntimeError("a fixture loader bug")

    monkeypatch.setattr(sim, "_seed_vendors", broken)
    expect_problem(client.post("/_sim/workspaces", json={"name": "half"}), 500)
    assert workspace_ids(client) == before_ws
    assert sorted(sim.store.table("keys").ids()) == before_keys
    assert [t for t in sim.store.tables("w/") if len(sim.store.table(t)) and not t.startswith("w/default/")] == []


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/clock/advance", {"seconds": "soon"}, "seconds"), ("/clock/advance", {"seconds": -1}, "seconds"),
    ("/clock/advance", {"to": "later"}, "to"), ("/clock/advance", {"seconds": 10**12}, "seconds"),
    ("/webhooks", {"vendor": "toy", "url": "ftp://x"}, "url"), ("/faults", {"action": "explode"}, "action"),
    ("/keys", {"vendor": "nope"}, "vendor"),
])
def test_other_control_bodies_are_422_naming_the_field(toy_client, ws, path, body, field):
    r = toy_client.post(f"/_sim/workspaces/{ws['id']}{path}", json=body)
    expect_problem(r, 422)
    assert field in field_errors(r)


# --- stores written before modes were bounded ---------------------------------------------------------

def _bricked_store(path, rate: float) -> str:
    """A file store whose workspace clock holds ``rate``, as an older leadsim let ``PUT .../clock`` write."""
    app = create_app(Config(store=str(path)), [toy_spec()])
    ws = app.test_client().post("/_sim/workspaces", json={"seed": 3, "start": START}).get_json()["id"]
    app.extensions["sim"].close()
    snap = json.loads((path / "db.json").read_text())
    doc = snap["workspaces"][ws]
    doc["clock"] = {**doc["clock"], "rate": rate}
    state = snap.get(f"w/{ws}/core/runtime", {}).get("state")
    if state is not None and "clock" in state:
        state["clock"] = {**state["clock"], "rate": rate}
    (path / "db.json").write_text(json.dumps(snap))
    return ws


@pytest.mark.parametrize("rate", [1e12, 1e308, float("inf"), -3.0])
def test_a_store_bricked_by_a_huge_mode_loads_and_answers(tmp_path, rate):
    ws = _bricked_store(tmp_path, rate)
    app = create_app(Config(store=str(tmp_path)), [toy_spec()])
    try:
        client = app.test_client()
        assert ws in workspace_ids(client)
        assert client.get(f"/_sim/workspaces/{ws}/clock").get_json() == {"now": START, "mode": "manual"}
        assert client.put(f"/_sim/workspaces/{ws}/clock", json={"mode": "60x"}).status_code == 200
    finally:
        app.extensions["sim"].close()


def test_a_repaired_clock_is_reported_and_noticed(tmp_path):
    ws = _bricked_store(tmp_path, 1e12)
    app = create_app(Config(store=str(tmp_path)), [toy_spec()])
    try:
        sim = app.extensions["sim"]
        assert sim.repairs == [f"workspace {ws}: its stored clock (rate 1000000000000.0) could not run; "
                               f"it is now manual at {START}"]
        notices = app.test_client().get(f"/_sim/workspaces/{ws}/notices").get_json()["notices"]
        assert [n["kind"] for n in notices] == ["clock_repaired"]
    finally:
        app.extensions["sim"].close()


def test_a_repaired_store_needs_no_repair_next_time(tmp_path):
    _bricked_store(tmp_path, 1e12)
    create_app(Config(store=str(tmp_path)), [toy_spec()]).extensions["sim"].close()
    again = create_app(Config(store=str(tmp_path)), [toy_spec()])
    try:
        assert again.extensions["sim"].repairs == []
    finally:
        again.extensions["sim"].close()
