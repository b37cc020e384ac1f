"""A campaign end to end: create, enrol, start, advance days; stats, replies, suppression and signed webhooks agree."""

from __future__ import annotations

import json

from tests.vendors.leadterra.conftest import leads, verify_signature

STEPS = [{"subject": "Quick question, {{firstName}}", "bodyHtml": "<p>Hi {{firstName}}</p>"},
         {"subject": "Following up", "bodyHtml": "<p>Bumping this</p>", "delayDays": 3},
         {"subject": "Last note", "bodyHtml": "<p>Closing the loop</p>", "delayDays": 4}]


def test_a_three_step_campaign_runs_for_three_weeks_and_every_view_agrees(ws, receiver):
    hook = ws.post("/webhooks", {"url": receiver.url, "events": ["campaign.started", "message.sent", "message.bounced",
                                                                 "reply.received"]}).get_json()["webhook"]
    cid = ws.campaign("Lifecycle", STEPS)
    assert ws.enroll(cid, leads(120))["enrolled"] == 120
    assert ws.post(f"/campaigns/{cid}/start").status_code == 200
    ws.advance(21 * 86400)

    stats = ws.stats(cid)
    replies = ws.get(f"/replies?campaignId={cid}&perPage=100").get_json()
    events = receiver.events()
    for request in receiver.requests:
        assert verify_signature(hook["signingSecret"], request["raw"], request["headers"]["X-Leadterra-Signature"])

    by_kind = {}
    for e in events:
        by_kind.setdefault(e["event"], []).append(e)
    assert len(by_kind["campaign.started"]) == 1
    assert stats["totalEnrolled"] == 120 and stats["queued"] == 0 and stats["status"] == "running"
    assert stats["sent"] == len(by_kind["message.sent"])
    assert stats["bounced"] == len(by_kind.get("message.bounced", []))
    assert stats["delivered"] + stats["bounced"] == stats["sent"]
    assert replies["pagination"]["total"] == len(by_kind["reply.received"])
    assert stats["replied"] == len({r["email"] for r in replies["replies"]})
    assert 120 < stats["sent"] <= 360
    # a replying lead gets no step after its reply
    replied_at = {}
    for r in replies["replies"]:
        replied_at.setdefault(r["email"], r["receivedAt"])
        replied_at[r["email"]] = min(replied_at[r["email"]], r["receivedAt"])
    for e in by_kind["message.sent"]:
        email = e["data"]["email"]
        if email in replied_at:
            assert e["data"]["sentAt"] <= replied_at[email]
    # message ids are stable for deduplication: each (email, step) is sent once
    keys = [(e["data"]["email"], e["data"]["sequenceStep"]) for e in by_kind["message.sent"]]
    assert len(keys) == len(set(keys))
    # hard bounces and unsubscribes land on the suppression list
    suppressed = {d["email"]: d["reason"] for d in ws.control("GET", "/suppression").get_json()["suppressed"]}
    for e in by_kind.get("message.bounced", []):
        if e["data"]["bounceType"] == "hard":
            assert suppressed[e["data"]["email"]] == "hard_bounce"
    for r in replies["replies"]:
        if r["classification"] == "unsubscribe":
            assert r["email"] in suppressed


def test_the_same_seed_gives_byte_identical_webhooks(make_ws, receiver):
    bodies = []
    for _ in range(2):
        ws = make_ws(seed="determinism")
        ws.post("/webhooks", {"url": receiver.url, "events": ["message.sent", "message.bounced", "reply.received"]})
        cid = ws.campaign("Same", STEPS)
        ws.enroll(cid, leads(40))
        ws.post(f"/campaigns/{cid}/start")
        ws.advance(10 * 86400)
        bodies.append(sorted(r["raw"].replace(cid.encode(), b"CID") for r in receiver.requests))
        receiver.requests.clear()
    assert bodies[0] == bodies[1]
    assert any(json.loads(b)["event"] == "reply.received" for b in bodies[0])
