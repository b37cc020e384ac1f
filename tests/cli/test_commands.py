"""The leadsim commands that drive a running server over /_sim: human output, --json output and errors."""

from __future__ import annotations

import json
import socket

from click.testing import CliRunner

from sim import __version__
from sim.cli import EXIT_ERROR, EXIT_UNREACHABLE, LiveServer, cli
from sim.config import Config
from tests.cli.conftest import START, toy
from tests.support.toyvendor import toy_spec


def rows(text: str) -> list[list[str]]:
    """A printed table as words per line, without the rule under the header."""
    return [line.split() for line in text.splitlines() if line.strip() and set(line.strip()) != {"─"}]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- health and connection settings ------------------------------------------------------------
def test_health_prints_version_and_url(run, live):
    result = run("health")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"leadsim {__version__} is ok at {live.url}"


def test_health_json_is_the_health_body(run):
    result = run("health", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"status": "ok", "version": __version__}


def test_url_comes_from_the_LEADSIM_URL_environment_variable(run, live):
    result = run("health", "--json", with_url=False, env={"LEADSIM_URL": live.url})
    assert result.exit_code == 0
    assert json.loads(result.stdout)["status"] == "ok"


def test_url_option_after_the_command_overrides_the_group_option(run, live):
    result = run("health", "--url", live.url, url="http://127.0.0.1:1")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"leadsim {__version__} is ok at {live.url}"


def test_json_flag_before_the_command_works_too(run):
    result = run("--json", "health")
    assert json.loads(result.stdout)["status"] == "ok"


def test_no_server_prints_a_clear_message_and_exits_3_without_traceback(run):
    url = f"http://127.0.0.1:{_free_port()}"
    result = run("workspace", "list", url=url)
    assert result.exit_code == EXIT_UNREACHABLE
    assert result.stderr.startswith(f"Error: no leadsim server answers at {url} (connection refused).")
    assert "leadsim serve" in result.stderr
    assert "Traceback" not in result.output


def test_no_server_with_json_prints_an_error_object(run):
    url = f"http://127.0.0.1:{_free_port()}"
    result = run("health", "--json", url=url)
    assert result.exit_code == EXIT_UNREACHABLE
    assert json.loads(result.stdout) == {"error": "unreachable", "url": url,
                                         "detail": f"no leadsim server answers at {url} (connection refused)"}


def test_python_dash_m_sim_runs_the_same_cli():
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "sim", "--version"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"leadsim, version {__version__}"


# --- workspaces ---------------------------------------------------------------------------------
def test_workspace_create_json_returns_id_keys_and_clock_at_start(workspace):
    assert workspace["id"].startswith("ws_")
    assert workspace["seed"] == 7
    assert workspace["clock"] == {"now": START, "mode": "manual"}
    assert workspace["keys"]["toy"].startswith("toy_live_")


def test_workspace_create_human_output_shows_id_clock_and_keys(run, live):
    result = run("workspace", "create", "--name", "demo", "--seed", "abc", "--start", START)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    ws_id = lines[0].split()[2]
    keys = live.sim.keys(ws_id)
    assert lines[0] == f"created workspace {ws_id} (name: demo, seed: abc, fixtures: default)"
    assert lines[1] == f"clock: {START} (manual)"
    assert ["toy", keys["toy"]] in rows(result.stdout)


def test_workspace_create_with_a_bad_start_prints_the_problem_and_its_field(run):
    result = run("workspace", "create", "--start", "yesterday")
    assert result.exit_code == EXIT_ERROR
    assert result.stderr.splitlines() == ["Error: 422 Unprocessable Content: start must be an ISO-8601 time",
                                          "  - start: start must be an ISO-8601 time"]


def test_workspace_create_error_with_json_prints_the_problem_body(run):
    result = run("workspace", "create", "--fixtures", "nope", "--json")
    assert result.exit_code == EXIT_ERROR
    body = json.loads(result.stdout)
    assert body["status"] == 422
    assert body["detail"] == "unknown fixture set 'nope'"
    assert body["errors"] == [{"field": "fixtures", "kind": "value", "message": "unknown fixture set 'nope'"}]


