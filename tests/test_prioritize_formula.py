"""The formula language: what it computes, and that it refuses anything but arithmetic."""

from __future__ import annotations

import numpy as np
import pytest

from roadwise.engines.prioritize import parse_formula
from roadwise.errors import RoadwiseError

FIELDS = ("reach", "impact", "confidence", "effort", "business_value")
VALUES = {
    "reach": np.array([100.0, 400.0]),
    "impact": np.array([2.0, 0.5]),
    "confidence": np.array([0.5, 1.0]),
    "effort": np.array([4.0, 0.0]),
    "business_value": np.array([8.0, 13.0]),
}


@pytest.mark.parametrize(
    "text,expected",
    [
        ("reach * impact * confidence / effort", [25.0, np.inf]),
        ("min(reach, 200) + max(impact, 1, confidence)", [102.0, 201.0]),
        ("sqrt(reach) - log(business_value) * 0", [10.0, 20.0]),
        ("2 ** 3 + -impact", [6.0, 7.5]),
        ("business_value if reach > 150 else 0", [0.0, 13.0]),
        ("1 if 0 < impact <= 1 else 2", [2.0, 1.0]),
        ("(reach > 150 and impact < 1) * 10 + (not confidence < 1)", [0.0, 11.0]),
        ("abs(impact - 1)", [1.0, 0.5]),
    ],
)
def test_formulas_compute_elementwise(text: str, expected: list[float]) -> None:
    formula = parse_formula(text, FIELDS)
    assert np.asarray(formula(VALUES), dtype=float).tolist() == expected


def test_formula_records_the_fields_it_reads() -> None:
    assert parse_formula("reach * impact / reach", FIELDS).fields == ("reach", "impact")


@pytest.mark.parametrize(
    "text,problem",
    [
        ("reach.__class__", "attribute access"),
        ("__import__('os').system('true')", "attribute access"),
        ("__import__('os')", "calling '__import__' is not allowed"),
        ("open('/etc/passwd')", "calling 'open' is not allowed"),
        ("eval('1')", "calling 'eval' is not allowed"),
        ("__builtins__", "names starting with '_'"),
        ("_secret + 1", "names starting with '_'"),
        ("(lambda: 1)()", "lambda functions"),
        ("(1)(2)", "only the functions min, max, log, sqrt and abs"),
        ("[reach for reach in impact]", "comprehensions"),
        ("reach[0]", "indexing"),
        ("'text'", "only numbers"),
        ("True", "only numbers"),
        ("(reach, impact)", "tuples"),
        ("{1: 2}", "dictionaries"),
        ("reach // 2", "operator 'FloorDiv'"),
        ("reach % 2", "operator 'Mod'"),
        ("reach is None", "comparisons"),
        ("reach in impact", "comparisons"),
        ("(x := 3)", "assignment"),
        ("max", "is a function"),
        ("nonsense * 2", "unknown field 'nonsense'"),
        ("log(reach, 2)", "log() takes 1 argument"),
        ("min(reach, key=impact)", "no keyword arguments"),
        ("reach +", "not a valid expression"),
        ("import os", "not a valid expression"),
        ("", "empty"),
        ("(" * 500 + "1" + ")" * 500, "nested"),
        ("1 + " * 400 + "1", "nested too deeply"),
        ("1 + " * 1000 + "1", "longer than 2000 characters"),
    ],
)
def test_unsafe_or_invalid_formulas_are_refused_with_a_clear_error(text: str, problem: str) -> None:
    with pytest.raises(RoadwiseError) as err:
        parse_formula(text, FIELDS)
    assert problem in str(err.value)
    assert err.value.field == "settings.priority.formula"


def test_error_says_where() -> None:
    with pytest.raises(RoadwiseError, match=r"at column 9"):
        parse_formula("reach + impact.real", FIELDS)


def test_huge_powers_overflow_to_infinity_instead_of_hanging() -> None:
    formula = parse_formula("9 ** 9 ** 9 ** 9", FIELDS)
    assert np.isinf(formula(VALUES))
