"""GET /leads/{lead_id} and GET /leads (search and paging)."""

from __future__ import annotations

from .conftest import FLOW, body_of, new_workspace
from .seed_examples import SEARCH_QUERY, SUBMIT


def submit_seed(lc) -> dict:
    return body_of(lc.post(f"/flows/{FLOW}/leads", raw=SUBMIT))


def test_get_lead_returns_the_seed_fields(lc):
    lead_id = submit_seed(lc)["id"]
    r = lc.get(f"/leads/{lead_id}")
    assert r.status_code == 200
    body = body_of(r)
    assert list(body) == ["id", "flow_id", "created_at", "updated_at", "status", "lead_data", "enhancements",
                          "events", "quality_metrics"]
    assert (body["id"], body["flow_id"], body["status"]) == (lead_id, "flow_789xyz", "delivered")


def test_get_lead_normalizes_phone_to_e164_and_keeps_postal_code(lc):
    data = body_of(lc.get(f"/leads/{submit_seed(lc)['id']}"))["lead_data"]
    assert data["phone"] == "+15551234567"
    assert data["postal_code"] == "90210"
    assert data["custom_field_12345"] == "premium_customer"
    assert data["source"] == "website_form"


def test_get_lead_has_both_enhancement_objects_as_in_the_seed(lc):
    enh = body_of(lc.get(f"/leads/{submit_seed(lc)['id']}"))["enhancements"]
    assert enh == {"email_validation": {"status": "valid", "deliverable": True, "quality_score": 0.95},
                   "phone_validation": {"status": "valid", "line_type": "mobile", "carrier": "Verizon"}}


def test_get_lead_quality_metrics_follow_the_formula(lc):
    metrics = body_of(lc.get(f"/leads/{submit_seed(lc)['id']}"))["quality_metrics"]
    assert metrics == {"overall_score": 0.89, "completeness": 1, "accuracy": 0.88, "fraud_risk": 0.05}


def test_get_lead_events_equal_the_submit_events(lc):
    submitted = submit_seed(lc)
    assert body_of(lc.get(f"/leads/{submitted['id']}"))["events"] == submitted["events"]


def test_quality_score_equals_overall_score(lc):
    submitted = submit_seed(lc)
    assert body_of(lc.get(f"/leads/{submitted['id']}"))["quality_metrics"]["overall_score"] == submitted["quality_score"]


def test_email_is_lowercased_and_state_uppercased(lc):
    lead_id = body_of(lc.submit(lead=lc.lead(email=" Mixed.Case@Example.COM ", state="ca")))["id"]
    data = body_of(lc.get(f"/leads/{lead_id}"))["lead_data"]
    assert (data["email"], data["state"]) == ("mixed.case@example.com", "CA")


def test_punctuated_and_prefixed_phones_normalize_to_e164(lc):
    for raw in ("(555) 123-4567", "1-555-123-4567", "+1 555 123 4567", "555.123.4567"):
        lead_id = body_of(lc.submit(lead=lc.lead(phone=raw)))["id"]
        assert body_of(lc.get(f"/leads/{lead_id}"))["lead_data"]["phone"] == "+15551234567"


def test_toll_free_number_is_a_landline(lc):
    lead_id = body_of(lc.submit(lead=lc.lead(phone="8005550100")))["id"]
    assert body_of(lc.get(f"/leads/{lead_id}"))["enhancements"]["phone_validation"]["line_type"] == "landline"


def test_unknown_lead_is_404_with_envelope_and_request_id(lc):
    r = lc.get("/leads/lead_000000000000")
    assert r.status_code == 404
    error = body_of(r)["error"]
    assert (error["code"], error["message"]) == ("not_found", "Lead not found")
    assert error["request_id"] == r.headers["X-Request-Id"]


def test_lead_of_another_workspace_is_404(lc, client):
    lead_id = submit_seed(lc)["id"]
    other = new_workspace(client)
    assert other.get(f"/leads/{lead_id}").status_code == 404


def test_updated_at_is_the_time_of_the_latest_event(lc):
    lead_id = submit_seed(lc)["id"]
    lc.advance(300)
    lc.convert(lead_id)
    body = body_of(lc.get(f"/leads/{lead_id}"))
    assert (body["created_at"], body["updated_at"]) == ("2024-01-15T10:30:00Z", "2024-01-15T10:35:00Z")


def test_seed_search_query_finds_delivered_leads(lc):
    lead_id = submit_seed(lc)["id"]
    r = lc.get("/leads?" + SEARCH_QUERY)
    assert r.status_code == 200
    assert body_of(r) == {"total_count": 1, "page_count": 1, "current_page": 1, "per_page": 100, "leads": [
        {"id": lead_id, "created_at": "2024-01-15T10:30:00Z", "status": "delivered", "quality_score": 0.89,
         "source": "website_form", "campaign": "summer_2024"}]}


