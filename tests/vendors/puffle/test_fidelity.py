"""Fidelity details found in the spec audit: integer bounds, compact validation messages."""

from __future__ import annotations

from tests.vendors.puffle.conftest import EMAIL_SENDER

MAX_SAFE = 9007199254740991  # spec 1: integer schemas are bounded 0 <= x <= 2^53 - 1


def test_credit_preview_accepts_the_documented_integer_ceiling(puffle):
    r = puffle.post("/credits/preview", {"action": "DEEP_RESEARCH", "count": MAX_SAFE})
    assert r.status_code == 200
    body = r.get_json()
    assert body["totalCredits"] == MAX_SAFE * 40
    assert body["sufficient"] is False and body["balance"] == 900


def test_credit_preview_rejects_a_count_past_the_integer_ceiling(puffle):
    r = puffle.post("/credits/preview", {"action": "DEEP_RESEARCH", "count": MAX_SAFE + 1})
    assert r.status_code == 400
    assert r.get_json()["error"] == f"count: {MAX_SAFE + 1} is greater than the maximum of {MAX_SAFE}"


def test_credit_preview_of_zero_units_costs_nothing(puffle):
    r = puffle.post("/credits/preview", {"action": "EMAIL_LOOKUP", "count": 0})
    assert r.status_code == 200
    assert r.get_json() == {"action": "EMAIL_LOOKUP", "count": 0, "costPerUnit": 2, "totalCredits": 0,
                            "totalDollars": 0, "sufficient": True, "balance": 900}


def test_too_many_leads_gets_a_short_error_that_does_not_echo_the_batch(puffle):
    camp = puffle.campaign("email")
    rows = [{"email": f"lead{i}@example.com"} for i in range(1001)]
    r = puffle.post(f"/campaigns/{camp['id']}/leads", {"prospects": rows})
    assert r.status_code == 400
    body = r.get_json()
    assert body["error"] == "prospects: value is too long"
    assert body["details"] == [{"field": "prospects", "kind": "value", "message": "value is too long"}]


def test_campaign_id_matches_case_insensitively_like_a_postgres_uuid(puffle):
    camp = puffle.ready_campaign("email", leads=2)
    upper = camp["id"].upper()
    r = puffle.get(f"/campaigns/{upper}")
    assert r.status_code == 200
    body = r.get_json()
    assert body["campaign"]["id"] == camp["id"]
    assert [n["type"] for n in body["sequence_nodes"]] == ["email", "end"]
    assert body["prospects_by_status"] == {"pending": 2}


def test_sender_ids_in_upper_case_attach_the_same_account(puffle):
    camp = puffle.campaign("email", senders=[EMAIL_SENDER.upper(), EMAIL_SENDER])
    assert [a["id"] for a in camp["sender_accounts"]] == [EMAIL_SENDER]
    assert puffle.get(f"/senders/{EMAIL_SENDER.upper()}").get_json()["account"]["id"] == EMAIL_SENDER


def test_import_that_adds_nothing_is_422_with_an_error_and_the_counts(puffle):
    camp = puffle.campaign("email")
    lst = puffle.control("POST", "/lists", {"name": "L", "leads": [{"email": "a@x.io"}, {"firstName": "No email"}]})
    path = f"/campaigns/{camp['id']}/leads/import-from-list"
    assert puffle.post(path, {"listId": lst.get_json()["id"]}).status_code == 200
    r = puffle.post(path, {"listId": lst.get_json()["id"]})
    assert r.status_code == 422
    assert r.get_json() == {"error": "No new leads were imported: every row was a duplicate or invalid",
                            "imported": 0, "duplicates": 1, "invalid": 1, "errors": 0, "total": 2}


def test_openapi_documents_every_served_route_including_session_only_key_management(client):
    doc = client.get("/puffle/openapi.json").get_json()
    for path in ("/api/user/api-key", "/api/v1/partners/api-key"):
        for method in ("get", "post", "delete"):
            assert list(doc["paths"][path][method]["responses"]) == ["401", "429"], (path, method)


def test_type_errors_quote_the_value_as_json(puffle):
    r = puffle.post("/campaigns", {"type": "email", "name": None})
    assert r.status_code == 400
    assert r.get_json()["error"] == "name: null is not of type 'string'"
