"""The ``leadsim`` command: ``serve`` runs the simulator; the other commands drive a running one over /_sim."""

from __future__ import annotations

import contextlib
import json
import math
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import click

from sim import __version__

DEFAULT_URL = "http://127.0.0.1:8080"
EXIT_ERROR = 1        # the server answered with an error
EXIT_UNREACHABLE = 3  # no server answers at --url
HUMAN_JOURNAL_LIMIT = 50
ADVANCE_CHUNK = 86400  # a longer advance on a terminal goes a simulated day per call, with a progress bar


# --- serving ------------------------------------------------------------------------------------
def is_loopback(host: str) -> bool:
    from sim.core.webhooks import is_loopback_host  # imported late: `serve` starts faster without it

    return is_loopback_host(host.strip())


def bind(host: str, port: int) -> socket.socket:
    """A listening-ready socket on (host, port); OSError when the address is taken or unknown."""
    family, kind, proto, _, address = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


def tune_gc() -> None:
    """Collector settings of a serving process, called once the app is built.

    ``gc.freeze()`` moves the start-up heap (Flask, Faker, schemas, the loaded store) out of the collector's
    reach, and a larger first-generation threshold collects the few reference cycles of requests in bigger,
    rarer sweeps (bench/README.md has the profile behind this).
    """
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, 10, 10)


GC_THRESHOLD = 10_000


