"""Puffle senders, email inboxes, domains, LinkedIn accounts and caps, settings, inbox, credits, misc."""

from __future__ import annotations

from .conftest import EMAIL_SENDER, LINKEDIN_SENDER, Puffle, new_workspace

DOMAIN = "5d1f6a3e-2c4b-4e8a-9b7d-0a1b2c3d4e5f"


def test_fixture_senders_are_ready(puffle):
    rows = {s["type"]: s for s in puffle.get("/senders").get_json()["senders"]}
    assert (rows["email"]["status"], rows["email"]["agentmail_inbox_id"]) == ("active", "inbox_abc123")
    assert (rows["linkedin"]["status"], rows["linkedin"]["weekly_connection_limit"]) == ("connected", 100)


def test_senders_filter_by_type_and_reject_unknown(puffle):
    assert [s["type"] for s in puffle.get("/senders?type=linkedin").get_json()["senders"]] == ["linkedin"]
    assert puffle.get("/senders?type=fax").get_json() == {"error": "type must be linkedin or email"}


def test_sender_detail_lists_campaign_mappings(puffle):
    camp = puffle.campaign()
    body = puffle.get(f"/senders/{EMAIL_SENDER}").get_json()
    assert body["mappings"] == [{"campaign_id": camp["id"], "account_id": EMAIL_SENDER}]
    assert body["account"]["stats"] == {"today_sent": 0, "today_committed": 0}


def test_create_email_account_starts_warming(puffle):
    r = puffle.post("/email/accounts", {"username": "Bob.Smith", "domain_id": DOMAIN})
    acc = r.get_json()["account"]
    assert r.status_code == 201
    assert (acc["email_address"], acc["status"], acc["warmup_status"]) == ("bob.smith@acme-outbound.com", "warming", "warming")


def test_create_email_account_on_unverified_domain_is_400(puffle):
    did = puffle.post("/email/domains", {"domain": "new-domain.io"}).get_json()["domain"]["id"]
    r = puffle.post("/email/accounts", {"username": "bob", "domain_id": did})
    assert r.status_code == 400
    assert r.get_json() == {"error": "Domain new-domain.io is pending — it must be verified before creating inboxes"}


def test_domain_verifies_after_background_check(puffle):
    did = puffle.post("/email/domains", {"domain": "new-domain.io"}).get_json()["domain"]["id"]
    puffle.advance(600)
    r = puffle.post(f"/email/domains/{did}/verify?poll=true")
    assert r.get_json()["status"] == "verified"


def test_retry_warmup_only_for_pending_accounts(puffle):
    r = puffle.patch(f"/email/accounts/{EMAIL_SENDER}/retry-warmup")
    assert r.status_code == 409


def test_failed_warmup_enable_can_be_retried(puffle):
    puffle.fault(method="JOB", path="puffle.warmup_enable", status=502, count=1)
    acc = puffle.post("/email/accounts", {"username": "bob", "domain_id": DOMAIN}).get_json()["account"]
    assert (acc["status"], acc["warmup_status"]) == ("pending", "not_started")
    r = puffle.patch(f"/email/accounts/{acc['id']}/retry-warmup")
    assert r.get_json()["account"]["status"] == "warming"


def test_warmup_graduates_after_two_weeks(puffle):
    acc = puffle.post("/email/accounts", {"username": "bob", "domain_id": DOMAIN}).get_json()["account"]
    assert puffle.get("/email/accounts/warmup-analytics").get_json()["transitions"] == {}
    puffle.advance(16 * 86400)
    body = puffle.get("/email/accounts/warmup-analytics").get_json()
    assert body["transitions"][acc["id"]] == {"warmup_status": "active", "status": "active"}


def test_linkedin_connect_creates_account_after_hosted_auth(puffle):
    url = puffle.post("/unipile/connect").get_json()["url"]
    assert url.startswith("https://account.unipile.com/")
    puffle.advance(120)
    assert len(puffle.get("/unipile/accounts").get_json()["accounts"]) == 2


def test_unipile_disconnect_is_soft(puffle):
    assert puffle.delete(f"/unipile/accounts?accountId={LINKEDIN_SENDER}").get_json() == {"success": True}
    assert puffle.get("/unipile/accounts").get_json()["accounts"] == []
    assert puffle.get(f"/senders/{LINKEDIN_SENDER}").get_json()["account"]["status"] == "disconnected"


