"""Puffle launch lifecycle: readiness 400s, CAS, the background task, rollback, pause/resume, sync-stats."""

from __future__ import annotations

from .conftest import EMAIL_SENDER, LINKEDIN_SENDER


def launch(puffle, camp):
    return puffle.post(f"/campaigns/{camp['id']}/launch")


def test_launch_returns_documented_success_body(puffle):
    camp = puffle.ready_campaign(leads=3)
    r = launch(puffle, camp)
    assert r.status_code == 200
    body = r.get_json()
    assert set(body) == {"success", "message", "runId", "prospectsToProcess"}
    assert body["success"] is True
    assert body["message"] == "Campaign launch started"
    assert body["runId"].startswith("run_")
    assert body["prospectsToProcess"] == 3


def test_status_is_launching_right_after_launch(puffle):
    camp = puffle.ready_campaign()
    launch(puffle, camp)
    assert puffle.status(camp) == "launching"


def test_second_launch_while_launching_is_409(puffle):
    camp = puffle.ready_campaign()
    assert launch(puffle, camp).status_code == 200
    r = launch(puffle, camp)
    assert r.status_code == 409
    assert r.get_json() == {"error": "A launch is already in progress (started within the last 2 min)"}


def test_launch_of_active_campaign_names_the_status(puffle):
    camp = puffle.ready_campaign()
    launch(puffle, camp)
    puffle.advance(120)
    r = launch(puffle, camp)
    assert r.status_code == 400
    assert r.get_json() == {"error": "Campaign is active — must be draft to launch"}


def test_launch_without_senders_is_400(puffle):
    camp = puffle.ready_campaign(senders=[])
    r = launch(puffle, camp)
    assert (r.status_code, r.get_json()) == (400, {"error": "Campaign has no sender accounts"})


def test_launch_without_pending_leads_is_400(puffle):
    camp = puffle.ready_campaign(leads=0)
    r = launch(puffle, camp)
    assert (r.status_code, r.get_json()) == (400, {"error": "Campaign has no pending leads"})


def test_launch_without_sendable_nodes_is_400(puffle):
    camp = puffle.ready_campaign()
    first = camp["sequence_nodes"][0]
    puffle.delete(f"/campaigns/{camp['id']}/sequence/nodes", {"nodeId": first["id"]})
    r = launch(puffle, camp)
    assert (r.status_code, r.get_json()) == (400, {"error": "Campaign has no sendable sequence nodes"})


def test_launch_with_empty_nodes_lists_their_positions(puffle):
    camp = puffle.ready_campaign()
    puffle.post(f"/campaigns/{camp['id']}/sequence/nodes", {"type": "delay", "delay_days": 2})
    puffle.post(f"/campaigns/{camp['id']}/sequence/nodes", {"type": "email"})
    r = launch(puffle, camp)
    assert (r.status_code, r.get_json()) == (400, {"error": "Sequence nodes at positions 2 have missing content"})


def test_launch_with_fresh_email_campaign_lists_position_zero(puffle):
    camp = puffle.campaign()
    puffle.add_leads(camp, 2)
    r = launch(puffle, camp)
    assert (r.status_code, r.get_json()) == (400, {"error": "Sequence nodes at positions 0 have missing content"})


def test_launch_with_warming_email_sender_is_400(puffle):
    camp = puffle.ready_campaign()
    puffle.control("PATCH", f"/senders/{EMAIL_SENDER}", {"status": "warming", "warmup_status": "warming"})
    r = launch(puffle, camp)
    assert r.status_code == 400
    assert r.get_json() == {"error": "Email senders not ready: sarah@acme-outbound.com is warming (warmup incomplete)"}


def test_validate_counts_warming_sender_as_ready_but_launch_does_not(puffle):
    camp = puffle.ready_campaign()
    puffle.control("PATCH", f"/senders/{EMAIL_SENDER}", {"status": "warming"})
    assert puffle.get(f"/campaigns/{camp['id']}/validate").get_json()["ready"] is True
    assert launch(puffle, camp).status_code == 400


