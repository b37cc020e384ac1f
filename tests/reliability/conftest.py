"""`leadsim serve` processes for the reliability tests: started on a free loopback port, killed afterwards."""

from __future__ import annotations

import json
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


class Served:
    """``python -m sim serve --port 0 --json ...`` in a subprocess; ``info`` is its start-up line."""

    def __init__(self, *args: str, cwd: str):
        self.proc = subprocess.Popen([sys.executable, "-m", "sim", "serve", "--port", "0", "--json", *args], cwd=cwd,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        assert ready, "leadsim serve printed nothing within 60 s"
        line = self.proc.stdout.readline()
        self.info = json.loads(line) if line else None

    @property
    def url(self) -> str:
        return self.info["url"]

    def finish(self, timeout: float = 30) -> tuple[int, str]:
        """Wait for the process to end by itself: (exit status, stderr)."""
        self.proc.wait(timeout=timeout)
        return self.proc.returncode, self.proc.stderr.read()

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=30)


@pytest.fixture
def serve(tmp_path):
    """``serve("--store", path)`` starts a server (killed at the end of the test)."""
    started: list[Served] = []

    def start(*args: str) -> Served:
        s = Served(*args, cwd=str(tmp_path))
        started.append(s)
        return s
    yield start
    for s in started:
        s.kill()
        for pipe in (s.proc.stdout, s.proc.stderr):
            pipe.close()
