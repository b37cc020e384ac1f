"""POST /v1/webhooks and signed deliveries to a real loopback receiver, with Leadterra's retry schedule."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from tests.vendors.leadterra.conftest import leads, verify_signature

ALL = ["campaign.started", "message.sent", "message.bounced", "reply.received"]


def register(ws, url, events=None):
    r = ws.post("/webhooks", {"url": url, "events": events or ALL})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.get_json()["webhook"]


def deliveries(ws):
    return ws.client.get(f"/_sim/workspaces/{ws.id}/deliveries?vendor=leadterra").get_json()["deliveries"]


# --- registration ------------------------------------------------------------------------------------------
def test_register_returns_the_webhook_envelope_with_a_signing_secret(ws):
    hook = register(ws, "https://hooks.example.com/leadterra", ["reply.received", "message.sent"])
    assert hook["id"].startswith("wh_")
    assert hook["url"] == "https://hooks.example.com/leadterra"
    assert hook["events"] == ["reply.received", "message.sent"]
    assert hook["status"] == "active" and hook["createdAt"] == "2025-01-15T10:00:00Z"
    assert hook["signingSecret"].startswith("whsec_")


def test_register_plain_http_is_400_invalid_request(ws):
    r = ws.post("/webhooks", {"url": "http://hooks.example.com/x", "events": ALL})
    assert (r.status_code, r.get_json()["code"]) == (400, "invalid_request")


def test_register_plain_http_on_loopback_is_accepted(ws):
    assert ws.post("/webhooks", {"url": "http://127.0.0.1:9/x", "events": ALL}).status_code == 201


def test_register_without_events_is_400_invalid_request(ws):
    r = ws.post("/webhooks", {"url": "https://hooks.example.com/x", "events": []})
    assert (r.status_code, r.get_json()["code"]) == (400, "invalid_request")


def test_register_unknown_event_is_400_invalid_request(ws):
    r = ws.post("/webhooks", {"url": "https://hooks.example.com/x", "events": ["campaign.finished"]})
    assert (r.status_code, r.get_json()["code"]) == (400, "invalid_request")


def test_register_without_url_is_400_invalid_request(ws):
    r = ws.post("/webhooks", {"events": ALL})
    assert (r.status_code, r.get_json()["message"]) == (400, "url is required")


def test_register_with_an_out_of_range_port_is_400_invalid_request(ws):
    r = ws.post("/webhooks", {"url": "https://hooks.example.com:99999/x", "events": ALL})
    assert (r.status_code, r.get_json()["code"], r.get_json()["message"]) == (400, "invalid_request",
                                                                              "url has an invalid port")


def test_listing_webhooks_is_404_not_found(ws):
    register(ws, "https://hooks.example.com/x")
    r = ws.get("/webhooks")
    assert (r.status_code, r.get_json()["code"]) == (404, "not_found")


def test_deleting_or_updating_webhooks_is_404_not_found(ws):
    hook = register(ws, "https://hooks.example.com/x")
    for method in ("DELETE", "PATCH", "PUT"):
        for path in ("/webhooks", f"/webhooks/{hook['id']}"):
            r = ws.client.open(f"/leadterra/v1{path}", method=method, headers=ws.headers, json={"events": ALL})
            assert (r.status_code, r.get_json()["code"]) == (404, "not_found"), (method, path)


def test_several_webhooks_can_be_registered(ws):
    register(ws, "https://a.example.com/h")
    register(ws, "https://b.example.com/h")
    assert len(ws.control("GET", "/webhooks").get_json()["webhooks"]) == 2


# --- delivery ----------------------------------------------------------------------------------------------
def test_campaign_started_is_delivered_signed(ws, receiver):
    hook = register(ws, receiver.url)
    cid = ws.campaign()
    ws.enroll(cid, leads(1))
    ws.post(f"/campaigns/{cid}/start")
    ws.advance(0)
    request = next(r for r in receiver.requests if json.loads(r["raw"])["event"] == "campaign.started")
    assert verify_signature(hook["signingSecret"], request["raw"], request["headers"]["X-Leadterra-Signature"])
    assert json.loads(request["raw"]) == {"event": "campaign.started", "timestamp": "2025-01-15T10:00:00Z",
                                          "data": {"campaignId": cid, "status": "running",
                                                   "startedAt": "2025-01-15T10:00:00Z"}}


def test_signature_is_lowercase_hex_of_the_raw_body(ws, receiver):
    register(ws, receiver.url)
    cid = ws.campaign()
    ws.enroll(cid, leads(1))
    ws.post(f"/campaigns/{cid}/start")
    ws.advance(0)
    sig = receiver.requests[0]["headers"]["X-Leadterra-Signature"]
    assert len(sig) == 64 and sig == sig.lower() and int(sig, 16) >= 0


def test_campaign_started_fires_only_on_the_first_start(ws, receiver):
    register(ws, receiver.url, ["campaign.started"])
    cid = ws.campaign()
    ws.enroll(cid, leads(1))
    ws.post(f"/campaigns/{cid}/start")
    ws.post(f"/campaigns/{cid}/pause")
    ws.post(f"/campaigns/{cid}/start")
    ws.advance(0)
    assert len(receiver.events("campaign.started")) == 1


def test_message_sent_carries_the_documented_fields(ws, receiver):
    register(ws, receiver.url, ["message.sent"])
    cid = ws.campaign()
    ws.enroll(cid, leads(2))
    ws.post(f"/campaigns/{cid}/start")
    ws.advance(60)
    sent = receiver.events("message.sent")
    assert len(sent) == 2
    data = sent[0]["data"]
    assert data["sequenceStep"] == 1 and data["messageId"].startswith("msg_") and data["campaignId"] == cid
    assert data["email"] in {"lead0@example.com", "lead1@example.com"}
    assert data["senderAccountId"].startswith("sa_") and data["sentAt"] == "2025-01-15T10:00:00Z"
    assert sent[0]["timestamp"] == "2025-01-15T10:00:00Z"


def test_only_subscribed_events_are_delivered(ws, receiver):
    register(ws, receiver.url, ["reply.received"])
    cid = ws.campaign()
    ws.enroll(cid, leads(5))
    ws.post(f"/campaigns/{cid}/start")
    ws.advance(60)
    assert receiver.events() == []


def test_reply_received_carries_the_reply_object(ws, receiver):
    register(ws, receiver.url, ["reply.received"])
    cid = ws.campaign()
    ws.enroll(cid, leads(1))
    ws.post(f"/campaigns/{cid}/start")
    ws.advance(60)
    reply = ws.control("POST", "/replies", {"campaignId": cid, "email": "lead0@example.com",
                                           "classification": "interested", "text": "Yes please"}).get_json()
    ws.advance(0)
    [event] = receiver.events("reply.received")
    assert event["data"] == {"reply": reply}
    assert ws.get("/replies").get_json()["replies"][0] == reply


def test_message_bounced_carries_type_reason_and_the_sent_message_id(ws, receiver):
    register(ws, receiver.url, ["message.sent", "message.bounced"])
    cid = ws.campaign()
    ws.enroll(cid, leads(1))
    ws.post(f"/campaigns/{cid}/start")
    ws.advance(60)
    ws.control("POST", "/bounces", {"campaignId": cid, "email": "lead0@example.com", "type": "hard",
                                    "reason": "550 5.1.1 No such user"})
    ws.advance(0)
    [sent] = receiver.events("message.sent")
    [bounce] = receiver.events("message.bounced")
    assert bounce["data"]["messageId"] == sent["data"]["messageId"]
    assert (bounce["data"]["bounceType"], bounce["data"]["bounceReason"]) == ("hard", "550 5.1.1 No such user")


def test_a_failed_delivery_is_retried_after_one_minute_with_the_same_bytes(ws, receiver):
    hook = register(ws, receiver.url, ["campaign.started"])
    receiver.fail = 1
    cid = ws.campaign()
    ws.enroll(cid, leads(1))
    ws.post(f"/campaigns/{cid}/start")
    ws.advance(0)
    assert receiver.events() == []
    ws.advance(59)
    assert receiver.events() == []
    ws.advance(1)
    assert len(receiver.events("campaign.started")) == 1
    first, second = receiver.requests
    assert first["raw"] == second["raw"]
    assert verify_signature(hook["signingSecret"], second["raw"], second["headers"]["X-Leadterra-Signature"])


def test_retries_follow_1m_5m_30m_2h_8h_then_the_event_is_dropped(ws, receiver):
    register(ws, receiver.url, ["campaign.started"])
    receiver.fail = 100
    cid = ws.campaign()
    ws.enroll(cid, leads(1))
    ws.post(f"/campaigns/{cid}/start")
    ws.advance(86400)
    rows = [d for d in deliveries(ws) if d["event"] == "campaign.started"]
    assert [r["at"] for r in rows] == ["2025-01-15T10:00:00Z", "2025-01-15T10:01:00Z", "2025-01-15T10:06:00Z",
                                       "2025-01-15T10:36:00Z", "2025-01-15T12:36:00Z", "2025-01-15T20:36:00Z"]
    assert rows[-1]["state"] == "failed"
    assert ws.control("GET", "/webhooks").get_json()["webhooks"][0]["status"] == "active"


def test_signature_can_be_switched_to_base64_with_a_sha256_prefix(ws, receiver):
    ws.control("PUT", "/settings", {"signatureEncoding": "base64", "signaturePrefix": "sha256="})
    hook = register(ws, receiver.url, ["campaign.started"])
    cid = ws.campaign()
    ws.enroll(cid, leads(1))
    ws.post(f"/campaigns/{cid}/start")
    ws.advance(0)
    (request,) = receiver.requests
    digest = hmac.new(hook["signingSecret"].encode(), request["raw"], hashlib.sha256).digest()
    assert request["headers"]["X-Leadterra-Signature"] == "sha256=" + base64.b64encode(digest).decode()


def test_a_webhook_keeps_the_signature_format_it_was_registered_with(ws, receiver):
    hook = register(ws, receiver.url, ["campaign.started"])
    ws.control("PUT", "/settings", {"signatureEncoding": "base64"})
    cid = ws.campaign()
    ws.enroll(cid, leads(1))
    ws.post(f"/campaigns/{cid}/start")
    ws.advance(0)
    (request,) = receiver.requests
    assert verify_signature(hook["signingSecret"], request["raw"], request["headers"]["X-Leadterra-Signature"])


def test_the_webhooks_control_shows_each_signature_format(ws):
    register(ws, "https://a.example.com/h")
    ws.control("PUT", "/settings", {"signaturePrefix": "sha256="})
    register(ws, "https://b.example.com/h")
    hooks = ws.control("GET", "/webhooks").get_json()["webhooks"]
    assert sorted((h["url"], h["signatureEncoding"], h["signaturePrefix"]) for h in hooks) == [
        ("https://a.example.com/h", "hex", ""), ("https://b.example.com/h", "hex", "sha256=")]


def test_unknown_signature_formats_are_rejected_by_the_settings_control(ws):
    assert ws.control("PUT", "/settings", {"signatureEncoding": "base32"}).status_code == 422
    assert ws.control("PUT", "/settings", {"signaturePrefix": "sha1="}).status_code == 422
    assert ws.control("GET", "/settings").get_json()["signatureEncoding"] == "hex"
