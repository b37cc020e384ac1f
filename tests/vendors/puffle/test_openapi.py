"""Puffle's OpenAPI document: served, in step with the request schemas, and a schemathesis run finds no 5xx."""

from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from sim.app import create_app
from sim.config import Config
from sim.core.resources import data_dir
from sim.vendors.puffle import SPEC

KEY = "pk_live_YOUR_KEY"


def test_openapi_document_is_served(client):
    r = client.get("/puffle/openapi.json")
    assert r.status_code == 200
    doc = r.get_json()
    assert doc["openapi"] == "3.1.0"
    assert "/api/campaigns/{id}/launch" in doc["paths"]


def test_openapi_request_bodies_match_the_validation_schemas():
    doc = json.loads((data_dir("schemas") / "puffle" / "openapi.json").read_text())
    for path in (data_dir("schemas") / "puffle").glob("*.json"):
        if path.name == "openapi.json":
            continue
        schema = json.loads(path.read_text())
        schema.pop("$schema")
        assert doc["components"]["schemas"]["Body_" + path.stem] == schema, path.name


@pytest.fixture(scope="module")
def fuzz_app():
    app = create_app(Config(store="memory"), [SPEC])
    sim = app.extensions["sim"]
    sim.set_vendor_setting("default", "puffle", "rate_limit", 1_000_000)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {KEY}"}
    camp = client.post("/puffle/api/campaigns", json={"type": "email", "name": "Fuzz"}, headers=headers).get_json()
    assert camp["campaign"]["status"] == "draft"
    yield app
    sim.close()


@pytest.mark.slow
def test_fuzzed_requests_get_documented_answers_and_never_5xx(fuzz_app):
    """Every operation, generated from the document (schemathesis' pytest plugin predates pytest 9, so loop here)."""
    api = schemathesis.openapi.from_wsgi("/puffle/openapi.json", fuzz_app)
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) > 50
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case):
            case.call_and_validate(headers={"Authorization": f"Bearer {KEY}"}, checks=checks)

        run()
