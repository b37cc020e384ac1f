"""Concurrent launches of one campaign against a real server: exactly one 200, every other 409."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import waitress

from .conftest import Puffle, new_workspace


@pytest.fixture
def server(app):
    srv = waitress.create_server(app, host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.effective_port}"
    srv.close()
    thread.join(timeout=5)


@pytest.mark.slow
def test_concurrent_launches_give_exactly_one_200(client, server):
    puffle = Puffle(client, new_workspace(client))
    camp = puffle.ready_campaign(leads=3)
    url = f"{server}/puffle/api/campaigns/{camp['id']}/launch"
    barrier = threading.Barrier(16)

    def fire(_):
        barrier.wait()
        return requests.post(url, headers=puffle.headers, timeout=10).status_code

    with ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(fire, range(16)))
    assert sorted(codes) == [200] + [409] * 15
    assert puffle.status(camp) == "launching"