class LiveServer:
    """A simulator app served by waitress on a bound socket: ``run()`` in this thread or ``start()`` a thread.

    The socket loop runs here rather than in waitress's ``run()`` so that a stop is a flag the loop checks
    and every socket is closed by the loop's own thread.
    """

    def __init__(self, app: Any, sock: socket.socket, *, threads: int = 8):
        from waitress import create_server

        self.app = app
        self.sim = app.extensions["sim"]
        self.server = create_server(app, sockets=[sock], threads=threads, ident="leadsim",
                                    asyncore_use_poll=True, connection_limit=1000)
        host, port = sock.getsockname()[:2]
        self.host = host
        self.port = port
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{port}"
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._looped = False
        self._closed = False

    @classmethod
    def create(cls, config: Any, specs: list | None = None, *, host: str = "127.0.0.1", port: int = 0,
               threads: int = 8, app_factory: Callable | None = None) -> LiveServer:
        """Bind first (a taken port fails before the store is opened), then build the app and its ticker."""
        sock = bind(host, port)
        if getattr(config, "address", None) is None:  # the lock file names it; the Host rule of /_sim checks it
            bound = sock.getsockname()
            config.address = f"http://{f'[{bound[0]}]' if ':' in bound[0] else bound[0]}:{bound[1]}"
        try:
            if app_factory is None:
                from sim.app import create_app
                app_factory = create_app
            app = app_factory(config, specs)
            server = cls(app, sock, threads=threads)
        except BaseException:
            sock.close()
            if "app" in locals():
                app.extensions["sim"].close()
            raise
        server.sim.start_background()
        tune_gc()
        return server

    def vendor_urls(self) -> dict[str, list[str]]:
        """Base URLs of every mounted vendor: its mounts on the shared port, or its real roots in --vendor mode."""
        config = self.sim.config
        return {name: [self.url + p for p in (spec.roots if config.vendor else spec.mounts)]
                for name, spec in self.sim.specs.items() if config.vendor in (None, name)}

    def _loop(self) -> None:
        from waitress import wasyncore

        self._looped = True
        sockets = self.server._map
        try:
            while sockets and not self._stopping.is_set():
                wasyncore.loop(timeout=self.server.adj.asyncore_loop_timeout, map=sockets, use_poll=True, count=1)
        finally:
            wasyncore.close_all(sockets, ignore_all=True)

    def run(self) -> None:
        """Serve in this thread until KeyboardInterrupt (Ctrl-C, or SIGTERM in ``serve``), then close everything."""
        try:
            self._loop()
        except KeyboardInterrupt:
            pass
        finally:
            self.close()

    def start(self) -> LiveServer:
        self._thread = threading.Thread(target=self._loop, name="leadsim-waitress", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop a ``start()``ed server from another thread and close the simulator."""
        self._stopping.set()
        if self._thread is not None:
            try:
                self.server.pull_trigger()  # wake the loop now rather than at its poll timeout
            except OSError:
                pass
            self._thread.join(timeout=30)
            self._thread = None
        self.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._stopping.set()
        if not self._looped:
            from waitress import wasyncore
            wasyncore.close_all(self.server._map, ignore_all=True)
        self.server.task_dispatcher.shutdown()
        self.sim.close()


# --- output -------------------------------------------------------------------------------------
@dataclass
class Settings:
    url: str = DEFAULT_URL
    admin_token: str | None = None
    as_json: bool = False
    _client: Any = field(default=None, repr=False)

    def client(self):
        if self._client is None:
            from sim.client import Client
            self._client = Client(self.url, admin_token=self.admin_token, timeout=60.0)
        return self._client


def console(stderr: bool = False):
    from rich.console import Console

    out = Console(stderr=stderr, highlight=False)
    if not out.is_terminal:
        # piped or captured output is for grep and scripts: one record per line, ids and URLs never cut
        out.width = 1000
        out.soft_wrap = True
    return out


def table(*columns: str, title: str | None = None):
    from rich import box
    from rich.table import Table

    return Table(*columns, title=title, box=box.SIMPLE_HEAD, show_edge=False, title_justify="left", pad_edge=False)


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False))


def show(settings: Settings, data: Any, human: Callable[[Any], None] | None = None) -> None:
    """The one output path of every command: ``data`` as JSON for programs (--json), else ``human(data)`` for people."""
    if settings.as_json:
        emit_json(data)
    elif human is not None:
        human(data)


@contextlib.contextmanager
def progress(settings: Settings, message: str) -> Iterator[None]:
    """A spinner on stderr while a long call runs, only when stderr is a terminal and output is for people."""
    err = console(stderr=True)
    if settings.as_json or not err.is_terminal:
        yield
        return
    with err.status(message):
        yield


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else _dash(value)


def _dash(value: Any) -> str:
    return "-" if value is None or value == "" else str(value)


# --- the command group --------------------------------------------------------------------------
class LeadsimGroup(click.Group):
    """Turns client errors into a message and an exit code instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from sim.client import ControlError, ServerUnavailable

        try:
            return super().invoke(ctx)
        except ServerUnavailable as exc:
            settings = ctx.find_root().obj
            if settings is not None and settings.as_json:
                emit_json({"error": "unreachable", "url": exc.url, "detail": str(exc)})
            click.echo(f"Error: {exc}. Start one with `leadsim serve`, or point --url / LEADSIM_URL at it.", err=True)
            ctx.exit(EXIT_UNREACHABLE)
        except ControlError as exc:
            settings = ctx.find_root().obj
            if settings is not None and settings.as_json:
                emit_json(exc.body if isinstance(exc.body, dict) else {"status": exc.status, "detail": exc.detail})
            click.echo(f"Error: {exc.status} {exc.title or exc.kind}: {exc.detail}", err=True)
            for problem in exc.errors:
                if isinstance(problem, dict):
                    click.echo(f"  - {problem.get('field', '?')}: {problem.get('message', '')}", err=True)
            ctx.exit(EXIT_ERROR)


def _store_setting(name: str):
    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> None:
        if value not in (None, False):
            setattr(ctx.find_root().ensure_object(Settings), name, value)
    return callback


def remote(fn: Callable) -> Callable:
    """``--url``, ``--admin-token`` and ``--json`` on a command too (they may also come before it)."""
    fn = click.option("--json", "as_json", is_flag=True, expose_value=False, callback=_store_setting("as_json"),
                      help="Print JSON for programs instead of tables.")(fn)
    fn = click.option("--admin-token", expose_value=False, callback=_store_setting("admin_token"),
                      help="Bearer token of a server started with --admin-token [env LEADSIM_ADMIN_TOKEN].")(fn)
    fn = click.option("--url", expose_value=False, callback=_store_setting("url"),
                      help=f"Base URL of the running server [env LEADSIM_URL; default {DEFAULT_URL}].")(fn)
    return click.pass_obj(fn)


@click.group(cls=LeadsimGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="leadsim")
@click.option("--url", envvar="LEADSIM_URL", default=DEFAULT_URL, show_default=True,
              help="Base URL of the running server [env LEADSIM_URL].")
@click.option("--admin-token", envvar="LEADSIM_ADMIN_TOKEN", default=None,
              help="Bearer token of a server started with --admin-token [env LEADSIM_ADMIN_TOKEN].")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for programs instead of tables.")
@click.pass_context
def cli(ctx: click.Context, url: str, admin_token: str | None, as_json: bool) -> None:
    """leadsim: a local sandbox of five lead-generation APIs.

    `leadsim serve` runs it; every other command talks to a running server's /_sim control API.
    """
    ctx.obj = Settings(url=url, admin_token=admin_token or None, as_json=as_json)


def main() -> None:
    cli(prog_name="leadsim")


# --- serve --------------------------------------------------------------------------------------
def _check_clock(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from sim.core.clock import parse_mode

    try:
        parse_mode(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free port).")
@click.option("--store", default=".leadsim", show_default=True, help="Store directory, or 'memory'.")
@click.option("--seed", default=1, show_default=True, type=int, help="Seed of the default workspace and its keys.")
@click.option("--vendor", default=None, help="Serve one vendor at its real root paths (e.g. /v1/...).")
@click.option("--clock", default="manual", show_default=True, callback=_check_clock,
              help="Clock of new workspaces: manual, realtime or <N>x (e.g. 60x).")
@click.option("--start", default=None, help="ISO start time of new workspaces (default: now).")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 512), help="waitress worker threads.")
@click.option("--admin-token", envvar="LEADSIM_ADMIN_TOKEN", default=None,
              help="Require 'Authorization: Bearer T' on /_sim (required off loopback) [env LEADSIM_ADMIN_TOKEN].")
