"""The rehearsal report of a workspace whose journal holds 100,000 entries (target < 2 s).

A few hundred real requests (Leadterra, Puffle, LeadConduit: reads, writes, 404s, rate-limited retries, Puffle
polls and launches) are made over the in-process HTTP stack; their journal entries are then recorded again
through the journal, with fresh real and workspace times, until the journal holds 100,000 entries. The figure is
the time of ``GET /_sim/workspaces/{id}/report`` (every rule, JSON included), median of three runs.
"""

from __future__ import annotations

import statistics
import time

from sim.app import create_app
from sim.config import Config
from sim.vendors import SPECS

TARGET_S = 2.0


def run(quick: bool = False) -> list[dict]:
    entries = 2_000 if quick else 100_000
    app = create_app(Config(store="memory"), list(SPECS))
    sim = app.extensions["sim"]
    sim.journal.max_entries = entries + 1000
    client = app.test_client()
    ws = client.post("/_sim/workspaces", json={"seed": 7, "start": "2026-04-20T13:00:00Z"}).get_json()
    wid = ws["id"]

    def h(v):
        return {"Authorization": "Bearer " + ws["keys"][v]}

    client.post(f"/_sim/workspaces/{wid}/faults", json={"vendor": "leadterra", "method": "GET", "status": 429,
                                                         "retry_after": 5, "probability": 0.2})
    camp = client.post("/puffle/api/campaigns", headers=h("puffle"), json={
        "type": "email", "name": "bench", "sender_account_ids": ["3f1c9a52-7b1e-4c2d-9a7e-1b2c3d4e5f60"]}).get_json()
    cid = camp["campaign"]["id"]
    for i in range(10 if quick else 100):
        client.get("/leadterra/v1/sender-pools", headers=h("leadterra"))
        client.post("/leadterra/v1/campaigns/camp_missing/start", headers=h("leadterra"))
        client.get(f"/puffle/api/campaigns/{cid}", headers=h("puffle"))
        client.post(f"/puffle/api/campaigns/{cid}/launch", headers=h("puffle"))
        client.post("/leadconduit/api/v1/flows/flow_789xyz/leads", headers=h("leadconduit"),
                    json={"lead": {"email": f"b{i % 30}@example.com", "phone": "5551234567"}})
    seed = [dict(e) for e in sim.journal.table(wid)]
    with sim.store.batch():
        real = time.time()
        for n in range(entries - len(seed)):
            e = dict(seed[n % len(seed)])
            e.pop("seq", None)
            e["real_at"] = real + n * 0.01
            sim.journal.record(wid, e)
    size = len(sim.journal.table(wid))
    times = []
    for _ in range(3):
        started = time.perf_counter()
        r = client.get(f"/_sim/workspaces/{wid}/report")
        times.append(time.perf_counter() - started)
        assert r.status_code == 200
    rep = r.get_json()
    sim.close()
    median = statistics.median(times)
    return [
        {"name": f"report of a {size:,}-entry journal", "value": median, "unit": "s", "target": f"< {TARGET_S:g} s",
         "ok": median < TARGET_S},
        {"name": "findings in that report", "value": len(rep["findings"]), "unit": "findings", "target": None, "ok": None},
    ]