def test_search_items_without_source_or_campaign_show_null(lc):
    lc.submit()
    item = body_of(lc.get("/leads"))["leads"][0]
    assert (item["source"], item["campaign"]) == (None, None)


def test_search_paging_arithmetic(lc):
    leads = [{"lead": lc.lead()} for _ in range(25)]
    lc.batch(leads)
    body = body_of(lc.get("/leads?limit=10&offset=20"))
    assert (body["total_count"], body["page_count"], body["current_page"], body["per_page"]) == (25, 3, 3, 10)
    assert len(body["leads"]) == 5


def test_search_offset_past_the_end_is_an_empty_page(lc):
    lc.batch([{"lead": lc.lead()} for _ in range(3)])
    body = body_of(lc.get("/leads?limit=2&offset=10"))
    assert (body["total_count"], body["page_count"], body["current_page"], body["leads"]) == (3, 2, 6, [])


def test_empty_search_has_page_count_zero(lc):
    body = body_of(lc.get("/leads"))
    assert (body["total_count"], body["page_count"], body["current_page"], body["per_page"]) == (0, 0, 1, 100)


def test_search_is_newest_first(lc):
    first = body_of(lc.submit())["id"]
    lc.advance(60)
    second = body_of(lc.submit())["id"]
    assert [item["id"] for item in body_of(lc.get("/leads"))["leads"]] == [second, first]


def test_search_filters_by_status(lc):
    lc.submit(lead=lc.lead(age=12))
    accepted = body_of(lc.submit())["id"]
    assert [item["id"] for item in body_of(lc.get("/leads?status=delivered"))["leads"]] == [accepted]


def test_search_created_after_is_inclusive(lc):
    lead_id = body_of(lc.submit())["id"]
    assert body_of(lc.get("/leads?created_after=2024-01-15T10:30:00Z"))["leads"][0]["id"] == lead_id
    assert body_of(lc.get("/leads?created_after=2024-01-15T10:30:01Z"))["total_count"] == 0


def test_search_by_unknown_flow_is_empty_not_404(lc):
    lc.submit()
    r = lc.get("/leads?flow_id=flow_unknown")
    assert r.status_code == 200
    assert body_of(r)["total_count"] == 0


def test_search_bad_status_is_400(lc):
    r = lc.get("/leads?status=sold")
    assert r.status_code == 400
    error = body_of(r)["error"]
    assert (error["code"], error["message"]) == ("validation_failed", "Request validation failed")
    assert error["details"][0]["field"] == "status"
    assert error["details"][0]["code"] == "invalid_value"


def test_search_bad_created_after_is_400_invalid_format(lc):
    r = lc.get("/leads?created_after=yesterday")
    assert r.status_code == 400
    assert body_of(r)["error"]["details"][0] == {
        "field": "created_after", "code": "invalid_format",
        "message": "created_after must be an ISO-8601 date or datetime"}


def test_search_limit_out_of_range_is_400(lc):
    for query in ("limit=0", "limit=1001", "offset=-1", "limit=ten"):
        r = lc.get("/leads?" + query)
        assert r.status_code == 400, query
        assert body_of(r)["error"]["code"] == "validation_failed"


def test_search_filters_by_source_and_campaign(lc):
    wanted = body_of(lc.submit(lead=lc.lead(source="web", campaign="spring")))["id"]
    lc.submit(lead=lc.lead(source="web", campaign="fall"))
    lc.submit(lead=lc.lead(source="social", campaign="spring"))
    assert [i["id"] for i in body_of(lc.get("/leads?source=web&campaign=spring"))["leads"]] == [wanted]


def test_search_created_before_with_a_date_includes_that_whole_day(lc):
    lead_id = body_of(lc.submit())["id"]
    assert [i["id"] for i in body_of(lc.get("/leads?created_before=2024-01-15"))["leads"]] == [lead_id]
    assert body_of(lc.get("/leads?created_before=2024-01-14"))["total_count"] == 0


def test_search_includes_test_leads(lc):
    lead_id = body_of(lc.submit(options={"test_mode": True}))["id"]
    assert body_of(lc.get("/leads"))["leads"][0]["id"] == lead_id


def test_search_limit_with_non_ascii_digits_is_400_invalid_format(lc):
    r = lc.get("/leads?limit=%D9%A1%D9%A2")  # Arabic-Indic "12": int() would take it
    assert r.status_code == 400
    assert body_of(r)["error"]["details"] == [{"field": "limit", "code": "invalid_format",
                                               "message": "limit must be an integer between 1 and 1000"}]


def test_search_created_before_the_last_representable_day_is_accepted(lc):
    lead_id = body_of(lc.submit())["id"]
    r = lc.get("/leads?created_before=9999-12-31")
    assert r.status_code == 200
    assert [i["id"] for i in body_of(r)["leads"]] == [lead_id]
