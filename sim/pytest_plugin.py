"""pytest plugin (entry point ``pytest11``): a live leadsim server per session and a fresh workspace per test.

Use the ``leadsim`` fixture::

    def test_campaign_sends(leadsim):
        url, key = leadsim.base_url("leadterra"), leadsim.key("leadterra")
        ...                                  # call the vendor API with your own client
        leadsim.advance("2h")                # every job and webhook due in 2 hours has happened
        assert leadsim.journal()[-1]["status"] == 200

Options of the workspace come from a marker, ``@pytest.mark.leadsim(seed=7, start="2025-01-15T09:00:00Z")``
(also ``fixtures``, ``clock``, ``profile``, ``name``), or from ``request.param`` with
``@pytest.mark.parametrize("leadsim", [{"seed": 7}], indirect=True)``. Without a seed the test's node id is the
seed, so each test is reproducible run after run. The workspace is deleted after the test.

The server is in-process (waitress in a thread, a free loopback port, an in-memory store, background ticker on),
one per session, which under pytest-xdist means one per worker: workers never share state. Override the session
fixtures ``leadsim_config`` (a ``sim.config.Config``) or ``leadsim_specs`` (the mounted vendor specs; default the
registry ``sim.vendors.SPECS``) in a conftest.py to change it, or pass ``--leadsim-url URL`` to use a server that
is already running (``--leadsim-admin-token`` if it has one).
"""

from __future__ import annotations

from typing import Any

import pytest

WORKSPACE_OPTIONS = ("name", "seed", "start", "fixtures", "clock", "profile")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("leadsim", "leadsim simulator")
    group.addoption("--leadsim-url", default=None, metavar="URL",
                    help="use the leadsim server running at URL instead of starting one per session (or xdist worker)")
    group.addoption("--leadsim-admin-token", default=None, metavar="TOKEN",
                    help="admin token of the server given with --leadsim-url")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "leadsim(seed=None, start=None, fixtures=None, clock=None, profile=None, name=None): "
                   "options of the workspace that the leadsim fixture creates for this test")


class LeadsimServer:
    """The session's server: ``url``, ``client`` (a ``sim.client.Client``), ``sim`` (None for a remote server)."""

    def __init__(self, url: str, client: Any, vendors: dict[str, list[str]], sim: Any = None):
        self.url = url
        self.client = client
        self.vendors = vendors
        self.sim = sim

    def base_url(self, vendor: str) -> str:
        urls = self.vendors.get(vendor)
        if not urls:
            mounted = ", ".join(self.vendors) or "none"
            raise LookupError(f"vendor {vendor!r} is not mounted on {self.url} (mounted: {mounted})")
        return urls[0]

    def __repr__(self) -> str:
        return f"<LeadsimServer {self.url}>"


