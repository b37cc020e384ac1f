"""The Quickstart (seed 000): its four curl calls replayed verbatim against leadsim, every shown field checked."""

from __future__ import annotations

import pytest

from sim.app import create_app
from sim.config import Config
from sim.vendors.leadterra import SPEC
from tests.vendors.leadterra.conftest import START

KEY = {"Authorization": "Bearer sk_live_YOUR_KEY"}
JSON = {**KEY, "Content-Type": "application/json"}
CREATE = """{
    "name": "VP Sales - AI workflow",
    "sequenceSteps": [{
      "subject": "Quick question, {{firstName}}",
      "bodyHtml": "<p>Saw your team is scaling outbound...</p>"
    }]
  }"""
LEADS = """{
    "leads": [{
      "email": "ava@example.com",
      "firstName": "Ava",
      "company": "ExampleCo",
      "jobTitle": "VP Sales"
    }]
  }"""


def replay(client, base: str) -> list:
    return [
        client.get(f"{base}/sender-pools", headers=KEY),
        client.post(f"{base}/campaigns", headers=JSON, data=CREATE),
        client.post(f"{base}/campaigns/camp_123/leads/bulk", headers=JSON, data=LEADS),
        client.post(f"{base}/campaigns/camp_123/start", headers=KEY),
    ]


def test_sender_pools_answers_the_quickstart_body(client):
    r = replay(client, "/leadterra/v1")[0]
    assert r.status_code == 200
    pool = r.get_json()["senderPools"][0]
    assert len(r.get_json()["senderPools"]) == 1
    assert {k: pool[k] for k in ("id", "name", "dailyCapacity", "remainingToday", "senderCount")} == {
        "id": "pool_abc123", "name": "Primary Outbound", "dailyCapacity": 500, "remainingToday": 412, "senderCount": 8}


def test_create_campaign_answers_the_quickstart_body(client):
    r = replay(client, "/leadterra/v1")[1]
    assert r.status_code == 201
    campaign = r.get_json()["campaign"]
    assert {k: campaign[k] for k in ("id", "name", "status", "sequenceStepCount", "createdAt")} == {
        "id": "camp_123", "name": "VP Sales - AI workflow", "status": "draft", "sequenceStepCount": 1,
        "createdAt": "2025-01-15T10:00:00Z"}


def test_bulk_leads_enrolls_ava_into_camp_123(client):
    r = replay(client, "/leadterra/v1")[2]
    assert r.status_code == 200
    assert r.get_json() == {"enrolled": 1, "updated": 0, "skipped": 0, "total": 1}


def test_start_moves_camp_123_to_running(client):
    r = replay(client, "/leadterra/v1")[3]
    assert r.status_code == 200
    assert r.get_json() == {"id": "camp_123", "status": "running", "startedAt": START}


def test_quickstart_step_one_queues_then_sends_when_the_clock_moves(client):
    replay(client, "/leadterra/v1")
    assert client.get("/leadterra/v1/campaigns/camp_123/stats", headers=KEY).get_json()["queued"] == 1
    client.post("/_sim/workspaces/default/clock/advance", json={"seconds": 60})
    stats = client.get("/leadterra/v1/campaigns/camp_123/stats", headers=KEY).get_json()
    assert (stats["sent"], stats["queued"], stats["totalEnrolled"]) == (1, 0, 1)


def test_lowercase_placeholder_key_of_the_sdr_pages_reaches_the_default_workspace(client):
    r = client.get("/leadterra/v1/sender-pools", headers={"Authorization": "Bearer sk_live_your_key"})
    assert r.status_code == 200
    assert r.get_json()["senderPools"][0]["id"] == "pool_abc123"


@pytest.fixture
def vendor_app():
    app = create_app(Config(store="memory", vendor="leadterra", start=START), [SPEC])
    yield app
    app.extensions["sim"].close()


def test_vendor_mode_serves_the_quickstart_at_the_real_root(vendor_app):
    responses = replay(vendor_app.test_client(), "/v1")
    assert [r.status_code for r in responses] == [200, 201, 200, 200]
    assert responses[3].get_json()["status"] == "running"


def test_vendor_mode_serves_openapi_at_the_root(vendor_app):
    assert vendor_app.test_client().get("/openapi.json").status_code == 200
