"""POST /flows/{flow_id}/leads: the seed's example, field validation, options, duplicates, flow gates."""

from __future__ import annotations

import re

from .conftest import FLOW, body_of
from .seed_examples import SUBMIT

LEAD_ID = re.compile(r"^lead_[a-z0-9]{12}$")
EVENT_ID = re.compile(r"^event_[a-z0-9]{12}$")


def test_seed_submit_body_is_201_with_the_seed_fields(lc):
    r = lc.post(f"/flows/{FLOW}/leads", raw=SUBMIT)
    assert r.status_code == 201
    body = body_of(r)
    assert list(body) == ["id", "status", "flow_id", "created_at", "events", "quality_score", "pricing"]
    assert LEAD_ID.match(body["id"])
    assert body["status"] == "accepted"
    assert body["flow_id"] == "flow_789xyz"
    assert body["created_at"] == "2024-01-15T10:30:00Z"
    assert body["pricing"] == {"amount": 25, "currency": "USD"}
    assert 0 <= body["quality_score"] <= 1


def test_seed_submit_events_are_received_enhanced_delivered_all_success(lc):
    events = body_of(lc.post(f"/flows/{FLOW}/leads", raw=SUBMIT))["events"]
    assert [(e["type"], e["outcome"]) for e in events] == [
        ("received", "success"), ("enhanced", "success"), ("delivered", "success")]
    assert all(EVENT_ID.match(e["id"]) for e in events)
    assert events[1]["enhancements"] == ["email_validation", "phone_format"]
    assert events[2]["recipient"] == "buyer_crm_system"
    assert [e["timestamp"] for e in events] == sorted(e["timestamp"] for e in events)


def test_seed_submit_event_keys_match_the_seed(lc):
    events = body_of(lc.post(f"/flows/{FLOW}/leads", raw=SUBMIT))["events"]
    assert [list(e) for e in events] == [["id", "type", "timestamp", "outcome"],
                                         ["id", "type", "timestamp", "outcome", "enhancements"],
                                         ["id", "type", "timestamp", "outcome", "recipient"]]


def test_seed_submit_quality_score_follows_the_spec_formula(lc):
    assert body_of(lc.post(f"/flows/{FLOW}/leads", raw=SUBMIT))["quality_score"] == 0.89


def test_integral_price_is_written_as_an_integer(lc):
    r = lc.post(f"/flows/{FLOW}/leads", raw=SUBMIT)
    assert b'"pricing":{"amount":25,"currency":"USD"}' in r.get_data()


def test_seed_validation_example_invalid_email_and_missing_phone_is_400(lc):
    r = lc.submit(lead={"first_name": "John", "email": "not-an-email"})
    assert r.status_code == 400
    error = body_of(r)["error"]
    assert error["code"] == "validation_failed"
    assert error["message"] == "Lead validation failed"
    assert error["details"] == [
        {"field": "email", "code": "invalid_format", "message": "Email format is invalid"},
        {"field": "phone", "code": "missing_required", "message": "Phone number is required"}]
    assert error["request_id"].startswith("req_")
    assert r.headers["X-Request-Id"] == error["request_id"]


def test_validation_failure_creates_no_lead(lc):
    lc.submit(lead={"email": "bad"})
    assert body_of(lc.get("/leads"))["total_count"] == 0


def test_missing_email_is_missing_required(lc):
    r = lc.submit(lead={"phone": "5551234567"})
    assert body_of(r)["error"]["details"] == [
        {"field": "email", "code": "missing_required", "message": "Email is required"}]


def test_blank_required_field_counts_as_missing(lc):
    r = lc.submit(lead={"email": "  ", "phone": "5551234567"})
    assert body_of(r)["error"]["details"][0]["code"] == "missing_required"


def test_invalid_phone_is_invalid_format(lc):
    r = lc.submit(lead={"email": "a@example.com", "phone": "12345"})
    assert r.status_code == 400
    assert body_of(r)["error"]["details"] == [
        {"field": "phone", "code": "invalid_format", "message": "Phone number format is invalid"}]


