"""Leadterra and the outreach engine against DESIGN section 6: bulk enrolment, simulation rate, webhook rate.

(a) one ``POST /v1/campaigns/{id}/leads/bulk`` with 10,000 leads (target < 1 s); (b) advancing a
10,000-lead, 3-step campaign through 30 simulated days with no webhook subscribed, counted in simulated
events (sends, bounces, opens, replies) per second (target >= 20,000/s); (c) the same with a webhook
subscribed to every event and a loopback receiver in its own process: webhooks delivered per second
(target >= 1,000/s) and none lost. Each runs in-process on a durable (file) store, as ``leadsim serve`` does.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import urllib.request

from sim.app import create_app
from sim.config import Config
from sim.vendors.leadterra import SPEC

LEADS = 10_000
DAYS = 30
STEPS = [{"subject": "Quick question, {{firstName}}", "bodyHtml": "<p>Hi {{firstName}}</p>", "delayDays": 0},
         {"subject": "Re: Quick question", "bodyHtml": "<p>Following up</p>", "delayDays": 3},
         {"subject": "Last note", "bodyHtml": "<p>Closing the loop</p>", "delayDays": 4}]

RECEIVER = r"""
import sys, threading
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
count = 0
lock = threading.Lock()
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        global count
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with lock:
            count += 1
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def do_GET(self):
        body = str(count).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer.request_queue_size = 256
s = ThreadingHTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
"""


def _leads(n: int, tag: str = "") -> list[dict]:
    return [{"email": f"lead{i}{tag}@example{i % 97}.com", "firstName": f"First{i}", "company": f"Co {i % 500}",
             "jobTitle": "VP Sales", "useCase": "outbound"} for i in range(n)]


class _World:
    def __init__(self, store: str):
        self.app = create_app(Config(store=store, webhook_workers=16), [SPEC])
        self.client = self.app.test_client()
        r = self.client.post("/_sim/workspaces", json={"name": "bench", "seed": 7, "start": "2025-01-13T09:00:00Z"})
        ws = r.get_json()
        self.ws = ws["id"]
        self.h = {"Authorization": f"Bearer {ws['keys']['leadterra']}"}
        self.client.put(f"/_sim/workspaces/{self.ws}/leadterra/sender-pools/pool_abc123",
                        json={"dailyCapacity": 50_000, "remainingToday": 50_000})

    def campaign(self) -> str:
        r = self.client.post("/leadterra/v1/campaigns", headers=self.h, json={"name": "bench", "sequenceSteps": STEPS})
        return r.get_json()["campaign"]["id"]

    def enroll(self, cid: str, leads: list[dict]) -> dict:
        r = self.client.post(f"/leadterra/v1/campaigns/{cid}/leads/bulk", headers=self.h, json={"leads": leads})
        assert r.status_code == 200, r.get_data(as_text=True)
        return r.get_json()

    def advance(self, seconds: float) -> dict:
        return self.client.post(f"/_sim/workspaces/{self.ws}/clock/advance", json={"seconds": seconds}).get_json()

    def events(self, cid: str) -> int:
        c = self.client.get(f"/_sim/workspaces/{self.ws}/leadterra/campaigns/{cid}").get_json()["counters"]
        return c["sent"] + c["bounced"] + c["opened"] + c["replies"]

    def close(self) -> None:
        self.app.extensions["sim"].close()


def bench_bulk(n: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        world = _World(tmp)
        cid = world.campaign()
        body = json.dumps({"leads": _leads(n)})
        started = time.perf_counter()
        r = world.client.post(f"/leadterra/v1/campaigns/{cid}/leads/bulk", headers={**world.h, "Content-Type": "application/json"},
                              data=body)
        elapsed = time.perf_counter() - started
        assert r.status_code == 200 and r.get_json()["enrolled"] == n, r.get_data(as_text=True)[:300]
        world.close()
    return elapsed


def bench_simulation(n: int, days: int) -> tuple[float, int, float]:
    with tempfile.TemporaryDirectory() as tmp:
        world = _World(tmp)
        cid = world.campaign()
        world.enroll(cid, _leads(n))
        world.client.post(f"/leadterra/v1/campaigns/{cid}/start", headers=world.h)
        started = time.perf_counter()
        world.advance(days * 86400)
        elapsed = time.perf_counter() - started
        events = world.events(cid)
        world.close()
    return events / elapsed, events, elapsed


def bench_webhooks(n: int, days: int) -> tuple[float, int, int, float]:
    proc = subprocess.Popen([sys.executable, "-c", RECEIVER], stdout=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline())
        with tempfile.TemporaryDirectory() as tmp:
            world = _World(tmp)
            world.client.post("/leadterra/v1/webhooks", headers=world.h, json={
                "url": f"http://127.0.0.1:{port}/hook",
                "events": ["campaign.started", "message.sent", "message.bounced", "reply.received"]})
            cid = world.campaign()
            world.enroll(cid, _leads(n))
            world.client.post(f"/leadterra/v1/campaigns/{cid}/start", headers=world.h)
            started = time.perf_counter()
            world.advance(days * 86400)
            elapsed = time.perf_counter() - started
            rows = world.client.get(f"/_sim/workspaces/{world.ws}/deliveries?vendor=leadterra").get_json()["deliveries"]
            delivered = sum(1 for r in rows if r["state"] == "delivered")
            world.close()
        received = int(urllib.request.urlopen(f"http://127.0.0.1:{port}/count", timeout=10).read())
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return delivered / elapsed, delivered, received, elapsed


def run(quick: bool = False) -> list[dict]:
    n = 1_000 if quick else LEADS
    days = 8 if quick else DAYS
    bulk = bench_bulk(n)
    rate, events, sim_s = bench_simulation(n, days)
    hook_rate, delivered, received, hook_s = bench_webhooks(n, days)
    return [
        {"name": f"enrol {n:,} leads in one bulk call", "value": bulk, "unit": "s", "target": "< 1 s",
         "ok": bulk < 1.0},
        {"name": f"advance {n:,} leads x 3 steps through {days} days ({events:,} events in {sim_s:.2f}s)",
         "value": rate, "unit": "events/s", "target": ">= 20,000/s", "ok": rate >= 20_000},
        {"name": f"same, every event to a loopback webhook ({delivered:,} delivered in {hook_s:.2f}s)",
         "value": hook_rate, "unit": "webhooks/s", "target": ">= 1,000/s", "ok": hook_rate >= 1_000},
        {"name": "webhooks lost (delivered by leadsim - received by the receiver)", "value": delivered - received,
         "unit": "webhooks", "target": "0", "ok": delivered == received},
    ]


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(row)
