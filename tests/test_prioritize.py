"""Prioritisation engine: known answers for every framework, inputs, MoSCoW, Monte Carlo,
value of information and explanations."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from roadwise.domain import (
    Deadline,
    Distribution,
    Estimate,
    Item,
    ItemKind,
    MoSCoW,
    Objective,
    ObjectiveLink,
    Range,
    ScorecardCriterion,
    Status,
    ValueInputs,
    Workspace,
)
from roadwise.engines.prioritize import (
    InputTable,
    PriorityOptions,
    PriorityResult,
    compare,
    explain,
    prioritize,
    scale_points,
    tornado,
)
from roadwise.engines.prioritize.inputs import InputColumn
from roadwise.engines.prioritize.uncertainty import (
    Sampler,
    _pooled_expected_rank,
    key_hashes,
    rank_statistics,
)
from roadwise.errors import RoadwiseError

AS_OF = dt.date(2026, 3, 2)


def item(key: str, effort: float | Estimate | None = 5, risk: float = 0.0, **value: object) -> Item:
    estimate = (
        effort
        if isinstance(effort, Estimate)
        else None
        if effort is None
        else Estimate(low=effort, likely=effort, high=effort)
    )
    return Item(
        key=key,
        title=f"Item {key}",
        estimate=estimate,
        technical_risk=risk,
        value=ValueInputs(**value),
    )


def wsjf_item(
    key: str, bv: float = 8, tc: float = 5, rr: float = 3, effort: float = 4, **kw: object
) -> Item:
    return item(key, effort, business_value=bv, time_criticality=tc, risk_reduction=rr, **kw)


def score_of(result: object, key: str) -> float:
    return result.item(key).score  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- known answers


def test_rice_known_answer_with_feasibility_penalty() -> None:
    ws = Workspace(
        items=[
            item("A", 4, reach=1000, impact=2, confidence=0.8),
            item("B", 4, risk=0.2, reach=1000, impact=2, confidence=0.8),
        ]
    )
    result = prioritize(ws, framework="rice", samples=0)
    assert score_of(result, "A") == pytest.approx(1000 * 2 * 0.8 / 4)
    # Feasibility = 1 - 0.5 x technical risk by default.
    assert score_of(result, "B") == pytest.approx(400 * 0.9)
    no_penalty = prioritize(ws, framework="rice", samples=0, risk_penalty=0.0)
    assert score_of(no_penalty, "B") == pytest.approx(400)
    assert result.item("A").arithmetic.endswith("= 400")


def test_ice_known_answer() -> None:
    ws = Workspace(items=[item("A", None, impact=8, confidence=0.5, ease=6)])
    result = prioritize(ws, framework="ice", samples=0)
    assert score_of(result, "A") == pytest.approx(24)
    assert result.item("A").quadrant is None  # no estimate: no effort axis


def test_wsjf_known_answer_and_contributions_add_up() -> None:
    ws = Workspace(items=[wsjf_item("A", 8, 5, 3, 4)])
    result = prioritize(ws, framework="wsjf", samples=0)
    ranked = result.item("A")
    assert ranked.score == pytest.approx(16 / 4)
    adds = [c.amount for c in ranked.contributions if c.role == "adds"]
    assert sum(adds) == pytest.approx(ranked.score)  # type: ignore[arg-type]
    assert ranked.value == pytest.approx(16)
    assert ranked.arithmetic == "(8 + 5 + 3) / 4 = 4"


def test_cd3_profiles() -> None:
    deadline = Deadline(date=AS_OF + dt.timedelta(weeks=6))
    items = [
        item("LIN", 10, cost_of_delay=10_000),
        Item(
            key="DL",
            title="deadline",
            estimate=Estimate(low=10, likely=10, high=10),
            deadline=deadline,
            tags=["cod:deadline"],
            value=ValueInputs(cost_of_delay=10_000),
        ),
        Item(
            key="DEC",
            title="decaying",
            estimate=Estimate(low=10, likely=10, high=10),
            tags=["cod:decaying"],
            value=ValueInputs(cost_of_delay=10_000),
        ),
    ]
    ws = Workspace(as_of=AS_OF, items=items)
    result = prioritize(ws, framework="cd3", samples=0)
    weeks = 10 / 5  # 5 points per week by default
    assert score_of(result, "LIN") == pytest.approx(10_000 / weeks)
    # Deadline in 6 weeks, 2 weeks of work: 4 weeks of slack out of a 13-week horizon.
    assert score_of(result, "DL") == pytest.approx(10_000 * (1 - 4 / 13) / weeks)
    assert score_of(result, "DEC") == pytest.approx(10_000 * 2 ** (-weeks / 26) / weeks)


@pytest.mark.parametrize(
    ("framework", "shown"),
    [("wsjf", "(8 + 5 + 20) / 0.1 = 330"), ("rice", "100 × 1 × 1 / 0.1 = 1,000")],
)
def test_a_zero_estimate_is_shown_at_the_floor_it_is_divided_by(framework: str, shown: str) -> None:
    zero = item(
        "Z",
        0,
        business_value=8,
        time_criticality=5,
        risk_reduction=20,
        reach=100,
        impact=1,
        confidence=1.0,
    )
    assert prioritize([zero], framework=framework, samples=0).items[0].arithmetic == shown


def test_deadline_profile_raises_urgency_as_the_deadline_nears() -> None:
    def cd3_with_deadline(weeks_away: int) -> float:
        it = Item(
            key="X",
            title="x",
            estimate=Estimate(low=5, likely=5, high=5),
            deadline=Deadline(date=AS_OF + dt.timedelta(weeks=weeks_away)),
            value=ValueInputs(cost_of_delay=1000),
        )
        ws = Workspace(as_of=AS_OF, items=[it])
        return score_of(prioritize(ws, framework="cd3", cod_profile="deadline", samples=0), "X")

    scores = [cd3_with_deadline(w) for w in (30, 12, 6, 1)]
    assert scores[0] == 0.0  # far away: delaying costs nothing yet
    assert scores == sorted(scores)
    assert scores[-1] == pytest.approx(1000 / 1)  # slack used up: full cost of delay


def test_scale_points() -> None:
    assert scale_points(np.array([1.0, 2, 3, 4, 5]), "fibonacci").tolist() == [1, 2, 3, 5, 8]
    assert scale_points(np.array([1.0, 2, 3, 4]), "powers_of_two").tolist() == [1, 2, 4, 8]
    assert scale_points(np.array([3.5]), "fibonacci")[0] == pytest.approx(4)


def test_scorecard_known_answer_is_absolute() -> None:
    criteria = (
        ScorecardCriterion(
            name="value", field="business_value", weight=3, scale="fibonacci", max=5
        ),
        ScorecardCriterion(name="effort", field="effort", weight=1, max=20, higher_is_better=False),
    )
    a = item("A", 5, business_value=4)
    big = item("B", 1, business_value=5)
    alone = prioritize([a], framework="scorecard", scorecard=criteria, samples=0)
    expected = 3 * 5 / 8 + 1 * (1 - 5 / 20)
    assert score_of(alone, "A") == pytest.approx(expected)
    with_other = prioritize([big, a], framework="scorecard", scorecard=criteria, samples=0)
    assert score_of(with_other, "A") == pytest.approx(expected)


def test_scorecard_rejects_unknown_field() -> None:
    criteria = (ScorecardCriterion(name="x", field="nonsense", weight=1),)
    with pytest.raises(RoadwiseError, match="unknown field 'nonsense'") as err:
        prioritize([item("A", reach=1)], framework="scorecard", scorecard=criteria)
    assert err.value.field == "settings.priority.scorecard.0.field"


def test_formula_framework() -> None:
    ws = Workspace(items=[wsjf_item("A", 8, 5, 3, 4, confidence=0.5)])
    result = prioritize(
        ws, framework="formula", formula="business_value * confidence / effort", samples=0
    )
    assert score_of(result, "A") == pytest.approx(1.0)
    with pytest.raises(RoadwiseError, match="needs a formula"):
        prioritize(ws, framework="formula")


def test_unknown_framework_is_a_user_error() -> None:
    with pytest.raises(RoadwiseError, match="unknown framework 'moscow'"):
        prioritize([wsjf_item("A")], framework="moscow")


def test_quadrants_use_absolute_thresholds() -> None:
    items = [
        wsjf_item("QW", 13, 8, 5, 3),
        wsjf_item("BB", 13, 8, 5, 13),
        wsjf_item("FI", 1, 1, 1, 2),
        wsjf_item("MP", 1, 1, 1, 20),
    ]
    result = prioritize(items, framework="wsjf", samples=0)
    assert {i.key: i.quadrant for i in result.items} == {
        "QW": "quick win",
        "BB": "big bet",
        "FI": "fill-in",
        "MP": "money pit",
    }
    assert result.quadrant_thresholds == (20.0, 8.0)
    custom = prioritize(items, framework="wsjf", samples=0, value_threshold=2, effort_threshold=30)
    assert custom.item("FI").quadrant == "quick win"


# --------------------------------------------------------------------------- inputs


def test_only_open_leaf_items_are_ranked_and_missing_inputs_are_named() -> None:
    epic = Item(key="E", title="epic", kind=ItemKind.EPIC)
    child = (
        wsjf_item("C", parent="E")
        if False
        else Item(
            key="C",
            title="child",
            parent="E",
            estimate=Estimate(low=2, likely=2, high=2),
            value=ValueInputs(business_value=5, time_criticality=1, risk_reduction=1),
        )
    )
    done = Item(
        key="D",
        title="done",
        status=Status.DONE,
        value=ValueInputs(business_value=5, time_criticality=1, risk_reduction=1),
    )
    no_estimate = item("N", None, business_value=5, time_criticality=1)
    ws = Workspace(items=[epic, child, done, no_estimate])
    result = prioritize(ws, samples=0)
    assert [i.key for i in result.items] == ["C"]
    (unscored,) = result.unscored
    assert unscored.key == "N"
    assert set(unscored.missing) == {"estimate", "risk_reduction"}
    assert "estimate" in unscored.reason
    with pytest.raises(RoadwiseError, match="could not be scored"):
        explain(result, "N")


def test_strategy_alignment_from_objectives() -> None:
    objectives = [Objective(key="O1", title="grow", weight=2), Objective(key="O2", title="keep")]
    it = Item(
        key="A",
        title="a",
        objectives=[ObjectiveLink(objective="O1", contribution=0.5), ObjectiveLink(objective="O2")],
    )
    ws = Workspace(objectives=objectives, items=[it])
    result = prioritize(ws, framework="formula", formula="strategy_alignment", samples=0)
    assert score_of(result, "A") == pytest.approx((2 * 0.5 + 1 * 1.0) / (2 + 1))


def test_external_inputs_fill_gaps_and_add_criteria() -> None:
    items = [item("A", 2, reach=100, impact=1, confidence=1), item("B", 2, impact=1, confidence=1)]
    external = {
        "reach": {"A": 999.0, "B": Range(low=10, likely=50, high=90)},
        "customer_demand": {"A": 250_000.0},
    }
    result = prioritize(items, framework="rice", samples=0, external_inputs=external)
    assert score_of(result, "A") == pytest.approx(100 / 2)  # the item's own reach wins
    assert score_of(result, "B") == pytest.approx(50 / 2)  # feedback fills the gap
    assert any("customer feedback" in note for note in result.notes)
    demand = prioritize(
        items, framework="formula", formula="customer_demand", samples=0, external_inputs=external
    )
    assert score_of(demand, "A") == 250_000 and score_of(demand, "B") == 0


def test_person_day_estimates_are_converted_to_points() -> None:
    from roadwise.domain import EstimateUnit, Team

    it = Item(
        key="A",
        title="a",
        team="T",
        estimate=Estimate(low=2, likely=2, high=2, unit=EstimateUnit.PERSON_DAYS),
        value=ValueInputs(business_value=6, time_criticality=0, risk_reduction=0),
    )
    ws = Workspace(teams=[Team(key="T", name="t", points_per_person_day=1.5)], items=[it])
    assert score_of(prioritize(ws, samples=0), "A") == pytest.approx(6 / 3)


# --------------------------------------------------------------------------- MoSCoW


def test_moscow_as_constraint_and_as_tie_breaker() -> None:
    strong_could = wsjf_item("COULD", 20, 20, 20, 1, moscow=MoSCoW.COULD)
    weak_must = wsjf_item("MUST", 1, 1, 1, 10, moscow=MoSCoW.MUST)
    plain = prioritize([strong_could, weak_must], samples=0)
    assert [i.key for i in plain.items] == ["COULD", "MUST"]
    constrained = prioritize([strong_could, weak_must], samples=0, moscow="constraint")
    assert [i.key for i in constrained.items] == ["MUST", "COULD"]
    tie_a = wsjf_item("A", moscow=MoSCoW.COULD)
    tie_b = wsjf_item("B", moscow=MoSCoW.MUST)
    assert [i.key for i in prioritize([tie_a, tie_b], samples=0).items] == ["B", "A"]
    assert [i.key for i in prioritize([tie_a, tie_b], samples=0, moscow="ignore").items] == [
        "A",
        "B",
    ]


def test_moscow_constraint_with_uncertainty_keeps_musts_in_the_top() -> None:
    items = [wsjf_item(f"C{i}", 13, 8, 5, 2, moscow=MoSCoW.COULD) for i in range(3)]
    items.append(
        item(
            "M",
            Estimate(low=5, likely=8, high=20),
            moscow=MoSCoW.MUST,
            business_value=1,
            time_criticality=1,
            risk_reduction=1,
        )
    )
    result = prioritize(items, samples=200, top_k=1, moscow="constraint")
    assert result.items[0].key == "M"
    assert result.item("M").p_top_k == 1.0


# --------------------------------------------------------------------------- Monte Carlo


def uncertain_backlog(n: int = 12) -> list[Item]:
    rng = np.random.default_rng(3)
    out = []
    for i in range(n):
        lo = float(rng.integers(1, 5))
        out.append(
            item(
                f"U-{i}",
                Estimate(low=lo, likely=lo + 2, high=lo + float(rng.integers(3, 12))),
                business_value=Range(low=1, likely=float(rng.integers(2, 9)), high=13),
                time_criticality=float(rng.integers(1, 9)),
                risk_reduction=1,
            )
        )
    return out


def test_point_inputs_give_zero_width_intervals() -> None:
    result = prioritize([wsjf_item("A"), wsjf_item("B", 1)], samples=500)
    for ranked in result.items:
        assert ranked.interval == (ranked.score, ranked.score)
        assert ranked.expected == ranked.score
    assert result.samples == 0  # nothing uncertain: no simulation needed
    assert sum(i.p_top_k for i in result.items) == pytest.approx(min(2, result.top_k))


@pytest.mark.parametrize("k", [1, 3, 7])
def test_p_top_k_sums_to_k_and_ranks_to_the_triangle(k: int) -> None:
    result = prioritize(uncertain_backlog(), samples=400, top_k=k, seed=5)
    n = len(result.items)
    assert sum(i.p_top_k for i in result.items) == pytest.approx(k)
    assert sum(i.expected_rank for i in result.items) == pytest.approx(n * (n + 1) / 2)
    for ranked in result.items:
        assert ranked.interval[0] <= ranked.expected <= ranked.interval[1]
        assert 0 <= ranked.p_top_k <= 1


def test_deterministic_for_a_seed_and_different_across_seeds() -> None:
    a = prioritize(uncertain_backlog(), samples=300, seed=11)
    b = prioritize(uncertain_backlog(), samples=300, seed=11)
    c = prioritize(uncertain_backlog(), samples=300, seed=12)
    assert a.to_dict() == b.to_dict()
    assert [i.expected for i in a.items] != [i.expected for i in c.items]


def test_expected_score_is_stable_when_other_items_come_and_go() -> None:
    backlog = uncertain_backlog()
    full = prioritize(backlog, samples=300, seed=2)
    part = prioritize(list(reversed(backlog[3:8])), samples=300, seed=2)
    for ranked in part.items:
        other = full.item(ranked.key)
        assert ranked.expected == other.expected
        assert ranked.interval == other.interval


def sampled_scores(result: PriorityResult, key: str) -> np.ndarray:
    """The item's simulated scores, re-drawn sample for sample (sampling is item-stable)."""
    simulation = result.engine
    return simulation.simulate()[list(simulation.table.keys).index(key)].astype(np.float64)


