"""POST /v1/campaigns/{id}/leads/bulk: upsert by email, counts, suppression skips, validation, no partial writes."""

from __future__ import annotations

from tests.vendors.leadterra.conftest import leads


def test_new_leads_count_as_enrolled(ws):
    cid = ws.campaign()
    assert ws.enroll(cid, leads(3)) == {"enrolled": 3, "updated": 0, "skipped": 0, "total": 3}


def test_reposting_the_same_leads_counts_them_as_updated_without_duplicates(ws):
    cid = ws.campaign()
    ws.enroll(cid, leads(3))
    assert ws.enroll(cid, leads(3)) == {"enrolled": 0, "updated": 3, "skipped": 0, "total": 3}
    assert ws.stats(cid)["totalEnrolled"] == 3


def test_a_lead_known_to_the_workspace_counts_as_updated_in_another_campaign(ws):
    ws.enroll(ws.campaign("A"), leads(1))
    other = ws.campaign("B")
    assert ws.enroll(other, leads(1)) == {"enrolled": 0, "updated": 1, "skipped": 0, "total": 1}
    assert ws.stats(other)["totalEnrolled"] == 1


def test_emails_match_case_insensitively(ws):
    cid = ws.campaign()
    ws.enroll(cid, [{"email": "Ava@Example.com"}])
    assert ws.enroll(cid, [{"email": " ava@example.COM"}]) == {"enrolled": 0, "updated": 1, "skipped": 0, "total": 1}


def test_a_repeated_email_in_one_request_counts_once(ws):
    cid = ws.campaign()
    r = ws.enroll(cid, [{"email": "a@x.io", "firstName": "A"}, {"email": "A@x.io", "firstName": "B"}])
    assert r == {"enrolled": 1, "updated": 0, "skipped": 0, "total": 1}


def test_suppressed_addresses_are_skipped_silently(ws):
    ws.post("/suppression-list", {"emails": ["lead1@example.com"]})
    cid = ws.campaign()
    assert ws.enroll(cid, leads(3)) == {"enrolled": 2, "updated": 0, "skipped": 1, "total": 2}
    assert ws.stats(cid)["totalEnrolled"] == 2


def test_only_fields_sent_are_overwritten(ws, app):
    cid = ws.campaign()
    ws.enroll(cid, [{"email": "a@x.io", "firstName": "Ava", "company": "ExampleCo", "useCase": "outbound"}])
    ws.enroll(cid, [{"email": "a@x.io", "jobTitle": "VP Sales", "customFields": {"tier": 1}}])
    sim = app.extensions["sim"]
    lead = dict(sim.store.table(f"w/{ws.id}/leadterra/leads").get("a@x.io"))
    assert (lead["firstName"], lead["company"], lead["jobTitle"]) == ("Ava", "ExampleCo", "VP Sales")
    assert lead["custom"] == {"useCase": "outbound", "tier": 1}


def test_a_bad_email_is_422_validation_failed_naming_the_lead(ws):
    cid = ws.campaign()
    r = ws.post(f"/campaigns/{cid}/leads/bulk", {"leads": [{"email": "ok@x.io"}, {"email": "not-an-email"}]})
    assert r.status_code == 422
    body = r.get_json()
    assert body["code"] == body["error"]["code"] == "validation_failed"
    assert body["errors"] == [{"index": 1, "field": "email", "message": "'not-an-email' is not a valid email address"}]


def test_a_422_writes_nothing(ws):
    cid = ws.campaign()
    ws.post(f"/campaigns/{cid}/leads/bulk", {"leads": [{"email": "ok@x.io"}, {"email": "bad"}]})
    assert ws.stats(cid)["totalEnrolled"] == 0
    assert ws.enroll(cid, [{"email": "ok@x.io"}])["enrolled"] == 1


