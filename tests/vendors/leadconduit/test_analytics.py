"""GET /analytics: the seed example's numbers reproduced from real leads, grouping, periods, bad input."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sim.vendors.leadconduit.backend import funnel

from .conftest import FLOW, body_of
from .seed_examples import ANALYTICS_QUERY

FULL = {"first_name": "Ann", "last_name": "Lee", "address": "1 Main St", "city": "Austin", "state": "TX",
        "postal_code": "78701"}


def leads(lc, n: int, source: str, *, full: bool = False, age: int = 30, domain: str = "example.com") -> list[dict]:
    out = []
    for _ in range(n):
        lead = lc.lead(age=age, source=source)
        lead["email"] = lead["email"].replace("example.com", domain)
        if full:
            lead.update(FULL)
        else:
            lead.pop("first_name"), lead.pop("last_name")
        out.append({"lead": lead})
    return out


def submit_all(lc, items: list[dict]) -> list[str]:
    """The ids of the batch's accepted leads."""
    body = body_of(lc.batch(items))
    return [r["lead_id"] for r in body["results"] if r["status"] == "success"]


def test_funnel_arithmetic_of_the_seed_example():
    website = funnel(1250, 975, 890, 134, Decimal("1062.52"))
    social = funnel(750, 520, 485, 58, Decimal("539.88"))
    assert website == {"total_leads": 1250, "accepted_leads": 975, "delivered_leads": 890, "acceptance_rate": 0.78,
                       "delivery_rate": 0.91, "conversion_rate": 0.15, "average_quality": 0.85}
    assert social == {"total_leads": 750, "accepted_leads": 520, "delivered_leads": 485, "acceptance_rate": 0.69,
                      "delivery_rate": 0.93, "conversion_rate": 0.12, "average_quality": 0.72}


def test_rates_are_zero_when_the_denominator_is_zero():
    assert funnel(0, 0, 0, 0, Decimal(0)) == {"total_leads": 0, "accepted_leads": 0, "delivered_leads": 0,
                                               "acceptance_rate": 0, "delivery_rate": 0, "conversion_rate": 0,
                                               "average_quality": 0}


def test_seed_analytics_query_reproduces_the_seed_response_from_real_leads(lc):
    # website_form: 1250 leads, 975 accepted, 890 delivered, 134 converted, quality 893 x 0.89 + 357 x 0.75
    delivered = submit_all(lc, leads(lc, 890, "website_form", full=True) + leads(lc, 3, "website_form", full=True, age=17)
                           + leads(lc, 107, "website_form", age=17))
    # social_media: 750 leads, 520 accepted, 485 delivered, 58 converted, quality 663 x 0.75 + 87 x 0.49
    social = submit_all(lc, leads(lc, 485, "social_media") + leads(lc, 87, "social_media", domain="nowhere.test")
                        + leads(lc, 143, "social_media", age=17))
    lc.recipient("5xx")
    submit_all(lc, leads(lc, 85, "website_form") + leads(lc, 165, "website_form", age=17))
    submit_all(lc, leads(lc, 35, "social_media"))
    for lead_id in delivered[:134] + social[:58]:
        assert lc.convert(lead_id).status_code == 200

    r = lc.get("/analytics?" + ANALYTICS_QUERY)
    assert r.status_code == 200
    assert body_of(r) == {
        "period": {"start_date": "2024-01-01", "end_date": "2024-01-31"},
        "metrics": [
            {"source": "website_form", "total_leads": 1250, "accepted_leads": 975, "delivered_leads": 890,
             "acceptance_rate": 0.78, "delivery_rate": 0.91, "conversion_rate": 0.15, "average_quality": 0.85},
            {"source": "social_media", "total_leads": 750, "accepted_leads": 520, "delivered_leads": 485,
             "acceptance_rate": 0.69, "delivery_rate": 0.93, "conversion_rate": 0.12, "average_quality": 0.72}]}


def test_without_group_by_there_is_one_element_without_a_group_key(lc):
    lc.submit()
    metrics = body_of(lc.get("/analytics"))["metrics"]
    assert metrics == [{"total_leads": 1, "accepted_leads": 1, "delivered_leads": 1, "acceptance_rate": 1,
                        "delivery_rate": 1, "conversion_rate": 0, "average_quality": 0.8}]


def test_empty_account_has_one_zero_element(lc):
    assert body_of(lc.get("/analytics"))["metrics"][0]["total_leads"] == 0


def test_default_period_is_the_last_30_days_ending_today(lc):
    assert body_of(lc.get("/analytics"))["period"] == {"start_date": "2023-12-17", "end_date": "2024-01-15"}


def test_leads_outside_the_period_are_not_counted(lc):
    lc.submit()
    body = body_of(lc.get("/analytics?start_date=2024-01-16&end_date=2024-01-31"))
    assert body["metrics"][0]["total_leads"] == 0


def test_leads_missing_the_group_field_group_under_null(lc):
    lc.submit(lead=lc.lead(campaign="spring"))
    lc.submit()
    metrics = body_of(lc.get("/analytics?group_by=campaign"))["metrics"]
    assert [(m["campaign"], m["total_leads"]) for m in metrics] == [("spring", 1), (None, 1)]


def test_group_by_date_is_chronological(lc):
    lc.submit()
    lc.advance(86400)
    lc.submit()
    lc.submit()
    metrics = body_of(lc.get("/analytics?group_by=date"))["metrics"]
    assert [(m["date"], m["total_leads"]) for m in metrics] == [("2024-01-15", 1), ("2024-01-16", 2)]


def test_group_by_flow_id_covers_every_flow(lc):
    lc.control("POST", "/flows", {"name": "Second", "id": "flow_second"})
    lc.submit()
    lc.submit(flow="flow_second")
    metrics = body_of(lc.get("/analytics?group_by=flow_id"))["metrics"]
    assert sorted(m["flow_id"] for m in metrics) == ["flow_789xyz", "flow_second"]


def test_flow_id_restricts_to_one_flow(lc):
    lc.control("POST", "/flows", {"name": "Second", "id": "flow_second"})
    lc.submit(flow="flow_second")
    assert body_of(lc.get(f"/analytics?flow_id={FLOW}"))["metrics"][0]["total_leads"] == 0


def test_metric_sorts_groups_descending(lc):
    lc.submit(lead=lc.lead(source="a", age=5))
    lc.submit(lead=lc.lead(source="b"))
    metrics = body_of(lc.get("/analytics?group_by=source&metric=acceptance_rate"))["metrics"]
    assert [m["source"] for m in metrics] == ["b", "a"]


def test_test_leads_are_excluded(lc):
    lc.submit(options={"test_mode": True})
    assert body_of(lc.get("/analytics"))["metrics"][0]["total_leads"] == 0


def test_unknown_flow_is_404(lc):
    assert lc.get("/analytics?flow_id=flow_nope").status_code == 404


@pytest.mark.parametrize("query, field", [
    ("metric=revenue", "metric"), ("group_by=state", "group_by"), ("start_date=2024-13-01", "start_date"),
    ("end_date=15/01/2024", "end_date"), ("start_date=2024-02-01&end_date=2024-01-01", "start_date")])
def test_bad_parameters_are_400(lc, query, field):
    r = lc.get("/analytics?" + query)
    assert r.status_code == 400
    assert body_of(r)["error"]["details"][0]["field"] == field