@pytest.mark.parametrize(
    "effort,end",
    [(Estimate(low=1, likely=1, high=3), "high"), (Estimate(low=1, likely=3, high=3), "low")],
    ids=["smallest-job-most-likely", "largest-job-most-likely"],
)
def test_point_score_at_the_end_of_its_range_lies_within_its_interval(
    effort: Estimate, end: str
) -> None:
    """KW-2281 in the sample: a job of "1, maybe up to 3" makes the point score the best case,
    which the 5th-95th percentile left out (29.4 beside a 90% interval of 16.0-28.9)."""
    result = prioritize(
        [item("A", effort, 0.22, business_value=8, time_criticality=5, risk_reduction=20)],
        samples=1000,
        seed=7,
    )
    ranked = result.item("A")
    scores = sampled_scores(result, "A")
    low, high = ranked.interval
    assert low <= ranked.score <= high
    # The point score is beyond the central interval here: no sample reaches a range's end.
    if end == "high":
        assert ranked.score > np.quantile(scores, 0.95)
        assert high == ranked.score
    else:
        assert ranked.score < np.quantile(scores, 0.05)
        assert low == ranked.score
    # Honest still: it holds 90% of the samples, the ones nearest the point score.
    assert np.mean((scores >= low) & (scores <= high)) == pytest.approx(0.9, abs=0.002)
    assert low <= ranked.expected <= high


