"""Why items are out, and what it would take: re-solves of the same model with one change.

* :func:`why_out`: for each high-value item left out, the reason (excluded, deadline, an
  alternative chosen, does not fit, a prerequisite does not fit, a theme bound) and what forcing
  it in would cost.
* :func:`capacity_gains`: what 10 % more capacity on each team buys (value and items).
* :func:`drop_to_fit`: the fewest items to drop so the plan meets a reduced capacity (a cut or
  an earlier date), losing as little value as possible among those.
* :func:`pareto_front`: value against cost (points used) or technical risk, by the
  epsilon-constraint method: maximise value with the other measure capped, for several caps.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from roadwise.engines.release.model import Constraint, build_model
from roadwise.engines.release.plan import ReleasePlan, decode
from roadwise.engines.release.problem import (
    Candidate,
    ReleaseProblem,
    ReleaseSlot,
    deadline_allows,
    prerequisite_closure,
    skill_share,
)
from roadwise.engines.release.selection import Selection, evaluate
from roadwise.engines.release.solvers import SolverName, solve

Reason = Literal[
    "excluded",
    "deadline",
    "alternative chosen",
    "prerequisite excluded",
    "does not fit",
    "prerequisite does not fit",
    "theme bound",
    "worth less than what it displaces",
    "conflicts with other constraints",
]


@dataclass(frozen=True)
class OutReason:
    item: str
    value: float
    size: float
    reason: Reason
    detail: str
    forced_value: float | None
    """Plan value with this item forced in (None: it cannot be forced in)."""
    cost_to_force: float | None
    """Value lost by forcing the item in (plan value minus forced value)."""
    displaced: tuple[str, ...] = ()
    """Items the forced plan leaves out that the plan had."""


def _free(problem: ReleaseProblem, selection: Selection, r: int) -> dict[str, float]:
    """Capacity left in release ``r``, by pool ('total', 'team X', 'skill Y')."""
    content = selection.releases[r]
    release = problem.releases[r]
    free: dict[str, float] = {}
    if release.capacity is not None:
        free["total"] = release.capacity - content.used
    for team, cap in release.team_capacity.items():
        free[f"team {team}"] = cap - content.team_used.get(team, 0.0)
    for skill, cap in release.skill_capacity.items():
        free[f"skill {skill}"] = cap - content.skill_used.get(skill, 0.0)
    return free


def _demand(items: list[Candidate]) -> dict[str, float]:
    need: dict[str, float] = {"total": sum(c.size for c in items)}
    for c in items:
        if c.team is not None:
            need[f"team {c.team}"] = need.get(f"team {c.team}", 0.0) + c.size
        for skill, share in skill_share(c).items():
            need[f"skill {skill}"] = need.get(f"skill {skill}", 0.0) + share
    return need


def _short(free: Mapping[str, float], need: Mapping[str, float]) -> str | None:
    # The team or skill that runs out says more than the total does.
    for pool, amount in sorted(need.items(), key=lambda kv: kv[0] == "total"):
        if pool in free and amount > free[pool] + 1e-9:
            return f"needs {amount:.1f} points of {pool}, {max(free[pool], 0):.1f} left"
    return None


def why_out(
    problem: ReleaseProblem,
    plan: ReleasePlan,
    *,
    top: int = 10,
    solver: SolverName = "highs",
    time_limit: float = 5.0,
) -> list[OutReason]:
    """Reasons for the ``top`` most valuable items the plan leaves out."""
    selection = plan.selection
    by_key = problem.by_key
    stake = _value_at_stake(problem)
    out = sorted(
        (c for c in problem.items if c.key not in selection.assignment and stake[c.key] > 0),
        key=lambda c: (-stake[c.key], c.key),
    )[:top]
    reasons: list[OutReason] = []
    for c in out:
        needs = prerequisite_closure(problem, c.key)
        missing = [by_key[p] for p in needs if p not in selection.assignment]
        reason: Reason
        if c.key in problem.exclude:
            reason, detail = "excluded", "you excluded it"
        elif any(p.key in problem.exclude for p in missing):
            blocked = next(p.key for p in missing if p.key in problem.exclude)
            reason, detail = "prerequisite excluded", f"it needs {blocked}, which you excluded"
        elif c.deadline is not None and not any(
            deadline_allows(problem, c, r) for r in range(len(problem.releases))
        ):
            reason = "deadline"
            detail = f"no release in the horizon ends by its deadline {c.deadline.isoformat()}"
        elif (rival := _chosen_alternative(problem, selection, c.key)) is not None:
            reason, detail = "alternative chosen", f"its alternative {rival} is in the plan"
        else:
            reason, detail = _capacity_reason(problem, selection, c, missing)
        forced_value, displaced = _force(problem, plan, c.key, solver, time_limit)
        if (
            forced_value is None
            and reason
            in (
                "does not fit",
                "prerequisite does not fit",
                "theme bound",
                "worth less than what it displaces",
            )
            and not detail.startswith("even in an empty release")
        ):
            # No plan holds it at all, so no amount of dropping other items would let it in:
            # name what it conflicts with (pinned prerequisites, deadlines, alternatives ...).
            reason, detail = "conflicts with other constraints", _conflict(problem, c.key)
        reasons.append(
            OutReason(
                item=c.key,
                value=stake[c.key],
                size=c.size,
                reason=reason,
                detail=detail,
                forced_value=forced_value,
                cost_to_force=None if forced_value is None else plan.value - forced_value,
                displaced=displaced,
            )
        )
    return reasons


def _value_at_stake(problem: ReleaseProblem) -> dict[str, float]:
    """An item's own value, or (customer value) the value of customers who asked for it."""
    stake = {c.key: c.value for c in problem.items}
    for customer in problem.customers:
        for key in customer.items:
            stake[key] += customer.value
    return stake


