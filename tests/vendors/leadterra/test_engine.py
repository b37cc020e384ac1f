"""The outreach engine through Leadterra: capacity per day, sender statuses, windows, stops, suppression, restarts."""

from __future__ import annotations

from sim.app import create_app
from sim.config import Config
from sim.vendors.leadterra import SPEC
from tests.vendors.leadterra.conftest import START, Workspace, leads

TWO_STEPS = [{"subject": "1", "bodyHtml": "1"}, {"subject": "2", "bodyHtml": "2", "delayDays": 2}]


def remaining(ws) -> int:
    return ws.get("/sender-pools").get_json()["senderPools"][0]["remainingToday"]


def started(ws, n, steps=None):
    cid = ws.campaign(steps=steps)
    ws.enroll(cid, leads(n))
    ws.post(f"/campaigns/{cid}/start")
    return cid


def test_each_send_lowers_remaining_today(ws):
    started(ws, 10)
    ws.advance(60)
    assert remaining(ws) == 412 - 10


def test_sends_stop_at_capacity_and_stay_queued(ws):
    ws.set_pool(remainingToday=5)
    cid = started(ws, 8)
    ws.advance(3600)
    stats = ws.stats(cid)
    assert (stats["sent"], stats["queued"], remaining(ws)) == (5, 3, 0)


def test_capacity_renews_at_the_next_utc_midnight(ws):
    ws.set_pool(remainingToday=5)
    cid = started(ws, 8)
    ws.advance(13 * 3600)  # 23:00 UTC
    assert ws.stats(cid)["sent"] == 5
    ws.advance(3600)  # 00:00 UTC
    assert ws.stats(cid)["sent"] == 8
    assert remaining(ws) == 500 - 3


def test_remaining_today_renews_without_any_campaign(ws):
    ws.advance(14 * 3600)
    assert remaining(ws) == 500


def test_set_pool_capacity_control(ws):
    pool = ws.set_pool(dailyCapacity=1000, remainingToday=900)
    assert (pool["dailyCapacity"], pool["remainingToday"], pool["remainingVolume"]) == (1000, 900, 900)


def test_no_active_sender_means_nothing_sends(ws):
    for account in ws.get("/sender-accounts").get_json():
        ws.control("PUT", f"/sender-accounts/{account['id']}", {"status": "paused"})
    cid = started(ws, 3)
    ws.advance(3600)
    assert (ws.stats(cid)["sent"], ws.stats(cid)["queued"]) == (0, 3)


def test_reactivating_a_sender_releases_the_queue_at_once(ws, receiver):
    accounts = ws.get("/sender-accounts").get_json()
    for account in accounts:
        ws.control("PUT", f"/sender-accounts/{account['id']}", {"status": "warming"})
    ws.post("/webhooks", {"url": receiver.url, "events": ["message.sent"]})
    cid = started(ws, 3)
    ws.advance(3600)
    ws.control("PUT", f"/sender-accounts/{accounts[1]['id']}", {"status": "active"})
    ws.advance(0)
    assert ws.stats(cid)["sent"] == 3
    assert {e["data"]["senderAccountId"] for e in receiver.events("message.sent")} == {accounts[1]["id"]}


def test_only_active_senders_send_in_rotation(ws, receiver):
    ws.post("/webhooks", {"url": receiver.url, "events": ["message.sent"]})
    started(ws, 12)
    ws.advance(60)
    used = {e["data"]["senderAccountId"] for e in receiver.events("message.sent")}
    statuses = {a["id"]: a["status"] for a in ws.get("/sender-accounts").get_json()}
    assert used == {sid for sid, status in statuses.items() if status == "active"}


def test_sender_status_control_rejects_unknown_statuses(ws):
    r = ws.control("PUT", "/sender-accounts/sa_01hx3kqp7mbn2vd9czf6yw4e8r", {"status": "deleted"})
    assert r.status_code == 422


def test_sending_window_holds_sends_until_it_opens(ws):
    # 2025-01-15 is a Wednesday; open 14:00-16:00 UTC on weekdays
    ws.control("PUT", "/settings", {"sendingWindow": {"days": [0, 1, 2, 3, 4], "start": 840, "end": 960}})
    cid = started(ws, 4)
    ws.advance(3 * 3600)  # 13:00
    assert ws.stats(cid)["queued"] == 4
    ws.advance(3600)  # 14:00
    assert ws.stats(cid)["sent"] == 4


