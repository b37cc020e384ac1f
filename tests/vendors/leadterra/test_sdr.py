"""The SDR hand-off API: SDRs, assign, inbox, follow-ups, drafts, Gmail status (every body wrapped in data)."""

from __future__ import annotations

import pytest

from tests.vendors.leadterra.conftest import leads

SDR = "sdr_01hx7c9v2k4m6n8p0q1r3s5t7w"
ICP = {"seniority": "VP", "employeeCount": "51-200"}


@pytest.fixture
def reply(ws):
    cid = ws.campaign(steps=[{"subject": "Quick question, {{firstName}}", "bodyHtml": "<p>Hi</p>"}])
    ws.enroll(cid, [{"email": "ava@example.com", "firstName": "Ava", "lastName": "Patel", "company": "ExampleCo"}])
    ws.post(f"/campaigns/{cid}/start")
    ws.advance(60)
    return ws.control("POST", "/replies", {"campaignId": cid, "email": "ava@example.com", "classification": "interested",
                                          "text": "Yes, let's talk next week."}).get_json()


@pytest.fixture
def thread(ws, reply):
    return ws.post(f"/replies/{reply['id']}/assign", {"sdrId": SDR, "category": "A", **ICP}).get_json()["data"]["threadId"]


def test_list_sdrs(ws):
    body = ws.get("/sdrs").get_json()
    assert body["data"][0] == {"id": SDR, "name": "Jordan Lee", "email": "jordan@example.com", "gmailConnected": True,
                               "gmailEmail": "jordan.sdr@gmail.com"}


def test_assign_returns_the_hand_off_ids(ws, reply):
    r = ws.post(f"/replies/{reply['id']}/assign", {"sdrId": SDR, **ICP})
    assert r.status_code == 200
    data = r.get_json()["data"]
    assert set(data) == {"handoffId", "threadId", "messageId", "gmailThreadId"}
    assert data["handoffId"].startswith("handoff_") and data["threadId"].startswith("thread_")
    assert len(data["messageId"]) == 16 and len(data["gmailThreadId"]) == 16


def test_assign_twice_is_409_already_forwarded(ws, reply):
    ws.post(f"/replies/{reply['id']}/assign", {"sdrId": SDR, **ICP})
    r = ws.post(f"/replies/{reply['id']}/assign", {"sdrId": SDR, **ICP})
    assert (r.status_code, r.get_json()["code"]) == (409, "already_forwarded")


def test_force_forward_makes_a_new_hand_off_on_the_same_thread(ws, reply):
    first = ws.post(f"/replies/{reply['id']}/assign", {"sdrId": SDR, **ICP}).get_json()["data"]
    second = ws.post(f"/replies/{reply['id']}/assign", {"sdrId": SDR, "forceForward": True, **ICP}).get_json()["data"]
    assert second["threadId"] == first["threadId"] and second["handoffId"] != first["handoffId"]


def test_assign_without_icp_fields_is_400_icp_failed(ws, reply):
    r = ws.post(f"/replies/{reply['id']}/assign", {"sdrId": SDR})
    body = r.get_json()
    assert (r.status_code, body["code"], body["icpFailed"]) == (400, "icp_check_failed", True)


def test_assign_with_a_junior_seniority_is_400_icp_failed(ws, reply):
    r = ws.post(f"/replies/{reply['id']}/assign", {"sdrId": SDR, "seniority": "Intern", "employeeCount": "500"})
    assert (r.status_code, r.get_json()["icpFailed"]) == (400, True)


def test_assign_with_a_small_company_is_400_icp_failed(ws, reply):
    r = ws.post(f"/replies/{reply['id']}/assign", {"sdrId": SDR, "seniority": "Director", "employeeCount": "11-50"})
    assert (r.status_code, r.get_json()["icpFailed"]) == (400, True)


def test_assign_skipping_the_icp_check_needs_no_icp_fields(ws, reply):
    assert ws.post(f"/replies/{reply['id']}/assign", {"sdrId": SDR, "skipIcpCheck": True}).status_code == 200


def test_assign_unknown_reply_is_404_reply_not_found(ws):
    r = ws.post("/replies/rpl_nope/assign", {"sdrId": SDR, **ICP})
    assert (r.status_code, r.get_json()["code"]) == (404, "reply_not_found")


def test_assign_unknown_sdr_is_404_sdr_not_found(ws, reply):
    r = ws.post(f"/replies/{reply['id']}/assign", {"sdrId": "sdr_nope", **ICP})
    assert (r.status_code, r.get_json()["code"]) == (404, "sdr_not_found")


def test_assign_without_sdr_id_is_400_invalid_request(ws, reply):
    r = ws.post(f"/replies/{reply['id']}/assign", {**ICP})
    assert (r.status_code, r.get_json()["code"]) == (400, "invalid_request")