class Workspace:
    """One test's workspace on the session server; every method is a /_sim call through ``client``."""

    def __init__(self, server: LeadsimServer, doc: dict):
        self.server = server
        self.client = server.client
        self.url = server.url
        self.id: str = doc["id"]
        self.name: str = doc["name"]
        self.seed = doc["seed"]
        self.keys: dict[str, str] = dict(doc["keys"])

    def __repr__(self) -> str:
        return f"<leadsim workspace {self.id} on {self.url}>"

    def base_url(self, vendor: str) -> str:
        """Where the vendor's API lives, e.g. ``http://127.0.0.1:PORT/leadterra/v1``."""
        return self.server.base_url(vendor)

    def key(self, vendor: str) -> str:
        """This workspace's API key for the vendor (in the vendor's own format)."""
        if vendor not in self.keys:
            raise LookupError(f"no {vendor!r} key in workspace {self.id} (keys for: {', '.join(self.keys) or 'none'})")
        return self.keys[vendor]

    def now(self) -> str:
        """The workspace clock's ISO time."""
        return self.client.clock(self.id)["now"]

    def advance(self, seconds: float | str | None = None, *, to: str | None = None) -> dict:
        """Move the clock by seconds (``90``, ``"2h"``, ``"3d"``) or ``to`` an ISO time; due jobs and webhooks run first."""
        return self.client.advance(self.id, seconds=seconds, to=to)

    def journal(self, vendor: str | None = None, limit: int | None = None) -> list[dict]:
        """Every vendor API call made with this workspace's keys, oldest first."""
        return self.client.journal_entries(self.id, vendor=vendor, limit=limit)

    def deliveries(self, vendor: str | None = None) -> list[dict]:
        """Every webhook attempt (and every attempt still waiting), oldest first."""
        return self.client.deliveries(self.id, vendor=vendor)

    def report(self, vendor: str | None = None) -> dict:
        """The rehearsal report of this workspace: how the client behaved against each vendor's guidance."""
        return self.client.report(self.id, vendor=vendor)

    def fault(self, **rule: Any) -> dict:
        """Add a fault rule: ``fault(vendor="leadterra", method="POST", path="*/campaigns", status=503, count=1)``."""
        return self.client.add_fault(self.id, rule)

    def faults(self) -> list[dict]:
        return self.client.list_faults(self.id)

    def clear_faults(self) -> None:
        self.client.delete_fault(self.id)

    def webhook(self, vendor: str, url: str, events: list[str] | None = None, secret: str | None = None) -> dict:
        """Register a receiver through /_sim (for vendors whose docs manage webhooks in a dashboard)."""
        body: dict[str, Any] = {"vendor": vendor, "url": url}
        if events is not None:
            body["events"] = events
        if secret is not None:
            body["secret"] = secret
        return self.client.register_webhook(self.id, body)

    def control(self, vendor: str, path: str, body: Any = None, method: str = "POST") -> Any:
        """A vendor's own sim control, e.g. ``control("leadterra", "/leads/ld_1/reply", {...})``."""
        return self.client.vendor_control(self.id, vendor, path, body, method=method)

    def reset(self) -> dict:
        return self.client.reset(self.id)

    def snapshot(self) -> dict:
        return self.client.snapshot(self.id)

    def restore(self, snap: dict) -> dict:
        return self.client.restore(self.id, snap)


@pytest.fixture(scope="session")
def leadsim_config() -> Any:
    """Config of the in-process server (in-memory store, background ticker); override it in a conftest.py."""
    from sim.config import Config

    return Config(store="memory", background=True)


@pytest.fixture(scope="session")
def leadsim_specs() -> list | None:
    """Vendor specs the in-process server mounts; None means the registry ``sim.vendors.SPECS``."""
    return None


@pytest.fixture(scope="session")
def leadsim_server(request: pytest.FixtureRequest, leadsim_config: Any, leadsim_specs: list | None):
    """One live server per session (so per xdist worker), or the one given with ``--leadsim-url``."""
    from sim.client import Client

    url = request.config.getoption("leadsim_url")
    if url:
        client = Client(url, admin_token=request.config.getoption("leadsim_admin_token"))
        vendors = {v["name"]: [client.url + m for m in v["mounts"]] for v in client.vendors()}
        yield LeadsimServer(client.url, client, vendors)
        client.close()
        return
    from sim.cli import LiveServer

    live = LiveServer.create(leadsim_config, leadsim_specs, host="127.0.0.1", port=0).start()
    client = Client(live.url, admin_token=leadsim_config.admin_token)
    try:
        yield LeadsimServer(live.url, client, live.vendor_urls(), sim=live.sim)
    finally:
        client.close()
        live.stop()


@pytest.fixture
def leadsim(request: pytest.FixtureRequest, leadsim_server: LeadsimServer) -> Any:
    """A fresh workspace for this test (deleted afterwards); see the module docstring for its options."""
    options: dict[str, Any] = {}
    marker = request.node.get_closest_marker("leadsim")
    if marker is not None:
        if marker.args:
            raise pytest.UsageError("@pytest.mark.leadsim takes keyword arguments only, e.g. leadsim(seed=7)")
        options.update(marker.kwargs)
    param = getattr(request, "param", None)
    if param is not None:
        if not isinstance(param, dict):
            raise pytest.UsageError("an indirect parameter of the leadsim fixture must be a dict of workspace options")
        options.update(param)
    unknown = sorted(set(options) - set(WORKSPACE_OPTIONS))
    if unknown:
        raise pytest.UsageError(f"unknown leadsim workspace option(s) {', '.join(unknown)}; "
                                f"use {', '.join(WORKSPACE_OPTIONS)}")
    options.setdefault("seed", request.node.nodeid)
    options.setdefault("name", request.node.name[:200])
    client = leadsim_server.client
    ws = Workspace(leadsim_server, client.create_workspace(**options))
    yield ws
    from sim.client import ControlError

    try:
        client.delete_workspace(ws.id)
    except ControlError as exc:
        if exc.status != 404:  # the test may have deleted it itself
            raise