def test_interval_is_the_5th_to_95th_percentile_when_the_point_score_lies_within() -> None:
    effort = Estimate(low=2, likely=5, high=14)
    result = prioritize([wsjf_item("A", effort=5).model_copy(update={"estimate": effort})])
    ranked = result.item("A")
    ordered = np.sort(sampled_scores(result, "A"))
    s = ordered.size
    assert ordered[round(0.05 * (s - 1))] < ranked.score < ordered[round(0.95 * (s - 1))]
    assert ranked.interval == (ordered[round(0.05 * (s - 1))], ordered[round(0.95 * (s - 1))])


@pytest.mark.parametrize(
    "dist,mean",
    [
        ("pert", (2 + 4 * 5 + 14) / 6),
        ("triangular", (2 + 5 + 14) / 3),
        ("uniform", (2 + 14) / 2),
    ],
)
def test_sampled_ranges_have_their_distribution_mean(dist: str, mean: float) -> None:
    from roadwise.domain import Distribution
    from roadwise.engines.prioritize.inputs import DISTRIBUTION_CODES

    n = 200
    col = InputColumn(
        np.full(n, 2.0),
        np.full(n, 5.0),
        np.full(n, 14.0),
        np.full(n, DISTRIBUTION_CODES[Distribution(dist)], np.int8),
        np.ones(n, bool),
    )
    draws = Sampler(key_hashes([f"K{i}" for i in range(n)]), 500, 0).draw("x", col, slice(None))
    assert draws.min() >= 2 and draws.max() <= 14
    assert float(draws.mean()) == pytest.approx(mean, rel=0.01)


