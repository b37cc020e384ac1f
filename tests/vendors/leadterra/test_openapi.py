"""The OpenAPI document: served, in step with the request schemas, and a schemathesis fuzz run finds no 5xx or drift."""

from __future__ import annotations

import json

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sim.core.resources import data_dir
from tests.vendors.leadterra.conftest import Workspace, leads

SCHEMAS = data_dir("schemas") / "leadterra"


def test_openapi_document_is_served_at_leadterra_openapi_json(client):
    r = client.get("/leadterra/openapi.json")
    assert r.status_code == 200
    doc = r.get_json()
    assert doc["openapi"] == "3.1.0"
    assert len([m for p in doc["paths"].values() for m in p]) == 21


def test_openapi_request_bodies_are_the_validation_schemas():
    doc = json.loads((SCHEMAS / "openapi.json").read_text())
    components = doc["components"]["schemas"]
    pairs = {"CreateCampaignRequest": "create_campaign", "BulkLeadsRequest": "bulk_leads",
             "SuppressionListRequest": "suppression_list", "WebhookRequest": "webhooks",
             "AssignReplyRequest": "assign_reply", "FollowupSkipRequest": "followup_skip",
             "FollowupRescheduleRequest": "followup_reschedule", "FollowupScheduleRequest": "followup_schedule",
             "DraftsGenerateRequest": "drafts_generate", "DraftsSendRequest": "drafts_send"}
    for component, name in pairs.items():
        file_schema = json.loads((SCHEMAS / f"{name}.json").read_text())
        file_schema.pop("$schema")
        file_schema.pop("$id")
        assert components[component] == file_schema, component


def test_every_operation_documents_404_and_every_body_operation_documents_413():
    doc = json.loads((SCHEMAS / "openapi.json").read_text())
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert "404" in op["responses"], (method, path)
            if "requestBody" in op:
                assert "413" in op["responses"], (method, path)


def test_sdr_calls_with_the_reserved_key_answer_the_documented_404(client):
    headers = {"Authorization": "Bearer sk_live_workspace_not_found"}
    for path in ("/sdrs", "/sdr/inbox", "/sdr/followups/due", "/sdr/gmail/status"):
        r = client.get(f"/leadterra/v1{path}", headers=headers)
        assert (r.status_code, r.get_json()["code"]) == (404, "workspace_not_found"), path


def _real_ids(ws) -> dict:
    """Objects for the fuzzer to hit, so generated bodies reach the handlers behind the 404s."""
    cid = ws.campaign()
    ws.enroll(cid, leads(3))
    ws.post(f"/campaigns/{cid}/start")
    ws.advance(60)
    reply = ws.control("POST", "/replies", {"campaignId": cid, "email": "lead0@example.com",
                                           "classification": "interested"}).get_json()
    thread = ws.post(f"/replies/{reply['id']}/assign", {"sdrId": "sdr_01hx7c9v2k4m6n8p0q1r3s5t7w",
                                                        "skipIcpCheck": True}).get_json()["data"]["threadId"]
    followup = ws.get("/sdr/followups/due?includeUpcoming=true").get_json()["data"][0]["id"]
    draft = ws.post("/sdr/drafts/generate", {"threadId": thread}).get_json()["data"]["drafts"][0]["id"]
    return {"id": cid, "replyId": reply["id"], "threadId": thread, "followupId": followup, "draftId": draft}


def test_fuzzed_requests_get_no_5xx_and_match_the_document(app, client):
    """Every operation, 8 schema-valid and 8 schema-breaking generated requests, with a real key of a fresh
    workspace; every other case aims its path ids at real objects."""
    ws = Workspace(client)
    real = _real_ids(ws)
    api = schemathesis.openapi.from_wsgi("/leadterra/openapi.json", app)
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) == 21
    for operation in operations:
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            _fuzzer(operation, mode, ws, real, checks)()


def _fuzzer(operation, mode, ws, real: dict, checks: list):
    """A Hypothesis test of one operation; every other case with path ids aims them at real objects."""
    counter = iter(range(1_000_000))

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=8, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    def fuzz(case):
        if case.path_parameters and next(counter) % 2 == 0:
            case.path_parameters = {k: real.get(k, v) for k, v in case.path_parameters.items()}
        case.call_and_validate(headers=ws.headers, checks=checks)

    return fuzz
