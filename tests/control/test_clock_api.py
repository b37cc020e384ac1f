"""/_sim clock: read it, advance by seconds or to an ISO time, change its mode; bad input is a 4xx."""

from __future__ import annotations

import pytest

from tests.control.conftest import auth, expect_problem


def advance(client, ws_id, **body):
    return client.post(f"/_sim/workspaces/{ws_id}/clock/advance", json=body)


def test_get_clock_shows_now_and_mode(toy_client, ws):
    r = toy_client.get(f"/_sim/workspaces/{ws['id']}/clock")
    assert r.get_json() == {"now": "2025-01-15T10:00:00Z", "mode": "manual"}


def test_advance_by_seconds_moves_the_clock(toy_client, ws):
    r = advance(toy_client, ws["id"], seconds=7200)
    assert r.status_code == 200
    assert r.get_json() == {"now": "2025-01-15T12:00:00Z", "jobs_run": 0, "webhooks_attempted": 0}
    assert toy_client.get(f"/_sim/workspaces/{ws['id']}/clock").get_json()["now"] == "2025-01-15T12:00:00Z"


def test_advance_accepts_fractional_seconds(toy_client, ws):
    assert advance(toy_client, ws["id"], seconds=1.5).status_code == 200


def test_advance_to_an_iso_time(toy_client, ws):
    r = advance(toy_client, ws["id"], to="2025-01-16T09:30:00Z")
    assert r.get_json()["now"] == "2025-01-16T09:30:00Z"


def test_advance_to_an_iso_time_with_an_offset(toy_client, ws):
    r = advance(toy_client, ws["id"], to="2025-01-15T12:00:00+01:00")
    assert r.get_json()["now"] == "2025-01-15T11:00:00Z"


def test_advance_to_now_is_allowed(toy_client, ws):
    assert advance(toy_client, ws["id"], to="2025-01-15T10:00:00Z").status_code == 200


def test_advance_runs_due_jobs_and_counts_them(toy_client, ws):
    key = auth(ws["keys"]["toy"])
    toy_client.post("/toy/v1/things/thing_fixture/ping-later", json={"after": 600}, headers=key)
    assert advance(toy_client, ws["id"], seconds=599).get_json()["jobs_run"] == 0
    assert advance(toy_client, ws["id"], seconds=1).get_json()["jobs_run"] == 1
    thing = toy_client.get("/toy/v1/things/thing_fixture", headers=key).get_json()
    assert thing["pings"] == 1
    assert thing["pinged_at"] == "2025-01-15T10:10:00Z"


def test_advance_backwards_by_seconds_is_422(toy_client, ws):
    problem = expect_problem(advance(toy_client, ws["id"], seconds=-1), 422, "time only moves forward")
    assert problem["errors"] == [{"field": "seconds", "kind": "value", "message": "seconds must not be negative"}]


def test_advance_to_an_earlier_time_is_422(toy_client, ws):
    problem = expect_problem(advance(toy_client, ws["id"], to="2025-01-15T09:59:59Z"), 422, "time only moves forward")
    assert problem["errors"] == [{"field": "to", "kind": "value", "message": "to is before now (2025-01-15T10:00:00Z)"}]


def test_a_refused_advance_leaves_the_clock_alone(toy_client, ws):
    advance(toy_client, ws["id"], seconds=-100)
    assert toy_client.get(f"/_sim/workspaces/{ws['id']}/clock").get_json()["now"] == "2025-01-15T10:00:00Z"


@pytest.mark.parametrize("seconds", ["60", True, [], {}, "2h"])
def test_advance_with_seconds_of_the_wrong_type_is_422(toy_client, ws, seconds):
    problem = expect_problem(advance(toy_client, ws["id"], seconds=seconds), 422, "seconds must be a number")
    assert problem["errors"] == [{"field": "seconds", "kind": "type", "message": "seconds must be a number"}]


