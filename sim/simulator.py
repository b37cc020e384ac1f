"""Composition root: owns the store, clocks, scheduler, dispatcher, journal, faults and workspaces."""

from __future__ import annotations

import copy
import logging
import re
import secrets
import threading
import time
from typing import Any

from sim import __version__
from sim.config import Config
from sim.core.clock import MAX_TS, MIN_TS, Clock, from_ts, iso, mode_name, parse_iso, parse_mode, valid_rate
from sim.core.context import VendorContext
from sim.core.errors import Conflict, FieldError, Invalid, NotFound
from sim.core.fakedata import FakeData
from sim.core.faults import Faults, validate_rule
from sim.core.ids import IdSource
from sim.core.journal import Journal
from sim.core.ratelimit import RateLimiter
from sim.core.recipients import profile_errors
from sim.core.resources import data_dir, load_json
from sim.core.scheduler import JOB_TABLE, Scheduler
from sim.core.schemas import Schemas
from sim.core.store import Store
from sim.core.webhooks import ATTEMPT_JOB, NOTICES, Dispatcher, check_target
from sim.web.spec import VendorSpec

log = logging.getLogger("leadsim")

WORKSPACES = "workspaces"
KEYS = "keys"
DEFAULT = "default"
RUNTIME = "core/runtime"
WEBHOOK_BATCH = 2000