@click.option("--fsync", is_flag=True, help="fsync every commit (survives power loss, slower).")
@click.option("--json", "as_json", is_flag=True, help="Print the start-up information as one JSON line.")
@click.pass_obj
def serve(settings: Settings, host: str, port: int, store: str, seed: int, vendor: str | None, clock: str, start: str | None,
          threads: int, admin_token: str | None, fsync: bool, as_json: bool) -> None:
    """Serve every vendor (or one, with --vendor) and the /_sim control API with waitress."""
    as_json = as_json or settings.as_json
    if not is_loopback(host) and not admin_token:
        raise click.UsageError(
            f"refusing to bind {host}: off loopback the control API (/_sim) would let anyone on the network reset "
            "or read your workspaces. Pass --admin-token T (clients then send 'Authorization: Bearer T'), "
            "or bind 127.0.0.1.")
    if start is not None:
        from sim.core.clock import parse_iso
        try:
            parse_iso(start)
        except ValueError:
            raise click.BadParameter(f"{start!r} is not an ISO-8601 time", param_hint="--start") from None
    from sim.config import Config
    from sim.core.store import StoreError

    config = Config(store=store, seed=seed, clock=clock, start=start, vendor=vendor, fsync=fsync,
                    admin_token=admin_token or None, background=True)
    try:
        server = LiveServer.create(config, host=host, port=port, threads=threads)
    except ValueError as exc:  # an unknown --vendor
        raise click.BadParameter(str(exc), param_hint="--vendor") from None
    except StoreError as exc:  # unreadable files, or another server holds the store
        raise click.ClickException(f"cannot open the store {exc.file}: {exc.reason}") from None
    except OSError as exc:
        raise click.ClickException(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None
    for repair in server.sim.repairs:
        click.echo(f"warning: {repair}", err=True)

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        info = _serve_info(server, config)
        if as_json:
            emit_json(info)
        else:
            _print_serve_info(info)
        sys.stdout.flush()
        server.run()
    except KeyboardInterrupt:
        pass  # a signal before waitress's loop took over
    finally:
        server.close()
    if not as_json:
        click.echo("leadsim stopped; the store is compacted.", err=True)


def _serve_info(server: LiveServer, config: Any) -> dict:
    default = server.sim.describe("default")
    vendors = server.vendor_urls()
    placeholders = {name: list(spec.placeholder_keys) for name, spec in server.sim.specs.items()
                    if spec.placeholder_keys and name in vendors}
    return {"url": server.url, "control": f"{server.url}/_sim", "version": __version__, "vendor": config.vendor,
            "vendors": vendors, "store": config.store, "workspace": default["id"],
            "keys": {name: key for name, key in default["keys"].items() if name in vendors},
            "placeholder_keys": placeholders, "clock": default["clock"], "admin_token": bool(config.admin_token)}


def _print_serve_info(info: dict) -> None:
    out = console()
    out.print(f"[bold]leadsim {info['version']}[/] serving on [bold]{info['url']}[/]  (store: {info['store']})")
    out.print(f"control API: {info['control']}" + ("  (needs Authorization: Bearer <admin token>)" if info["admin_token"] else ""))
    t = table("vendor", "base URL", "key (workspace 'default')")
    for name, urls in info["vendors"].items():
        t.add_row(name, "\n".join(urls), info["keys"].get(name, "-"))
    if info["vendors"]:
        out.print(t)
    else:
        out.print("no vendors are mounted")
    if info["placeholder_keys"]:
        out.print("also accepted on workspace 'default' (the vendors' documented placeholders; see the README for reserved keys):")
        for vendor, keys in info["placeholder_keys"].items():
            out.print(f"  {vendor}: {', '.join(keys)}")
    out.print(f"clock of 'default': {info['clock']['now']} ({info['clock']['mode']}).  Ctrl-C stops.")


# --- health -------------------------------------------------------------------------------------
@cli.command()
@remote
def health(settings: Settings) -> None:
    """Check that a server answers."""
    data = settings.client().health()
    def human(data: Any) -> None:
        console().print(f"leadsim {data.get('version', '?')} is {data.get('status', '?')} at {settings.url}")
    show(settings, data, human)


# --- workspaces ---------------------------------------------------------------------------------
@cli.group()
def workspace() -> None:
    """Create, list, show and delete workspaces."""


def _print_workspace(ws: dict, verb: str | None = None) -> None:
    out = console()
    head = f"{verb} workspace " if verb else "workspace "
    out.print(f"{head}[bold]{ws['id']}[/] (name: {ws['name']}, seed: {ws['seed']}, fixtures: {ws.get('fixtures', '-')})")
    out.print(f"clock: {ws['clock']['now']} ({ws['clock']['mode']})")
    t = table("vendor", "key")
    for vendor, key in sorted(ws.get("keys", {}).items()):
        t.add_row(vendor, key)
    if ws.get("keys"):
        out.print(t)


@workspace.command("create")
@click.option("--name", default=None, help="A label (default: the id).")
@click.option("--seed", default=None, help="Seed of ids and simulated outcomes (default: the id).")
@click.option("--start", default=None, help="ISO start time of the workspace clock.")
@click.option("--fixtures", default=None, help="Fixture set under fixtures/ (default: default).")
@click.option("--clock", "clock_mode", default=None, help="manual, realtime or <N>x.")
@remote
def workspace_create(settings: Settings, name: str | None, seed: str | None, start: str | None,
                     fixtures: str | None, clock_mode: str | None) -> None:
    """Create a workspace filled from fixtures, with one key per vendor."""
    ws = settings.client().create_workspace(name=name, seed=_seed(seed), start=start, fixtures=fixtures, clock=clock_mode)
    def human(data: Any) -> None:
        _print_workspace(ws, "created")
    show(settings, ws, human)


def _seed(seed: str | None) -> int | str | None:
    if seed is None:
        return None
    try:
        return int(seed)
    except ValueError:
        return seed


@workspace.command("list")
@remote
def workspace_list(settings: Settings) -> None:
    """List workspaces."""
    rows = settings.client().list_workspaces()
    def human(data: Any) -> None:
        t = table("id", "name", "seed", "now", "clock", "fixtures")
        for ws in rows:
            t.add_row(ws["id"], ws["name"], str(ws["seed"]), ws["clock"]["now"], ws["clock"]["mode"], ws.get("fixtures", "-"))
        console().print(t)
    show(settings, rows, human)


@workspace.command("show")
@click.argument("ws")
@remote
def workspace_show(settings: Settings, ws: str) -> None:
    """Show a workspace, its clock and its keys."""
    data = settings.client().get_workspace(ws)
    def human(data: Any) -> None:
        _print_workspace(data)
    show(settings, data, human)


@workspace.command("delete")
@click.argument("ws")
@remote
def workspace_delete(settings: Settings, ws: str) -> None:
    """Delete a workspace and all its state."""
    settings.client().delete_workspace(ws)
    def human(data: Any) -> None:
        console().print(f"deleted workspace {ws}")
    show(settings, {"id": ws, "deleted": True}, human)


# --- clock --------------------------------------------------------------------------------------
@cli.group()
def clock() -> None:
    """Show, advance or change a workspace clock."""


@clock.command("show")
@click.argument("ws")
@remote
def clock_show(settings: Settings, ws: str) -> None:
    """Show a workspace's simulated time and clock mode."""
    data = settings.client().clock(ws)
    def human(data: Any) -> None:
        console().print(f"{ws}: {data['now']} ({data['mode']})")
    show(settings, data, human)


def advance_in_chunks(client: Any, ws: str, seconds: float, chunk: float,
                      on_step: Callable[[float], None] | None = None) -> dict:
    """Advance ``ws`` by ``seconds`` in calls of at most ``chunk`` seconds (the same end state as one call), so a
    long span can show progress; the answer sums ``jobs_run`` and ``webhooks_attempted``."""
    steps = max(1, math.ceil(seconds / chunk))
    jobs = hooks = 0
    data: dict = {}
    for k in range(steps):
        step = chunk if k < steps - 1 else seconds - chunk * (steps - 1)
        data = client.advance(ws, seconds=step)
        jobs += data.get("jobs_run", 0)
        hooks += data.get("webhooks_attempted", 0)
        if on_step is not None:
            on_step(min(seconds, chunk * (k + 1)))
    return {**data, "jobs_run": jobs, "webhooks_attempted": hooks}


@clock.command("advance")
@click.argument("ws")
@click.argument("duration", required=False)
@click.option("--to", "to", default=None, help="Advance to this ISO time instead of by a duration.")
@remote
def clock_advance(settings: Settings, ws: str, duration: str | None, to: str | None) -> None:
    """Move WS forward by DURATION (90s, 15m, 2h, 3d, 1w) or --to a time; every due job and webhook runs."""
    from sim.core.clock import parse_duration

    if (duration is None) == (to is None):
        raise click.UsageError("give a DURATION (like 2h) or --to ISO, not both and not neither")
    seconds = None
    if duration is not None:
        try:
            seconds = parse_duration(duration)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="DURATION") from None
    label = duration if duration is not None else f"to {to}"
    client = settings.client()
    err = console(stderr=True)
    if not settings.as_json and err.is_terminal:
        if seconds is None:
            from sim.core.clock import parse_iso
            try:
                seconds = max(0.0, (parse_iso(to) - parse_iso(client.clock(ws)["now"])).total_seconds())
                to = None
            except (ValueError, TypeError):
                pass  # the server names what is wrong with --to
        if seconds is not None and seconds > ADVANCE_CHUNK:
            from rich.progress import BarColumn, Progress, TextColumn

            with Progress(TextColumn(f"advancing {ws} {label}"), BarColumn(), TextColumn("{task.completed:.0f}/"
                          "{task.total:.0f} simulated days"), console=err, transient=True) as bar:
                task = bar.add_task("advance", total=seconds / ADVANCE_CHUNK)
                data = advance_in_chunks(client, ws, seconds, max(ADVANCE_CHUNK, seconds / 200),
                                         lambda done: bar.update(task, completed=done / ADVANCE_CHUNK))
            seconds = None
    if seconds is not None or to is not None:
        with progress(settings, f"advancing {ws} {label}..."):
            data = client.advance(ws, seconds=seconds, to=to)
    def human(data: Any) -> None:
        console().print(f"{ws}: now {data['now']}; {data.get('jobs_run', 0)} jobs run, "
                        f"{data.get('webhooks_attempted', 0)} webhook attempts")
    show(settings, data, human)