def test_assign_with_a_bad_category_is_400_invalid_request(ws, reply):
    r = ws.post(f"/replies/{reply['id']}/assign", {"sdrId": SDR, "category": "D", **ICP})
    assert (r.status_code, r.get_json()["code"]) == (400, "invalid_request")


def test_inbox_lists_the_new_thread(ws, thread):
    body = ws.get("/sdr/inbox").get_json()["data"]
    assert (body["total"], body["hasMore"]) == (1, False)
    t = body["threads"][0]
    assert t == {"id": thread, "contactEmail": "ava@example.com", "contactName": "Ava Patel",
                 "subject": "Re: Quick question, Ava", "status": "new", "category": "A", "priorityScore": 95,
                 "lastMessageAt": "2025-01-15T10:01:00.000Z"}


def test_inbox_filters_by_status_category_and_search(ws, thread):
    assert ws.get("/sdr/inbox?status=new&status=replied").get_json()["data"]["total"] == 1
    assert ws.get("/sdr/inbox?status=won").get_json()["data"]["total"] == 0
    assert ws.get("/sdr/inbox?category=B").get_json()["data"]["total"] == 0
    assert ws.get("/sdr/inbox?search=PATEL").get_json()["data"]["total"] == 1
    assert ws.get("/sdr/inbox?snoozed=true").get_json()["data"]["total"] == 0


def test_inbox_limit_is_clamped_to_100(ws, thread):
    assert ws.get("/sdr/inbox?limit=500").status_code == 200


def test_inbox_unknown_status_is_400_invalid_request(ws):
    r = ws.get("/sdr/inbox?status=maybe")
    assert (r.status_code, r.get_json()["code"]) == (400, "invalid_request")


def test_inbox_bad_order_by_is_400_invalid_request(ws):
    assert ws.get("/sdr/inbox?orderBy=alphabetical").status_code == 400


def test_assign_creates_a_follow_up_due_in_two_days(ws, thread):
    assert ws.get("/sdr/followups/due").get_json()["data"] == []
    upcoming = ws.get("/sdr/followups/due?includeUpcoming=true").get_json()["data"]
    assert [(f["threadId"], f["status"], f["dueAt"]) for f in upcoming] == [
        (thread, "pending", "2025-01-17T10:01:00.000Z")]
    ws.advance(2 * 86400)
    assert len(ws.get("/sdr/followups/due").get_json()["data"]) == 1


def test_follow_up_complete_skip_and_reschedule(ws, thread):
    fid = ws.get("/sdr/followups/due?includeUpcoming=true").get_json()["data"][0]["id"]
    moved = ws.post(f"/sdr/followups/{fid}/reschedule", {"dueAt": "2025-02-01T14:00:00.000Z"}).get_json()["data"]
    assert moved["dueAt"] == "2025-02-01T14:00:00.000Z"
    done = ws.post(f"/sdr/followups/{fid}/complete").get_json()["data"]
    assert done["status"] == "completed"
    assert ws.post(f"/sdr/followups/{fid}/complete").status_code == 200
    r = ws.post(f"/sdr/followups/{fid}/skip", {"reason": "late"})
    assert (r.status_code, r.get_json()["code"]) == (409, "followup_not_pending")


def test_follow_up_skip_records_the_reason(ws, thread):
    fid = ws.get("/sdr/followups/due?includeUpcoming=true").get_json()["data"][0]["id"]
    data = ws.post(f"/sdr/followups/{fid}/skip", {"reason": "Prospect asked for March"}).get_json()["data"]
    assert (data["status"], data["skipReason"]) == ("skipped", "Prospect asked for March")


def test_reschedule_with_a_bad_date_is_400_invalid_request(ws, thread):
    fid = ws.get("/sdr/followups/due?includeUpcoming=true").get_json()["data"][0]["id"]
    r = ws.post(f"/sdr/followups/{fid}/reschedule", {"dueAt": "next tuesday"})
    assert (r.status_code, r.get_json()["code"]) == (400, "invalid_request")


def test_unknown_follow_up_is_404_followup_not_found(ws):
    r = ws.post("/sdr/followups/followup_nope/complete")
    assert (r.status_code, r.get_json()["code"]) == (404, "followup_not_found")


def test_schedule_without_due_at_uses_the_rule_delay(ws, thread):
    r = ws.post(f"/sdr/threads/{thread}/followup/schedule", {})
    assert r.status_code == 200
    assert r.get_json()["data"]["dueAt"] == "2025-01-17T10:01:00.000Z"


def test_schedule_with_due_at(ws, thread):
    data = ws.post(f"/sdr/threads/{thread}/followup/schedule", {"dueAt": "2025-01-20T09:00:00.000Z"}).get_json()["data"]
    assert (data["dueAt"], data["status"], data["sdrId"]) == ("2025-01-20T09:00:00.000Z", "pending", SDR)