@pytest.mark.parametrize(("low", "likely", "high"), [(2, 10, 50), (100, 1000, 2000), (1, 2, 40)])
def test_lognormal_range_has_likely_as_median_and_low_and_high_as_its_ends(
    low: float, likely: float, high: float
) -> None:
    # Also where likely is not the geometric middle of low and high: the ends given are the
    # ends sampled, and the mean is the one the range reports.
    n = 100
    col = InputColumn(
        np.full(n, float(low)),
        np.full(n, float(likely)),
        np.full(n, float(high)),
        np.full(n, 3, np.int8),
        np.ones(n, bool),
    )
    draws = Sampler(key_hashes([f"K{i}" for i in range(n)]), 1000, 0).draw("x", col, slice(None))
    assert float(np.median(draws)) == pytest.approx(likely, rel=0.03)
    assert float(np.quantile(draws, 0.05)) == pytest.approx(low, rel=0.06)
    assert float(np.quantile(draws, 0.95)) == pytest.approx(high, rel=0.06)
    lognormal = Range(low=low, likely=likely, high=high, distribution=Distribution.LOGNORMAL)
    assert float(draws.mean()) == pytest.approx(lognormal.mean, rel=0.02)


def test_pooled_expected_rank_matches_exact_ranks() -> None:
    rng = np.random.default_rng(0)
    scores = (rng.normal(size=(300, 1)) + rng.normal(scale=0.7, size=(300, 400))).astype(np.float32)
    _, exact = rank_statistics(scores, 10)
    pooled = _pooled_expected_rank(scores)
    assert np.abs(pooled - exact).max() < 2.0
    assert np.corrcoef(pooled, exact)[0, 1] > 0.999