def test_missing_lead_object_is_missing_required(lc):
    r = lc.post(f"/flows/{FLOW}/leads", {"options": {"test_mode": True}})
    assert r.status_code == 400
    assert body_of(r)["error"]["details"] == [{"field": "lead", "code": "missing_required", "message": "Lead is required"}]


def test_lead_that_is_not_an_object_is_missing_required(lc):
    r = lc.post(f"/flows/{FLOW}/leads", {"lead": "John Doe"})
    assert body_of(r)["error"]["details"][0] == {"field": "lead", "code": "missing_required",
                                                  "message": "Lead is required"}


def test_empty_body_reports_missing_lead(lc):
    r = lc.client.post(f"/leadconduit/api/v1/flows/{FLOW}/leads", headers=lc.headers())
    assert r.status_code == 400
    assert body_of(r)["error"]["details"][0]["field"] == "lead"


def test_malformed_json_is_400_invalid_json(lc):
    r = lc.post(f"/flows/{FLOW}/leads", raw='{"lead": {')
    assert r.status_code == 400
    assert body_of(r)["error"]["code"] == "invalid_json"


def test_non_json_content_type_is_400_invalid_json(lc):
    r = lc.client.post(f"/leadconduit/api/v1/flows/{FLOW}/leads", data="lead[email]=a@example.com",
                       content_type="application/x-www-form-urlencoded", headers=lc.headers())
    assert r.status_code == 400
    assert body_of(r)["error"] == {"code": "invalid_json", "message": "Content-Type must be application/json",
                                   "request_id": r.headers["X-Request-Id"]}


def test_json_array_body_is_400_invalid_json(lc):
    r = lc.post(f"/flows/{FLOW}/leads", raw="[1, 2]")
    assert r.status_code == 400
    assert body_of(r)["error"]["code"] == "invalid_json"


def test_wrong_option_types_are_invalid_format_on_options_fields(lc):
    r = lc.submit(options={"test_mode": "yes", "async": 1, "timeout": "fast"})
    assert r.status_code == 400
    assert [(d["field"], d["code"]) for d in body_of(r)["error"]["details"]] == [
        ("options.async", "invalid_format"), ("options.test_mode", "invalid_format"),
        ("options.timeout", "invalid_format")]


def test_timeout_out_of_range_is_invalid_format(lc):
    r = lc.submit(options={"timeout": 120001})
    assert body_of(r)["error"]["details"] == [
        {"field": "options.timeout", "code": "invalid_format",
         "message": "Timeout must be an integer number of milliseconds between 1 and 120000"}]


def test_relative_trusted_form_url_is_invalid_format(lc):
    r = lc.submit(trusted_form_cert_url="cert.trustedform.com/abc")
    assert r.status_code == 400
    assert body_of(r)["error"]["details"] == [
        {"field": "trusted_form_cert_url", "code": "invalid_format",
         "message": "TrustedForm certificate URL format is invalid"}]


def test_every_failing_field_is_reported_in_spec_order(lc):
    r = lc.submit(lead={"email": "x@", "phone": "1"}, trusted_form_cert_url="nope", options={"timeout": 0})
    assert [d["field"] for d in body_of(r)["error"]["details"]] == [
        "email", "phone", "trusted_form_cert_url", "options.timeout"]


def test_unknown_flow_is_404_flow_not_found(lc):
    r = lc.submit(flow="flow_nope")
    assert r.status_code == 404
    assert body_of(r)["error"] == {"code": "not_found", "message": "Flow not found",
                                   "request_id": r.headers["X-Request-Id"]}


def test_paused_flow_is_409_flow_inactive(lc):
    assert lc.control("PUT", f"/flows/{FLOW}/status", {"status": "paused"}).status_code == 200
    r = lc.submit()
    assert r.status_code == 409
    assert body_of(r)["error"]["code"] == "flow_inactive"


