"""POST /flows/{flow_id}/leads/batch: 207 with per-item results in input order."""

from __future__ import annotations

import re

from .conftest import FLOW, body_of
from .seed_examples import BATCH


def test_seed_batch_reproduces_the_seed_response_when_jane_exists(lc):
    lc.submit(lead={"first_name": "Jane", "last_name": "Smith", "email": "jane@example.com", "phone": "5559876543"})
    r = lc.post(f"/flows/{FLOW}/leads/batch", raw=BATCH)
    assert r.status_code == 207
    body = body_of(r)
    assert re.fullmatch(r"batch_[a-z0-9]{12}", body["batch_id"])
    assert (body["total_leads"], body["successful"], body["failed"]) == (2, 1, 1)
    first, second = body["results"]
    assert list(first) == ["external_id", "status", "lead_id", "quality_score"]
    assert (first["external_id"], first["status"]) == ("lead_001", "success")
    assert first["lead_id"].startswith("lead_")
    assert first["quality_score"] == 0.8
    assert second == {"external_id": "lead_002", "status": "error",
                      "error": {"code": "duplicate_detected", "message": "Lead matches existing record"}}


def test_seed_batch_on_a_fresh_workspace_is_two_successes(lc):
    body = body_of(lc.post(f"/flows/{FLOW}/leads/batch", raw=BATCH))
    assert (body["successful"], body["failed"]) == (2, 0)
    assert [r["external_id"] for r in body["results"]] == ["lead_001", "lead_002"]


def test_batch_leads_are_fetchable_and_delivered(lc):
    body = body_of(lc.post(f"/flows/{FLOW}/leads/batch", raw=BATCH))
    lead = body_of(lc.get(f"/leads/{body['results'][0]['lead_id']}"))
    assert lead["status"] == "delivered"
    assert lead["lead_data"]["phone"] == "+15551234567"


def test_results_keep_input_order_and_counts_add_up(lc):
    leads = [{"external_id": f"x{i}", "lead": lc.lead(age=10 if i % 3 == 0 else 40)} for i in range(10)]
    leads[4]["lead"]["email"] = "broken"
    body = body_of(lc.batch(leads))
    assert [r["external_id"] for r in body["results"]] == [f"x{i}" for i in range(10)]
    assert body["successful"] + body["failed"] == body["total_leads"] == len(body["results"]) == 10
    assert body["successful"] == sum(r["status"] == "success" for r in body["results"])


def test_duplicate_within_the_same_batch_fails_the_later_item(lc):
    lead = lc.lead()
    results = body_of(lc.batch([{"lead": lead}, {"lead": dict(lead)}]))["results"]
    assert [r["status"] for r in results] == ["success", "error"]
    assert results[1]["error"]["code"] == "duplicate_detected"


def test_invalid_item_is_validation_failed_with_details(lc):
    results = body_of(lc.batch([{"external_id": "a", "lead": {"email": "nope", "phone": "5551234567"}}]))["results"]
    assert results[0] == {"external_id": "a", "status": "error", "error": {
        "code": "validation_failed", "message": "Lead validation failed",
        "details": [{"field": "email", "code": "invalid_format", "message": "Email format is invalid"}]}}


def test_item_without_lead_is_validation_failed(lc):
    results = body_of(lc.batch([{"external_id": "a"}, "not an object"]))["results"]
    assert [r["error"]["details"][0]["field"] for r in results] == ["lead", "lead"]


def test_rejected_lead_is_lead_rejected_with_its_lead_id(lc):
    item = body_of(lc.batch([{"external_id": "kid", "lead": lc.lead(age=12)}]))["results"][0]
    assert item["status"] == "error"
    assert item["error"] == {"code": "lead_rejected", "message": "Acceptance criteria not met"}
    assert body_of(lc.get(f"/leads/{item['lead_id']}"))["status"] == "rejected"
    assert item["quality_score"] == 0.8


def test_missing_external_id_is_echoed_as_null(lc):
    assert body_of(lc.batch([{"lead": lc.lead()}]))["results"][0]["external_id"] is None


def test_all_items_failing_is_still_207(lc):
    r = lc.batch([{"lead": {"email": "bad"}}])
    assert r.status_code == 207
    assert body_of(r)["failed"] == 1


def test_continue_on_error_false_stops_at_the_first_failure(lc):
    leads = [{"external_id": "1", "lead": lc.lead()}, {"external_id": "2", "lead": {"email": "bad"}},
             {"external_id": "3", "lead": lc.lead()}]
    body = body_of(lc.batch(leads, continue_on_error=False))
    assert [r["status"] for r in body["results"]] == ["success", "error", "error"]
    assert body["results"][2]["error"]["code"] == "not_processed"
    assert body_of(lc.get("/leads"))["total_count"] == 1


def test_batch_test_mode_applies_to_every_item(lc):
    body = body_of(lc.batch([{"lead": lc.lead()}, {"lead": lc.lead()}], test_mode=True))
    statuses = {body_of(lc.get(f"/leads/{r['lead_id']}"))["status"] for r in body["results"]}
    assert statuses == {"accepted"}


def test_missing_leads_is_400_on_field_leads(lc):
    r = lc.post(f"/flows/{FLOW}/leads/batch", {"options": {}})
    assert r.status_code == 400
    assert body_of(r)["error"]["details"] == [{"field": "leads", "code": "missing_required", "message": "Leads is required"}]


def test_empty_leads_is_400_invalid_value(lc):
    r = lc.batch([])
    assert r.status_code == 400
    assert body_of(r)["error"]["details"] == [
        {"field": "leads", "code": "invalid_value", "message": "Leads must contain between 1 and 1000 leads"}]


def test_more_than_1000_leads_is_400(lc):
    r = lc.batch([{"lead": {}}] * 1001)
    assert r.status_code == 400
    assert body_of(r)["error"]["details"][0]["field"] == "leads"


def test_bad_batch_options_are_400(lc):
    r = lc.batch([{"lead": lc.lead()}], continue_on_error="yes", max_concurrent=500)
    assert [(d["field"], d["code"]) for d in body_of(r)["error"]["details"]] == [
        ("options.continue_on_error", "invalid_format"), ("options.max_concurrent", "invalid_value")]


def test_batch_to_unknown_flow_is_404(lc):
    assert lc.batch([{"lead": lc.lead()}], flow="flow_nope").status_code == 404


def test_batch_to_paused_flow_is_409(lc):
    lc.control("PUT", f"/flows/{FLOW}/status", {"status": "paused"})
    assert body_of(lc.batch([{"lead": lc.lead()}]))["error"]["code"] == "flow_inactive"


def test_options_inside_a_batch_item_are_ignored_not_a_500(lc):
    item = {"lead": lc.lead(), "options": {"timeout": "soon", "test_mode": True, "async": "yes"}}
    r = lc.batch([item])
    assert r.status_code == 207
    result = body_of(r)["results"][0]
    assert result["status"] == "success"
    assert body_of(lc.get(f"/leads/{result['lead_id']}"))["status"] == "delivered"