def test_workspace_list_shows_each_workspace_in_a_table(run, workspace):
    result = run("workspace", "list")
    assert result.exit_code == 0
    table = rows(result.stdout)
    assert table[0] == ["id", "name", "seed", "now", "clock", "fixtures"]
    assert [workspace["id"], workspace["name"], "7", START, "manual", "default"] in table


def test_workspace_list_json_is_a_list_of_workspaces(run, workspace):
    result = run("workspace", "list", "--json")
    ids = [ws["id"] for ws in json.loads(result.stdout)]
    assert "default" in ids
    assert workspace["id"] in ids


def test_workspace_show_prints_the_workspace(run, workspace):
    result = run("workspace", "show", workspace["id"], "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == workspace


def test_workspace_show_unknown_prints_404_detail_and_exits_1(run):
    result = run("workspace", "show", "ws_missing")
    assert result.exit_code == EXIT_ERROR
    assert result.stderr.strip() == "Error: 404 Not Found: workspace ws_missing not found"
    assert result.stdout == ""


def test_workspace_delete_removes_it(run, workspace):
    result = run("workspace", "delete", workspace["id"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"deleted workspace {workspace['id']}"
    assert run("workspace", "show", workspace["id"]).exit_code == EXIT_ERROR


def test_deleting_the_default_workspace_is_a_409(run):
    result = run("workspace", "delete", "default")
    assert result.exit_code == EXIT_ERROR
    assert result.stderr.strip() == "Error: 409 Conflict: the default workspace cannot be deleted; reset it instead"


# --- clock --------------------------------------------------------------------------------------
def test_clock_show_prints_now_and_mode(run, workspace):
    result = run("clock", "show", workspace["id"])
    assert result.stdout.strip() == f"{workspace['id']}: {START} (manual)"


def test_clock_advance_by_a_duration_moves_the_clock(run, workspace):
    result = run("clock", "advance", workspace["id"], "2h", "--json")
    assert result.exit_code == 0
    assert result.stderr == ""  # no spinner when stderr is not a terminal
    assert json.loads(result.stdout) == {"now": "2025-01-15T11:00:00Z", "jobs_run": 0, "webhooks_attempted": 0}


def test_clock_advance_human_output_counts_jobs_and_webhooks(run, workspace):
    result = run("clock", "advance", workspace["id"], "1w")
    assert result.stdout.strip() == f"{workspace['id']}: now 2025-01-22T09:00:00Z; 0 jobs run, 0 webhook attempts"


def test_clock_advance_to_an_iso_time(run, workspace):
    result = run("clock", "advance", workspace["id"], "--to", "2025-02-01T00:00:00Z", "--json")
    assert json.loads(result.stdout)["now"] == "2025-02-01T00:00:00Z"


def test_clock_advance_runs_the_jobs_that_fall_due(run, live, workspace):
    thing = toy(live, workspace, "POST", "/things", json={"name": "a"}).json()
    assert toy(live, workspace, "POST", f"/things/{thing['id']}/ping-later", json={"after": 3600}).status_code == 202
    result = run("clock", "advance", workspace["id"], "90m", "--json")
    assert json.loads(result.stdout)["jobs_run"] == 1
    assert toy(live, workspace, "GET", f"/things/{thing['id']}").json()["pings"] == 1


def test_clock_advance_backwards_prints_the_problem_and_exits_1(run, workspace):
    result = run("clock", "advance", workspace["id"], "--to", "2025-01-01T00:00:00Z")
    assert result.exit_code == EXIT_ERROR
    assert result.stderr.splitlines() == ["Error: 422 Unprocessable Content: time only moves forward",
                                          f"  - to: to is before now ({START})"]


def test_clock_advance_with_a_bad_duration_is_a_usage_error(run, workspace):
    result = run("clock", "advance", workspace["id"], "soon")
    assert result.exit_code == 2
    assert "not a duration: 'soon' (use e.g. 90s, 15m, 2h, 3d)" in result.stderr


def test_clock_advance_needs_a_duration_or_to(run, workspace):
    result = run("clock", "advance", workspace["id"])
    assert result.exit_code == 2
    assert "give a DURATION (like 2h) or --to ISO" in result.stderr


def test_clock_advance_of_an_unknown_workspace_is_404(run):
    result = run("clock", "advance", "ws_missing", "1h")
    assert result.exit_code == EXIT_ERROR
    assert result.stderr.strip() == "Error: 404 Not Found: workspace ws_missing not found"


def test_clock_mode_switches_to_scaled_time(run, workspace):
    result = run("clock", "mode", workspace["id"], "60x", "--json")
    assert json.loads(result.stdout)["mode"] == "60x"


def test_clock_mode_rejects_an_unknown_mode(run, workspace):
    result = run("clock", "mode", workspace["id"], "fast")
    assert result.exit_code == EXIT_ERROR
    assert result.stderr.splitlines()[0] == (
        "Error: 422 Unprocessable Content: clock mode must be manual, realtime or <N>x "
        "with 0 < N <= 10000 (like 60x), not 'fast'")


# --- reset, snapshot, restore -------------------------------------------------------------------
def test_reset_workspace_empties_it_back_to_fixtures_and_start(run, live, workspace):
    thing = toy(live, workspace, "POST", "/things", json={"name": "gone soon"}).json()
    run("clock", "advance", workspace["id"], "3d")
    result = run("reset", workspace["id"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"reset workspace {workspace['id']}; clock {START} (manual)"
    assert toy(live, workspace, "GET", f"/things/{thing['id']}").status_code == 404
    assert toy(live, workspace, "GET", "/things/thing_fixture").json()["name"] == "From fixtures"


def test_reset_without_a_workspace_leaves_only_default():
    server = LiveServer.create(Config(store="memory"), [toy_spec()], port=0).start()
    try:
        runner = CliRunner()
        runner.invoke(cli, ["--url", server.url, "workspace", "create"])
        result = runner.invoke(cli, ["--url", server.url, "reset"])
        assert result.exit_code == 0
        assert result.stdout.strip() == "reset everything: only the 'default' workspace remains, with the same keys"
        listed = runner.invoke(cli, ["--url", server.url, "workspace", "list", "--json"])
        assert [ws["id"] for ws in json.loads(listed.stdout)] == ["default"]
    finally:
        server.stop()


def test_snapshot_then_restore_brings_the_state_back(run, live, workspace, tmp_path):
    kept = toy(live, workspace, "POST", "/things", json={"name": "kept"}).json()
    snap = tmp_path / "snap.json"
    result = run("snapshot", workspace["id"], "-o", str(snap))
    assert result.exit_code == 0
    later = toy(live, workspace, "POST", "/things", json={"name": "later"}).json()
    result = run("restore", workspace["id"], str(snap))
    assert result.exit_code == 0
    assert result.stdout.strip() == f"restored workspace {workspace['id']} from {snap}; clock {START}"
    assert toy(live, workspace, "GET", f"/things/{kept['id']}").status_code == 200
    assert toy(live, workspace, "GET", f"/things/{later['id']}").status_code == 404


def test_snapshot_writes_json_to_stdout(run, workspace):
    result = run("snapshot", workspace["id"])
    snap = json.loads(result.stdout)
    assert snap["workspace"]["seed"] == 7
    assert "thing_fixture" in snap["tables"]["toy/things"]


def test_restore_reads_stdin_with_a_dash(run, workspace):
    snap = run("snapshot", workspace["id"]).stdout
    result = run("restore", workspace["id"], "-", "--json", input=snap)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["id"] == workspace["id"]


def test_restore_of_a_file_that_is_not_json_is_a_usage_error(run, workspace, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = run("restore", workspace["id"], str(bad))
    assert result.exit_code == 2
    assert "not JSON" in result.stderr


def test_restore_of_json_that_is_not_a_snapshot_is_422(run, workspace, tmp_path):
    bad = tmp_path / "other.json"
    bad.write_text('{"hello": 1}')
    result = run("restore", workspace["id"], str(bad))
    assert result.exit_code == EXIT_ERROR
    assert result.stderr.splitlines()[0] == (
        "Error: 422 Unprocessable Content: snapshot must be an object with 'workspace' and 'tables'")


# --- journal and deliveries ---------------------------------------------------------------------
def test_journal_lists_vendor_calls_in_a_table(run, live, workspace):
    created = toy(live, workspace, "POST", "/things", json={"name": "x"})
    toy(live, workspace, "GET", "/things/nope")
    result = run("journal", workspace["id"])
    assert result.exit_code == 0
    table = rows(result.stdout)
    assert table[0] == ["#", "at", "vendor", "method", "path", "status", "ms"]
    assert table[1][:6] == ["1", START, "toy", "POST", "/toy/v1/things", str(created.status_code)]
    assert table[2][:6] == ["2", START, "toy", "GET", "/toy/v1/things/nope", "404"]
    assert table[-1] == ["2", "calls"]


def test_journal_json_has_the_bodies(run, live, workspace):
    toy(live, workspace, "POST", "/things", json={"name": "x"})
    entries = json.loads(run("journal", workspace["id"], "--json").stdout)
    assert len(entries) == 1
    assert entries[0]["request"] == {"name": "x"}
    assert entries[0]["response"]["name"] == "x"


def test_journal_limit_keeps_the_last_calls(run, live, workspace):
    for path in ("/things/a", "/things/b", "/things/c"):
        toy(live, workspace, "GET", path)
    entries = json.loads(run("journal", workspace["id"], "--limit", "2", "--json").stdout)
    assert [e["path"] for e in entries] == ["/toy/v1/things/b", "/toy/v1/things/c"]


def test_journal_vendor_filter_excludes_other_vendors(run, live, workspace):
    toy(live, workspace, "GET", "/things/a")
    assert json.loads(run("journal", workspace["id"], "--vendor", "other", "--json").stdout) == []
    assert len(json.loads(run("journal", workspace["id"], "--vendor", "toy", "--json").stdout)) == 1


def test_deliveries_lists_each_webhook_attempt(run, live, workspace, receiver):
    assert toy(live, workspace, "POST", "/webhooks", json={"url": receiver.url}).status_code == 201
    thing = toy(live, workspace, "POST", "/things", json={"name": "hooked"}).json()
    run("clock", "advance", workspace["id"], "0s")
    attempts = json.loads(run("deliveries", workspace["id"], "--json").stdout)
    assert [(d["event"], d["url"], d["attempt"], d["status"], d["state"]) for d in attempts] == [
        ("thing.created", receiver.url, 1, 204, "delivered")]
    assert json.loads(receiver.bodies[0])["data"]["id"] == thing["id"]
    human = rows(run("deliveries", workspace["id"]).stdout)
    assert human[0] == ["at", "vendor", "event", "url", "attempt", "status", "state", "next", "retry"]
    assert human[1] == [START, "toy", "thing.created", receiver.url, "1", "204", "delivered", "-"]


def test_deliveries_of_an_unknown_workspace_is_404(run):
    result = run("deliveries", "ws_missing")
    assert result.exit_code == EXIT_ERROR
    assert result.stderr.strip() == "Error: 404 Not Found: workspace ws_missing not found"


# --- faults -------------------------------------------------------------------------------------
def test_faults_add_forces_a_status_on_the_next_call(run, live, workspace):
    result = run("faults", "add", workspace["id"], "--vendor", "toy", "--method", "GET", "--path", "/toy/v1/things/*",
                 "--status", "503", "--count", "1", "--json")
    assert result.exit_code == 0
    rule = json.loads(result.stdout)
    assert (rule["action"], rule["status"], rule["count"]) == ("status", 503, 1)
    assert toy(live, workspace, "GET", "/things/thing_fixture").status_code == 503
    assert toy(live, workspace, "GET", "/things/thing_fixture").status_code == 200


def test_faults_add_human_output_describes_the_rule(run, workspace):
    result = run("faults", "add", workspace["id"], "--latency-ms", "250")
    fid = result.stdout.split()[2].rstrip(":")
    assert result.stdout.strip() == f"added fault {fid}: +250 ms on any vendor * * (every time)"


def test_faults_list_and_delete(run, workspace):
    fid = json.loads(run("faults", "add", workspace["id"], "--drop", "--json").stdout)["id"]
    listed = json.loads(run("faults", "list", workspace["id"], "--json").stdout)
    assert [(f["id"], f["action"]) for f in listed] == [(fid, "drop")]
    table = rows(run("faults", "list", workspace["id"]).stdout)
    assert table[1] == [fid, "*", "*", "*", "drop", "-", "-", "0"]
    result = run("faults", "delete", workspace["id"], fid)
    assert result.stdout.strip() == f"deleted fault {fid} of {workspace['id']}"
    assert json.loads(run("faults", "list", workspace["id"], "--json").stdout) == []


def test_faults_delete_all(run, workspace):
    run("faults", "add", workspace["id"], "--status", "500")
    run("faults", "add", workspace["id"], "--status", "502")
    assert run("faults", "delete", workspace["id"], "--all").exit_code == 0
    assert json.loads(run("faults", "list", workspace["id"], "--json").stdout) == []


def test_faults_delete_unknown_is_404(run, workspace):
    result = run("faults", "delete", workspace["id"], "flt_missing")
    assert result.exit_code == EXIT_ERROR
    assert result.stderr.strip() == "Error: 404 Not Found: fault flt_missing not found"


def test_faults_add_invalid_rule_lists_each_problem(run, workspace):
    result = run("faults", "add", workspace["id"], "--status", "200", "--count", "0")
    assert result.exit_code == EXIT_ERROR
    assert result.stderr.splitlines() == ["Error: 422 Unprocessable Content: invalid fault rule",
                                          "  - status: status must be an integer from 400 to 599",
                                          "  - count: count must be a positive integer"]


# --- webhooks -----------------------------------------------------------------------------------
def test_webhooks_add_registers_a_receiver_with_a_secret(run, workspace, receiver):
    result = run("webhooks", "add", workspace["id"], "toy", receiver.url,
                 "--event", "thing.created", "--json")
    assert result.exit_code == 0
    sub = json.loads(result.stdout)
    assert (sub["vendor"], sub["url"], sub["events"], sub["status"]) == ("toy", receiver.url, ["thing.created"], "active")
    assert sub["secret"].startswith("whsec_")
    listed = rows(run("webhooks", "list", workspace["id"]).stdout)
    assert listed[1] == [sub["id"], "toy", receiver.url, "thing.created", "active"]


def test_webhooks_add_rejects_plain_http_off_loopback(run, workspace):
    result = run("webhooks", "add", workspace["id"], "toy", "http://example.com/hook")
    assert result.exit_code == EXIT_ERROR
    assert result.stderr.startswith("Error: 422")


# --- admin token --------------------------------------------------------------------------------
def test_a_server_with_an_admin_token_answers_401_without_it():
    server = LiveServer.create(Config(store="memory", admin_token="s3cret"), [toy_spec()], port=0).start()
    try:
        runner = CliRunner()
        result = runner.invoke(cli, ["--url", server.url, "workspace", "list"])
        assert result.exit_code == EXIT_ERROR
        assert result.stderr.strip() == (
            "Error: 401 Unauthorized: the control API needs Authorization: Bearer <admin token>")
        ok = runner.invoke(cli, ["--url", server.url, "workspace", "list", "--admin-token", "s3cret", "--json"])
        assert ok.exit_code == 0
        env = runner.invoke(cli, ["--url", server.url, "health"], env={"LEADSIM_ADMIN_TOKEN": "s3cret"})
        assert env.exit_code == 0
    finally:
        server.stop()
