"""create_app: shared-port mounts, --vendor mode at the real root paths, and its checks."""

from __future__ import annotations

import pytest

from sim.app import create_app
from sim.config import Config
from tests.control.conftest import auth, expect_problem
from tests.support.toyvendor import toy_spec


@pytest.fixture
def vendor_mode():
    app = create_app(Config(store="memory", vendor="toy"), [toy_spec()])
    yield app.test_client()
    app.extensions["sim"].close()


def test_vendor_mode_serves_the_vendor_at_its_real_root(vendor_mode):
    r = vendor_mode.get("/v1/things/thing_fixture", headers=auth("TOY_KEY"))
    assert r.status_code == 200
    assert r.get_json()["name"] == "From fixtures"


def test_vendor_mode_does_not_serve_the_shared_port_prefix(vendor_mode):
    expect_problem(vendor_mode.get("/toy/v1/things/thing_fixture", headers=auth("TOY_KEY")), 404)


def test_vendor_mode_renders_unknown_routes_in_the_vendors_envelope(vendor_mode):
    r = vendor_mode.get("/v1/nothing", headers=auth("TOY_KEY"))
    assert r.status_code == 404
    assert r.get_json()["error"]["message"] == "No route GET /v1/nothing"


def test_vendor_mode_keeps_the_control_api(vendor_mode):
    assert vendor_mode.get("/_sim/health").status_code == 200


def test_vendor_mode_journals_the_real_path(vendor_mode):
    vendor_mode.get("/v1/things/thing_fixture", headers=auth("TOY_KEY"))
    [entry] = vendor_mode.get("/_sim/workspaces/default/journal").get_json()["entries"]
    assert (entry["path"], entry["route"]) == ("/v1/things/thing_fixture", "/v1/things/thing_fixture")


def test_an_unknown_vendor_for_vendor_mode_is_refused_at_start():
    with pytest.raises(ValueError, match="unknown vendor 'nope'"):
        create_app(Config(store="memory", vendor="nope"), [toy_spec()])


def test_restricting_the_vendors_leaves_the_others_unmounted():
    app = create_app(Config(store="memory", vendors=[]), [toy_spec()])
    client = app.test_client()
    expect_problem(client.get("/toy/v1/things/thing_fixture", headers=auth("TOY_KEY")), 404)
    assert client.get("/_sim/workspaces/default").get_json()["keys"] == {}
    app.extensions["sim"].close()


def test_two_simulators_in_one_process_share_nothing():
    a = create_app(Config(store="memory"), [toy_spec()])
    b = create_app(Config(store="memory"), [toy_spec()])
    ca, cb = a.test_client(), b.test_client()
    ca.post("/_sim/workspaces", json={"name": "only-in-a"})
    assert [w["name"] for w in cb.get("/_sim/workspaces").get_json()["workspaces"]] == ["default"]
    a.extensions["sim"].close()
    b.extensions["sim"].close()


def test_a_file_store_keeps_workspaces_and_keys_across_restarts(tmp_path):
    first = create_app(Config(store=str(tmp_path)), [toy_spec()])
    made = first.test_client().post("/_sim/workspaces", json={"name": "kept"}).get_json()
    default_keys = first.test_client().get("/_sim/workspaces/default").get_json()["keys"]
    first.extensions["sim"].close()
    second = create_app(Config(store=str(tmp_path)), [toy_spec()])
    client = second.test_client()
    assert client.get(f"/_sim/workspaces/{made['id']}").get_json()["keys"] == made["keys"]
    assert client.get("/_sim/workspaces/default").get_json()["keys"] == default_keys
    assert client.get("/toy/v1/things/thing_fixture", headers=auth(made["keys"]["toy"])).status_code == 200
    second.extensions["sim"].close()


def test_the_default_workspace_keys_follow_the_seed():
    one = create_app(Config(store="memory", seed=1), [toy_spec()])
    again = create_app(Config(store="memory", seed=1), [toy_spec()])
    other = create_app(Config(store="memory", seed=2), [toy_spec()])
    keys = [app.test_client().get("/_sim/workspaces/default").get_json()["keys"] for app in (one, again, other)]
    assert keys[0] == keys[1] != keys[2]
    for app in (one, again, other):
        app.extensions["sim"].close()


def test_a_bad_default_clock_mode_is_refused_at_start():
    with pytest.raises(ValueError):
        create_app(Config(store="memory", clock="warp"), [toy_spec()])
