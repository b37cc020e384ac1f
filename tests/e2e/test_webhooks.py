"""Webhooks end to end: real HTTP to receivers on loopback, signatures, retries on the clock, disabling, order."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sim.app import create_app
from sim.config import Config
from tests.support.toyvendor import toy_spec

START = "2025-01-15T10:00:00Z"


class Receiver:
    """A webhook receiver on loopback. ``statuses`` are answered in turn (the last one repeats);
    ``hold`` makes every request wait until it is set (a receiver that is too slow)."""

    def __init__(self, statuses=(200,), host="127.0.0.1", family=socket.AF_INET):
        self.statuses = list(statuses)
        self.requests: list[dict] = []
        self.hold: threading.Event | None = None
        self.delay_for = None  # body -> seconds to wait before answering
        self.arrived = threading.Event()  # set when a request has come in, before it is answered
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.arrived.set()
                if receiver.hold is not None:
                    receiver.hold.wait(10)
                if receiver.delay_for is not None:
                    threading.Event().wait(receiver.delay_for(body))
                with receiver._lock:
                    receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                    status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "http://127.0.0.1:1/elsewhere")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        # a deep accept queue: 16 dispatcher threads connect at once, and the default backlog of 5 drops some
        server_class = type("Server", (ThreadingHTTPServer,), {"request_queue_size": 128, "daemon_threads": True})
        if family == socket.AF_INET6:
            server_class = type("ServerV6", (server_class,), {"address_family": socket.AF_INET6})
        self.server = server_class((host, 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def url(self, host="127.0.0.1", path="/hook") -> str:
        return f"http://{host}:{self.port}{path}"

    def close(self):
        if self.hold is not None:
            self.hold.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers():
    made = []

    def make(*args, **kw):
        r = Receiver(*args, **kw)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


@pytest.fixture
def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class World:
    """A toy simulator, one workspace in it, and helpers that talk to it over its HTTP API."""

    def __init__(self, **config):
        self.app = create_app(Config(store=config.pop("store", "memory"), webhook_timeout=config.pop("timeout", 2.0),
                                     **config), [toy_spec()])
        self.sim = self.app.extensions["sim"]
        self.client = self.app.test_client()
        self.ws = self.client.post("/_sim/workspaces", json={"seed": 1, "start": START}).get_json()
        self.auth = {"Authorization": f"Bearer {self.ws['keys']['toy']}"}

    @property
    def base(self) -> str:
        return f"/_sim/workspaces/{self.ws['id']}"

    def subscribe(self, url, events=None) -> dict:
        r = self.client.post("/toy/v1/webhooks", json={"url": url, "events": events}, headers=self.auth)
        assert r.status_code == 201, r.get_data(as_text=True)
        return r.get_json()

    def make_thing(self, name="x") -> dict:
        r = self.client.post("/toy/v1/things", json={"name": name}, headers=self.auth)
        assert r.status_code == 201
        return r.get_json()

    def advance(self, seconds) -> dict:
        r = self.client.post(f"{self.base}/clock/advance", json={"seconds": seconds})
        assert r.status_code == 200, r.get_data(as_text=True)
        return r.get_json()

    def deliveries(self) -> list[dict]:
        return self.client.get(f"{self.base}/deliveries").get_json()["deliveries"]

    def webhooks(self) -> list[dict]:
        return self.client.get(f"{self.base}/webhooks").get_json()["webhooks"]

    def notices(self) -> list[dict]:
        return self.client.get(f"{self.base}/notices").get_json()["notices"]

    def emit(self, event, data, **kw) -> list[str]:
        with self.sim.store.batch():
            return self.sim.context(self.ws["id"], "toy").emit(event, data, **kw)

    def close(self):
        self.sim.close()


@pytest.fixture
def world():
    w = World()
    yield w
    w.close()


def signature(secret: str, body: bytes) -> str:
    """What the toy vendor's docs tell a customer: lowercase hex HMAC-SHA256 of the raw body."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# --- delivery and signature ------------------------------------------------------------------------

