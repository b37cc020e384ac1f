"""GET /_sim/workspaces/{id}/report: each rule of DESIGN 7.1 fires on the misbehaving flow and stays silent on the
well-behaved version of the same flow. Real time (Retry-After, backoff) comes from an injected wall clock."""

from __future__ import annotations

import pytest

from sim.app import create_app
from sim.config import Config
from sim.vendors import SPECS
from tests.support.receiver import LoopbackReceiver
from tests.vendors.puffle.conftest import START, Puffle

LT = "/leadterra/v1"
LC = "/leadconduit/api/v1"


class Wall:
    """A real-time clock the test moves by hand, so gaps between requests are exact."""

    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def app():
    app = create_app(Config(store="memory", webhook_timeout=1.0), list(SPECS))
    yield app
    app.extensions["sim"].close()


@pytest.fixture
def wall(app):
    w = Wall()
    app.extensions["sim"].wall = w
    return w


@pytest.fixture
def client(app, wall):
    return app.test_client()


@pytest.fixture
def ws(client):
    r = client.post("/_sim/workspaces", json={"seed": 7, "start": START})
    assert r.status_code == 201
    return r.get_json()


def call(client, ws, vendor, method, path, json=None, key=None):
    prefix = {"leadterra": LT, "leadconduit": LC, "puffle": "/puffle/api"}[vendor]
    return client.open(prefix + path, method=method, json=json,
                       headers={"Authorization": "Bearer " + (key or ws["keys"][vendor])})


def report(client, ws, vendor=None) -> dict:
    r = client.get(f"/_sim/workspaces/{ws['id']}/report" + (f"?vendor={vendor}" if vendor else ""))
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.mimetype == "application/json"
    return r.get_json()


def rules(rep: dict) -> dict[str, dict]:
    return {f["rule"]: f for f in rep["findings"]}


def fault(client, ws, **rule):
    r = client.post(f"/_sim/workspaces/{ws['id']}/faults", json=rule)
    assert r.status_code == 201, r.get_data(as_text=True)


# --- the envelope ---------------------------------------------------------------------------------
def test_an_empty_workspace_is_ok_with_no_requests_and_no_findings(client, ws):
    rep = report(client, ws)
    assert rep == {"workspace": ws["id"], "generated_at": START, "ok": True, "requests": 0, "by_vendor": {}, "findings": []}


def test_by_vendor_counts_requests_errors_and_statuses(client, ws):
    call(client, ws, "leadterra", "GET", "/sender-pools")
    call(client, ws, "leadterra", "POST", "/campaigns/camp_missing/start")
    rep = report(client, ws)
    assert rep["requests"] == 2
    assert rep["by_vendor"] == {"leadterra": {"requests": 2, "errors": 1, "by_status": {"200": 1, "404": 1}}}


def test_report_of_an_unknown_workspace_is_404(client):
    r = client.get("/_sim/workspaces/ws_missing/report")
    assert r.status_code == 404
    assert r.get_json()["detail"] == "workspace ws_missing not found"


def test_report_of_an_unknown_vendor_is_422_naming_the_field(client, ws):
    r = client.get(f"/_sim/workspaces/{ws['id']}/report?vendor=nope")
    assert r.status_code == 422
    assert r.get_json()["errors"][0]["field"] == "vendor"


def test_vendor_filter_keeps_only_that_vendors_requests_and_findings(client, ws):
    call(client, ws, "leadterra", "POST", "/campaigns/camp_missing/start")
    call(client, ws, "puffle", "GET", "/campaigns")
    rep = report(client, ws, "puffle")
    assert rep["requests"] == 1
    assert list(rep["by_vendor"]) == ["puffle"]
    assert rep["findings"] == []


def test_findings_are_sorted_by_severity_then_rule_and_ok_is_false_with_an_error(client, ws, wall):
    fault(client, ws, vendor="leadterra", method="GET", status=429, retry_after=30, count=1)
    call(client, ws, "leadterra", "GET", "/sender-pools")
    call(client, ws, "leadterra", "GET", "/sender-pools")  # ignored_retry_after (error)
    call(client, ws, "leadterra", "POST", "/campaigns/camp_missing/start")  # client_errors (info)
    rep = report(client, ws)
    assert rep["ok"] is False
    assert [f["severity"] for f in rep["findings"]] == ["error", "info"]
    assert [f["rule"] for f in rep["findings"]] == ["ignored_retry_after", "client_errors"]
    f = rep["findings"][0]
    assert set(f) == {"rule", "vendor", "severity", "count", "journal_seqs", "message", "guidance", "source"}


