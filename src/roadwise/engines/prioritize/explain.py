"""Explanations: why an item scores what it does, why one item ranks above another, and
which inputs move a score most (the data of a tornado chart)."""

from __future__ import annotations

import numpy as np

from roadwise.engines.prioritize.engine import Simulation
from roadwise.engines.prioritize.frameworks import _fmt
from roadwise.engines.prioritize.inputs import label
from roadwise.engines.prioritize.results import Comparison, PriorityResult, TornadoBar
from roadwise.errors import RoadwiseError


def _simulation(result: PriorityResult) -> Simulation:
    if not isinstance(result.engine, Simulation):
        raise RoadwiseError("this result carries no inputs to explain")
    return result.engine


def _row(sim: Simulation, key: str) -> int:
    if key not in sim.table.keys:
        raise RoadwiseError(
            f"item '{key}' is not among the ranked items (is it open, a leaf, "
            "and does it have every input the framework needs?)",
            field="item",
        )
    return sim.table.keys.index(key)


def tornado(result: PriorityResult, key: str) -> tuple[TornadoBar, ...]:
    """For each input of the item, its score with that input at its low and at its high
    value (the others at their most likely), largest swing first."""
    sim = _simulation(result)
    row = _row(sim, key)
    base = sim.point_inputs(np.array([row]))
    bars: list[TornadoBar] = []
    for name in sim.framework.inputs:
        column = sim.table.columns.get(name)
        if column is None or not column.present[row]:
            continue
        low, high = float(column.low[row]), float(column.high[row])
        if high <= low:
            continue
        at = []
        for v in (low, high):
            x = dict(base)
            x[name] = np.array([[v]])
            with np.errstate(all="ignore"):
                at.append(float(np.asarray(sim.framework.score(x)).ravel()[0]))
        bars.append(TornadoBar(name, label(name), low, high, at[0], at[1]))
    bars.sort(key=lambda b: (-b.swing, b.input))
    return tuple(bars)


def _direction(name: str, a: float, b: float) -> str:
    if name == "effort":
        return "larger" if a > b else "smaller"
    if name == "weeks_to_deadline":
        return "further off" if a > b else "sooner"
    return "higher" if a > b else "lower"


def _value(name: str, v: float) -> str:
    return f"{v:.0%}" if name in ("technical_risk", "confidence") else _fmt(v)


def compare(result: PriorityResult, first: str, second: str) -> Comparison:
    """Why the higher-ranked of two items is above the other, in one sentence.

    Each input's share of the gap is what the higher item would lose if it had the other
    item's value for that input (one input at a time). The probability comes from the two
    items' own Monte Carlo samples, the same as in the full ranking.
    """
    sim = _simulation(result)
    rows = np.array([_row(sim, first), _row(sim, second)])
    point = sim.point_scores(rows)
    if sim.sampler.samples > 0 and sim.uncertain_inputs:
        samples = sim.simulate(rows)
        p_first = float(np.mean(samples[0] > samples[1]) + 0.5 * np.mean(samples[0] == samples[1]))
    else:
        p_first = 1.0 if point[0] > point[1] else 0.0 if point[0] < point[1] else 0.5
    ranked = {r.key: r.rank for r in result.items}
    first_above = ranked[first] < ranked[second]
    hi, lo = (0, 1) if first_above else (1, 0)
    p_above = p_first if first_above else 1.0 - p_first
    x_all = sim.point_inputs(rows)
    hi_x = {k: v[hi : hi + 1] for k, v in x_all.items()}
    lo_x = {k: v[lo : lo + 1] for k, v in x_all.items()}
    base = float(point[hi])
    effects: list[tuple[str, float, float, float]] = []
    for name in sim.framework.inputs:
        if name not in hi_x:
            continue
        a, b = float(hi_x[name][0, 0]), float(lo_x[name][0, 0])
        if a == b or (a != a and b != b):
            continue
        swapped = dict(hi_x)
        swapped[name] = lo_x[name]
        with np.errstate(all="ignore"):
            without = float(np.asarray(sim.framework.score(swapped)).ravel()[0])
        effects.append((name, a, b, base - without))
    effects.sort(key=lambda e: (-abs(e[3]), e[0]))
    keys = (first, second) if first_above else (second, first)
    sentence = _sentence(result, keys, (float(point[hi]), float(point[lo])), effects, p_above)
    return Comparison(
        keys[0], keys[1], float(point[hi]), float(point[lo]), p_above, tuple(effects), sentence
    )


def _sentence(
    result: PriorityResult,
    keys: tuple[str, str],
    scores: tuple[float, float],
    effects: list[tuple[str, float, float, float]],
    p_above: float,
) -> str:
    a, b = keys
    fw = result.framework_label
    head = f"{a} ({fw} {_fmt(scores[0])}) ranks above {b} ({fw} {_fmt(scores[1])})"
    helping = [e for e in effects if e[3] > 0]
    hurting = [e for e in effects if e[3] < 0]
    if not helping:
        reason = " although no single input favours it"
    else:
        name, va, vb, _ = helping[0]
        reason = (
            f" mainly because its {label(name)} is {_direction(name, va, vb)} "
            f"({_value(name, va)} vs {_value(name, vb)})"
        )
        if hurting:
            name2, va2, vb2, _ = hurting[0]
            reason += (
                f", which outweighs {b}'s {_direction(name2, vb2, va2)} "
                f"{label(name2)} ({_value(name2, vb2)} vs {_value(name2, va2)})"
            )
    if abs(p_above - 0.5) <= result_margin(result):
        odds = f"; with the estimates' uncertainty the order is a coin flip ({p_above:.0%})"
    elif p_above < 1.0:
        odds = f"; it stays ahead in {p_above:.0%} of simulations"
    else:
        odds = ""
    return head + reason + odds + "."


def result_margin(result: PriorityResult) -> float:
    sim = result.engine
    if isinstance(sim, Simulation):
        return float(sim.framework.options.coin_flip_margin)
    return 0.1