def test_second_step_goes_out_after_its_delay(ws):
    cid = started(ws, 20, TWO_STEPS)
    ws.advance(86400)
    first = ws.stats(cid)["sent"]
    assert first == 20
    ws.advance(86400 + 60)
    assert ws.stats(cid)["sent"] > first


def test_a_reply_stops_the_leads_sequence(ws):
    cid = started(ws, 1, TWO_STEPS)
    ws.advance(60)
    ws.control("POST", "/replies", {"campaignId": cid, "email": "lead0@example.com", "classification": "out_of_office"})
    ws.advance(5 * 86400)
    stats = ws.stats(cid)
    assert (stats["sent"], stats["replied"], stats["queued"]) == (1, 1, 0)


def test_an_unsubscribe_reply_suppresses_the_address(ws):
    cid = started(ws, 1, TWO_STEPS)
    ws.advance(60)
    ws.control("POST", "/replies", {"campaignId": cid, "email": "lead0@example.com", "classification": "unsubscribe"})
    other = ws.campaign()
    assert ws.enroll(other, leads(1))["skipped"] == 1


def test_a_forced_hard_bounce_suppresses_and_stops(ws):
    cid = started(ws, 1, TWO_STEPS)
    ws.advance(60)
    r = ws.control("POST", "/bounces", {"campaignId": cid, "email": "lead0@example.com", "type": "hard"})
    assert r.status_code == 201 and r.get_json()["bounceType"] == "hard"
    ws.advance(5 * 86400)
    stats = ws.stats(cid)
    assert (stats["sent"], stats["bounced"], stats["delivered"]) == (1, 1, 1)
    reasons = {d["email"]: d["reason"] for d in ws.control("GET", "/suppression").get_json()["suppressed"]}
    assert reasons == {"lead0@example.com": "hard_bounce"}


def test_a_forced_soft_bounce_does_not_stop_the_sequence(ws):
    cid = started(ws, 1, TWO_STEPS)
    ws.advance(60)
    ws.control("POST", "/bounces", {"campaignId": cid, "email": "lead0@example.com", "type": "soft"})
    lead = ws.control("GET", f"/campaigns/{cid}/leads/lead0@example.com").get_json()
    assert (lead["status"], lead["nextStep"], lead["suppressed"]) == ("active", 2, False)


def test_bouncing_a_lead_with_nothing_sent_is_409(ws):
    cid = ws.campaign()
    ws.enroll(cid, leads(1))
    r = ws.control("POST", "/bounces", {"campaignId": cid, "email": "lead0@example.com"})
    assert r.status_code == 409


def test_simulated_hard_bounces_land_on_the_suppression_list(ws):
    cid = started(ws, 400)
    ws.advance(86400)
    assert ws.stats(cid)["bounced"] > 0
    reasons = {d["reason"] for d in ws.control("GET", "/suppression").get_json()["suppressed"]}
    assert "hard_bounce" in reasons


def _counters(app, ws_id: str) -> dict:
    snap = app.test_client().get(f"/_sim/workspaces/{ws_id}/snapshot").get_json()
    return next(iter(snap["tables"]["leadterra/outreach/stats"].values()))["counters"]


def test_a_restart_mid_campaign_changes_nothing(tmp_path):
    three = [*TWO_STEPS, {"subject": "3", "bodyHtml": "3", "delayDays": 3}]
    results = []
    for restart in (True, False):
        path = str(tmp_path / f"store-{restart}")
        app = create_app(Config(store=path, start=START, default_workspace=False), [SPEC])
        ws = Workspace(app.test_client(), {"seed": "restart"})
        started(ws, 50, three)
        if restart:
            ws.advance(86400 + 1800)
            app.extensions["sim"].close()
            app = create_app(Config(store=path, start=START, default_workspace=False), [SPEC])
            ws.client = app.test_client()
            ws.advance(9 * 86400 - 1800)
        else:
            ws.advance(10 * 86400)
        results.append(_counters(app, ws.id))
        app.extensions["sim"].close()
    assert results[0] == results[1]
    assert results[0]["sent"] > 50 and results[0]["opened"] > 0
