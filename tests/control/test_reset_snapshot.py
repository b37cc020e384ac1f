"""/_sim reset (one workspace back to its fixtures; everything) and snapshot GET/PUT round trips."""

from __future__ import annotations

import copy

import pytest

from tests.control.conftest import START, auth, expect_problem


def make_thing(client, key, name="x"):
    r = client.post("/toy/v1/things", json={"name": name}, headers=auth(key))
    assert r.status_code == 201
    return r.get_json()


def thing_ids(client, ws_id):
    snap = client.get(f"/_sim/workspaces/{ws_id}/snapshot").get_json()
    return sorted(snap["tables"].get("toy/things", {}))


# --- reset -----------------------------------------------------------------------------------------

def test_reset_empties_the_workspace_back_to_its_fixtures(toy_client, ws):
    made = make_thing(toy_client, ws["keys"]["toy"])
    r = toy_client.post(f"/_sim/workspaces/{ws['id']}/reset")
    assert r.status_code == 200
    assert r.get_json()["id"] == ws["id"]
    assert thing_ids(toy_client, ws["id"]) == ["thing_fixture"]
    assert toy_client.get(f"/toy/v1/things/{made['id']}", headers=auth(ws["keys"]["toy"])).status_code == 404


def test_reset_puts_the_clock_back_to_the_start(toy_client, ws):
    toy_client.post(f"/_sim/workspaces/{ws['id']}/clock/advance", json={"seconds": 86400})
    body = toy_client.post(f"/_sim/workspaces/{ws['id']}/reset").get_json()
    assert body["clock"]["now"] == "2025-01-15T10:00:00Z"


def test_reset_keeps_the_keys(toy_client, ws):
    body = toy_client.post(f"/_sim/workspaces/{ws['id']}/reset").get_json()
    assert body["keys"] == ws["keys"]
    assert toy_client.get("/toy/v1/things/thing_fixture", headers=auth(ws["keys"]["toy"])).status_code == 200


def test_reset_gives_the_same_ids_again(toy_client, ws):
    first = make_thing(toy_client, ws["keys"]["toy"])
    toy_client.post(f"/_sim/workspaces/{ws['id']}/reset")
    assert make_thing(toy_client, ws["keys"]["toy"]) == first


def test_reset_drops_jobs_journal_faults_and_webhooks(toy_client, ws):
    base = f"/_sim/workspaces/{ws['id']}"
    key = auth(ws["keys"]["toy"])
    toy_client.post("/toy/v1/things/thing_fixture/ping-later", json={"after": 60}, headers=key)
    toy_client.post(f"{base}/faults", json={"path": "/nothing", "status": 500})
    toy_client.post(f"{base}/webhooks", json={"vendor": "toy", "url": "http://127.0.0.1:9/hook"})
    toy_client.post(f"{base}/reset")
    assert toy_client.get(f"{base}/journal").get_json() == {"entries": []}
    assert toy_client.get(f"{base}/faults").get_json() == {"faults": []}
    assert toy_client.get(f"{base}/webhooks").get_json() == {"webhooks": []}
    assert toy_client.post(f"{base}/clock/advance", json={"seconds": 3600}).get_json()["jobs_run"] == 0


def test_reset_leaves_other_workspaces_alone(toy_client, ws):
    other = toy_client.post("/_sim/workspaces", json={"start": START}).get_json()
    made = make_thing(toy_client, other["keys"]["toy"])
    toy_client.post(f"/_sim/workspaces/{ws['id']}/reset")
    assert made["id"] in thing_ids(toy_client, other["id"])


def test_reset_of_an_unknown_workspace_is_404(toy_client):
    expect_problem(toy_client.post("/_sim/workspaces/ws_nope/reset"), 404, "workspace ws_nope not found")