def test_an_event_reaches_the_receiver_signed_with_the_subscription_secret(world, receivers):
    rx = receivers()
    sub = world.subscribe(rx.url())
    thing = world.make_thing("signed")
    world.advance(0)
    [req] = rx.requests
    assert hmac.compare_digest(req["headers"]["X-Toy-Signature"], signature(sub["secret"], req["body"]))
    payload = json.loads(req["body"])
    assert payload["event"] == "thing.created"
    assert payload["id"].startswith("evt_")
    assert payload["created_at"] == "2025-01-15T10:00:00Z"
    assert payload["data"] == thing
    assert req["headers"]["Content-Type"] == "application/json"
    assert req["path"] == "/hook"


def test_a_signature_made_with_another_secret_does_not_verify(world, receivers):
    rx = receivers()
    world.subscribe(rx.url())
    world.make_thing()
    world.advance(0)
    [req] = rx.requests
    assert req["headers"]["X-Toy-Signature"] != signature("not-the-secret", req["body"])


def test_nothing_is_sent_until_the_clock_is_advanced(world, receivers):
    rx = receivers()
    world.subscribe(rx.url())
    world.make_thing()
    assert rx.requests == []
    assert world.advance(0)["webhooks_attempted"] == 1
    assert len(rx.requests) == 1


def test_a_delivered_attempt_is_listed_as_delivered(world, receivers):
    rx = receivers()
    sub = world.subscribe(rx.url())
    world.make_thing()
    world.advance(0)
    [row] = world.deliveries()
    assert row["attempt"] == 1
    assert row["status"] == 200
    assert row["error"] is None
    assert row["state"] == "delivered"
    assert row["next_retry_at"] is None
    assert row["subscription_id"] == sub["id"]
    assert row["at"] == "2025-01-15T10:00:00Z"


def test_any_2xx_counts_as_delivered(world, receivers):
    rx = receivers(statuses=(204,))
    world.subscribe(rx.url())
    world.make_thing()
    world.advance(0)
    assert world.deliveries()[0]["state"] == "delivered"


def test_a_redirect_is_not_followed_and_counts_as_a_failure(world, receivers):
    rx = receivers(statuses=(302,))
    world.subscribe(rx.url())
    world.make_thing()
    world.advance(0)
    [row] = world.deliveries()
    assert (row["status"], row["error"], row["state"]) == (302, "HTTP 302", "retrying")


def test_only_subscribed_events_are_sent(world, receivers):
    rx = receivers()
    world.subscribe(rx.url(), events=["thing.pinged"])
    thing = world.make_thing()
    world.client.post(f"/toy/v1/things/{thing['id']}/ping-later", json={"after": 60}, headers=world.auth)
    world.advance(60)
    assert [json.loads(r["body"])["event"] for r in rx.requests] == ["thing.pinged"]


def test_every_subscription_gets_its_own_signed_copy(world, receivers):
    a, b = receivers(), receivers()
    sub_a, sub_b = world.subscribe(a.url()), world.subscribe(b.url())
    world.make_thing()
    world.advance(0)
    [ra], [rb] = a.requests, b.requests
    assert ra["body"] == rb["body"]
    assert ra["headers"]["X-Toy-Signature"] == signature(sub_a["secret"], ra["body"])
    assert rb["headers"]["X-Toy-Signature"] == signature(sub_b["secret"], rb["body"])


def test_a_webhook_emitted_by_a_job_is_sent_in_the_same_advance_at_the_jobs_time(world, receivers):
    rx = receivers()
    world.subscribe(rx.url(), events=["thing.pinged"])
    thing = world.make_thing()
    world.client.post(f"/toy/v1/things/{thing['id']}/ping-later", json={"after": 600}, headers=world.auth)
    result = world.advance(3600)
    assert result["jobs_run"] == 1
    assert result["webhooks_attempted"] == 1
    [req] = rx.requests
    assert json.loads(req["body"])["created_at"] == "2025-01-15T10:10:00Z"
    assert world.deliveries()[0]["at"] == "2025-01-15T10:10:00Z"