def test_allow_warming_accounts_lets_warming_sender_launch(puffle):
    camp = puffle.ready_campaign()
    puffle.control("PATCH", f"/senders/{EMAIL_SENDER}", {"status": "warming"})
    puffle.control("PATCH", "/account", {"admin": True})
    assert puffle.put("/settings", {"allow_warming_accounts": True}).status_code == 200
    assert launch(puffle, camp).status_code == 200


def test_launch_with_sender_without_inbox_is_400(puffle):
    camp = puffle.ready_campaign()
    puffle.control("PATCH", f"/senders/{EMAIL_SENDER}", {"agentmail_inbox_id": None})
    r = launch(puffle, camp)
    assert r.get_json() == {"error": "Email senders not ready: sarah@acme-outbound.com has no configured sending inbox"}


def test_launch_with_linkedin_account_gone_upstream_is_400(puffle):
    camp = puffle.ready_campaign("linkedin")
    puffle.control("PATCH", f"/senders/{LINKEDIN_SENDER}", {"upstream_exists": False})
    r = launch(puffle, camp)
    assert r.status_code == 400
    assert r.get_json() == {"error": "LinkedIn account Sarah Chen no longer exists upstream — reconnect required"}


def test_linkedin_transient_verification_fault_is_503_with_retry_after(puffle):
    camp = puffle.ready_campaign("linkedin")
    puffle.fault(method="JOB", path="puffle.linkedin_verify", status=503, count=1)
    r = launch(puffle, camp)
    assert r.status_code == 503
    assert r.headers["Retry-After"] == "30"
    assert r.get_json() == {"error": "LinkedIn sender verification failed with a transient error. Retry after 30 s"}
    assert puffle.status(camp) == "draft"
    assert launch(puffle, camp).status_code == 200


def test_launch_when_every_lead_is_skipped_by_dedup_is_400(puffle):
    first = puffle.ready_campaign("linkedin", leads=3)
    assert launch(puffle, first).status_code == 200
    second = puffle.ready_campaign("linkedin", leads=3, skip_other_campaigns=True)
    r = launch(puffle, second)
    assert (r.status_code, r.get_json()) == (400, {"error": "All leads were skipped by dedup — nothing to send"})


def test_partial_dedup_reports_skipped_prospects(puffle):
    first = puffle.ready_campaign("linkedin", leads=2)
    launch(puffle, first)
    second = puffle.ready_campaign("linkedin", leads=4, skip_other_campaigns=True)
    body = launch(puffle, second).get_json()
    assert body["prospectsToProcess"] == 2
    assert body["skippedCount"] == 2
    assert sorted(p["linkedin_url"] for p in body["skippedProspects"]) == [
        "https://www.linkedin.com/in/lead-0", "https://www.linkedin.com/in/lead-1"]
    assert set(body["skippedProspects"][0]) == {"id", "name", "linkedin_url"}


def test_launch_of_unknown_campaign_is_404(puffle):
    r = puffle.post("/campaigns/8c2b2d4e-e29b-41d4-a716-446655449999/launch")
    assert (r.status_code, r.get_json()) == (404, {"error": "Campaign not found"})


def test_launch_of_other_workspace_campaign_is_404(puffle, other):
    camp = other.ready_campaign()
    r = launch(puffle, camp)
    assert r.status_code == 404
    assert other.status(camp) == "draft"


def test_launch_without_key_is_401(puffle):
    camp = puffle.ready_campaign()
    r = puffle.post(f"/campaigns/{camp['id']}/launch", headers={})
    assert r.status_code == 401
    assert r.get_json() == {"error": {"code": "unauthorized", "message": "Missing or invalid authentication credentials"}}


def test_launch_with_wrong_key_is_401(puffle):
    camp = puffle.ready_campaign()
    r = puffle.post(f"/campaigns/{camp['id']}/launch", headers={"Authorization": "Bearer pk_live_" + "0" * 64})
    assert r.status_code == 401
    assert r.get_json()["error"]["code"] == "unauthorized"


def test_background_task_moves_launching_to_active_within_two_minutes(puffle):
    camp = puffle.ready_campaign(leads=4)
    launch(puffle, camp)
    puffle.advance(119)
    body = puffle.get(f"/campaigns/{camp['id']}").get_json()
    assert body["campaign"]["status"] == "active"
    assert body["campaign"]["stats"]["total"] == 4


