"""/_sim faults: forced statuses in the vendor's envelope, latency, counts, probability, dropped connections."""

from __future__ import annotations

import pytest
import requests

from sim.web import pipeline
from tests.control.conftest import auth, expect_problem


def add_fault(client, ws_id, **rule):
    r = client.post(f"/_sim/workspaces/{ws_id}/faults", json=rule)
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.get_json()


def get_fixture(client, key):
    return client.get("/toy/v1/things/thing_fixture", headers=auth(key))


def test_add_fault_returns_201_with_the_normalised_rule(toy_client, ws):
    rule = add_fault(toy_client, ws["id"], vendor="toy", method="get", path="/toy/v1/things/*", status=503)
    assert rule["id"].startswith("flt_")
    assert {k: v for k, v in rule.items() if k != "id"} == {
        "vendor": "toy", "method": "GET", "path": "/toy/v1/things/*", "action": "status", "status": 503,
        "latency_ms": 0, "count": None, "probability": None, "message": None, "code": None, "retry_after": None, "hits": 0}


def test_a_status_fault_answers_in_the_vendors_envelope(toy_client, ws):
    add_fault(toy_client, ws["id"], path="/toy/v1/things/*", status=503)
    r = get_fixture(toy_client, ws["keys"]["toy"])
    assert r.status_code == 503
    error = r.get_json()["error"]
    assert (error["code"], error["message"]) == ("unavailable", "Injected fault")
    assert error["request_id"].startswith("req_")


def test_a_status_fault_with_its_own_code_and_message(toy_client, ws):
    add_fault(toy_client, ws["id"], path="*", status=409, code="already_locked", message="busy")
    error = get_fixture(toy_client, ws["keys"]["toy"]).get_json()["error"]
    assert (error["code"], error["message"]) == ("already_locked", "busy")


def test_a_429_fault_sends_retry_after(toy_client, ws):
    add_fault(toy_client, ws["id"], path="*", status=429, retry_after=30)
    r = get_fixture(toy_client, ws["keys"]["toy"])
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "30"
    assert r.get_json()["error"]["code"] == "rate_limited"


def test_a_429_fault_without_retry_after_sends_one_second(toy_client, ws):
    add_fault(toy_client, ws["id"], path="*", status=429)
    assert get_fixture(toy_client, ws["keys"]["toy"]).headers["Retry-After"] == "1"


def test_a_fault_matches_the_vendors_real_path_too(toy_client, ws):
    add_fault(toy_client, ws["id"], path="/v1/things/thing_fixture", status=500)
    assert get_fixture(toy_client, ws["keys"]["toy"]).status_code == 500


def test_a_fault_only_matches_its_method(toy_client, ws):
    add_fault(toy_client, ws["id"], method="POST", path="*", status=500)
    key = ws["keys"]["toy"]
    assert get_fixture(toy_client, key).status_code == 200
    assert toy_client.post("/toy/v1/things", json={"name": "x"}, headers=auth(key)).status_code == 500


def test_a_fault_only_matches_its_path_pattern(toy_client, ws):
    add_fault(toy_client, ws["id"], path="/toy/v1/things/*/lock", status=500)
    key = ws["keys"]["toy"]
    assert get_fixture(toy_client, key).status_code == 200
    assert toy_client.post("/toy/v1/things/thing_fixture/lock", headers=auth(key)).status_code == 500


def test_a_fault_for_another_vendor_does_not_fire(toy_app, ws):
    toy_app.extensions["sim"].specs["other"] = toy_app.extensions["sim"].specs["toy"]  # a second vendor name to aim at
    client = toy_app.test_client()
    add_fault(client, ws["id"], vendor="other", path="*", status=500)
    assert get_fixture(client, ws["keys"]["toy"]).status_code == 200


