"""GET /v1/replies (envelope, filter, order, pagination) and POST /v1/suppression-list."""

from __future__ import annotations

from tests.vendors.leadterra.conftest import leads


def running(ws, n=3):
    cid = ws.campaign()
    ws.enroll(cid, leads(n))
    ws.post(f"/campaigns/{cid}/start")
    ws.advance(60)
    return cid


def inject(ws, cid, email, classification, text=None):
    r = ws.control("POST", "/replies", {"campaignId": cid, "email": email, "classification": classification,
                                        **({"text": text} if text else {})})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.get_json()


# --- replies ---------------------------------------------------------------------------------------------
def test_replies_use_the_replies_and_pagination_envelope(ws):
    cid = running(ws)
    inject(ws, cid, "lead0@example.com", "interested", "Sounds good, call me Tuesday.")
    body = ws.get("/replies").get_json()
    assert body["pagination"] == {"total": 1, "page": 1, "perPage": 50}
    assert body["replies"][0] == {"id": body["replies"][0]["id"], "email": "lead0@example.com", "campaignId": cid,
                                  "classification": "interested", "receivedAt": "2025-01-15T10:01:00Z",
                                  "threadSnippet": "Sounds good, call me Tuesday."}
    assert body["replies"][0]["id"].startswith("rpl_")


def test_replies_are_newest_first(ws):
    cid = running(ws)
    first = inject(ws, cid, "lead0@example.com", "interested")
    ws.advance(600)
    second = inject(ws, cid, "lead1@example.com", "not_interested")
    assert [r["id"] for r in ws.get("/replies").get_json()["replies"]] == [second["id"], first["id"]]


def test_replies_filter_by_campaign(ws):
    a, b = running(ws), running(ws)
    inject(ws, a, "lead0@example.com", "interested")
    inject(ws, b, "lead1@example.com", "interested")
    assert [r["campaignId"] for r in ws.get(f"/replies?campaignId={b}").get_json()["replies"]] == [b]


def test_replies_filter_by_classification(ws):
    cid = running(ws)
    inject(ws, cid, "lead0@example.com", "interested")
    inject(ws, cid, "lead1@example.com", "out_of_office")
    body = ws.get("/replies?classification=out_of_office").get_json()
    assert [r["email"] for r in body["replies"]] == ["lead1@example.com"]


def test_replies_unknown_campaign_is_404_campaign_not_found(ws):
    r = ws.get("/replies?campaignId=camp_nope")
    assert (r.status_code, r.get_json()["code"]) == (404, "campaign_not_found")


def test_replies_bad_per_page_is_400_invalid_request(ws):
    for bad in ("0", "101", "ten"):
        r = ws.get(f"/replies?perPage={bad}")
        assert (r.status_code, r.get_json()["code"]) == (400, "invalid_request"), bad


def test_replies_bad_classification_is_400_invalid_request(ws):
    assert ws.get("/replies?classification=angry").status_code == 400


def test_replies_paginate_with_page_and_per_page(ws):
    cid = running(ws, 5)
    for i in range(5):
        inject(ws, cid, f"lead{i}@example.com", "interested")
    body = ws.get("/replies?page=2&perPage=2").get_json()
    assert body["pagination"] == {"total": 5, "page": 2, "perPage": 2}
    assert [r["email"] for r in body["replies"]] == ["lead2@example.com", "lead1@example.com"]


def test_replies_compat_envelopes(ws):
    cid = running(ws)
    inject(ws, cid, "lead0@example.com", "interested")
    ws.control("PUT", "/settings", {"repliesEnvelope": "array"})
    assert ws.get("/replies").get_json()[0]["email"] == "lead0@example.com"
    ws.control("PUT", "/settings", {"repliesEnvelope": "data"})
    assert ws.get("/replies").get_json()["data"][0]["email"] == "lead0@example.com"


def test_simulated_replies_use_the_documented_classifications(ws):
    cid = running(ws, 300)
    ws.advance(8 * 86400)
    replies = ws.get("/replies?perPage=100").get_json()
    assert replies["pagination"]["total"] > 0
    assert {r["classification"] for r in replies["replies"]} <= {"interested", "not_interested", "out_of_office",
                                                                  "bounce", "unsubscribe"}
    assert all(r["threadSnippet"] for r in replies["replies"])
    assert ws.stats(cid)["replied"] == len({r["email"] for r in ws.get("/replies?perPage=100").get_json()["replies"]})


def test_simulated_reply_text_is_stable_between_reads(ws):
    running(ws, 300)
    ws.advance(8 * 86400)
    first = ws.get("/replies?perPage=100").get_json()
    ws.advance(30 * 86400)
    assert ws.get("/replies?perPage=100").get_json()["replies"][-5:] == first["replies"][-5:]


# --- suppression -----------------------------------------------------------------------------------------
def test_suppression_returns_the_superset_counts(ws):
    r = ws.post("/suppression-list", {"emails": ["a@x.io", "b@x.io"]})
    assert r.status_code == 200
    assert r.get_json() == {"suppressed": 2, "alreadySuppressed": 0, "total": 2,
                            "result": {"suppressed": 2, "alreadySuppressed": 0, "total": 2}}


def test_suppression_is_idempotent(ws):
    ws.post("/suppression-list", {"emails": ["a@x.io"]})
    body = ws.post("/suppression-list", {"emails": ["A@x.io", "c@x.io", "c@x.io"]}).get_json()
    assert body["result"] == {"suppressed": 1, "alreadySuppressed": 1, "total": 2}


def test_suppression_empty_array_is_400_invalid_request(ws):
    r = ws.post("/suppression-list", {"emails": []})
    assert (r.status_code, r.get_json()["code"]) == (400, "invalid_request")


def test_suppression_missing_emails_is_400_invalid_request(ws):
    assert ws.post("/suppression-list", {}).status_code == 400


def test_suppression_over_one_thousand_is_400_invalid_request(ws):
    r = ws.post("/suppression-list", {"emails": [f"u{i}@x.io" for i in range(1001)]})
    assert (r.status_code, r.get_json()["code"]) == (400, "invalid_request")


def test_suppression_bad_address_is_422_naming_it_and_writes_nothing(ws):
    r = ws.post("/suppression-list", {"emails": ["good@x.io", "nope", 7]})
    assert r.status_code == 422
    body = r.get_json()
    assert body["code"] == "validation_failed"
    assert [(e["index"], e["field"]) for e in body["errors"]] == [(1, "emails"), (2, "emails")]
    assert ws.post("/suppression-list", {"emails": ["good@x.io"]}).get_json()["suppressed"] == 1


def test_suppression_stops_sends_to_an_enrolled_lead(ws):
    cid = ws.campaign()
    ws.enroll(cid, leads(3))
    ws.post("/suppression-list", {"emails": ["lead2@example.com"]})
    ws.post(f"/campaigns/{cid}/start")
    ws.advance(60)
    assert ws.stats(cid)["sent"] == 2


def test_removing_a_suppressed_address_is_404_not_found(ws):
    ws.post("/suppression-list", {"emails": ["gone@example.com"]})
    r = ws.client.delete("/leadterra/v1/suppression-list", headers=ws.headers, json={"emails": ["gone@example.com"]})
    assert (r.status_code, r.get_json()["code"]) == (404, "not_found")


def test_reading_the_suppression_list_is_404_not_found(ws):
    r = ws.get("/suppression-list")
    assert (r.status_code, r.get_json()["code"], r.get_json()["message"]) == (
        404, "not_found", "No route GET /v1/suppression-list")