@clock.command("mode")
@click.argument("ws")
@click.argument("mode")
@remote
def clock_mode(settings: Settings, ws: str, mode: str) -> None:
    """Set WS's clock to manual, realtime or <N>x (scaled)."""
    data = settings.client().set_clock_mode(ws, mode)
    def human(data: Any) -> None:
        console().print(f"{ws}: {data['now']} ({data['mode']})")
    show(settings, data, human)


# --- reset, snapshot, restore -------------------------------------------------------------------
@cli.command()
@click.argument("ws", required=False)
@remote
def reset(settings: Settings, ws: str | None) -> None:
    """Reset WS to its fixtures, start time and seed; without WS, empty the whole server (a fresh 'default')."""
    with progress(settings, f"resetting {ws or 'everything'}..."):
        data = settings.client().reset(ws)
    def human(data: Any) -> None:
        if ws:
            console().print(f"reset workspace {ws}; clock {data['clock']['now']} ({data['clock']['mode']})")
        else:
            console().print("reset everything: only the 'default' workspace remains, with the same keys")
    show(settings, data if ws else {"reset": True}, human)


@cli.command()
@click.argument("ws")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-", help="File to write (default: stdout).")
@remote
def snapshot(settings: Settings, ws: str, output: Any) -> None:
    """Write WS's whole state as JSON (restorable with `leadsim restore`)."""
    with progress(settings, f"snapshotting {ws}..."):
        data = settings.client().snapshot(ws)
    output.write(json.dumps(data, ensure_ascii=False))
    output.write("\n")


