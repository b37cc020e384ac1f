"""One webhook dispatcher for every vendor: subscriptions, signed payloads, real HTTP, retries on the clock.

Vendors contribute a ``WebhookProfile`` (envelope, signer, retry schedule, disabling rule). An emitted
event becomes one delivery per matching subscription; each attempt is a scheduler job of kind
``webhook.attempt``, so retries run on the workspace clock and survive restart. The body bytes and
headers are fixed when the event is emitted, so every retry sends the identical bytes.
"""

from __future__ import annotations

import http.client
import ipaddress
import ssl
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sim.core.errors import FieldError, Invalid
from sim.core.signing import compact_json, hmac_hex

ATTEMPT_JOB = "webhook.attempt"
SUBSCRIPTIONS = "core/subscriptions"
DELIVERIES = "core/deliveries"
NOTICES = "core/notices"


class WebhookProfile:
    """A vendor's delivery rules. Subclass and override ``envelope``/``encode`` where the vendor differs."""

    vendor = ""
    events: tuple[str, ...] = ()
    retry_delays: tuple[float, ...] = (60, 300, 1800)
    disable_after: int | None = None  # consecutive exhausted events before a subscription is disabled
    signature_header = ""
    user_agent = "leadsim-webhooks/1.0"

    def envelope(self, *, event: str, event_id: str, data: Any, now_iso: str) -> dict:
        return {"id": event_id, "event": event, "created_at": now_iso, "data": data}

    def encode(self, payload: dict, secret: str, *, event: str, event_id: str, delivery_id: str) -> tuple[bytes, dict]:
        body = compact_json(payload)
        headers = {"Content-Type": "application/json", "User-Agent": self.user_agent}
        if self.signature_header:
            headers[self.signature_header] = hmac_hex(secret, body)
        return body, headers

    def encode_for(self, subscription: dict | None, payload: dict, secret: str, *, event: str, event_id: str,
                   delivery_id: str) -> tuple[bytes, dict]:
        """``encode`` for one target: ``subscription`` is its stored document (None for a direct ``url``).

        Override to sign per subscription (e.g. a signature format chosen at registration)."""
        return self.encode(payload, secret, event=event, event_id=event_id, delivery_id=delivery_id)


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_target(url: Any, field: str = "url") -> str:
    """https anywhere; plain http only on loopback. Raises ``Invalid`` naming ``field``."""
    if not isinstance(url, str) or not url.strip():
        raise Invalid(f"{field} is required", fields=[FieldError(field, "required", f"{field} is required")])
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        host, parts = None, None
    if parts is None or parts.scheme not in ("http", "https") or not host:
        raise Invalid(f"{field} must be an absolute https URL",
                      fields=[FieldError(field, "format", f"{field} must be an absolute https URL")])
    if parts.scheme == "http" and not is_loopback_host(host):
        raise Invalid(f"{field} must use https",
                      fields=[FieldError(field, "format", f"{field} must use https (plain http is accepted only on loopback)")])
    return url.strip()


@dataclass
class Outcome:
    delivery_id: str
    ws: str
    status: int | None
    error: str | None
    duration_ms: int
    at: float  # simulated time of the attempt