def _chosen_alternative(problem: ReleaseProblem, selection: Selection, key: str) -> str | None:
    for group in problem.alternatives:
        if key in group:
            for other in sorted(group):
                if other != key and other in selection.assignment:
                    return other
    return None


def _capacity_reason(
    problem: ReleaseProblem, selection: Selection, c: Candidate, missing: list[Candidate]
) -> tuple[Reason, str]:
    allowed = [r for r in range(len(problem.releases)) if deadline_allows(problem, c, r)]
    empty = evaluate(problem, {})
    names = ", ".join(p.key for p in missing)
    # Could it fit even in an empty release?
    own_never = [_short(_free(problem, empty, r), _demand([c])) for r in allowed]
    if all(s is not None for s in own_never):
        return "does not fit", f"even in an empty release it {own_never[0]}"
    all_never = [_short(_free(problem, empty, r), _demand([c, *missing])) for r in allowed]
    if missing and all(s is not None for s in all_never):
        return (
            "prerequisite does not fit",
            f"even in an empty release, with its prerequisites {names} it {all_never[0]}",
        )
    # It could, but not in what the plan leaves free.
    with_pre = [_short(_free(problem, selection, r), _demand([c, *missing])) for r in allowed]
    if all(s is not None for s in with_pre):
        alone = [_short(_free(problem, selection, r), _demand([c])) for r in allowed]
        if missing and (any(s is None for s in alone) or sum(p.size for p in missing) >= c.size):
            # it would fit on its own, or its prerequisites are most of what it needs
            return "prerequisite does not fit", f"with its prerequisites {names} it {with_pre[0]}"
        return "does not fit", f"it {with_pre[0]}"
    if problem.themes:
        return "theme bound", "adding it would push a theme's share of capacity out of bounds"
    return "worth less than what it displaces", "it fits only by dropping items worth more"


def _conflict(problem: ReleaseProblem, key: str) -> str:
    """What forcing ``key`` in conflicts with, in the user's words."""
    from roadwise.engines.release.infeasible import find_conflict

    forced = dataclasses.replace(
        problem, must=problem.must | {key}, exclude=problem.exclude - {key}
    )
    others = [c for c in find_conflict(forced, time_limit=5.0) if c != f"must-have {key}"]
    if not others:
        return "no plan can hold it together with the other constraints"
    return "no plan can hold it together with: " + "; ".join(others)