def test_journal_seqs_are_capped_at_20(client, ws):
    for _ in range(25):
        call(client, ws, "leadterra", "POST", "/campaigns/camp_missing/start")
    f = rules(report(client, ws))["client_errors"]
    assert f["count"] == 25
    assert f["journal_seqs"] == list(range(1, 21))


# --- ignored_retry_after ----------------------------------------------------------------------------
def test_ignored_retry_after_fires_on_a_retry_before_retry_after_passed(client, ws, wall):
    fault(client, ws, vendor="leadterra", method="GET", status=429, retry_after=30, count=1)
    assert call(client, ws, "leadterra", "GET", "/sender-pools").status_code == 429
    wall.now += 5
    call(client, ws, "leadterra", "GET", "/sender-pools")
    f = rules(report(client, ws))["ignored_retry_after"]
    assert (f["severity"], f["vendor"], f["count"], f["journal_seqs"]) == ("error", "leadterra", 1, [2])


def test_ignored_retry_after_is_silent_when_the_client_waits(client, ws, wall):
    fault(client, ws, vendor="leadterra", method="GET", status=429, retry_after=30, count=1)
    call(client, ws, "leadterra", "GET", "/sender-pools")
    wall.now += 31
    call(client, ws, "leadterra", "GET", "/sender-pools")
    rep = report(client, ws)
    assert "ignored_retry_after" not in rules(rep)
    assert rep["ok"] is True


# --- retry_without_backoff --------------------------------------------------------------------------
def _failing_attempts(client, ws, wall, gaps):
    fault(client, ws, vendor="leadterra", method="GET", status=500, count=len(gaps) + 1)
    call(client, ws, "leadterra", "GET", "/sender-pools")
    for gap in gaps:
        wall.now += gap
        call(client, ws, "leadterra", "GET", "/sender-pools")


def test_retry_without_backoff_fires_on_three_failures_at_a_fixed_interval(client, ws, wall):
    _failing_attempts(client, ws, wall, [1, 1])
    f = rules(report(client, ws))["retry_without_backoff"]
    assert (f["severity"], f["count"], f["journal_seqs"]) == ("warning", 1, [1, 2, 3])


def test_retry_without_backoff_is_silent_when_waits_double(client, ws, wall):
    _failing_attempts(client, ws, wall, [1, 2, 4])
    assert "retry_without_backoff" not in rules(report(client, ws))


# --- too_many_retries ----------------------------------------------------------------------------------
def _rate_limited_then_ok(client, ws, wall, retries):
    fault(client, ws, vendor="leadterra", method="GET", status=429, retry_after=1, count=retries)
    wait = 1.5
    call(client, ws, "leadterra", "GET", "/sender-pools")
    for _ in range(retries):
        wall.now += wait
        wait *= 2
        call(client, ws, "leadterra", "GET", "/sender-pools")


def test_too_many_retries_fires_after_a_fourth_retry(client, ws, wall):
    _rate_limited_then_ok(client, ws, wall, 4)
    rep = rules(report(client, ws))
    assert rep["too_many_retries"]["count"] == 1
    assert rep["too_many_retries"]["journal_seqs"] == [1, 2, 3, 4, 5]
    assert "ignored_retry_after" not in rep


def test_too_many_retries_is_silent_at_three_retries(client, ws, wall):
    _rate_limited_then_ok(client, ws, wall, 3)
    assert "too_many_retries" not in rules(report(client, ws))


# --- auth_failures and client_errors ------------------------------------------------------------------
def test_auth_failures_counts_401s_of_a_revoked_key(client, ws):
    key = ws["keys"]["leadterra"]
    assert client.post(f"/_sim/workspaces/{ws['id']}/keys/leadterra/{key}/revoke").status_code == 200
    assert call(client, ws, "leadterra", "GET", "/sender-pools").status_code == 401
    f = rules(report(client, ws))["auth_failures"]
    assert (f["severity"], f["vendor"], f["count"]) == ("warning", "leadterra", 1)


def test_auth_failures_counts_a_fault_rules_401(client, ws):
    fault(client, ws, vendor="leadterra", status=401, count=1)
    call(client, ws, "leadterra", "GET", "/sender-pools")
    assert rules(report(client, ws))["auth_failures"]["count"] == 1


def test_auth_failures_is_silent_with_a_valid_key(client, ws):
    call(client, ws, "leadterra", "GET", "/sender-pools")
    assert report(client, ws)["findings"] == []


def test_client_errors_are_counted_per_status_and_vendor_code(client, ws):
    call(client, ws, "leadterra", "POST", "/campaigns/camp_missing/start")
    call(client, ws, "leadterra", "POST", "/campaigns/camp_missing/pause")
    f = rules(report(client, ws))["client_errors"]
    assert (f["severity"], f["count"], f["message"]) == ("info", 2, "leadterra answered 404 campaign_not_found 2 times")


