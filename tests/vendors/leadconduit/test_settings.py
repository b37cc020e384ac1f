"""PUT /flows/{flow_id}/settings: the seed round-trip, merge rules, 400/422 validation, effects on new leads."""

from __future__ import annotations

from .conftest import FLOW, body_of
from .seed_examples import SETTINGS


def test_seed_settings_body_is_200_and_echoes_the_seed_response(lc):
    r = lc.put(f"/flows/{FLOW}/settings", raw=SETTINGS)
    assert r.status_code == 200
    assert body_of(r) == {"flow_id": "flow_789xyz", "updated_at": "2024-01-15T10:30:00Z", "settings": {
        "acceptance_criteria": "lead.age >= 21 && lead.income >= 50000", "quality_threshold": 0.7,
        "volume_cap": {"daily_limit": 1000, "hourly_limit": 100}}}


def test_settings_response_leaves_out_notifications(lc):
    assert "notifications" not in body_of(lc.put(f"/flows/{FLOW}/settings", raw=SETTINGS))["settings"]


def test_new_criteria_show_in_the_source_step(lc):
    lc.put(f"/flows/{FLOW}/settings", raw=SETTINGS)
    steps = body_of(lc.get(f"/flows/{FLOW}"))["configuration"]["steps"]
    assert steps[0]["settings"]["acceptance_criteria"] == "lead.age >= 21 && lead.income >= 50000"
    assert len(steps) == 2


def test_settings_update_bumps_the_flow_updated_at(lc):
    lc.advance(1800)
    lc.settings(quality_threshold=0.5)
    assert body_of(lc.get("/flows"))["flows"][0]["updated_at"] == "2024-01-15T11:00:00Z"


def test_absent_keys_keep_their_value(lc):
    lc.put(f"/flows/{FLOW}/settings", raw=SETTINGS)
    body = body_of(lc.settings(quality_threshold=0.5))
    assert body["settings"]["acceptance_criteria"] == "lead.age >= 21 && lead.income >= 50000"
    assert body["settings"]["volume_cap"] == {"daily_limit": 1000, "hourly_limit": 100}


def test_volume_cap_merges_per_sub_key(lc):
    lc.settings(volume_cap={"daily_limit": 10, "hourly_limit": 5})
    assert body_of(lc.settings(volume_cap={"hourly_limit": 7}))["settings"]["volume_cap"] == {
        "daily_limit": 10, "hourly_limit": 7}


def test_null_clears_a_setting(lc):
    lc.put(f"/flows/{FLOW}/settings", raw=SETTINGS)
    body = body_of(lc.settings(acceptance_criteria=None, quality_threshold=None, volume_cap=None))
    assert body["settings"] == {"acceptance_criteria": None, "quality_threshold": None, "volume_cap": None}


def test_initial_settings_of_the_seeded_flow(lc):
    assert body_of(lc.settings())["settings"] == {"acceptance_criteria": "lead.age >= 18", "quality_threshold": None,
                                                 "volume_cap": None}


def test_unknown_settings_keys_are_ignored(lc):
    assert lc.settings(colour="blue").status_code == 200


def test_missing_settings_object_is_400(lc):
    r = lc.put(f"/flows/{FLOW}/settings", {"quality_threshold": 0.5})
    assert r.status_code == 400
    assert body_of(r)["error"]["details"] == [
        {"field": "settings", "code": "missing_required", "message": "Settings is required"}]


def test_settings_that_is_not_an_object_is_400(lc):
    r = lc.put(f"/flows/{FLOW}/settings", {"settings": "strict"})
    assert r.status_code == 400
    assert body_of(r)["error"]["details"][0]["code"] == "invalid_format"


def test_malformed_criteria_is_422_pointing_at_the_position(lc):
    r = lc.settings(acceptance_criteria="lead.age >= && lead.income > 5")
    assert r.status_code == 422
    error = body_of(r)["error"]
    assert (error["code"], error["message"]) == ("validation_failed", "Request validation failed")
    assert error["details"] == [{"field": "settings.acceptance_criteria", "code": "invalid_format", "message":
                                 "Acceptance criteria is invalid: expected a field, number, string, true, false or "
                                 "null after '>=', found '&&' at position 12"}]


def test_python_code_as_criteria_is_422_not_evaluated(lc):
    r = lc.settings(acceptance_criteria="__import__('os').system('true')")
    assert r.status_code == 422
    assert "position 0" in body_of(r)["error"]["details"][0]["message"]


def test_out_of_range_values_are_422_invalid_value(lc):
    r = lc.settings(quality_threshold=1.5, volume_cap={"daily_limit": 0, "hourly_limit": -3})
    assert r.status_code == 422
    assert body_of(r)["error"]["details"] == [
        {"field": "settings.quality_threshold", "code": "invalid_value",
         "message": "Quality threshold must be a number between 0 and 1"},
        {"field": "settings.volume_cap.daily_limit", "code": "invalid_value",
         "message": "Daily limit must be a positive integer"},
        {"field": "settings.volume_cap.hourly_limit", "code": "invalid_value",
         "message": "Hourly limit must be a positive integer"}]


