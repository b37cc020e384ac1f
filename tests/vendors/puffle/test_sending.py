"""Puffle sending on the shared outreach engine: operating hours, campaign daily limit, readiness, deletion,
LinkedIn message gating, and the committed counts of the sender views."""

from __future__ import annotations

from .conftest import EMAIL_SENDER, LINKEDIN_SENDER

TUESDAY_ONLY = {"tuesday": {"start": "09:00", "end": "17:00"}}


def stats(puffle, camp) -> dict:
    return puffle.get(f"/campaigns/{camp['id']}").get_json()["campaign"]["stats"]


def test_operating_hours_hold_sends_until_the_window_opens(puffle):
    camp = puffle.ready_campaign(leads=3, operating_hours=TUESDAY_ONLY)
    puffle.post(f"/campaigns/{camp['id']}/launch")
    puffle.advance(86400 - 60)  # Tuesday 08:59 in New York
    assert stats(puffle, camp)["contacted"] == 0
    puffle.advance(3600)
    assert stats(puffle, camp)["contacted"] > 0


def test_operating_hours_patched_on_active_campaign_take_effect(puffle):
    camp = puffle.ready_campaign(leads=3)
    puffle.post(f"/campaigns/{camp['id']}/launch")
    puffle.advance(61)
    assert puffle.patch(f"/campaigns/{camp['id']}", {"operating_hours": TUESDAY_ONLY}).status_code == 200
    puffle.advance(12 * 3600)
    assert stats(puffle, camp)["contacted"] == 0


def test_campaign_daily_limit_caps_an_email_campaign(puffle):
    puffle.put("/settings", {"campaign_account": {"account_id": EMAIL_SENDER, "daily_limit": 500}})
    camp = puffle.ready_campaign(leads=6, daily_limit=2)
    puffle.post(f"/campaigns/{camp['id']}/launch")
    puffle.advance(8 * 3600)
    assert stats(puffle, camp)["contacted"] == 2


def test_sender_that_stops_being_ready_holds_sends(puffle):
    camp = puffle.ready_campaign(leads=5)
    puffle.post(f"/campaigns/{camp['id']}/launch")
    puffle.advance(61)
    puffle.control("PATCH", f"/senders/{EMAIL_SENDER}", {"status": "error"})
    puffle.advance(6 * 3600)
    assert stats(puffle, camp)["contacted"] == 0
    puffle.control("PATCH", f"/senders/{EMAIL_SENDER}", {"status": "active"})
    puffle.advance(3600)
    assert stats(puffle, camp)["contacted"] > 0


def test_deleted_active_campaign_stops_sending(puffle):
    camp = puffle.ready_campaign(leads=5)
    puffle.post(f"/campaigns/{camp['id']}/launch")
    puffle.advance(61)
    assert puffle.delete(f"/campaigns/{camp['id']}").status_code == 200
    puffle.advance(6 * 3600)  # the same UTC day
    assert puffle.get(f"/senders/{EMAIL_SENDER}").get_json()["account"]["stats"]["today_sent"] == 0


def test_linkedin_message_to_a_non_connection_is_skipped(puffle):
    camp = puffle.campaign("linkedin")
    body = {"sequence_nodes": [{"type": "message", "body": "Hi %first_name%"}, {"type": "end"}]}
    assert puffle.patch(f"/campaigns/{camp['id']}", body).status_code == 200
    puffle.add_leads(camp, 2)
    assert puffle.post(f"/campaigns/{camp['id']}/launch").status_code == 200
    puffle.advance(3600)
    got = stats(puffle, camp)
    assert (got["completed"], got["message_sent"]) == (2, 0)
    assert puffle.get(f"/campaigns/{camp['id']}/senders").get_json()["campaign_total_sent"] == 0


def test_waiting_leads_show_as_committed(puffle):
    puffle.put("/settings", {"campaign_account": {"account_id": EMAIL_SENDER, "daily_limit": 1}})
    camp = puffle.ready_campaign(leads=4)
    puffle.post(f"/campaigns/{camp['id']}/launch")
    puffle.advance(3600)
    body = puffle.get(f"/campaigns/{camp['id']}/senders").get_json()
    assert body["campaign_total_committed"] == 3
    assert body["senders"][0]["today_sent"] == 1


def test_linkedin_connection_request_counts_toward_weekly_usage(puffle):
    camp = puffle.ready_campaign("linkedin", leads=2)
    puffle.post(f"/campaigns/{camp['id']}/launch")
    puffle.advance(3600)
    row = puffle.get(f"/campaigns/{camp['id']}/senders").get_json()["senders"][0]
    assert row["account_id"] == LINKEDIN_SENDER
    assert (row["weekly_connections_sent"], row["weekly_messages_sent"]) == (2, 0)