class Simulator:
    """Everything stateful in one object; ``reset()`` is the only reset."""

    def __init__(self, config: Config | None = None, specs: list[VendorSpec] | None = None):
        self.config = config or Config()
        self.specs: dict[str, VendorSpec] = {s.name: s for s in (specs or [])}
        path = None if self.config.store == "memory" else self.config.store
        self.store = Store(path, fsync=self.config.fsync, owner={"address": self.config.address})
        self.store.rollback_listeners.append(self._forget_derived)
        self.lock = self.store.lock
        self.scheduler = Scheduler(self.store)
        self.dispatcher = Dispatcher(self, timeout=self.config.webhook_timeout, workers=self.config.webhook_workers)
        self.journal = Journal(self.store)
        self.faults = Faults(self.store)
        self.ratelimiter = RateLimiter()
        self.wall = time.time  # real time of journal entries (Retry-After and backoff are judged on it); tests inject one
        self.schemas = Schemas()
        self.fakedata = FakeData()
        self._clocks: dict[str, Clock] = {}
        self._iso_last: tuple[int, str] = (-1, "")
        self._ids: dict[str, IdSource] = {}
        self._runners: dict[str, threading.Lock] = {}
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        parse_mode(self.config.clock)  # fail early on a bad mode
        self.repairs: list[str] = self._repair_clocks()  # what loading the store had to fix (`serve` prints it)
        for spec in self.specs.values():
            for kind, handler in spec.jobs.items():
                self.scheduler.register(kind, self._vendor_job(spec.name, handler))
        if self.config.default_workspace:
            with self.store.batch():
                if self.store.table(WORKSPACES).get(DEFAULT) is None:
                    self._create(DEFAULT, name=DEFAULT, seed=self.config.seed)
                else:
                    self._ensure_keys(DEFAULT)

    def _forget_derived(self, tables: set[str]) -> None:
        """After a rollback: drop the in-memory state derived from the touched tables (rebuilt on next use)."""
        wss = {name.split("/", 2)[1] for name in tables if name.startswith("w/") and name.count("/") >= 2}
        if WORKSPACES in tables:
            wss.update(self._clocks)
            wss.update(self._ids)
        for ws in wss:
            self._clocks.pop(ws, None)
            self._ids.pop(ws, None)
            self.scheduler.forget(ws)
            self.journal.forget(ws)
            for name in self.store.tables(f"w/{ws}/"):
                self.store.table(name).cache.clear()

    def _repair_clocks(self) -> list[str]:
        """Make every stored clock loadable: a rate no mode can set (a store written before modes were bounded,
        like ``1e12x``) becomes manual at the time it was set; a time outside 1970..9000 is clamped."""
        repairs = []
        with self.store.batch():
            for doc in self.store.table(WORKSPACES).all():
                ws = doc.doc_id
                runtime = self._runtime(ws)
                for where, clock in (("runtime", runtime.get("clock")), ("workspace", doc.get("clock"))):
                    if clock is None and where == "runtime":
                        continue
                    fixed = _repaired_clock(clock, doc.get("start"))
                    if fixed is None:
                        continue
                    if where == "runtime":
                        self.store.table(f"w/{ws}/{RUNTIME}").put("state", {**runtime, "clock": fixed})
                    else:
                        self.store.table(WORKSPACES).update(ws, {"clock": fixed})
                    rate = clock.get("rate") if isinstance(clock, dict) else None
                    message = (f"workspace {ws}: its stored clock ({_describe_clock(clock)}) could not run; "
                               f"it is now manual at {iso(from_ts(fixed['base']))}")
                    if where == "runtime" or not runtime.get("clock"):
                        repairs.append(message)
                        self.store.table(f"w/{ws}/{NOTICES}").put(self.ids(ws).hex("ntc_", 16), {
                            "kind": "clock_repaired", "at": fixed["base"], "message": message,
                            "rate": rate if isinstance(rate, (int, float)) and rate == rate and abs(rate) != float("inf")
                            else str(rate)})
                        self.persist(ws)
        return repairs

    # --- small accessors ----------------------------------------------------------------------
    @property
    def version(self) -> str:
        return __version__

    def iso(self, ts: float, ms: bool = False) -> str:
        if ms:
            return iso(from_ts(ts), ms=True)
        second = int(ts // 1)
        last = self._iso_last  # every call in one simulated second formats the same string
        if last[0] != second:
            last = self._iso_last = (second, iso(from_ts(second)))
        return last[1]

    def workspace_doc(self, ws: str) -> dict:
        doc = self.store.table(WORKSPACES)._docs.get(ws)
        if doc is None:
            raise NotFound(f"workspace {ws} not found")
        return doc

    def exists(self, ws: str) -> bool:
        return ws in self.store.table(WORKSPACES)

    def _runtime(self, ws: str) -> dict:
        """The small, often-written part of a workspace (clock, id counters), kept apart from its record
        so a create rewrites a few bytes rather than the whole workspace with its behaviour profile."""
        return self.store.table(f"w/{ws}/{RUNTIME}")._docs.get("state") or {}

    def clock(self, ws: str) -> Clock:
        c = self._clocks.get(ws)
        if c is None:
            doc = self._runtime(ws).get("clock") or self.workspace_doc(ws)["clock"]
            c = self._clocks[ws] = Clock.from_doc(doc)
        return c

    def ids(self, ws: str) -> IdSource:
        s = self._ids.get(ws)
        if s is None:
            doc = self.workspace_doc(ws)
            counters = self._runtime(ws).get("counters", doc.get("counters", {}))
            s = self._ids[ws] = IdSource(doc["seed"], dict(counters))
        return s

    def context(self, ws: str, vendor: str, key: str | None = None) -> VendorContext:
        return VendorContext(self, ws, vendor, key)

    def persist(self, ws: str) -> None:
        """Write the clock and id counters of ``ws`` if they changed (one small document)."""
        if not self.exists(ws):
            return
        runtime = self._runtime(ws)
        changes = {}
        ids = self._ids.get(ws)
        if ids is not None and ids.dirty:
            changes["counters"] = dict(ids.counters)
            ids.dirty = False
        clock = self._clocks.get(ws)
        if clock is not None and clock.to_doc() != (runtime.get("clock") or self.workspace_doc(ws)["clock"]):
            changes["clock"] = clock.to_doc()
        if changes:
            self.store.table(f"w/{ws}/{RUNTIME}").put("state", {**runtime, **changes})

    # --- workspaces ---------------------------------------------------------------------------
    def _fixture_set(self, name: str | None) -> tuple[str, dict]:
        name = name or "default"
        if not isinstance(name, str) or not name.replace("-", "").replace("_", "").isalnum():
            raise Invalid("fixtures must be the name of a fixture set",
                          fields=[FieldError("fixtures", "value", "unknown fixture set")])
        if not (data_dir("fixtures") / name / "workspace.json").exists():
            raise Invalid(f"unknown fixture set {name!r}",
                          fields=[FieldError("fixtures", "value", f"unknown fixture set {name!r}")])
        return name, load_json("fixtures", f"{name}/workspace.json")

    def _profile(self, fixture: dict, override: Any) -> dict:
        profile = copy.deepcopy(load_json("fixtures", f"profiles/{fixture.get('profile', 'default')}.json"))
        if override is not None:
            if not isinstance(override, dict):
                raise Invalid("profile must be an object", fields=[FieldError("profile", "type", "profile must be an object")])
            problems = profile_errors(override, profile)
            if problems:
                raise Invalid("invalid behaviour profile", fields=problems)
            _merge(profile, override)
        return profile

    def _create(self, ws: str, *, name: str, seed: Any, start: str | None = None, fixtures: str | None = None,
                profile: Any = None, clock: str | None = None) -> dict:
        fixture_name, fixture = self._fixture_set(fixtures)
        if start is not None:
            try:
                start_ts = parse_iso(start).timestamp()
            except (ValueError, TypeError, OverflowError):
                raise Invalid("start must be an ISO-8601 time",
                              fields=[FieldError("start", "format", "start must be an ISO-8601 time")]) from None
            if not MIN_TS <= start_ts <= MAX_TS - 100 * 365 * 86400:
                raise Invalid("start must be between 1970 and 8900",
                              fields=[FieldError("start", "value", "start must be between 1970 and 8900")])
        elif self.config.start:
            start_ts = parse_iso(self.config.start).timestamp()
        else:
            start_ts = float(int(time.time()))
        try:
            rate = parse_mode(clock or self.config.clock)
        except ValueError as exc:
            raise Invalid(str(exc), fields=[FieldError("clock", "value", str(exc))]) from None
        doc = {"name": name, "seed": seed, "start": start_ts, "fixtures": fixture_name,
               "profile": self._profile(fixture, profile), "profile_override": profile,
               "clock": Clock(start_ts, time.time(), rate).to_doc(), "counters": {}, "settings": {},
               "created_at": time.time()}
        self.store.table(WORKSPACES).put(ws, doc)
        self._ensure_keys(ws)
        self._seed_vendors(ws, fixture)
        self.persist(ws)
        return self.describe(ws)

    def _ensure_keys(self, ws: str) -> None:
        keys = self.store.table(KEYS)
        have = {k["vendor"] for k in keys.search(lambda d: d["ws"] == ws and d.get("primary"))}
        if ws == DEFAULT:
            src = IdSource(("default-keys", self.config.seed))
            for spec in self.specs.values():
                for placeholder in spec.placeholder_keys:
                    keys.put(f"{spec.name}:{placeholder}", {"ws": ws, "vendor": spec.name, "key": placeholder,
                                                          "primary": False, "placeholder": True})
        else:
            src = IdSource(secrets.token_hex(16))
        for spec in self.specs.values():
            if spec.name in have:
                continue
            key = spec.new_key(src)
            keys.put(f"{spec.name}:{key}", {"ws": ws, "vendor": spec.name, "key": key, "primary": True})

    def _seed_vendors(self, ws: str, fixture: dict) -> None:
        files = fixture.get("vendors", {})
        for spec in self.specs.values():
            if spec.seed is None:
                continue
            path = files.get(spec.name)
            data = copy.deepcopy(load_json("fixtures", path)) if path and (data_dir("fixtures") / path).exists() else {}
            spec.seed(self.context(ws, spec.name), data)

    def keys(self, ws: str) -> dict[str, str]:
        return {k["vendor"]: k["key"] for k in self.store.table(KEYS).search(lambda d: d["ws"] == ws and d.get("primary"))}

    def describe(self, ws: str) -> dict:
        doc = self.workspace_doc(ws)
        return {"id": ws, "name": doc["name"], "seed": doc["seed"], "keys": self.keys(ws),
                "clock": self.clock(ws).as_json(), "fixtures": doc["fixtures"]}

    def create_workspace(self, name: Any = None, seed: Any = None, start: Any = None, fixtures: Any = None,
                         profile: Any = None, clock: Any = None) -> dict:
        problems = []
        if name is not None and (not isinstance(name, str) or not 0 < len(name) <= 200):
            problems.append(FieldError("name", "type", "name must be a string of 1 to 200 characters"))
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, str))):
            problems.append(FieldError("seed", "type", "seed must be an integer or a string"))
        elif isinstance(seed, str) and not 0 < len(seed) <= 200 or isinstance(seed, int) and not -2**63 <= seed < 2**63:
            problems.append(FieldError("seed", "value", "seed must be a 64-bit integer or a string of 1 to 200 characters"))
        if start is not None and not isinstance(start, str):
            problems.append(FieldError("start", "type", "start must be an ISO-8601 string"))
        if fixtures is not None and not isinstance(fixtures, str):
            problems.append(FieldError("fixtures", "type", "fixtures must be a string"))
        if clock is not None and not isinstance(clock, str):
            problems.append(FieldError("clock", "type", "clock must be manual, realtime or <N>x"))
        if problems:
            raise Invalid("invalid workspace", fields=problems)
        with self.store.batch():
            ws = "ws_" + secrets.token_hex(8)
            return self._create(ws, name=name or ws, seed=seed if seed is not None else ws, start=start,
                                fixtures=fixtures, profile=profile, clock=clock)

    def list_workspaces(self) -> list[dict]:
        return [self.describe(d.doc_id) for d in self.store.table(WORKSPACES)]

    def get_workspace(self, ws: str) -> dict:
        return self.describe(ws)

    def _drop_state(self, ws: str) -> None:
        self.store.drop_tables(f"w/{ws}/")
        self.scheduler.forget(ws)
        self.journal.forget(ws)
        self._clocks.pop(ws, None)
        self._ids.pop(ws, None)
        self.ratelimiter.reset(f"{ws}:")

    def delete_workspace(self, ws: str) -> None:
        if ws == DEFAULT:
            raise Conflict("the default workspace cannot be deleted; reset it instead")
        with self.store.batch():
            self.workspace_doc(ws)
            self._drop_state(ws)
            keys = self.store.table(KEYS)
            for k in keys.search(lambda d: d["ws"] == ws):
                keys.remove(k.doc_id)
            self.store.table(WORKSPACES).remove(ws)

    def reset(self, ws: str | None = None) -> dict | None:
        """Reset one workspace to its fixtures, clock start and seed; with no id, empty everything."""
        with self.runner(ws or "*"), self.store.batch():
            if ws is None:
                for doc in self.store.table(WORKSPACES).all():
                    self._drop_state(doc.doc_id)
                self.store.table(WORKSPACES).truncate()
                self.store.table(KEYS).truncate()
                self.ratelimiter.reset()
                if self.config.default_workspace:
                    self._create(DEFAULT, name=DEFAULT, seed=self.config.seed)
                return None
            doc = self.workspace_doc(ws)
            self._drop_state(ws)
            fixture_name, fixture = self._fixture_set(doc["fixtures"])
            self.store.table(WORKSPACES).update(ws, {
                "counters": {}, "settings": {},
                "clock": Clock(doc["start"], time.time(), doc["clock"].get("rate")).to_doc()})
            self._seed_vendors(ws, fixture)
            self.persist(ws)
            return self.describe(ws)

    def set_vendor_setting(self, ws: str, vendor: str, name: str, value: Any) -> None:
        doc = self.workspace_doc(ws)
        settings = copy.deepcopy(doc.get("settings", {}))
        settings.setdefault(vendor, {})[name] = value
        self.store.table(WORKSPACES).update(ws, {"settings": settings})

    def set_profile(self, ws: str, override: Any) -> dict:
        with self.store.batch():
            doc = self.workspace_doc(ws)
            _, fixture = self._fixture_set(doc["fixtures"])
            profile = self._profile(fixture, override)
            self.store.table(WORKSPACES).update(ws, {"profile": profile, "profile_override": override})
            return profile

    # --- snapshots ----------------------------------------------------------------------------
    def snapshot(self, ws: str) -> dict:
        with self.store.batch():
            self.persist(ws)
            doc = {**self.workspace_doc(ws), "clock": self.clock(ws).to_doc(), "counters": dict(self.ids(ws).counters)}
            prefix = f"w/{ws}/"
            tables = {name[len(prefix):]: {d.doc_id: dict(d) for d in self.store.table(name)}
                      for name in self.store.tables(prefix) if name != prefix + RUNTIME}
            return {"leadsim": self.version, "workspace": {k: doc[k] for k in
                    ("name", "seed", "start", "fixtures", "profile", "profile_override", "clock", "counters", "settings")},
                    "tables": tables}

    def restore(self, ws: str, snap: Any) -> dict:
        if not isinstance(snap, dict) or not isinstance(snap.get("workspace"), dict) or not isinstance(snap.get("tables"), dict):
            raise Invalid("snapshot must be an object with 'workspace' and 'tables'",
                          fields=[FieldError("body", "type", "expected {workspace, tables}")])
        meta = snap["workspace"]
        problems = _snapshot_errors(meta, snap["tables"])
        if problems:
            raise Invalid("snapshot is not one leadsim wrote", fields=problems)
        clock = Clock.from_doc(meta["clock"])
        seed = meta["seed"]
        tables = {str(name): {str(i): dict(d) for i, d in docs.items()} for name, docs in snap["tables"].items()}
        with self.runner(ws), self.store.batch():
            self.workspace_doc(ws)
            self._drop_state(ws)
            for name, docs in tables.items():
                if name == RUNTIME:  # clock and counters come from the snapshot's workspace part
                    continue
                table = self.store.table(f"w/{ws}/{name}")
                for doc_id, doc in docs.items():
                    table.put(doc_id, doc)
            clock.anchor = time.time()
            changes = {k: meta[k] for k in ("name", "start", "fixtures", "profile", "profile_override", "counters", "settings")
                       if k in meta}
            self.store.table(WORKSPACES).update(ws, {**changes, "seed": seed, "clock": clock.to_doc()})
            return self.describe(ws)

    # --- authentication -----------------------------------------------------------------------
    def authenticate(self, vendor: str, key: str | None) -> tuple[str, dict] | None:
        if not key:
            return None
        doc = self.store.table(KEYS)._docs.get(f"{vendor}:{key}")
        if doc is None or doc.get("revoked"):
            return None
        return doc["ws"], doc

    def revoked_key_owner(self, vendor: str, key: str) -> str | None:
        """The workspace of a revoked key (its 401s are journaled there), or None."""
        doc = self.store.table(KEYS)._docs.get(f"{vendor}:{key}")
        return doc["ws"] if doc is not None and doc.get("revoked") and self.exists(doc["ws"]) else None

    def add_key(self, ws: str, vendor: str, key: str | None = None, **meta: Any) -> dict:
        spec = self.specs.get(vendor)
        if spec is None:
            raise NotFound(f"unknown vendor {vendor}")
        self.workspace_doc(ws)
        keys = self.store.table(KEYS)
        if key is not None:
            if spec.key_pattern and not re.fullmatch(spec.key_pattern, key):
                raise Invalid(f"key does not have the {spec.title} key format",
                              fields=[FieldError("key", "format", f"key must match {spec.key_pattern}")])
            if f"{vendor}:{key}" in keys:  # a key belongs to exactly one workspace: never take over another's
                raise Conflict("this key is already in use")
        key = key or spec.new_key(IdSource(secrets.token_hex(16)))
        doc = {"ws": ws, "vendor": vendor, "key": key, "primary": False, **meta}
        keys.put(f"{vendor}:{key}", doc)
        return doc

    def update_key(self, vendor: str, key: str, ws: str | None = None, **changes: Any) -> dict | None:
        """Change a key's flags; with ``ws``, only a key of that workspace (None otherwise)."""
        keys = self.store.table(KEYS)
        doc = keys.get(f"{vendor}:{key}")
        if doc is None or (ws is not None and doc["ws"] != ws):
            return None
        return dict(keys.update(f"{vendor}:{key}", changes))

    # --- time and jobs ------------------------------------------------------------------------
    def runner(self, ws: str) -> threading.Lock:
        """One runner at a time per workspace (advance, ticker, reset)."""
        lock = self._runners.get(ws)
        if lock is None:
            with self.lock:
                lock = self._runners.setdefault(ws, threading.Lock())
        return lock

    def _vendor_job(self, vendor: str, handler):
        def run(ws: str, args: dict) -> None:
            handler(self.context(ws, vendor), args)
        return run

    def advance(self, ws: str, seconds: Any = None, to: Any = None) -> dict:
        if (seconds is None) == (to is None):
            raise Invalid("give exactly one of seconds or to",
                          fields=[FieldError("seconds", "required", "give exactly one of seconds or to")])
        with self.lock:
            now = self.clock(ws).now_ts()
        if seconds is not None:
            if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds != seconds:
                raise Invalid("seconds must be a number", fields=[FieldError("seconds", "type", "seconds must be a number")])
            if seconds < 0:
                raise Invalid("time only moves forward", fields=[FieldError("seconds", "value", "seconds must not be negative")])
            if seconds > 10 * 365 * 86400:
                raise Invalid("seconds is too large", fields=[FieldError("seconds", "value", "advance at most 10 years at once")])
            target = now + seconds
        else:
            try:
                target = parse_iso(to).timestamp()
            except (ValueError, TypeError, OverflowError):
                raise Invalid("to must be an ISO-8601 time", fields=[FieldError("to", "format", "to must be an ISO-8601 time")]) from None
            if target < now:
                raise Invalid("time only moves forward", fields=[FieldError("to", "value", f"to is before now ({iso(from_ts(now))})")])
        if target > MAX_TS:
            field = "seconds" if seconds is not None else "to"
            raise Invalid("time cannot pass the year 9000", fields=[FieldError(field, "value", "time cannot pass the year 9000")])
        stats = self.run_due(ws, target)
        return {"now": self.clock(ws).as_json()["now"], **stats}

    def run_due(self, ws: str, until: float | None = None, *, blocking: bool = True) -> dict:
        """Run every job due up to ``until`` (default: now) in (due, seq) order, delivering webhooks as they fall due."""
        runner = self.runner(ws)
        if not runner.acquire(blocking=blocking):
            return {"jobs_run": 0, "webhooks_attempted": 0}
        try:
            jobs_run = attempted = 0
            while True:
                batch: list[tuple[str, float]] = []
                with self.store.batch():
                    if not self.exists(ws):
                        break
                    clock = self.clock(ws)
                    limit = clock.now_ts() if until is None else until
                    while True:
                        item = self.scheduler.pop_due(ws, limit)
                        if item is None:
                            break
                        entry, job = item
                        if entry.due > clock.now_ts():
                            clock.set(entry.due)
                        if entry.kind == ATTEMPT_JOB:
                            batch.append((job["args"]["delivery"], entry.due))
                            nxt = self.scheduler.next_due(ws)
                            if len(batch) >= WEBHOOK_BATCH or (nxt is not None and nxt <= limit and self._next_is_job(ws)):
                                break
                            continue
                        self._run_job(ws, entry.kind, job["args"])
                        jobs_run += 1
                    if not batch and until is not None and until > clock.now_ts():
                        clock.set(until)
                    self.persist(ws)
                if not batch:
                    break
                outcomes = self.dispatcher.send(ws, batch)
                attempted += len(outcomes)
                with self.store.batch():
                    self.dispatcher.record(lambda v: self.specs[v].webhooks, outcomes)
                    self.persist(ws)
            return {"jobs_run": jobs_run, "webhooks_attempted": attempted}
        finally:
            runner.release()

    def _next_is_job(self, ws: str) -> bool:
        heap = self.scheduler._heap(ws)
        return bool(heap) and heap[0].kind != ATTEMPT_JOB

    def _run_job(self, ws: str, kind: str, args: dict) -> None:
        handler = self.scheduler.handlers.get(kind)
        if handler is None:
            log.warning("no handler for job kind %s", kind)
            return
        try:
            handler(ws, args)
        except Exception as exc:  # a broken job must not stop the clock
            log.exception("job %s failed", kind)
            self.store.table(f"w/{ws}/{NOTICES}").put(self.ids(ws).hex("ntc_", 16), {
                "kind": "job_failed", "job": kind, "args": args, "at": self.clock(ws).now_ts(),
                "message": f"{type(exc).__name__}: {exc}"})

    def set_clock_mode(self, ws: str, mode: Any) -> dict:
        if not isinstance(mode, str):
            raise Invalid("mode must be manual, realtime or <N>x",
                          fields=[FieldError("mode", "type", "mode must be manual, realtime or <N>x")])
        try:
            rate = parse_mode(mode)
        except ValueError as exc:
            raise Invalid(str(exc), fields=[FieldError("mode", "value", str(exc))]) from None
        with self.store.batch():
            self.clock(ws).set_rate(rate)
            self.persist(ws)
        self.wake()
        return self.clock(ws).as_json()

    # --- events -------------------------------------------------------------------------------
    def emit(self, ws: str, vendor: str, event: str, data: Any, **kw: Any) -> list[str]:
        profile = self.specs[vendor].webhooks
        return self.dispatcher.emit(ws, profile, event, data, **kw)

    def register_webhook(self, ws: str, body: Any) -> dict:
        """Control-plane registration for vendors whose docs manage webhooks only in a dashboard."""
        if not isinstance(body, dict):
            raise Invalid("body must be a JSON object", fields=[FieldError("body", "type", "expected an object")])
        vendor = body.get("vendor")
        spec = self.specs.get(vendor) if isinstance(vendor, str) else None
        if spec is None or spec.webhooks is None:
            raise Invalid("vendor must name a vendor with webhooks",
                          fields=[FieldError("vendor", "value", f"one of {', '.join(self.webhook_vendors())}")])
        url = check_target(body.get("url"))
        events = body.get("events")
        known = spec.webhooks.events
        if events is not None and (not isinstance(events, list) or not all(isinstance(e, str) and e in known for e in events)):
            raise Invalid("events must be a list of the vendor's event names",
                          fields=[FieldError("events", "value", f"allowed: {', '.join(known)}")])
        secret = body.get("secret")
        if secret is not None and (not isinstance(secret, str) or not secret):
            raise Invalid("secret must be a non-empty string", fields=[FieldError("secret", "type", "expected a string")])
        with self.store.batch():
            self.workspace_doc(ws)
            ids = self.ids(ws)
            sub = self.dispatcher.subscribe(ws, vendor, url, events=events or None,
                                            secret=secret or ids.hex("whsec_", 32), sub_id=ids.hex("wh_", 16))
            self.persist(ws)
        return _sub_json(self, sub)

    def webhook_vendors(self) -> list[str]:
        return [n for n, s in self.specs.items() if s.webhooks is not None]

    def subscriptions(self, ws: str) -> list[dict]:
        self.workspace_doc(ws)
        return [_sub_json(self, {"id": s.doc_id, **s}) for s in self.dispatcher.subscriptions(ws)]

    def set_subscription_status(self, ws: str, sub_id: str, status: str) -> dict:
        with self.store.batch():
            self.workspace_doc(ws)
            sub = self.dispatcher.set_status(ws, sub_id, status)
        if sub is None:
            raise NotFound(f"webhook {sub_id} not found")
        return _sub_json(self, sub)

    def deliveries(self, ws: str, vendor: str | None = None) -> list[dict]:
        with self.lock:
            self.workspace_doc(ws)
            return self.dispatcher.rows(ws, vendor)

    def notices(self, ws: str) -> list[dict]:
        with self.lock:
            self.workspace_doc(ws)
            return [{"id": d.doc_id, **d, "at": self.iso(d["at"])} for d in self.store.table(f"w/{ws}/{NOTICES}")]

    def delivery(self, ws: str, delivery_id: str) -> dict:
        self.workspace_doc(ws)
        doc = self.dispatcher.body_of(ws, delivery_id)
        if doc is None:
            raise NotFound(f"delivery {delivery_id} not found")
        return doc

    # --- journal and faults ---------------------------------------------------------------------
    def journal_entries(self, ws: str, vendor: str | None = None, limit: int | None = None) -> list[dict]:
        with self.lock:
            self.workspace_doc(ws)
            return self.journal.entries(ws, vendor, limit)

    def report(self, ws: str, vendor: str | None = None) -> dict:
        """The rehearsal report (DESIGN 7.1) of ``ws``, from its journal and deliveries."""
        from sim.control.report import build_report
        from sim.core.webhooks import DELIVERIES

        if vendor is not None and vendor not in self.specs:
            raise Invalid("unknown vendor", fields=[FieldError("vendor", "value", f"one of {', '.join(self.specs)}")])
        with self.lock:
            self.workspace_doc(ws)
            failed = [{"id": d.doc_id, **d} for d in self.store.table(f"w/{ws}/{DELIVERIES}") if d.get("state") == "failed"]
            entries = list(self.journal.table(ws)._docs.values())  # read-only: no Document copy per entry
            return build_report(ws, self.iso(self.clock(ws).now_ts()), entries, failed, vendor)

    def add_fault(self, ws: str, body: Any) -> dict:
        rule = validate_rule(body)
        if rule["vendor"] is not None and rule["vendor"] not in self.specs:
            raise Invalid("unknown vendor", fields=[FieldError("vendor", "value", f"one of {', '.join(self.specs)}")])
        with self.store.batch():
            self.workspace_doc(ws)
            fid = self.ids(ws).hex("flt_", 12)
            self.faults.table(ws).put(fid, rule)
            self.persist(ws)
        return {"id": fid, **rule}

    def list_faults(self, ws: str) -> list[dict]:
        with self.lock:
            self.workspace_doc(ws)
            return [{"id": d.doc_id, **d} for d in self.faults.table(ws)]

    def delete_fault(self, ws: str, fid: str | None = None) -> None:
        with self.store.batch():
            self.workspace_doc(ws)
            table = self.faults.table(ws)
            if fid is None:
                table.truncate()
            elif not table.remove(fid):
                raise NotFound(f"fault {fid} not found")

    # --- background -----------------------------------------------------------------------------
    def wake(self) -> None:
        self._wake.set()

    def start_background(self, interval: float = 0.25) -> None:
        """Ticker: runs due jobs of running clocks and delivers freshly emitted webhooks."""
        if self._ticker is not None:
            return

        def loop():
            while not self._stop.is_set():
                self._wake.wait(interval)
                self._wake.clear()
                for ws in list(self.store.table(WORKSPACES).ids()):
                    try:
                        self._tick(ws)
                    except Exception:
                        log.exception("ticker failed for %s", ws)

        self._ticker = threading.Thread(target=loop, name="leadsim-ticker", daemon=True)
        self._ticker.start()

    def _tick(self, ws: str) -> None:
        with self.lock:
            if not self.exists(ws):
                return
            due = self.scheduler.next_due(ws)
            if due is None or due > self.clock(ws).now_ts():
                return
        self.run_due(ws, None, blocking=False)

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._ticker is not None:
            self._ticker.join(timeout=5)
            self._ticker = None
        self.dispatcher.close()
        self.store.close()

    def health(self) -> dict:
        return {"status": "ok", "version": self.version}