@cli.command()
@click.argument("ws")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@remote
def restore(settings: Settings, ws: str, file: Any) -> None:
    """Replace WS's state with a snapshot FILE ('-' reads stdin)."""
    try:
        snap = json.load(file)
    except ValueError as exc:
        raise click.BadParameter(f"not JSON: {exc}", param_hint="FILE") from None
    with progress(settings, f"restoring {ws}..."):
        data = settings.client().restore(ws, snap)
    def human(data: Any) -> None:
        console().print(f"restored workspace {ws} from {file.name}; clock {data['clock']['now']}")
    show(settings, data, human)


# --- journal and deliveries ---------------------------------------------------------------------
@cli.command()
@click.argument("ws")
@click.option("--vendor", default=None, help="Only this vendor's calls.")
@click.option("--limit", type=click.IntRange(1), default=None,
              help=f"The last N calls (default: all with --json, the last {HUMAN_JOURNAL_LIMIT} otherwise).")
@remote
def journal(settings: Settings, ws: str, vendor: str | None, limit: int | None) -> None:
    """Every vendor API call made in WS: time, method, path, status."""
    if limit is None and not settings.as_json:
        limit = HUMAN_JOURNAL_LIMIT
    rows = settings.client().journal_entries(ws, vendor=vendor, limit=limit)
    def human(data: Any) -> None:
        t = table("#", "at", "vendor", "method", "path", "status", "ms")
        for e in rows:
            path = e["path"] + (f"?{e['query']}" if e.get("query") else "")
            t.add_row(str(e.get("seq", "")), e["at"], e["vendor"], e["method"], path, str(e["status"]), _dash(e.get("duration_ms")))
        out = console()
        out.print(t)
        out.print(f"{len(rows)} calls" + (f" (the last {limit}; --limit to see more)" if len(rows) == limit else ""))
    show(settings, rows, human)