def test_failed_background_task_rolls_back_to_draft(puffle):
    camp = puffle.ready_campaign(leads=3)
    puffle.post(f"/campaigns/{camp['id']}/generate-messages", {"action": "resolve"})
    puffle.fault(method="JOB", path="puffle.launch", status=500, count=1)
    launch(puffle, camp)
    assert puffle.get(f"/campaigns/{camp['id']}/generate-messages?status=pending").get_json()["messages"] != []
    puffle.advance(120)
    body = puffle.get(f"/campaigns/{camp['id']}").get_json()
    assert body["campaign"]["status"] == "draft"
    assert body["campaign"]["stats"] == {"total": 3}
    drafts = puffle.get(f"/campaigns/{camp['id']}/generate-messages").get_json()["messages"]
    assert len(drafts) == 3 and {m["status"] for m in drafts} == {"draft"}
    assert puffle.get(f"/campaigns/{camp['id']}/generate-messages?status=pending").get_json()["messages"] == []


def test_rollback_deletes_pending_messages_created_at_launch(puffle):
    camp = puffle.ready_campaign(leads=2)
    puffle.fault(method="JOB", path="puffle.launch", status=500, count=1)
    launch(puffle, camp)
    puffle.advance(120)
    assert puffle.get(f"/campaigns/{camp['id']}/generate-messages?status=all").get_json()["messages"] == []


def test_retry_after_rollback_launches_with_new_run_id(puffle):
    camp = puffle.ready_campaign()
    puffle.fault(method="JOB", path="puffle.launch", status=500, count=1)
    first = launch(puffle, camp).get_json()["runId"]
    puffle.advance(120)
    r = launch(puffle, camp)
    assert r.status_code == 200
    assert r.get_json()["runId"] != first
    puffle.advance(120)
    assert puffle.status(camp) == "active"


def test_dispatch_fault_is_500_and_leaves_draft(puffle):
    camp = puffle.ready_campaign()
    puffle.fault(method="JOB", path="puffle.dispatch", status=500, count=1)
    r = launch(puffle, camp)
    assert r.status_code == 500
    assert r.get_json() == {"error": "Launch dispatch failed — campaign status rolled back to draft; retry is safe"}
    assert puffle.status(camp) == "draft"
    assert launch(puffle, camp).status_code == 200


def test_stale_launch_older_than_two_minutes_is_recovered_on_next_launch(client, puffle):
    client.application.extensions["sim"].set_vendor_setting(puffle.ws["id"], "puffle", "launch_delay_seconds", 600)
    camp = puffle.ready_campaign()
    launch(puffle, camp)
    puffle.advance(121)
    assert puffle.status(camp) == "launching"
    r = launch(puffle, camp)
    assert r.status_code == 200
    assert puffle.status(camp) == "launching"


def test_stats_total_is_fixed_at_launch_and_counters_grow(puffle):
    camp = puffle.ready_campaign(leads=10)
    launch(puffle, camp)
    puffle.advance(120)
    before = puffle.get(f"/campaigns/{camp['id']}").get_json()["campaign"]["stats"]
    assert before["total"] == 10 and before["sent"] == 0
    puffle.advance(6 * 3600)
    after = puffle.get(f"/campaigns/{camp['id']}").get_json()["campaign"]["stats"]
    assert after["total"] == 10
    assert after["contacted"] == 10
    assert after["sent"] + after["bounced"] + after["replied"] + after["completed"] == 10


def test_sends_are_staggered_one_per_sender_per_pump(puffle):
    camp = puffle.ready_campaign(leads=10)
    launch(puffle, camp)
    puffle.advance(120 + 60)
    first = puffle.get(f"/campaigns/{camp['id']}").get_json()["campaign"]["stats"]["contacted"]
    puffle.advance(20 * 60)
    later = puffle.get(f"/campaigns/{camp['id']}").get_json()["campaign"]["stats"]["contacted"]
    assert first <= 1
    assert 1 < later < 10


def test_email_campaign_completes_when_every_lead_finishes(puffle):
    camp = puffle.ready_campaign(leads=3)
    launch(puffle, camp)
    puffle.advance(2 * 86400)
    body = puffle.get(f"/campaigns/{camp['id']}").get_json()
    stats = body["campaign"]["stats"]
    assert body["campaign"]["status"] == "completed"
    assert stats["completed"] + stats["replied"] + stats["bounced"] + stats["timed_out"] >= stats["total"]


