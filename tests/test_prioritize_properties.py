"""Property tests of the prioritisation engine's invariants (Hypothesis)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadwise.domain import Distribution, Estimate, Item, Range, ScorecardCriterion, ValueInputs
from roadwise.engines.prioritize import make_framework, prioritize
from roadwise.engines.prioritize.frameworks import PriorityOptions

FAST = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])

positive = st.floats(min_value=0.5, max_value=50, allow_nan=False)
share = st.floats(min_value=0.05, max_value=1.0)

SCORECARD = (
    ScorecardCriterion(name="bv", field="business_value", weight=3, scale="fibonacci", max=8),
    ScorecardCriterion(name="reach", field="reach", weight=1, scale="powers_of_two"),
    ScorecardCriterion(name="effort", field="effort", weight=2, max=20, higher_is_better=False),
)

ABSOLUTE = [
    PriorityOptions(framework="rice", samples=0),
    PriorityOptions(framework="ice", samples=0),
    PriorityOptions(framework="wsjf", samples=0),
    PriorityOptions(framework="cd3", samples=0),
    PriorityOptions(framework="cd3", samples=0, cod_profile="decaying"),
    PriorityOptions(framework="scorecard", samples=0, scorecard=SCORECARD),
    PriorityOptions(
        framework="formula",
        samples=0,
        formula="business_value * confidence / sqrt(effort) + min(reach, 10)",
    ),
]
IDS = ["rice", "ice", "wsjf", "cd3", "cd3-decaying", "scorecard", "formula"]


@st.composite
def items(draw: st.DrawFn, key: str = "X") -> Item:
    effort = draw(positive)
    return Item(
        key=key,
        title=key,
        estimate=Estimate(low=effort, likely=effort, high=effort),
        technical_risk=draw(st.floats(0, 0.9)),
        value=ValueInputs(
            reach=draw(positive),
            impact=draw(positive),
            confidence=draw(share),
            ease=draw(positive),
            business_value=draw(positive),
            time_criticality=draw(positive),
            risk_reduction=draw(positive),
            cost_of_delay=draw(positive),
        ),
    )


def point_score(it: Item, options: PriorityOptions) -> float:
    return prioritize([it], settings=options).items[0].score


def bump(it: Item, field: str, factor: float) -> Item:
    if field == "effort":
        e = it.estimate
        assert e is not None
        v = e.likely * factor
        return it.model_copy(update={"estimate": Estimate(low=v, likely=v, high=v)})
    value = it.value.model_copy(update={field: getattr(it.value, field) * factor})
    if field == "confidence":
        value = it.value.model_copy(update={field: min(1.0, it.value.confidence * factor)})
    return it.model_copy(update={"value": value})


@pytest.mark.parametrize("options", ABSOLUTE, ids=IDS)
@FAST
@given(it=items(), factor=st.floats(1.01, 10))
def test_monotonic_in_value_inputs(options: PriorityOptions, it: Item, factor: float) -> None:
    framework = make_framework(options)
    base = point_score(it, options)
    for field in framework.value_inputs:
        if field in ("strategy_alignment", "technical_risk"):
            continue
        assert point_score(bump(it, field, factor), options) >= base - 1e-9 * abs(base), field


@pytest.mark.parametrize("options", ABSOLUTE, ids=IDS)
@FAST
@given(it=items(), factor=st.floats(1.01, 10))
def test_anti_monotonic_in_effort(options: PriorityOptions, it: Item, factor: float) -> None:
    base = point_score(it, options)
    assert point_score(bump(it, "effort", factor), options) <= base + 1e-9 * abs(base)


@pytest.mark.parametrize("options", ABSOLUTE, ids=IDS)
@FAST
@given(backlog=st.lists(items(), min_size=1, max_size=8), data=st.data())
def test_scores_do_not_depend_on_other_items(
    options: PriorityOptions, backlog: list[Item], data: st.DataObject
) -> None:
    backlog = [b.model_copy(update={"key": f"K{i}"}) for i, b in enumerate(backlog)]
    alone = {b.key: point_score(b, options) for b in backlog}
    shuffled = data.draw(st.permutations(backlog))
    subset = data.draw(st.lists(st.sampled_from(backlog), unique_by=lambda b: b.key, min_size=1))
    for group in (shuffled, subset):
        for ranked in prioritize(group, settings=options).items:
            assert ranked.score == alone[ranked.key]


@st.composite
def uncertain_items(draw: st.DrawFn, key: str) -> Item:
    lo = draw(st.floats(0.5, 10))
    mid = lo + draw(st.floats(0, 10))
    hi = mid + draw(st.floats(0, 20))
    bv_mid = draw(st.floats(1, 20))
    return Item(
        key=key,
        title=key,
        estimate=Estimate(low=lo, likely=mid, high=hi),
        value=ValueInputs(
            business_value=Range(low=bv_mid / 2, likely=bv_mid, high=bv_mid * 2),
            time_criticality=draw(st.floats(1, 13)),
            risk_reduction=1,
        ),
    )


@FAST
@given(data=st.data(), seed=st.integers(0, 2**40), k=st.integers(1, 6))
def test_monte_carlo_is_deterministic_item_stable_and_consistent(
    data: st.DataObject, seed: int, k: int
) -> None:
    n = data.draw(st.integers(2, 9))
    backlog = [data.draw(uncertain_items(f"I{i}")) for i in range(n)]
    options = PriorityOptions(framework="wsjf", samples=100, seed=seed, top_k=k)
    first = prioritize(backlog, settings=options)
    again = prioritize(list(reversed(backlog)), settings=options)
    assert first.to_dict() == again.to_dict()
    assert sum(i.p_top_k for i in first.items) == pytest.approx(min(k, n))
    expected_ranks = sorted(i.expected_rank for i in first.items)
    assert sum(expected_ranks) == pytest.approx(n * (n + 1) / 2)
    lone = prioritize(backlog[:1], settings=options).items[0]
    assert lone.expected == first.item(lone.key).expected
    assert lone.interval == first.item(lone.key).interval
    for ranked in first.items:
        assert ranked.interval[0] <= ranked.expected + 1e-6
        assert ranked.expected <= ranked.interval[1] + 1e-6


@FAST
@given(backlog=st.lists(items(), min_size=2, max_size=6))
def test_point_inputs_have_no_spread(backlog: list[Item]) -> None:
    backlog = [b.model_copy(update={"key": f"K{i}"}) for i, b in enumerate(backlog)]
    result = prioritize(backlog, settings=PriorityOptions(samples=100, top_k=2))
    for ranked in result.items:
        assert ranked.interval == (ranked.score, ranked.score)
    assert [r.rank for r in result.items] == list(range(1, len(backlog) + 1))
    scores = [r.expected for r in result.items]
    assert scores == sorted(scores, reverse=True)
    assert not np.isnan(scores).any()


@st.composite
def three_points(draw: st.DrawFn, lowest: float, highest: float) -> Range:
    """A range whose most likely value is as often at one of its ends as in between: a job of
    "1, maybe up to 3" makes the point score the best case."""
    low, high = sorted(draw(st.floats(lowest, highest)) for _ in range(2))
    likely = draw(st.sampled_from([low, high]) | st.floats(low, high))
    return Range(
        low=low, likely=likely, high=high, distribution=draw(st.sampled_from(list(Distribution)))
    )


@st.composite
def ranged_items(draw: st.DrawFn) -> Item:
    effort = draw(three_points(0.5, 40))
    amount = three_points(0.5, 50)
    return Item(
        key="X",
        title="X",
        estimate=Estimate(low=effort.low, likely=effort.likely, high=effort.high),
        technical_risk=draw(st.floats(0, 0.9)),
        value=ValueInputs(
            reach=draw(amount),
            impact=draw(amount),
            confidence=draw(three_points(0.05, 1.0)),
            ease=draw(amount),
            business_value=draw(amount),
            time_criticality=draw(amount),
            risk_reduction=draw(amount),
            cost_of_delay=draw(amount),
        ),
    )


@pytest.mark.parametrize("options", ABSOLUTE, ids=IDS)
@FAST
@given(
    backlog=st.lists(ranged_items(), min_size=1, max_size=5),
    samples=st.integers(1, 400),
    seed=st.integers(0, 2**40),
)
def test_point_and_expected_scores_lie_within_the_interval(
    options: PriorityOptions, backlog: list[Item], samples: int, seed: int
) -> None:
    backlog = [b.model_copy(update={"key": f"K{i}"}) for i, b in enumerate(backlog)]
    result = prioritize(backlog, settings=replace(options, samples=samples, seed=seed))
    for ranked in result.items:
        low, high = ranked.interval
        assert low <= ranked.score <= high
        assert low <= ranked.expected <= high
    if not result.simulated:
        return
    # The interval stays honest: it holds at least as many samples as the 5th to 95th
    # percentile (nearest sample) would.
    simulation = result.engine
    matrix = simulation.simulate().astype(np.float64)
    keys = list(simulation.table.keys)
    window = round(0.95 * (samples - 1)) - round(0.05 * (samples - 1)) + 1
    for ranked in result.items:
        row = matrix[keys.index(ranked.key)]
        low, high = ranked.interval
        assert np.count_nonzero((row >= low) & (row <= high)) >= window
