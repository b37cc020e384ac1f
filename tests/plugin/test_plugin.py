"""The pytest plugin, used by a small test project under pytester: fixtures, options, isolation, xdist, remote."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.cli import LiveServer
from sim.config import Config
from tests.support.toyvendor import toy_spec

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.slow

TOYVENDOR = (Path(__file__).resolve().parents[1] / "support" / "toyvendor.py").read_text(encoding="utf-8")

CONFTEST = """
import pytest
from toyvendor import toy_spec

@pytest.fixture(scope="session")
def leadsim_specs():
    return [toy_spec()]
"""

HELPERS = """
import requests

def toy(leadsim, method, path, **kw):
    return requests.request(method, leadsim.base_url("toy") + path,
                            headers={"Authorization": "Bearer " + leadsim.key("toy")}, timeout=10, **kw)
"""


@pytest.fixture
def project(pytester):
    """A test project whose conftest mounts the toy vendor on the plugin's server."""
    pytester.makepyfile(toyvendor=TOYVENDOR, helpers=HELPERS, conftest=CONFTEST)
    return pytester


def test_the_fixture_gives_a_workspace_with_a_key_and_a_base_url(project):
    project.makepyfile("""
        from helpers import toy

        def test_read_fixture_thing(leadsim):
            assert leadsim.id.startswith("ws_")
            assert leadsim.base_url("toy") == leadsim.url + "/toy/v1"
            assert leadsim.key("toy").startswith("toy_live_")
            resp = toy(leadsim, "GET", "/things/thing_fixture")
            assert resp.status_code == 200
            assert resp.json()["name"] == "From fixtures"
    """)
    project.runpytest().assert_outcomes(passed=1)


def test_advance_runs_due_jobs_by_duration_seconds_or_to(project):
    project.makepyfile("""
        import pytest
        from helpers import toy

        @pytest.mark.leadsim(start="2025-01-15T09:00:00Z")
        def test_ping_after_an_hour(leadsim):
            toy(leadsim, "POST", "/things/thing_fixture/ping-later", json={"after": 3600})
            assert leadsim.advance(1800)["jobs_run"] == 0
            assert leadsim.advance("30m") == {"now": "2025-01-15T10:00:00Z", "jobs_run": 1, "webhooks_attempted": 0}
            assert leadsim.advance(to="2025-01-16T00:00:00Z")["now"] == "2025-01-16T00:00:00Z"
            assert leadsim.now() == "2025-01-16T00:00:00Z"
            assert toy(leadsim, "GET", "/things/thing_fixture").json()["pings"] == 1
    """)
    project.runpytest().assert_outcomes(passed=1)


def test_journal_lists_the_tests_own_calls(project):
    project.makepyfile("""
        from helpers import toy

        def test_calls_are_journaled(leadsim):
            toy(leadsim, "POST", "/things", json={"name": "x"})
            toy(leadsim, "GET", "/things/nope")
            assert [(e["method"], e["path"], e["status"]) for e in leadsim.journal()] == [
                ("POST", "/toy/v1/things", 201), ("GET", "/toy/v1/things/nope", 404)]
            assert len(leadsim.journal(limit=1)) == 1
    """)
    project.runpytest().assert_outcomes(passed=1)


def test_deliveries_show_webhooks_sent_to_a_loopback_receiver(project):
    project.makepyfile("""
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from helpers import toy

        def test_thing_created_is_delivered(leadsim):
            got = []

            class Handler(BaseHTTPRequestHandler):
                def do_POST(self):
                    got.append(self.rfile.read(int(self.headers["Content-Length"])))
                    self.send_response(200)
                    self.end_headers()

                def log_message(self, *args):
                    pass

            server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            try:
                url = f"http://127.0.0.1:{server.server_address[1]}/hook"
                assert toy(leadsim, "POST", "/webhooks", json={"url": url}).status_code == 201
                toy(leadsim, "POST", "/things", json={"name": "hooked"})
                leadsim.advance(0)
                rows = leadsim.deliveries()
                assert [(d["event"], d["status"], d["state"]) for d in rows] == [("thing.created", 200, "delivered")]
                assert len(got) == 1
            finally:
                server.shutdown()
                server.server_close()
    """)
    project.runpytest().assert_outcomes(passed=1)


def test_fault_forces_a_status_on_matching_calls(project):
    project.makepyfile("""
        from helpers import toy

        def test_one_503(leadsim):
            rule = leadsim.fault(vendor="toy", method="GET", status=503, count=1)
            assert rule["id"].startswith("flt_")
            assert [f["id"] for f in leadsim.faults()] == [rule["id"]]
            assert toy(leadsim, "GET", "/things/thing_fixture").status_code == 503
            assert toy(leadsim, "GET", "/things/thing_fixture").status_code == 200
            assert leadsim.faults() == []
    """)
    project.runpytest().assert_outcomes(passed=1)


def test_marker_sets_seed_start_and_name(project):
    project.makepyfile("""
        import pytest

        @pytest.mark.leadsim(seed=7, start="2025-03-01T12:00:00Z", name="marked")
        def test_marked(leadsim):
            ws = leadsim.client.get_workspace(leadsim.id)
            assert (ws["seed"], ws["name"], ws["clock"]["now"]) == (7, "marked", "2025-03-01T12:00:00Z")
    """)
    project.runpytest().assert_outcomes(passed=1)