def test_coin_flips_flag_items_that_cannot_be_told_apart() -> None:
    twin = dict(
        business_value=Range(low=1, likely=8, high=20), time_criticality=5, risk_reduction=1
    )
    items = [item("T1", 4, **twin), item("T2", 4, **twin), wsjf_item("LOW", 1, 1, 1, 40)]
    result = prioritize(items, samples=1000, seed=1, top_k=1)
    flips = {(c.above, c.below) for c in result.coin_flips}
    assert ("T1", "T2") in flips or ("T2", "T1") in flips
    assert all("LOW" not in pair for pair in flips)


def test_value_of_information_points_at_the_estimate_that_matters() -> None:
    items = [wsjf_item(f"S{i}", 8, 5, 3, 4 + i) for i in range(4)]  # certain items
    items.append(
        item(
            "WILD",
            Estimate(low=1, likely=4, high=40),
            business_value=8,
            time_criticality=5,
            risk_reduction=Range(low=2, likely=3, high=4),
        )
    )
    result = prioritize(items, samples=1000, seed=3, top_k=2)
    best = result.information_value[0]
    assert (best.item, best.input) == ("WILD", "effort")
    assert 0 < best.p_change < 1
    assert best.evpi > max(
        (v.evpi for v in result.information_value if v.input != "effort"), default=0
    )