def test_second_submit_of_the_same_email_is_409_duplicate_detected(lc):
    assert lc.post(f"/flows/{FLOW}/leads", raw=SUBMIT).status_code == 201
    r = lc.post(f"/flows/{FLOW}/leads", raw=SUBMIT)
    assert r.status_code == 409
    error = body_of(r)["error"]
    assert error["code"] == "duplicate_detected"
    assert error["message"] == "Lead matches existing record"
    assert error["details"][0]["field"] == "email"
    assert error["details"][0]["code"] == "duplicate_detected"


def test_duplicate_email_check_ignores_case(lc):
    lc.submit(lead=lc.lead(email="Case@Example.com"))
    assert lc.submit(lead=lc.lead(email="case@example.COM")).status_code == 409


def test_duplicate_creates_no_lead(lc):
    lc.post(f"/flows/{FLOW}/leads", raw=SUBMIT)
    lc.post(f"/flows/{FLOW}/leads", raw=SUBMIT)
    assert body_of(lc.get("/leads"))["total_count"] == 1


def test_same_external_id_is_a_duplicate(lc):
    lc.submit(external_id="crm-1")
    r = lc.submit(external_id="crm-1")
    assert r.status_code == 409
    assert body_of(r)["error"]["details"][0]["field"] == "external_id"


def test_rejected_lead_can_be_resubmitted(lc):
    lead = lc.lead(age=16)
    assert body_of(lc.submit(lead=lead))["status"] == "rejected"
    assert body_of(lc.submit(lead={**lead, "age": 30}))["status"] == "accepted"


def test_duplicate_window_expires_after_30_days(lc):
    lead = lc.lead()
    lc.submit(lead=lead)
    lc.advance(30 * 86400 + 1)
    assert lc.submit(lead=lead).status_code == 201


def test_duplicate_window_is_configurable(lc):
    lc.sim_settings(duplicate_window_days=1)
    lead = lc.lead()
    lc.submit(lead=lead)
    lc.advance(86401)
    assert lc.submit(lead=lead).status_code == 201


def test_same_email_in_another_flow_is_not_a_duplicate(lc):
    r = lc.control("POST", "/flows", {"name": "Second", "id": "flow_second"})
    assert r.status_code == 201
    lead = lc.lead()
    lc.submit(lead=lead)
    assert lc.submit(flow="flow_second", lead=lead).status_code == 201


def test_lead_without_age_passes_the_seeded_criteria(lc):
    body = body_of(lc.submit())
    assert body["status"] == "accepted"


def test_lead_under_18_is_201_rejected_with_reason(lc):
    r = lc.submit(lead=lc.lead(age=17))
    assert r.status_code == 201
    body = body_of(r)
    assert body["status"] == "rejected"
    assert body["pricing"] == {"amount": 0, "currency": "USD"}
    assert [(e["type"], e["outcome"]) for e in body["events"]] == [
        ("received", "success"), ("enhanced", "success"), ("rejected", "failure")]
    assert body["events"][2]["reason"] == "Acceptance criteria not met"


def test_undeliverable_email_is_rejected_by_require_valid(lc):
    body = body_of(lc.submit(lead=lc.lead(email="someone@mailinator.com")))
    assert body["status"] == "rejected"
    assert body["events"][-1]["reason"] == "Email validation failed"


def test_example_com_email_is_deliverable(lc):
    lead_id = body_of(lc.submit(lead=lc.lead(email="john@example.com")))["id"]
    assert body_of(lc.get(f"/leads/{lead_id}"))["enhancements"]["email_validation"] == {
        "status": "valid", "deliverable": True, "quality_score": 0.95}


def test_test_mode_lead_is_accepted_but_not_delivered(lc):
    body = body_of(lc.submit(options={"test_mode": True}))
    assert body["status"] == "accepted"
    assert [e["type"] for e in body["events"]] == ["received", "enhanced"]
    assert body["pricing"]["amount"] == 25
    assert body_of(lc.get(f"/leads/{body['id']}"))["status"] == "accepted"


def test_test_mode_lead_is_not_a_duplicate_candidate(lc):
    lead = lc.lead()
    lc.submit(lead=lead, options={"test_mode": True})
    assert lc.submit(lead=lead).status_code == 201