def test_pause_active_campaign(puffle):
    camp = puffle.ready_campaign()
    launch(puffle, camp)
    puffle.advance(120)
    r = puffle.post(f"/campaigns/{camp['id']}/pause")
    assert r.status_code == 200
    assert r.get_json()["campaign"]["status"] == "paused"


def test_pause_stops_sends(puffle):
    camp = puffle.ready_campaign(leads=10)
    launch(puffle, camp)
    puffle.advance(120)
    puffle.post(f"/campaigns/{camp['id']}/pause")
    puffle.advance(86400)
    assert puffle.get(f"/campaigns/{camp['id']}").get_json()["campaign"]["stats"]["contacted"] == 0


def test_pause_of_draft_is_400(puffle):
    camp = puffle.ready_campaign()
    r = puffle.post(f"/campaigns/{camp['id']}/pause")
    assert (r.status_code, r.get_json()) == (400, {"error": "Only active campaigns can be paused"})


def test_pause_of_launching_is_400(puffle):
    camp = puffle.ready_campaign()
    launch(puffle, camp)
    assert puffle.post(f"/campaigns/{camp['id']}/pause").status_code == 400


def test_second_pause_is_400(puffle):
    camp = puffle.ready_campaign()
    launch(puffle, camp)
    puffle.advance(120)
    puffle.post(f"/campaigns/{camp['id']}/pause")
    r = puffle.post(f"/campaigns/{camp['id']}/pause")
    assert (r.status_code, r.get_json()) == (400, {"error": "Only active campaigns can be paused"})


def test_resume_of_active_is_400(puffle):
    camp = puffle.ready_campaign()
    launch(puffle, camp)
    puffle.advance(120)
    r = puffle.post(f"/campaigns/{camp['id']}/resume")
    assert (r.status_code, r.get_json()) == (400, {"error": "Only paused campaigns can be resumed"})


def test_resume_continues_sending(puffle):
    camp = puffle.ready_campaign(leads=5)
    launch(puffle, camp)
    puffle.advance(120)
    puffle.post(f"/campaigns/{camp['id']}/pause")
    r = puffle.post(f"/campaigns/{camp['id']}/resume")
    assert r.get_json()["campaign"]["status"] == "active"
    puffle.advance(86400)
    assert puffle.get(f"/campaigns/{camp['id']}").get_json()["campaign"]["stats"]["contacted"] == 5


def test_resume_lands_on_completed_when_nothing_is_left(puffle):
    camp = puffle.ready_campaign(leads=1)
    puffle.post(f"/campaigns/{camp['id']}/sequence/nodes", {"type": "delay", "delay_days": 3})
    puffle.post(f"/campaigns/{camp['id']}/sequence/nodes", {"type": "email", "subject": "Bump", "body": "Any thoughts?"})
    launch(puffle, camp)
    puffle.advance(120 + 3600)
    puffle.post(f"/campaigns/{camp['id']}/pause")
    lead = puffle.get(f"/campaigns/{camp['id']}/leads").get_json()["prospects"][0]
    assert puffle.control("POST", f"/campaigns/{camp['id']}/prospects/{lead['id']}/reply", {"class": "interested"}).status_code == 200
    r = puffle.post(f"/campaigns/{camp['id']}/resume")
    assert r.get_json()["campaign"]["status"] == "completed"


def test_sync_stats_returns_campaign_and_prospects_by_status(puffle):
    camp = puffle.ready_campaign(leads=4)
    r = puffle.post(f"/campaigns/{camp['id']}/sync-stats")
    assert r.status_code == 200
    body = r.get_json()
    assert body["prospects_by_status"] == {"pending": 4}
    assert body["campaign"]["last_synced_at"] == "2026-04-20T13:00:00Z"