def test_bad_webhook_url_is_422_invalid_format(lc):
    r = lc.settings(notifications={"webhook_url": "ftp://company.com/hook"})
    assert r.status_code == 422
    detail = body_of(r)["error"]["details"][0]
    assert (detail["field"], detail["code"]) == ("settings.notifications.webhook_url", "invalid_format")


def test_plain_http_webhook_url_off_loopback_is_422(lc):
    r = lc.settings(notifications={"webhook_url": "http://company.com/hook"})
    assert r.status_code == 422


def test_bad_notification_email_is_422(lc):
    r = lc.settings(notifications={"email": "admin-at-company"})
    assert body_of(r)["error"]["details"] == [{"field": "settings.notifications.email", "code": "invalid_format",
                                               "message": "Notification email format is invalid"}]


def test_wrong_types_are_422_invalid_format(lc):
    r = lc.settings(acceptance_criteria=18, volume_cap=[1])
    assert r.status_code == 422
    assert [(d["field"], d["code"]) for d in body_of(r)["error"]["details"]] == [
        ("settings.acceptance_criteria", "invalid_format"), ("settings.volume_cap", "invalid_format")]


def test_invalid_settings_change_nothing(lc):
    lc.settings(quality_threshold=2, acceptance_criteria="lead.a > 1")
    assert body_of(lc.settings())["settings"]["acceptance_criteria"] == "lead.age >= 18"


def test_unknown_flow_is_404(lc):
    assert lc.put("/flows/flow_nope/settings", {"settings": {}}).status_code == 404


def test_after_the_seed_settings_a_lead_failing_criteria_is_rejected(lc):
    lc.put(f"/flows/{FLOW}/settings", raw=SETTINGS)
    body = body_of(lc.submit(lead=lc.lead(age=30, income=20000)))
    assert body["status"] == "rejected"
    assert body["events"][-1]["reason"] == "Acceptance criteria not met"


def test_after_the_seed_settings_a_lead_meeting_criteria_is_accepted(lc):
    lc.put(f"/flows/{FLOW}/settings", raw=SETTINGS)
    assert body_of(lc.submit(lead=lc.lead(age="30", income=60000)))["status"] == "accepted"


def test_quality_below_threshold_is_rejected_and_equal_passes(lc):
    lc.settings(quality_threshold=0.8)
    assert body_of(lc.submit(lead=lc.lead()))["status"] == "accepted"          # 0.80
    rejected = body_of(lc.submit(lead={"email": "solo@example.com", "phone": "5551234567"}))  # 0.75
    assert rejected["status"] == "rejected"
    assert rejected["events"][-1]["reason"] == "Quality score below threshold"


def test_hourly_cap_rejects_at_the_limit_with_cap_reached(lc):
    lc.settings(volume_cap={"hourly_limit": 2})
    statuses = [body_of(lc.submit())["status"] for _ in range(3)]
    assert statuses == ["accepted", "accepted", "rejected"]
    assert body_of(lc.get("/leads?status=rejected"))["total_count"] == 1
    events = body_of(lc.get(f"/flows/{FLOW}/events?event_type=rejected"))["events"]
    assert events[0]["reason"] == "Cap reached"


def test_hourly_cap_resets_at_the_top_of_the_hour(lc):
    lc.settings(volume_cap={"hourly_limit": 1})
    lc.submit()
    lc.advance(30 * 60)  # 11:00
    assert body_of(lc.submit())["status"] == "accepted"


def test_daily_cap_holds_across_hours_until_midnight_utc(lc):
    lc.settings(volume_cap={"daily_limit": 1})
    lc.submit()
    lc.advance(3 * 3600)
    assert body_of(lc.submit())["status"] == "rejected"
    lc.advance(11 * 3600)  # 2024-01-16T00:30:00Z
    assert body_of(lc.submit())["status"] == "accepted"


def test_test_leads_do_not_count_against_caps(lc):
    lc.settings(volume_cap={"hourly_limit": 1})
    lc.submit(options={"test_mode": True})
    assert body_of(lc.submit())["status"] == "accepted"


def test_cap_in_batch_gives_lead_rejected_items(lc):
    lc.settings(volume_cap={"daily_limit": 1})
    results = body_of(lc.batch([{"lead": lc.lead()}, {"lead": lc.lead()}]))["results"]
    assert [r["status"] for r in results] == ["success", "error"]
    assert results[1]["error"] == {"code": "lead_rejected", "message": "Cap reached"}


def test_unpaired_surrogate_in_criteria_is_400_invalid_json_and_keeps_the_settings(lc):
    r = lc.put(f"/flows/{FLOW}/settings", raw='{"settings": {"acceptance_criteria": "lead.name == \\"\\ud800\\""}}')
    assert (r.status_code, body_of(r)["error"]["code"]) == (400, "invalid_json")
    assert body_of(lc.get(f"/flows/{FLOW}"))["configuration"]["steps"][0]["settings"]["acceptance_criteria"] == \
        "lead.age >= 18"
