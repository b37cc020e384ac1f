"""The rehearsal report (DESIGN 7.1): how a client used each vendor, graded against the vendor's own guidance.

Pure: ``build_report`` reads journal entries and delivery documents and returns the report; no Flask, no store.
Retry-After and backoff are judged on real time (``real_at``), polling gaps on the workspace clock (``at``).
"""

from __future__ import annotations

import re
from collections import defaultdict, deque
from collections.abc import Iterable
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

MAX_SEQS = 20
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
WRITES = frozenset(("POST", "PUT", "PATCH", "DELETE"))
RETRIES_ALLOWED = 3
PUFFLE_POLL_GAP = {"launching": 30.0, "active": 60.0}
SINGLE_SUBMITS_PER_MINUTE = 20
# A gap "grows" when it is longer than the one before by more than this share and at least this many seconds:
# the noise of a client retrying at a fixed interval never counts as backing off.
GROWTH_SHARE = 0.10
GROWTH_MIN_S = 0.05

GUIDANCE = {
    "ignored_retry_after": {
        None: ("When you receive 429 Too Many Requests, check Retry-After and back off before retrying.",
               "seeds/001 (Cluetik: Rate limits); spec/cluetik.md section 5"),
        "autoreach": ("If you receive a 429, wait the Retry-After duration, then retry.",
                      "seeds/004 (AutoReach: Handling Rate Limits); spec/autoreach.md section 5"),
        "puffle": ("503 is a transient LinkedIn sender verification error: retry after 30 s; on 429 honour Retry-After.",
                   "seeds/002 (Puffle Launch Campaign: error reference); spec/puffle.md sections 4.7 and 9"),
        "leadconduit": ("Respect rate limits and implement exponential backoff for retries.",
                        "seeds/003 (LeadConduit: Security Best Practices); spec/leadconduit.md section 6"),
    },
    "retry_without_backoff": {
        None: ("Back off before retrying, and wait longer after each failure (exponential backoff).",
               "seeds/001 (Cluetik: Rate limits); seeds/003 (LeadConduit: Security Best Practices)"),
        "autoreach": ("If you get another 429, double the wait time.",
                      "seeds/004 (AutoReach: Handling Rate Limits); spec/autoreach.md section 5"),
        "leadconduit": ("Respect rate limits and implement exponential backoff for retries.",
                        "seeds/003 (LeadConduit: Security Best Practices); spec/leadconduit.md section 6"),
    },
    "too_many_retries": {
        None: ("Give up after a few retries: AutoReach documents a maximum retry count of 3 attempts.",
               "seeds/004 (AutoReach: Handling Rate Limits); spec/autoreach.md sections 5 and 10"),
    },
    "auth_failures": {
        None: ("Invalid or missing keys return 401 Unauthorized: verify your API key; rotate and revoke keys with care.",
               "seeds/001 (Cluetik: API keys); seeds/004 (AutoReach: Error Handling)"),
    },
    "client_errors": {
        None: ("A 4xx means the request must change before it is sent again: check the body, parameters and ids.",
               "seeds/004 (AutoReach: Error Handling); seeds/003 (LeadConduit: HTTP Status Codes)"),
    },
    "puffle.relaunch_while_launching": {
        None: ("Status is launching immediately after a launch: do not re-launch (that is the 409 path).",
               "seeds/002 (Puffle Launch Campaign: AI agent notes); spec/puffle.md section 4.7"),
    },
    "puffle.launch_without_inspection": {
        None: ("Before calling launch, verify the campaign is ready: GET /api/campaigns/:id (status must be draft, "
               "senders attached, pending leads, content on every node).",
               "seeds/002 (Puffle Launch Campaign: AI agent notes); spec/puffle.md sections 4.3 and 4.6"),
    },
    "puffle.poll_too_fast": {
        None: ("Poll GET /api/campaigns/:id every 30 s until status is active, then at a 1-5 min cadence for progress.",
               "seeds/002 (Puffle Launch Campaign: AI agent notes); spec/puffle.md section 4.3"),
    },
    "leadterra.enroll_beyond_capacity": {
        None: ("Use the remainingToday field to make sure you have enough headroom before you enroll a large lead list.",
               "seeds/000 (Leadterra Quickstart, step 2); spec/leadterra.md sections 3.1 and 5 (Capacity rules)"),
    },
    "leadterra.enroll_suppressed": {
        None: ("Addresses on the workspace suppression list are dropped silently at enrolment: leave them out.",
               "spec/leadterra.md sections 3.4 and 5 (Suppression)"),
    },
    "leadterra.start_without_leads": {
        None: ("Enroll your leads first, then start the campaign (start answers 400 no_leads_enrolled otherwise).",
               "seeds/000 (Leadterra Quickstart, step 4); spec/leadterra.md section 3.5"),
    },
    "leadconduit.duplicate_without_external_id": {
        None: ("Idempotency: use unique external IDs to prevent duplicate submissions.",
               "seeds/003 (LeadConduit: Best Practices); spec/leadconduit.md section 4.6"),
    },
    "leadconduit.single_submits_instead_of_batch": {
        None: ("Batch processing: use batch endpoints for high-volume operations (a batch counts as one request).",
               "seeds/003 (LeadConduit: Performance Optimization, Rate Limit Guidelines); spec/leadconduit.md section 2.3"),
    },
    "autoreach.write_before_auth_check": {
        None: ("Make a test request to GET /api/account to verify authentication; start with read-only endpoints.",
               "seeds/004 (AutoReach: Getting Started); spec/autoreach.md section 10"),
    },
    "cluetik.rate_limited": {
        None: ("Default: 100 requests per minute per API key; on 429 check Retry-After and back off before retrying.",
               "seeds/001 (Cluetik: Rate limits); spec/cluetik.md section 5"),
    },
    "webhook_not_acknowledged": {
        None: ("Respond with 2xx within 10 seconds to acknowledge; otherwise the vendor retries, then gives up.",
               "seeds/001 (Cluetik: Webhooks); spec/leadterra.md section 6; DESIGN section 3 (Webhooks)"),
    },
}