def test_schedule_on_an_unknown_thread_is_404_thread_not_found(ws):
    r = ws.post("/sdr/threads/thread_nope/followup/schedule", {})
    assert (r.status_code, r.get_json()["code"]) == (404, "thread_not_found")


def test_generate_drafts_gives_the_requested_variants(ws, thread):
    data = ws.post("/sdr/drafts/generate", {"threadId": thread, "variantCount": 2}).get_json()["data"]
    assert len(data["drafts"]) == 2 and len(data["insights"]) == 2 and data["appliedRules"] == []
    assert data["insights"][0]["draftId"] == data["drafts"][0]["id"]
    assert data["drafts"][0]["subject"] == "Re: Quick question, Ava"
    assert data["drafts"][0]["bodyText"].startswith("Hi Ava,")


def test_variant_count_is_kept_within_one_to_three(ws, thread):
    assert len(ws.post("/sdr/drafts/generate", {"threadId": thread, "variantCount": 9}).get_json()["data"]["drafts"]) == 3
    assert len(ws.post("/sdr/drafts/generate", {"threadId": thread, "variantCount": 0}).get_json()["data"]["drafts"]) == 1


def test_generate_without_thread_id_is_400_invalid_request(ws):
    r = ws.post("/sdr/drafts/generate", {})
    assert (r.status_code, r.get_json()["code"]) == (400, "invalid_request")


def test_send_draft_returns_the_message_id_and_guardrails(ws, thread):
    draft = ws.post("/sdr/drafts/generate", {"threadId": thread}).get_json()["data"]["drafts"][0]
    r = ws.post(f"/sdr/drafts/{draft['id']}/send", {})
    data = r.get_json()["data"]
    assert r.status_code == 200 and len(data["messageId"]) == 16
    assert data["guardrails"]["blocked"] is False
    assert set(data["guardrails"]["scores"]) == {"overall", "readability", "personalization", "linkQuality"}
    assert ws.get("/sdr/inbox").get_json()["data"]["threads"][0]["status"] == "awaiting_reply"


def test_a_blocked_send_is_422_with_guardrails(ws, thread):
    draft = ws.post("/sdr/drafts/generate", {"threadId": thread}).get_json()["data"]["drafts"][0]
    r = ws.post(f"/sdr/drafts/{draft['id']}/send", {"finalBodyHtml": "<p>Hi {{firstName}}, quick one</p>"})
    body = r.get_json()
    assert (r.status_code, body["code"], body["guardrails"]["blocked"]) == (422, "guardrails_blocked", True)
    assert body["guardrails"]["issues"][0]["code"] == "unresolved_placeholder"


def test_a_draft_sends_once(ws, thread):
    draft = ws.post("/sdr/drafts/generate", {"threadId": thread}).get_json()["data"]["drafts"][0]
    ws.post(f"/sdr/drafts/{draft['id']}/send", {})
    r = ws.post(f"/sdr/drafts/{draft['id']}/send", {})
    assert (r.status_code, r.get_json()["code"]) == (409, "draft_already_sent")


def test_send_with_gmail_needing_reauth_is_refused(ws, thread):
    draft = ws.post("/sdr/drafts/generate", {"threadId": thread}).get_json()["data"]["drafts"][0]
    ws.control("PUT", f"/sdrs/{SDR}/gmail", {"healthState": "needs_reauth"})
    r = ws.post(f"/sdr/drafts/{draft['id']}/send", {})
    assert (r.status_code, r.get_json()["code"]) == (400, "gmail_not_connected")


def test_gmail_status(ws):
    data = ws.get("/sdr/gmail/status").get_json()["data"]
    assert data == {"connected": True, "email": "jordan.sdr@gmail.com", "healthState": "active",
                    "lastSyncedAt": "2025-01-15T10:00:00.000Z"}


def test_gmail_status_shows_the_last_sync_error_when_there_is_one(ws):
    ws.control("PUT", f"/sdrs/{SDR}/gmail", {"healthState": "rate_limited", "lastSyncError": "429 from Gmail"})
    data = ws.get("/sdr/gmail/status").get_json()["data"]
    assert (data["healthState"], data["lastSyncError"]) == ("rate_limited", "429 from Gmail")


def test_the_key_can_be_linked_to_another_sdr(ws):
    ws.control("PUT", "/settings", {"sdrId": "sdr_01hx7c9v2k4m6n8p0q1r3s5t7x"})
    assert ws.get("/sdr/gmail/status").get_json()["data"]["healthState"] == "disconnected"


def test_sdr_responses_of_an_unused_workspace_are_empty(ws):
    assert ws.get("/sdr/inbox").get_json() == {"data": {"threads": [], "total": 0, "hasMore": False}}
    assert ws.enroll(ws.campaign(), leads(1))["enrolled"] == 1
