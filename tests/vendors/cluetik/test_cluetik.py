"""Cluetik over HTTP: auth, errors, leads, pagination, campaigns, agents and calls, emails, rate limits, webhooks."""

from __future__ import annotations

import hashlib
import hmac

from tests.vendors.cluetik.conftest import BASE


def test_missing_key_is_401_flat_body(client):
    r = client.get(BASE + "/leads")
    assert r.status_code == 401
    assert r.get_json() == {"code": "unauthorized", "message": "missing api key"}


def test_unknown_key_is_401(client):
    r = client.get(BASE + "/leads", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.get_json()["code"] == "unauthorized"


def test_placeholder_key_reaches_default_workspace(client):
    r = client.get(BASE + "/leads", headers={"Authorization": "bearer YOUR_API_KEY", "Content-Type": "application/json"})
    assert r.status_code == 200
    assert r.get_json() == {"data": [], "page": 1, "limit": 20, "total": 0, "has_more": False}


def test_create_lead_without_email_is_422_email_is_required(ws):
    r = ws.post("/leads", {"first_name": "Jane"})
    assert r.status_code == 422
    assert r.get_json() == {"code": "validation_error", "message": "email is required"}


def test_null_equals_omitted_and_unknown_fields_ignored(ws):
    r = ws.post("/leads", {"email": "jane@company.com", "first_name": None, "nickname": "JJ"})
    assert r.status_code == 201
    lead = r.get_json()
    assert lead["first_name"] is None and "nickname" not in lead
    assert lead["id"].startswith("lead_") and lead["status"] == "new" and lead["created_at"] == "2025-01-15T10:00:00Z"


def test_bad_email_and_wrong_type_are_422(ws):
    assert ws.post("/leads", {"email": "nope"}).get_json() == {"code": "validation_error", "message": "email is invalid"}
    r = ws.post("/leads", {"email": "a@b.co", "company": 5})
    assert r.status_code == 422 and r.get_json()["message"] == "company is invalid"


def test_malformed_json_is_400_bad_request(ws):
    r = ws.client.post(BASE + "/leads", headers={**ws.headers, "Content-Type": "application/json"}, data="{nope")
    assert r.status_code == 400 and r.get_json()["code"] == "bad_request"


def test_lead_crud_patch_partial_put_alias_delete(ws):
    lead = ws.lead(first_name="Jane", company="Acme Inc")
    lid = lead["id"]
    assert ws.get(f"/leads/{lid}").get_json() == lead
    r = ws.req("PATCH", f"/leads/{lid}", {"status": "interested"})
    assert r.status_code == 200 and r.get_json()["status"] == "interested" and r.get_json()["company"] == "Acme Inc"
    r = ws.req("PUT", f"/leads/{lid}", {"company": None})
    assert r.status_code == 200 and r.get_json()["company"] is None
    assert ws.req("DELETE", f"/leads/{lid}").status_code == 204
    for method in ("GET", "PATCH", "DELETE"):
        r = ws.req(method, f"/leads/{lid}", {} if method == "PATCH" else None)
        assert r.status_code == 404 and r.get_json()["code"] == "not_found"


def test_other_workspace_lead_is_404(make_ws):
    a, b = make_ws(), make_ws()
    lid = a.lead()["id"]
    assert b.get(f"/leads/{lid}").status_code == 404


def test_list_pagination_newest_first_and_filters(ws):
    ids = [ws.lead(f"p{i}@example.com", status="new" if i % 2 else "contacted")["id"] for i in range(5)]
    body = ws.get("/leads?limit=2").get_json()
    assert [d["id"] for d in body["data"]] == [ids[4], ids[3]]
    assert body["total"] == 5 and body["has_more"] is True and body["page"] == 1
    body = ws.get("/leads?limit=2&page=3").get_json()
    assert [d["id"] for d in body["data"]] == [ids[0]] and body["has_more"] is False
    body = ws.get("/leads?limit=2&offset=2").get_json()
    assert body["page"] == 2 and [d["id"] for d in body["data"]] == [ids[2], ids[1]]
    assert ws.get("/leads?status=contacted").get_json()["total"] == 3
    assert ws.get("/leads?email=P1@EXAMPLE.COM").get_json()["data"][0]["id"] == ids[1]


def test_limit_out_of_range_is_422(ws):
    for q in ("limit=0", "limit=101", "page=0", "limit=abc"):
        r = ws.get(f"/leads?{q}")
        assert r.status_code == 422 and r.get_json()["code"] == "validation_error", q


def test_unknown_route_404_and_wrong_method_405(ws):
    r = ws.get("/nothing")
    assert r.status_code == 404 and r.get_json()["code"] == "not_found"
    r = ws.req("DELETE", "/leads")
    assert r.status_code == 405 and r.get_json()["code"] == "method_not_allowed"


def test_rate_limit_headers_and_429(ws):
    r = ws.get("/leads")
    assert r.headers["X-RateLimit-Limit"] == "100" and r.headers["X-RateLimit-Remaining"] == "99"
    r = ws.client.put(f"/_sim/workspaces/{ws.id}/cluetik/rate-limit", json={"limit": 2, "key": ws.key})
    assert r.status_code == 200, r.get_data(as_text=True)
    ws.get("/leads")
    ws.get("/leads")
    r = ws.get("/leads")
    assert r.status_code == 429 and r.get_json()["code"] == "rate_limit_exceeded"
    assert int(r.headers["Retry-After"]) >= 1 and r.headers["X-RateLimit-Remaining"] == "0"


def test_campaign_state_machine(ws):
    camp = ws.campaign()
    cid = camp["id"]
    assert camp["status"] == "draft" and cid.startswith("camp_")
    r = ws.post(f"/campaigns/{cid}/pause")
    assert r.status_code == 422 and r.get_json() == {"code": "validation_error", "message": "campaign is not active"}
    assert ws.post(f"/campaigns/{cid}/start").get_json()["status"] == "active"
    assert ws.post(f"/campaigns/{cid}/start").status_code == 422
    assert ws.post(f"/campaigns/{cid}/pause").get_json()["status"] == "paused"
    assert ws.post(f"/campaigns/{cid}/resume").get_json()["status"] == "active"
    done = ws.post(f"/campaigns/{cid}/stop").get_json()
    assert done["status"] == "completed" and done["completed_at"] is not None
    assert ws.post(f"/campaigns/{cid}/start").get_json()["message"] == "campaign is completed"


def test_campaign_create_validation(ws):
    assert ws.post("/campaigns", {}).get_json() == {"code": "validation_error", "message": "name is required"}
    assert ws.post("/campaigns", {"name": "x", "agent_id": "agent_nope"}).get_json()["message"] == "agent_id is invalid"
    assert ws.post("/campaigns", {"name": "x", "lead_ids": ["lead_nope"]}).get_json()["message"] == "lead_ids is invalid"


def test_campaign_patch_list_filter_delete(ws):
    cid = ws.campaign()["id"]
    assert ws.req("PATCH", f"/campaigns/{cid}", {"name": "Renamed"}).get_json()["name"] == "Renamed"
    assert ws.get("/campaigns?status=draft").get_json()["total"] == 1
    assert ws.get("/campaigns?status=active").get_json()["total"] == 0
    assert ws.req("DELETE", f"/campaigns/{cid}").status_code == 204
    assert ws.get(f"/campaigns/{cid}").status_code == 404


def test_campaign_emails_leads_and_completes_on_the_clock(ws):
    leads = [ws.lead(f"l{i}@example.com", first_name=f"F{i}")["id"] for i in range(20)]
    cid = ws.campaign(lead_ids=leads[:10])["id"]
    r = ws.post(f"/campaigns/{cid}/leads", {"lead_ids": leads[10:]})
    assert r.status_code == 200 and r.get_json()["lead_count"] == 20
    assert ws.get(f"/leads/{leads[0]}").get_json()["campaign_id"] == cid
    ws.post(f"/campaigns/{cid}/start")
    ws.advance(7 * 86400)
    emails = ws.get(f"/emails?campaign_id={cid}&limit=100").get_json()
    assert emails["total"] == 20
    one = emails["data"][0]
    assert one["id"].startswith("email_") and one["subject"] == "Quick question" and one["sent_at"]
    assert ws.get(f"/emails/{one['id']}").get_json() == one
    assert ws.get(f"/campaigns/{cid}").get_json()["status"] == "completed"


def test_trigger_agent_queues_call_that_completes_on_the_clock(ws):
    lid = ws.lead(phone="+15550100")["id"]
    r = ws.post("/agents/agent_sdr01/trigger", {"lead_id": lid, "context": {"goal": "book"}})
    assert r.status_code == 202
    call = r.get_json()
    assert call["status"] == "queued" and call["outcome"] is None and call["id"].startswith("call_")
    ws.advance(31)
    assert ws.get(f"/calls/{call['id']}").get_json()["status"] == "in_progress"
    ws.advance(3600)
    done = ws.get(f"/calls/{call['id']}").get_json()
    assert done["status"] in ("completed", "failed") and done["outcome"] and isinstance(done["duration"], int)
    assert ws.get(f"/calls?lead_id={lid}").get_json()["total"] == 1


def test_trigger_errors(ws):
    lid = ws.lead()["id"]
    assert ws.post("/agents/agent_sdr01/trigger", {}).get_json()["message"] == "lead_id is required"
    assert ws.post("/agents/agent_sdr01/trigger", {"lead_id": "lead_x"}).get_json()["message"] == "lead_id is invalid"
    assert ws.post("/agents/agent_legacy01/trigger", {"lead_id": lid}).get_json()["message"] == "agent is not active"
    assert ws.post("/agents/agent_nope/trigger", {"lead_id": lid}).status_code == 404


def test_agents_are_seeded(ws):
    body = ws.get("/agents").get_json()
    assert {a["id"] for a in body["data"]} == {"agent_sdr01", "agent_followup01", "agent_legacy01"}
    assert ws.get("/agents/agent_sdr01").get_json()["name"] == "Outbound SDR"


def test_control_completes_a_call_with_a_chosen_outcome(ws):
    lid = ws.lead()["id"]
    call = ws.post("/agents/agent_sdr01/trigger", {"lead_id": lid}).get_json()
    r = ws.control("POST", f"/calls/{call['id']}/complete", {"outcome": "meeting_booked", "duration": 95})
    assert r.status_code == 200
    got = ws.get(f"/calls/{call['id']}").get_json()
    assert got["outcome"] == "meeting_booked" and got["duration"] == 95 and got["status"] == "completed"
    ws.advance(3600)
    assert ws.get(f"/calls/{call['id']}").get_json()["outcome"] == "meeting_booked"


def test_webhooks_signed_envelope_and_events(ws, receiver):
    sub = ws.webhook(receiver.url)
    lead = ws.lead()
    ws.req("PATCH", f"/leads/{lead['id']}", {"status": "contacted"})
    ws.req("PATCH", f"/leads/{lead['id']}", {"status": "contacted"})  # no change: no event
    cid = ws.campaign(lead_ids=[lead["id"]])["id"]
    ws.post(f"/campaigns/{cid}/start")
    call = ws.post("/agents/agent_sdr01/trigger", {"lead_id": lead["id"]}).get_json()
    ws.advance(2 * 86400)
    names = [e["event"] for e in receiver.events()]
    for name in ("lead.created", "lead.updated", "campaign.started", "email.sent", "call.completed"):
        assert name in names, names
    assert names.count("lead.updated") >= 2  # the PATCH and joining the campaign (a reply may add one)
    first = receiver.requests[0]
    assert set(receiver.events()[0]) == {"id", "event", "created_at", "data"}
    expected = hmac.new(sub["secret"].encode(), first["raw"], hashlib.sha256).hexdigest()
    sig = {k.lower(): v for k, v in first["headers"].items()}["x-cluetik-signature"]
    assert sig == expected
    done = [e for e in receiver.events("call.completed") if e["data"]["id"] == call["id"]][0]
    assert done["data"]["outcome"] and "duration" in done["data"]


def test_open_tracking_off_suppresses_email_opened(ws, receiver):
    ws.webhook(receiver.url)
    lead = ws.lead()
    cid = ws.campaign(lead_ids=[lead["id"]], open_tracking=False)["id"]
    ws.post(f"/campaigns/{cid}/start")
    ws.advance(86400)
    email = ws.get("/emails").get_json()["data"][0]
    assert ws.control("POST", f"/emails/{email['id']}/open").status_code == 200
    assert ws.get(f"/emails/{email['id']}").get_json()["opened_at"] is not None
    assert receiver.events("email.opened") == []


def test_reply_control_emits_email_replied_and_marks_lead(ws, receiver):
    ws.webhook(receiver.url)
    lead = ws.lead()
    cid = ws.campaign(lead_ids=[lead["id"]])["id"]
    ws.post(f"/campaigns/{cid}/start")
    ws.advance(60)
    email = ws.get("/emails").get_json()["data"][0]
    r = ws.control("POST", f"/emails/{email['id']}/reply", {"classification": "interested"})
    assert r.status_code == 200 and r.get_json()["replied_at"] is not None
    ws.advance(1)
    assert ws.get(f"/leads/{lead['id']}").get_json()["status"] == "replied"
    assert [e["data"]["id"] for e in receiver.events("email.replied")] == [email["id"]]


def test_lead_deleted_event_carries_final_snapshot(ws, receiver):
    ws.webhook(receiver.url)
    lead = ws.lead()
    ws.req("DELETE", f"/leads/{lead['id']}")
    ws.advance(1)
    assert receiver.events("lead.deleted")[0]["data"]["email"] == "jane@company.com"


def test_failed_deliveries_are_retried_with_identical_bytes(ws, receiver):
    ws.webhook(receiver.url)
    receiver.fail = 2
    ws.lead()
    ws.advance(1)
    ws.advance(60)
    ws.advance(300)
    raws = [r["raw"] for r in receiver.requests]
    assert len(raws) == 3 and len(set(raws)) == 1 and receiver.requests[-1]["status"] == 200