def test_ten_thousand_leads_with_some_invalid_is_422_listing_each(ws):
    cid = ws.campaign()
    batch = leads(10_000)
    for i in (5, 777, 9_999):
        batch[i]["email"] = f"broken{i}"
    batch[4242]["firstName"] = {"nested": True}
    r = ws.post(f"/campaigns/{cid}/leads/bulk", {"leads": batch})
    assert r.status_code == 422
    assert [(e["index"], e["field"]) for e in r.get_json()["errors"]] == [
        (5, "email"), (777, "email"), (4242, "firstName"), (9999, "email")]
    assert ws.stats(cid)["totalEnrolled"] == 0


def test_ten_thousand_valid_leads_enroll_in_one_call(ws):
    cid = ws.campaign()
    assert ws.enroll(cid, leads(10_000))["enrolled"] == 10_000


def test_a_lead_without_email_is_422(ws):
    cid = ws.campaign()
    r = ws.post(f"/campaigns/{cid}/leads/bulk", {"leads": [{"firstName": "No email"}]})
    assert r.status_code == 422
    assert r.get_json()["errors"][0] == {"index": 0, "field": "email", "message": "'email' is a required property"}


def test_a_lead_that_is_not_an_object_is_422(ws):
    cid = ws.campaign()
    r = ws.post(f"/campaigns/{cid}/leads/bulk", {"leads": ["ava@example.com"]})
    assert (r.status_code, r.get_json()["errors"][0]["index"]) == (422, 0)


def test_missing_leads_is_400_invalid_request(ws):
    cid = ws.campaign()
    r = ws.post(f"/campaigns/{cid}/leads/bulk", {"contacts": []})
    assert (r.status_code, r.get_json()["code"], r.get_json()["message"]) == (400, "invalid_request", "leads is required")


def test_leads_not_an_array_is_400_invalid_request(ws):
    cid = ws.campaign()
    assert ws.post(f"/campaigns/{cid}/leads/bulk", {"leads": {"email": "a@x.io"}}).status_code == 400


def test_empty_leads_is_400_invalid_request(ws):
    cid = ws.campaign()
    r = ws.post(f"/campaigns/{cid}/leads/bulk", {"leads": []})
    assert (r.status_code, r.get_json()["code"]) == (400, "invalid_request")


def test_more_than_the_batch_limit_is_400_invalid_request(ws):
    ws.control("PUT", "/settings", {"bulkLeadsMax": 5})
    cid = ws.campaign()
    r = ws.post(f"/campaigns/{cid}/leads/bulk", {"leads": leads(6)})
    assert (r.status_code, r.get_json()["code"]) == (400, "invalid_request")


def test_malformed_json_is_400_invalid_request(ws):
    cid = ws.campaign()
    r = ws.client.post(f"/leadterra/v1/campaigns/{cid}/leads/bulk", headers={**ws.headers, "Content-Type": "application/json"},
                       data='{"leads": [')
    assert (r.status_code, r.get_json()["code"]) == (400, "invalid_request")


def test_unknown_campaign_is_404_campaign_not_found(ws):
    r = ws.post("/campaigns/camp_nope/leads/bulk", {"leads": leads(1)})
    assert (r.status_code, r.get_json()["code"]) == (404, "campaign_not_found")


def test_leads_added_to_a_running_campaign_start_at_step_one(ws):
    cid = ws.campaign(steps=[{"subject": "1", "bodyHtml": "1"}, {"subject": "2", "bodyHtml": "2", "delayDays": 5}])
    ws.enroll(cid, leads(2, "early"))
    ws.post(f"/campaigns/{cid}/start")
    ws.advance(3600)
    ws.enroll(cid, leads(1, "late"))
    ws.advance(3600)
    assert ws.stats(cid)["sent"] == 3


def test_re_enrolling_keeps_the_leads_place_in_the_sequence(ws):
    cid = ws.campaign(steps=[{"subject": "1", "bodyHtml": "1"}, {"subject": "2", "bodyHtml": "2", "delayDays": 5}])
    ws.enroll(cid, [{"email": "keep@x.io"}])
    ws.post(f"/campaigns/{cid}/start")
    ws.advance(3600)
    ws.enroll(cid, [{"email": "keep@x.io", "firstName": "Kept"}])
    ws.advance(3600)
    assert ws.stats(cid)["sent"] == 1
