"""Clock and id counters live in one small runtime document per workspace, and survive restarts."""

from __future__ import annotations

import json

from sim.app import create_app
from sim.config import Config
from tests.support.toyvendor import toy_spec


def _app(path):
    return create_app(Config(store=str(path)), [toy_spec()])


def test_a_create_rewrites_the_runtime_document_not_the_workspace_record(tmp_path):
    app = _app(tmp_path)
    client = app.test_client()
    ws = client.post("/_sim/workspaces", json={"seed": 3, "start": "2025-01-15T10:00:00Z"}).get_json()
    log = tmp_path / "log.jsonl"
    before = log.stat().st_size
    client.post("/toy/v1/things", json={"name": "a"}, headers={"Authorization": f"Bearer {ws['keys']['toy']}"})
    written = [json.loads(line) for line in log.read_bytes()[before:].splitlines()]
    assert "workspaces" not in {entry["t"] for entry in written}
    assert f"w/{ws['id']}/core/runtime" in {entry["t"] for entry in written}
    app.extensions["sim"].close()


def test_ids_continue_after_a_restart_without_repeating(tmp_path):
    app = _app(tmp_path)
    client = app.test_client()
    ws = client.post("/_sim/workspaces", json={"seed": 3, "start": "2025-01-15T10:00:00Z"}).get_json()
    auth = {"Authorization": f"Bearer {ws['keys']['toy']}"}
    first = client.post("/toy/v1/things", json={"name": "a"}, headers=auth).get_json()["id"]
    client.post(f"/_sim/workspaces/{ws['id']}/clock/advance", json={"seconds": 60})
    app.extensions["sim"].close()
    app = _app(tmp_path)
    client = app.test_client()
    assert client.get(f"/_sim/workspaces/{ws['id']}/clock").get_json()["now"] == "2025-01-15T10:01:00Z"
    second = client.post("/toy/v1/things", json={"name": "b"}, headers=auth).get_json()["id"]
    assert second != first
    assert client.get(f"/toy/v1/things/{first}", headers=auth).status_code == 200
    app.extensions["sim"].close()


def test_a_snapshot_carries_clock_and_counters_in_its_workspace_part(tmp_path):
    app = create_app(Config(store="memory"), [toy_spec()])
    client = app.test_client()
    ws = client.post("/_sim/workspaces", json={"seed": 3, "start": "2025-01-15T10:00:00Z"}).get_json()
    client.post("/toy/v1/things", json={"name": "a"}, headers={"Authorization": f"Bearer {ws['keys']['toy']}"})
    snap = client.get(f"/_sim/workspaces/{ws['id']}/snapshot").get_json()
    assert snap["workspace"]["counters"]
    assert "core/runtime" not in snap["tables"]
