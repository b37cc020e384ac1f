"""Served throughput, start-up time and memory, each against the bar of DESIGN section 6.

(a) a vendor GET of one resource vs a bare Flask endpoint returning constant JSON, (b) a durable vendor
create vs a bare Flask POST. Each side is its own server process with the waitress options of
``leadsim serve``; both stay up, and the same load (``CONNECTIONS`` keep-alive connections from ``wrk``
when it is installed, else from Python threads on ``http.client``) alternates between them in
back-to-back slices. (c) start-up of ``leadsim serve`` to its first 200. (d) resident memory added by
100,000 leads.

The vendor side is the toy vendor until real vendors land: switching is a one-line change of
``VENDOR`` (see ``LEADTERRA``).
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.support import toyserver

ROOT = Path(__file__).resolve().parents[1]
THREADS = 8        # waitress worker threads, both servers (the default of `leadsim serve`)
CONNECTIONS = 4     # concurrent keep-alive client connections
LEADS = 100_000


@dataclass(frozen=True)
class Target:
    """Which vendor endpoints stand for "a vendor GET of one resource" and "a durable vendor create"."""

    vendor: str                          # the key of this vendor (from the default workspace) is sent
    read: str                            # GET path
    create: str                          # POST path
    create_body: dict = field(default_factory=dict)
    registry: bool = False               # mount the registered vendors (sim.vendors.SPECS) too


TOY = Target(vendor="toy", read="/toy/v1/things/thing_fixture", create="/toy/v1/things", create_body={"name": "bench"})
LEADTERRA = Target(vendor="leadterra", read="/leadterra/v1/sender-pools", create="/leadterra/v1/campaigns",
                   create_body={"name": "Bench campaign"}, registry=True)
VENDOR = LEADTERRA  # real vendor endpoints: the seed's first call (sender pools) and campaign create
# More vendors' hot endpoints (a GET of one resource, a create), each measured against the same bare server and
# printed as its own ratio rows. A target whose vendor is not mounted is skipped. Add Cluetik's and AutoReach's here.
EXTRA: list[Target] = []

BARE_BODY = {"id": "thing_fixture", "name": "From fixtures", "created": "2026-01-01T00:00:00Z", "pings": 0, "word": "fixture"}


# --- the bare Flask server --------------------------------------------------------------------------
def bare_app():
    from flask import Flask, request

    app = Flask("bare")

    @app.get("/bare")
    def bare_get():
        return BARE_BODY

    @app.post("/bare")
    def bare_post():
        request.get_json()
        return BARE_BODY, 201

    return app


def serve_bare(port: int, threads: int) -> None:
    from waitress.server import create_server

    server = create_server(bare_app(), host="127.0.0.1", port=port, threads=threads, **toyserver.WAITRESS)
    print(json.dumps({"port": server.effective_port, "keys": {}, "pid": os.getpid()}), flush=True)
    server.run()


def start_bare(threads: int) -> toyserver.ToyServer:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen([sys.executable, "-m", "bench.bench_server", "--bare", "--threads", str(threads)], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    info = json.loads(proc.stdout.readline() or "null") or {}
    if "port" not in info:
        proc.kill()
        raise RuntimeError("bare server did not start")
    return toyserver.ToyServer(proc=proc, port=info["port"], keys={})


# --- load generation ------------------------------------------------------------------------------
@dataclass
class Load:
    rps: float
    ok: int
    failed: int
    client: str


def python_load(port: int, method: str, path: str, headers: dict, body: bytes | None, seconds: float,
                connections: int) -> Load:
    """``connections`` threads, each with one keep-alive ``http.client`` connection."""
    counts = [[0, 0] for _ in range(connections)]
    start = threading.Barrier(connections + 1)
    deadline = [0.0]

    def worker(slot: list[int]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        start.wait()
        while time.perf_counter() < deadline[0]:
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
                slot[0 if 200 <= resp.status < 300 else 1] += 1
            except (OSError, http.client.HTTPException):
                slot[1] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.close()

    workers = [threading.Thread(target=worker, args=(c,), daemon=True) for c in counts]
    for w in workers:
        w.start()
    t0 = time.perf_counter()
    deadline[0] = t0 + seconds
    start.wait()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - t0
    ok, failed = sum(c[0] for c in counts), sum(c[1] for c in counts)
    return Load(rps=ok / elapsed, ok=ok, failed=failed, client=f"Python http.client, {connections} connections")


def wrk_load(port: int, method: str, path: str, headers: dict, body: bytes | None, seconds: float,
             connections: int) -> Load:
    lines = [f"wrk.method = {json.dumps(method)}"]
    if body is not None:
        lines.append(f"wrk.body = {json.dumps(body.decode())}")
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write("\n".join(lines) + "\n")
        script = fh.name
    try:
        out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "-s", script,
                              f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script)
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    failed = (int(bad.group(1)) if bad else 0) + (sum(map(int, errors.groups())) if errors else 0)
    elapsed = re.search(r"requests in ([\d.]+)(ms|s|m)", out)
    scale = {"ms": 0.001, "s": 1.0, "m": 60.0}[elapsed.group(2)]
    ok = total - (int(bad.group(1)) if bad else 0)
    return Load(rps=ok / (float(elapsed.group(1)) * scale), ok=ok, failed=failed, client=f"wrk, {connections} connections")


def load(port: int, method: str, path: str, headers: dict, body: bytes | None, seconds: float) -> Load:
    generate = wrk_load if shutil.which("wrk") and seconds >= 1 else python_load
    return generate(port, method, path, headers, body, seconds, CONNECTIONS)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of every thread of process ``pid``."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Sample:
    rps: float
    cpu_per_request: float  # server CPU seconds per answered request
    failed: int
    client: str


@dataclass
class Side:
    server: toyserver.ToyServer
    method: str
    path: str
    headers: dict
    body: bytes | None

    def sample(self, seconds: float) -> Sample:
        cpu0 = cpu_seconds(self.server.proc.pid)
        result = load(self.server.port, self.method, self.path, self.headers, self.body, seconds)
        cpu = cpu_seconds(self.server.proc.pid) - cpu0
        return Sample(rps=result.rps, cpu_per_request=cpu / max(1, result.ok), failed=result.failed, client=result.client)


@dataclass
class Comparison:
    bare: list[Sample]
    vendor: list[Sample]

    @property
    def ratio(self) -> float:
        """Median over the pairs of vendor req/s / bare req/s (each pair measured back to back)."""
        return statistics.median(v.rps / b.rps for b, v in zip(self.bare, self.vendor, strict=True))

    @property
    def cpu_ratio(self) -> float:
        """Bare CPU per request / vendor CPU per request: the throughput ratio of a CPU-bound server."""
        return statistics.median(self._cpu(b) / self._cpu(v) for b, v in zip(self.bare, self.vendor, strict=True))

    @staticmethod
    def _cpu(s: Sample) -> float:
        return max(s.cpu_per_request, 1e-9)

    def rps(self, side: str) -> float:
        return statistics.median(s.rps for s in getattr(self, side))

    def cpu_us(self, side: str) -> float:
        return statistics.median(s.cpu_per_request for s in getattr(self, side)) * 1e6

    @property
    def failed(self) -> int:
        return sum(s.failed for s in self.bare + self.vendor)


def compare(bare: Side, vendor: Side, seconds: float, pairs: int) -> Comparison:
    """Alternate bare and vendor in back-to-back slices, so slow drifts of a shared machine hit both alike."""
    bare.sample(min(seconds, 1.0))  # warm-up
    vendor.sample(min(seconds, 1.0))
    out = Comparison([], [])
    for i in range(pairs):
        first, second = (bare, vendor) if i % 2 == 0 else (vendor, bare)
        a, b = first.sample(seconds), second.sample(seconds)
        out.bare.append(a if first is bare else b)
        out.vendor.append(b if first is bare else a)
    return out


def side_by_side(target: Target, seconds: float, pairs: int,
                 extra: list[Target] | None = None) -> dict[str, Comparison]:
    """Read and write comparisons, bare Flask vs the vendor, both servers up for the whole run.

    Each mounted vendor of ``extra`` adds ``"<vendor> read"`` and ``"<vendor> write"`` against the same bare server."""
    json_type = {"Content-Type": "application/json"}
    out: dict[str, Comparison] = {}
    with tempfile.TemporaryDirectory(prefix="leadsim-bench-") as tmp:
        bare = start_bare(THREADS)
        try:
            vendor = toyserver.start(f"{tmp}/store", threads=THREADS, registry=True)
            try:
                for n, t in enumerate([target, *(extra or [])]):
                    if t.vendor not in vendor.keys:
                        continue
                    label = "" if n == 0 else f"{t.vendor} "
                    body = json.dumps(t.create_body).encode()
                    auth = {"Authorization": f"Bearer {vendor.keys[t.vendor]}"}
                    out[label + "read"] = compare(Side(bare, "GET", "/bare", {}, None),
                                                  Side(vendor, "GET", t.read, auth, None), seconds, pairs)
                    out[label + "write"] = compare(Side(bare, "POST", "/bare", json_type, body),
                                                   Side(vendor, "POST", t.create, {**auth, **json_type}, body),
                                                   seconds, pairs)
            finally:
                vendor.stop()
        finally:
            bare.stop()
    return out


# --- in-process cost ---------------------------------------------------------------------------
def wsgi_call(app, method: str, path: str, headers: dict, body: bytes | None):
    """A function making one WSGI call of ``app`` (no socket, no server), consuming the response."""
    import io

    from werkzeug.test import EnvironBuilder

    environ = EnvironBuilder(path=path, method=method, headers=headers, data=body).get_environ()
    data = body or b""

    def call() -> None:
        env = dict(environ)
        env["wsgi.input"] = io.BytesIO(data)
        out = app(env, lambda status, headers, exc_info=None: None)
        b"".join(out)
        if hasattr(out, "close"):
            out.close()

    return call


def app_cpu(target: Target, rounds: int, per_round: int) -> dict[str, float]:
    """CPU seconds per request spent in the WSGI app alone (bare Flask vs the vendor pipeline).

    The best of ``rounds`` blocks, alternating the four calls: the leadsim-side cost of a request, which
    a busy machine disturbs far less than served throughput.
    """
    from sim.app import create_app
    from sim.config import Config
    from tests.support.toyvendor import toy_spec

    with tempfile.TemporaryDirectory(prefix="leadsim-bench-") as tmp:
        specs = [toy_spec(limit=10**9)]
        if target.registry:
            from sim.vendors import SPECS
            specs += list(SPECS)
        app = create_app(Config(store=f"{tmp}/store"), specs)
        key = app.extensions["sim"].keys("default")[target.vendor]
        auth = {"Authorization": f"Bearer {key}"}
        json_type = {"Content-Type": "application/json"}
        body = json.dumps(target.create_body).encode()
        bare = bare_app()
        calls = {
            "bare_get": wsgi_call(bare, "GET", "/bare", {}, None),
            "vendor_get": wsgi_call(app, "GET", target.read, auth, None),
            "bare_post": wsgi_call(bare, "POST", "/bare", json_type, body),
            "vendor_post": wsgi_call(app, "POST", target.create, {**auth, **json_type}, body),
        }
        best = dict.fromkeys(calls, float("inf"))
        for _ in range(rounds):
            for name, call in calls.items():
                t0 = time.process_time()
                for _ in range(per_round):
                    call()
                best[name] = min(best[name], (time.process_time() - t0) / per_round)
        app.extensions["sim"].close()
    return best


# --- start-up -------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_command(store: str, port: int) -> tuple[list[str], str]:
    """``leadsim serve`` when the CLI exists, else create_app + waitress (the toy server with the registry)."""
    if importlib.util.find_spec("sim.cli") is not None:
        return [sys.executable, "-m", "sim", "serve", "--host", "127.0.0.1", "--port", str(port), "--store", store], \
            "leadsim serve"
    return [sys.executable, "-m", "tests.support.toyserver", "--registry", "--store", store, "--port", str(port)], \
        "create_app + waitress (no `leadsim serve` yet)"


def time_to_first_200(store: str, timeout: float = 20.0) -> tuple[float, str]:
    port = free_port()
    cmd, label = serve_command(store, port)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - t0 < timeout:
            if proc.poll() is not None:
                raise RuntimeError(f"{label} exited with {proc.returncode} before answering")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                conn.request("GET", "/_sim/health")
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    return time.perf_counter() - t0, label
            except OSError:
                pass
            time.sleep(0.005)
        raise RuntimeError(f"{label} did not answer /_sim/health within {timeout} s")
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def startup(rounds: int) -> tuple[float, str]:
    times = []
    with tempfile.TemporaryDirectory(prefix="leadsim-bench-") as tmp:
        for r in range(rounds):
            seconds, label = time_to_first_200(f"{tmp}/store-{r}")
            times.append(seconds)
    return statistics.median(times), label


# --- memory ---------------------------------------------------------------------------------------
MEMORY_SCRIPT = """
import gc, json, sys
from bench.bench_server import rss_bytes
from bench.bench_store import lead
from sim.app import create_app
from sim.config import Config
from sim.core.ids import IdSource
from tests.support.toyvendor import toy_spec

