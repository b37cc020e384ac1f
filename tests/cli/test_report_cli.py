"""leadsim report, deliveries --limit and faults add --action, against the live toy-vendor server."""

from __future__ import annotations

import json

from tests.cli.conftest import START, toy


def test_report_json_is_the_report_of_the_workspace(run, live, workspace):
    toy(live, workspace, "GET", "/things/nope")
    result = run("report", workspace["id"], "--json")
    assert result.exit_code == 0
    rep = json.loads(result.stdout)
    assert (rep["workspace"], rep["generated_at"], rep["ok"], rep["requests"]) == (workspace["id"], START, True, 1)
    assert [(f["rule"], f["vendor"], f["severity"], f["count"], f["journal_seqs"]) for f in rep["findings"]] == [
        ("client_errors", "toy", "info", 1, [1])]


def test_report_of_an_empty_workspace_prints_ok_and_no_findings(run, workspace):
    result = run("report", workspace["id"])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [f"report of {workspace['id']} at {START}: ok; 0 requests", "no findings"]


def test_report_human_output_lists_each_finding_with_its_guidance(run, live, workspace):
    toy(live, workspace, "GET", "/things/nope")
    out = run("report", workspace["id"]).stdout
    assert out.splitlines()[0] == f"report of {workspace['id']} at {START}: ok; 1 requests"
    assert "client_errors" in out
    assert "toy answered 404" in out


def test_report_of_an_unknown_workspace_is_404(run):
    result = run("report", "ws_missing")
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: 404 Not Found: workspace ws_missing not found"


def test_deliveries_limit_keeps_the_last_attempts(run, live, workspace, receiver):
    assert toy(live, workspace, "POST", "/webhooks", json={"url": receiver.url}).status_code == 201
    for name in ("a", "b", "c"):
        toy(live, workspace, "POST", "/things", json={"name": name})
    run("clock", "advance", workspace["id"], "0s")
    every = json.loads(run("deliveries", workspace["id"], "--json").stdout)
    last = json.loads(run("deliveries", workspace["id"], "--limit", "2", "--json").stdout)
    assert len(every) == 3
    assert last == every[-2:]


def test_faults_add_action_latency_adds_latency(run, workspace):
    rule = json.loads(run("faults", "add", workspace["id"], "--action", "latency", "--latency-ms", "5", "--json").stdout)
    assert (rule["action"], rule["latency_ms"]) == ("latency", 5)


def test_faults_add_action_drop(run, workspace):
    rule = json.loads(run("faults", "add", workspace["id"], "--action", "drop", "--json").stdout)
    assert rule["action"] == "drop"


def test_faults_add_rejects_an_unknown_action_as_a_usage_error(run, workspace):
    result = run("faults", "add", workspace["id"], "--action", "explode")
    assert result.exit_code == 2
    assert "'explode' is not one of 'status', 'latency', 'drop'" in result.stderr


def test_advance_in_chunks_reaches_the_same_state_as_one_advance(run, live, workspace):
    from sim.cli import advance_in_chunks
    from sim.client import Client

    thing = toy(live, workspace, "POST", "/things", json={"name": "a"}).json()
    for after in (3600, 90_000, 200_000):
        assert toy(live, workspace, "POST", f"/things/{thing['id']}/ping-later", json={"after": after}).status_code == 202
    steps = []
    with Client(live.url) as client:
        data = advance_in_chunks(client, workspace["id"], 3 * 86400 + 10, 86400, steps.append)
    assert data == {"now": "2025-01-18T09:00:10Z", "jobs_run": 3, "webhooks_attempted": 0}
    assert steps == [86400, 2 * 86400, 3 * 86400, 3 * 86400 + 10]
    assert toy(live, workspace, "GET", f"/things/{thing['id']}").json()["pings"] == 3
