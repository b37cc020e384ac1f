"""/_sim journal: every vendor API request of a workspace, filtered by vendor and limited."""

from __future__ import annotations

import pytest

from tests.control.conftest import auth, expect_problem


def journal(client, ws_id, query=""):
    r = client.get(f"/_sim/workspaces/{ws_id}/journal{query}")
    assert r.status_code == 200
    return r.get_json()["entries"]


def test_journal_records_each_request_with_time_method_path_status_and_bodies(toy_client, ws):
    key = ws["keys"]["toy"]
    made = toy_client.post("/toy/v1/things?src=test", json={"name": "j"}, headers=auth(key)).get_json()
    [entry] = journal(toy_client, ws["id"])
    assert entry["at"] == "2025-01-15T10:00:00Z"
    assert entry["vendor"] == "toy"
    assert entry["method"] == "POST"
    assert entry["path"] == "/toy/v1/things"
    assert entry["route"] == "/v1/things"
    assert entry["query"] == "src=test"
    assert entry["status"] == 201
    assert entry["request"] == {"name": "j"}
    assert entry["response"] == made
    assert entry["key"] == key[-4:]
    assert entry["request_id"].startswith("req_")
    assert entry["seq"] == 1


def test_journal_records_errors_too(toy_client, ws):
    toy_client.get("/toy/v1/things/thing_nope", headers=auth(ws["keys"]["toy"]))
    [entry] = journal(toy_client, ws["id"])
    assert entry["status"] == 404
    assert entry["response"]["error"]["code"] == "thing_not_found"


def test_journal_keeps_a_body_that_is_not_json_as_text(toy_client, ws):
    toy_client.post("/toy/v1/things", data="not json", content_type="application/json", headers=auth(ws["keys"]["toy"]))
    [entry] = journal(toy_client, ws["id"])
    assert entry["status"] == 400
    assert entry["request"] == "not json"


def test_journal_does_not_record_requests_without_a_valid_key(toy_client, ws):
    toy_client.get("/toy/v1/things/thing_fixture", headers=auth("toy_live_nope"))
    assert journal(toy_client, ws["id"]) == []


def test_journal_is_in_request_order(toy_client, ws):
    key = auth(ws["keys"]["toy"])
    for name in ("a", "b", "c"):
        toy_client.post("/toy/v1/things", json={"name": name}, headers=key)
    assert [e["request"]["name"] for e in journal(toy_client, ws["id"])] == ["a", "b", "c"]


def test_journal_limit_keeps_the_latest_entries(toy_client, ws):
    key = auth(ws["keys"]["toy"])
    for name in ("a", "b", "c"):
        toy_client.post("/toy/v1/things", json={"name": name}, headers=key)
    assert [e["request"]["name"] for e in journal(toy_client, ws["id"], "?limit=2")] == ["b", "c"]


def test_journal_vendor_filter(toy_client, ws):
    toy_client.get("/toy/v1/things/thing_fixture", headers=auth(ws["keys"]["toy"]))
    assert len(journal(toy_client, ws["id"], "?vendor=toy")) == 1
    assert journal(toy_client, ws["id"], "?vendor=leadterra") == []


def test_journal_of_one_workspace_does_not_show_another(toy_client, ws):
    toy_client.get("/toy/v1/things/thing_fixture", headers=auth("TOY_KEY"))
    assert journal(toy_client, ws["id"]) == []
    assert len(journal(toy_client, "default")) == 1


@pytest.mark.parametrize("limit", ["abc", "-1", "1.5"])
def test_journal_with_a_bad_limit_is_422(toy_client, ws, limit):
    expect_problem(toy_client.get(f"/_sim/workspaces/{ws['id']}/journal?limit={limit}"), 422)


def test_journal_of_an_unknown_workspace_is_404(toy_client):
    expect_problem(toy_client.get("/_sim/workspaces/ws_nope/journal"), 404)


def test_journal_keeps_only_the_newest_entries_past_its_cap(toy_app, ws):
    sim = toy_app.extensions["sim"]
    sim.journal.max_entries = 3
    client = toy_app.test_client()
    key = auth(ws["keys"]["toy"])
    for name in ("a", "b", "c", "d", "e"):
        client.post("/toy/v1/things", json={"name": name}, headers=key)
    assert [e["request"]["name"] for e in journal(client, ws["id"])] == ["c", "d", "e"]
