"""Puffle campaigns: create/list/get/patch/delete, sequence nodes, the roster, validate, generated messages."""

from __future__ import annotations

import pytest

from .conftest import EMAIL_SENDER, LINKEDIN_SENDER

UUID_404 = "8c2b2d4e-e29b-41d4-a716-446655449999"


def test_create_email_campaign_seeds_email_and_end_nodes_inside_campaign(puffle):
    r = puffle.post("/campaigns", {"type": "email", "name": "Q2", "daily_limit": 100})
    assert r.status_code == 201
    camp = r.get_json()["campaign"]
    assert camp["status"] == "draft" and camp["stats"] is None
    assert [(n["position"], n["type"]) for n in camp["sequence_nodes"]] == [(0, "email"), (1, "end")]
    assert (camp["sequence_nodes"][0]["subject"], camp["sequence_nodes"][0]["body"]) == ("", "")
    assert camp["skip_other_campaigns"] is None and camp["daily_limit"] == 100


def test_create_linkedin_campaign_seeds_connection_request(puffle):
    camp = puffle.campaign("linkedin")
    assert [n["type"] for n in camp["sequence_nodes"]] == ["connection_request", "end"]
    assert (camp["daily_limit"], camp["stop_on_reply"], camp["open_tracking"], camp["signature"]) == (None, None, None, None)
    assert camp["sender_accounts"][0]["provider_account_id"] == "linkedin_acc_abc123"


def test_create_without_name_is_400(puffle):
    r = puffle.post("/campaigns", {"type": "email"})
    assert r.status_code == 400
    assert r.get_json()["error"] == "name: 'name' is a required property"


def test_create_with_sender_of_other_channel_is_400(puffle):
    r = puffle.post("/campaigns", {"type": "email", "name": "x", "sender_account_ids": [LINKEDIN_SENDER]})
    assert (r.status_code, r.get_json()) == (400, {"error": f"Sender account {LINKEDIN_SENDER} not found or not a email account"})


def test_malformed_json_is_400(puffle):
    r = puffle.call("POST", "/campaigns", data="{nope", headers={**puffle.headers, "Content-Type": "application/json"})
    assert (r.status_code, r.get_json()) == (400, {"error": "Invalid JSON body"})


def test_list_puts_active_before_drafts_with_node_count(puffle):
    draft = puffle.campaign()
    active = puffle.ready_campaign()
    puffle.post(f"/campaigns/{active['id']}/launch")
    puffle.advance(120)
    rows = puffle.get("/campaigns").get_json()["campaigns"]
    assert [c["id"] for c in rows] == [active["id"], draft["id"]]
    assert rows[0]["node_count"] == 2


def test_get_campaign_has_sequence_as_sibling_and_aggregates(puffle):
    camp = puffle.ready_campaign(leads=3)
    body = puffle.get(f"/campaigns/{camp['id']}").get_json()
    assert set(body) == {"campaign", "sequence_nodes", "prospects_by_status", "prospects_by_node"}
    assert "sequence_nodes" not in body["campaign"]
    assert body["prospects_by_status"] == {"pending": 3}
    assert body["prospects_by_node"] == {"__none__": {"pending": 3}}
    assert body["campaign"]["stats"] == {"total": 3}


@pytest.mark.parametrize("bad", ["not-a-uuid", UUID_404])
def test_unknown_or_malformed_campaign_id_is_404(puffle, bad):
    r = puffle.get(f"/campaigns/{bad}")
    assert (r.status_code, r.get_json()) == (404, {"error": "Campaign not found"})


def test_other_workspace_cannot_read_or_delete_campaign(puffle, other):
    camp = puffle.campaign()
    assert other.get(f"/campaigns/{camp['id']}").status_code == 404
    assert other.delete(f"/campaigns/{camp['id']}").status_code == 404
    assert other.get("/campaigns").get_json()["campaigns"] == []
    assert puffle.get(f"/campaigns/{camp['id']}").status_code == 200


def test_patch_ignores_draft_only_fields_on_active_campaign(puffle):
    camp = puffle.ready_campaign()
    puffle.post(f"/campaigns/{camp['id']}/launch")
    puffle.advance(120)
    r = puffle.patch(f"/campaigns/{camp['id']}", {"name": "Renamed", "stop_on_reply": False, "sender_account_ids": []})
    body = r.get_json()["campaign"]
    assert r.status_code == 200
    assert (body["name"], body["stop_on_reply"], len(body["sender_accounts"])) == ("Renamed", True, 1)


