"""What the dashboard shows, gathered from the Simulator (no Flask): campaigns, timeline, deliveries, journal.

Campaign numbers come only from each vendor's ``VendorSpec.campaigns`` hook, which reuses the vendor's own
stats code, so the page always shows what the vendor's API answers. Call the gatherers under the store lock.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from sim.core.clock import from_ts

SERIES = (("sent", "Sent"), ("opened", "Opened"), ("replied", "Replied"), ("bounced", "Bounced"))
FIGURES = ("total", "sent", "bounced", "opened", "replied")
RECENT = 25
TIMELINE_DAYS = (7, 60)  # at least a week is drawn, at most the last 60 days


def campaigns(sim, ws: str) -> list[dict]:
    """Every campaign of every vendor with a ``campaigns`` hook, tagged with its vendor and API base."""
    out = []
    for spec in sim.specs.values():
        if spec.campaigns is None:
            continue
        mount = (spec.roots if sim.config.vendor else spec.mounts)[0]
        for row in spec.campaigns(sim.context(ws, spec.name)):
            method, _, path = (row.get("source") or "").partition(" ")
            progress = row.get("progress")
            if progress is None:
                total, sent = row.get("total"), row.get("sent")
                progress = min(sent / total, 1.0) if total and sent is not None else 0.0
            out.append({**row, "id": str(row["id"]), "vendor": spec.name, "vendor_title": spec.title,
                        "source_method": method, "source_url": mount + path if path else None,
                        "progress": max(0.0, min(float(progress), 1.0))})
    return out


def totals(rows: list[dict]) -> dict[str, int]:
    out = dict.fromkeys(FIGURES, 0)
    for row in rows:
        for k in FIGURES:
            if isinstance(row.get(k), int):
                out[k] += row[k]
    out["campaigns"] = len(rows)
    out["running"] = sum(1 for r in rows if r["status"] in ("running", "active", "launching"))
    return out


def timeline(rows: list[dict], now_ts: float, width: int = 960, height: int = 240) -> dict:
    """Stacked bars of events per simulated UTC day (sent, opened, replied, bounced), as SVG geometry."""
    per_day: dict[str, dict[str, int]] = {}
    for row in rows:
        for day, counts in (row.get("daily") or {}).items():
            bucket = per_day.setdefault(day, {})
            for k, _ in SERIES:
                bucket[k] = bucket.get(k, 0) + int(counts.get(k, 0) or 0)
    today = from_ts(now_ts).date()
    first = min((datetime.strptime(d, "%Y-%m-%d").date() for d in per_day), default=today)
    first = min(first, today)
    span = (today - first).days + 1
    if span > TIMELINE_DAYS[1]:  # a long history: its last 60 days
        span, start = TIMELINE_DAYS[1], today - timedelta(days=TIMELINE_DAYS[1] - 1)
    else:  # from the first event, and at least a week (the days to come stay empty)
        span, start = max(span, TIMELINE_DAYS[0]), first
    days = [start + timedelta(days=i) for i in range(span)]
    left, right, top, bottom = 48, 12, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((sum(per_day.get(d.isoformat(), {}).values()) for d in days), default=0)
    ymax = nice_ceiling(peak)
    slot = plot_w / span
    bar_w = max(2.0, slot * 0.72)
    bars = []
    for i, d in enumerate(days):
        counts = per_day.get(d.isoformat(), {})
        x = left + i * slot + (slot - bar_w) / 2
        y = top + plot_h
        segments = []
        for key, label in SERIES:
            n = counts.get(key, 0)
            if not n:
                continue
            h = plot_h * n / ymax
            y -= h
            segments.append({"key": key, "label": label, "n": n, "x": round(x, 2), "y": round(y, 2),
                             "w": round(bar_w, 2), "h": round(max(h, 0.5), 2)})
        title = f"{d:%a %d %b %Y}: " + ", ".join(f"{counts.get(k, 0)} {label.lower()}" for k, label in SERIES)
        bars.append({"day": d.isoformat(), "segments": segments, "title": title, "x": round(left + i * slot, 2),
                     "w": round(slot, 2), "total": sum(counts.values())})
    every = max(1, math.ceil(span / 10))
    xlabels = [{"x": round(left + i * slot + slot / 2, 2), "text": f"{d:%b %d}"} for i, d in enumerate(days)
               if (span - 1 - i) % every == 0]
    yticks = [{"y": round(top + plot_h - plot_h * v / ymax, 2), "text": f"{v:,}"} for v in ticks(ymax)]
    return {"today": today.isoformat(), "width": width, "height": height, "left": left, "right": width - right, "top": top,
            "bottom": top + plot_h, "bars": bars, "xlabels": xlabels, "yticks": yticks, "series": SERIES,
            "events": sum(b["total"] for b in bars), "days": span,
            "sums": {k: sum(c.get(k, 0) for d, c in per_day.items() if d >= start.isoformat()) for k, _ in SERIES}}


def nice_ceiling(n: float) -> int:
    """The smallest 1, 2, 2.5 or 5 times a power of ten that is at least ``n`` (at least 4)."""
    if n <= 4:
        return 4
    power = 10 ** math.floor(math.log10(n))
    for m in (1, 2, 2.5, 5, 10):
        if m * power >= n:
            return int(m * power)
    return int(10 * power)  # pragma: no cover - the loop always returns


def ticks(ymax: int) -> list[int]:
    step = ymax / 4
    return [round(step * i) for i in range(5)]


def deliveries(sim, ws: str, limit: int | None = RECENT) -> tuple[list[dict], dict]:
    """The newest delivery attempts first, and counts of deliveries by final state."""
    rows = sim.dispatcher.rows(ws)
    table = sim.store.table(f"w/{ws}/core/deliveries")
    states: dict[str, int] = {}
    for doc in table:
        states[doc["state"]] = states.get(doc["state"], 0) + 1
    rows.reverse()
    return (rows[:limit] if limit else rows), states


def delivery(sim, ws: str, delivery_id: str) -> dict | None:
    doc = sim.dispatcher.body_of(ws, delivery_id)
    if doc is None:
        return None
    body = doc["body"].encode()
    import hashlib

    attempts = [{**a, "at": sim.iso(a["at"])} for a in doc["attempts"]]
    return {**doc, "attempts": attempts, "bytes": body, "size": len(body), "sha256": hashlib.sha256(body).hexdigest(),
            "created": sim.iso(doc["created_at"]), "next": sim.iso(doc["next_at"]) if doc.get("next_at") else None,
            "pretty": pretty_json(doc["body"])}


def journal(sim, ws: str, vendor: str | None = None, limit: int | None = RECENT) -> tuple[list[dict], int]:
    """The newest journal entries first, and the number of entries kept."""
    table = sim.journal.table(ws)
    rows = sim.journal.entries(ws, vendor or None, limit)
    rows.reverse()
    return rows, len(table)


def pretty_json(text: str) -> str:
    import json

    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


def dumps(value: Any) -> str:
    import json

    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False)


def ago(at_iso: str | None, now_ts: float) -> str:
    """'3 h ago' in simulated time, for the tables."""
    if not at_iso:
        return ""
    try:
        then = datetime.fromisoformat(at_iso.replace("Z", "+00:00"))
    except ValueError:
        return ""
    secs = now_ts - then.replace(tzinfo=then.tzinfo or UTC).timestamp()
    if secs < 0:
        return "in " + _span(-secs)
    return _span(secs) + " ago" if secs >= 1 else "now"


def _span(secs: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if secs >= size:
            return f"{int(secs // size)} {unit}"
    return f"{int(secs)} s"