def test_value_of_information_with_more_items_at_the_boundary_than_it_examines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Over MAX_CANDIDATES items straddle the top-k boundary: only the closest are examined,
    # and each examined item's value must be the one it has when every item is examined.
    import functools
    import sys

    from roadwise.engines.prioritize import voi

    package = sys.modules["roadwise.engines.prioritize"]
    monkeypatch.setattr(
        package, "information_value", functools.partial(voi.information_value, limit=10_000)
    )
    n = 400
    rng = np.random.default_rng(1)
    effort = rng.uniform(2, 4, n)
    table = InputTable.from_arrays(
        [f"K-{i:04d}" for i in range(n)],
        {
            "business_value": rng.uniform(5, 15, n),
            "time_criticality": np.full(n, 5.0),
            "risk_reduction": np.full(n, 5.0),
            "effort": (effort * 0.5, effort, effort * 3),
        },
    )
    run = {"framework": "wsjf", "top_k": 50, "samples": 400, "seed": 3}
    limited = prioritize(table, **run).information_value  # type: ignore[arg-type]
    monkeypatch.setattr(voi, "MAX_CANDIDATES", n)
    everything = {
        (v.item, v.input): v.evpi
        for v in prioritize(table, **run).information_value  # type: ignore[arg-type]
    }
    assert len(limited) > 20
    for v in limited:
        assert v.evpi == pytest.approx(everything.get((v.item, v.input), 0.0))


# --------------------------------------------------------------------------- explanations


def test_compare_names_the_deciding_input_in_one_sentence() -> None:
    items = [wsjf_item("SMALL", 8, 5, 3, 2), wsjf_item("BIG", 13, 5, 3, 13)]
    result = prioritize(items, samples=0)
    why = compare(result, "BIG", "SMALL")
    assert (why.above, why.below) == ("SMALL", "BIG")
    assert "SMALL (WSJF 8) ranks above BIG (1.62)" in why.sentence
    assert "effort is smaller (2 vs 13)" in why.sentence
    assert "BIG's higher business value" in why.sentence
    assert why.sentence.count(".") <= 2 and why.p_above == 1.0
    assert why.reasons[0][0] == "effort"


def test_compare_uses_the_same_samples_as_the_ranking() -> None:
    result = prioritize(uncertain_backlog(), samples=400, seed=4)
    a, b = result.items[0].key, result.items[1].key
    why = compare(result, a, b)
    assert 0.0 < why.p_above <= 1.0
    assert "simulations" in why.sentence or "coin flip" in why.sentence


def test_tornado_orders_inputs_by_swing() -> None:
    wide = item(
        "W",
        Estimate(low=1, likely=4, high=20),
        business_value=Range(low=7, likely=8, high=9),
        time_criticality=5,
        risk_reduction=3,
    )
    result = prioritize([wide], samples=100)
    bars = tornado(result, "W")
    assert [b.input for b in bars] == ["effort", "business_value"]
    assert bars[0].score_at_low > bars[0].score_at_high  # less effort, higher score
    assert bars[1].score_at_high > bars[1].score_at_low
    ranked, again = explain(result, "W")
    assert ranked.key == "W" and again == bars
    with pytest.raises(RoadwiseError, match="not among the ranked items"):
        explain(result, "NOPE")