# --- Puffle ------------------------------------------------------------------------------------------------
@pytest.fixture
def puffle(client, ws):
    return Puffle(client, ws)


def test_relaunch_while_launching_fires_on_a_409(puffle, client, ws):
    camp = puffle.ready_campaign()
    puffle.get(f"/campaigns/{camp['id']}")
    assert puffle.post(f"/campaigns/{camp['id']}/launch").status_code == 200
    puffle.get(f"/campaigns/{camp['id']}")
    assert puffle.post(f"/campaigns/{camp['id']}/launch").status_code == 409
    rep = report(client, ws)
    f = rules(rep)["puffle.relaunch_while_launching"]
    assert (f["severity"], f["count"]) == ("error", 1)
    assert rep["ok"] is False


def test_a_single_inspected_launch_has_no_findings(puffle, client, ws):
    camp = puffle.ready_campaign()
    puffle.get(f"/campaigns/{camp['id']}/validate")
    assert puffle.post(f"/campaigns/{camp['id']}/launch").status_code == 200
    assert report(client, ws)["findings"] == []


def test_launch_without_inspection_fires_when_the_campaign_changed_since_the_last_get(puffle, client, ws):
    camp = puffle.ready_campaign(leads=0)
    puffle.get(f"/campaigns/{camp['id']}")
    puffle.add_leads(camp, 3)
    assert puffle.post(f"/campaigns/{camp['id']}/launch").status_code == 200
    f = rules(report(client, ws))["puffle.launch_without_inspection"]
    assert (f["severity"], f["count"]) == ("warning", 1)


def test_poll_too_fast_fires_on_polls_without_time_passing(puffle, client, ws):
    camp = puffle.ready_campaign()
    puffle.get(f"/campaigns/{camp['id']}")
    puffle.post(f"/campaigns/{camp['id']}/launch")
    puffle.get(f"/campaigns/{camp['id']}")
    puffle.advance(10)
    puffle.get(f"/campaigns/{camp['id']}")
    f = rules(report(client, ws))["puffle.poll_too_fast"]
    assert (f["severity"], f["count"]) == ("warning", 1)


def test_poll_too_fast_is_silent_at_30_seconds_while_launching_and_60_once_active(puffle, client, ws):
    camp = puffle.ready_campaign()
    puffle.get(f"/campaigns/{camp['id']}")
    puffle.post(f"/campaigns/{camp['id']}/launch")
    puffle.get(f"/campaigns/{camp['id']}")
    status = "launching"
    while status == "launching":
        puffle.advance(30)
        status = puffle.status(camp)
    assert status == "active"
    puffle.advance(60)
    puffle.get(f"/campaigns/{camp['id']}")
    assert "puffle.poll_too_fast" not in rules(report(client, ws))


# --- Leadterra ---------------------------------------------------------------------------------------------
def _leadterra_campaign(client, ws) -> str:
    r = call(client, ws, "leadterra", "POST", "/campaigns",
             {"name": "c", "sequenceSteps": [{"subject": "Hi", "bodyHtml": "<p>Hi</p>"}]})
    return r.get_json()["campaign"]["id"]


def _leads(n):
    return [{"email": f"lead{i}@example.com", "firstName": f"L{i}"} for i in range(n)]


def test_enroll_beyond_capacity_fires_past_remaining_today(client, ws):
    cid = _leadterra_campaign(client, ws)
    remaining = call(client, ws, "leadterra", "GET", "/sender-pools").get_json()["senderPools"][0]["remainingToday"]
    assert call(client, ws, "leadterra", "POST", f"/campaigns/{cid}/leads/bulk", {"leads": _leads(remaining + 1)}).status_code == 200
    f = rules(report(client, ws))["leadterra.enroll_beyond_capacity"]
    assert (f["severity"], f["count"], f["journal_seqs"]) == ("warning", 1, [3])


def test_enroll_within_capacity_is_silent(client, ws):
    cid = _leadterra_campaign(client, ws)
    call(client, ws, "leadterra", "POST", f"/campaigns/{cid}/leads/bulk", {"leads": _leads(5)})
    assert report(client, ws)["findings"] == []


def test_enroll_suppressed_fires_when_a_suppressed_address_is_sent(client, ws):
    cid = _leadterra_campaign(client, ws)
    call(client, ws, "leadterra", "POST", "/suppression-list", {"emails": ["lead1@example.com"]})
    call(client, ws, "leadterra", "POST", f"/campaigns/{cid}/leads/bulk", {"leads": _leads(3)})
    f = rules(report(client, ws))["leadterra.enroll_suppressed"]
    assert (f["severity"], f["count"]) == ("warning", 1)