def test_global_reset_removes_every_workspace_but_a_fresh_default(toy_client, ws):
    default_key = toy_client.get("/_sim/workspaces/default").get_json()["keys"]["toy"]
    make_thing(toy_client, default_key)
    r = toy_client.post("/_sim/reset")
    assert r.status_code == 200
    body = r.get_json()
    assert body["reset"] is True
    assert [w["id"] for w in body["workspaces"]] == ["default"]
    assert thing_ids(toy_client, "default") == ["thing_fixture"]
    expect_problem(toy_client.get(f"/_sim/workspaces/{ws['id']}"), 404)


def test_global_reset_keeps_the_default_workspace_keys(toy_client):
    before = toy_client.get("/_sim/workspaces/default").get_json()["keys"]
    toy_client.post("/_sim/reset")
    assert toy_client.get("/_sim/workspaces/default").get_json()["keys"] == before
    assert toy_client.get("/toy/v1/things/thing_fixture", headers=auth("TOY_KEY")).status_code == 200


def test_global_reset_revokes_other_workspaces_keys(toy_client, ws):
    toy_client.post("/_sim/reset")
    assert toy_client.get("/toy/v1/things/thing_fixture", headers=auth(ws["keys"]["toy"])).status_code == 401


# --- snapshot --------------------------------------------------------------------------------------

def test_snapshot_has_the_workspace_and_its_tables(toy_client, ws):
    made = make_thing(toy_client, ws["keys"]["toy"], "snap")
    snap = toy_client.get(f"/_sim/workspaces/{ws['id']}/snapshot").get_json()
    assert snap["workspace"]["seed"] == 7
    assert snap["workspace"]["clock"]["base"] > 0
    assert snap["tables"]["toy/things"][made["id"]]["name"] == "snap"
    assert "leadsim" in snap


def test_put_snapshot_restores_the_state_it_was_taken_in(toy_client, ws):
    key = ws["keys"]["toy"]
    kept = make_thing(toy_client, key, "kept")
    snap = toy_client.get(f"/_sim/workspaces/{ws['id']}/snapshot").get_json()
    later = make_thing(toy_client, key, "later")
    toy_client.post(f"/_sim/workspaces/{ws['id']}/clock/advance", json={"seconds": 7200})
    r = toy_client.put(f"/_sim/workspaces/{ws['id']}/snapshot", json=snap)
    assert r.status_code == 200
    assert r.get_json()["clock"]["now"] == "2025-01-15T10:00:00Z"
    assert toy_client.get(f"/toy/v1/things/{kept['id']}", headers=auth(key)).status_code == 200
    assert toy_client.get(f"/toy/v1/things/{later['id']}", headers=auth(key)).status_code == 404


def test_restored_workspace_continues_the_same_id_sequence(toy_client, ws):
    key = ws["keys"]["toy"]
    snap = toy_client.get(f"/_sim/workspaces/{ws['id']}/snapshot").get_json()
    first = make_thing(toy_client, key)
    toy_client.put(f"/_sim/workspaces/{ws['id']}/snapshot", json=snap)
    assert make_thing(toy_client, key) == first


def test_snapshot_round_trip_is_identical(toy_client, ws):
    make_thing(toy_client, ws["keys"]["toy"])
    snap = toy_client.get(f"/_sim/workspaces/{ws['id']}/snapshot").get_json()
    toy_client.put(f"/_sim/workspaces/{ws['id']}/snapshot", json=snap)
    again = toy_client.get(f"/_sim/workspaces/{ws['id']}/snapshot").get_json()
    assert again["tables"] == snap["tables"]
    assert {k: v for k, v in again["workspace"].items() if k != "clock"} == \
           {k: v for k, v in snap["workspace"].items() if k != "clock"}
    assert again["workspace"]["clock"]["base"] == snap["workspace"]["clock"]["base"]


def test_a_snapshot_can_be_restored_into_another_workspace(toy_client, ws):
    made = make_thing(toy_client, ws["keys"]["toy"], "copied")
    snap = toy_client.get(f"/_sim/workspaces/{ws['id']}/snapshot").get_json()
    other = toy_client.post("/_sim/workspaces").get_json()
    toy_client.put(f"/_sim/workspaces/{other['id']}/snapshot", json=snap)
    r = toy_client.get(f"/toy/v1/things/{made['id']}", headers=auth(other["keys"]["toy"]))
    assert r.get_json()["name"] == "copied"


