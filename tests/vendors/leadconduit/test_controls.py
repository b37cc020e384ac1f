"""The LeadConduit sim controls under /_sim/workspaces/{id}/leadconduit, and state surviving a restart."""

from __future__ import annotations

from sim.app import create_app
from sim.config import Config
from sim.vendors.leadconduit import SPEC

from .conftest import API, FLOW, body_of


def test_settings_show_the_defaults(lc):
    r = lc.control("GET", "/settings")
    assert r.status_code == 200
    assert r.get_json() == {"rate_limit_hour": 1000, "rate_limit_minute": 100, "criteria_mode": "lenient",
                            "duplicate_window_days": 30, "accepted_event": False, "webhook_secret": None}


def test_bad_settings_are_422_problem_json(lc):
    r = lc.control("PUT", "/settings", {"rate_limit_hour": 0, "criteria_mode": "loose", "colour": 1})
    assert r.status_code == 422
    assert r.headers["Content-Type"] == "application/problem+json"
    assert {e["field"] for e in r.get_json()["errors"]} == {"rate_limit_hour", "criteria_mode", "colour"}


def test_converting_a_lead_that_was_not_delivered_is_409(lc):
    lead_id = body_of(lc.submit(lead=lc.lead(age=10)))["id"]
    assert lc.convert(lead_id).status_code == 409


def test_converting_twice_is_409(lc):
    lead_id = body_of(lc.submit())["id"]
    assert lc.convert(lead_id).status_code == 200
    assert lc.convert(lead_id).status_code == 409


def test_converting_an_unknown_lead_is_404(lc):
    assert lc.convert("lead_000000000000").status_code == 404


def test_conversion_appends_a_converted_event_and_keeps_the_status(lc):
    lead_id = body_of(lc.submit())["id"]
    lc.convert(lead_id)
    lead = body_of(lc.get(f"/leads/{lead_id}"))
    assert lead["status"] == "delivered"
    assert (lead["events"][-1]["type"], lead["events"][-1]["outcome"]) == ("converted", "success")
    assert body_of(lc.get(f"/flows/{FLOW}/events?event_type=converted"))["total_events"] == 1


def test_conversion_counts_in_analytics(lc):
    lc.convert(body_of(lc.submit())["id"])
    lc.submit()
    assert body_of(lc.get("/analytics"))["metrics"][0]["conversion_rate"] == 0.5


def test_bad_recipient_behaviour_is_422(lc):
    r = lc.control("PUT", f"/flows/{FLOW}/recipients/recipient_789", {"mode": "4xx", "response_code": 200})
    assert r.status_code == 422


def test_unknown_recipient_is_404(lc):
    assert lc.control("PUT", f"/flows/{FLOW}/recipients/recipient_x", {"mode": "ok"}).status_code == 404


def test_profile_recipient_draws_outcomes_from_the_behaviour_profile(lc):
    lc.client.put(f"/_sim/workspaces/{lc.ws}/profile", json={"leads": {"delivery_success_rate": 0.0}})
    lc.recipient("profile")
    body = body_of(lc.submit())
    assert (body["events"][-1]["type"], body["events"][-1]["outcome"]) == ("failed", "error")


def test_bad_flow_status_is_422(lc):
    assert lc.control("PUT", f"/flows/{FLOW}/status", {"status": "archived"}).status_code == 422


def test_created_flow_is_listed_and_accepts_leads(lc):
    r = lc.control("POST", "/flows", {"name": "Partners", "acceptance_criteria": "lead.age >= 21", "price": 12.5})
    assert r.status_code == 201
    flow_id = r.get_json()["id"]
    assert [f["id"] for f in body_of(lc.get("/flows"))["flows"]] == [FLOW, flow_id]
    body = body_of(lc.submit(flow=flow_id, lead=lc.lead(age=30)))
    assert (body["status"], body["pricing"]["amount"]) == ("accepted", 12.5)


def test_creating_a_flow_with_bad_criteria_is_422(lc):
    r = lc.control("POST", "/flows", {"name": "Bad", "acceptance_criteria": "age > 1"})
    assert r.status_code == 422


def test_creating_a_flow_with_an_existing_id_is_409(lc):
    assert lc.control("POST", "/flows", {"name": "Dup", "id": FLOW}).status_code == 409


def test_controls_of_an_unknown_workspace_are_404(client):
    assert client.get("/_sim/workspaces/ws_nope/leadconduit/settings").status_code == 404


def test_workspace_reset_restores_the_fixture_flow(lc):
    lc.submit()
    lc.settings(acceptance_criteria=None)
    assert lc.client.post(f"/_sim/workspaces/{lc.ws}/reset").status_code == 200
    assert body_of(lc.get("/leads"))["total_count"] == 0
    assert body_of(lc.settings())["settings"]["acceptance_criteria"] == "lead.age >= 18"


def test_leads_settings_and_caps_survive_a_restart(tmp_path):
    headers = {"Authorization": "Bearer YOUR_API_KEY"}
    lead = {"email": "persist@example.com", "phone": "5551234567"}
    app = create_app(Config(store=str(tmp_path)), [SPEC])
    client = app.test_client()
    client.put(f"{API}/flows/{FLOW}/settings", json={"settings": {"volume_cap": {"daily_limit": 1}}}, headers=headers)
    lead_id = client.post(f"{API}/flows/{FLOW}/leads", json={"lead": lead}, headers=headers).get_json()["id"]
    app.extensions["sim"].close()

    app = create_app(Config(store=str(tmp_path)), [SPEC])
    try:
        client = app.test_client()
        assert client.get(f"{API}/leads/{lead_id}", headers=headers).get_json()["status"] == "delivered"
        again = client.post(f"{API}/flows/{FLOW}/leads", json={"lead": lead}, headers=headers)
        assert again.status_code == 409
        other = client.post(f"{API}/flows/{FLOW}/leads", json={"lead": {**lead, "email": "b@example.com"}},
                            headers=headers)
        assert other.get_json()["status"] == "rejected"
    finally:
        app.extensions["sim"].close()


def test_recipient_mode_of_the_wrong_type_is_422_not_500(lc):
    r = lc.control("PUT", f"/flows/{FLOW}/recipients/recipient_789", {"mode": ["4xx"]})
    assert r.status_code == 422
    assert [e["field"] for e in r.get_json()["errors"]] == ["mode"]


def test_a_refused_surrogate_body_leaves_the_durable_store_intact(tmp_path):
    headers = {"Authorization": "Bearer YOUR_API_KEY", "Content-Type": "application/json"}
    app = create_app(Config(store=str(tmp_path)), [SPEC])
    client = app.test_client()
    lead_id = client.post(f"{API}/flows/{FLOW}/leads", headers=headers,
                          json={"lead": {"email": "keep@example.com", "phone": "5551234567"}}).get_json()["id"]
    bad = client.post(f"{API}/flows/{FLOW}/leads", headers=headers,
                      data='{"lead": {"email": "bad@example.com", "phone": "5551234567", "city": "\\ud800"}}')
    assert bad.status_code == 400
    assert client.get("/_sim/workspaces/default/journal").status_code == 200
    app.extensions["sim"].close()

    app = create_app(Config(store=str(tmp_path)), [SPEC])
    try:
        r = app.test_client().get(f"{API}/leads/{lead_id}", headers=headers)
        assert r.status_code == 200
    finally:
        app.extensions["sim"].close()
