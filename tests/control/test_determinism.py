"""Determinism: the same seed and the same calls give identical ids, Faker data and webhooks; another seed differs."""

from __future__ import annotations

from tests.control.conftest import START, auth


def run_script(client, seed):
    """Create a workspace, make things, move the clock, register a webhook; return everything observable."""
    ws = client.post("/_sim/workspaces", json={"seed": seed, "start": START}).get_json()
    key = auth(ws["keys"]["toy"])
    responses = [client.post("/toy/v1/things", json={"name": "a"}, headers=key).get_json()]
    client.post(f"/_sim/workspaces/{ws['id']}/clock/advance", json={"seconds": 61})
    hook = client.post(f"/_sim/workspaces/{ws['id']}/webhooks",
                       json={"vendor": "toy", "url": "https://example.invalid/h"}).get_json()
    for name in ("b", "c"):
        responses.append(client.post("/toy/v1/things", json={"name": name}, headers=key).get_json())
    responses.append(client.post(f"/toy/v1/things/{responses[0]['id']}/ping-later", json={"after": 30}, headers=key).get_json())
    deliveries = client.get(f"/_sim/workspaces/{ws['id']}/deliveries").get_json()["deliveries"]
    bodies = [client.get(f"/_sim/workspaces/{ws['id']}/deliveries/{d['delivery_id']}").get_json() for d in deliveries]
    return {"hook": hook, "responses": responses, "webhooks": [(b["id"], b["body"], b["headers"]) for b in bodies]}


def test_the_same_seed_gives_identical_ids_and_faker_data(toy_client):
    first = run_script(toy_client, 42)
    second = run_script(toy_client, 42)
    assert first["responses"] == second["responses"]
    assert first["responses"][0]["id"].startswith("thing_")
    assert first["responses"][0]["word"] != "fixture"


def test_the_same_seed_gives_identical_webhook_secrets_bodies_and_signatures(toy_client):
    first = run_script(toy_client, 42)
    second = run_script(toy_client, 42)
    assert first["hook"] == second["hook"]
    assert first["webhooks"] == second["webhooks"]
    assert len(first["webhooks"]) == 2


def test_another_seed_gives_other_ids_and_data(toy_client):
    first = run_script(toy_client, 42)
    other = run_script(toy_client, 43)
    assert [r["id"] for r in first["responses"][:3]] != [r["id"] for r in other["responses"][:3]]
    assert [r["word"] for r in first["responses"][:3]] != [r["word"] for r in other["responses"][:3]]
    assert first["hook"]["secret"] != other["hook"]["secret"]


def test_a_string_seed_is_as_deterministic_as_a_number(toy_client):
    assert run_script(toy_client, "demo")["responses"] == run_script(toy_client, "demo")["responses"]


def test_determinism_holds_across_separate_simulators(toy_app):
    from sim.app import create_app
    from sim.config import Config
    from tests.support.toyvendor import toy_spec

    other_app = create_app(Config(store="memory"), [toy_spec()])
    try:
        assert run_script(toy_app.test_client(), 5) == run_script(other_app.test_client(), 5)
    finally:
        other_app.extensions["sim"].close()


def test_workspace_without_a_seed_gets_its_own(toy_client):
    a = toy_client.post("/_sim/workspaces", json={"start": START}).get_json()
    b = toy_client.post("/_sim/workspaces", json={"start": START}).get_json()
    thing_a = toy_client.post("/toy/v1/things", json={"name": "x"}, headers=auth(a["keys"]["toy"])).get_json()
    thing_b = toy_client.post("/toy/v1/things", json={"name": "x"}, headers=auth(b["keys"]["toy"])).get_json()
    assert thing_a["id"] != thing_b["id"]
