"""A Python client of the /_sim control API over HTTP, with the operation names of the in-process Simulator."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any
from urllib.parse import quote

import requests

from sim.core.clock import parse_duration

DEFAULT_URL = "http://127.0.0.1:8080"
KINDS = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 413: "too_large", 422: "invalid", 429: "rate_limited", 500: "internal", 503: "unavailable"}


class ClientError(Exception):
    """Base of the errors this client raises."""


class ServerUnavailable(ClientError):
    """Nothing answers at the URL (not started, wrong port) or the connection broke."""

    def __init__(self, url: str, reason: str = ""):
        self.url = url
        self.reason = reason
        super().__init__(f"no leadsim server answers at {url}" + (f" ({reason})" if reason else ""))


class ControlError(ClientError):
    """The server answered with an error (a problem+json body from /_sim, or anything else non-2xx)."""

    def __init__(self, status: int, detail: str, *, title: str = "", errors: list | None = None, body: Any = None):
        self.status = status
        self.detail = detail
        self.title = title
        self.errors = errors or []
        self.body = body
        self.kind = KINDS.get(status, "error")
        super().__init__(f"{status} {title or self.kind}: {detail}")


class Client:
    """``Client(url).create_workspace(seed=7)``: each method is one /_sim call; errors raise ``ControlError``.

    Lists come back unwrapped (``list_workspaces()`` is a list, as in ``Simulator``). ``url`` defaults to
    ``$LEADSIM_URL`` or http://127.0.0.1:8080; ``admin_token`` to ``$LEADSIM_ADMIN_TOKEN``.
    """

    def __init__(self, url: str | None = None, *, admin_token: str | None = None, timeout: float = 30.0,
                 session: requests.Session | None = None):
        self.url = (url or os.environ.get("LEADSIM_URL") or DEFAULT_URL).rstrip("/")
        self.admin_token = admin_token if admin_token is not None else os.environ.get("LEADSIM_ADMIN_TOKEN") or None
        self.timeout = timeout
        self.http = session or requests.Session()
        # a local server must not be reached through a proxy configured for the outside world
        self.http.trust_env = False

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client({self.url!r})"

    # --- transport ------------------------------------------------------------------------------
    def request(self, method: str, path: str, *, json: Any = None, params: dict | None = None,
                timeout: Any = None) -> Any:
        """One call to ``/_sim{path}``: the parsed JSON body, or None for an empty answer."""
        headers = {"Accept": "application/json"}
        if self.admin_token:
            headers["Authorization"] = f"Bearer {self.admin_token}"
        params = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            resp = self.http.request(method, f"{self.url}/_sim{path}", json=json, params=params or None,
                                     headers=headers, timeout=timeout if timeout is not None else self.timeout)
        except requests.ConnectionError as exc:
            raise ServerUnavailable(self.url, _reason(exc)) from None
        except requests.Timeout:
            raise ServerUnavailable(self.url, "timed out") from None
        if resp.status_code >= 400:
            raise _error(resp)
        if not resp.content:
            return None
        try:
            return resp.json()
        except ValueError:
            raise ControlError(resp.status_code, "the server answered with something that is not JSON",
                               body=resp.text[:500]) from None

    # --- server ---------------------------------------------------------------------------------
    def health(self) -> dict:
        return self.request("GET", "/health")

    def index(self) -> dict:
        """Version, mounted vendors (name, title, mounts, roots, openapi) and the /_sim route table."""
        return self.request("GET", "/")

    def vendors(self) -> list[dict]:
        return self.index()["vendors"]

    # --- workspaces -----------------------------------------------------------------------------
    def create_workspace(self, name: str | None = None, seed: int | str | None = None, start: str | datetime | None = None,
                         fixtures: str | None = None, profile: dict | None = None, clock: str | None = None) -> dict:
        body = {"name": name, "seed": seed, "start": _iso(start), "fixtures": fixtures, "profile": profile, "clock": clock}
        return self.request("POST", "/workspaces", json={k: v for k, v in body.items() if v is not None})

    def list_workspaces(self) -> list[dict]:
        return self.request("GET", "/workspaces")["workspaces"]

    def get_workspace(self, ws: str) -> dict:
        return self.request("GET", f"/workspaces/{_q(ws)}")

    describe = get_workspace

    def keys(self, ws: str) -> dict[str, str]:
        return self.get_workspace(ws)["keys"]

    def delete_workspace(self, ws: str) -> None:
        self.request("DELETE", f"/workspaces/{_q(ws)}")

    def reset(self, ws: str | None = None) -> dict | None:
        """Reset one workspace to its fixtures, clock start and seed; with no id, empty everything."""
        if ws is None:
            self.request("POST", "/reset", timeout=(5, None))
            return None
        return self.request("POST", f"/workspaces/{_q(ws)}/reset", timeout=(5, None))

    def snapshot(self, ws: str) -> dict:
        return self.request("GET", f"/workspaces/{_q(ws)}/snapshot", timeout=(5, None))

    def restore(self, ws: str, snap: dict) -> dict:
        return self.request("PUT", f"/workspaces/{_q(ws)}/snapshot", json=snap, timeout=(5, None))

    def get_profile(self, ws: str) -> dict:
        return self.request("GET", f"/workspaces/{_q(ws)}/profile")

    def set_profile(self, ws: str, override: dict) -> dict:
        return self.request("PUT", f"/workspaces/{_q(ws)}/profile", json=override)

    # --- clock ----------------------------------------------------------------------------------
    def clock(self, ws: str) -> dict:
        """``{"now", "mode"}`` of the workspace clock."""
        return self.request("GET", f"/workspaces/{_q(ws)}/clock")

    def set_clock_mode(self, ws: str, mode: str) -> dict:
        return self.request("PUT", f"/workspaces/{_q(ws)}/clock", json={"mode": mode})

    def advance(self, ws: str, seconds: float | str | None = None, to: str | datetime | None = None) -> dict:
        """Move the clock forward by ``seconds`` (a number or a duration like ``"2h"``) or ``to`` a time.

        Returns when every job due up to the new time has run and every due webhook had its attempt.
        """
        if isinstance(seconds, str):
            seconds = parse_duration(seconds)
        body = {"seconds": seconds} if to is None else {"to": _iso(to)}
        if seconds is not None and to is not None:
            body = {"seconds": seconds, "to": _iso(to)}  # let the server report the conflict
        return self.request("POST", f"/workspaces/{_q(ws)}/clock/advance", json=body, timeout=(5, None))

    # --- journal and webhooks -------------------------------------------------------------------
    def journal_entries(self, ws: str, vendor: str | None = None, limit: int | None = None) -> list[dict]:
        return self.request("GET", f"/workspaces/{_q(ws)}/journal", params={"vendor": vendor, "limit": limit})["entries"]

    def deliveries(self, ws: str, vendor: str | None = None, limit: int | None = None) -> list[dict]:
        params = {"vendor": vendor, "limit": limit}
        return self.request("GET", f"/workspaces/{_q(ws)}/deliveries", params=params)["deliveries"]

    def report(self, ws: str, vendor: str | None = None) -> dict:
        """The rehearsal report: ``ok``, ``requests``, ``by_vendor`` and ``findings`` (DESIGN 7.1)."""
        return self.request("GET", f"/workspaces/{_q(ws)}/report", params={"vendor": vendor})

    def delivery(self, ws: str, delivery_id: str) -> dict:
        return self.request("GET", f"/workspaces/{_q(ws)}/deliveries/{_q(delivery_id)}")

    def notices(self, ws: str) -> list[dict]:
        return self.request("GET", f"/workspaces/{_q(ws)}/notices")["notices"]

    def register_webhook(self, ws: str, body: dict | None = None, **fields: Any) -> dict:
        """``register_webhook(ws, {"vendor": "cluetik", "url": ...})`` or with keywords; returns id and secret."""
        return self.request("POST", f"/workspaces/{_q(ws)}/webhooks", json={**(body or {}), **fields})

    def subscriptions(self, ws: str) -> list[dict]:
        return self.request("GET", f"/workspaces/{_q(ws)}/webhooks")["webhooks"]

    def set_subscription_status(self, ws: str, sub_id: str, status: str) -> dict:
        action = {"active": "enable", "disabled": "disable"}.get(status)
        if action is None:
            raise ValueError("status must be 'active' or 'disabled'")
        return self.request("POST", f"/workspaces/{_q(ws)}/webhooks/{_q(sub_id)}/{action}")

    # --- faults and keys ------------------------------------------------------------------------
    def add_fault(self, ws: str, body: dict | None = None, **rule: Any) -> dict:
        """``add_fault(ws, vendor="leadterra", path="/leadterra/v1/campaigns*", status=503, count=1)``."""
        return self.request("POST", f"/workspaces/{_q(ws)}/faults", json={**(body or {}), **rule})

    def list_faults(self, ws: str) -> list[dict]:
        return self.request("GET", f"/workspaces/{_q(ws)}/faults")["faults"]

    def delete_fault(self, ws: str, fid: str | None = None) -> None:
        """Delete one rule, or every rule of the workspace when ``fid`` is None."""
        self.request("DELETE", f"/workspaces/{_q(ws)}/faults" + (f"/{_q(fid)}" if fid else ""))

    def add_key(self, ws: str, vendor: str, key: str | None = None, **meta: Any) -> dict:
        body = {"vendor": vendor, **({"key": key} if key is not None else {}), **meta}
        return self.request("POST", f"/workspaces/{_q(ws)}/keys", json=body)

    def revoke_key(self, ws: str, vendor: str, key: str) -> dict:
        return self.request("POST", f"/workspaces/{_q(ws)}/keys/{_q(vendor)}/{_q(key)}/revoke")

    # --- vendor controls ------------------------------------------------------------------------
    def vendor_control(self, ws: str, vendor: str, path: str, body: Any = None, method: str = "POST") -> Any:
        """A vendor's own sim control at ``/_sim/workspaces/{ws}/{vendor}{path}`` (inject a reply, a bounce...)."""
        return self.request(method, f"/workspaces/{_q(ws)}/{_q(vendor)}/{path.lstrip('/')}", json=body)


def _q(part: str) -> str:
    return quote(str(part), safe="")


def _iso(value: str | datetime | None) -> str | None:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _reason(exc: requests.ConnectionError) -> str:
    text = str(exc)
    if "Connection refused" in text or "ECONNREFUSED" in text:
        return "connection refused"
    if "Name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
        return "unknown host"
    if "RemoteDisconnected" in text or "Connection aborted" in text:
        return "the connection was closed before an answer"
    return "could not connect"


def _error(resp: requests.Response) -> ControlError:
    try:
        body = resp.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        return ControlError(resp.status_code, body["detail"], title=str(body.get("title") or ""),
                            errors=body.get("errors") if isinstance(body.get("errors"), list) else None, body=body)
    text = resp.text.strip()
    return ControlError(resp.status_code, text[:300] or resp.reason or "error", title=resp.reason or "", body=body or text)