def test_patch_sequence_nodes_replaces_and_renumbers(puffle):
    camp = puffle.campaign()
    r = puffle.patch(f"/campaigns/{camp['id']}", {"sequence_nodes": [
        {"type": "email", "subject": "A", "body": "a", "position": 9}, {"type": "delay", "delay_days": 2},
        {"type": "email", "subject": "B", "body": "b"}, {"type": "end"}]})
    assert r.status_code == 200
    nodes = puffle.get(f"/campaigns/{camp['id']}").get_json()["sequence_nodes"]
    assert [(n["position"], n["type"]) for n in nodes] == [(0, "email"), (1, "delay"), (2, "email"), (3, "end")]


def test_patch_with_zero_delay_is_400_and_writes_nothing(puffle):
    camp = puffle.campaign()
    r = puffle.patch(f"/campaigns/{camp['id']}", {"name": "New", "sequence_nodes": [
        {"type": "email", "subject": "A", "body": "a"}, {"type": "delay"}, {"type": "end"}]})
    assert (r.status_code, r.get_json()) == (400, {"error": "Delay node at position 1 must total between 1 minute and 30 days"})
    got = puffle.get(f"/campaigns/{camp['id']}").get_json()
    assert got["campaign"]["name"] == "email campaign" and len(got["sequence_nodes"]) == 2


def test_delete_campaign_cascades(puffle):
    camp = puffle.ready_campaign()
    assert puffle.delete(f"/campaigns/{camp['id']}").get_json() == {"success": True}
    assert puffle.get(f"/campaigns/{camp['id']}/leads").status_code == 404


def test_add_node_without_position_goes_before_end(puffle):
    camp = puffle.campaign()
    nodes = puffle.post(f"/campaigns/{camp['id']}/sequence/nodes", {"type": "delay", "delay_hours": 4}).get_json()["sequence_nodes"]
    assert [n["type"] for n in nodes] == ["email", "delay", "end"]


def test_move_node_repacks_positions(puffle):
    camp = puffle.campaign()
    end = camp["sequence_nodes"][1]
    nodes = puffle.patch(f"/campaigns/{camp['id']}/sequence/nodes", {"nodeId": end["id"], "toPosition": 0}).get_json()["sequence_nodes"]
    assert [(n["position"], n["type"]) for n in nodes] == [(0, "end"), (1, "email")]


def test_move_node_without_to_position_is_400(puffle):
    camp = puffle.campaign()
    r = puffle.patch(f"/campaigns/{camp['id']}/sequence/nodes", {"nodeId": camp["sequence_nodes"][0]["id"]})
    assert (r.status_code, r.get_json()["error"]) == (400, "toPosition: 'toPosition' is a required property")


def test_delete_end_node_makes_validate_flag_it(puffle):
    camp = puffle.ready_campaign()
    puffle.delete(f"/campaigns/{camp['id']}/sequence/nodes", {"nodeId": camp["sequence_nodes"][1]["id"]})
    body = puffle.get(f"/campaigns/{camp['id']}/validate").get_json()
    assert body["ready"] is False and "Sequence must end with an end node" in body["errors"]


def test_put_node_ignores_type_change(puffle):
    camp = puffle.campaign()
    node = camp["sequence_nodes"][0]
    r = puffle.put(f"/campaigns/{camp['id']}/sequence/nodes/{node['id']}", {"type": "delay", "subject": "S"})
    assert r.get_json()["node"]["type"] == "email" and r.get_json()["node"]["subject"] == "S"


def test_sequence_writes_outside_draft_are_400(puffle):
    camp = puffle.ready_campaign()
    puffle.post(f"/campaigns/{camp['id']}/launch")
    r = puffle.post(f"/campaigns/{camp['id']}/sequence/nodes", {"type": "delay", "delay_days": 1})
    assert r.status_code == 400
    assert r.get_json()["error"] == "Campaign is launching — the sequence can only be changed while the campaign is a draft"