def test_array_fast_path_matches_domain_objects() -> None:
    backlog = uncertain_backlog(8)
    from_items = prioritize(backlog, samples=200, seed=9)

    def column(name: str) -> tuple[list[float], list[float], list[float]]:
        vals = [getattr(i.value, name) if name != "effort" else i.estimate for i in backlog]
        as_r = [v if isinstance(v, Range | Estimate) else Range.point(float(v)) for v in vals]
        return ([r.low for r in as_r], [r.likely for r in as_r], [r.high for r in as_r])

    table = InputTable.from_arrays(
        [i.key for i in backlog],
        {n: column(n) for n in ("business_value", "time_criticality", "risk_reduction", "effort")},
        titles=[i.title for i in backlog],
    )
    from_arrays = prioritize(table, settings=PriorityOptions(samples=200, seed=9))
    assert [(i.key, i.expected, i.p_top_k) for i in from_items.items] == [
        (i.key, i.expected, i.p_top_k) for i in from_arrays.items
    ]


def test_epics_roll_up_their_ranked_leaves() -> None:
    epic = Item(key="E", title="Checkout epic", kind=ItemKind.EPIC)
    feature = Item(key="F", title="Feature", kind=ItemKind.FEATURE, parent="E")
    leaves = [
        Item(
            key=f"S{i}",
            title=f"story {i}",
            parent="F",
            estimate=Estimate(low=e, likely=e, high=e),
            value=ValueInputs(business_value=bv, time_criticality=1, risk_reduction=1),
        )
        for i, (bv, e) in enumerate([(13, 2), (3, 5)])
    ]
    loose = wsjf_item("L", 8, 5, 3, 4)
    result = prioritize(Workspace(items=[epic, feature, *leaves, loose]), samples=0, top_k=2)
    assert [i.key for i in result.items] == ["S0", "L", "S1"]
    rollups = {e.key: e for e in result.epics}
    assert set(rollups) == {"E", "F"}
    assert rollups["E"].items == 2 and rollups["E"].best_rank == 1
    assert rollups["E"].expected_in_top_k == pytest.approx(1.0)
    assert rollups["E"].effort == pytest.approx(7) and rollups["E"].value == pytest.approx(20)
    assert rollups["E"].title == "Checkout epic"


@pytest.mark.parametrize("k", [1, 5, 40])
def test_p_top_k_matches_counting_every_world(k: int) -> None:
    rng = np.random.default_rng(k)
    centre = rng.normal(size=(800, 1)) * 2
    scores = (centre + rng.normal(size=(800, 300))).astype(np.float32)
    p_top, _ = rank_statistics(scores, k)
    order = np.argsort(-scores, axis=0, kind="stable")
    in_top = np.zeros_like(scores, dtype=bool)
    np.put_along_axis(in_top, order[:k], True, axis=0)
    assert np.allclose(p_top, in_top.mean(axis=1))


def test_items_whose_formula_gives_no_number_are_reported_not_ranked() -> None:
    items = [item("A", 2, reach=1), item("B", 2, reach=5)]
    result = prioritize(items, framework="formula", formula="log(reach - 1)", samples=0)
    assert [i.key for i in result.items] == ["B"]
    (bad,) = result.unscored
    assert bad.key == "A" and "not a finite number" in bad.reason


@pytest.mark.parametrize("top_k", [1, 2])
def test_items_whose_formula_fails_within_their_ranges_are_reported_not_ranked(top_k: int) -> None:
    # log(effort - 1.5) is a number at A's likely effort (3) but not below 1.5, inside 1-8.
    items = [
        item("A", Estimate(low=1, likely=3, high=8), business_value=10),
        item("B", Estimate(low=3, likely=4, high=5), business_value=8),
        item("C", Estimate(low=3, likely=4, high=5), business_value=5),
    ]
    formula = "business_value * log(effort - 1.5)"
    result = prioritize(items, framework="formula", formula=formula, samples=500, top_k=top_k)
    assert [i.key for i in result.items] == ["B", "C"]
    assert all(np.isfinite(i.expected) for i in result.items)
    assert sum(i.p_top_k for i in result.items) == pytest.approx(top_k)
    (bad,) = result.unscored
    assert bad.key == "A" and "within the inputs' ranges" in bad.reason


