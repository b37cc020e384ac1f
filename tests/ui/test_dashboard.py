"""The dashboard at /_sim/ui over HTTP (Flask test client): numbers as the vendor APIs report them, forms, auth."""

from __future__ import annotations

import re

import pytest

from sim.app import create_app
from sim.config import Config
from tests.support.receiver import LoopbackReceiver

START = "2026-04-20T09:00:00Z"
PUFFLE_SENDER = "3f1c9a52-7b1e-4c2d-9a7e-1b2c3d4e5f60"


@pytest.fixture
def app():
    app = create_app(Config(store="memory", webhook_timeout=2.0))
    yield app
    app.extensions["sim"].close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ws(client):
    r = client.post("/_sim/workspaces", json={"name": "dash", "seed": 5, "start": START})
    assert r.status_code == 201
    return r.get_json()


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def leadterra_campaign(client, ws, leads: int = 120) -> str:
    h = bearer(ws["keys"]["leadterra"])
    steps = [{"subject": "Hi", "bodyHtml": "<p>Hi</p>", "delayDays": 0}, {"subject": "Re", "bodyHtml": "<p>Re</p>", "delayDays": 2}]
    r = client.post("/leadterra/v1/campaigns", json={"name": "Q2 outbound", "sequenceSteps": steps}, headers=h)
    cid = r.get_json()["campaign"]["id"]
    bulk = {"leads": [{"email": f"p{i}@example{i}.com", "firstName": f"P{i}"} for i in range(leads)]}
    assert client.post(f"/leadterra/v1/campaigns/{cid}/leads/bulk", json=bulk, headers=h).status_code == 200
    assert client.post(f"/leadterra/v1/campaigns/{cid}/start", headers=h).status_code == 200
    return cid


def puffle_campaign(client, ws, leads: int = 30) -> str:
    h = bearer(ws["keys"]["puffle"])
    camp = client.post("/puffle/api/campaigns", json={"type": "email", "name": "Founders", "sender_account_ids": [PUFFLE_SENDER]},
                       headers=h).get_json()["campaign"]
    node = camp["sequence_nodes"][0]["id"]
    edit = {"subject": "Hi {{first_name}}", "body": "Hello %first_name%"}
    assert client.put(f"/puffle/api/campaigns/{camp['id']}/sequence/nodes/{node}", json=edit, headers=h).status_code == 200
    rows = [{"email": f"lead{i}@company{i}.com", "first_name": f"Lead{i}", "company": f"Co {i}"} for i in range(leads)]
    assert client.post(f"/puffle/api/campaigns/{camp['id']}/leads", json={"prospects": rows}, headers=h).status_code == 200
    r = client.post(f"/puffle/api/campaigns/{camp['id']}/launch", headers=h)
    assert r.status_code in (200, 202), r.get_json()
    return camp["id"]


def advance(client, ws, seconds: int) -> None:
    assert client.post(f"/_sim/workspaces/{ws['id']}/clock/advance", json={"seconds": seconds}).status_code == 200


def row(html: str, cid: str) -> dict[str, str]:
    """The figures of one campaign row: {"sent": "1,234", ...}."""
    m = re.search(r'<tr data-vendor="\w+" data-campaign="' + re.escape(cid) + r'">(.*?)</tr>', html, re.S)
    assert m, f"no row for {cid}"
    return {k: re.sub(r"<[^>]+>", "", v).strip() for k, v in re.findall(r'data-figure="(\w+)">(.*?)</span>', m.group(1), re.S)}


def token(html: str) -> str:
    return re.search(r'name="_token" value="([^"]+)"', html).group(1)


def test_leadterra_row_shows_the_numbers_of_its_stats_endpoint(client, ws):
    cid = leadterra_campaign(client, ws)
    advance(client, ws, 4 * 86400)
    stats = client.get(f"/leadterra/v1/campaigns/{cid}/stats", headers=bearer(ws["keys"]["leadterra"])).get_json()
    page = client.get(f"/_sim/ui/workspaces/{ws['id']}")
    assert page.status_code == 200 and page.mimetype == "text/html"
    figures = row(page.get_data(as_text=True), cid)
    assert figures["sent"] == f"{stats['sent']:,}" and figures["total"] == f"{stats['totalEnrolled']:,}"
    assert figures["bounced"] == f"{stats['bounced']:,}" and figures["replied"] == f"{stats['replied']:,}"
    assert stats["sent"] > 0


def test_puffle_row_shows_the_stats_of_the_campaign_endpoint(client, ws):
    cid = puffle_campaign(client, ws)
    advance(client, ws, 3 * 86400)
    stats = client.get(f"/puffle/api/campaigns/{cid}", headers=bearer(ws["keys"]["puffle"])).get_json()["campaign"]["stats"]
    figures = row(client.get(f"/_sim/ui/workspaces/{ws['id']}").get_data(as_text=True), cid)
    assert figures["total"] == f"{stats['total']:,}" and figures["sent"] == f"{stats.get('contacted', 0):,}"
    assert figures["replied"] == f"{stats.get('replied', 0):,}" and figures["bounced"] == f"{stats.get('bounced', 0):,}"