def test_roster_dedups_within_batch_and_against_existing(puffle):
    camp = puffle.campaign()
    r = puffle.post(f"/campaigns/{camp['id']}/leads", {"prospects": [{"email": "A@x.io"}, {"email": "a@x.io"}, {"email": "b@x.io"}]})
    assert r.get_json() == {"imported": 2, "duplicates": 1}
    r = puffle.post(f"/campaigns/{camp['id']}/leads", {"prospects": [{"email": "B@X.io"}]})
    assert r.get_json() == {"imported": 0, "duplicates": 1}


def test_linkedin_roster_normalises_trailing_slash_and_query(puffle):
    camp = puffle.campaign("linkedin")
    r = puffle.post(f"/campaigns/{camp['id']}/leads", {"prospects": [
        {"linkedin_url": "https://www.linkedin.com/in/jane/"}, {"linkedin_url": "https://www.linkedin.com/in/jane?trk=x"}]})
    assert r.get_json() == {"imported": 1, "duplicates": 1}


def test_roster_row_without_identity_names_the_index(puffle):
    camp = puffle.campaign()
    r = puffle.post(f"/campaigns/{camp['id']}/leads", {"prospects": [{"email": "a@x.io"}, {"first_name": "No email"}]})
    assert (r.status_code, r.get_json()) == (400, {"error": "prospects[1]: email is required for email campaigns"})
    assert puffle.get(f"/campaigns/{camp['id']}/leads").get_json()["total"] == 0


def test_roster_pagination(puffle):
    camp = puffle.ready_campaign(leads=5)
    body = puffle.get(f"/campaigns/{camp['id']}/leads?page=2&limit=2").get_json()
    assert (body["total"], body["page"], body["limit"], len(body["prospects"])) == (5, 2, 2, 2)
    assert body["prospects"][0]["status"] == "pending" and body["prospects"][0]["source"] == "api"


def test_roster_limit_over_200_is_400(puffle):
    camp = puffle.campaign()
    r = puffle.get(f"/campaigns/{camp['id']}/leads?limit=201")
    assert (r.status_code, r.get_json()) == (400, {"error": "limit must be between 1 and 200"})


def test_patch_prospect_updates_profile_only(puffle):
    camp = puffle.ready_campaign(leads=1)
    pid = puffle.get(f"/campaigns/{camp['id']}/leads").get_json()["prospects"][0]["id"]
    r = puffle.patch(f"/campaigns/{camp['id']}/leads", {"prospect_id": pid, "updates": {"company": "Acme", "status": "replied"}})
    assert r.get_json()["prospect"]["company"] == "Acme" and r.get_json()["prospect"]["status"] == "pending"


def test_delete_prospects_by_ids_and_all(puffle):
    camp = puffle.ready_campaign(leads=3)
    pid = puffle.get(f"/campaigns/{camp['id']}/leads").get_json()["prospects"][0]["id"]
    assert puffle.delete(f"/campaigns/{camp['id']}/leads", {"prospect_ids": [pid]}).get_json() == {"deleted": 1}
    assert puffle.delete(f"/campaigns/{camp['id']}/leads", {"all": True, "prospect_ids": [pid]}).get_json() == {"deleted": "all"}
    assert puffle.get(f"/campaigns/{camp['id']}").get_json()["campaign"]["stats"] is None


def test_roster_writes_outside_draft_are_400(puffle):
    camp = puffle.ready_campaign()
    puffle.post(f"/campaigns/{camp['id']}/launch")
    r = puffle.post(f"/campaigns/{camp['id']}/leads", {"prospects": [{"email": "new@x.io"}]})
    assert r.status_code == 400


def test_validate_ready_campaign(puffle):
    camp = puffle.ready_campaign(leads=2)
    puffle.post(f"/campaigns/{camp['id']}/generate-messages", {"action": "resolve"})
    body = puffle.get(f"/campaigns/{camp['id']}/validate").get_json()
    assert body == {"ready": True, "checks": {"is_draft": True, "has_sender_accounts": True, "sender_accounts_ready": True,
                    "has_prospects": True, "prospect_count": 2, "has_sendable_nodes": True, "all_nodes_have_content": True,
                    "messages_generated": True, "message_count": 2}, "errors": [], "warnings": []}