def test_refresh_reports_premium_change(puffle):
    puffle.control("PATCH", f"/senders/{LINKEDIN_SENDER}", {"upstream_premium": False})
    body = puffle.post("/unipile/refresh", {"accountId": LINKEDIN_SENDER}).get_json()
    assert (body["weekly_connection_limit"], body["weekly_message_limit"]) == (80, 100)
    assert body["changed"]["is_premium"] == {"from": True, "to": False}


def test_linkedin_weekly_connection_cap_holds_over_rolling_seven_days(puffle):
    puffle.put("/settings", {"campaign_account": {"account_id": LINKEDIN_SENDER, "daily_limit": 500,
                                                  "weekly_connection_limit": 5}})
    camp = puffle.ready_campaign("linkedin", leads=8)
    puffle.post(f"/campaigns/{camp['id']}/launch")
    puffle.advance(3 * 86400)
    assert puffle.get(f"/campaigns/{camp['id']}").get_json()["campaign"]["stats"]["connection_sent"] == 5
    puffle.advance(5 * 86400)
    assert puffle.get(f"/campaigns/{camp['id']}").get_json()["campaign"]["stats"]["contacted"] == 8


def test_daily_limit_caps_sends_per_account(puffle):
    puffle.put("/settings", {"campaign_account": {"account_id": EMAIL_SENDER, "daily_limit": 2}})
    camp = puffle.ready_campaign(leads=5)
    puffle.post(f"/campaigns/{camp['id']}/launch")
    puffle.advance(120 + 6 * 3600)
    assert puffle.get(f"/campaigns/{camp['id']}").get_json()["campaign"]["stats"]["contacted"] == 2


def test_settings_defaults_and_timezone_update(puffle):
    body = puffle.get("/settings").get_json()
    assert body["timezone"] == {"timezone": "America/New_York", "isDefault": True} and body["admin"] is None
    r = puffle.put("/settings", {"timezone": "America/Los_Angeles"})
    assert r.get_json() == {"success": True, "updated": {"timezone": {"success": True, "timezone": "America/Los_Angeles"}}}


def test_settings_rejects_bad_timezone_empty_body_and_non_admin(puffle):
    assert puffle.put("/settings", {"timezone": "Mars/Base"}).get_json() == {"error": "Invalid timezone: Mars/Base"}
    assert puffle.put("/settings", {}).status_code == 400
    r = puffle.put("/settings", {"allow_warming_accounts": True})
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden"


def test_settings_unknown_account_is_404(puffle):
    r = puffle.put("/settings", {"campaign_account": {"account_id": "8c2b2d4e-e29b-41d4-a716-446655449999", "daily_limit": 5}})
    assert r.status_code == 404


def test_campaign_settings_lists_sendable_accounts_with_limits(puffle):
    accounts = puffle.get("/campaigns/settings").get_json()["accounts"]
    li = next(a for a in accounts if a["type"] == "linkedin")
    assert li["limits"]["max_connection_limit"] == 150 and li["daily_stats"] == {"sent": 0, "daily_limit": 30}


def test_reply_opens_conversation_and_get_resets_unread(puffle):
    camp = puffle.ready_campaign(leads=1)
    puffle.post(f"/campaigns/{camp['id']}/launch")
    puffle.advance(120 + 3600)
    lead = puffle.get(f"/campaigns/{camp['id']}/leads").get_json()["prospects"][0]
    puffle.control("POST", f"/campaigns/{camp['id']}/prospects/{lead['id']}/reply", {"class": "interested"})
    convs = puffle.get("/conversations").get_json()
    assert convs["total"] == 1 and convs["limit"] == 50
    conv = convs["conversations"][0]
    assert (conv["unread_count"], conv["last_message_direction"], conv["channel"]) == (1, "inbound", "email")
    detail = puffle.get(f"/conversations/{conv['id']}").get_json()
    assert [m["direction"] for m in detail["messages"]] == ["outbound", "inbound"]
    assert puffle.get(f"/conversations/{conv['id']}").get_json()["conversation"]["unread_count"] == 0
    assert puffle.get(f"/campaigns/{camp['id']}").get_json()["campaign"]["stats"]["replied"] == 1


