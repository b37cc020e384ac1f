"""Bad input never gets a 500: problem+json 4xx on /_sim, the vendor's own envelope inside a vendor prefix."""

from __future__ import annotations

import pytest
from flask import request

from sim.app import create_app
from sim.config import Config
from sim.web.pipeline import route
from tests.control.conftest import auth, expect_problem
from tests.support import toyvendor

MAX_BODY = 4096


def blueprint_with_odd_views():
    bp = toyvendor.blueprint()

    @route(bp, "/raw", methods=["POST"])
    def raw(call):
        return 200, {"got": request.get_json()}  # werkzeug's parser, not call.body()

    @route(bp, "/boom")
    def boom(call):
        raise RuntimeError("bug in a view")

    return bp


@pytest.fixture
def app():
    spec = toyvendor.toy_spec()
    spec.blueprint = blueprint_with_odd_views
    app = create_app(Config(store="memory", max_body=MAX_BODY), [spec])
    yield app
    app.extensions["sim"].close()


@pytest.fixture
def client(app):
    return app.test_client()


KEY = auth("TOY_KEY")


def vendor_error(r, status):
    assert r.status_code == status, r.get_data(as_text=True)
    assert r.mimetype == "application/json"
    return r.get_json()["error"]


# --- inside a vendor prefix --------------------------------------------------------------------------

def test_malformed_json_is_the_vendors_400(client):
    r = client.post("/toy/v1/things", data='{"name": ', content_type="application/json", headers=KEY)
    assert vendor_error(r, 400)["message"] == "Request body is not valid JSON"


def test_a_body_that_is_not_an_object_is_the_vendors_400(client):
    r = client.post("/toy/v1/things", json=["name"], headers=KEY)
    assert vendor_error(r, 400)["message"] == "Request body must be a JSON object"


def test_a_missing_body_is_the_vendors_400(client):
    assert vendor_error(client.post("/toy/v1/things", headers=KEY), 400)["message"] == "Request body is required"


def test_invalid_utf8_is_the_vendors_400(client):
    r = client.post("/toy/v1/things", data=b'{"name": "\xff\xfe"}', content_type="application/json", headers=KEY)
    assert vendor_error(r, 400)["message"] == "Request body is not valid JSON"


def test_a_schema_violation_is_the_vendors_422_naming_the_field(client):
    error = vendor_error(client.post("/toy/v1/things", json={"name": 5}, headers=KEY), 422)
    assert error["fields"] == [{"field": "name", "kind": "type", "message": "5 is not of type 'string'"}]


def test_a_missing_required_field_is_named(client):
    error = vendor_error(client.post("/toy/v1/things", json={}, headers=KEY), 422)
    assert [(f["field"], f["kind"]) for f in error["fields"]] == [("name", "required")]


def test_an_unknown_route_inside_the_prefix_is_the_vendors_404(client):
    error = vendor_error(client.get("/toy/v1/nothing/here", headers=KEY), 404)
    assert error["message"] == "No route GET /v1/nothing/here"


def test_a_wrong_method_inside_the_prefix_is_the_vendors_405(client):
    error = vendor_error(client.delete("/toy/v1/things", headers=KEY), 405)
    assert error["message"] == "Method DELETE is not allowed on /v1/things"  # the path as the real vendor has it


def test_a_vendor_405_names_the_allowed_methods(client):
    r = client.delete("/toy/v1/things/thing_fixture", headers=KEY)
    assert set(r.headers["Allow"].split(", ")) >= {"GET"}


def test_a_body_over_the_limit_is_the_vendors_413(client):
    r = client.post("/toy/v1/things", json={"name": "x" * MAX_BODY}, headers=KEY)
    error = vendor_error(r, 413)
    assert error["message"] == "Request body is too large"


def test_a_body_over_the_limit_is_journaled_without_its_body(client):
    client.post("/toy/v1/things", json={"name": "x" * MAX_BODY}, headers=KEY)
    [entry] = client.get("/_sim/workspaces/default/journal").get_json()["entries"]
    assert (entry["status"], entry["request"]) == (413, "[body too large]")


def test_werkzeug_json_errors_raised_in_a_view_are_the_vendors_400(client):
    r = client.post("/toy/v1/raw", data="{nope", content_type="application/json", headers=KEY)
    assert vendor_error(r, 400)["message"] == "Request body is not valid JSON"


