"""`leadsim serve`: start-up output, refusing unsafe binds, clean stop on SIGTERM, restart on the same store."""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys

import pytest
import requests
from click.testing import CliRunner

from sim.cli import cli
from sim.client import Client

pytestmark = pytest.mark.slow


class Served:
    """``python -m sim serve ...`` in a subprocess, with the first line it printed."""

    def __init__(self, *args: str, cwd: str):
        self.proc = subprocess.Popen([sys.executable, "-m", "sim", "serve", "--port", "0", *args], cwd=cwd,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        assert ready, "leadsim serve printed nothing within 60 s"
        self.first_line = self.proc.stdout.readline()
        assert self.first_line, self.proc.stderr.read()

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str, str]:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        self.proc.wait(timeout=30)
        # read what readline() left in the buffer, then the rest (the output is a few lines: no pipe fills up)
        return self.proc.returncode, self.proc.stdout.read(), self.proc.stderr.read()


@pytest.fixture
def serve(tmp_path):
    started: list[Served] = []

    def start(*args: str) -> Served:
        s = Served(*args, cwd=str(tmp_path))
        started.append(s)
        return s
    yield start
    for s in started:
        if s.proc.poll() is None:
            s.proc.kill()
            s.proc.wait(timeout=10)


def test_serve_json_prints_one_line_with_urls_and_the_default_keys(serve):
    from sim.vendors import SPECS

    info = json.loads(serve("--store", "memory", "--json").first_line)
    url = info["url"]
    assert url.startswith("http://127.0.0.1:")
    assert info["control"] == f"{url}/_sim"
    assert info["workspace"] == "default"
    assert info["vendors"] == {s.name: [url + m for m in s.mounts] for s in SPECS}
    assert sorted(info["keys"]) == sorted(s.name for s in SPECS)
    assert info["clock"]["mode"] == "manual"


def test_serve_answers_health_as_soon_as_it_has_printed(serve):
    info = json.loads(serve("--store", "memory", "--json").first_line)
    resp = requests.get(f"{info['url']}/_sim/health", timeout=10)
    assert resp.status_code == 200
    assert resp.json()["status"] == "ok"


def test_serve_human_output_names_the_url_and_store(serve):
    served = serve("--store", "memory")
    assert served.first_line.startswith("leadsim ")
    assert " serving on http://127.0.0.1:" in served.first_line
    assert served.first_line.rstrip().endswith("(store: memory)")
    url = served.first_line.split()[4]
    banner = [served.proc.stdout.readline()]
    while banner[-1] and not banner[-1].rstrip().endswith("Ctrl-C stops."):
        banner.append(served.proc.stdout.readline())
    assert banner[0] == f"control API: {url}/_sim\n"
    assert banner[-1].startswith("clock of 'default': ")
    assert banner[-1].rstrip().endswith("(manual).  Ctrl-C stops.")
    code, _, err = served.stop()
    assert code == 0
    assert err == "leadsim stopped; the store is compacted.\n"


def test_sigterm_stops_cleanly_and_compacts_the_store(serve, tmp_path):
    served = serve("--store", "data", "--json")
    ws = Client(json.loads(served.first_line)["url"]).create_workspace(name="kept")
    code, _, err = served.stop()
    assert code == 0
    assert "Traceback" not in err
    assert (tmp_path / "data" / "log.jsonl").stat().st_size == 0
    assert ws["id"] in json.loads((tmp_path / "data" / "db.json").read_text())["workspaces"]


def test_a_restart_on_the_same_store_keeps_workspaces_and_keys(serve):
    first = serve("--store", "data", "--json")
    ws = Client(json.loads(first.first_line)["url"]).create_workspace(name="kept")
    first.stop()
    second = Client(json.loads(serve("--store", "data", "--json").first_line)["url"])
    assert second.get_workspace(ws["id"])["keys"] == ws["keys"]


def test_sigint_stops_cleanly_too(serve):
    served = serve("--store", "memory", "--json")
    code, _, err = served.stop(signal.SIGINT)
    assert code == 0
    assert "Traceback" not in err