SEVERITY = {
    "ignored_retry_after": "error", "retry_without_backoff": "warning", "too_many_retries": "warning",
    "auth_failures": "warning", "client_errors": "info", "puffle.relaunch_while_launching": "error",
    "puffle.launch_without_inspection": "warning", "puffle.poll_too_fast": "warning",
    "leadterra.enroll_beyond_capacity": "warning", "leadterra.enroll_suppressed": "warning",
    "leadterra.start_without_leads": "info", "leadconduit.duplicate_without_external_id": "warning",
    "leadconduit.single_submits_instead_of_batch": "info", "autoreach.write_before_auth_check": "info",
    "cluetik.rate_limited": "warning", "webhook_not_acknowledged": "error",
}
RULES = tuple(SEVERITY)

_PARAM = re.compile(r"\{[^}]*\}")
_STATUS_IN_TEXT = re.compile(r'"status"\s*:\s*"([a-z_]+)"')
_ERROR_CODE = re.compile(r"[a-z][a-z0-9_]*")


class _Finding:
    __slots__ = ("rule", "vendor", "count", "seqs", "detail")

    def __init__(self, rule: str, vendor: str | None):
        self.rule = rule
        self.vendor = vendor
        self.count = 0
        self.seqs: list[int] = []
        self.detail: Any = None

    def hit(self, seqs: Iterable[int] = ()) -> None:
        self.count += 1
        room = MAX_SEQS - len(self.seqs)
        if room > 0:
            for s in seqs:
                if s not in self.seqs:
                    self.seqs.append(s)
                    room -= 1
                    if not room:
                        break


class _Findings:
    def __init__(self):
        self.by_key: dict[tuple, _Finding] = {}

    def get(self, rule: str, vendor: str | None, sub: Any = None) -> _Finding:
        key = (rule, vendor, sub)
        f = self.by_key.get(key)
        if f is None:
            f = self.by_key[key] = _Finding(rule, vendor)
            f.detail = sub
        return f


def _shape(template: str, cache: dict) -> str:
    s = cache.get(template)
    if s is None:
        s = cache[template] = _PARAM.sub("{}", template)
    return s


def _retry_after(value: Any, real_at: float) -> float | None:
    if value is None:
        return None
    text = str(value).strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(text).timestamp() - real_at)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def error_code(body: Any) -> str | None:
    """The vendor's machine-readable error code in any of the five envelopes (Puffle's plain messages have none)."""
    if not isinstance(body, dict):
        return None
    err = body.get("error")
    if isinstance(err, dict) and isinstance(err.get("code"), str):
        return err["code"]
    if isinstance(body.get("code"), str):
        return body["code"]
    if isinstance(err, str) and _ERROR_CODE.fullmatch(err):
        return err
    return None


def _ts(at: str, cache: dict) -> float:
    t = cache.get(at)
    if t is None:
        t = cache[at] = datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp()
    return t