@cli.command()
@click.argument("ws")
@click.option("--vendor", default=None, help="Only this vendor's webhooks.")
@click.option("--limit", type=click.IntRange(1), default=None, help="The last N attempts (default: all).")
@remote
def deliveries(settings: Settings, ws: str, vendor: str | None, limit: int | None) -> None:
    """Every webhook attempt in WS: event, URL, status, attempt, next retry."""
    rows = settings.client().deliveries(ws, vendor=vendor, limit=limit)
    def human(data: Any) -> None:
        t = table("at", "vendor", "event", "url", "attempt", "status", "state", "next retry")
        for d in rows:
            status = str(d["status"]) if d.get("status") is not None else (d.get("error") or "-")
            t.add_row(_dash(d.get("at")), d["vendor"], d["event"], d["url"], str(d["attempt"]), status, d["state"],
                      _dash(d.get("next_retry_at")))
        out = console()
        out.print(t)
        out.print(f"{len(rows)} attempts")
    show(settings, rows, human)


# --- faults -------------------------------------------------------------------------------------
@cli.group()
def faults() -> None:
    """Scripted faults: force a status, add latency or drop the connection on matching calls."""


def _fault_line(f: dict) -> str:
    action = {"status": f"status {f.get('status')}", "latency": f"+{_num(f.get('latency_ms'))} ms", "drop": "drop"}.get(
        f.get("action"), str(f.get("action")))
    scope = f"{f.get('vendor') or 'any vendor'} {f.get('method', '*')} {f.get('path', '*')}"
    limit = f"count {f['count']}" if f.get("count") is not None else "every time"
    if f.get("probability") is not None:
        limit += f", probability {f['probability']}"
    return f"{f['id']}: {action} on {scope} ({limit})"


