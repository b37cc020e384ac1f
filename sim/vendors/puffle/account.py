"""Puffle account surface: identity, company context, onboarding sessions and the context regenerate cooldown."""

from __future__ import annotations

from sim.core.errors import NotFound, RateLimited
from sim.vendors.puffle import backend as b

REGENERATE_COOLDOWN = 86400
ONBOARDING_STEPS = (("looking_up", 10), ("gathering_info", 25), ("generating_context", 45), ("completed", 60))


def account(ctx) -> dict:
    u = b.user(ctx)
    name = " ".join(x for x in (u.get("first_name"), u.get("last_name")) if x)
    return {"account": {"id": u["id"], "email": u["email"], "fullName": name},
            "profile": {"firstName": u.get("first_name"), "lastName": u.get("last_name")}, "canManageAuth": True}


def context(ctx) -> dict:
    doc = ctx.table("account").get("context") or {}
    return {"context": doc.get("context"), "profile": doc.get("profile")}


def put_context(ctx, body: dict) -> dict:
    doc = ctx.table("account").get("context") or {}
    new = {"context": body.get("context", doc.get("context")), "profile": body.get("profile", doc.get("profile")),
           "regenerated_at": doc.get("regenerated_at")}
    ctx.table("account").put("context", new)
    return {"context": new["context"], "profile": new["profile"]}


def regenerate(ctx, body: dict) -> dict:
    doc = ctx.table("account").get("context") or {}
    now = ctx.now_ts()
    last = doc.get("regenerated_at")
    if last is not None and now - last < REGENERATE_COOLDOWN:
        wait = int(last + REGENERATE_COOLDOWN - now) + 1
        raise RateLimited("Context can be regenerated once every 24 hours", retry_after=wait,
                          extra={"nextAvailableAt": ctx.iso(last + REGENERATE_COOLDOWN)})
    run_id = ctx.ids.hex("run_", 12)
    ctx.table("account").put("context", {**doc, "regenerated_at": now, "pending": body})
    ctx.schedule("puffle.context_ready", now + 60, {"website": body.get("website")})
    return {"success": True, "runId": run_id, "lastContextRegeneratedAt": ctx.iso(now)}


def build_context(ctx, website: str | None) -> dict:
    fake = ctx.fake("context", website or "")
    company = fake.company()
    return {"user": {"professionalBackground": fake.paragraph(nb_sentences=2)},
            "company": {"overview": f"{company} {fake.bs()}.", "product": fake.catch_phrase(),
                        "problemSolved": fake.sentence(nb_words=12), "differentiators": fake.sentence(nb_words=10),
                        "linkedInPresence": fake.sentence(nb_words=8)},
            "content": {"linkedInVoice": "Direct and practical", "recommendedTopics": [fake.bs() for _ in range(3)],
                        "preferredTone": "Professional", "contentFormats": ["text", "carousel"],
                        "topicsToAvoid": ["politics"], "postingCadence": "2x per week"},
            "market": {"targetAudience": fake.sentence(nb_words=8), "industryContext": fake.sentence(nb_words=10),
                       "icpJobTitles": ["VP Sales", "Head of Growth"], "icpIndustries": ["Software"],
                       "icpCompanySizes": ["51-200"], "icpPainPoints": [fake.sentence(nb_words=6)],
                       "icpKeywords": [fake.word(), fake.word()]},
            "extra": None}


def context_ready(ctx, args: dict) -> None:
    doc = ctx.table("account").get("context") or {}
    ctx.table("account").put("context", {**doc, "context": build_context(ctx, args.get("website")), "pending": None})


def start_onboarding(ctx, body: dict) -> dict:
    sid = ctx.ids.uuid4("onboarding")
    domain = (body.get("website") or "").split("//")[-1].split("/")[0]
    name = domain.split(".")[0].capitalize() if domain else None
    ctx.table("onboarding").put(sid, {"id": sid, "started_at": ctx.now_ts(), "companyName": name,
                                      "website": body.get("website")})
    return {"sessionId": sid, "runId": ctx.ids.hex("run_", 12)}


def onboarding_status(ctx, session_id: str | None) -> dict:
    table = ctx.table("onboarding")
    if session_id:
        doc = b.lookup(table, session_id)
        if doc is None:
            raise NotFound("Onboarding session not found")
    else:
        docs = sorted(table.all(), key=lambda d: d["started_at"])
        if not docs:
            return {"session": None}
        doc = docs[-1]
    elapsed = ctx.now_ts() - doc["started_at"]
    status = "pending"
    for name, after in ONBOARDING_STEPS:
        if elapsed >= after:
            status = name
    if status == "completed" and not (ctx.table("account").get("context") or {}).get("context"):
        ctx.table("account").put("context", {**(ctx.table("account").get("context") or {}),
                                             "context": build_context(ctx, doc.get("website"))})
    return {"session": {"id": doc["id"], "status": status, "companyName": doc.get("companyName"),
                        "errorMessage": None, "errorStep": None}}