def test_validate_non_draft_short_circuits(puffle):
    camp = puffle.ready_campaign()
    puffle.post(f"/campaigns/{camp['id']}/launch")
    body = puffle.get(f"/campaigns/{camp['id']}/validate").get_json()
    assert body["errors"] == ["Campaign is launching — must be draft to launch"] and body["ready"] is False


def test_resolve_fills_template_variables(puffle):
    camp = puffle.ready_campaign(leads=1)
    msgs = puffle.post(f"/campaigns/{camp['id']}/generate-messages", {"action": "resolve"}).get_json()["messages"]
    assert (msgs[0]["subject"], msgs[0]["body_text"]) == ("Hi Lead0", "Hello Lead0 at Company 0")


def test_edit_generated_message_marks_it_manual_and_resolve_keeps_it(puffle):
    camp = puffle.ready_campaign(leads=1)
    mid = puffle.post(f"/campaigns/{camp['id']}/generate-messages", {"action": "resolve"}).get_json()["messages"][0]["id"]
    r = puffle.patch(f"/campaigns/{camp['id']}/generate-messages", {"message_id": mid, "body_text": "Custom"})
    assert r.get_json()["message"]["manually_edited"] is True
    again = puffle.post(f"/campaigns/{camp['id']}/generate-messages", {"action": "resolve"}).get_json()["messages"]
    assert again[0]["body_text"] == "Custom"


def test_generate_ai_charges_two_credits_per_prospect(puffle):
    camp = puffle.ready_campaign(leads=3)
    node = puffle.post(f"/campaigns/{camp['id']}/sequence/nodes", {"type": "ai"}).get_json()["sequence_nodes"][1]
    r = puffle.post(f"/campaigns/{camp['id']}/generate-messages", {"action": "generate_ai", "node_id": node["id"]})
    assert r.status_code == 200 and r.get_json()["creditsCharged"] == 6
    assert puffle.post("/credits/preview", {"action": "DEEP_RESEARCH", "count": 1}).get_json()["balance"] == 894
    puffle.advance(60)
    drafts = puffle.get(f"/campaigns/{camp['id']}/generate-messages").get_json()["messages"]
    assert len([m for m in drafts if m["node_id"] == node["id"]]) == 3


def test_generate_ai_without_credits_is_402(puffle):
    camp = puffle.ready_campaign(leads=2)
    node = puffle.post(f"/campaigns/{camp['id']}/sequence/nodes", {"type": "ai"}).get_json()["sequence_nodes"][1]
    puffle.control("PATCH", "/account", {"balance": 3})
    r = puffle.post(f"/campaigns/{camp['id']}/generate-messages", {"action": "generate_ai", "node_id": node["id"]})
    assert (r.status_code, r.get_json()) == (402, {"error": "Insufficient credits", "balance": 3, "required": 4})


def test_import_from_list_reports_counts(puffle):
    camp = puffle.campaign()
    lst = puffle.control("POST", "/lists", {"name": "L", "leads": [
        {"email": "a@x.io", "firstName": "A"}, {"email": "a@x.io"}, {"firstName": "No email"}]}).get_json()
    r = puffle.post(f"/campaigns/{camp['id']}/leads/import-from-list", {"listId": lst["id"]})
    assert (r.status_code, r.get_json()) == (200, {"imported": 1, "duplicates": 1, "invalid": 1, "errors": 0, "total": 3})
    again = puffle.post(f"/campaigns/{camp['id']}/leads/import-from-list", {"listId": lst["id"]})
    assert again.status_code == 422


def test_account_usage_and_senders_views(puffle):
    camp = puffle.ready_campaign(leads=3)
    puffle.post(f"/campaigns/{camp['id']}/launch")
    puffle.advance(120 + 3600)
    usage = puffle.get(f"/campaigns/{camp['id']}/account-usage").get_json()
    assert usage == {"accounts": [{"account_id": EMAIL_SENDER, "email": "sarah@acme-outbound.com", "daily_limit": 50,
                                   "sent_today": 3, "status": "active"}]}
    senders = puffle.get(f"/campaigns/{camp['id']}/senders").get_json()
    assert senders["campaign_total_sent"] == 3 and senders["campaign_type"] == "email"
    assert senders["senders"][0]["weekly_messages_sent"] == 3
    assert puffle.get(f"/campaigns/{camp['id']}/account-usage?date=2026-13-01").status_code == 400