def test_async_true_still_completes_before_the_response(lc):
    r = lc.submit(options={"async": True})
    assert r.status_code == 201
    assert body_of(r)["events"][-1]["type"] == "delivered"


def test_short_timeout_fails_delivery_with_error_outcome(lc):
    lc.recipient("ok", latency_ms=500)
    body = body_of(lc.submit(options={"timeout": 100}))
    assert body["status"] == "accepted"
    failed = body["events"][-1]
    assert (failed["type"], failed["outcome"], failed["recipient"]) == ("failed", "error", "buyer_crm_system")
    assert failed["reason"] == "Recipient did not respond within 100 ms"
    assert body_of(lc.get(f"/leads/{body['id']}"))["status"] == "failed"


def test_recipient_4xx_is_failed_with_failure_outcome(lc):
    lc.recipient("4xx", response_code=422)
    body = body_of(lc.submit())
    assert (body["events"][-1]["type"], body["events"][-1]["outcome"]) == ("failed", "failure")
    assert body["events"][-1]["reason"] == "Recipient responded with HTTP 422"


def test_recipient_5xx_is_failed_with_error_outcome(lc):
    lc.recipient("5xx")
    body = body_of(lc.submit())
    assert (body["events"][-1]["type"], body["events"][-1]["outcome"]) == ("failed", "error")


def test_lead_with_neither_email_nor_phone_has_a_skipped_enhancement(lc):
    lc.control("POST", "/flows", {"name": "Open", "id": "flow_open", "required_fields": []})
    body = body_of(lc.submit(flow="flow_open", lead={"first_name": "Ann"}))
    assert body["events"][1] == {**body["events"][1], "type": "enhanced", "outcome": "skip", "enhancements": []}


def test_accepted_event_is_added_when_the_workspace_asks_for_it(lc):
    lc.sim_settings(accepted_event=True)
    body = body_of(lc.submit())
    assert [e["type"] for e in body["events"]] == ["received", "enhanced", "accepted", "delivered"]


def test_strict_criteria_mode_rejects_unknown_values(lc):
    lc.sim_settings(criteria_mode="strict")
    assert body_of(lc.submit())["status"] == "rejected"


def test_seed_submit_body_works_with_the_placeholder_key_in_the_default_workspace(client):
    r = client.post(f"/leadconduit/api/v1/flows/{FLOW}/leads", data=SUBMIT, content_type="application/json",
                    headers={"Authorization": "Bearer YOUR_API_KEY"})
    assert r.status_code == 201



def test_unpaired_surrogate_escape_is_400_invalid_json_and_creates_no_lead(lc):
    raw = '{"lead": {"email": "pat@example.com", "phone": "5551234567", "first_name": "\\ud800"}}'
    r = lc.post(f"/flows/{FLOW}/leads", raw=raw)
    assert r.status_code == 400
    assert body_of(r)["error"] == {
        "code": "invalid_json", "message": "Request body is not valid JSON: it escapes an unpaired surrogate",
        "request_id": r.headers["X-Request-Id"]}
    assert body_of(lc.get("/leads"))["total_count"] == 0


def test_unpaired_surrogate_escape_with_a_webhook_url_is_400_not_500(lc):
    assert lc.settings(notifications={"webhook_url": "http://127.0.0.1:9/hooks"}).status_code == 200
    raw = '{"lead": {"email": "pat@example.com", "phone": "5551234567", "last_name": "\\uDC00x"}}'
    r = lc.post(f"/flows/{FLOW}/leads", raw=raw)
    assert (r.status_code, body_of(r)["error"]["code"]) == (400, "invalid_json")


def test_escaped_surrogate_pair_is_a_character_and_round_trips(lc):
    raw = '{"lead": {"email": "pat@example.com", "phone": "5551234567", "first_name": "\\ud83d\\ude00 Zo\\u00eb"}}'
    r = lc.post(f"/flows/{FLOW}/leads", raw=raw)
    assert r.status_code == 201
    assert body_of(lc.get(f"/leads/{body_of(r)['id']}"))["lead_data"]["first_name"] == "\U0001f600 Zoë"
