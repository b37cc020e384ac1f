"""Auth, campaign create/start/pause/stats, the state machine and workspace isolation."""

from __future__ import annotations

from tests.vendors.leadterra.conftest import BASE, leads


def error(r) -> tuple[int, str]:
    body = r.get_json()
    assert body["error"]["code"] == body["code"] and body["error"]["message"] == body["message"]
    return r.status_code, body["code"]


# --- auth --------------------------------------------------------------------------------------------
def test_missing_key_is_401_authentication_failed(client):
    assert error(client.get(f"{BASE}/sender-pools")) == (401, "authentication_failed")


def test_malformed_key_is_401_authentication_failed(client):
    r = client.get(f"{BASE}/sender-pools", headers={"Authorization": "Bearer pk_live_abc"})
    assert error(r) == (401, "authentication_failed")


def test_unknown_well_formed_key_is_401_authentication_failed(client):
    r = client.get(f"{BASE}/sender-pools", headers={"Authorization": "Bearer sk_live_doesnotexist"})
    assert error(r) == (401, "authentication_failed")


def test_revoked_key_is_401_authentication_failed(client, ws):
    client.post(f"/_sim/workspaces/{ws.id}/keys/leadterra/{ws.key}/revoke")
    assert error(ws.get("/sender-pools")) == (401, "authentication_failed")


def test_sk_test_key_is_accepted(client, ws):
    r = ws.control("POST", "/keys", {"mode": "test"})
    key = r.get_json()["key"]
    assert key.startswith("sk_test_")
    assert client.get(f"{BASE}/sender-pools", headers={"Authorization": f"Bearer {key}"}).status_code == 200


def test_reserved_key_is_404_workspace_not_found(client):
    r = client.get(f"{BASE}/sender-pools", headers={"Authorization": "Bearer sk_live_workspace_not_found"})
    assert error(r) == (404, "workspace_not_found")


def test_sk_test_placeholder_reaches_the_default_workspace(client):
    r = client.get(f"{BASE}/sender-pools", headers={"Authorization": "Bearer sk_test_YOUR_KEY"})
    assert r.get_json()["senderPools"][0]["id"] == "pool_abc123"


def test_workspace_not_found_toggle_is_404_workspace_not_found(ws):
    ws.control("PUT", "/settings", {"workspaceNotFound": True})
    assert error(ws.get("/sender-pools")) == (404, "workspace_not_found")


def test_suspended_workspace_toggle_is_403(ws):
    ws.control("PUT", "/settings", {"suspended": True})
    assert error(ws.get("/sender-accounts")) == (403, "workspace_suspended")


def test_error_responses_carry_a_request_id_header(ws):
    assert ws.get("/campaigns/camp_nope/stats").headers["X-Request-Id"].startswith("req_")


# --- pools and accounts ---------------------------------------------------------------------------
def test_sender_pools_carries_both_remaining_fields_and_the_account_ids(ws):
    pool = ws.get("/sender-pools").get_json()["senderPools"][0]
    assert pool["remainingVolume"] == pool["remainingToday"] == 412
    assert len(pool["senderAccountIds"]) == pool["senderCount"] == 8


def test_sender_pools_compat_envelope_array(ws):
    ws.control("PUT", "/settings", {"poolsEnvelope": "array"})
    assert ws.get("/sender-pools").get_json()[0]["id"] == "pool_abc123"


def test_sender_pools_compat_envelope_pools(ws):
    ws.control("PUT", "/settings", {"poolsEnvelope": "pools"})
    assert ws.get("/sender-pools").get_json()["pools"][0]["name"] == "Primary Outbound"


def test_sender_accounts_is_a_bare_array_with_statuses(ws):
    accounts = ws.get("/sender-accounts").get_json()
    assert isinstance(accounts, list) and len(accounts) == 8
    assert {a["status"] for a in accounts} == {"active", "paused", "warming"}
    assert set(accounts[0]) >= {"id", "email", "name", "status"}


def test_sender_accounts_compat_envelope_data(ws):
    ws.control("PUT", "/settings", {"accountsEnvelope": "data"})
    assert len(ws.get("/sender-accounts").get_json()["data"]) == 8


# --- create ----------------------------------------------------------------------------------------
def test_create_returns_201_campaign_envelope_in_draft(ws):
    r = ws.post("/campaigns", {"name": "Q1", "sequenceSteps": [
        {"subject": "Hi {{firstName}}", "bodyHtml": "<p>1</p>"}, {"subject": "Re", "bodyHtml": "<p>2</p>", "delayDays": 3}]})
    assert r.status_code == 201
    camp = r.get_json()["campaign"]
    assert camp["id"].startswith("camp_") and camp["status"] == "draft" and camp["sequenceStepCount"] == 2
    assert camp["sequenceSteps"][1] == {"subject": "Re", "bodyHtml": "<p>2</p>", "delayDays": 3}
    assert camp["createdAt"] == "2025-01-15T10:00:00Z"