def test_advance_button_moves_the_clock_one_day_and_redirects_to_the_page(client, ws):
    html = client.get(f"/_sim/ui/workspaces/{ws['id']}").get_data(as_text=True)
    r = client.post(f"/_sim/ui/workspaces/{ws['id']}/advance", data={"_token": token(html), "seconds": "86400"})
    assert r.status_code == 303 and r.headers["Location"].startswith(f"/_sim/ui/workspaces/{ws['id']}?advanced=86400")
    assert client.get(f"/_sim/workspaces/{ws['id']}/clock").get_json()["now"] == "2026-04-21T09:00:00Z"


def test_advance_form_without_the_server_token_is_403_and_moves_nothing(client, ws):
    r = client.post(f"/_sim/ui/workspaces/{ws['id']}/advance", data={"_token": "forged", "seconds": "86400"})
    assert r.status_code == 403 and r.mimetype == "application/problem+json"
    assert client.get(f"/_sim/workspaces/{ws['id']}/clock").get_json()["now"] == START


def test_mode_form_sets_a_scaled_clock(client, ws):
    html = client.get(f"/_sim/ui/workspaces/{ws['id']}").get_data(as_text=True)
    r = client.post(f"/_sim/ui/workspaces/{ws['id']}/mode", data={"_token": token(html), "mode": "3600x"})
    assert r.status_code == 303
    assert client.get(f"/_sim/workspaces/{ws['id']}/clock").get_json()["mode"] == "3600x"
    assert 'data-live="2000"' in client.get(f"/_sim/ui/workspaces/{ws['id']}").get_data(as_text=True)


def test_unknown_workspace_page_is_404(client):
    r = client.get("/_sim/ui/workspaces/ws_nope")
    assert r.status_code == 404 and "There is no workspace ws_nope." in r.get_data(as_text=True)


def test_admin_token_guards_the_dashboard_like_the_rest_of_sim():
    app = create_app(Config(store="memory", admin_token="s3cret"))
    try:
        c = app.test_client()
        assert c.get("/_sim/ui/").status_code == 401
        assert c.get("/_sim/ui/static/ui.css").status_code == 401
        assert c.get("/_sim/ui/", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/_sim/ui/", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    finally:
        app.extensions["sim"].close()


class Recorder(LoopbackReceiver):
    def __init__(self):
        self.bodies: list[bytes] = []
        super().__init__()

    def answer(self, headers: dict, body: bytes) -> int:
        self.bodies.append(body)
        return 200


def test_delivery_page_shows_the_exact_bytes_sent(client, ws):
    receiver = Recorder()
    try:
        h = bearer(ws["keys"]["leadterra"])
        r = client.post("/leadterra/v1/webhooks", json={"url": receiver.url, "events": ["campaign.started"]}, headers=h)
        assert r.status_code == 201
        leadterra_campaign(client, ws, leads=3)
        advance(client, ws, 60)
        [attempt] = client.get(f"/_sim/workspaces/{ws['id']}/deliveries").get_json()["deliveries"]
        [sent] = receiver.bodies
    finally:
        receiver.close()
    raw = client.get(f"/_sim/ui/workspaces/{ws['id']}/deliveries/{attempt['delivery_id']}/body")
    stored = client.get(f"/_sim/workspaces/{ws['id']}/deliveries/{attempt['delivery_id']}").get_json()["body"]
    assert raw.status_code == 200 and raw.data == stored.encode() == sent
    page = client.get(f"/_sim/ui/workspaces/{ws['id']}/deliveries/{attempt['delivery_id']}").get_data(as_text=True)
    assert "X-Leadterra-Signature" in page and "campaign.started" in page


def test_journal_page_lists_the_requests(client, ws):
    leadterra_campaign(client, ws, leads=2)
    page = client.get(f"/_sim/ui/workspaces/{ws['id']}/journal?vendor=leadterra").get_data(as_text=True)
    assert "/leadterra/v1/campaigns" in page and "leads/bulk" in page


def test_demo_scenario_fills_the_workspace_with_campaigns_in_motion(client, ws):
    r = client.post(f"/_sim/workspaces/{ws['id']}/scenarios/demo", json={})
    assert r.status_code == 200 and r.get_json()["skipped"] == 0
    assert client.get(f"/_sim/workspaces/{ws['id']}/clock").get_json()["mode"] == "3600x"
    page = client.get(f"/_sim/ui/workspaces/{ws['id']}").get_data(as_text=True)
    assert page.count('data-vendor="leadterra"') == 2 and page.count('data-vendor="puffle"') == 1
    assert 'data-live="2000"' in page


def test_unknown_scenario_is_422_naming_the_field(client, ws):
    r = client.post(f"/_sim/workspaces/{ws['id']}/scenarios/nope", json={})
    assert r.status_code == 422 and r.mimetype == "application/problem+json"
    assert r.get_json()["errors"][0]["field"] == "name"


def test_scenario_into_an_unknown_workspace_is_404(client):
    r = client.post("/_sim/workspaces/ws_nope/scenarios/demo", json={})
    assert r.status_code == 404 and r.get_json()["detail"] == "workspace ws_nope not found"