def _sub_json(sim: Simulator, sub: dict) -> dict:
    return {"id": sub["id"], "vendor": sub["vendor"], "url": sub["url"], "events": sub["events"],
            "secret": sub["secret"], "status": sub["status"], "created_at": sim.iso(sub["created_at"])}


def _snapshot_errors(meta: dict, tables: dict) -> list[FieldError]:
    """What makes a snapshot unrestorable: a bad clock, seed, counters or job record, or a document that is not an object."""
    def number(v) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool) and v == v

    out = []
    clock = meta.get("clock")
    if not isinstance(clock, dict) or not number(clock.get("base")) or not number(clock.get("anchor")) \
            or not MIN_TS <= clock["base"] <= MAX_TS:
        out.append(FieldError("workspace.clock", "value", "clock must be {base, anchor, rate} with base between 1970 and 9000"))
    elif clock.get("rate") is not None and (not number(clock["rate"]) or clock["rate"] <= 0):
        out.append(FieldError("workspace.clock.rate", "value", "rate must be null or a positive number"))
    if "seed" not in meta or isinstance(meta["seed"], bool) or not isinstance(meta["seed"], (int, str)):
        out.append(FieldError("workspace.seed", "type", "seed must be an integer or a string"))
    counters = meta.get("counters", {})
    if not isinstance(counters, dict) or not all(isinstance(v, int) and not isinstance(v, bool) for v in counters.values()):
        out.append(FieldError("workspace.counters", "type", "counters must map names to integers"))
    for name in ("profile", "settings"):
        if name in meta and not isinstance(meta[name], dict):
            out.append(FieldError(f"workspace.{name}", "type", f"{name} must be an object"))
    for name in ("name", "fixtures"):
        if name in meta and not isinstance(meta[name], str):
            out.append(FieldError(f"workspace.{name}", "type", f"{name} must be a string"))
    if "start" in meta and not number(meta["start"]):
        out.append(FieldError("workspace.start", "type", "start must be a number"))
    for name, docs in tables.items():
        if not isinstance(docs, dict) or not all(isinstance(d, dict) for d in docs.values()):
            out.append(FieldError(f"tables.{name}", "type", "a table maps document ids to objects"))
        elif name == JOB_TABLE and not all(number(d.get("due")) and isinstance(d.get("seq"), int)
                                           and isinstance(d.get("kind"), str) and isinstance(d.get("args", {}), dict)
                                           for d in docs.values()):
            out.append(FieldError(f"tables.{name}", "value", "every job needs a numeric due, an integer seq, a kind and args"))
    return out


def _merge(base: dict, override: dict) -> None:
    for k, v in override.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            _merge(base[k], v)
        else:
            base[k] = v


def _repaired_clock(clock: Any, start: Any) -> dict | None:
    """The stored clock made runnable, or None when it already is."""
    def number(v) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool) and v == v and abs(v) != float("inf")

    if not isinstance(clock, dict):
        base = start if number(start) and MIN_TS <= start <= MAX_TS else float(int(time.time()))
        return {"base": base, "anchor": time.time(), "rate": None}
    base, anchor, rate = clock.get("base"), clock.get("anchor"), clock.get("rate")
    ok_base = number(base) and MIN_TS <= base <= MAX_TS
    if ok_base and number(anchor) and valid_rate(rate):
        return None
    if not ok_base:
        base = min(max(base, MIN_TS), MAX_TS) if number(base) else (start if number(start) else float(int(time.time())))
    return {"base": float(base), "anchor": time.time(), "rate": None}


def _describe_clock(clock: Any) -> str:
    if not isinstance(clock, dict):
        return "missing"
    rate = clock.get("rate")
    if valid_rate(rate):
        return f"mode {mode_name(rate)}, time {clock.get('base')!r}"
    return f"rate {str(rate)[:40]}"