def test_create_without_steps_is_accepted_with_zero_steps(ws):
    r = ws.post("/campaigns", {"name": "Empty"})
    assert r.status_code == 201
    assert r.get_json()["campaign"]["sequenceStepCount"] == 0


def test_create_status_can_be_200_by_setting(ws):
    ws.control("PUT", "/settings", {"createCampaignStatus": 200})
    assert ws.post("/campaigns", {"name": "x"}).status_code == 200


def test_create_without_name_is_400_invalid_request(ws):
    r = ws.post("/campaigns", {"sequenceSteps": []})
    assert error(r) == (400, "invalid_request")
    assert r.get_json()["message"] == "name is required"


def test_create_with_step_missing_body_html_is_400_invalid_request(ws):
    r = ws.post("/campaigns", {"name": "x", "sequenceSteps": [{"subject": "s"}]})
    assert error(r) == (400, "invalid_request")
    assert r.get_json()["errors"][0]["field"] == "sequenceSteps[0].bodyHtml"


def test_create_with_wrong_type_is_400_invalid_request(ws):
    assert error(ws.post("/campaigns", {"name": 42})) == (400, "invalid_request")


def test_create_with_negative_delay_is_400_invalid_request(ws):
    r = ws.post("/campaigns", {"name": "x", "sequenceSteps": [{"subject": "s", "bodyHtml": "b", "delayDays": -1}]})
    assert error(r) == (400, "invalid_request")


def test_create_with_malformed_json_is_400_invalid_request(ws):
    r = ws.client.post(f"{BASE}/campaigns", headers={**ws.headers, "Content-Type": "application/json"}, data="{nope")
    assert error(r) == (400, "invalid_request")


def test_create_with_array_body_is_400_invalid_request(ws):
    assert error(ws.post("/campaigns", [{"name": "x"}])) == (400, "invalid_request")


def test_fresh_workspace_campaign_ids_are_ulids_not_the_quickstart_id(ws):
    assert ws.campaign() != "camp_123"


# --- start / pause -----------------------------------------------------------------------------------
def test_start_without_leads_is_400_no_leads_enrolled(ws):
    cid = ws.campaign()
    r = ws.post(f"/campaigns/{cid}/start")
    assert error(r) == (400, "no_leads_enrolled")


def test_start_without_steps_is_400_no_sequence_steps(ws):
    cid = ws.post("/campaigns", {"name": "no steps"}).get_json()["campaign"]["id"]
    ws.enroll(cid, leads(1))
    assert error(ws.post(f"/campaigns/{cid}/start")) == (400, "no_sequence_steps")


def test_start_without_leads_and_steps_reports_leads_first(ws):
    cid = ws.post("/campaigns", {"name": "nothing"}).get_json()["campaign"]["id"]
    assert error(ws.post(f"/campaigns/{cid}/start")) == (400, "no_leads_enrolled")


def test_start_unknown_campaign_is_404_campaign_not_found(ws):
    assert error(ws.post("/campaigns/camp_missing/start")) == (404, "campaign_not_found")


def test_start_twice_is_a_200_no_op(ws):
    cid = ws.campaign()
    ws.enroll(cid, leads(2))
    first = ws.post(f"/campaigns/{cid}/start").get_json()
    ws.advance(3600)
    second = ws.post(f"/campaigns/{cid}/start")
    assert second.status_code == 200
    assert second.get_json() == first


def test_pause_running_sets_paused_at(ws):
    cid = ws.campaign()
    ws.enroll(cid, leads(2))
    ws.post(f"/campaigns/{cid}/start")
    ws.advance(120)
    r = ws.post(f"/campaigns/{cid}/pause")
    assert r.status_code == 200
    assert r.get_json() == {"id": cid, "status": "paused", "pausedAt": "2025-01-15T10:02:00Z"}


def test_pause_draft_is_a_no_op_with_null_paused_at(ws):
    cid = ws.campaign()
    r = ws.post(f"/campaigns/{cid}/pause")
    assert (r.status_code, r.get_json()) == (200, {"id": cid, "status": "draft", "pausedAt": None})


def test_pause_paused_is_a_no_op_keeping_paused_at(ws):
    cid = ws.campaign()
    ws.enroll(cid, leads(1))
    ws.post(f"/campaigns/{cid}/start")
    first = ws.post(f"/campaigns/{cid}/pause").get_json()
    ws.advance(600)
    assert ws.post(f"/campaigns/{cid}/pause").get_json() == first


