"""Concurrent requests on a real waitress server: views are atomic, ids unique, nothing lost."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

from tests.control.conftest import auth

KEY = auth("TOY_KEY")


def test_concurrent_locks_of_one_object_give_exactly_one_200(live):
    with ThreadPoolExecutor(10) as pool:
        statuses = list(pool.map(lambda _: requests.post(f"{live}/toy/v1/things/thing_fixture/lock", headers=KEY,
                                                         timeout=10).status_code, range(10)))
    assert sorted(statuses) == [200] + [409] * 9


def test_concurrent_creates_get_distinct_ids_and_are_all_readable(live):
    def create(n):
        return requests.post(f"{live}/toy/v1/things", json={"name": f"t{n}"}, headers=KEY, timeout=10).json()

    with ThreadPoolExecutor(8) as pool:
        made = list(pool.map(create, range(40)))
    assert len({m["id"] for m in made}) == 40
    for m in made:
        assert requests.get(f"{live}/toy/v1/things/{m['id']}", headers=KEY, timeout=10).json()["name"] == m["name"]


def test_concurrent_requests_are_all_journaled_in_distinct_order(live):
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: requests.get(f"{live}/toy/v1/things/thing_fixture", headers=KEY, timeout=10), range(30)))
    entries = requests.get(f"{live}/_sim/workspaces/default/journal", timeout=10).json()["entries"]
    assert sorted(e["seq"] for e in entries) == list(range(1, 31))


def test_concurrent_workspace_creation_gives_distinct_workspaces_and_keys(live):
    with ThreadPoolExecutor(8) as pool:
        made = list(pool.map(lambda _: requests.post(f"{live}/_sim/workspaces", timeout=10).json(), range(16)))
    assert len({w["id"] for w in made}) == 16
    assert len({w["keys"]["toy"] for w in made}) == 16
