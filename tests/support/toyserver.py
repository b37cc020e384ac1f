"""A real leadsim server process with the toy vendor on a file store, for process-level tests and benchmarks.

``python -m tests.support.toyserver --store DIR [--port 0] [--threads 8] [--registry]`` builds
``create_app`` with the toy vendor (plus the registered vendors with ``--registry``), serves it with
waitress on 127.0.0.1, and prints one JSON line ``{"port": ..., "keys": {...}, "pid": ...}`` once the
socket is listening. ``start()`` runs it as a subprocess and returns a handle with that line parsed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The waitress options of `leadsim serve` (sim/cli.py), so process-level tests and benchmarks see the same server.
WAITRESS = {"asyncore_use_poll": True, "connection_limit": 1000}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="toyserver")
    parser.add_argument("--store", required=True, help="store directory, or 'memory'")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--registry", action="store_true", help="also mount the vendors of sim.vendors.SPECS")
    args = parser.parse_args(argv)

    from waitress.server import create_server

    from sim.app import create_app
    from sim.cli import tune_gc
    from sim.config import Config
    from tests.support.toyvendor import toy_spec

    specs = [toy_spec(limit=10**9)]
    if args.registry:
        from sim.vendors import SPECS
        specs += list(SPECS)
    app = create_app(Config(store=args.store), specs)
    sim = app.extensions["sim"]
    server = create_server(app, host="127.0.0.1", port=args.port, threads=args.threads, **WAITRESS)
    tune_gc()  # as `leadsim serve` does
    print(json.dumps({"port": server.effective_port, "keys": sim.keys("default"), "pid": os.getpid()}), flush=True)
    try:
        server.run()
    finally:
        sim.close()


@dataclass
class ToyServer:
    proc: subprocess.Popen
    port: int
    keys: dict

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self, timeout: float = 10) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def start(store: str | os.PathLike, *, port: int = 0, threads: int = 8, registry: bool = False,
          python: str = sys.executable, stderr=subprocess.DEVNULL) -> ToyServer:
    """Start the server in a subprocess and wait for its ready line (raises if it exits first)."""
    cmd = [python, "-m", "tests.support.toyserver", "--store", str(store), "--port", str(port), "--threads", str(threads)]
    if registry:
        cmd.append("--registry")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True)
    line = proc.stdout.readline()
    if not line:
        proc.wait(10)
        raise RuntimeError(f"toyserver exited with {proc.returncode} before it was ready")
    info = json.loads(line)
    return ToyServer(proc=proc, port=info["port"], keys=info["keys"])


if __name__ == "__main__":
    main()
