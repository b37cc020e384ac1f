"""The OpenAPI 3.1 document: it is served, matches the body schemas, and a schemathesis run against the
Flask app finds no 5xx and no response that breaks the document."""

from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sim.app import create_app
from sim.config import Config
from sim.core.resources import data_dir
from sim.vendors.leadconduit import SPEC

AUTH = {"Authorization": "Bearer YOUR_API_KEY"}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


def body_schema(name: str) -> dict:
    schema = json.loads((data_dir("schemas") / "leadconduit" / f"{name}.json").read_text())
    schema.pop("$schema")
    return schema


@pytest.fixture(scope="module")
def fuzz_app():
    """The default workspace with limits lifted and a few leads, so reads have something to show."""
    app = create_app(Config(store="memory"), [SPEC])
    client = app.test_client()
    client.put("/_sim/workspaces/default/leadconduit/settings",
               json={"rate_limit_hour": 1_000_000, "rate_limit_minute": 1_000_000})
    leads = [{"external_id": str(i), "lead": {"email": f"fuzz{i}@example.com", "phone": "5551234567",
                                              "age": 15 + i, "source": ["web", "social"][i % 2]}} for i in range(6)]
    r = client.post("/leadconduit/api/v1/flows/flow_789xyz/leads/batch", json={"leads": leads}, headers=AUTH)
    app.config["FUZZ_LEAD_IDS"] = [item["lead_id"] for item in r.get_json()["results"] if "lead_id" in item]
    yield app
    app.extensions["sim"].close()


@pytest.fixture(scope="module")
def api_schema(fuzz_app):
    return schemathesis.openapi.from_wsgi("/leadconduit/openapi.json", fuzz_app)


def test_document_is_served_as_openapi_3_1(client):
    r = client.get("/leadconduit/openapi.json")
    assert r.status_code == 200
    doc = r.get_json()
    assert doc["openapi"] == "3.1.0"
    assert doc["servers"][0]["url"] == "/leadconduit/api/v1"


def test_document_covers_every_route(app):
    doc = json.loads((data_dir("schemas") / "leadconduit" / "openapi.json").read_text())
    documented = {(method.upper(), path) for path, ops in doc["paths"].items() for method in ops}
    served = {(m, r.rule[len("/leadconduit/api/v1"):].replace("<", "{").replace(">", "}"))
              for r in app.url_map.iter_rules() if r.rule.startswith("/leadconduit/api/v1")
              for m in r.methods - {"HEAD", "OPTIONS"}}
    assert documented == served


@pytest.mark.parametrize("component, name", [("SubmitLead", "submit"), ("BatchLeadItem", "batch_item"),
                                             ("UpdateFlowSettings", "settings")])
def test_document_request_bodies_equal_the_validation_schemas(component, name):
    doc = json.loads((data_dir("schemas") / "leadconduit" / "openapi.json").read_text())
    assert doc["components"]["schemas"][component] == body_schema(name)


def test_document_batch_envelope_equals_the_validation_schema():
    doc = json.loads((data_dir("schemas") / "leadconduit" / "openapi.json").read_text())
    envelope = json.loads(json.dumps(doc["components"]["schemas"]["SubmitLeadBatch"]))
    assert envelope["properties"]["leads"].pop("items") == {"$ref": "#/components/schemas/BatchLeadItem"}
    assert envelope == body_schema("batch")


OPERATIONS = [(method.upper(), path) for path, ops in json.loads(
    (data_dir("schemas") / "leadconduit" / "openapi.json").read_text())["paths"].items() for method in ops]
WITH_INPUT = [op for op in OPERATIONS if op != ("GET", "/flows")]


def fuzz(api_schema, method: str, path: str, mode: GenerationMode, examples: int) -> None:
    operation = api_schema[path][method]

    lead_ids = api_schema.app.config["FUZZ_LEAD_IDS"]

    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode), known=st.booleans(), pick=st.integers(0, 5))
    def run(case, known, pick):
        if known and "flow_id" in (case.path_parameters or {}):
            case.path_parameters["flow_id"] = "flow_789xyz"
        if known and "lead_id" in (case.path_parameters or {}):
            case.path_parameters["lead_id"] = lead_ids[pick % len(lead_ids)]
        case.call_and_validate(headers=AUTH, checks=CHECKS)

    run()


@pytest.mark.parametrize("method, path", OPERATIONS)
def test_schemathesis_valid_requests_get_no_5xx_and_conform(api_schema, method, path):
    fuzz(api_schema, method, path, GenerationMode.POSITIVE, 40)


@pytest.mark.parametrize("method, path", WITH_INPUT)
def test_schemathesis_invalid_requests_get_no_5xx_and_conform(api_schema, method, path):
    fuzz(api_schema, method, path, GenerationMode.NEGATIVE, 25)