def test_an_event_sent_to_a_given_url_is_signed_with_the_given_secret(world, receivers):
    rx = receivers()
    world.emit("thing.pinged", {"id": "thing_1"}, url=rx.url(path="/direct"), secret="given-secret")
    world.advance(0)
    [req] = rx.requests
    assert req["path"] == "/direct"
    assert req["headers"]["X-Toy-Signature"] == signature("given-secret", req["body"])


# --- the loopback rule, for real ---------------------------------------------------------------------

def test_plain_http_to_localhost_is_delivered(world, receivers):
    rx = receivers()
    world.subscribe(rx.url(host="localhost"))
    world.make_thing()
    world.advance(0)
    assert len(rx.requests) == 1


def test_plain_http_to_ipv6_loopback_is_delivered(world, receivers):
    rx = receivers(host="::1", family=socket.AF_INET6)
    world.subscribe(rx.url(host="[::1]"))
    world.make_thing()
    world.advance(0)
    assert len(rx.requests) == 1


def test_subdomains_of_localhost_are_accepted(world):
    assert world.subscribe("http://hooks.localhost:9/h")["id"]


def test_plain_http_elsewhere_is_refused_by_the_vendor_route(world):
    r = world.client.post("/toy/v1/webhooks", json={"url": "http://example.com/h"}, headers=world.auth)
    assert r.status_code == 422
    assert r.get_json()["error"]["fields"][0]["message"] == "url must use https (plain http is accepted only on loopback)"


# --- retries -------------------------------------------------------------------------------------------

def test_a_failing_receiver_is_retried_on_the_clock_at_the_profile_schedule(world, receivers):
    rx = receivers(statuses=(500,))
    world.subscribe(rx.url())
    world.make_thing()
    world.advance(0)
    assert len(rx.requests) == 1
    world.advance(59)
    assert len(rx.requests) == 1
    world.advance(1)
    assert len(rx.requests) == 2
    world.advance(299)
    assert len(rx.requests) == 2
    world.advance(1)
    assert len(rx.requests) == 3
    world.advance(1800)
    assert len(rx.requests) == 4
    world.advance(86400)
    assert len(rx.requests) == 4


def test_every_attempt_is_listed_with_its_time_and_the_last_one_failed(world, receivers):
    rx = receivers(statuses=(500,))
    world.subscribe(rx.url())
    world.make_thing()
    world.advance(86400)
    rows = world.deliveries()
    assert [(r["attempt"], r["at"], r["status"], r["state"]) for r in rows] == [
        (1, "2025-01-15T10:00:00Z", 500, "retrying"),
        (2, "2025-01-15T10:01:00Z", 500, "retrying"),
        (3, "2025-01-15T10:06:00Z", 500, "retrying"),
        (4, "2025-01-15T10:36:00Z", 500, "failed"),
    ]
    assert [r["next_retry_at"] for r in rows] == [None, None, None, None]
    assert all(r["error"] == "HTTP 500" for r in rows)


def test_a_retrying_delivery_shows_its_next_retry(world, receivers):
    rx = receivers(statuses=(500,))
    world.subscribe(rx.url())
    world.make_thing()
    world.advance(0)
    [row] = world.deliveries()
    assert row["next_retry_at"] == "2025-01-15T10:01:00Z"


def test_every_retry_sends_identical_bytes_and_signature(world, receivers):
    rx = receivers(statuses=(500,))
    world.subscribe(rx.url())
    world.make_thing()
    world.advance(86400)
    assert len(rx.requests) == 4
    assert len({r["body"] for r in rx.requests}) == 1
    assert len({r["headers"]["X-Toy-Signature"] for r in rx.requests}) == 1


def test_a_receiver_that_recovers_gets_the_event_on_the_retry(world, receivers):
    rx = receivers(statuses=(500, 503, 200))
    world.subscribe(rx.url())
    world.make_thing()
    world.advance(3600)
    rows = world.deliveries()
    assert [(r["attempt"], r["status"], r["state"]) for r in rows] == [
        (1, 500, "retrying"), (2, 503, "retrying"), (3, 200, "delivered")]
    assert len(rx.requests) == 3


