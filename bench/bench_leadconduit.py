"""LeadConduit's lead pipeline: a batch of 1,000 leads through a flow with two enhancement steps and criteria.

(a) ``POST /api/v1/flows/flow_789xyz/leads/batch`` with 1,000 leads (target < 1 s): every lead runs email
validation and phone formatting (the two enhancement steps), scoring, the acceptance criteria
``lead.age >= 21 && lead.income >= 50000``, duplicate detection, caps and a simulated delivery, and each
lead, its events and the cap counters are written durably. Median of several batches, each into the same
growing store. (b) the same batch with ``notifications.webhook_url`` set, so every lead also queues its
signed ``lead.received`` / ``accepted`` / ``delivered`` webhooks (informational). (c) single submits per
second (informational). Everything runs in-process on a file store, as ``leadsim serve`` does.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time

from sim.app import create_app
from sim.config import Config
from sim.vendors.leadconduit import SPEC

FLOW = "flow_789xyz"
CRITERIA = "lead.age >= 21 && lead.income >= 50000"


class _World:
    def __init__(self, store: str):
        self.app = create_app(Config(store=store), [SPEC])
        self.client = self.app.test_client()
        ws = self.client.post("/_sim/workspaces", json={"name": "bench", "seed": 7,
                                                        "start": "2024-01-15T10:30:00Z"}).get_json()
        self.ws = ws["id"]
        self.h = {"Authorization": f"Bearer {ws['keys']['leadconduit']}", "Content-Type": "application/json"}
        self.client.put(f"/_sim/workspaces/{self.ws}/leadconduit/settings",
                        json={"rate_limit_hour": 10**9, "rate_limit_minute": 10**9})
        self.settings({"acceptance_criteria": CRITERIA})
        self.serial = 0

    def settings(self, settings: dict) -> None:
        r = self.client.put(f"/leadconduit/api/v1/flows/{FLOW}/settings", headers=self.h,
                            data=json.dumps({"settings": settings}))
        assert r.status_code == 200, r.get_data(as_text=True)

    def leads(self, n: int) -> list[dict]:
        out = []
        for _ in range(n):
            self.serial += 1
            i = self.serial
            out.append({"external_id": f"ext-{i}", "lead": {
                "first_name": f"First{i}", "last_name": "Lee", "email": f"lead{i}@example{i % 97}.com",
                "phone": f"555{i % 10_000_000:07d}", "city": "Austin", "state": "tx", "source": "web",
                "age": 18 + i % 50, "income": 30_000 + (i % 9) * 10_000}})
        return out

    def batch(self, n: int) -> float:
        body = json.dumps({"leads": self.leads(n), "options": {"continue_on_error": True, "max_concurrent": 10}})
        started = time.perf_counter()
        r = self.client.post(f"/leadconduit/api/v1/flows/{FLOW}/leads/batch", headers=self.h, data=body)
        elapsed = time.perf_counter() - started
        result = r.get_json()
        assert r.status_code == 207 and result["total_leads"] == n, r.get_data(as_text=True)[:300]
        assert 0 < result["successful"] < n  # the criteria accept some and reject others
        return elapsed

    def submit(self) -> None:
        r = self.client.post(f"/leadconduit/api/v1/flows/{FLOW}/leads", headers=self.h,
                             data=json.dumps({"lead": self.leads(1)[0]["lead"]}))
        assert r.status_code == 201, r.get_data(as_text=True)

    def close(self) -> None:
        self.app.extensions["sim"].close()


def bench_batch(n: int, runs: int, webhooks: bool = False) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        world = _World(tmp)
        if webhooks:
            world.settings({"notifications": {"webhook_url": "http://127.0.0.1:9/leadconduit"}})
        world.batch(min(n, 50))  # warm-up: imports, schema compilation, indexes
        times = [world.batch(n) for _ in range(runs)]
        world.close()
    return statistics.median(times)


def bench_single(n: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        world = _World(tmp)
        world.submit()
        started = time.perf_counter()
        for _ in range(n):
            world.submit()
        elapsed = time.perf_counter() - started
        world.close()
    return n / elapsed


def run(quick: bool = False) -> list[dict]:
    n, runs, singles = (50, 1, 50) if quick else (1000, 5, 500)
    plain = bench_batch(n, runs)
    hooked = bench_batch(n, runs, webhooks=True)
    rate = bench_single(singles)
    return [
        {"name": f"batch of {n} leads (2 enhancements + criteria), median of {runs}", "value": plain, "unit": "s",
         "target": "< 1 s", "ok": plain < 1.0},
        {"name": "same batch with webhook_url set (2-3 signed webhooks queued per lead)", "value": hooked, "unit": "s",
         "target": None, "ok": None},
        {"name": "single lead submits", "value": rate, "unit": "leads/s", "target": None, "ok": None},
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