def _force(
    problem: ReleaseProblem, plan: ReleasePlan, key: str, solver: SolverName, time_limit: float
) -> tuple[float | None, tuple[str, ...]]:
    forced = dataclasses.replace(
        problem, must=problem.must | {key}, exclude=problem.exclude - {key}
    )
    lp = build_model(forced)
    solution = solve(lp, solver=solver, time_limit=time_limit)
    if not solution.feasible:
        return None, ()
    selection = decode(lp, forced, solution)
    displaced = tuple(k for k in plan.selection.items if k not in selection.assignment)
    return selection.value, displaced


@dataclass(frozen=True)
class CapacityGain:
    team: str | None
    """The team given more capacity (None: the total, when there are no team limits)."""
    extra: float
    value: float
    gain: float
    added: tuple[str, ...]
    removed: tuple[str, ...]
    proven_optimal: bool


def _scaled(problem: ReleaseProblem, factor: float, team: str | None) -> ReleaseProblem:
    releases = []
    for rel in problem.releases:
        if team is None:
            releases.append(
                dataclasses.replace(
                    rel,
                    capacity=None if rel.capacity is None else rel.capacity * factor,
                    team_capacity={t: v * factor for t, v in rel.team_capacity.items()},
                    skill_capacity={s: v * factor for s, v in rel.skill_capacity.items()},
                )
            )
            continue
        extra = rel.team_capacity.get(team, 0.0) * (factor - 1)
        teams = dict(rel.team_capacity)
        teams[team] = teams.get(team, 0.0) + extra
        releases.append(
            dataclasses.replace(
                rel,
                capacity=None if rel.capacity is None else rel.capacity + extra,
                team_capacity=teams,
            )
        )
    return dataclasses.replace(problem, releases=tuple(releases))


def capacity_gains(
    problem: ReleaseProblem,
    plan: ReleasePlan,
    *,
    increase: float = 0.10,
    solver: SolverName = "highs",
    time_limit: float = 5.0,
) -> list[CapacityGain]:
    """What ``increase`` (10 %) more capacity on each team, one at a time, would buy."""
    teams: list[str | None] = [*sorted({t for rel in problem.releases for t in rel.team_capacity})]
    gains = []
    for team in teams or [None]:
        bigger = _scaled(problem, 1 + increase, team)
        lp = build_model(bigger)
        solution = solve(lp, solver=solver, time_limit=time_limit)
        if not solution.feasible:
            continue
        selection = decode(lp, bigger, solution)
        before, after = set(plan.selection.assignment), set(selection.assignment)
        extra = sum(
            (rel.team_capacity.get(team, 0.0) if team else (rel.capacity or 0.0)) * increase
            for rel in problem.releases
        )
        gains.append(
            CapacityGain(
                team=team,
                extra=extra,
                value=selection.value,
                gain=selection.value - plan.value,
                added=tuple(sorted(after - before)),
                removed=tuple(sorted(before - after)),
                proven_optimal=solution.proven_optimal,
            )
        )
    return gains


@dataclass(frozen=True)
class DropToFit:
    dropped: tuple[str, ...]
    value_lost: float
    selection: Selection
    proven_optimal: bool