@faults.command("add")
@click.argument("ws")
@click.option("--vendor", default=None, help="Only this vendor (default: any).")
@click.option("--method", default=None, help="HTTP method, or JOB for background work (default: any).")
@click.option("--path", default=None, help="Path glob, e.g. '/leadterra/v1/campaigns/*' (default: any).")
@click.option("--status", type=int, default=None, help="Answer with this status (400-599) in the vendor's envelope.")
@click.option("--latency-ms", type=float, default=None, help="Add this much latency.")
@click.option("--drop", is_flag=True, help="Drop the connection without an answer.")
@click.option("--action", type=click.Choice(["status", "latency", "drop"]), default=None,
              help="What the rule does (default: drop with --drop, status with --status, else latency).")
@click.option("--count", type=int, default=None, help="Fire this many times, then disappear.")
@click.option("--probability", type=float, default=None, help="Fire with this probability (seeded).")
@click.option("--message", default=None, help="Error message in the vendor's envelope.")
@click.option("--code", default=None, help="Vendor error code in the envelope.")
@click.option("--retry-after", type=int, default=None, help="Retry-After seconds (with --status 429).")
@remote
def faults_add(settings: Settings, ws: str, vendor: str | None, method: str | None, path: str | None, status: int | None,
               latency_ms: float | None, drop: bool, action: str | None, count: int | None, probability: float | None, message: str | None,
               code: str | None, retry_after: int | None) -> None:
    """Add a fault rule to WS."""
    if latency_ms is not None and latency_ms.is_integer():
        latency_ms = int(latency_ms)
    rule: dict[str, Any] = {"vendor": vendor, "method": method, "path": path, "status": status, "latency_ms": latency_ms,
                            "count": count, "probability": probability, "message": message, "code": code,
                            "retry_after": retry_after}
    if action is not None:
        rule["action"] = action
    elif drop:
        rule["action"] = "drop"
    elif status is not None:
        rule["action"] = "status"
    elif latency_ms is not None:
        rule["action"] = "latency"
    data = settings.client().add_fault(ws, {k: v for k, v in rule.items() if v is not None})
    def human(data: Any) -> None:
        console().print(f"added fault {_fault_line(data)}")
    show(settings, data, human)


@faults.command("list")
@click.argument("ws")
@remote
def faults_list(settings: Settings, ws: str) -> None:
    """List WS's fault rules."""
    rows = settings.client().list_faults(ws)
    def human(data: Any) -> None:
        t = table("id", "vendor", "method", "path", "action", "count", "probability", "hits")
        for f in rows:
            action = {"status": f"status {f.get('status')}", "latency": f"+{_num(f.get('latency_ms'))} ms"}.get(f["action"], f["action"])
            t.add_row(f["id"], f.get("vendor") or "*", f.get("method", "*"), f.get("path", "*"), action, _dash(f.get("count")),
                      _dash(f.get("probability")), str(f.get("hits", 0)))
        console().print(t)
    show(settings, rows, human)


@faults.command("delete")
@click.argument("ws")
@click.argument("fault_id", required=False)
@click.option("--all", "delete_all", is_flag=True, help="Delete every rule of WS.")
@remote
def faults_delete(settings: Settings, ws: str, fault_id: str | None, delete_all: bool) -> None:
    """Delete the rule FAULT_ID of WS, or every rule with --all."""
    if (fault_id is None) == (not delete_all):
        raise click.UsageError("give a FAULT_ID or --all")
    settings.client().delete_fault(ws, fault_id)
    def human(data: Any) -> None:
        console().print(f"deleted {'fault ' + fault_id if fault_id else 'every fault'} of {ws}")
    show(settings, {"deleted": fault_id or "all"}, human)


# --- webhooks (control-plane registration for dashboard-only vendors) ---------------------------
@cli.group()
def webhooks() -> None:
    """Register webhook receivers for vendors whose docs manage them only in a dashboard."""


@webhooks.command("add")
@click.argument("ws")
@click.argument("vendor")
@click.argument("target", metavar="URL")
@click.option("--event", "events", multiple=True, help="An event name (repeat; default: every event).")
@click.option("--secret", default=None, help="Signing secret (default: generated).")
@remote
def webhooks_add(settings: Settings, ws: str, vendor: str, target: str, events: tuple[str, ...], secret: str | None) -> None:
    """Register a receiver URL (https, or http on loopback) for VENDOR's events in WS."""
    body: dict[str, Any] = {"vendor": vendor, "url": target}
    if events:
        body["events"] = list(events)
    if secret:
        body["secret"] = secret
    data = settings.client().register_webhook(ws, body)
    def human(data: Any) -> None:
        console().print(f"registered {data['id']} for {vendor} -> {data['url']}; secret {data['secret']}")
    show(settings, data, human)