def test_a_receiver_that_is_down_is_retried_then_the_event_fails(world, closed_port):
    world.subscribe(f"http://127.0.0.1:{closed_port}/hook")
    world.make_thing()
    world.advance(86400)
    rows = world.deliveries()
    assert [r["attempt"] for r in rows] == [1, 2, 3, 4]
    assert all(r["status"] is None and r["error"] == "connection error: ConnectionRefusedError" for r in rows)
    assert rows[-1]["state"] == "failed"


def test_a_receiver_that_is_too_slow_times_out_and_is_retried(receivers):
    world = World(timeout=0.3)
    try:
        rx = receivers()
        rx.hold = threading.Event()
        world.subscribe(rx.url())
        world.make_thing()
        world.advance(0)
        [row] = world.deliveries()
        assert (row["status"], row["error"], row["state"]) == (None, "timeout after 0.3s", "retrying")
        assert row["next_retry_at"] == "2025-01-15T10:01:00Z"
        rx.hold.set()
        world.advance(60)
        assert world.deliveries()[-1]["state"] == "delivered"
    finally:
        world.close()


def test_an_unusable_url_fails_the_attempt_without_losing_the_delivery(world):
    world.subscribe("http://127.0.0.1:99999/hook")
    world.make_thing()
    world.advance(0)
    [row] = world.deliveries()
    assert row["state"] == "retrying"
    assert row["error"].startswith("connection error")


def test_a_pending_retry_survives_a_restart(tmp_path, receivers):
    rx = receivers(statuses=(500, 200))
    first = World(store=str(tmp_path))
    first.subscribe(rx.url())
    first.make_thing()
    first.advance(0)
    ws = first.ws
    first.close()
    app = create_app(Config(store=str(tmp_path), webhook_timeout=2.0), [toy_spec()])
    try:
        client = app.test_client()
        client.post(f"/_sim/workspaces/{ws['id']}/clock/advance", json={"seconds": 60})
        rows = client.get(f"/_sim/workspaces/{ws['id']}/deliveries").get_json()["deliveries"]
        assert [(r["attempt"], r["status"], r["state"]) for r in rows] == [(1, 500, "retrying"), (2, 200, "delivered")]
        assert rx.requests[0]["body"] == rx.requests[1]["body"]
    finally:
        app.extensions["sim"].close()


# --- disabling (the toy profile disables after 2 consecutive exhausted events) -----------------------

def exhaust_one_event(world):
    world.make_thing()
    world.advance(86400)


def test_a_subscription_is_disabled_after_its_exhausted_events_in_a_row(world, closed_port):
    sub = world.subscribe(f"http://127.0.0.1:{closed_port}/hook")
    exhaust_one_event(world)
    assert world.webhooks()[0]["status"] == "active"
    exhaust_one_event(world)
    [hook] = world.webhooks()
    assert (hook["id"], hook["status"]) == (sub["id"], "disabled")
    [notice] = world.notices()
    assert notice["kind"] == "webhook_disabled"
    assert notice["message"] == f"Webhook http://127.0.0.1:{closed_port}/hook was disabled after 2 consecutive failed events"


def test_a_disabled_subscription_gets_no_new_events(world, closed_port):
    world.subscribe(f"http://127.0.0.1:{closed_port}/hook")
    exhaust_one_event(world)
    exhaust_one_event(world)
    before = len(world.deliveries())
    world.make_thing()
    world.advance(0)
    assert len(world.deliveries()) == before


def test_a_success_in_between_resets_the_count(world, receivers):
    rx = receivers(statuses=[500] * 4 + [200] + [500] * 4)
    world.subscribe(rx.url())
    exhaust_one_event(world)
    world.make_thing()
    world.advance(0)
    exhaust_one_event(world)
    assert world.webhooks()[0]["status"] == "active"


def test_a_disabled_subscription_is_enabled_again_through_sim(world, receivers, closed_port):
    sub = world.subscribe(f"http://127.0.0.1:{closed_port}/hook")
    exhaust_one_event(world)
    exhaust_one_event(world)
    r = world.client.post(f"{world.base}/webhooks/{sub['id']}/enable")
    assert r.status_code == 200
    assert r.get_json()["status"] == "active"
    assert len([d for d in world.deliveries() if d["attempt"] == 1]) == 2
    world.make_thing()
    assert len([d for d in world.deliveries() if d["attempt"] == 1]) == 3


