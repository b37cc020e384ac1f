"""Puffle sender accounts: senders, email inboxes and warmup, sending domains, LinkedIn (Unipile) accounts,
per-campaign sender usage, and the settings that hold account limits and the timezone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sim.core.errors import BadRequest, Conflict, FieldError, Forbidden, Internal, Invalid, NotFound
from sim.core.errors import SimError as _SimError
from sim.vendors.puffle import backend as b
from sim.vendors.puffle import engine

SENDABLE_STATUSES = ("connected", "warming", "active")
WARMUP_VISIBLE = ("warming", "warmed", "active")
GRADUATE_REPUTATION = 90
GRADUATE_SENT = 200
DOMAIN_CHECKS = (600, 1200, 2400, 4800, 9600, 19200)
CONNECT_SECONDS = 120.0


# --- usage views ---------------------------------------------------------------------------------------------
def limits_block(acc: dict) -> dict:
    conn, msg = b.weekly_limits(acc)
    return {"weekly_connection_limit": conn, "weekly_message_limit": msg,
            "max_connection_limit": b.MAX_CONNECTION_LIMIT, "max_message_limit": b.MAX_MESSAGE_LIMIT,
            "recommended_connection_limit": 100, "recommended_message_limit": 150}


def account_settings(ctx, acc: dict) -> dict:
    conn_sent, msg_sent = engine.weekly_usage(ctx, acc["id"])
    conn, msg = b.weekly_limits(acc)
    linkedin = acc["type"] == "linkedin"
    daily = b.account_daily_limit(acc)
    return {"id": acc["id"], "type": acc["type"], "provider_account_id": acc.get("provider_account_id"),
            "is_premium": acc.get("is_premium") if linkedin else None,
            "weekly_connection_limit": conn if linkedin else None, "weekly_message_limit": msg if linkedin else None,
            "display_name": acc.get("display_name"), "email_address": acc.get("email_address"), "status": acc["status"],
            "daily_limit": daily, "weekly_stats": {"connections_sent": conn_sent, "messages_sent": msg_sent},
            "limits": limits_block(acc), "daily_stats": {"sent": engine.sent_on(ctx, acc["id"], b.day_of(ctx.now_ts())),
                                                         "daily_limit": daily}}


def campaign_accounts(ctx) -> list[dict]:
    return [account_settings(ctx, a) for a in ordered_senders(ctx) if a["status"] in SENDABLE_STATUSES]


def ordered_senders(ctx, kind: str | None = None) -> list[dict]:
    docs = [a for a in ctx.table("senders") if kind is None or a["type"] == kind]
    return sorted(docs, key=lambda a: (-a["created_at"], a["id"]))


def sender_breakdown(ctx, camps: list[dict], aid: str | None = None) -> dict:
    """The camelCase aggregate maps of the sender endpoints, for these campaigns (and one account)."""
    today = b.day_of(ctx.now_ts())
    by_status, by_sender, by_sender_today, active = {}, {}, {}, {}
    for camp in camps:
        counts = camp.get("counts") or {}
        by_status[camp["id"]] = {**b.by_status(counts),
                                 "contacted": sum(n for s, n in counts.items() if s not in ("pending", "cancelled"))}
        active[camp["id"]] = sum(n for s, n in counts.items() if s in ("sent", "connection_sent", "connected", "message_sent"))
        for sid in camp.get("sender_ids", []):
            if aid is not None and sid != aid:
                continue
            key = f"{camp['id']}:{sid}"
            by_sender[key] = {}
            by_sender_today[key] = {"sent": engine.campaign_sent_on(ctx, sid, camp["id"], today)}
        for p in b.prospects(ctx, camp["id"]):
            sid = p.get("_sender")
            key = f"{camp['id']}:{sid}"
            if sid and key in by_sender:
                by_sender[key][p["status"]] = by_sender[key].get(p["status"], 0) + 1
    return {"campaignStatsByStatus": by_status, "campaignSenderStatsByStatus": by_sender,
            "campaignSenderTodayStatsByStatus": by_sender_today, "campaignActiveProspectsCount": active}


def campaign_senders(ctx, camp: dict) -> dict:
    today = b.day_of(ctx.now_ts())
    accounts = [a for a in (ctx.table("senders").get(i) for i in camp.get("sender_ids", [])) if a]
    rows = []
    for acc in accounts:
        conn, msg = b.weekly_limits(acc)
        conn_sent, msg_sent = engine.weekly_usage(ctx, acc["id"])
        single = camp["type"] == "linkedin" and len(accounts) == 1
        rows.append({"account_id": acc["id"], "display_name": acc.get("display_name"),
                     "email_address": acc.get("email_address"), "profile_url": acc.get("profile_url"),
                     "status": acc["status"], "type": acc["type"], "is_premium": bool(acc.get("is_premium")),
                     "warmup_status": acc.get("warmup_status"), "weekly_connection_limit": conn,
                     "weekly_message_limit": msg, "daily_limit": b.account_daily_limit(acc, camp),
                     "weekly_connections_sent": conn_sent, "weekly_messages_sent": msg_sent,
                     "campaign_messages_sent": camp.get("messages_sent", 0) if single else None,
                     "committed_count": engine.lane_size(ctx, camp, acc["id"]),
                     "today_sent": engine.sent_on(ctx, acc["id"], today)})
    counts = camp.get("counts") or {}
    return {"senders": rows, "campaign_total_sent": camp.get("messages_sent", 0), "campaign_type": camp["type"],
            "campaign_total_replies": counts.get("replied", 0), "campaign_total_bounced": counts.get("bounced", 0),
            "campaign_total_completed": counts.get("completed", 0), "campaign_total_committed": engine.queued(ctx, camp),
            **sender_breakdown(ctx, [camp])}


def account_usage(ctx, camp: dict, date: str | None) -> dict:
    if date:
        try:
            day = datetime.strptime(date, "%Y-%m-%d").strftime("%Y-%m-%d")
        except ValueError:
            raise BadRequest("date must be formatted YYYY-MM-DD") from None
    else:
        day = b.day_of(ctx.now_ts())
    rows = []
    for aid in camp.get("sender_ids", []):
        acc = ctx.table("senders").get(aid)
        if acc is None:
            continue
        rows.append({"account_id": aid, "email": acc.get("email_address"), "daily_limit": b.account_daily_limit(acc, camp),
                     "sent_today": engine.sent_on(ctx, aid, day), "status": acc["status"]})
    return {"accounts": rows}


# --- senders ---------------------------------------------------------------------------------------------------
def sender_detail(ctx, acc: dict) -> dict:
    camps = [c for c in ctx.table("campaigns") if acc["id"] in c.get("sender_ids", [])]
    committed = sum(engine.lane_size(ctx, c, acc["id"]) for c in camps)
    return {"stats": {"today_sent": engine.sent_on(ctx, acc["id"], b.day_of(ctx.now_ts())), "today_committed": committed},
            "campaigns": camps, "mappings": [{"campaign_id": c["id"], "account_id": acc["id"]} for c in camps],
            **sender_breakdown(ctx, camps, acc["id"])}


def schedule(ctx, acc: dict) -> dict:
    """Capacity for today and the next six days: daily limit, sent so far, and what campaigns have queued."""
    now = ctx.now_ts()
    camps = [c for c in ctx.table("campaigns") if acc["id"] in c.get("sender_ids", []) and c["status"] == "active"]
    committed = sum(engine.lane_size(ctx, c, acc["id"]) for c in camps)
    fresh = sum(engine.lane_size(ctx, c, None) for c in camps)
    daily = b.account_daily_limit(acc)
    days = []
    backlog = committed + fresh
    for i in range(7):
        day = b.day_of(now + i * 86400)
        sent = engine.sent_on(ctx, acc["id"], day) if i == 0 else 0
        room = max(0, daily - sent)
        planned = min(room, backlog)
        backlog -= planned
        days.append({"date": day, "daily_limit": daily, "sent": sent, "planned": planned, "available": room - planned})
    conn_sent, msg_sent = engine.weekly_usage(ctx, acc["id"], now)
    conn, msg = b.weekly_limits(acc)
    return {"account_id": acc["id"], "type": acc["type"], "committed_count": committed, "days": days,
            "weekly": {"connections_sent": conn_sent, "messages_sent": msg_sent,
                       "weekly_connection_limit": conn, "weekly_message_limit": msg}}


# --- email inboxes -------------------------------------------------------------------------------------------
def domain(ctx, did: str) -> dict:
    doc = b.lookup(ctx.table("domains"), did)
    if doc is None:
        raise NotFound("Domain not found")
    return doc


def create_email_account(ctx, body: dict) -> dict:
    d = domain(ctx, body["domain_id"])
    if d["status"] != "verified":
        raise BadRequest(f"Domain {d['domain']} is {d['status']} — it must be verified before creating inboxes")
    username = body["username"].lower()
    address = f"{username}@{d['domain']}"
    if any(a.get("email_address") == address for a in ctx.table("senders")):
        raise Conflict(f"Email account {address} already exists")
    now = ctx.now_ts()
    aid = ctx.ids.uuid4("sender")
    failed = ctx.take_fault("JOB", "puffle.warmup_enable") is not None
    doc = {"id": aid, "user_id": b.user(ctx)["id"], "type": "email", "display_name": body.get("display_name") or username,
           "status": "pending" if failed else "warming", "warmup_status": "not_started" if failed else "warming",
           "email_address": address, "domain_id": d["id"], "agentmail_inbox_id": ctx.ids.hex("inbox_", 12),
           "instantly_account_id": ctx.ids.hex("inst_", 12), "first_name": body.get("first_name"),
           "last_name": body.get("last_name"), "signature": None, "daily_limit": b.DEFAULT_DAILY_LIMIT,
           "instantly_tag_id": None, "instantly_warmup_tag_id": None, "provider_account_id": None, "profile_url": None,
           "created_at": now, "updated_at": now, "warmup_started_at": None if failed else now, "provider_status": 1}
    return ctx.table("senders").put(aid, doc)


def retry_warmup(ctx, acc: dict) -> dict:
    if acc["type"] != "email":
        raise NotFound("Email account not found")
    if acc["status"] != "pending" or acc.get("warmup_status") != "not_started":
        raise Conflict(f"Warmup can only be retried for a pending account that has not started warmup "
                       f"(status {acc['status']}, warmup_status {acc.get('warmup_status')})")
    if ctx.take_fault("JOB", "puffle.warmup_enable"):
        raise _SimError("Email provider rejected the warmup request", status=502)
    if ctx.take_fault("JOB", "puffle.warmup_status_update"):
        raise Internal("Warmup was enabled but failed to update account status")
    now = ctx.now_ts()
    return ctx.table("senders").update(acc["id"], {"status": "warming", "warmup_status": "warming",
                                                   "warmup_started_at": now, "updated_at": now})


def warmup_numbers(ctx, acc: dict) -> dict:
    started = acc.get("warmup_started_at")
    now = ctx.now_ts()
    days = [] if started is None else [started + i * 86400 for i in range(int((now - started) // 86400) + 1)][-60:]
    daily = []
    for i, ts in enumerate(days):
        sent = min(40, 5 + 2 * i)
        rng = ctx.rng("warmup", acc["id"], i)
        daily.append({"date": b.day_of(ts), "sent": sent, "received": max(0, sent - rng.randint(0, 3))})
    if acc.get("warmup_status") in ("active", "warmed"):
        daily = daily or [{"date": b.day_of(now), "sent": 40, "received": 39}]
    total_sent = sum(d["sent"] for d in daily)
    total_received = sum(d["received"] for d in daily)
    reputation = 100 if acc.get("warmup_status") in ("active", "warmed") else min(100, 60 + 2 * max(0, len(daily) - 1))
    health = round(reputation * 0.9 + (total_received / total_sent * 10 if total_sent else 0))
    label = "Excellent" if health >= 90 else "Good" if health >= 75 else "Fair" if health >= 50 else "Poor"
    return {"email": acc.get("email_address"), "total_sent": total_sent, "total_received": total_received,
            "health_score": health, "health_score_label": label, "warmup_reputation": reputation,
            "instantly_warmup_status": acc.get("provider_status", 1), "daily_data": daily}


def warmup_analytics(ctx) -> dict:
    analytics, transitions = {}, {}
    for acc in ordered_senders(ctx, "email"):
        if acc.get("warmup_status") not in WARMUP_VISIBLE:
            continue
        stats = warmup_numbers(ctx, acc)
        analytics[acc["id"]] = stats
        provider = acc.get("provider_status", 1)
        change = None
        if provider in (-1, -2, -3):
            change = {"warmup_status": "banned" if provider == -1 else "suspended", "status": "error"}
        elif (acc["warmup_status"] == "warming" and stats["warmup_reputation"] >= GRADUATE_REPUTATION
              and stats["total_sent"] >= GRADUATE_SENT):
            change = {"warmup_status": "active", "status": "active"}
        if change:
            ctx.table("senders").update(acc["id"], {**change, "updated_at": ctx.now_ts()})
            transitions[acc["id"]] = change
    return {"analytics": analytics, "transitions": transitions}


# --- domains ---------------------------------------------------------------------------------------------------
def dns_records(ctx, name: str, did: str) -> list[dict]:
    token = ctx.ids.hex("", 16) if did is None else did.replace("-", "")[:16]
    return [{"type": "MX", "name": name, "value": "inbound-smtp.agentmail.to", "priority": 10},
            {"type": "TXT", "name": name, "value": "v=spf1 include:spf.agentmail.to ~all", "priority": None},
            {"type": "CNAME", "name": f"am._domainkey.{name}", "value": f"am{token}.dkim.agentmail.to", "priority": None},
            {"type": "TXT", "name": f"_dmarc.{name}", "value": "v=DMARC1; p=none;", "priority": None}]


def create_domain(ctx, body: dict) -> dict:
    name = body["domain"].strip().lower().rstrip(".")
    if any(d["domain"] == name for d in ctx.table("domains")):
        raise Conflict(f"Domain {name} is already registered")
    now = ctx.now_ts()
    did = ctx.ids.uuid4("domain")
    doc = ctx.table("domains").put(did, {"id": did, "user_id": b.user(ctx)["id"], "domain": name,
                                         "agentmail_domain_id": ctx.ids.hex("dom_", 12), "status": "pending",
                                         "dns_records": dns_records(ctx, name, did), "verified_at": None,
                                         "created_at": now, "updated_at": now, "check": 0})
    ctx.schedule("puffle.domain_check", now + DOMAIN_CHECKS[0], {"domain_id": did})
    return doc


def update_domain(ctx, d: dict, body: dict) -> dict:
    return ctx.table("domains").update(d["id"], {"status": body["status"], "updated_at": ctx.now_ts()})


def verify_domain(ctx, d: dict, poll: bool) -> dict:
    if poll or d["status"] == "verified":
        return d
    ctx.schedule("puffle.domain_check", ctx.now_ts() + DOMAIN_CHECKS[0], {"domain_id": d["id"]})
    return ctx.table("domains").update(d["id"], {"status": "verifying", "updated_at": ctx.now_ts()})


def domain_check(ctx, args: dict) -> None:
    """Job: DNS re-check. Records are published by the (simulated) customer, so the first check verifies,
    unless the domain was marked ``dns_missing`` through the sim controls; then checks back off to 12 h and fail."""
    d = ctx.table("domains").get(args["domain_id"])
    if d is None or d["status"] == "verified":
        return
    now = ctx.now_ts()
    if not d.get("dns_missing"):
        ctx.table("domains").update(d["id"], {"status": "verified", "verified_at": now, "updated_at": now})
        return
    n = d.get("check", 0) + 1
    if n < len(DOMAIN_CHECKS):
        ctx.table("domains").update(d["id"], {"status": "verifying", "check": n, "updated_at": now})
        ctx.schedule("puffle.domain_check", now + DOMAIN_CHECKS[n], {"domain_id": d["id"]})
    else:
        ctx.table("domains").update(d["id"], {"status": "failed", "check": n, "updated_at": now})


def domain_dns(ctx, d: dict) -> dict:
    records = [{"id": f"{d['id'][:8]}-{i}", **r, "ttl": 3600, "proxied": False} for i, r in enumerate(d.get("dns_records", []))]
    return {"domain": {"id": d["id"], "domain": d["domain"], "status": d["status"]},
            "cloudflare": {"checked": False, "zoneId": None, "zoneName": None, "error": "Domain is not on Cloudflare"},
            "records": records}


# --- LinkedIn (Unipile) ----------------------------------------------------------------------------------------
def connect(ctx, reconnect_id: str | None = None) -> dict:
    pending = ctx.table("account").get("linkedin_handshake")
    if pending and pending.get("job"):
        ctx.cancel(pending["job"])
    token = ctx.ids.alnum("", 32)
    delay = float(b.setting(ctx, "linkedin_connect_seconds", CONNECT_SECONDS))
    job = ctx.schedule("puffle.linkedin_connect", ctx.now_ts() + delay, {"token": token, "account_id": reconnect_id})
    ctx.table("account").put("linkedin_handshake", {"token": token, "job": job, "account_id": reconnect_id,
                                                    "expires_at": ctx.now_ts() + 3600})
    return {"url": f"https://account.unipile.com/{token}"}


def complete_connect(ctx, args: dict) -> None:
    """Job: the person finished the hosted LinkedIn auth (a new free account, or the reconnected one)."""
    pending = ctx.table("account").get("linkedin_handshake")
    if pending is None or pending["token"] != args["token"]:
        return
    ctx.table("account").remove("linkedin_handshake")
    now = ctx.now_ts()
    if args.get("account_id"):
        acc = ctx.table("senders").get(args["account_id"])
        if acc is not None:
            ctx.table("senders").update(acc["id"], {"status": "connected", "upstream_exists": True, "updated_at": now})
        return
    fake = ctx.fake("linkedin_account", args["token"])
    first, last = fake.first_name(), fake.last_name()
    aid = ctx.ids.uuid4("sender")
    ctx.table("senders").put(aid, {
        "id": aid, "user_id": b.user(ctx)["id"], "type": "linkedin", "display_name": f"{first} {last}",
        "status": "connected", "provider_account_id": ctx.ids.hex("linkedin_acc_", 6),
        "profile_url": f"https://www.linkedin.com/in/{first.lower()}-{last.lower()}-{ctx.ids.hex('', 6)}",
        "is_premium": False, "has_sales_navigator": False, "weekly_connection_limit": None, "weekly_message_limit": None,
        "upstream_premium": False, "upstream_sales_navigator": False, "upstream_exists": True,
        "first_name": first, "last_name": last, "daily_limit": None, "warmup_status": None, "email_address": None,
        "domain_id": None, "agentmail_inbox_id": None, "created_at": now, "updated_at": now})


def linkedin_account(ctx, aid) -> dict:
    acc = b.lookup(ctx.table("senders"), aid)
    if acc is None or acc["type"] != "linkedin":
        raise NotFound("LinkedIn account not found")
    return acc


def refresh(ctx, acc: dict) -> dict:
    premium = bool(acc.get("upstream_premium", acc.get("is_premium")))
    nav = bool(acc.get("upstream_sales_navigator", acc.get("has_sales_navigator")))
    before = {"is_premium": bool(acc.get("is_premium")), "has_sales_navigator": bool(acc.get("has_sales_navigator")),
              "weekly_connection_limit": b.weekly_limits(acc)[0], "weekly_message_limit": b.weekly_limits(acc)[1]}
    conn, msg = b.WEEKLY_LIMITS[premium]
    after = {"is_premium": premium, "has_sales_navigator": nav, "weekly_connection_limit": conn, "weekly_message_limit": msg}
    ctx.table("senders").update(acc["id"], {"is_premium": premium, "has_sales_navigator": nav, "weekly_connection_limit": conn,
                                            "weekly_message_limit": msg, "updated_at": ctx.now_ts()})
    changed = {k: {"from": before[k], "to": v} for k, v in after.items() if before[k] != v}
    return {"success": True, **after, "changed": changed}


def unipile_accounts(ctx) -> list[dict]:
    out = []
    for acc in ordered_senders(ctx, "linkedin"):
        if not acc.get("upstream_exists", True) and acc["status"] != "disconnected":
            acc = ctx.table("senders").update(acc["id"], {"status": "disconnected", "updated_at": ctx.now_ts()})
        if acc["status"] in ("connected", "credentials_required"):
            out.append(acc)
    return out


def disconnect(ctx, acc: dict) -> None:
    ctx.table("senders").update(acc["id"], {"status": "disconnected", "updated_at": ctx.now_ts()})


def search(ctx, body: dict) -> dict:
    aid = body.get("accountId") or body.get("account_id")
    if aid is not None:
        acc = linkedin_account(ctx, aid)
    else:
        acc = next((a for a in ordered_senders(ctx, "linkedin") if a["status"] == "connected"), None)
        if acc is None:
            raise BadRequest("No connected LinkedIn account")
    if acc["status"] != "connected":
        raise BadRequest(f"LinkedIn account is {acc['status']} — reconnect it before searching")
    api = body.get("api") or ("sales_navigator" if body.get("url", "").find("/sales/") >= 0 else "classic")
    if api == "sales_navigator" and not acc.get("has_sales_navigator"):
        raise BadRequest("No Sales Navigator account found")
    page = 0
    if body.get("cursor"):
        try:
            page = int(str(body["cursor"]).removeprefix("page_"))
        except ValueError:
            raise BadRequest("cursor is not valid") from None
    limit = body.get("limit") or 10
    query = body.get("keywords") or body.get("url") or ""
    items = []
    for i in range(limit):
        fake = ctx.fake("unipile_search", acc["id"], api, query, page, i)
        first, last = fake.first_name(), fake.last_name()
        slug = f"{first.lower()}-{last.lower()}-{fake.hexify('^^^^^^')}"
        company = fake.company()
        items.append({"object": "SearchPeopleItem", "provider_id": "ACoAA" + fake.bothify("??##??##??##").upper(),
                      "public_identifier": slug, "first_name": first, "last_name": last,
                      "headline": f"{fake.job()} at {company}", "profile_url": f"https://www.linkedin.com/in/{slug}",
                      "profile_picture_url": None, "location": f"{fake.city()}, {fake.country()}",
                      "current_company_name": company,
                      "current_company_linkedin_url": f"https://www.linkedin.com/company/{company.split()[0].lower().strip(',')}",
                      "mutual_connections_count": fake.random_int(0, 40)})
    return {"items": items, "cursor": f"page_{page + 1}" if page < 2 else None, "api": api}


# --- settings --------------------------------------------------------------------------------------------------
def settings_doc(ctx) -> dict:
    return ctx.table("account").get("settings") or {"timezone": None, "allow_warming_accounts": False}


def get_settings(ctx) -> dict:
    s = settings_doc(ctx)
    admin = {"allow_warming_accounts": bool(s.get("allow_warming_accounts"))} if b.user(ctx).get("admin") else None
    return {"timezone": {"timezone": s.get("timezone") or "America/New_York", "isDefault": not s.get("timezone")},
            "admin": admin, "campaign_accounts": campaign_accounts(ctx)}


def put_settings(ctx, body: dict) -> dict:
    sections = [k for k in ("timezone", "allow_warming_accounts", "campaign_account") if k in body]
    if not sections:
        raise BadRequest("Provide at least one of timezone, allow_warming_accounts, campaign_account")
    changes: dict = {}
    updated: dict = {}
    account_change = None
    for section in sections:
        value = body[section]
        if section == "timezone":
            try:
                if not isinstance(value, str) or not value:
                    raise ValueError
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise BadRequest(f"Invalid timezone: {value}") from None
            changes["timezone"] = value
            updated["timezone"] = {"success": True, "timezone": value}
        elif section == "allow_warming_accounts":
            if not b.user(ctx).get("admin"):
                raise Forbidden("Only admins can change allow_warming_accounts")
            if not isinstance(value, bool):
                raise BadRequest("allow_warming_accounts must be a boolean")
            changes["allow_warming_accounts"] = value
            updated["allow_warming_accounts"] = {"success": True, "allow_warming_accounts": value}
        else:
            account_change = check_account_limits(ctx, value)
            updated["campaign_account"] = {"success": True, "account_id": account_change[0],
                                           **account_change[1]}
    if changes:
        ctx.table("account").put("settings", {**settings_doc(ctx), **changes})
    if account_change is not None:
        ctx.table("senders").update(account_change[0], {**account_change[1], "updated_at": ctx.now_ts()})
    engine.limits_changed(ctx)
    return {"success": True, "updated": updated}


def check_account_limits(ctx, value) -> tuple[str, dict]:
    if not isinstance(value, dict):
        raise BadRequest("campaign_account must be an object")
    aid = value.get("account_id") or value.get("id")
    if not isinstance(aid, str):
        raise BadRequest("campaign_account.account_id is required")
    acc = b.lookup(ctx.table("senders"), aid)
    if acc is None:
        raise NotFound("Sender account not found")
    bounds = {"daily_limit": (1, 500), "weekly_connection_limit": (1, b.MAX_CONNECTION_LIMIT),
              "weekly_message_limit": (1, b.MAX_MESSAGE_LIMIT)}
    out = {}
    problems = []
    for field, (low, high) in bounds.items():
        if field not in value:
            continue
        v = value[field]
        if isinstance(v, bool) or not isinstance(v, int) or not low <= v <= high:
            problems.append(FieldError(f"campaign_account.{field}", "value", f"{field} must be an integer from {low} to {high}"))
        else:
            out[field] = v
    if problems:
        raise Invalid(problems[0].message, fields=problems)
    if not out:
        raise BadRequest("campaign_account needs at least one of daily_limit, weekly_connection_limit, weekly_message_limit")
    return acc["id"], out

