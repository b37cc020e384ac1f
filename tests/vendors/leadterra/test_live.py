"""Leadterra over real HTTP on the pytest plugin's live server: the Quickstart as curl sends it, and a campaign."""

from __future__ import annotations

import pytest
import requests

from tests.vendors.leadterra.conftest import leads, verify_signature

pytestmark = pytest.mark.slow

CREATE = ('{"name": "VP Sales - AI workflow", "sequenceSteps": [{"subject": "Quick question, {{firstName}}", '
          '"bodyHtml": "<p>Saw your team is scaling outbound...</p>"}]}')
LEADS = '{"leads": [{"email": "ava@example.com", "firstName": "Ava", "company": "ExampleCo", "jobTitle": "VP Sales"}]}'


def test_the_quickstart_curl_calls_work_on_a_live_server(leadsim):
    server = leadsim.server.url
    requests.post(f"{server}/_sim/workspaces/default/reset", timeout=10).raise_for_status()
    base = f"{server}/leadterra/v1"
    key = {"Authorization": "Bearer sk_live_YOUR_KEY"}
    both = {**key, "Content-Type": "application/json"}
    pools = requests.get(f"{base}/sender-pools", headers=key, timeout=10)
    created = requests.post(f"{base}/campaigns", headers=both, data=CREATE, timeout=10)
    enrolled = requests.post(f"{base}/campaigns/camp_123/leads/bulk", headers=both, data=LEADS, timeout=10)
    started = requests.post(f"{base}/campaigns/camp_123/start", headers=key, timeout=10)
    assert [r.status_code for r in (pools, created, enrolled, started)] == [200, 201, 200, 200]
    assert pools.json()["senderPools"][0]["remainingToday"] == 412
    assert created.json()["campaign"]["id"] == "camp_123"
    assert enrolled.json()["enrolled"] == 1
    assert started.json()["status"] == "running"


@pytest.mark.leadsim(seed="live-leadterra", start="2025-01-15T10:00:00Z")
def test_a_campaign_on_a_live_server_sends_signed_webhooks(leadsim, receiver):
    base, auth = leadsim.base_url("leadterra"), {"Authorization": f"Bearer {leadsim.key('leadterra')}"}
    hook = requests.post(f"{base}/webhooks", headers=auth, timeout=10,
                         json={"url": receiver.url, "events": ["message.sent", "reply.received"]}).json()["webhook"]
    cid = requests.post(f"{base}/campaigns", headers=auth, timeout=10, json={"name": "Live", "sequenceSteps": [
        {"subject": "Hi {{firstName}}", "bodyHtml": "<p>Hi</p>"}]}).json()["campaign"]["id"]
    requests.post(f"{base}/campaigns/{cid}/leads/bulk", headers=auth, json={"leads": leads(30)}, timeout=10)
    requests.post(f"{base}/campaigns/{cid}/start", headers=auth, timeout=10)
    leadsim.advance("4d")
    stats = requests.get(f"{base}/campaigns/{cid}/stats", headers=auth, timeout=10).json()
    assert stats["sent"] == 30 == len(receiver.events("message.sent"))
    assert stats["replied"] == len({e["data"]["reply"]["email"] for e in receiver.events("reply.received")})
    assert all(verify_signature(hook["signingSecret"], r["raw"], r["headers"]["X-Leadterra-Signature"])
               for r in receiver.requests)