def _campaign_status(body: Any) -> str | None:
    if isinstance(body, dict):
        camp = body.get("campaign")
        return camp.get("status") if isinstance(camp, dict) else None
    if isinstance(body, str):  # a body cut short in the journal
        m = _STATUS_IN_TEXT.search(body)
        return m.group(1) if m else None
    return None


def _path_part(route: str, index: int) -> str:
    parts = route.split("/")
    return parts[index] if len(parts) > index else ""


class _Attempts:
    """What one key did on one method + route: the last attempt, the run of failures, the retry chain after a 429."""

    __slots__ = ("last_end", "last_status", "last_retry_after", "failed", "chain")

    def __init__(self):
        self.last_end = 0.0
        self.last_status = 0
        self.last_retry_after: float | None = None
        self.failed: list[tuple[int, float, float]] = []  # (seq, start, end) of consecutive failed attempts
        self.chain: list[int] | None = None


def _close_failures(att: _Attempts, findings: _Findings, vendor: str) -> None:
    run = att.failed
    if len(run) >= 3:
        gaps = [run[i][1] - run[i - 1][2] for i in range(1, len(run))]
        grows = all(b > a * (1 + GROWTH_SHARE) and b - a >= GROWTH_MIN_S for a, b in zip(gaps, gaps[1:], strict=False))
        if not grows:
            findings.get("retry_without_backoff", vendor).hit(s for s, _, _ in run)
    att.failed = []


def _close_chain(att: _Attempts, findings: _Findings, vendor: str) -> None:
    chain = att.chain
    if chain is not None and len(chain) - 1 > RETRIES_ALLOWED:
        findings.get("too_many_retries", vendor).hit(chain)
    att.chain = None


def build_report(workspace: str, generated_at: str, entries: Iterable[dict], deliveries: Iterable[dict],
                 vendor: str | None = None) -> dict:
    """The report of ``entries`` (journal entries, oldest first) and ``deliveries`` (delivery documents)."""
    findings = _Findings()
    by_vendor: dict[str, dict] = {}
    total = 0
    shapes: dict[str, str] = {}
    times: dict[str, float] = {}
    attempts: dict[tuple, _Attempts] = {}
    # Puffle
    changed: dict[str, int] = {}
    inspected: dict[str, int] = {}
    polled: dict[str, tuple[float, str | None]] = {}
    # LeadConduit
    submits: dict[str, deque] = defaultdict(deque)
    autoreach_seen = False

    counts: dict[tuple, int] = defaultdict(int)
    for e in entries:
        v = e.get("vendor")
        if vendor and v != vendor:
            continue
        status = e.get("status") or 0
        counts[(v, status)] += 1
        seq = e.get("seq")
        method = e.get("method")
        route = e.get("route") or e.get("path") or ""
        template = e.get("template") or route
        shape = shapes.get(template) or _shape(template, shapes)

        # --- retries, Retry-After, backoff (real time) ---
        failed = status == 429 or status >= 500
        akey = (v, e.get("key"), method, shape)
        att = attempts.get(akey)
        if att is not None or failed:
            end = e.get("real_at") or 0.0
            start = end - (e.get("duration_ms") or 0) / 1000
            if att is None:
                att = attempts[akey] = _Attempts()
            elif att.last_retry_after is not None and start - att.last_end < att.last_retry_after:
                findings.get("ignored_retry_after", v).hit((seq,))
            if att.chain is not None:
                att.chain.append(seq)
                if not failed:
                    _close_chain(att, findings, v)
            elif status == 429:
                att.chain = [seq]
            if failed:
                att.failed.append((seq, start, end))
            elif att.failed:
                _close_failures(att, findings, v)
            att.last_end = end
            att.last_retry_after = _retry_after(e.get("retry_after"), end) if status in (429, 503) else None
            if not failed and att.chain is None and not att.failed:
                del attempts[akey]  # nothing pending: the next attempt starts afresh

        # --- answers ---
        if status >= 400:
            if status == 401:
                findings.get("auth_failures", v).hit((seq,))
            elif status < 500 and status != 429:
                findings.get("client_errors", v, (status, error_code(e.get("response")))).hit((seq,))

        # --- vendor rules ---
        if v == "puffle":
            _puffle(e, method, shape, route, status, seq, findings, changed, inspected, polled, times)
        elif v == "leadterra":
            if method == "POST":
                _leadterra(e, method, shape, status, seq, findings)
        elif v == "leadconduit":
            if method == "POST":
                _leadconduit(e, method, shape, route, status, seq, findings, submits, times)
        elif v == "cluetik":
            if status == 429:
                findings.get("cluetik.rate_limited", v).hit((seq,))
        elif v == "autoreach" and not autoreach_seen:
            autoreach_seen = True
            if method in WRITES:
                findings.get("autoreach.write_before_auth_check", v).hit((seq,))

    for (v, status), n in counts.items():
        total += n
        stats = by_vendor.get(v)
        if stats is None:
            stats = by_vendor[v] = {"requests": 0, "errors": 0, "by_status": defaultdict(int)}
        stats["requests"] += n
        stats["by_status"][str(status)] += n
        if status >= 400:
            stats["errors"] += n

    for (v, *_), att in attempts.items():
        _close_failures(att, findings, v)
        _close_chain(att, findings, v)

    failed_deliveries: dict[str, list[dict]] = defaultdict(list)
    for d in deliveries:
        if d.get("state") == "failed" and (not vendor or d.get("vendor") == vendor):
            failed_deliveries[d.get("vendor")].append(d)
    for v, docs in failed_deliveries.items():
        f = findings.get("webhook_not_acknowledged", v)
        for _ in docs:
            f.hit()
        f.detail = docs

    out = [_render(f) for f in findings.by_key.values()]
    out.sort(key=lambda f: (SEVERITY_ORDER[f["severity"]], f["rule"], f["vendor"] or "", f["message"]))
    vendors_out = {v: {"requests": s["requests"], "errors": s["errors"],
                       "by_status": dict(sorted(s["by_status"].items(), key=lambda kv: int(kv[0])))}
                   for v, s in sorted(by_vendor.items(), key=lambda kv: str(kv[0]))}
    return {"workspace": workspace, "generated_at": generated_at,
            "ok": not any(f["severity"] == "error" for f in out), "requests": total,
            "by_vendor": vendors_out, "findings": out}