@pytest.mark.parametrize("formula", ["1", "max(1, 2)", "business_value if 1 > 2 else 3"])
def test_a_formula_that_reads_no_field_scores_every_item_the_same(formula: str) -> None:
    items = [
        item("A", Estimate(low=1, likely=2, high=3), business_value=3),
        item("B", 2, business_value=5),
    ]
    result = prioritize(items, framework="formula", formula=formula, samples=100)
    scores = {i.key: (i.score, i.expected) for i in result.items}
    assert set(scores) == {"A", "B"} and len(set(scores.values())) == 1


def test_empty_backlogs_give_empty_results() -> None:
    assert prioritize(Workspace()).items == ()
    only_idea = prioritize(Workspace(items=[Item(key="A", title="a")]))
    assert only_idea.items == () and only_idea.unscored[0].key == "A"


def test_epics_can_be_scored_on_their_own_inputs_when_asked() -> None:
    epic = Item(
        key="E",
        title="epic",
        kind=ItemKind.EPIC,
        estimate=Estimate(low=15, likely=15, high=15),
        value=ValueInputs(business_value=20, time_criticality=20, risk_reduction=20),
    )
    child = Item(
        key="C",
        title="child",
        parent="E",
        estimate=Estimate(low=2, likely=2, high=2),
        value=ValueInputs(business_value=2, time_criticality=2, risk_reduction=2),
    )
    ws = Workspace(items=[epic, child])
    assert [i.key for i in prioritize(ws, samples=0).items] == ["C"]
    both = prioritize(ws, samples=0, include_epics=True)
    assert [i.key for i in both.items] == ["E", "C"]


def test_keys_with_the_same_crc32_still_get_their_own_random_numbers() -> None:
    import zlib

    assert zlib.crc32(b"plumless") == zlib.crc32(b"buckeroo")  # a known CRC-32 collision
    hashes = key_hashes(["plumless", "buckeroo", "other"])
    assert len(set(hashes.tolist())) == 3
    assert key_hashes(["buckeroo"])[0] == hashes[1]  # the first in key order keeps its hash


def test_value_of_information_respects_moscow_as_a_constraint() -> None:
    musts = [wsjf_item(f"M{i}", 1, 1, 1, 4, moscow=MoSCoW.MUST) for i in range(2)]
    wild_could = item(
        "WILD",
        Estimate(low=1, likely=4, high=40),
        business_value=8,
        time_criticality=5,
        risk_reduction=3,
        moscow=MoSCoW.COULD,
    )
    items = [*musts, wild_could, wsjf_item("C", 8, 5, 3, 4, moscow=MoSCoW.COULD)]
    free = prioritize(items, samples=500, seed=3, top_k=2)
    assert any(v.item == "WILD" for v in free.information_value)
    constrained = prioritize(items, samples=500, seed=3, top_k=2, moscow="constraint")
    assert [i.key for i in constrained.top] == ["M0", "M1"]
    assert constrained.information_value == ()  # the musts fill the top 2 whatever WILD costs


def test_coin_flips_never_pair_items_that_a_moscow_constraint_orders() -> None:
    twin = dict(
        business_value=Range(low=1, likely=8, high=20), time_criticality=5, risk_reduction=1
    )
    items = [
        item("MUST", 4, moscow=MoSCoW.MUST, **twin),
        item("COULD", 4, moscow=MoSCoW.COULD, **twin),
    ]
    free = prioritize(items, samples=1000, seed=1, top_k=1)
    assert len(free.coin_flips) == 1
    assert prioritize(items, samples=1000, seed=1, top_k=1, moscow="constraint").coin_flips == ()


def test_customer_demand_without_feedback_says_where_it_comes_from() -> None:
    criteria = (ScorecardCriterion(name="demand", field="customer_demand", weight=1),)
    with pytest.raises(RoadwiseError, match="comes from linked customer feedback"):
        prioritize([item("A", 2)], framework="scorecard", scorecard=criteria)
    with pytest.raises(RoadwiseError, match="--feedback"):
        prioritize([item("A", 2)], framework="formula", formula="customer_demand / effort")
    fed = prioritize(
        [item("A", 2)],
        framework="scorecard",
        scorecard=criteria,
        samples=0,
        external_inputs={"customer_demand": {"A": 5.0}},
    )
    assert fed.items[0].score == 5.0