def test_a_bug_in_a_view_is_the_vendors_500_and_is_journaled(client):
    error = vendor_error(client.get("/toy/v1/boom", headers=KEY), 500)
    assert error["message"] == "Internal server error"
    assert client.get("/_sim/workspaces/default/journal").get_json()["entries"][-1]["status"] == 500


def test_a_path_outside_every_prefix_is_a_problem_404(client):
    expect_problem(client.get("/nowhere"), 404)


# --- the control API -----------------------------------------------------------------------------------

BODY_ROUTES = [
    ("POST", "/_sim/workspaces"),
    ("POST", "/_sim/workspaces/default/clock/advance"),
    ("PUT", "/_sim/workspaces/default/clock"),
    ("PUT", "/_sim/workspaces/default/snapshot"),
    ("PUT", "/_sim/workspaces/default/profile"),
    ("POST", "/_sim/workspaces/default/webhooks"),
    ("POST", "/_sim/workspaces/default/faults"),
    ("POST", "/_sim/workspaces/default/keys"),
]


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
def test_malformed_json_on_the_control_api_is_400(client, method, path):
    r = client.open(path, method=method, data="{oops", content_type="application/json")
    expect_problem(r, 400, "Request body is not valid JSON")


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
def test_a_body_that_is_not_an_object_on_the_control_api_is_400(client, method, path):
    r = client.open(path, method=method, json=[1, 2])
    expect_problem(r, 400, "Request body must be a JSON object")


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
def test_a_huge_body_on_the_control_api_is_413(client, method, path):
    r = client.open(path, method=method, json={"x": "y" * MAX_BODY})
    expect_problem(r, 413)


@pytest.mark.parametrize(("method", "path"), [
    ("GET", ""), ("DELETE", ""), ("GET", "/clock"), ("POST", "/clock/advance"), ("PUT", "/clock"),
    ("POST", "/reset"), ("GET", "/snapshot"), ("PUT", "/snapshot"), ("GET", "/profile"), ("PUT", "/profile"),
    ("GET", "/journal"), ("GET", "/deliveries"), ("GET", "/deliveries/dlv_1"), ("GET", "/notices"),
    ("POST", "/webhooks"), ("GET", "/webhooks"), ("POST", "/webhooks/wh_1/enable"), ("POST", "/webhooks/wh_1/disable"),
    ("POST", "/faults"), ("GET", "/faults"), ("DELETE", "/faults"), ("DELETE", "/faults/flt_1"),
    ("POST", "/keys"), ("POST", "/keys/toy/TOY_KEY/revoke"),
])
def test_every_workspace_route_answers_404_for_an_unknown_workspace(client, method, path):
    r = client.open(f"/_sim/workspaces/ws_nope{path}", method=method, json={"seconds": 1})
    expect_problem(r, 404)


def test_an_unknown_control_route_is_a_problem_404(client):
    expect_problem(client.get("/_sim/nothing"), 404)


def test_a_wrong_method_on_the_control_api_is_a_problem_405(client):
    r = client.put("/_sim/workspaces")
    expect_problem(r, 405)
    assert set(r.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_bad_json_in_a_vendor_control_is_a_problem_400(client):
    r = client.post("/_sim/workspaces/default/toy/things/thing_fixture/rename", data="{", content_type="application/json")
    expect_problem(r, 400)


def test_unicode_and_odd_strings_in_names_are_fine(client):
    r = client.post("/_sim/workspaces", json={"name": "ünïcødé \u0000 🚀"})
    assert r.status_code == 201
    assert r.get_json()["name"] == "ünïcødé \u0000 🚀"


def test_a_read_only_key_refused_a_write_still_gets_rate_limit_headers(client):
    ws = client.post("/_sim/workspaces", json={"seed": 5}).get_json()
    key = client.post(f"/_sim/workspaces/{ws['id']}/keys", json={"vendor": "toy", "read_only": True}).get_json()["key"]
    r = client.post("/toy/v1/things", json={"name": "x"}, headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 403
    assert r.headers["X-RateLimit-Limit"] == "1000"
    assert r.headers["X-RateLimit-Remaining"] == "999"