def test_a_re_enabled_subscription_starts_counting_from_zero(world, closed_port):
    sub = world.subscribe(f"http://127.0.0.1:{closed_port}/hook")
    exhaust_one_event(world)
    exhaust_one_event(world)
    world.client.post(f"{world.base}/webhooks/{sub['id']}/enable")
    exhaust_one_event(world)
    assert world.webhooks()[0]["status"] == "active"


# --- order -------------------------------------------------------------------------------------------

def test_events_sharing_an_order_key_arrive_in_emit_order(world, receivers):
    rx = receivers()
    rx.delay_for = lambda body: 0.01 * (5 - json.loads(body)["data"]["n"])  # earlier events answer slower
    world.subscribe(rx.url())
    for n in range(5):
        world.emit("thing.pinged", {"n": n}, order_key="thing_1")
    world.advance(0)
    assert [json.loads(r["body"])["data"]["n"] for r in rx.requests] == [0, 1, 2, 3, 4]


def test_events_of_different_order_keys_are_all_delivered_in_one_advance(world, receivers):
    rx = receivers()
    world.subscribe(rx.url())
    for n in range(20):
        world.emit("thing.pinged", {"n": n}, order_key=f"thing_{n}")
    assert world.advance(0)["webhooks_attempted"] == 20
    assert sorted(json.loads(r["body"])["data"]["n"] for r in rx.requests) == list(range(20))


def test_an_event_emitted_before_a_job_is_sent_before_the_jobs_event(world, receivers):
    rx = receivers()
    world.subscribe(rx.url())
    thing = world.make_thing()
    world.client.post(f"/toy/v1/things/{thing['id']}/ping-later", json={"after": 0}, headers=world.auth)
    world.advance(0)
    assert [json.loads(r["body"])["event"] for r in rx.requests] == ["thing.created", "thing.pinged"]


# --- the background ticker of a served instance --------------------------------------------------------

def wait_for(condition, timeout=10.0):
    """Poll ``condition`` until it holds (the ticker runs on its own thread); fail after ``timeout``."""
    done = threading.Event()
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        done.wait(0.02)
    raise AssertionError("condition not reached")


def test_the_ticker_delivers_webhooks_without_an_advance(receivers):
    world = World(background=True)
    world.sim.start_background(interval=0.02)
    try:
        rx = receivers()
        world.subscribe(rx.url())
        world.make_thing()
        wait_for(lambda: len(rx.requests) == 1)
        wait_for(lambda: world.deliveries()[0]["state"] == "delivered")
        assert world.client.get(f"{world.base}/clock").get_json()["now"] == "2025-01-15T10:00:00Z"
    finally:
        world.close()


def test_the_ticker_runs_jobs_of_a_running_clock(receivers):
    world = World(background=True, clock="10000x")
    world.sim.start_background(interval=0.02)
    try:
        rx = receivers()
        world.subscribe(rx.url(), events=["thing.pinged"])
        thing = world.make_thing()
        world.client.post(f"/toy/v1/things/{thing['id']}/ping-later", json={"after": 3600}, headers=world.auth)
        wait_for(lambda: len(rx.requests) == 1)
        # a running clock never stops for the ticker, so the job runs at or just after its due time
        assert json.loads(rx.requests[0]["body"])["created_at"] >= "2025-01-15T11:00:00Z"
    finally:
        world.close()


def test_vendor_requests_are_served_while_an_advance_waits_on_a_slow_receiver(receivers):
    world = World(timeout=5.0)
    try:
        rx = receivers()
        rx.hold = threading.Event()
        world.subscribe(rx.url())
        thing = world.make_thing()
        advancing = threading.Thread(target=world.advance, args=(0,))
        advancing.start()
        assert rx.arrived.wait(5)
        r = world.client.get(f"/toy/v1/things/{thing['id']}", headers=world.auth)
        assert r.status_code == 200
        assert advancing.is_alive()
        rx.hold.set()
        advancing.join(5)
        assert world.deliveries()[0]["state"] == "delivered"
    finally:
        world.close()