@pytest.mark.parametrize("raw", ['{"seconds": NaN}', '{"seconds": Infinity}', '{"seconds": -Infinity}', '{"seconds": 1e400}'])
def test_advance_with_non_finite_seconds_is_400_not_json(toy_client, ws, raw):
    # NaN/Infinity are not JSON, and 1e400 has no finite value: the body is rejected before any field is read
    r = toy_client.post(f"/_sim/workspaces/{ws['id']}/clock/advance", data=raw, content_type="application/json")
    expect_problem(r, 400, "Request body is not valid JSON")


def test_advance_more_than_ten_years_at_once_is_422(toy_client, ws):
    expect_problem(advance(toy_client, ws["id"], seconds=11 * 365 * 86400), 422, "seconds is too large")


@pytest.mark.parametrize("to", ["tomorrow", 1736935200, "2025-13-40T00:00:00Z", ""])
def test_advance_to_something_not_an_iso_time_is_422(toy_client, ws, to):
    problem = expect_problem(advance(toy_client, ws["id"], to=to), 422, "to must be an ISO-8601 time")
    assert problem["errors"][0]["field"] == "to"


def test_advance_past_the_year_9000_is_422_and_the_clock_still_works(toy_client, ws):
    expect_problem(advance(toy_client, ws["id"], to="9999-12-31T23:59:59Z"), 422, "time cannot pass the year 9000")
    assert advance(toy_client, ws["id"], seconds=60).status_code == 200


def test_advance_with_both_seconds_and_to_is_422(toy_client, ws):
    expect_problem(advance(toy_client, ws["id"], seconds=60, to="2025-01-16T00:00:00Z"), 422,
                   "give exactly one of seconds or to")


def test_advance_with_neither_seconds_nor_to_is_422(toy_client, ws):
    expect_problem(advance(toy_client, ws["id"]), 422, "give exactly one of seconds or to")


def test_advance_with_an_empty_body_is_400(toy_client, ws):
    expect_problem(toy_client.post(f"/_sim/workspaces/{ws['id']}/clock/advance"), 400, "Request body is required")


def test_advance_with_malformed_json_is_400(toy_client, ws):
    r = toy_client.post(f"/_sim/workspaces/{ws['id']}/clock/advance", data="{seconds: 5", content_type="application/json")
    expect_problem(r, 400, "Request body is not valid JSON")


def test_advance_with_a_body_that_is_not_an_object_is_400(toy_client, ws):
    r = toy_client.post(f"/_sim/workspaces/{ws['id']}/clock/advance", json=[60])
    expect_problem(r, 400, "Request body must be a JSON object")


def test_advance_of_an_unknown_workspace_is_404(toy_client):
    expect_problem(advance(toy_client, "ws_nope", seconds=60), 404, "workspace ws_nope not found")


def test_get_clock_of_an_unknown_workspace_is_404(toy_client):
    expect_problem(toy_client.get("/_sim/workspaces/ws_nope/clock"), 404)


def test_put_clock_changes_the_mode(toy_client, ws):
    r = toy_client.put(f"/_sim/workspaces/{ws['id']}/clock", json={"mode": "60x"})
    assert r.status_code == 200
    assert r.get_json()["mode"] == "60x"
    assert toy_client.get(f"/_sim/workspaces/{ws['id']}/clock").get_json()["mode"] == "60x"


def test_put_clock_back_to_manual(toy_client, ws):
    toy_client.put(f"/_sim/workspaces/{ws['id']}/clock", json={"mode": "realtime"})
    r = toy_client.put(f"/_sim/workspaces/{ws['id']}/clock", json={"mode": "manual"})
    assert r.get_json()["mode"] == "manual"


@pytest.mark.parametrize("mode", ["warp", 60, None, "0x"])
def test_put_clock_with_a_bad_mode_is_422(toy_client, ws, mode):
    problem = expect_problem(toy_client.put(f"/_sim/workspaces/{ws['id']}/clock", json={"mode": mode}), 422)
    assert problem["errors"][0]["field"] == "mode"


def test_put_clock_without_mode_is_422(toy_client, ws):
    expect_problem(toy_client.put(f"/_sim/workspaces/{ws['id']}/clock", json={}), 422, "mode is required")
