"""Shared fixtures: the Flask tutorial's ``app``/``client`` pair on an in-memory store, plus a toy vendor."""

from __future__ import annotations

import pytest

from sim.app import create_app
from sim.config import Config
from tests.support.toyvendor import toy_spec


@pytest.fixture
def toy_app():
    app = create_app(Config(store="memory", webhook_timeout=2.0), [toy_spec()])
    yield app
    app.extensions["sim"].close()


@pytest.fixture
def toy_client(toy_app):
    return toy_app.test_client()