def test_serve_with_an_admin_token_requires_it_on_the_control_api(serve):
    info = json.loads(serve("--store", "memory", "--admin-token", "t0k", "--json").first_line)
    assert requests.get(f"{info['url']}/_sim/workspaces", timeout=10).status_code == 401
    ok = requests.get(f"{info['url']}/_sim/workspaces", headers={"Authorization": "Bearer t0k"}, timeout=10)
    assert ok.status_code == 200


def test_serve_refuses_a_non_loopback_host_without_an_admin_token(tmp_path):
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--store", str(tmp_path / "s")])
    assert result.exit_code == 2
    assert "refusing to bind 0.0.0.0" in result.stderr
    assert "--admin-token" in result.stderr
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.5"])
def test_loopback_hosts_need_no_admin_token(host):
    from sim.cli import is_loopback

    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_other_hosts_are_not_loopback(host):
    from sim.cli import is_loopback

    assert not is_loopback(host)


def test_serve_rejects_an_unknown_clock_mode():
    result = CliRunner().invoke(cli, ["serve", "--clock", "fast", "--store", "memory"])
    assert result.exit_code == 2
    assert "clock mode must be manual, realtime or <N>x with 0 < N <= 10000 (like 60x), not 'fast'" in result.stderr


def test_serve_rejects_an_unknown_vendor():
    result = CliRunner().invoke(cli, ["serve", "--vendor", "nope", "--port", "0", "--store", "memory"])
    assert result.exit_code == 2
    assert "unknown vendor 'nope'" in result.stderr


def test_serve_on_a_taken_port_says_so_and_opens_no_store(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "--port", str(port), "--store", str(tmp_path / "s")])
    assert result.exit_code == 1
    assert f"cannot serve on 127.0.0.1:{port}: Address already in use" in result.stderr
    assert not (tmp_path / "s").exists()


def test_serve_rejects_a_start_that_is_not_iso():
    result = CliRunner().invoke(cli, ["serve", "--start", "tomorrow", "--store", "memory"])
    assert result.exit_code == 2
    assert "'tomorrow' is not an ISO-8601 time" in result.stderr


def test_the_leadsim_console_script_is_installed():
    script = os.path.join(os.path.dirname(sys.executable), "leadsim")
    proc = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    assert "serve" in proc.stdout


def test_serve_banner_lists_each_vendor_url_and_default_key(capsys):
    from sim.cli import LiveServer, _print_serve_info, _serve_info
    from sim.config import Config
    from tests.support.toyvendor import toy_spec

    live = LiveServer.create(Config(store="memory"), [toy_spec()], port=0)
    try:
        _print_serve_info(_serve_info(live, live.sim.config))
    finally:
        live.close()
    out = capsys.readouterr().out
    key = live.sim.keys("default")["toy"]
    assert ["toy", f"{live.url}/toy/v1", key] in [line.split() for line in out.splitlines()]
    assert ("also accepted on workspace 'default' (the vendors' documented placeholders; see the README for reserved keys):\n"
            "  toy: TOY_KEY\n") in out


def other_spec():
    """A second toy vendor under another name, to show what --vendor leaves out."""
    from dataclasses import replace

    from tests.support.toyvendor import toy_spec

    return replace(toy_spec(), name="other", title="Other", mounts=["/other/v1"], jobs={}, controls=None)


def test_vendor_mode_serves_only_that_vendor_at_its_real_roots():
    from sim.cli import LiveServer, _serve_info
    from sim.config import Config
    from tests.support.toyvendor import toy_spec

    live = LiveServer.create(Config(store="memory", vendor="toy"), [toy_spec(), other_spec()], port=0).start()
    try:
        assert live.vendor_urls() == {"toy": [f"{live.url}/v1"]}
        info = _serve_info(live, live.sim.config)
        assert (list(info["keys"]), list(info["placeholder_keys"])) == (["toy"], ["toy"])
        key = live.sim.keys("default")["toy"]
        resp = requests.get(f"{live.url}/v1/things/thing_fixture", headers={"Authorization": f"Bearer {key}"}, timeout=10)
        assert resp.status_code == 200
    finally:
        live.stop()