def test_send_reply_from_inbox(puffle):
    camp = puffle.ready_campaign(leads=1)
    puffle.post(f"/campaigns/{camp['id']}/launch")
    puffle.advance(120 + 3600)
    lead = puffle.get(f"/campaigns/{camp['id']}/leads").get_json()["prospects"][0]
    puffle.control("POST", f"/campaigns/{camp['id']}/prospects/{lead['id']}/reply", {})
    conv = puffle.get("/conversations").get_json()["conversations"][0]
    msg = puffle.post(f"/conversations/{conv['id']}/messages", {"body_text": "Great, Tuesday?"}).get_json()["message"]
    assert (msg["direction"], msg["campaign_id"]) == ("outbound", None)
    assert puffle.get(f"/conversations/{conv['id']}/messages").get_json()["total"] == 3


def test_conversation_of_other_workspace_is_404(puffle, other):
    camp = puffle.ready_campaign(leads=1)
    puffle.post(f"/campaigns/{camp['id']}/launch")
    puffle.advance(120 + 3600)
    lead = puffle.get(f"/campaigns/{camp['id']}/leads").get_json()["prospects"][0]
    puffle.control("POST", f"/campaigns/{camp['id']}/prospects/{lead['id']}/reply", {})
    conv = puffle.get("/conversations").get_json()["conversations"][0]
    assert other.post(f"/conversations/{conv['id']}/messages", {"body_text": "hi"}).status_code == 404


def test_credit_preview_math(puffle):
    r = puffle.post("/credits/preview", {"action": "DEEP_RESEARCH", "count": 10})
    assert r.get_json() == {"action": "DEEP_RESEARCH", "count": 10, "costPerUnit": 40, "totalCredits": 400,
                            "totalDollars": 20, "sufficient": True, "balance": 900}


def test_credit_preview_fails_open_when_billing_unreachable(puffle):
    puffle.control("PATCH", "/account", {"unreachable": True})
    body = puffle.post("/credits/preview", {"action": "EMAIL_LOOKUP", "count": 1}).get_json()
    assert (body["sufficient"], body["balance"]) == (True, None)


def test_credit_preview_unknown_action_is_400(puffle):
    assert puffle.post("/credits/preview", {"action": "NOPE", "count": 1}).status_code == 400


def test_credits_config_has_registry_and_costs(puffle):
    body = puffle.get("/credits/config").get_json()
    assert body["registryVersion"] == "billing-registry:v1"
    assert body["operations"]["work_email_lookup"]["credits"] == 2
    assert body["legacyCreditActions"]["EMAIL_LOOKUP"] == "work_email_lookup"
    assert body["costs"]["AI_MESSAGE_GENERATION"] == 2


def test_provision_is_idempotent(puffle):
    assert puffle.post("/credits/provision").get_json() == {"provisioned": False, "reason": "already_has_plan"}


def test_api_key_management_needs_a_session(puffle):
    r = puffle.post("/user/api-key")
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "unauthorized"


def test_vendor_mode_serves_real_paths_with_placeholder_key():
    from sim.app import create_app
    from sim.config import Config
    from sim.vendors.puffle import SPEC
    app = create_app(Config(store="memory", vendor="puffle"), [SPEC])
    try:
        r = app.test_client().get("/api/campaigns", headers={"Authorization": "Bearer pk_live_YOUR_KEY"})
        assert (r.status_code, r.get_json()) == (200, {"campaigns": []})
    finally:
        app.extensions["sim"].close()


def test_rate_limit_is_429_with_retry_after(client):
    ws = new_workspace(client)
    client.application.extensions["sim"].set_vendor_setting(ws["id"], "puffle", "rate_limit", 2)
    puffle = Puffle(client, ws)
    codes = [puffle.get("/campaigns").status_code for _ in range(3)]
    r = puffle.get("/campaigns")
    assert codes == [200, 200, 429] and r.status_code == 429
    assert r.get_json() == {"error": "Rate limit exceeded"} and int(r.headers["Retry-After"]) >= 1