def bouncing_campaign(puffle):
    """120 leads on a two-email sequence, a fifth of them bouncing, the sender allowed 500 a day."""
    puffle.profile({"email": {"hard_bounce": 0.2, "soft_bounce": 0.0}})
    puffle.put("/settings", {"campaign_account": {"account_id": EMAIL_SENDER, "daily_limit": 500}})
    camp = puffle.ready_campaign(leads=120)
    puffle.post(f"/campaigns/{camp['id']}/sequence/nodes", {"type": "delay", "delay_days": 5})
    puffle.post(f"/campaigns/{camp['id']}/sequence/nodes", {"type": "email", "subject": "Bump", "body": "Any thoughts?"})
    launch(puffle, camp)
    puffle.advance(120 + 86400)
    return camp


def test_sync_stats_auto_pauses_email_campaign_over_bounce_threshold(puffle):
    camp = bouncing_campaign(puffle)
    r = puffle.post(f"/campaigns/{camp['id']}/sync-stats")
    body = r.get_json()
    assert body["campaign"]["status"] == "paused"
    assert body["campaign"]["pause_reason"] == "high_bounce_rate"


def test_sync_stats_below_bounce_threshold_keeps_campaign_active(puffle):
    camp = puffle.ready_campaign(leads=10)
    launch(puffle, camp)
    puffle.advance(120 + 600)
    assert puffle.post(f"/campaigns/{camp['id']}/sync-stats").get_json()["campaign"]["status"] == "active"


def test_resume_clears_pause_reason(puffle):
    camp = bouncing_campaign(puffle)
    puffle.post(f"/campaigns/{camp['id']}/sync-stats")
    r = puffle.post(f"/campaigns/{camp['id']}/resume")
    assert r.get_json()["campaign"]["pause_reason"] is None


def test_agent_following_the_seed_notes_succeeds(puffle):
    """The seed's AI agent notes: check status, senders, pending leads, nodes; launch; poll until active; read stats."""
    camp = puffle.ready_campaign(leads=6)
    got = puffle.get(f"/campaigns/{camp['id']}").get_json()
    assert got["campaign"]["status"] == "draft"
    assert got["campaign"]["sender_accounts"]
    assert got["prospects_by_status"]["pending"] == 6
    sendable = [n for n in got["sequence_nodes"] if n["type"] in ("email", "message", "connection_request")]
    assert all(n["body"] for n in sendable)
    assert got["campaign"]["sender_accounts"][0]["status"] == "active"
    assert launch(puffle, camp).status_code == 200
    polls = 0
    while puffle.status(camp) != "active":
        polls += 1
        assert polls <= 4
        puffle.advance(30)
    puffle.advance(3600)
    stats = puffle.get(f"/campaigns/{camp['id']}").get_json()["campaign"]["stats"]
    assert stats["total"] == 6
    assert stats["contacted"] > 0


def test_agent_that_relaunches_gets_409(puffle):
    camp = puffle.ready_campaign()
    assert launch(puffle, camp).status_code == 200
    puffle.advance(30)
    assert launch(puffle, camp).status_code == 409


def test_linkedin_campaign_goes_through_connection_lifecycle(puffle):
    puffle.profile({"linkedin": {"connection_accept_rate": 1.0, "message_reply_rate": 0.0}})
    camp = puffle.ready_campaign("linkedin", leads=3)
    puffle.post(f"/campaigns/{camp['id']}/sequence/nodes", {"type": "delay", "delay_days": 1})
    puffle.post(f"/campaigns/{camp['id']}/sequence/nodes", {"type": "message", "body": "Thanks for connecting"})
    launch(puffle, camp)
    puffle.advance(120 + 3600)
    assert puffle.get(f"/campaigns/{camp['id']}").get_json()["campaign"]["stats"]["connection_sent"] == 3
    puffle.advance(8 * 86400)
    body = puffle.get(f"/campaigns/{camp['id']}").get_json()
    assert body["campaign"]["status"] == "completed"
    assert body["campaign"]["stats"]["completed"] == 3


def test_unaccepted_connection_requests_time_out(puffle):
    puffle.profile({"linkedin": {"connection_accept_rate": 0.0}})
    camp = puffle.ready_campaign("linkedin", leads=2)
    launch(puffle, camp)
    puffle.advance(15 * 86400)
    stats = puffle.get(f"/campaigns/{camp['id']}").get_json()["campaign"]["stats"]
    assert stats["timed_out"] == 2
