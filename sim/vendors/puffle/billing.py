"""Puffle credits: the static cost table, the billing-registry config, preview, provisioning and charges."""

from __future__ import annotations

from sim.core.errors import PaymentRequired
from sim.vendors.puffle import backend as b

COSTS = {"FIND_PERSON": 1, "IMPORT_LEAD": 1, "EMAIL_LOOKUP": 2, "PHONE_LOOKUP": 8, "LINKEDIN_PROFILE": 1,
         "LINKEDIN_POSTS": 1, "COMPANY_NEWS": 4, "PERSON_NEWS": 4, "HIRING_STATUS": 1, "WEBSITE_ENRICHMENT": 1,
         "SITE_CRAWL_ENRICHMENT": 4, "CUSTOM_ENRICHMENT_AI": 1, "CUSTOM_ENRICHMENT_WEB": 1, "DEEP_RESEARCH": 40,
         "AI_MESSAGE_GENERATION": 2, "AGENT_SEARCH": 10, "SEARCH_CONTINUE": 5}

# Billing-registry operations: (operation id, legacy action, label, billable unit, unit label, feature group, certainty)
OPERATIONS = (
    ("find_person", "FIND_PERSON", "Find person", "result", "person", "prospecting", "exact"),
    ("import_lead", "IMPORT_LEAD", "Import lead", "lead", "lead", "prospecting", "exact"),
    ("work_email_lookup", "EMAIL_LOOKUP", "Work email lookup", "provider_submission", "lookup", "enrichment", "exact"),
    ("phone_lookup", "PHONE_LOOKUP", "Phone lookup", "provider_submission", "lookup", "enrichment", "exact"),
    ("linkedin_profile", "LINKEDIN_PROFILE", "LinkedIn profile", "profile", "profile", "enrichment", "exact"),
    ("linkedin_posts", "LINKEDIN_POSTS", "LinkedIn posts", "profile", "profile", "enrichment", "exact"),
    ("company_news", "COMPANY_NEWS", "Company news", "company", "company", "enrichment", "exact"),
    ("person_news", "PERSON_NEWS", "Person news", "person", "person", "enrichment", "exact"),
    ("hiring_status", "HIRING_STATUS", "Hiring status", "company", "company", "enrichment", "exact"),
    ("website_enrichment", "WEBSITE_ENRICHMENT", "Website enrichment", "row", "row", "enrichment", "exact"),
    ("site_crawl_enrichment", "SITE_CRAWL_ENRICHMENT", "Site crawl enrichment", "row", "row", "enrichment", "exact"),
    ("custom_enrichment_ai", "CUSTOM_ENRICHMENT_AI", "Custom AI enrichment", "row", "row", "enrichment", "exact"),
    ("custom_enrichment_web", "CUSTOM_ENRICHMENT_WEB", "Custom web enrichment", "row", "row", "enrichment", "exact"),
    ("deep_research", "DEEP_RESEARCH", "Deep research", "report", "report", "research", "exact"),
    ("ai_message_generation", "AI_MESSAGE_GENERATION", "AI message generation", "prospect", "message", "campaigns", "exact"),
    ("agent_search", "AGENT_SEARCH", "Agent search", "search", "search", "prospecting", "estimate"),
    ("search_continue", "SEARCH_CONTINUE", "Continue search", "search", "search", "prospecting", "estimate"),
)
FREE_CREDITS = 1000


def config() -> dict:
    operations = {op: {"id": op, "label": label, "credits": COSTS[legacy], "billableUnit": unit, "unitLabel": unit_label,
                       "featureGroup": group, "certainty": certainty}
                  for op, legacy, label, unit, unit_label, group, certainty in OPERATIONS}
    return {"registryVersion": "billing-registry:v1", "operations": operations,
            "plans": {"free": {"id": "free", "billingProductId": "prod_free",
                               "display": {"name": "Free", "order": 1, "badge": None,
                                           "positioning": "1,000 one-time credits to try Puffle"}},
                      "pro": {"id": "pro", "billingProductId": "prod_pro",
                              "display": {"name": "Pro", "order": 2, "badge": "Most popular",
                                          "positioning": "Monthly credits for teams running outreach every week"}}},
            "entitlements": {"keys": ["signals.manual_rescan"]},
            "legacyCreditActions": {legacy: op for op, legacy, *_ in OPERATIONS},
            "costs": dict(COSTS)}


def preview(ctx, body: dict) -> dict:
    per = COSTS[body["action"]]
    total = per * body["count"]
    acct = b.billing(ctx)
    if acct.get("unreachable"):
        balance, sufficient = None, True
    else:
        balance = acct["balance"]
        sufficient = balance >= total
    dollars = round(total * b.CREDIT_DOLLARS, 2)
    return {"action": body["action"], "count": body["count"], "costPerUnit": per, "totalCredits": total,
            "totalDollars": int(dollars) if dollars == int(dollars) else dollars, "sufficient": sufficient,
            "balance": balance}


def provision(ctx) -> dict:
    acct = b.billing(ctx)
    if acct.get("plan"):
        return {"provisioned": False, "reason": "already_has_plan"}
    ctx.table("account").put("billing", {**acct, "plan": "free", "balance": acct.get("balance", 0) + FREE_CREDITS})
    return {"provisioned": True}


def charge(ctx, credits: int) -> None:
    acct = b.billing(ctx)
    if acct["balance"] < credits:
        raise PaymentRequired("Insufficient credits", extra={"balance": acct["balance"], "required": credits})
    ctx.table("account").put("billing", {**acct, "balance": acct["balance"] - credits})