class Dispatcher:
    """Creates deliveries from events and performs attempts over HTTP in parallel."""

    def __init__(self, sim, timeout: float = 10.0, workers: int = 16):
        self.sim = sim
        self.timeout = timeout
        self.workers = workers
        self._pool: ThreadPoolExecutor | None = None
        self._local = threading.local()

    # --- subscriptions ----------------------------------------------------------------------
    def subscriptions(self, ws: str):
        return self.sim.store.table(f"w/{ws}/{SUBSCRIPTIONS}")

    def subscribe(self, ws: str, vendor: str, url: str, *, events: list[str] | None, secret: str,
                  sub_id: str, meta: dict | None = None) -> dict:
        doc = {"vendor": vendor, "url": url, "events": events, "secret": secret, "status": "active",
               "exhausted_in_row": 0, "created_at": self.sim.clock(ws).now_ts(), "meta": meta or {}}
        self.subscriptions(ws).put(sub_id, doc)
        return {"id": sub_id, **doc}

    def set_status(self, ws: str, sub_id: str, status: str) -> dict | None:
        subs = self.subscriptions(ws)
        if sub_id not in subs:
            return None
        doc = subs.update(sub_id, {"status": status, "exhausted_in_row": 0})
        return {"id": sub_id, **doc}

    # --- emitting ---------------------------------------------------------------------------
    def emit(self, ws: str, profile: WebhookProfile, event: str, data: Any, *, url: str | None = None,
             secret: str | None = None, order_key: str | None = None, payload: dict | None = None) -> list[str]:
        """Queue ``event`` for every active subscription of the vendor that wants it (or for ``url``)."""
        if url is not None:
            targets = [("", url, secret or "", None)]
        else:
            targets = [(s.doc_id, s["url"], s["secret"], s) for s in self.subscriptions(ws)
                       if s["vendor"] == profile.vendor and s["status"] == "active"
                       and (not s["events"] or event in s["events"])]
        if not targets:
            return []
        sim = self.sim
        clock = sim.clock(ws)
        now = clock.now_ts()
        ids = sim.ids(ws)
        event_id = ids.hex("evt_", 24)
        if payload is None:
            payload = profile.envelope(event=event, event_id=event_id, data=data, now_iso=sim.iso(now))
        out = []
        deliveries = sim.store.table(f"w/{ws}/{DELIVERIES}")
        for sub_id, target, key, sub in targets:
            delivery_id = ids.hex("dlv_", 20)
            body, headers = profile.encode_for(sub, payload, key, event=event, event_id=event_id,
                                               delivery_id=delivery_id)
            deliveries.put(delivery_id, {
                "vendor": profile.vendor, "subscription": sub_id, "event": event, "event_id": event_id,
                "url": target, "body": body.decode(), "headers": headers, "order": order_key or delivery_id,
                "state": "pending", "attempts": [], "created_at": now, "next_at": now})
            sim.scheduler.schedule(ws, ATTEMPT_JOB, now, {"delivery": delivery_id})
            out.append(delivery_id)
        sim.wake()
        return out

    # --- attempts ---------------------------------------------------------------------------
    def _connection(self, scheme: str, host: str, port: int | None, fresh: bool = False) -> http.client.HTTPConnection:
        """A kept-alive connection of this worker thread to (scheme, host, port)."""
        conns = self._local.__dict__.setdefault("conns", {})
        key = (scheme, host, port)
        conn = conns.get(key)
        if conn is not None and fresh:
            conn.close()
            conn = None
        if conn is None:
            if scheme == "https":
                conn = http.client.HTTPSConnection(host, port, timeout=self.timeout, context=ssl.create_default_context())
            else:
                conn = http.client.HTTPConnection(host, port, timeout=self.timeout)
            conns[key] = conn
        return conn

    def _post(self, doc: dict) -> tuple[int | None, str | None, int]:
        """One attempt. Redirects are not followed; any non-2xx or a timeout is a failure."""
        started = time.perf_counter()
        status = error = None
        try:
            parts = urlsplit(doc["url"])
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            body = doc["body"].encode()
            for attempt in (0, 1):
                conn = self._connection(parts.scheme, parts.hostname, parts.port, fresh=attempt == 1)
                reused = conn.sock is not None
                try:
                    conn.request("POST", path, body=body, headers=doc["headers"])
                    response = conn.getresponse()
                    response.read()
                    if response.will_close:
                        conn.close()
                    break
                except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                    conn.close()
                    if attempt == 1 or not reused:  # only a stale kept-alive connection earns a second try
                        raise
            status = response.status
            error = None if 200 <= status < 300 else f"HTTP {status}"
        except TimeoutError:
            self._drop(doc["url"])
            status, error = None, f"timeout after {self.timeout:g}s"
        except (OSError, http.client.HTTPException) as exc:
            self._drop(doc["url"])
            status, error = None, f"connection error: {type(exc).__name__}"
        except ValueError:  # e.g. a port out of range: the URL cannot be connected to
            status, error = None, "connection error: InvalidURL"
        except Exception as exc:  # an odd URL must fail this attempt, never lose the delivery
            self._drop(doc["url"])
            status, error = None, f"request error: {type(exc).__name__}"
        return status, error, int((time.perf_counter() - started) * 1000)

    def _drop(self, url: str) -> None:
        try:
            parts = urlsplit(url)
            conn = self._local.__dict__.get("conns", {}).pop((parts.scheme, parts.hostname, parts.port), None)
        except ValueError:
            return
        if conn is not None:
            conn.close()

    def send(self, ws: str, batch: list[tuple[str, float]]) -> list[Outcome]:
        """Perform the attempts (no lock held). Deliveries sharing an order key go in sequence."""
        deliveries = self.sim.store.table(f"w/{ws}/{DELIVERIES}")
        groups: dict[str, list[tuple[str, float, dict]]] = defaultdict(list)
        for delivery_id, at in batch:
            doc = deliveries.get(delivery_id)
            if doc is not None and doc["state"] == "pending":
                groups[doc["order"]].append((delivery_id, at, doc))

        def run(items):
            return [Outcome(d, ws, *self._post(doc), at=at) for d, at, doc in items]

        if not groups:
            return []
        if len(groups) == 1:
            return run(next(iter(groups.values())))
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="leadsim-webhook")
        results = []
        for chunk in self._pool.map(run, groups.values()):
            results.extend(chunk)
        return results

    def record(self, profile_for, outcomes: list[Outcome]) -> None:
        """Store each attempt; schedule the retry or settle the delivery. Call under the store lock."""
        sim = self.sim
        for o in outcomes:
            deliveries = sim.store.table(f"w/{o.ws}/{DELIVERIES}")
            doc = deliveries.get(o.delivery_id)
            if doc is None:
                continue
            profile = profile_for(doc["vendor"])
            attempts = list(doc["attempts"])
            ok = o.error is None
            attempts.append({"attempt": len(attempts) + 1, "at": o.at, "status": o.status,
                             "error": o.error, "duration_ms": o.duration_ms})
            changes: dict[str, Any] = {"attempts": attempts}
            if ok:
                changes.update(state="delivered", next_at=None)
            elif len(attempts) <= len(profile.retry_delays):
                due = o.at + profile.retry_delays[len(attempts) - 1]
                changes.update(next_at=due)
                sim.scheduler.schedule(o.ws, ATTEMPT_JOB, due, {"delivery": o.delivery_id})
            else:
                changes.update(state="failed", next_at=None)
            deliveries.update(o.delivery_id, changes)
            if doc["subscription"]:
                self._settle_subscription(o.ws, doc["subscription"], profile, changes["state"] if "state" in changes else None)

    def _settle_subscription(self, ws: str, sub_id: str, profile: WebhookProfile, state: str | None) -> None:
        subs = self.subscriptions(ws)
        sub = subs.get(sub_id)
        if sub is None or state is None:
            return
        if state == "delivered":
            if sub["exhausted_in_row"]:
                subs.update(sub_id, {"exhausted_in_row": 0})
            return
        count = sub["exhausted_in_row"] + 1
        changes: dict[str, Any] = {"exhausted_in_row": count}
        if profile.disable_after and count >= profile.disable_after and sub["status"] == "active":
            changes["status"] = "disabled"
            now = self.sim.clock(ws).now_ts()
            self.sim.store.table(f"w/{ws}/{NOTICES}").put(self.sim.ids(ws).hex("ntc_", 16), {
                "kind": "webhook_disabled", "subscription": sub_id, "url": sub["url"], "at": now,
                "message": f"Webhook {sub['url']} was disabled after {count} consecutive failed events"})
        subs.update(sub_id, changes)

    def rows(self, ws: str, vendor: str | None = None) -> list[dict]:
        """Every attempt made, then every attempt still waiting, oldest first."""
        sim = self.sim
        out = []
        for doc in sim.store.table(f"w/{ws}/{DELIVERIES}"):
            if vendor and doc["vendor"] != vendor:
                continue
            base = {"delivery_id": doc.doc_id, "vendor": doc["vendor"], "event": doc["event"],
                    "event_id": doc["event_id"], "url": doc["url"], "subscription_id": doc["subscription"] or None}
            n = len(doc["attempts"])
            for a in doc["attempts"]:
                last = a["attempt"] == n
                state = doc["state"] if last else "retrying"
                if last and doc["state"] == "pending":
                    state = "retrying"
                out.append({**base, "attempt": a["attempt"], "status": a["status"], "error": a["error"],
                            "duration_ms": a["duration_ms"], "at": sim.iso(a["at"]), "state": state,
                            "next_retry_at": sim.iso(doc["next_at"]) if last and doc["next_at"] is not None else None})
            if doc["state"] == "pending" and n == 0:
                out.append({**base, "attempt": 1, "status": None, "error": None, "duration_ms": None, "at": None,
                            "state": "pending", "next_retry_at": sim.iso(doc["next_at"])})
        return out

    def body_of(self, ws: str, delivery_id: str) -> dict | None:
        doc = self.sim.store.table(f"w/{ws}/{DELIVERIES}").get(delivery_id)
        return None if doc is None else {"id": delivery_id, **doc}

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
