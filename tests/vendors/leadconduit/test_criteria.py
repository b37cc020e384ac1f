"""The acceptance-criteria language: grammar, three-valued evaluation, parse errors, and fuzzing."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.app import create_app
from sim.config import Config
from sim.vendors.leadconduit import SPEC
from sim.vendors.leadconduit.criteria import MAX_DEPTH, MAX_LENGTH, CriteriaError, parse

from .conftest import API, FLOW


def ev(text: str, lead: dict):
    return parse(text).evaluate(lead)


def test_seed_criteria_on_a_lead_that_meets_them():
    assert ev("lead.age >= 21 && lead.income >= 50000", {"age": 30, "income": 60000}) is True


def test_seed_criteria_on_a_lead_that_fails_one_side():
    assert ev("lead.age >= 21 && lead.income >= 50000", {"age": 30, "income": 100}) is False


def test_and_binds_tighter_than_or():
    assert ev("lead.a == 1 || lead.b == 1 && lead.c == 1", {"a": 1, "b": 0, "c": 0}) is True
    assert ev("(lead.a == 1 || lead.b == 1) && lead.c == 1", {"a": 1, "b": 0, "c": 0}) is False


def test_not_negates():
    assert ev("!(lead.age < 18)", {"age": 20}) is True
    assert ev("!!lead.vip", {"vip": True}) is True


@pytest.mark.parametrize("op, expected", [("==", False), ("!=", True), (">", True), (">=", True), ("<", False),
                                          ("<=", False)])
def test_comparison_operators(op, expected):
    assert ev(f"lead.n {op} 5", {"n": 7}) is expected


def test_numeric_strings_are_coerced_when_compared_with_numbers():
    assert ev("lead.age >= 21", {"age": "25"}) is True
    assert ev("lead.score > 0.5", {"score": " 0.75 "}) is True


def test_two_numeric_strings_compare_as_numbers():
    assert ev("lead.a > lead.b", {"a": "10", "b": "9"}) is True


def test_string_equality_ignores_case():
    assert ev("lead.state == 'ca'", {"state": "CA"}) is True
    assert ev('lead.state != "CA"', {"state": "ca"}) is False


def test_uncoercible_type_mismatch_is_false():
    assert ev("lead.age >= 18", {"age": "abc"}) is False
    assert ev("lead.age == 18", {"age": True}) is False


def test_missing_null_and_empty_values_are_unknown():
    for lead in ({}, {"age": None}, {"age": ""}, {"age": "   "}):
        assert ev("lead.age >= 18", lead) is None


@pytest.mark.parametrize("text, expected", [
    ("lead.x > 1 && lead.n == 0", False),  # unknown && false
    ("lead.x > 1 && lead.n == 1", None),   # unknown && true
    ("lead.x > 1 || lead.n == 1", True),   # unknown || true
    ("lead.x > 1 || lead.n == 0", None),   # unknown || false
    ("!(lead.x > 1)", None)])
def test_kleene_logic(text, expected):
    assert ev(text, {"n": 1}) is expected


def test_unknown_passes_in_lenient_mode_and_fails_in_strict_mode():
    criteria = parse("lead.age >= 18")
    assert criteria.passes({}) is True
    assert criteria.passes({}, strict=True) is False


def test_nested_paths_resolve():
    assert ev("lead.address.zip == '90210'", {"address": {"zip": "90210"}}) is True


def test_literals_and_bare_operands():
    assert ev("lead.opt_in == true", {"opt_in": True}) is True
    assert ev("lead.opt_in", {"opt_in": "false"}) is False
    assert ev("lead.n >= -5.5e1", {"n": -55}) is True


def test_null_literal_compares_by_presence():
    assert ev("lead.note != null", {"note": 5}) is True
    assert ev("lead.note == null", {"note": 5}) is False
    assert ev("null == null", {}) is True


def test_string_escapes():
    assert ev(r"lead.name == 'O\'Brien'", {"name": "o'brien"}) is True


@pytest.mark.parametrize("text, position, reason", [
    ("", 0, "expected an expression"),
    ("lead.age >= && lead.b", 12, "expected a field, number, string, true, false or null after '>=', found '&&'"),
    ("lead.age >= 18 lead.b", 15, "expected '&&', '||' or the end of the expression, found a field"),
    ("(lead.age >= 18", 15, "expected ')' to close the '(' at position 0, found the end of the expression"),
    ("lead.age = 18", 9, "unexpected '=' (use '==' to compare)"),
    ("lead.a & lead.b", 7, "unexpected '&' (use '&&')"),
    ("age >= 18", 0, "unknown name 'age' (field paths start with 'lead.')"),
    ("lead >= 18", 0, "'lead' must be followed by a field name, e.g. lead.age"),
    ("lead. >= 1", 5, "expected a field name after '.'"),
    ("lead.a == 'open", 10, "unterminated string"),
    ("lead.a > 1 > 2", 11, "expected '&&', '||' or the end of the expression, found '>'"),
    ("lead.a # 1", 7, "unexpected character '#'"),
])
def test_parse_errors_name_the_position(text, position, reason):
    with pytest.raises(CriteriaError) as info:
        parse(text)
    assert (info.value.position, info.value.reason) == (position, reason)
    assert str(info.value) == f"{reason} at position {position}"


def test_python_code_is_a_parse_error_not_evaluated():
    with pytest.raises(CriteriaError):
        parse("__import__('os').system('echo hi')")


def test_nesting_and_length_are_bounded():
    with pytest.raises(CriteriaError, match="nested too deeply"):
        parse("(" * (MAX_DEPTH + 1) + "lead.a" + ")" * (MAX_DEPTH + 1))
    with pytest.raises(CriteriaError, match="too many '!'"):
        parse("!" * (MAX_DEPTH + 1) + "lead.a")
    with pytest.raises(CriteriaError, match="longer than"):
        parse("lead.a == 1 || " * 200 + "lead.a == 1")
    assert len("lead.a == 1 || " * 200) > MAX_LENGTH


def test_non_string_criteria_is_a_parse_error():
    with pytest.raises(CriteriaError):
        parse(18)


# --- fuzzing --------------------------------------------------------------------------------------------

TOKENS = ["lead.age", "lead.income", "lead.a.b", "lead.", "lead", "21", "-3.5", "1e9", "'x'", '"CA"', "'", '"',
          "true", "false", "null", "&&", "||", "!", "(", ")", "==", "!=", ">=", "<=", ">", "<", "=", "&", "|",
          " ", "foo", "#", ".", "\\", "\u00e9", "0x1", "lead.age>=18"]

idents = st.sampled_from(["age", "income", "state", "opt_in", "name", "address"])
paths = st.lists(idents, min_size=1, max_size=2).map(lambda p: "lead." + ".".join(p))
literals = st.one_of(st.integers(-10**6, 10**6).map(str), st.floats(-1e6, 1e6, allow_nan=False).map(repr),
                     st.sampled_from(["true", "false", "null", "'CA'", '"abc"', "'25'"]))
operands = st.one_of(paths, literals)
comparisons = st.tuples(operands, st.sampled_from(["==", "!=", ">", ">=", "<", "<="]), operands).map(" ".join)
expressions = st.recursive(
    st.one_of(comparisons, paths),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from([" && ", " || "]), inner).map("".join),
        inner.map(lambda e: f"!({e})"),
        inner.map(lambda e: f"({e})")),
    max_leaves=12)
values = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8),
                   st.sampled_from(["25", "CA", "", "true", "1e400"]))
leads = st.dictionaries(st.sampled_from(["age", "income", "state", "opt_in", "name", "address"]),
                        st.one_of(values, st.dictionaries(idents, values, max_size=3)), max_size=6)


def parse_or_criteria_error(text):
    try:
        parse(text)
    except CriteriaError as err:
        assert 0 <= err.position <= max(len(text), MAX_LENGTH)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_fuzz_arbitrary_text_only_ever_raises_criteria_error(text):
    parse_or_criteria_error(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=30).map("".join))
def test_fuzz_token_soup_only_ever_raises_criteria_error(text):
    parse_or_criteria_error(text)


@settings(max_examples=100, deadline=None)
@given(expressions, leads)
def test_fuzz_grammatical_expressions_parse_and_evaluate_to_three_values(text, lead):
    assert parse(text).evaluate(lead) in (True, False, None)


@pytest.fixture(scope="module")
def fuzz_client():
    """One app for the whole fuzz run (hypothesis calls the test body many times), with limits lifted."""
    app = create_app(Config(store="memory"), [SPEC])
    client = app.test_client()
    client.put("/_sim/workspaces/default/leadconduit/settings",
               json={"rate_limit_hour": 1_000_000, "rate_limit_minute": 1_000_000})
    yield client
    app.extensions["sim"].close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(st.text(max_size=80), st.lists(st.sampled_from(TOKENS), max_size=20).map("".join), expressions))
def test_fuzz_settings_endpoint_answers_200_or_the_documented_422(fuzz_client, text):
    r = fuzz_client.put(f"{API}/flows/{FLOW}/settings", json={"settings": {"acceptance_criteria": text}},
                        headers={"Authorization": "Bearer YOUR_API_KEY"})
    assert r.status_code in (200, 422), r.get_data(as_text=True)
    if r.status_code == 422:
        detail = r.get_json()["error"]["details"][0]
        assert r.get_json()["error"]["code"] == "validation_failed"
        assert (detail["field"], detail["code"]) == ("settings.acceptance_criteria", "invalid_format")
        assert detail["message"].startswith("Acceptance criteria")