def test_resume_from_paused_sets_a_new_started_at(ws):
    cid = ws.campaign()
    ws.enroll(cid, leads(1))
    ws.post(f"/campaigns/{cid}/start")
    ws.post(f"/campaigns/{cid}/pause")
    ws.advance(3600)
    r = ws.post(f"/campaigns/{cid}/start")
    assert r.get_json() == {"id": cid, "status": "running", "startedAt": "2025-01-15T11:00:00Z"}


def test_pause_unknown_campaign_is_404_campaign_not_found(ws):
    assert error(ws.post("/campaigns/camp_missing/pause")) == (404, "campaign_not_found")


# --- stats ---------------------------------------------------------------------------------------------
def test_stats_of_a_draft_is_a_zero_baseline(ws):
    cid = ws.campaign()
    ws.enroll(cid, leads(3))
    assert ws.stats(cid) == {"campaignId": cid, "status": "draft", "totalEnrolled": 3, "sent": 0, "delivered": 0,
                             "bounced": 0, "replied": 0, "queued": 0, "openRate": 0, "replyRate": 0}


def test_stats_queued_counts_held_messages_while_paused(ws):
    cid = ws.campaign()
    ws.enroll(cid, leads(4))
    ws.post(f"/campaigns/{cid}/start")
    ws.post(f"/campaigns/{cid}/pause")
    ws.advance(86400)
    stats = ws.stats(cid)
    assert (stats["status"], stats["sent"], stats["queued"]) == ("paused", 0, 4)


def test_stats_after_resume_sends_the_held_messages(ws):
    cid = ws.campaign()
    ws.enroll(cid, leads(4))
    ws.post(f"/campaigns/{cid}/start")
    ws.post(f"/campaigns/{cid}/pause")
    ws.advance(3600)
    ws.post(f"/campaigns/{cid}/start")
    ws.advance(60)
    stats = ws.stats(cid)
    assert (stats["sent"], stats["queued"]) == (4, 0)


def test_stats_unknown_campaign_is_404_campaign_not_found(ws):
    assert error(ws.get("/campaigns/camp_missing/stats")) == (404, "campaign_not_found")


def test_stats_rates_are_fractions_of_delivered(ws):
    cid = ws.campaign()
    ws.enroll(cid, leads(200))
    ws.post(f"/campaigns/{cid}/start")
    ws.advance(10 * 86400)
    s = ws.stats(cid)
    assert s["sent"] == 200 and s["delivered"] + s["bounced"] == 200
    assert 0 < s["openRate"] <= 1 and 0 < s["replyRate"] <= 1
    assert s["replyRate"] == round(s["replied"] / s["delivered"], 4)


# --- isolation ------------------------------------------------------------------------------------------
def test_another_workspaces_campaign_is_404_campaign_not_found(ws, make_ws):
    other = make_ws(seed="other")
    cid = other.campaign()
    assert error(ws.get(f"/campaigns/{cid}/stats")) == (404, "campaign_not_found")
    assert error(ws.post(f"/campaigns/{cid}/leads/bulk", {"leads": leads(1)})) == (404, "campaign_not_found")
    assert error(ws.post(f"/campaigns/{cid}/start")) == (404, "campaign_not_found")


def test_undocumented_campaign_get_is_404_in_the_leadterra_envelope(ws):
    cid = ws.campaign()
    assert error(ws.get(f"/campaigns/{cid}")) == (404, "not_found")


def test_wrong_method_is_405_in_the_leadterra_envelope(ws):
    cid = ws.campaign()
    assert error(ws.get(f"/campaigns/{cid}/start")) == (405, "method_not_allowed")


def test_listing_campaigns_is_404_not_found(ws):
    ws.campaign()
    r = ws.get("/campaigns")
    assert error(r) == (404, "not_found")
    assert r.get_json()["message"] == "No route GET /v1/campaigns"


def test_deleting_campaigns_is_404_not_found(ws):
    assert error(ws.client.delete(f"{BASE}/campaigns", headers=ws.headers)) == (404, "not_found")


def test_a_deeply_nested_small_body_is_400_invalid_request(ws):
    raw = '{"name": "x", "a": ' + "[" * 5000 + "]" * 5000 + "}"
    r = ws.client.post(f"{BASE}/campaigns", headers={**ws.headers, "Content-Type": "application/json"}, data=raw)
    assert error(r) == (400, "invalid_request")
    assert r.get_json()["message"] == "Request body is not valid JSON"


def test_rate_limit_setting_gives_429_rate_limited_with_retry_after(ws):
    ws.control("PUT", "/settings", {"rateLimitPerMinute": 2})
    ws.get("/sender-pools")
    ws.get("/sender-pools")
    r = ws.get("/sender-pools")
    assert error(r) == (429, "rate_limited")
    assert int(r.headers["Retry-After"]) >= 1