def _puffle(e, method, shape, route, status, seq, findings, changed, inspected, polled, times) -> None:
    if not shape.startswith("/api/campaigns"):
        return
    if shape == "/api/campaigns" and method == "POST" and 200 <= status < 300:
        body = e.get("response")
        camp = body.get("campaign") if isinstance(body, dict) else None
        if isinstance(camp, dict) and camp.get("id"):
            changed[str(camp["id"])] = seq
        return
    if not shape.startswith("/api/campaigns/{}"):
        return
    cid = _path_part(route, 3)
    if shape == "/api/campaigns/{}/launch" and method == "POST" and status not in (401, 429):
        if status == 409:
            findings.get("puffle.relaunch_while_launching", "puffle").hit((seq,))
        if inspected.get(cid, -1) < changed.get(cid, -1) or cid not in inspected:
            findings.get("puffle.launch_without_inspection", "puffle").hit((seq,))
    if not 200 <= status < 300:
        return
    if method == "GET":
        if shape in ("/api/campaigns/{}", "/api/campaigns/{}/validate"):
            inspected[cid] = seq
        if shape == "/api/campaigns/{}":
            now = _ts(e["at"], times)
            state = _campaign_status(e.get("response"))
            last = polled.get(cid)
            if last is not None:
                limit = PUFFLE_POLL_GAP.get(last[1] or "")
                if limit is not None and now - last[0] < limit:
                    findings.get("puffle.poll_too_fast", "puffle").hit((seq,))
            polled[cid] = (now, state)
    elif method in WRITES:
        changed[cid] = seq


def _leadterra(e, method, shape, status, seq, findings) -> None:
    if method != "POST":
        return
    if shape == "/v1/campaigns/{}/leads/bulk" and 200 <= status < 300:
        body = e.get("response") if isinstance(e.get("response"), dict) else {}
        remaining = (e.get("notes") or {}).get("remainingToday")
        enrolled = body.get("total")
        if isinstance(remaining, int) and isinstance(enrolled, int) and enrolled > remaining:
            findings.get("leadterra.enroll_beyond_capacity", "leadterra").hit((seq,))
        if isinstance(body.get("skipped"), int) and body["skipped"] > 0:
            findings.get("leadterra.enroll_suppressed", "leadterra").hit((seq,))
    elif shape == "/v1/campaigns/{}/start" and status == 400 and error_code(e.get("response")) == "no_leads_enrolled":
        findings.get("leadterra.start_without_leads", "leadterra").hit((seq,))


