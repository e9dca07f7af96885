"""``roadwise plan release``: the provably best set of items for the next release(s)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from enum import StrEnum
from typing import Any

import typer
from rich.table import Table
from rich.text import Text

from roadwise.domain import Plan, Workspace
from roadwise.errors import RoadwiseError, ValidationError
from roadwise.views._text import clip, did_you_mean, some_keys
from roadwise.views.cli._common import (
    DbOption,
    JsonOption,
    console,
    db_url,
    handles_errors,
    one_of,
    plan_key,
    print_json,
)
from roadwise.views.cli.plan import plan_app


class ObjectiveChoice(StrEnum):
    scores = "scores"
    customers = "customers"
    both = "both"


class SolverChoice(StrEnum):
    highs = "highs"
    cpsat = "cpsat"


DEFAULT_CUT = 20.0
"""The capacity cut (percent) --explain drops items for when --cut is not given."""


def item_scores(ws: Workspace) -> tuple[dict[str, float], str]:
    """Each item's value for the optimiser, and where it came from.

    The prioritisation engine's value side (what an item is worth before effort: WSJF's cost of
    delay, RICE's reach × impact × confidence) is used when that engine is available, since the
    optimiser weighs size itself; otherwise the release engine's documented fallback applies.
    """
    try:
        from roadwise.engines.prioritize import prioritize
    except ImportError:
        return {}, "value inputs (fallback: business value + time criticality + risk reduction)"
    result = prioritize(ws, samples=0)
    scores = {r.key: float(r.value if r.value > 0 else max(r.score, 0.0)) for r in result.items}
    return scores, f"prioritisation ({result.framework_label}, value before effort)"


def _check_keys(ws: Any, must: list[str], exclude: list[str], teams: dict[str, float]) -> None:
    """Unknown keys are named with the option they came from, the nearest item keys and the
    team keys (the engine can only say 'must/exclude' or 'capacity')."""
    for option, keys in (("--must", must), ("--exclude", exclude)):
        for key in keys:
            if key not in ws.item_by_key:
                hint = did_you_mean(key, ws.item_by_key)
                raise ValidationError(f"unknown item '{key}'{hint}", field=option)
    for key in must:
        item = ws.item_by_key[key]
        if not item.is_open:
            status = str(getattr(item.status, "value", item.status)).replace("_", " ")
            raise ValidationError(
                f"{key} is {status}; only open items can be planned", field="--must"
            )
        if ws.children(key):
            raise ValidationError(
                f"{key} has items under it; name those (the items that carry the work)",
                field="--must",
            )
    both = sorted(set(must) & set(exclude))
    if both:
        raise ValidationError(
            f"{', '.join(both)} cannot both ship and be left out", field="--must/--exclude"
        )
    for team in teams:
        if team not in ws.team_by_key:
            known = ", ".join(sorted(ws.team_by_key)) or "none"
            raise ValidationError(f"unknown team '{team}' (teams: {known})", field="--capacity")


def parse_capacity(values: list[str]) -> tuple[float | None, dict[str, float]]:
    """``--capacity 120`` (total per release) and ``--capacity web=40`` (one team)."""
    total: float | None = None
    teams: dict[str, float] = {}
    for raw in values:
        name, _, number = raw.rpartition("=")
        try:
            amount = float(number)
        except ValueError:
            raise ValidationError(
                f"'{raw}' is not a capacity: expected points (120) or TEAM=points (web=40)",
                field="--capacity",
            ) from None
        if not math.isfinite(amount) or amount < 0:
            raise ValidationError(
                f"capacity '{raw}' must be a number of points, 0 or more", field="--capacity"
            )
        if name:
            teams[name] = amount
        else:
            total = amount
    return total, teams


def _percentile(value: float) -> float:
    share = value / 100 if value >= 1 else value
    if not 0 < share < 1:
        # both ends are refused: the 0th and 100th percentiles of a range are its ends, which
        # a PERT estimate reaches with probability 0
        raise ValidationError(
            f"percentile {value:g} must be above 0 and below 100 (e.g. 80, or 0.8 as a share)",
            field="--percentile",
        )
    return share


def _n(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}".rstrip("0").rstrip(".")


def selection_dict(selection: Any) -> dict[str, Any]:
    data = dataclasses.asdict(selection)
    data["items"] = list(selection.items)
    return data


def plan_payload(wp: Any, plan: Any, extras: dict[str, Any]) -> dict[str, Any]:
    """The stored / JSON form of a release plan (plain types only)."""
    problem = wp.problem
    return {
        "releases": [
            {
                "key": r.key,
                "start": wp.windows[r.key][0],
                "end": wp.windows[r.key][1],
                "capacity": r.capacity,
                "team_capacity": dict(r.team_capacity),
                "skill_capacity": dict(r.skill_capacity),
            }
            for r in problem.releases
        ],
        "value": plan.value,
        "proven_optimal": plan.proven_optimal,
        "status": plan.status,
        "bound": plan.bound,
        "gap": plan.gap,
        "solver": plan.solver,
        "seconds": plan.seconds,
        "selection": selection_dict(plan.selection),
        "greedy": selection_dict(plan.greedy),
        "greedy_violations": list(plan.greedy_violations),
        "items": {
            c.key: {"title": c.title, "value": c.value, "size": c.size, "team": c.team}
            for c in problem.items
        },
        "skipped": dict(wp.skipped),
        **extras,
    }


@plan_app.command("release")
@handles_errors
def plan_release_command(
    capacity: list[str] = typer.Option(
        [],
        "--capacity",
        "-c",
        metavar="POINTS|TEAM=POINTS",
        help="Capacity per release: a total (drops team and skill limits) or one team's; "
        "repeat for several teams. Default: derived from each team's people and calendar.",
    ),
    releases: int = typer.Option(1, "--releases", "-n", min=1, help="Releases to plan ahead."),
    percentile: float = typer.Option(
        80, "--percentile", "-p", help="Size each item at this percentile of its estimate range."
    ),
    must: list[str] = typer.Option([], "--must", metavar="ITEM", help="Item that must ship."),
    exclude: list[str] = typer.Option([], "--exclude", metavar="ITEM", help="Item to leave out."),
    moscow_musts: bool = typer.Option(
        False, "--moscow-musts", help="Treat items marked MoSCoW 'must' as must-haves."
    ),
    # Choices are plain strings checked in the body, so a typo is a one-line error naming
    # the choices (a Typer enum answers with a usage panel and "Value error").
    objective_name: str = typer.Option(
        ObjectiveChoice.scores.value,
        "--objective",
        metavar="|".join(ObjectiveChoice),
        help="Maximise item scores, customer value (a customer counts only when all it asked "
        "for ships; weighted by annual revenue), or both.",
    ),
    explain: bool = typer.Option(
        False,
        "--explain",
        help="Why high-value items are out, what 10 percent more capacity per team buys, "
        "what to drop for a capacity cut or an earlier date, and the cost of forcing items in.",
    ),
    cut: float | None = typer.Option(
        None,
        "--cut",
        min=1,
        max=100,
        help="With --explain: the capacity cut (percent) to drop items for (default 20).",
    ),
    by: dt.datetime | None = typer.Option(
        None,
        "--by",
        formats=["%Y-%m-%d"],
        help="With --explain: the items to drop to ship the first release by this earlier date.",
    ),
    pareto: bool = typer.Option(
        False, "--pareto", help="Value against cost and against technical risk (options slide)."
    ),
    baseline: bool = typer.Option(
        False, "--baseline", help="Show the greedy rank-and-fill choice beside the plan."
    ),
    solver_name: str = typer.Option(
        SolverChoice.highs.value, "--solver", metavar="|".join(SolverChoice), help="MILP solver."
    ),
    time_limit: float = typer.Option(30, "--time-limit", min=0.1, help="Seconds per solve."),
    name: str | None = typer.Option(None, "--name", help="Store the plan under this key."),
    save: bool = typer.Option(True, "--save/--no-save", help="Store the plan in the workspace."),
    limit: int = typer.Option(
        40,
        "--limit",
        min=1,
        help="Items to list per release, most valuable first (--json lists every one).",
    ),
    as_json: bool = JsonOption,
    db: str | None = DbOption,
) -> None:
    """Choose the most valuable items that fit the next release(s), with proof of optimality."""
    from roadwise.engines.release import (
        ConstraintConflictError,
        ReleaseOptions,
        capacity_gains,
        deadline_out_of_reach,
        drop_to_fit,
        pareto_front,
        plan_release,
        release_problem,
        why_out,
    )
    from roadwise.workspace import open_store

    for given, flag in ((cut, "--cut"), (by, "--by")):
        if given is not None and not explain:
            # without --explain nothing reads it: refuse rather than ignore it silently
            raise ValidationError(
                f"{flag} is a question of --explain (what to drop): add --explain", field=flag
            )
    cut = DEFAULT_CUT if cut is None else cut
    objective = ObjectiveChoice(one_of(objective_name, ObjectiveChoice, "objective", "--objective"))
    solver = SolverChoice(one_of(solver_name, SolverChoice, "solver", "--solver"))
    if name:
        plan_key(name)
    store = open_store(db_url(db), create=False)
    ws = store.load()
    if not ws.items:
        raise RoadwiseError(f"{db_url(db)} holds no backlog items; run `roadwise sample` first")
    total, teams = parse_capacity(capacity)
    _check_keys(ws, must, exclude, teams)
    scores, source = item_scores(ws) if objective != ObjectiveChoice.customers else ({}, "")
    options = ReleaseOptions(
        releases=releases,
        percentile=_percentile(percentile),
        capacity=total,
        team_capacity=teams,
        must=frozenset(must),
        exclude=frozenset(exclude),
        moscow_musts=moscow_musts,
        objective=objective.value,
    )
    try:
        wp = release_problem(ws, scores, options)
    except ValidationError as error:
        if error.field != "capacity":
            raise
        # the engine knows no flags; here the capacity is one
        raise ValidationError(
            f"{error.message}; here: --capacity 120 (points per release)", field="--capacity"
        ) from None
    problem = wp.problem
    if not problem.items:
        raise RoadwiseError("no open, estimated items to plan")
    first = problem.releases[0]
    if explain and by is not None:
        # checked before any solve, so a wrong date costs no waiting
        start, end = wp.windows[first.key]
        if not start <= by.date() < end:
            raise ValidationError(
                f"--by {by.date()} must be an earlier date for release {first.key}: on or after "
                f"{start} (when its window starts) and before {end} (when it ends)",
                field="--by",
            )
    chosen: Any = solver.value
    plan = plan_release(problem, solver=chosen, time_limit=time_limit)
    short = min(time_limit, 5.0)
    extras: dict[str, Any] = {
        "value_source": source,
        "percentile": options.percentile,
        "hard_deadline_out_of_reach": deadline_out_of_reach(problem),
    }
    if explain:
        extras["why_out"] = [
            dataclasses.asdict(r) for r in why_out(problem, plan, time_limit=short)
        ]
        extras["capacity_gains"] = [
            dataclasses.asdict(g) for g in capacity_gains(problem, plan, time_limit=short)
        ]
        # A what-if with no answer (pinned items that cannot be dropped do not fit the smaller
        # capacity) is reported in its place; the plan and the other answers still stand.
        try:
            dropped = drop_to_fit(problem, plan, factor=1 - cut / 100, time_limit=short)
            extras["drop_to_fit"] = {"cut": cut / 100, **_dropped(dropped)}
        except ConstraintConflictError as error:
            why = _no_answer(f"A {cut:g}% capacity cut", error.conflict, "cut less")
            extras["drop_to_fit"] = {"cut": cut / 100, **_unavailable(why, error.conflict)}
        if by is not None:
            start = wp.windows[first.key][0]
            new_end = by.date()
            earlier = _earlier(ws, problem, first, start, new_end, set(teams))
            scenario = f"Shipping release {first.key} by {new_end}"
            try:
                dropped = drop_to_fit(problem, plan, earlier, time_limit=short)
                extras["earlier_date"] = {"by": new_end, **_dropped(dropped)}
            except ConstraintConflictError as error:
                why = _no_answer(scenario, error.conflict, "choose a later date")
                extras["earlier_date"] = {"by": new_end, **_unavailable(why, error.conflict)}
    if pareto:
        extras["pareto"] = {
            m: [dataclasses.asdict(p) for p in pareto_front(problem, plan, m, time_limit=short)]
            for m in ("cost", "risk")
        }
    payload = plan_payload(wp, plan, extras)
    key = name or f"release-{problem.releases[0].key}"
    if save:
        summary = (
            f"{len(plan.selection.items)} items, value {_n(plan.value)}"
            + (" (proven optimal)" if plan.proven_optimal else f" (gap {plan.gap:.1%})")
            + f"; greedy {_n(plan.greedy.value)}"
        )
        store.save_plan(
            Plan(
                key=key,
                kind="release",
                created=dt.datetime.now(dt.UTC).replace(tzinfo=None),
                summary=summary,
                payload=plain_json(payload),
            )
        )
    if as_json:
        print_json({"key": key, **plain_json(payload)})
        return
    _print_plan(wp, plan, source, show_baseline=baseline, limit=limit)
    if explain:
        _print_explain(extras)
    if pareto:
        _print_pareto(extras["pareto"])
    if save:
        console.print(Text.assemble("Stored as plan ", (key, "bold"), "."), highlight=False)


def _dropped(dropped: Any) -> dict[str, Any]:
    return {
        "dropped": list(dropped.dropped),
        "value_lost": dropped.value_lost,
        "proven_optimal": dropped.proven_optimal,
        "unavailable": None,
        "conflict": [],
    }


def _unavailable(why: str, conflict: Any) -> dict[str, Any]:
    """A what-if with no answer: no items listed, the reason in ``unavailable``."""
    return {
        "dropped": None,
        "value_lost": None,
        "proven_optimal": None,
        "unavailable": why,
        "conflict": list(conflict.constraints),
    }


def _no_answer(scenario: str, conflict: Any, instead: str) -> str:
    """Why a reduced-capacity what-if has no answer, in the user's terms: what it cannot hold
    (pinned and must-have items are never dropped), what of the reduced capacity they need,
    and what to change."""
    held = []
    if conflict.pinned:
        held.append(f"the pinned item(s) {some_keys(list(conflict.pinned))}")
    if conflict.must:
        held.append(f"the must-have(s) {some_keys(list(conflict.must))}")
    if not held:
        return f"{scenario} leaves no plan that meets: {'; '.join(conflict.constraints)}."
    text = f"{scenario} cannot hold {' and '.join(held)}"
    if conflict.others:
        text += f" together with {'; '.join(conflict.others)}"
    text += ": " + (". ".join(conflict.loads) or "; ".join(conflict.capacities))
    remedy = "unpin some of them" if conflict.pinned else "drop some must-haves"
    if conflict.pinned and conflict.must:
        remedy += " or drop some must-haves"
    return f"{text}. To see what to drop, {remedy}, or {instead}."


def _earlier(
    ws: Workspace,
    problem: Any,
    first: Any,
    start: dt.date,
    end: dt.date,
    given: set[str],
) -> tuple[Any, ...]:
    """The first release's capacity when it must ship by ``end`` instead.

    Derived capacities are recomputed for the shorter window; a capacity the user typed (for the
    whole window, ``given``) has no calendar behind it, so it is scaled by the working days kept.
    """
    from roadwise.engines.release import ReleaseSlot, window_capacity, working_days

    old_start, old_end = start, first.end
    kept = working_days(start, end) / max(working_days(old_start, old_end), 1)
    derived, pools = window_capacity(ws, start, end)
    teams = {
        key: capacity * kept if key in given else derived.get(key, 0.0)
        for key, capacity in first.team_capacity.items()
    }
    skills = {s: pools.get(s, 0.0) for s in first.skill_capacity}
    # a total the user typed is scaled by the share of working days kept, like a typed team
    total = sum(teams.values()) if first.team_capacity else (first.capacity or 0.0) * kept
    shorter = ReleaseSlot(
        first.key,
        end=end,
        start=start,
        capacity=total,
        team_capacity=teams,
        skill_capacity=skills,
        capacity_note=f"to ship by {end}",
    )
    return (shorter, *problem.releases[1:])


def plain_json(value: Any) -> Any:
    """JSON-safe copy (dates as ISO strings, infinities as None) for the stored payload."""
    if isinstance(value, dict):
        return {str(k): plain_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_json(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and (value != value or abs(value) == float("inf")):
        return None
    return value


def greedy_sentence(plan: Any) -> str:
    """One sentence comparing the plan with rank-and-fill."""
    greedy = plan.greedy
    text = f"Rank-and-fill (greedy by value per point) gives {_n(greedy.value)}"
    if plan.greedy_violations:
        return (
            f"{text}, but breaks: {'; '.join(plan.greedy_violations)}. "
            "The plan meets every constraint."
        )
    gain = plan.value - greedy.value
    if abs(gain) < 1e-9:
        return f"{text}: the same value here."
    return f"{text}: the plan is worth {_n(gain)} more ({plan.gain_over_greedy:+.1%})."


# A line naming teams stops at this many (a large organisation has a hundred).
_TEAMS_NAMED = 12


def _print_plan(wp: Any, plan: Any, source: str, *, show_baseline: bool, limit: int) -> None:
    from roadwise.engines.release import deadline_out_of_reach

    problem = wp.problem
    by_key = problem.by_key
    verdict = (
        Text("proven optimal", style="green")
        if plan.proven_optimal
        else Text(
            f"best found; the best possible is at most {_n(plan.bound)} (gap {plan.gap:.1%})",
            style="yellow",
        )
    )
    for content in plan.selection.releases:
        start, end = wp.windows[content.release]
        table = Table(
            title=f"Release {content.release} ({start} to {end}): {len(content.items)} items, "
            f"{_n(content.used)} of {_n(content.capacity or content.used)} points",
            title_justify="left",
        )
        for column in ("item", "title", "team", "size", "value"):
            table.add_column(column, justify="right" if column in ("size", "value") else "left")
        ranked = sorted(content.items, key=lambda k: (-by_key[k].value, k))
        for key in ranked[:limit]:
            c = by_key[key]
            table.add_row(key, clip(c.title, 48), c.team or "", _n(c.size), _n(c.value))
        console.print(table)
        if len(ranked) > limit:
            console.print(
                f"… and {len(ranked) - limit} more in release {content.release} "
                "(less valuable; --limit N shows more, --json lists every one).",
                highlight=False,
            )
        if content.team_capacity:
            # the fullest teams first where there are too many to name
            teams = list(content.team_capacity.items())
            if len(teams) > _TEAMS_NAMED:
                teams.sort(
                    key=lambda tc: (-content.team_used.get(tc[0], 0) / max(tc[1], 1e-9), tc[0])
                )
            used = ", ".join(
                f"{t} {_n(content.team_used.get(t, 0))}/{_n(cap)}"
                for t, cap in teams[:_TEAMS_NAMED]
            )
            more = (
                f" and {len(teams) - _TEAMS_NAMED} more teams (the fullest named)"
                if len(teams) > _TEAMS_NAMED
                else ""
            )
            console.print(f"Team capacity used: {used}{more}", highlight=False)
    console.print(
        Text.assemble(
            f"Value {_n(plan.value)}: ",
            verdict,
            f", {plan.solver} in {plan.seconds:.2f} s"
            + (f"; values from {source}" if source else ""),
        ),
        highlight=False,
    )
    greedy = plan.greedy
    console.print(greedy_sentence(plan), highlight=False)
    out_of_reach = deadline_out_of_reach(problem)
    if out_of_reach:
        first = problem.releases[0].key
        dated = [f"{key} ({day})" for key, day in sorted(out_of_reach.items())]
        console.print(
            f"Not planned: {len(dated)} item(s) with a hard deadline before release {first}'s "
            f"window opens ({wp.windows[first][0]}), which no release can meet: "
            f"{some_keys(dated)}. Move or soften the deadline to plan them.",
            highlight=False,
        )
    if wp.skipped:
        unsized = sum(1 for why in wp.skipped.values() if why == "no estimate")
        hint = (
            f" {unsized} have no estimate: `roadwise items estimate --apply` sizes them from "
            "similar finished work."
            if unsized
            else ""
        )
        console.print(
            f"{len(wp.skipped)} open items cannot be planned (e.g. no estimate); "
            f"see --json 'skipped'.{hint}",
            highlight=False,
        )
    if show_baseline:
        only_plan = sorted(set(plan.selection.items) - set(greedy.items))
        only_greedy = sorted(set(greedy.items) - set(plan.selection.items))
        table = Table(title="Plan against rank-and-fill", title_justify="left")
        table.add_column("")
        table.add_column("plan", justify="right")
        table.add_column("greedy", justify="right")
        table.add_row("value", _n(plan.value), _n(greedy.value))
        table.add_row("items", str(len(plan.selection.items)), str(len(greedy.items)))
        table.add_row("points used", _n(plan.selection.used), _n(greedy.used))
        table.add_row(
            "only in this one",
            some_keys(only_plan, limit) or "-",
            some_keys(only_greedy, limit) or "-",
        )
        console.print(table)


def _print_explain(extras: dict[str, Any]) -> None:
    table = Table(title="Why these high-value items are out", title_justify="left")
    for column in ("item", "value", "size", "reason", "cost to force in", "it would displace"):
        table.add_column(column, justify="right" if column in ("value", "size") else "left")
    for r in extras["why_out"]:
        cost = "impossible" if r["cost_to_force"] is None else _n(r["cost_to_force"])
        table.add_row(
            r["item"],
            _n(r["value"]),
            _n(r["size"]),
            f"{r['reason']}: {r['detail']}",
            cost,
            ", ".join(r["displaced"][:6]) + (" …" if len(r["displaced"]) > 6 else ""),
        )
    console.print(table)
    table = Table(title="What 10% more capacity would buy", title_justify="left")
    for column in ("team", "extra points", "value gained", "items added", "items removed"):
        table.add_column(
            column, justify="right" if "value" in column or "points" in column else "left"
        )
    for g in extras["capacity_gains"]:
        table.add_row(
            g["team"] or "total",
            _n(g["extra"]),
            _n(g["gain"]),
            ", ".join(g["added"]) or "-",
            ", ".join(g["removed"]) or "-",
        )
    console.print(table)
    drop = extras["drop_to_fit"]
    _print_drop(f"To absorb a {drop['cut']:.0%} capacity cut", drop)
    if "earlier_date" in extras:
        early = extras["earlier_date"]
        _print_drop(f"To ship by {early['by']}", early)


def _print_drop(goal: str, answer: dict[str, Any]) -> None:
    """One what-if's answer: the items to drop for ``goal``, or why there is no answer."""
    if answer["unavailable"]:
        console.print(answer["unavailable"], highlight=False)
        return
    console.print(
        f"{goal}, drop {len(answer['dropped'])} items "
        f"({', '.join(answer['dropped']) or 'none'}), losing {_n(answer['value_lost'])} value.",
        highlight=False,
    )


def _print_pareto(fronts: dict[str, list[dict[str, Any]]]) -> None:
    for measure, label in (("cost", "points used"), ("risk", "risk-weighted points")):
        table = Table(title=f"Options: value against {measure}", title_justify="left")
        table.add_column(label, justify="right")
        table.add_column("value", justify="right")
        table.add_column("items", justify="right")
        table.add_column("proven optimal")
        for p in fronts[measure]:
            table.add_row(
                _n(p["measure"]),
                _n(p["value"]),
                str(len(p["items"])),
                "yes" if p["proven_optimal"] else "no",
            )
        console.print(table)
