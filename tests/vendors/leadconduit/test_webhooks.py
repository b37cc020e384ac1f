"""Lifecycle webhooks to notifications.webhook_url, received by a real HTTP server on loopback and verified
the way spec section 5.3 tells a customer to."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from sim.vendors.leadconduit.webhooks import sign, signed_body
from tests.support.receiver import LoopbackReceiver

from .conftest import FLOW, body_of
from .seed_examples import DELIVERED_PAYLOAD, SUBMIT, VECTOR_KEY, VECTOR_MESSAGE, VECTOR_SIGNATURE


class Receiver(LoopbackReceiver):
    """Records every POST; answers with the queued statuses, then ``default``."""

    path = "/webhooks/leadconduit"

    def __init__(self):
        self.requests: list[tuple[dict, bytes]] = []
        self.statuses: list[int] = []
        self.default = 200
        super().__init__()

    def answer(self, headers: dict, body: bytes) -> int:
        self.requests.append((headers, body))
        return self.statuses.pop(0) if self.statuses else self.default

    def payloads(self) -> list[dict]:
        return [json.loads(body) for _, body in self.requests]



@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def hooked(lc, receiver):
    assert lc.settings(notifications={"webhook_url": receiver.url}).status_code == 200
    return lc


def verify_by_reserializing(body: bytes, key: str) -> bool:
    """Way (a): parse, drop ``signature``, serialize canonically, HMAC, compare in constant time."""
    payload = json.loads(body)
    signature = payload.pop("signature")
    message = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    expected = "sha256=" + hmac.new(key.encode(), message, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def verify_raw_body(body: bytes, key: str) -> bool:
    """Way (b): strip the trailing signature member from the raw bytes and HMAC what remains."""
    head, sep, tail = body.rpartition(b',"signature":"')
    signature = tail[:-2].decode()
    expected = "sha256=" + hmac.new(key.encode(), head + b"}", hashlib.sha256).hexdigest()
    return bool(sep) and tail.endswith(b'"}') and hmac.compare_digest(expected, signature)


def test_signature_matches_the_spec_test_vector():
    message, signature = sign(DELIVERED_PAYLOAD, VECTOR_KEY)
    assert message.decode() == VECTOR_MESSAGE
    assert signature == VECTOR_SIGNATURE


def test_signed_body_is_the_canonical_message_with_signature_spliced_last():
    body, _ = signed_body(DELIVERED_PAYLOAD, VECTOR_KEY)
    assert body.decode() == VECTOR_MESSAGE[:-1] + f',"signature":"{VECTOR_SIGNATURE}"' + "}"
    assert verify_by_reserializing(body, VECTOR_KEY) and verify_raw_body(body, VECTOR_KEY)


def test_seed_lead_fires_received_accepted_delivered_in_order(hooked, receiver):
    hooked.post(f"/flows/{FLOW}/leads", raw=SUBMIT)
    hooked.advance(0)
    assert [p["event_type"] for p in receiver.payloads()] == ["lead.received", "lead.accepted", "lead.delivered"]


def test_every_webhook_verifies_both_ways_with_the_api_key(hooked, receiver):
    hooked.post(f"/flows/{FLOW}/leads", raw=SUBMIT)
    hooked.advance(0)
    assert receiver.requests
    for _, body in receiver.requests:
        assert verify_by_reserializing(body, hooked.key)
        assert verify_raw_body(body, hooked.key)


def test_delivered_payload_has_the_seed_shape(hooked, receiver):
    lead_id = body_of(hooked.post(f"/flows/{FLOW}/leads", raw=SUBMIT))["id"]
    hooked.advance(0)
    delivered = receiver.payloads()[2]
    assert list(delivered) == ["data", "event_type", "flow_id", "lead_id", "timestamp", "signature"]
    assert (delivered["flow_id"], delivered["lead_id"]) == ("flow_789xyz", lead_id)
    assert delivered["data"]["lead"] == {"email": "john.doe@example.com", "first_name": "John", "last_name": "Doe",
                                         "phone": "+15551234567"}
    assert delivered["data"]["recipient"] == {"id": "recipient_789", "name": "CRM Integration"}
    assert delivered["data"]["quality_score"] == 0.89
    assert delivered["signature"].startswith("sha256=") and len(delivered["signature"]) == 71


def test_webhook_timestamp_and_delivery_time_equal_the_delivered_event(hooked, receiver):
    hooked.post(f"/flows/{FLOW}/leads", raw=SUBMIT)
    hooked.advance(0)
    event = body_of(hooked.get(f"/flows/{FLOW}/events?event_type=delivered"))["events"][0]
    delivered = receiver.payloads()[2]
    assert delivered["timestamp"] == event["timestamp"]
    assert delivered["data"]["delivery_time_ms"] == event["duration_ms"]


def test_webhook_headers(hooked, receiver):
    hooked.submit()
    hooked.advance(0)
    headers, body = receiver.requests[0]
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == "LeadConduit-Webhook/1.0"
    assert headers["X-LeadConduit-Event"] == "lead.received"
    assert headers["X-LeadConduit-Signature"] == json.loads(body)["signature"]


def test_accepted_payload_carries_quality_and_pricing(hooked, receiver):
    hooked.submit()
    hooked.advance(0)
    accepted = receiver.payloads()[1]
    assert accepted["data"]["pricing"] == {"amount": 25, "currency": "USD"}
    assert accepted["data"]["quality_score"] == 0.8


def test_rejected_lead_fires_received_then_rejected_with_reason(hooked, receiver):
    hooked.submit(lead=hooked.lead(age=16))
    hooked.advance(0)
    payloads = receiver.payloads()
    assert [p["event_type"] for p in payloads] == ["lead.received", "lead.rejected"]
    assert payloads[1]["data"]["reason"] == "Acceptance criteria not met"


def test_failed_delivery_fires_lead_failed(hooked, receiver):
    hooked.recipient("5xx", response_code=503)
    hooked.submit()
    hooked.advance(0)
    failed = receiver.payloads()[-1]
    assert failed["event_type"] == "lead.failed"
    assert failed["data"]["response_code"] == 503
    assert failed["data"]["reason"] == "Recipient responded with HTTP 503"


def test_test_mode_fires_no_delivery_webhook(hooked, receiver):
    hooked.submit(options={"test_mode": True})
    hooked.advance(0)
    assert [p["event_type"] for p in receiver.payloads()] == ["lead.received", "lead.accepted"]


def test_conversion_fires_lead_converted_signed_with_the_submitting_key(hooked, receiver):
    lead_id = body_of(hooked.submit())["id"]
    r = hooked.convert(lead_id)
    assert r.status_code == 200
    assert r.get_json()["events"][-1]["type"] == "converted"
    hooked.advance(0)
    headers, body = receiver.requests[-1]
    assert json.loads(body)["event_type"] == "lead.converted"
    assert verify_by_reserializing(body, hooked.key)


def test_duplicate_fires_nothing(hooked, receiver):
    lead = hooked.lead()
    hooked.submit(lead=lead)
    hooked.advance(0)
    count = len(receiver.requests)
    hooked.submit(lead=lead)
    hooked.advance(0)
    assert len(receiver.requests) == count


def test_failed_attempt_is_retried_after_one_second_with_identical_bytes(hooked, receiver):
    receiver.statuses = [500]
    hooked.submit()
    hooked.advance(0)
    assert len(receiver.requests) == 3
    hooked.advance(1)
    assert len(receiver.requests) == 4
    assert receiver.requests[3][1] == receiver.requests[0][1]


def test_three_attempts_then_the_delivery_is_failed(hooked, receiver):
    receiver.default = 500
    hooked.submit(lead=hooked.lead(age=3))  # received + rejected
    hooked.advance(0)
    hooked.advance(1)
    hooked.advance(2)
    hooked.advance(60)
    received = [d for d in hooked.deliveries() if d["event"] == "lead.received"]
    assert [d["attempt"] for d in received] == [1, 2, 3]
    assert received[-1]["state"] == "failed"


def test_no_webhook_url_means_no_deliveries(lc):
    lc.submit()
    lc.advance(0)
    assert lc.deliveries() == []


def test_workspace_webhook_secret_overrides_the_key(hooked, receiver):
    hooked.sim_settings(webhook_secret="whsec_local")
    hooked.submit()
    hooked.advance(0)
    assert verify_by_reserializing(receiver.requests[0][1], "whsec_local")


def test_clearing_notifications_stops_webhooks(hooked, receiver):
    hooked.settings(notifications=None)
    hooked.submit()
    hooked.advance(0)
    assert receiver.requests == []