def test_indirect_parametrization_sets_workspace_options(project):
    project.makepyfile("""
        import pytest

        @pytest.mark.parametrize("leadsim", [{"seed": 1}, {"seed": 2}], indirect=True)
        def test_seeded(leadsim):
            assert leadsim.seed in (1, 2)
    """)
    project.runpytest().assert_outcomes(passed=2)


def test_an_unknown_workspace_option_is_a_usage_error(project):
    project.makepyfile("""
        import pytest

        @pytest.mark.leadsim(colour="blue")
        def test_bad(leadsim):
            pass
    """)
    result = project.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*unknown leadsim workspace option(s) colour*"])


def test_each_test_gets_a_fresh_workspace_that_is_deleted_afterwards(project):
    project.makepyfile("""
        from helpers import toy

        seen = []

        def test_first(leadsim):
            seen.append(leadsim.id)
            assert toy(leadsim, "POST", "/things", json={"name": "mine"}).status_code == 201

        def test_second(leadsim):
            assert leadsim.id != seen[0]
            ids = [ws["id"] for ws in leadsim.client.list_workspaces()]
            assert ids == ["default", leadsim.id]
            assert [e["path"] for e in leadsim.journal()] == []
    """)
    project.runpytest().assert_outcomes(passed=2)


def test_the_default_seed_is_the_test_id_so_a_rerun_makes_the_same_ids(project, tmp_path):
    out = tmp_path / "ids.txt"
    project.makepyfile(f"""
        import pytest
        from helpers import toy

        @pytest.mark.leadsim(start="2025-01-15T09:00:00Z")
        def test_make_thing(leadsim):
            thing = toy(leadsim, "POST", "/things", json={{"name": "same"}}).json()
            with open({str(out)!r}, "a") as fh:
                fh.write(f"{{leadsim.seed}} {{thing['id']}} {{thing['word']}}\\n")
    """)
    project.runpytest().assert_outcomes(passed=1)
    project.runpytest().assert_outcomes(passed=1)
    first, second = out.read_text().splitlines()
    assert first == second
    assert first.startswith("test_the_default_seed_is_the_test_id_so_a_rerun_makes_the_same_ids.py::test_make_thing thing_")


def test_two_xdist_workers_each_have_their_own_server_and_share_nothing(project, tmp_path):
    out = tmp_path / "runs.jsonl"
    project.makepyfile(f"""
        import json, os
        import pytest
        from helpers import toy

        @pytest.mark.parametrize("n", range(8))
        def test_isolated(leadsim, n):
            assert toy(leadsim, "POST", "/things", json={{"name": str(n)}}).status_code == 201
            ids = [ws["id"] for ws in leadsim.client.list_workspaces()]
            assert ids == ["default", leadsim.id]
            with open({str(out)!r}, "a") as fh:
                fh.write(json.dumps({{"worker": os.environ["PYTEST_XDIST_WORKER"], "url": leadsim.url}}) + "\\n")
    """)
    # the other installed plugins only slow the three interpreters down (they import hypothesis and faker)
    quiet = [arg for name in ("cacheprovider", "schemathesis", "hypothesispytest", "faker", "anyio") for arg in ("-p", f"no:{name}")]
    result = project.runpytest("-n", "2", *quiet)
    result.assert_outcomes(passed=8)
    runs = [json.loads(line) for line in out.read_text().splitlines()]
    urls = {}
    for run in runs:
        urls.setdefault(run["worker"], set()).add(run["url"])
    assert sorted(urls) == ["gw0", "gw1"]
    assert all(len(u) == 1 for u in urls.values())
    assert urls["gw0"] != urls["gw1"]


def test_leadsim_url_uses_a_running_server_and_cleans_up(project):
    live = LiveServer.create(Config(store="memory"), [toy_spec()], port=0).start()
    try:
        project.makepyfile("""
            from helpers import toy

            def test_remote(leadsim, leadsim_server, pytestconfig):
                assert leadsim.url == pytestconfig.getoption("leadsim_url")
                assert leadsim_server.sim is None
                assert toy(leadsim, "GET", "/things/thing_fixture").status_code == 200
        """)
        project.runpytest("--leadsim-url", live.url).assert_outcomes(passed=1)
        assert [ws["id"] for ws in live.sim.list_workspaces()] == ["default"]
        assert live.sim.journal_entries("default") == []
    finally:
        live.stop()


def test_base_url_of_an_unmounted_vendor_names_the_mounted_ones(project):
    project.makepyfile("""
        import pytest

        def test_missing(leadsim):
            with pytest.raises(LookupError, match="vendor 'leadterra' is not mounted on .* [(]mounted: toy[)]"):
                leadsim.base_url("leadterra")
            with pytest.raises(LookupError, match="no 'leadterra' key"):
                leadsim.key("leadterra")
    """)
    project.runpytest().assert_outcomes(passed=1)


def test_the_default_server_mounts_the_vendor_registry(pytester):
    pytester.makepyfile("""
        from sim.vendors import SPECS

        def test_registry(leadsim, leadsim_server):
            assert sorted(leadsim_server.vendors) == sorted(s.name for s in SPECS)
            assert sorted(leadsim.keys) == sorted(s.name for s in SPECS)
            assert leadsim.client.health()["status"] == "ok"
    """)
    pytester.runpytest().assert_outcomes(passed=1)


def test_the_leadsim_marker_and_options_are_registered(pytester):
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.leadsim(seed=None, start=None, fixtures=None, clock=None, profile=None, name=None)*"])
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["*--leadsim-url=URL*", "*--leadsim-admin-token=TOKEN*"])