def test_a_counted_fault_fires_that_many_times_then_goes_away(toy_client, ws):
    add_fault(toy_client, ws["id"], path="*", status=503, count=2)
    key = ws["keys"]["toy"]
    assert [get_fixture(toy_client, key).status_code for _ in range(4)] == [503, 503, 200, 200]
    assert toy_client.get(f"/_sim/workspaces/{ws['id']}/faults").get_json() == {"faults": []}


def test_a_fault_without_count_keeps_firing_and_counts_hits(toy_client, ws):
    rule = add_fault(toy_client, ws["id"], path="*", status=503)
    key = ws["keys"]["toy"]
    assert [get_fixture(toy_client, key).status_code for _ in range(3)] == [503, 503, 503]
    [listed] = toy_client.get(f"/_sim/workspaces/{ws['id']}/faults").get_json()["faults"]
    assert (listed["id"], listed["hits"]) == (rule["id"], 3)


def test_probability_zero_never_fires_and_one_always_fires(toy_client, ws):
    key = ws["keys"]["toy"]
    never = add_fault(toy_client, ws["id"], path="*", status=500, probability=0)
    assert {get_fixture(toy_client, key).status_code for _ in range(10)} == {200}
    toy_client.delete(f"/_sim/workspaces/{ws['id']}/faults/{never['id']}")
    add_fault(toy_client, ws["id"], path="*", status=500, probability=1)
    assert {get_fixture(toy_client, key).status_code for _ in range(10)} == {500}


def test_probability_fires_on_some_requests_the_same_way_for_the_same_seed(toy_client):
    outcomes = []
    for _ in range(2):
        w = toy_client.post("/_sim/workspaces", json={"seed": 99}).get_json()
        add_fault(toy_client, w["id"], path="*", status=500, probability=0.5)
        outcomes.append([get_fixture(toy_client, w["keys"]["toy"]).status_code for _ in range(40)])
    assert outcomes[0] == outcomes[1]
    assert 5 < outcomes[0].count(500) < 35


def test_a_latency_fault_delays_then_answers_normally(toy_client, ws, monkeypatch):
    slept = []
    monkeypatch.setattr(pipeline.time, "sleep", slept.append)
    add_fault(toy_client, ws["id"], path="*", latency_ms=250)
    assert get_fixture(toy_client, ws["keys"]["toy"]).status_code == 200
    assert slept == [0.25]


def test_a_status_fault_can_add_latency_too(toy_client, ws, monkeypatch):
    slept = []
    monkeypatch.setattr(pipeline.time, "sleep", slept.append)
    add_fault(toy_client, ws["id"], path="*", status=502, latency_ms=100)
    assert get_fixture(toy_client, ws["keys"]["toy"]).status_code == 502
    assert slept == [0.1]


def test_the_journal_records_the_injected_response(toy_client, ws):
    add_fault(toy_client, ws["id"], path="*", status=503)
    get_fixture(toy_client, ws["keys"]["toy"])
    [entry] = toy_client.get(f"/_sim/workspaces/{ws['id']}/journal").get_json()["entries"]
    assert entry["status"] == 503


def test_a_fault_in_one_workspace_leaves_others_alone(toy_client, ws):
    add_fault(toy_client, ws["id"], path="*", status=503)
    assert get_fixture(toy_client, "TOY_KEY").status_code == 200


def test_a_fault_does_not_run_the_handler(toy_client, ws):
    add_fault(toy_client, ws["id"], method="POST", path="*", status=500)
    toy_client.post("/toy/v1/things", json={"name": "x"}, headers=auth(ws["keys"]["toy"]))
    snap = toy_client.get(f"/_sim/workspaces/{ws['id']}/snapshot").get_json()
    assert list(snap["tables"]["toy/things"]) == ["thing_fixture"]


def test_delete_one_fault(toy_client, ws):
    a = add_fault(toy_client, ws["id"], path="/a", status=500)
    b = add_fault(toy_client, ws["id"], path="/b", status=500)
    assert toy_client.delete(f"/_sim/workspaces/{ws['id']}/faults/{a['id']}").status_code == 204
    assert [f["id"] for f in toy_client.get(f"/_sim/workspaces/{ws['id']}/faults").get_json()["faults"]] == [b["id"]]