def test_pending_jobs_in_a_snapshot_run_after_restore(toy_client, ws):
    toy_client.post("/toy/v1/things/thing_fixture/ping-later", json={"after": 60}, headers=auth(ws["keys"]["toy"]))
    snap = toy_client.get(f"/_sim/workspaces/{ws['id']}/snapshot").get_json()
    toy_client.post(f"/_sim/workspaces/{ws['id']}/reset")
    toy_client.put(f"/_sim/workspaces/{ws['id']}/snapshot", json=snap)
    r = toy_client.post(f"/_sim/workspaces/{ws['id']}/clock/advance", json={"seconds": 60})
    assert r.get_json()["jobs_run"] == 1


def test_get_snapshot_of_an_unknown_workspace_is_404(toy_client):
    expect_problem(toy_client.get("/_sim/workspaces/ws_nope/snapshot"), 404)


def test_put_snapshot_of_an_unknown_workspace_is_404(toy_client, ws):
    snap = toy_client.get(f"/_sim/workspaces/{ws['id']}/snapshot").get_json()
    expect_problem(toy_client.put("/_sim/workspaces/ws_nope/snapshot", json=snap), 404)


def test_put_snapshot_with_malformed_json_is_400(toy_client, ws):
    r = toy_client.put(f"/_sim/workspaces/{ws['id']}/snapshot", data="{", content_type="application/json")
    expect_problem(r, 400, "Request body is not valid JSON")


def test_put_snapshot_without_workspace_and_tables_is_422(toy_client, ws):
    expect_problem(toy_client.put(f"/_sim/workspaces/{ws['id']}/snapshot", json={"tables": {}}), 422,
                   "snapshot must be an object with 'workspace' and 'tables'")


@pytest.mark.parametrize(("change", "field"), [
    (lambda s: s["workspace"].pop("clock"), "workspace.clock"),
    (lambda s: s["workspace"]["clock"].update(base="soon"), "workspace.clock"),
    (lambda s: s["workspace"]["clock"].update(base=1e15), "workspace.clock"),
    (lambda s: s["workspace"]["clock"].update(rate=-1), "workspace.clock.rate"),
    (lambda s: s["workspace"].update(seed=True), "workspace.seed"),
    (lambda s: s["workspace"].pop("seed"), "workspace.seed"),
    (lambda s: s["workspace"].update(counters={"x": "1"}), "workspace.counters"),
    (lambda s: s["workspace"].update(profile=[]), "workspace.profile"),
    (lambda s: s["workspace"].update(name=5), "workspace.name"),
    (lambda s: s["tables"].update({"toy/things": ["not", "a", "table"]}), "tables.toy/things"),
    (lambda s: s["tables"].update({"toy/things": {"a": "not a document"}}), "tables.toy/things"),
    (lambda s: s["tables"].update({"core/jobs": {"job_1": {"kind": "toy.ping"}}}), "tables.core/jobs"),
])
def test_put_snapshot_with_a_broken_part_is_422_and_changes_nothing(toy_client, ws, change, field):
    good = toy_client.get(f"/_sim/workspaces/{ws['id']}/snapshot").get_json()
    bad = copy.deepcopy(good)
    change(bad)
    problem = expect_problem(toy_client.put(f"/_sim/workspaces/{ws['id']}/snapshot", json=bad), 422,
                             "snapshot is not one leadsim wrote")
    assert [e["field"] for e in problem["errors"]] == [field]
    assert toy_client.get(f"/_sim/workspaces/{ws['id']}/snapshot").get_json()["tables"] == good["tables"]
    assert toy_client.post(f"/_sim/workspaces/{ws['id']}/clock/advance", json={"seconds": 60}).status_code == 200