def test_start_without_leads_fires_on_400_no_leads_enrolled(client, ws):
    cid = _leadterra_campaign(client, ws)
    assert call(client, ws, "leadterra", "POST", f"/campaigns/{cid}/start").status_code == 400
    f = rules(report(client, ws))["leadterra.start_without_leads"]
    assert (f["severity"], f["count"]) == ("info", 1)


def test_start_after_enrolling_is_silent(client, ws):
    cid = _leadterra_campaign(client, ws)
    call(client, ws, "leadterra", "POST", f"/campaigns/{cid}/leads/bulk", {"leads": _leads(2)})
    assert call(client, ws, "leadterra", "POST", f"/campaigns/{cid}/start").status_code == 200
    assert report(client, ws)["findings"] == []


# --- LeadConduit -------------------------------------------------------------------------------------------
def _lead(i, **extra):
    return {"lead": {"first_name": "A", "email": f"p{i}@example.com", "phone": "5551234567"}, **extra}


def test_duplicate_without_external_id_fires_on_a_409_duplicate(client, ws):
    call(client, ws, "leadconduit", "POST", "/flows/flow_789xyz/leads", _lead(1))
    assert call(client, ws, "leadconduit", "POST", "/flows/flow_789xyz/leads", _lead(1)).status_code == 409
    f = rules(report(client, ws))["leadconduit.duplicate_without_external_id"]
    assert (f["severity"], f["count"], f["journal_seqs"]) == ("warning", 1, [2])


def test_duplicate_with_external_id_is_silent(client, ws):
    call(client, ws, "leadconduit", "POST", "/flows/flow_789xyz/leads", _lead(1, external_id="x1"))
    assert call(client, ws, "leadconduit", "POST", "/flows/flow_789xyz/leads",
                _lead(1, external_id="x1")).status_code == 409
    assert "leadconduit.duplicate_without_external_id" not in rules(report(client, ws))


def test_duplicate_without_external_id_counts_batch_items(client, ws):
    body = {"leads": [_lead(1), _lead(1), _lead(2, external_id="e2"), _lead(2, external_id="e2")]}
    assert call(client, ws, "leadconduit", "POST", "/flows/flow_789xyz/leads/batch", body).status_code == 207
    assert rules(report(client, ws))["leadconduit.duplicate_without_external_id"]["count"] == 1


def test_single_submits_instead_of_batch_fires_past_20_in_one_simulated_minute(client, ws):
    for i in range(21):
        call(client, ws, "leadconduit", "POST", "/flows/flow_789xyz/leads", _lead(i))
    f = rules(report(client, ws))["leadconduit.single_submits_instead_of_batch"]
    assert (f["severity"], f["count"], f["journal_seqs"]) == ("info", 1, [21])


def test_single_submits_spread_over_minutes_are_silent(client, ws):
    for i in range(21):
        call(client, ws, "leadconduit", "POST", "/flows/flow_789xyz/leads", _lead(i))
        client.post(f"/_sim/workspaces/{ws['id']}/clock/advance", json={"seconds": 3})
    assert "leadconduit.single_submits_instead_of_batch" not in rules(report(client, ws))


# --- webhook_not_acknowledged ------------------------------------------------------------------------------
class Refusing(LoopbackReceiver):
    def answer(self, headers: dict, body: bytes) -> int:
        return 500


class Accepting(LoopbackReceiver):
    def answer(self, headers: dict, body: bytes) -> int:
        return 204


@pytest.mark.parametrize(("receiver_cls", "fires"), [(Refusing, True), (Accepting, False)])
def test_webhook_not_acknowledged_fires_only_on_a_delivery_that_ended_failed(client, ws, receiver_cls, fires):
    receiver = receiver_cls()
    try:
        assert call(client, ws, "leadterra", "POST", "/webhooks",
                    {"url": receiver.url, "events": ["campaign.started"]}).status_code in (200, 201)
        cid = _leadterra_campaign(client, ws)
        call(client, ws, "leadterra", "POST", f"/campaigns/{cid}/leads/bulk", {"leads": _leads(1)})
        call(client, ws, "leadterra", "POST", f"/campaigns/{cid}/start")
        client.post(f"/_sim/workspaces/{ws['id']}/clock/advance", json={"seconds": 86400})
    finally:
        receiver.close()
    rep = report(client, ws)
    found = rules(rep).get("webhook_not_acknowledged")
    if fires:
        assert (found["severity"], found["vendor"], found["count"], found["journal_seqs"]) == ("error", "leadterra", 1, [])
        assert rep["ok"] is False
    else:
        assert found is None
