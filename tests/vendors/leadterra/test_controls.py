"""Leadterra's /_sim controls: settings, injected replies and bounces, pools, senders, keys, secrets."""

from __future__ import annotations

from tests.vendors.leadterra.conftest import leads


def test_settings_show_the_defaults(ws):
    body = ws.control("GET", "/settings").get_json()
    assert (body["poolsEnvelope"], body["repliesEnvelope"], body["createCampaignStatus"]) == ("senderPools", "replies", 201)
    assert (body["bulkLeadsMax"], body["suppressionBatchMax"], body["sendingWindow"]) == (10000, 1000, None)


def test_settings_reject_unknown_names_and_values(ws):
    assert ws.control("PUT", "/settings", {"colour": "blue"}).status_code == 422
    assert ws.control("PUT", "/settings", {"poolsEnvelope": "list"}).status_code == 422
    assert ws.control("PUT", "/settings", {"sendingWindow": {"start": 900, "end": 100}}).status_code == 422


def test_settings_errors_are_problem_json(ws):
    r = ws.control("PUT", "/settings", {"bulkLeadsMax": 0})
    assert r.status_code == 422 and r.content_type == "application/problem+json"


def test_inject_reply_requires_a_classification(ws):
    cid = ws.campaign()
    ws.enroll(cid, leads(1))
    assert ws.control("POST", "/replies", {"campaignId": cid, "email": "lead0@example.com"}).status_code == 422


def test_inject_reply_with_an_unknown_classification_is_422(ws):
    cid = ws.campaign()
    ws.enroll(cid, leads(1))
    r = ws.control("POST", "/replies", {"campaignId": cid, "email": "lead0@example.com", "classification": "maybe"})
    assert r.status_code == 422
    assert ws.get("/replies").get_json()["replies"] == []


def test_inject_reply_for_a_lead_not_enrolled_is_404(ws):
    cid = ws.campaign()
    r = ws.control("POST", "/replies", {"campaignId": cid, "email": "ghost@example.com", "classification": "interested"})
    assert r.status_code == 404


def test_inject_reply_accepts_the_undocumented_referral_class(ws):
    cid = ws.campaign()
    ws.enroll(cid, leads(1))
    r = ws.control("POST", "/replies", {"campaignId": cid, "email": "lead0@example.com", "classification": "referral"})
    assert r.status_code == 201
    assert ws.get("/replies?classification=referral").get_json()["replies"][0]["classification"] == "referral"


def test_campaign_state_shows_the_next_tick(ws):
    cid = ws.campaign()
    ws.enroll(cid, leads(2))
    ws.post(f"/campaigns/{cid}/start")
    assert ws.control("GET", f"/campaigns/{cid}").get_json()["nextTickAt"] == "2025-01-15T10:00:00Z"


def test_unknown_pool_is_404(ws):
    assert ws.control("PUT", "/sender-pools/pool_nope", {"dailyCapacity": 10}).status_code == 404


def test_unknown_sender_is_404(ws):
    assert ws.control("PUT", "/sender-accounts/sa_nope", {"status": "active"}).status_code == 404


def test_webhook_secrets_can_be_read_back(ws):
    hook = ws.post("/webhooks", {"url": "https://h.example.com/x", "events": ["message.sent"]}).get_json()["webhook"]
    assert ws.control("GET", "/webhooks").get_json()["webhooks"] == [
        {**hook, "signatureEncoding": "hex", "signaturePrefix": ""}]


def test_reset_restores_the_fixture_pool_and_forgets_campaigns(client, ws):
    cid = ws.campaign()
    ws.set_pool(dailyCapacity=7)
    client.post(f"/_sim/workspaces/{ws.id}/reset")
    assert ws.get("/sender-pools").get_json()["senderPools"][0]["dailyCapacity"] == 500
    assert ws.get(f"/campaigns/{cid}/stats").status_code == 404