def drop_to_fit(
    problem: ReleaseProblem,
    plan: ReleasePlan,
    releases: tuple[ReleaseSlot, ...] | None = None,
    *,
    factor: float | None = None,
    solver: SolverName = "highs",
    time_limit: float = 10.0,
) -> DropToFit:
    """The fewest items to drop (then the least value lost) to meet reduced capacities.

    Give the reduced ``releases`` (same keys; e.g. capacities for an earlier date, with a
    ``capacity_note`` saying so) or a ``factor`` (0.8: a 20 % cut on every pool). Items stay in
    their release or are dropped. Raises
    :class:`~roadwise.engines.release.infeasible.ConstraintConflictError` when even dropping
    everything that may be dropped is not enough (pinned and must-have items cannot be).
    """
    if releases is None:
        share = factor if factor is not None else 1.0
        releases = tuple(
            dataclasses.replace(rel, capacity_note=f"at {share:.0%}")
            for rel in _scaled(problem, share, None).releases
        )
    chosen = plan.selection.assignment
    reduced = dataclasses.replace(problem, releases=releases)
    lp = build_model(reduced)
    # Nothing the plan left out comes in and nothing moves: rows of the question, not the
    # user's, so a conflict never names an item the user did not exclude as "excluded".
    stay = [
        Constraint("stay", f"{key} stays out of {rel.key}", ((lp.item_var[key, r], 1.0),), upper=0)
        for key in sorted(c.key for c in problem.items)
        for r, rel in enumerate(releases)
        if chosen.get(key) != rel.key
    ]
    fixed = lp.with_constraints(stay)
    # Keeping an item is worth more than any amount of value, so the fewest items are dropped.
    weight = sum(abs(v) for v in lp.objective) + 1.0
    objective = list(lp.objective)
    index = {rel.key: r for r, rel in enumerate(releases)}
    for key, release in chosen.items():
        objective[lp.item_var[key, index[release]]] += weight
    solution = solve(fixed.with_objective(objective), solver=solver, time_limit=time_limit)
    if not solution.feasible:
        from roadwise.engines.release.infeasible import raise_infeasible

        raise_infeasible(reduced, lp=fixed, time_limit=time_limit)
    kept = decode(lp, reduced, solution)
    dropped = tuple(k for k in plan.selection.items if k not in kept.assignment)
    return DropToFit(dropped, plan.value - kept.value, kept, solution.proven_optimal)


@dataclass(frozen=True)
class ParetoPoint:
    cap: float
    measure: float
    value: float
    items: tuple[str, ...]
    proven_optimal: bool


Measure = Literal["cost", "risk"]


def _measure(kind: Measure) -> Callable[[Candidate], float]:
    if kind == "cost":
        return lambda c: c.size
    return lambda c: c.technical_risk * c.size


def pareto_front(
    problem: ReleaseProblem,
    plan: ReleasePlan,
    measure: Measure = "cost",
    *,
    points: int = 8,
    solver: SolverName = "highs",
    time_limit: float = 5.0,
) -> list[ParetoPoint]:
    """Non-dominated (measure, value) plans: most value for each cap on cost or risk.

    Cost is the points a plan uses; risk is its risk-weighted points (technical risk × size).
    The caps run evenly from a small fraction up to what the best plan uses.
    """
    of = _measure(measure)
    top = sum(of(problem.by_key[k]) for k in plan.selection.assignment)
    lp = build_model(problem)
    found: list[ParetoPoint] = []
    for step in range(1, points + 1):
        cap = top * step / points
        terms = tuple(
            (var, of(problem.by_key[key]))
            for (key, _), var in lp.item_var.items()
            if of(problem.by_key[key])
        )
        row = Constraint("pareto", f"{measure} at most {cap:g}", terms, upper=cap)
        solution = solve(lp.with_constraints([row]), solver=solver, time_limit=time_limit)
        if not solution.feasible:
            continue
        selection = decode(lp, problem, solution)
        used = sum(of(problem.by_key[k]) for k in selection.assignment)
        found.append(
            ParetoPoint(cap, used, selection.value, selection.items, solution.proven_optimal)
        )
    front: list[ParetoPoint] = []
    for p in sorted(found, key=lambda p: (p.measure, -p.value)):
        if not front or p.value > front[-1].value + 1e-9:
            front.append(p)
    return front


__all__ = [
    "CapacityGain",
    "DropToFit",
    "OutReason",
    "ParetoPoint",
    "capacity_gains",
    "drop_to_fit",
    "evaluate",
    "pareto_front",
    "why_out",
]