store, count = sys.argv[1], int(sys.argv[2])
app = create_app(Config(store=store), [toy_spec()])
sim = app.extensions["sim"]
gc.collect()
before = rss_bytes()
table = sim.context("default", "toy").table("leads")
ids = IdSource("bench-memory")
for start in range(0, count, 5000):
    with sim.store.batch():
        for n in range(start, min(count, start + 5000)):
            table.put(*lead(ids, n))
gc.collect()
created = rss_bytes() - before
sim.close()
print(json.dumps({"created": created}))
"""

RELOAD_SCRIPT = """
import gc, json, sys
from bench.bench_server import rss_bytes
from sim.app import create_app
from sim.config import Config
from tests.support.toyvendor import toy_spec

gc.collect()
before = rss_bytes()
app = create_app(Config(store=sys.argv[1]), [toy_spec()])
gc.collect()
print(json.dumps({"loaded": rss_bytes() - before, "leads": len(app.extensions["sim"].context("default", "toy").table("leads"))}))
"""


def rss_bytes() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("VmRSS not found in /proc/self/status")


def memory(count: int) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    with tempfile.TemporaryDirectory(prefix="leadsim-bench-") as tmp:
        out = {}
        for script, args in ((MEMORY_SCRIPT, [tmp, str(count)]), (RELOAD_SCRIPT, [tmp])):
            done = subprocess.run([sys.executable, "-c", script, *args], cwd=ROOT, env=env, capture_output=True,
                                  text=True, check=True)
            out.update(json.loads(done.stdout.strip().splitlines()[-1]))
    return out


# --- the benchmark --------------------------------------------------------------------------------
def run(quick: bool = False) -> list[dict]:
    seconds, pairs = (0.3, 1) if quick else (2.0, 5)
    tp = side_by_side(VENDOR, seconds, pairs, EXTRA)
    cpu = app_cpu(VENDOR, *((3, 20) if quick else (40, 100)))
    read, write = tp["read"], tp["write"]
    client = read.bare[0].client
    boot, boot_label = startup(1 if quick else 5)
    leads = 2_000 if quick else LEADS
    mem = memory(leads)
    failed = read.failed + write.failed
    mb = 1024 * 1024
    rows = [
        {"name": "load generator (wrk when on PATH, else Python threads on http.client)", "value": client, "unit": ""},
        {"name": f"bare Flask GET ({client}, waitress {THREADS} threads)", "value": read.rps("bare"), "unit": "req/s"},
        {"name": f"vendor GET {VENDOR.read}", "value": read.rps("vendor"), "unit": "req/s"},
        {"name": f"read ratio, vendor GET / bare GET ({client}, median of {pairs} paired slices)",
         "value": read.ratio, "unit": "x", "target": ">= 0.70",
         "ok": read.ratio >= 0.70},
        {"name": "server CPU per GET, bare / vendor", "value": f"{read.cpu_us('bare'):.0f} / {read.cpu_us('vendor'):.0f}",
         "unit": "µs"},
        {"name": "read ratio by server CPU per request", "value": read.cpu_ratio, "unit": "x"},
        {"name": "bare Flask POST", "value": write.rps("bare"), "unit": "req/s"},
        {"name": f"vendor create POST {VENDOR.create} (durable)", "value": write.rps("vendor"), "unit": "req/s"},
        {"name": f"write ratio, vendor POST / bare POST ({client}, median of {pairs} paired slices)",
         "value": write.ratio, "unit": "x", "target": ">= 0.50",
         "ok": write.ratio >= 0.50},
        {"name": "server CPU per POST, bare / vendor",
         "value": f"{write.cpu_us('bare'):.0f} / {write.cpu_us('vendor'):.0f}", "unit": "µs"},
        {"name": "write ratio by server CPU per request", "value": write.cpu_ratio, "unit": "x"},
        {"name": "in-process app CPU per GET, bare / vendor (WSGI call, best block)",
         "value": f"{cpu['bare_get'] * 1e6:.0f} / {cpu['vendor_get'] * 1e6:.0f}", "unit": "µs"},
        {"name": "in-process app CPU per POST, bare / vendor (WSGI call, best block)",
         "value": f"{cpu['bare_post'] * 1e6:.0f} / {cpu['vendor_post'] * 1e6:.0f}", "unit": "µs"},
    ]
    for t in EXTRA:
        for kind, verb, bar in (("read", f"GET {t.read}", 0.70), ("write", f"POST {t.create} (durable)", 0.50)):
            c = tp.get(f"{t.vendor} {kind}")
            if c is None:
                continue
            failed += c.failed
            rows.append({"name": f"{kind} ratio, {t.vendor} {verb} / bare ({client}, median of {pairs} paired slices)",
                         "value": c.ratio, "unit": "x", "target": f">= {bar:.2f}", "ok": c.ratio >= bar})
    rows += [
        {"name": "failed requests (non-2xx or socket errors)", "value": failed, "unit": "", "target": "0", "ok": failed == 0},
        {"name": f"start-up to first 200: {boot_label}", "value": boot, "unit": "s", "target": "< 1", "ok": boot < 1.0},
        {"name": f"RSS added by creating {leads:,} leads", "value": mem["created"] / mb, "unit": "MB", "target": "< 500",
         "ok": mem["created"] / mb < 500},
        {"name": f"RSS added by loading {mem['leads']:,} leads at restart", "value": mem["loaded"] / mb, "unit": "MB",
         "target": "< 500", "ok": mem["loaded"] / mb < 500},
    ]
    return [{"target": None, "ok": None, **row} for row in rows]


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.bench_server", description="Serve the bare Flask app used as the baseline.")
    parser.add_argument("--bare", action="store_true", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--threads", type=int, default=THREADS)
    args = parser.parse_args()
    serve_bare(args.port, args.threads)


if __name__ == "__main__":
    main()