def _leadconduit(e, method, shape, route, status, seq, findings, submits, times) -> None:
    if method != "POST" or not shape.startswith("/api/v1/flows/{}/leads"):
        return
    if shape == "/api/v1/flows/{}/leads":
        if status == 409 and error_code(e.get("response")) == "duplicate_detected" and not _has_external_id(e.get("request")):
            findings.get("leadconduit.duplicate_without_external_id", "leadconduit").hit((seq,))
        if status in (401, 429):
            return
        window = submits[_path_part(route, 4)]
        now = _ts(e["at"], times)
        window.append(now)
        while now - window[0] >= 60:
            window.popleft()
        if len(window) > SINGLE_SUBMITS_PER_MINUTE:
            findings.get("leadconduit.single_submits_instead_of_batch", "leadconduit").hit((seq,))
    elif shape == "/api/v1/flows/{}/leads/batch" and status == 207:
        n = (e.get("notes") or {}).get("duplicatesWithoutExternalId")
        if n is None:
            body = e.get("response") if isinstance(e.get("response"), dict) else {}
            n = sum(1 for r in body.get("results") or [] if isinstance(r, dict) and not r.get("external_id")
                    and isinstance(r.get("error"), dict) and r["error"].get("code") == "duplicate_detected")
        f = findings.get("leadconduit.duplicate_without_external_id", "leadconduit") if n else None
        for _ in range(n or 0):
            f.hit((seq,))


def _has_external_id(body: Any) -> bool:
    if isinstance(body, dict):
        return bool(body.get("external_id"))
    return isinstance(body, str) and '"external_id"' in body


def _render(f: _Finding) -> dict:
    guidance, source = GUIDANCE[f.rule].get(f.vendor) or GUIDANCE[f.rule][None]
    return {"rule": f.rule, "vendor": f.vendor, "severity": SEVERITY[f.rule], "count": f.count,
            "journal_seqs": f.seqs, "message": _message(f), "guidance": guidance, "source": source}


def _message(f: _Finding) -> str:
    n, v = f.count, f.vendor
    times_ = "time" if n == 1 else "times"
    if f.rule == "ignored_retry_after":
        return f"{n} {v} request(s) repeated the same method and route before Retry-After had passed"
    if f.rule == "retry_without_backoff":
        return f"{n} run(s) of 3 or more failed {v} attempts of one method and route without growing waits"
    if f.rule == "too_many_retries":
        return f"{n} {v} retry chain(s) after a 429 went past {RETRIES_ALLOWED} retries"
    if f.rule == "auth_failures":
        return f"{v} answered 401 {n} {times_}"
    if f.rule == "client_errors":
        status, code = f.detail
        return f"{v} answered {status}" + (f" {code}" if code else "") + f" {n} {times_}"
    if f.rule == "puffle.relaunch_while_launching":
        return f"{n} launch(es) answered 409: the campaign was launching or already launched"
    if f.rule == "puffle.launch_without_inspection":
        return f"{n} launch(es) without a GET of the campaign (or /validate) since it last changed"
    if f.rule == "puffle.poll_too_fast":
        return f"{n} poll(s) of a campaign under 30 simulated seconds apart while launching, or under 60 once active"
    if f.rule == "leadterra.enroll_beyond_capacity":
        return f"{n} bulk enrolment(s) of more leads than the pools' summed remainingToday"
    if f.rule == "leadterra.enroll_suppressed":
        return f"{n} bulk enrolment(s) included suppressed addresses"
    if f.rule == "leadterra.start_without_leads":
        return f"{n} start(s) answered 400 no_leads_enrolled"
    if f.rule == "leadconduit.duplicate_without_external_id":
        return f"{n} submission(s) without external_id were answered duplicate_detected"
    if f.rule == "leadconduit.single_submits_instead_of_batch":
        return f"{n} single submit(s) past {SINGLE_SUBMITS_PER_MINUTE} to one flow within one simulated minute"
    if f.rule == "autoreach.write_before_auth_check":
        return "the first AutoReach request was a write, not GET /api/account"
    if f.rule == "cluetik.rate_limited":
        return f"Cluetik answered 429 {n} {times_}"
    docs = f.detail or []
    ids = ", ".join(f"{d.get('id') or d.get('delivery_id')} ({d.get('event')})" for d in docs[:5])
    more = f" and {len(docs) - 5} more" if len(docs) > 5 else ""
    return f"{n} {v} webhook deliveries failed (never a 2xx within 10 s): {ids}{more}"