@webhooks.command("list")
@click.argument("ws")
@remote
def webhooks_list(settings: Settings, ws: str) -> None:
    """List WS's webhook subscriptions (of every vendor)."""
    rows = settings.client().subscriptions(ws)
    def human(data: Any) -> None:
        t = table("id", "vendor", "url", "events", "status")
        for s in rows:
            t.add_row(s["id"], s["vendor"], s["url"], ", ".join(s["events"]) if s.get("events") else "all", s["status"])
        console().print(t)
    show(settings, rows, human)


# --- rehearsal report ---------------------------------------------------------------------------
@cli.command()
@click.argument("ws")
@click.option("--vendor", default=None, help="Only this vendor's requests, deliveries and findings.")
@remote
def report(settings: Settings, ws: str, vendor: str | None) -> None:
    """Grade how a client used the vendors in WS against each vendor's documented guidance (exit 0 either way)."""
    data = settings.client().report(ws, vendor=vendor)
    def human(data: Any) -> None:
        out = console()
        verdict = "[green]ok[/]" if data["ok"] else "[red]not ok[/]"
        out.print(f"report of {data['workspace']} at {data['generated_at']}: {verdict}; {data['requests']} requests")
        if data["by_vendor"]:
            t = table("vendor", "requests", "errors", "by status")
            for v, s in data["by_vendor"].items():
                t.add_row(v, str(s["requests"]), str(s["errors"]), ", ".join(f"{k}: {n}" for k, n in s["by_status"].items()))
            out.print(t)
        if not data["findings"]:
            out.print("no findings")
            return
        t = table("severity", "rule", "vendor", "count", "message", "journal seqs")
        for f in data["findings"]:
            t.add_row(f["severity"], f["rule"], _dash(f["vendor"]), str(f["count"]), f["message"],
                      ",".join(map(str, f["journal_seqs"])) or "-")
        out.print(t)
        for f in data["findings"]:
            out.print(f"{f['rule']}: {f['guidance']} ({f['source']})")
    show(settings, data, human)


# --- demo (self-contained) ----------------------------------------------------------------------
@cli.command()
@click.option("--store", default="memory", show_default=True, help="Store of the server the demo starts, if none runs.")
@click.option("--scenario", default="demo", show_default=True, help="Scenario under fixtures/<name>/scenario.json.")
@remote
def demo(settings: Settings, store: str, scenario: str) -> None:
    """Fill a new workspace with campaigns in motion and print the dashboard URL.

    Uses the server at --url; when none answers there (and --url is on loopback), starts one in this process
    and keeps serving it until Ctrl-C.
    """
    from urllib.parse import urlsplit

    from sim.client import Client, ServerUnavailable

    server = None
    client = settings.client()
    try:
        client.health()
    except ServerUnavailable:
        parts = urlsplit(settings.url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        if not is_loopback(host):
            raise
        from sim.config import Config

        try:
            server = LiveServer.create(Config(store=store, admin_token=settings.admin_token, background=True),
                                       host=host, port=port).start()
        except OSError as exc:
            raise click.ClickException(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None
        client = Client(server.url, admin_token=settings.admin_token, timeout=60.0)
    try:
        with progress(settings, f"Loading the {scenario} scenario"):
            ws = client.create_workspace(name=scenario)
            result = client.request("POST", f"/workspaces/{ws['id']}/scenarios/{scenario}", json={})
        base = server.url if server is not None else settings.url.rstrip("/")
        info = {**result, "url": base + result["dashboard"], "server": base, "started_server": server is not None,
                "keys": ws["keys"]}
        def human(data: Any) -> None:
            click.echo(f"Demo workspace {ws['id']} ({result['steps']} scenario steps): {result['description']}")
            click.echo(f"Dashboard: {info['url']}")
        show(settings, info, human)
        sys.stdout.flush()
        if server is not None:
            if not settings.as_json:
                click.echo("Serving until Ctrl-C.", err=True)
            def stop(signum: int, frame: Any) -> None:
                raise KeyboardInterrupt

            signal.signal(signal.SIGTERM, stop)
            with contextlib.suppress(KeyboardInterrupt):
                while True:
                    threading.Event().wait(3600)
    finally:
        if server is not None:
            server.stop()