def test_delete_every_fault(toy_client, ws):
    add_fault(toy_client, ws["id"], path="/a", status=500)
    add_fault(toy_client, ws["id"], path="/b", status=500)
    assert toy_client.delete(f"/_sim/workspaces/{ws['id']}/faults").status_code == 204
    assert toy_client.get(f"/_sim/workspaces/{ws['id']}/faults").get_json() == {"faults": []}


def test_delete_an_unknown_fault_is_404(toy_client, ws):
    expect_problem(toy_client.delete(f"/_sim/workspaces/{ws['id']}/faults/flt_nope"), 404, "fault flt_nope not found")


@pytest.mark.parametrize(("rule", "field"), [
    ({}, "action"),
    ({"action": "explode"}, "action"),
    ({"status": 200}, "status"),
    ({"status": "500"}, "status"),
    ({"status": True}, "status"),
    ({"latency_ms": -1}, "latency_ms"),
    ({"latency_ms": 60_001}, "latency_ms"),
    ({"status": 500, "count": 0}, "count"),
    ({"status": 500, "count": 1.5}, "count"),
    ({"status": 500, "probability": 1.5}, "probability"),
    ({"status": 500, "method": 5}, "method"),
    ({"status": 500, "path": ["*"]}, "path"),
    ({"status": 500, "vendor": "nope"}, "vendor"),
    ({"status": 429, "retry_after": -1}, "retry_after"),
])
def test_a_bad_fault_rule_is_422(toy_client, ws, rule, field):
    problem = expect_problem(toy_client.post(f"/_sim/workspaces/{ws['id']}/faults", json=rule), 422)
    assert [e["field"] for e in problem["errors"]] == [field]


def test_add_fault_to_an_unknown_workspace_is_404_whatever_the_body(toy_client):
    expect_problem(toy_client.post("/_sim/workspaces/ws_nope/faults", json={"action": "explode"}), 404)


def test_list_faults_of_an_unknown_workspace_is_404(toy_client):
    expect_problem(toy_client.get("/_sim/workspaces/ws_nope/faults"), 404)


def test_a_fault_aimed_at_background_work_is_taken_by_the_job(toy_app, ws):
    client = toy_app.test_client()
    add_fault(client, ws["id"], method="JOB", path="toy.ping", status=500, count=1)
    sim = toy_app.extensions["sim"]
    ctx = sim.context(ws["id"], "toy")
    with sim.store.batch():
        assert ctx.take_fault("JOB", "toy.other") is None
        fired = ctx.take_fault("JOB", "toy.ping")
        assert fired["status"] == 500
        assert ctx.take_fault("JOB", "toy.ping") is None


def test_a_job_fault_does_not_hit_http_requests(toy_client, ws):
    add_fault(toy_client, ws["id"], method="JOB", path="*", status=500)
    assert get_fixture(toy_client, ws["keys"]["toy"]).status_code == 200


# --- a dropped connection, on a real waitress server ---------------------------------------------

def test_a_drop_fault_closes_the_connection_without_an_answer(live):
    requests.post(f"{live}/_sim/workspaces/default/faults", json={"action": "drop", "path": "*", "count": 1}, timeout=5)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{live}/toy/v1/things/thing_fixture", headers=auth("TOY_KEY"), timeout=5)


def test_the_server_answers_again_after_a_dropped_connection(live):
    requests.post(f"{live}/_sim/workspaces/default/faults", json={"action": "drop", "path": "*", "count": 1}, timeout=5)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{live}/toy/v1/things/thing_fixture", headers=auth("TOY_KEY"), timeout=5)
    r = requests.get(f"{live}/toy/v1/things/thing_fixture", headers=auth("TOY_KEY"), timeout=5)
    assert r.status_code == 200
