"""The dashboard in a real headless Chromium (Debian's package, driven by Playwright), as a person uses it.

A missing browser fails these tests (``make test`` installs it); set LEADSIM_SCREENSHOT=path to keep the
README's screenshot (``fixtures/demo/dashboard.png``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import requests
from playwright.sync_api import sync_playwright

from sim.cli import LiveServer
from sim.config import Config

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
START = "2026-04-20T09:00:00Z"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server():
    server = LiveServer.create(Config(store="memory", background=True, webhook_timeout=2.0), port=0).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install -y chromium (make test does it)"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


class Watched:
    """A page that records console errors, page errors, failed requests and error responses."""

    def __init__(self, browser, server):
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000}, device_scale_factor=1)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.assets: list[str] = []
        origin = server.url
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url} {r.failure}"))

        def response(r):
            if r.url.startswith(origin + "/_sim/ui/static/"):
                self.assets.append(r.url)
            if r.status >= 400:
                self.problems.append(f"HTTP {r.status}: {r.url}")
        self.page.on("response", response)

    def close(self):
        self.context.close()


@pytest.fixture
def demo(server):
    """A workspace with the demo scenario loaded, its clock then stopped (manual) so numbers hold still."""
    ws = requests.post(server.url + "/_sim/workspaces", json={"name": "Acme outbound demo", "seed": 11, "start": START},
                       timeout=30).json()
    r = requests.post(f"{server.url}/_sim/workspaces/{ws['id']}/scenarios/demo", json={}, timeout=60)
    assert r.status_code == 200, r.text
    assert requests.put(f"{server.url}/_sim/workspaces/{ws['id']}/clock", json={"mode": "manual"}, timeout=30).status_code == 200
    return ws


def figures(page, vendor: str) -> list[dict]:
    return page.eval_on_selector_all(
        f'#campaign-table tr[data-vendor="{vendor}"]',
        """rows => rows.map(r => ({id: r.dataset.campaign,
             ...Object.fromEntries([...r.querySelectorAll('[data-figure]')].map(
                 e => [e.dataset.figure, e.textContent.trim().replaceAll(',', '')]))}))""")


def api(server, ws, vendor: str, path: str) -> dict:
    mount = {"leadterra": "/leadterra/v1", "puffle": "/puffle/api"}[vendor]
    r = requests.get(server.url + mount + path, headers={"Authorization": f"Bearer {ws['keys'][vendor]}"}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def check_numbers(page, server, ws) -> int:
    rows = figures(page, "leadterra")
    assert len(rows) == 2
    for row in rows:
        stats = api(server, ws, "leadterra", f"/campaigns/{row['id']}/stats")
        assert (row["sent"], row["total"], row["bounced"], row["replied"]) == \
            (str(stats["sent"]), str(stats["totalEnrolled"]), str(stats["bounced"]), str(stats["replied"]))
    [puffle] = figures(page, "puffle")
    stats = api(server, ws, "puffle", f"/campaigns/{puffle['id']}")["campaign"]["stats"]
    assert (puffle["sent"], puffle["total"], puffle["replied"]) == \
        (str(stats.get("contacted", 0)), str(stats["total"]), str(stats.get("replied", 0)))
    return sum(int(r["sent"]) for r in rows)


def test_advance_button_moves_the_clock_and_the_numbers_match_the_vendor_apis(browser, server, demo):
    w = Watched(browser, server)
    try:
        page = w.page
        page.goto(f"{server.url}/_sim/ui/")
        page.click(f'tr[data-ws="{demo["id"]}"] a')
        page.wait_for_selector("#campaign-table")
        before = page.text_content("#clock-now")
        sent_before = check_numbers(page, server, demo)
        with page.expect_navigation():
            page.click('button[data-advance="86400"]')
        assert "Advanced 1 d" in page.text_content("#notice")
        now = requests.get(f"{server.url}/_sim/workspaces/{demo['id']}/clock", timeout=30).json()["now"]
        assert page.text_content("#clock-now") == now != before
        assert check_numbers(page, server, demo) > sent_before
        assert page.locator("#timeline-chart g.day").count() >= 7
        assert w.problems == []
        assert {a.rsplit("/", 1)[1] for a in w.assets} == {"ui.css", "ui.js", "favicon.svg"}
    finally:
        w.close()


def test_delivery_and_journal_pages_load_without_errors(browser, server, demo):
    w = Watched(browser, server)
    try:
        page = w.page
        page.goto(f"{server.url}/_sim/ui/workspaces/{demo['id']}/journal")
        assert page.locator("#journal-table tbody tr").count() > 5
        page.click("#journal-table details summary >> nth=0")
        assert page.locator("#journal-table details[open] pre").count() == 2
        page.goto(f"{server.url}/_sim/ui/workspaces/{demo['id']}/deliveries")
        assert w.problems == []
    finally:
        w.close()


def test_scaled_clock_page_refreshes_itself_and_takes_the_readme_screenshot(browser, server, demo, tmp_path):
    assert requests.put(f"{server.url}/_sim/workspaces/{demo['id']}/clock", json={"mode": "3600x"}, timeout=30).status_code == 200
    w = Watched(browser, server)
    try:
        page = w.page
        page.goto(f"{server.url}/_sim/ui/workspaces/{demo['id']}")
        first = page.text_content("#clock-now")
        page.wait_for_function("first => document.querySelector('#clock-now').textContent !== first", arg=first, timeout=15000)
        path = Path(os.environ.get("LEADSIM_SCREENSHOT") or tmp_path / "dashboard.png")
        page.screenshot(path=str(path), full_page=False)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert w.problems == []
    finally:
        w.close()
        requests.put(f"{server.url}/_sim/workspaces/{demo['id']}/clock", json={"mode": "manual"}, timeout=30)


def test_leadsim_demo_loads_into_a_running_server_and_prints_the_dashboard_url(server):
    from click.testing import CliRunner

    from sim.cli import cli

    result = CliRunner().invoke(cli, ["--url", server.url, "--json", "demo"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output.strip().splitlines()[-1])
    assert info["started_server"] is False and info["url"] == f"{server.url}/_sim/ui/workspaces/{info['workspace']}"
    assert requests.get(info["url"], timeout=30).status_code == 200
