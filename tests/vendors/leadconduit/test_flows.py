"""GET /flows, GET /flows/{flow_id} and GET /flows/{flow_id}/events."""

from __future__ import annotations

from .conftest import FLOW, body_of
from .seed_examples import EVENTS_QUERY, SUBMIT


def test_list_flows_shows_the_seeded_flow_with_zero_statistics(lc):
    r = lc.get("/flows")
    assert r.status_code == 200
    assert body_of(r) == {"flows": [{
        "id": "flow_789xyz", "name": "Main Lead Processing Flow", "status": "active",
        "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-10T15:30:00Z",
        "statistics": {"total_leads": 0, "acceptance_rate": 0, "average_quality": 0}}]}


def test_flow_statistics_are_computed_live_without_test_leads(lc):
    lc.submit()                                        # accepted, quality 0.80
    lc.submit(lead=lc.lead(age=15))                    # rejected, 0.80
    lc.submit(lead=lc.lead(city="Austin", state="TX"))  # accepted, 0.85
    lc.submit(options={"test_mode": True})
    stats = body_of(lc.get("/flows"))["flows"][0]["statistics"]
    assert stats == {"total_leads": 3, "acceptance_rate": 0.67, "average_quality": 0.82}


def test_get_flow_shows_exactly_the_two_seed_steps(lc):
    r = lc.get(f"/flows/{FLOW}")
    assert r.status_code == 200
    assert body_of(r) == {
        "id": "flow_789xyz", "name": "Main Lead Processing Flow", "status": "active",
        "description": "Primary flow for website lead processing",
        "configuration": {"steps": [
            {"id": "step_001", "type": "source", "name": "Website Form", "position": 1,
             "settings": {"required_fields": ["email", "phone"], "acceptance_criteria": "lead.age >= 18"}},
            {"id": "step_002", "type": "enhancement", "name": "Email Validation", "position": 2,
             "service": "email_validator", "settings": {"check_deliverability": True, "require_valid": True}}]}}


def test_unknown_flow_is_404(lc):
    r = lc.get("/flows/flow_nope")
    assert r.status_code == 404
    assert body_of(r)["error"]["message"] == "Flow not found"


def test_paused_flow_is_listed_as_paused(lc):
    lc.control("PUT", f"/flows/{FLOW}/status", {"status": "paused"})
    assert body_of(lc.get(f"/flows/{FLOW}"))["status"] == "paused"


def test_seed_events_query_returns_only_delivered_events_with_the_recipient_object(lc):
    lead_id = body_of(lc.post(f"/flows/{FLOW}/leads", raw=SUBMIT))["id"]
    r = lc.get(f"/flows/{FLOW}/events?" + EVENTS_QUERY)
    assert r.status_code == 200
    body = body_of(r)
    assert body["total_events"] == 1
    event = body["events"][0]
    assert list(event) == ["id", "lead_id", "type", "timestamp", "outcome", "recipient", "duration_ms", "response_code"]
    assert event["lead_id"] == lead_id
    assert (event["type"], event["outcome"], event["response_code"]) == ("delivered", "success", 200)
    assert event["recipient"] == {"id": "recipient_789", "name": "CRM Integration", "type": "http_post"}
    assert isinstance(event["duration_ms"], int)


def test_flow_event_ids_and_timestamps_equal_the_lead_view(lc):
    submitted = body_of(lc.post(f"/flows/{FLOW}/leads", raw=SUBMIT))
    events = body_of(lc.get(f"/flows/{FLOW}/events"))["events"]
    assert {(e["id"], e["timestamp"]) for e in events} == {(e["id"], e["timestamp"]) for e in submitted["events"]}


def test_non_delivery_events_leave_out_delivery_keys(lc):
    lc.submit()
    received = body_of(lc.get(f"/flows/{FLOW}/events?event_type=received"))["events"][0]
    assert list(received) == ["id", "lead_id", "type", "timestamp", "outcome"]


def test_total_events_ignores_limit(lc):
    lc.batch([{"lead": lc.lead()} for _ in range(4)])
    body = body_of(lc.get(f"/flows/{FLOW}/events?limit=5"))
    assert (body["total_events"], len(body["events"])) == (12, 5)


def test_events_are_newest_first(lc):
    lc.submit()
    lc.advance(3600)
    lc.submit()
    stamps = [e["timestamp"] for e in body_of(lc.get(f"/flows/{FLOW}/events"))["events"]]
    assert stamps == sorted(stamps, reverse=True)
    assert stamps[0] == "2024-01-15T11:30:00Z"


def test_end_date_includes_the_whole_day(lc):
    lc.advance(13 * 3600)  # 2024-01-15T23:30:00Z
    lc.submit()
    assert body_of(lc.get(f"/flows/{FLOW}/events?start_date=2024-01-15&end_date=2024-01-15"))["total_events"] == 3
    assert body_of(lc.get(f"/flows/{FLOW}/events?end_date=2024-01-14"))["total_events"] == 0


def test_events_filter_by_outcome_and_lead(lc):
    kept = body_of(lc.submit(lead=lc.lead(age=10)))["id"]
    lc.submit()
    body = body_of(lc.get(f"/flows/{FLOW}/events?outcome=failure&lead_id={kept}"))
    assert [(e["type"], e["reason"]) for e in body["events"]] == [("rejected", "Acceptance criteria not met")]


def test_unknown_event_type_is_400(lc):
    r = lc.get(f"/flows/{FLOW}/events?event_type=opened")
    assert r.status_code == 400
    assert body_of(r)["error"]["details"][0]["field"] == "event_type"


def test_start_after_end_is_400(lc):
    r = lc.get(f"/flows/{FLOW}/events?start_date=2024-02-01&end_date=2024-01-01")
    assert r.status_code == 400
    assert body_of(r)["error"]["details"][0] == {"field": "start_date", "code": "invalid_value",
                                                  "message": "start_date must not be after end_date"}


def test_bad_event_dates_and_limits_are_400(lc):
    for query in ("start_date=Jan-1", "limit=0", "limit=1001", "offset=x"):
        r = lc.get(f"/flows/{FLOW}/events?{query}")
        assert r.status_code == 400, query


def test_events_of_unknown_flow_are_404(lc):
    assert lc.get("/flows/flow_nope/events").status_code == 404


def test_end_date_on_the_last_representable_day_is_accepted(lc):
    lc.submit()
    r = lc.get(f"/flows/{FLOW}/events?end_date=9999-12-31")
    assert r.status_code == 200
    assert body_of(r)["total_events"] == 3
