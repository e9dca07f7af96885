"""Report builders: the workspace and engine facts in, a :class:`Report` out.

One function per report kind. Builders only read :class:`~roadwise.views.reports.facts.Facts`
and write plain sentences; every number they state is noted in the report's provenance. A
section whose facts do not exist (its engine has not run) is left out, never faked.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from roadwise.domain import Item, ItemKind, Objective, Status, Workspace, ancestry
from roadwise.views._text import clip
from roadwise.views.charts import reports as charts
from roadwise.views.reports import facts as F
from roadwise.views.reports.facts import CapacityRow, DateForecast, Facts
from roadwise.views.reports.model import (
    BOLD_OPEN,
    Badge,
    Bullets,
    Chart,
    Paragraph,
    Provenance,
    Report,
    Section,
    Table,
    Trace,
    strong,
    user_text,
    without_user_marks,
)
from roadwise.views.reports.wording import (
    NEVER,
    NOT_IN_SIGHT,
    Glossary,
    chance_below,
    chance_percent,
    date_with_confidence,
    exact_percent,
    join_words,
    say_chance,
    say_count,
    say_date,
    say_duration,
    say_money,
    say_number,
    say_percent,
    sentence,
)

ON_TRACK = "on track"
AT_RISK = "at risk"
OFF_TRACK = "off track"
NO_DEADLINE = "no deadline"
# Work the forecast cannot date (a team it needs has no delivery history): no chance of
# meeting a deadline can be stated, so neither "on track" nor "off track" would be true.
UNDATED = "cannot be dated"
TONES = {ON_TRACK: "good", AT_RISK: "warn", OFF_TRACK: "bad", UNDATED: "warn"}


def _charts(feature: str) -> Any:
    """An engine owner's chart module (views/charts/<feature>.py), imported when used."""
    return importlib.import_module(f"roadwise.views.charts.{feature}")


class Writer:
    """Shared state while one report is written: facts, wording, provenance."""

    def __init__(self, facts: Facts, glossary: Glossary) -> None:
        self.facts = facts
        self.ws: Workspace = facts.ws
        self.glossary = glossary
        self.trace = Trace()

    @property
    def as_of(self) -> dt.date:
        return self.ws.as_of

    def date(self, day: dt.date) -> str:
        return say_date(day, self.as_of)

    def when(self, fc: DateForecast) -> str:
        return say_when(fc, self.as_of)

    def note_forecast(self, fc: DateForecast, label: str) -> str:
        return self.trace.note(
            f"{label}: 50% and 85% dates",
            f"cannot be dated ({fc.undated})" if fc.undated else f"{_iso(fc.p50)} / {_iso(fc.p85)}",
            inputs=fc.inputs or "the workspace's delivery history and remaining work",
            method=fc.method or self.facts.forecast_method,
            seed=self.facts.seed,
        )

    def title(self, item: Item) -> str:
        return item.title


def _amount(value: float) -> str:
    """An amount for the appendix, unrounded to a person's words: '1,234.5', '27'."""
    return f"{value:,.1f}".removesuffix(".0")


def _iso(day: dt.date) -> str:
    return NOT_IN_SIGHT if day == NEVER else day.isoformat()


def say_when(fc: DateForecast, as_of: dt.date) -> str:
    """The forecast's dates with their confidence, or why it has none."""
    if fc.undated:
        return f"{UNDATED} ({fc.undated})"
    return date_with_confidence(fc.p50, fc.p85, as_of=as_of)


# --------------------------------------------------------------------------- status


def derive_status(
    fc: DateForecast | None, deadline: dt.date | None, as_of: dt.date
) -> tuple[str, str] | None:
    """On track / at risk / off track from a forecast and a deadline, with a one-line reason.

    The rule: on track when the deadline is at least 85% likely to be met, at risk when it
    is more likely met than not, off track otherwise. Without a probability from the engine
    the 50% and 85% dates stand in for it (85% date before the deadline: on track).
    Returns None when there is no forecast (nothing to derive a status from).
    """
    if fc is None:
        return None
    if fc.undated:
        # Every simulated future is empty for a team without history: its 0% is no chance.
        return UNDATED, sentence(f"{UNDATED}: {fc.undated}")
    if deadline is None:
        return NO_DEADLINE, sentence(f"no deadline set; {say_when(fc, as_of)}")
    due = say_date(deadline, as_of)
    if not fc.dated:
        chance = f"; {say_chance(fc.p_deadline)} of making it" if fc.p_deadline is not None else ""
        return OFF_TRACK, sentence(
            f"not likely done within 10 years at today's pace, against the {due} deadline{chance}"
        )
    likely = say_date(fc.p50, as_of)
    p = fc.p_deadline
    if p is None:
        p = 0.9 if fc.p85 <= deadline else (0.6 if fc.p50 <= deadline else 0.3)
        chance = ""
    else:
        chance = f"; {say_chance(p)} of making it"
    if p >= 0.85:
        slack = (deadline - fc.p85).days
        margin = f", {say_duration(slack)} to spare" if slack >= 7 else ""
        return ON_TRACK, sentence(
            f"85% sure by {say_date(fc.p85, as_of)}, before the {due} deadline{margin}"
        )
    if p >= 0.5:
        return AT_RISK, sentence(
            f"likely by {likely}, but only {chance_below(p, 0.85)} sure to make the {due} deadline"
            if fc.p_deadline is not None
            else f"likely by {likely}, but not 85% sure before the {due} deadline"
        )
    late = (fc.p50 - deadline).days
    return OFF_TRACK, sentence(
        f"likely {say_duration(late)} late: {likely} against the {due} deadline{chance}"
        if late > 0
        else f"only {chance_below(p, 0.5)} sure to make the {due} deadline"
    )


def _badge(status: str) -> Badge:
    return Badge(status, TONES.get(status, "neutral"))  # type: ignore[arg-type]


def item_status(w: Writer, item: Item) -> tuple[str, str] | None:
    fc = w.facts.forecasts.get(item.key)
    deadline = F.effective_deadline(w.ws, item)
    return derive_status(fc, deadline[0] if deadline else None, w.as_of)


def objective_status(w: Writer, key: str) -> tuple[str, str] | None:
    objective = w.ws.objective_by_key[key]
    fc = w.facts.forecasts.get(f"objective:{key}")
    return derive_status(fc, objective.due, w.as_of)


# --------------------------------------------------------------------------- shared sections


def objectives_section(w: Writer, *, compact: bool = False) -> Section | None:
    ws = w.ws
    if not ws.objectives:
        return None
    progress = F.kr_progress(ws)
    rows: list[tuple[str | Badge, ...]] = []
    statuses: list[str] = []
    refs: list[str] = []
    for objective in ws.objectives:
        kr = progress[objective.key]
        kr_text = say_percent(kr, word="~") if kr is not None else "not measured"
        if kr is not None:
            refs.append(
                w.trace.note(
                    f"{objective.title}: key-result progress",
                    exact_percent(kr),
                    inputs=f"{len(objective.key_results)} key results (baseline, target, current)",
                    method="mean of (current − baseline) ÷ (target − baseline), "
                    "each clamped to 0..100%",
                )
            )
        # One page leaves the work-done column out (below), so its numbers are not traced.
        work_text, work_ref = ("", None) if compact else _objective_work_done(w, objective)
        if work_ref:
            refs.append(work_ref)
        status = objective_status(w, objective.key)
        row: list[str | Badge] = [objective.title, kr_text, work_text]
        if w.facts.forecasts:
            fc = w.facts.forecasts.get(f"objective:{objective.key}")
            row.append(_badge(status[0]) if status else Badge("no open work", "neutral"))
            row.append(w.when(fc) if fc else "—")
            if status:
                statuses.append(status[0])
            if fc:
                refs.append(w.note_forecast(fc, objective.title))
        rows.append(tuple(row))
    # "All open work done" says what the date is for; "Key results" stays short so the
    # executive summary keeps to one printed page.
    columns = ["Objective", "Key results", "Work done"]
    if w.facts.forecasts:
        columns += ["Status", "All open work done"]
    if compact:
        # One page: the work-done column gives way to the dates.
        drop = 2
        columns.pop(drop)
        rows = [row[:drop] + row[drop + 1 :] for row in rows]
    measured = [v for v in progress.values() if v is not None]
    if statuses:
        headline = _objectives_headline(w)
    elif measured:
        mean = say_percent(sum(measured) / len(measured), word="about")
        headline = f"Key results are {mean} of the way to target on average"
    else:
        headline = f"{say_count(len(ws.objectives), 'objective')} set; no key result measured yet"
    section = Section("objectives", "Where we stand", sentence(headline))
    section.add(Table(tuple(columns), tuple(rows), refs=tuple(refs), numeric=()))
    if not compact:
        for objective in ws.objectives:
            status = objective_status(w, objective.key)
            if status:
                section.add(Paragraph(f"{strong(user_text(objective.title))}: {status[1]}"))
    return section


def _work_done(
    w: Writer, title: str, leaves: Sequence[Item], serving: str = "serving the objective"
) -> tuple[str, str | None]:
    """The "Work done" cell of an objective or epic with the open and finished ``leaves``
    (dropped ones left out), "9 of 75 items done, ~6% of the points", and its provenance
    reference (None when there is no work).

    Items first, counted as the web dashboard counts them ("66 of 75 items open"), so the two
    agree; the share is of the estimated work, which a count of items alone would hide (nine
    small items can be a small part of the work), and it says so.
    """
    ws = w.ws
    if not leaves:
        return "no work linked", None
    finished = [i for i in leaves if i.status.is_finished]
    done = sum(F.size(ws, i) for i in finished)
    total = sum(F.size(ws, i) for i in leaves)
    unit = F.work_unit(ws)
    text = f"{len(finished):,} of {say_count(len(leaves), 'item')} done"
    if total > 0:
        text += f", {say_percent(done / total, word='~')} of the {unit}"
    ref = w.trace.note(
        f"{title}: work done",
        f"{len(finished):,} of {len(leaves):,} items; "
        + (f"{exact_percent(done / total)} of the {unit}" if total > 0 else f"no {unit}"),
        inputs=f"{say_count(len(leaves), 'item')} {serving} "
        f"({len(finished):,} done or launched), dropped ones left out; their likely estimates: "
        f"{_amount(done)} of {_amount(total)} {unit}",
        method=f"the items done ÷ all the items; the {unit} of those done ÷ the "
        f"{unit} of all of them (likely estimates"
        + (
            "; person-day estimates converted at the team's points per person-day"
            if unit == "points"
            else ""
        )
        + f"; an item without an estimate counts as 1 {unit.removesuffix('s')})",
    )
    return text, ref


def _objective_work_done(w: Writer, objective: Objective) -> tuple[str, str | None]:
    serving = [i for i in F.objective_items(w.ws, objective.key) if i.status != Status.DROPPED]
    return _work_done(w, objective.title, w.ws.leaf_items(serving))


def _objectives_headline(w: Writer) -> str:
    """'3 of 4 objectives on track; X needs attention', counting only the objectives with a
    due date: one without a due date is neither on track nor behind."""
    ws = w.ws
    states = {o.key: objective_status(w, o.key) for o in ws.objectives}
    stated = [o for o in ws.objectives if states[o.key]]
    due = [o for o in stated if o.due is not None]
    without_due = len(stated) - len(due)
    on = sum(1 for o in due if (st := states[o.key]) and st[0] == ON_TRACK)
    if due:
        noun = "objective" if not without_due else "objective with a due date"
        plural = "objectives" if not without_due else "objectives with a due date"
        headline = f"{on} of {say_count(len(due), noun, plural)} on track"
        if without_due:
            headline += f" ({without_due} more {'has' if without_due == 1 else 'have'} none)"
    else:
        headline = (
            f"No objective has a due date to be on track against "
            f"({say_count(without_due, 'objective')} without one)"
        )
    behind = [
        user_text(o.title)
        for o in ws.objectives
        if (st := states[o.key]) and st[0] in (AT_RISK, OFF_TRACK)
    ]
    unknown = [
        user_text(o.title) for o in ws.objectives if (st := states[o.key]) and st[0] == UNDATED
    ]
    if behind:
        headline += f"; {join_words(behind)} need{'s' if len(behind) == 1 else ''} attention"
    if unknown:
        headline += f"; {join_words(unknown)} cannot be dated"
    if not behind:
        # On track overall (or undated) can hide a dated promise inside an objective.
        missed = sum(1 for r in risk_rows(w) if r["kind"] == "Deadline" and r["severity"] == "4")
        if missed:
            headline += (
                f"{', but' if on and not unknown else ';'} "
                f"{say_count(missed, 'dated commitment')} within them "
                f"{'is' if missed == 1 else 'are'} likely to be missed"
            )
    return headline


def _deliverable_rows(w: Writer, items: list[Item]) -> list[tuple[str | Badge, ...]]:
    rows: list[tuple[str | Badge, ...]] = []
    for item in items:
        fc = w.facts.forecasts.get(item.key)
        status = item_status(w, item)
        team = F.team_name(w.ws, F.owning_team(w.ws, item))
        when = w.when(fc) if fc else _planned(w, item)
        row: list[str | Badge] = [item.title, team, when]
        if w.facts.demand:
            row.append(_asking(w, item.key))
        row.append(_badge(status[0]) if status else Badge("planned", "neutral"))
        rows.append(tuple(row))
    return rows


def _deliverable_columns(w: Writer) -> tuple[str, ...]:
    if w.facts.demand:
        return ("Item", "Team", "When", "Customers", "Status")
    return ("Item", "Team", "When", "Status")


def _asking(w: Writer, key: str) -> str:
    demand = w.facts.demand.get(key)
    return str(int(demand["customers"])) if demand else "—"


def demand_ref(w: Writer, items: list[Item]) -> tuple[str, ...]:
    """One provenance entry for the customer counts of a table."""
    asked = [w.facts.demand[i.key] for i in items if i.key in w.facts.demand]
    if not asked:
        return ()
    revenue = sum(d["revenue"] for d in asked)
    return (
        w.trace.note(
            "Customers asking for the items listed",
            f"{int(sum(d['customers'] for d in asked))} customers asking (once per item), "
            f"{say_money(revenue, w.ws.settings.currency)} of annual revenue behind them",
            inputs=f"{len(w.ws.feedback):,} feedback texts, {len(w.ws.customers)} customers "
            "with their annual revenue",
            method=w.facts.feedback_method,
            seed=w.facts.seed,
        ),
    )


def _planned(w: Writer, item: Item) -> str:
    scheduled = w.facts.schedule.get(item.key)
    if scheduled:
        return f"planned {w.date(scheduled.start)} – {w.date(scheduled.end)}"
    return "not yet scheduled"


def _by_date(w: Writer, items: list[Item]) -> list[Item]:
    def key(item: Item) -> tuple[dt.date, str]:
        fc = w.facts.forecasts.get(item.key)
        sch = w.facts.schedule.get(item.key)
        day = fc.p50 if fc else (sch.end if sch else dt.date.max)
        return day, item.key

    return sorted(items, key=key)


def ships_section(w: Writer, *, limit: int = 8) -> Section | None:
    """What ships when and how sure we are (needs forecasts or a schedule)."""
    if not (w.facts.forecasts or w.facts.schedule):
        return None
    items = [
        i for i in F.deliverables(w.ws) if i.key in w.facts.forecasts or i.key in w.facts.schedule
    ]
    if not items:
        return None
    items = _by_date(w, items)[:limit]
    refs = [w.note_forecast(fc, i.title) for i in items if (fc := w.facts.forecasts.get(i.key))]
    first = items[0]
    fc = w.facts.forecasts.get(first.key)
    title = user_text(first.title)
    headline = (
        f"Next to ship: {title}, {w.when(fc)}"
        if fc and fc.dated
        # The earliest cannot be dated, so none of them can: no "next" to name.
        else f"No shipping date can be given yet: {title} {w.when(fc)}"
        if fc
        else f"Next to ship: {title}, {_planned(w, first)}"
    )
    section = Section("ships", "What ships when", sentence(headline))
    section.add(
        Table(
            _deliverable_columns(w),
            tuple(_deliverable_rows(w, items)),
            refs=tuple(refs) + demand_ref(w, items),
            numeric=(3,) if w.facts.demand else (),
        )
    )
    return section


# --------------------------------------------------------------------------- risks


def risk_rows(w: Writer) -> list[dict[str, Any]]:
    """Every risk the facts show, most serious first: kind, what, why, severity (1..4)."""
    ws = w.ws
    risks: list[dict[str, Any]] = []
    # Late work, worst first; a part is not repeated under a whole that is as late or later.
    late: list[tuple[int, Item, str, DateForecast]] = []
    undated: list[tuple[Item, DateForecast, dt.date]] = []
    for item in F.deliverables(ws) + F.initiatives(ws):
        status = item_status(w, item)
        fc = w.facts.forecasts.get(item.key)
        deadline = F.effective_deadline(ws, item)
        if deadline and status and fc and status[0] in (AT_RISK, OFF_TRACK):
            late.append((4 if status[0] == OFF_TRACK else 3, item, status[1], fc))
        elif deadline and status and fc and status[0] == UNDATED:
            undated.append((item, fc, deadline[0]))
    late.sort(
        key=lambda t: (
            -t[0],
            t[3].p_deadline if t[3].p_deadline is not None else 1.0,
            t[3].p50,
            t[1].key,
        )
    )
    flagged: dict[str, int] = {}
    for severity, item, why, fc in late:
        related = {i.key for i in F.descendants(ws, item.key)} | set(_ancestors(ws, item))
        if any(flagged.get(k, 0) >= severity for k in related):
            continue
        flagged[item.key] = severity
        risks.append(
            {
                "kind": "Deadline",
                "what": user_text(item.title),
                "why": why,
                "severity": str(severity),
                "team": F.team_name(ws, F.owning_team(ws, item)),
                "ref": partial(w.note_forecast, fc, item.title),
            }
        )
    # A deadline no one can check is a risk in itself; a part is not repeated under its whole.
    undated_keys = {item.key for item, _, _ in undated}
    for item, fc, deadline_day in undated:
        if set(_ancestors(ws, item)) & undated_keys:
            continue
        risks.append(
            {
                "kind": "Deadline",
                "what": user_text(item.title),
                "why": sentence(
                    f"{UNDATED}: {fc.undated}, so whether it makes its "
                    f"{w.date(deadline_day)} deadline is unknown"
                ),
                "severity": "3",
                "undated": True,
                "team": F.team_name(ws, F.owning_team(ws, item)),
                "ref": partial(w.note_forecast, fc, item.title),
            }
        )
    roadmap = w.facts.raw.get("roadmap_result")
    listed = {r["what"] for r in risks}
    for miss in getattr(roadmap, "lateness", ()):
        late_item = ws.item_by_key.get(miss.item)
        if late_item is None or user_text(late_item.title) in listed:
            continue
        ref = partial(
            w.trace.note,
            f"{late_item.title}: planned finish against its deadline",
            f"{miss.planned_end.isoformat()} vs {miss.deadline.isoformat()}",
            inputs="open items, estimates, teams' capacity, dependencies, deadlines",
            method=w.facts.schedule_method,
            seed=w.facts.seed,
        )
        chain_text = " → ".join(link.item for link in miss.chain[-4:])
        risks.append(
            {
                "kind": "Deadline",
                "what": user_text(late_item.title),
                "why": sentence(
                    f"the best plan finishes {say_duration(miss.late_days)} after the "
                    f"{w.date(miss.deadline)} deadline because of {miss.cause}"
                    + (f" ({chain_text})" if chain_text else "")
                ),
                "severity": "4",
                "team": F.team_name(ws, F.owning_team(ws, late_item)),
                "ref": ref,
            }
        )
    gaps = capacity_gaps(w)
    for team, gap in gaps.items():
        risks.append(
            {
                "kind": "Capacity",
                "what": f"{user_text(team)} is short of capacity",
                "why": sentence(
                    f"work waiting for {user_text(team)} exceeds its capacity in "
                    f"{gap.over_periods} of the next {gap.periods} sprints, by "
                    f"{say_number(gap.excess)} {gap.unit} in all"
                ),
                "severity": "3" if gap.over_periods >= 3 else "2",
                "team": team,
            }
        )
    for chain in F.dependency_chains(ws, min_length=3)[:5]:
        teams = {F.team_name(ws, i.team) for i in chain if i.team}
        cross = len(teams) > 1
        risks.append(
            {
                "kind": "Dependency chain",
                "what": f"{user_text(chain[-1].title)} waits on "
                f"{say_count(len(chain) - 1, 'item')} in a row",
                "why": sentence(
                    user_text(" → ".join(i.key for i in chain))
                    + (
                        f"; crosses {join_words([user_text(t) for t in sorted(teams)])}"
                        if cross
                        else ""
                    )
                    + "; a slip anywhere delays the end"
                ),
                "severity": "3" if cross and len(chain) >= 4 else "2",
                "team": join_words(sorted(teams)),
            }
        )
    risky = [
        i for i in ws.items if i.is_open and i.technical_risk >= 0.5 and i.kind != ItemKind.EPIC
    ]
    risky.sort(key=lambda i: (-i.technical_risk * F.open_size(ws, i), i.key))
    for item in risky[:8]:
        risks.append(
            {
                "kind": "Technical",
                "what": user_text(item.title),
                "why": sentence(
                    f"the team rates the technical risk {exact_percent(item.technical_risk)}"
                    f" on {say_number(F.open_size(ws, item))} {_unit(w)} of open work"
                ),
                "severity": "3" if item.technical_risk >= 0.7 else "2",
                "team": F.team_name(ws, F.owning_team(ws, item)),
                "ref": partial(
                    w.trace.note,
                    f"{item.title}: technical risk and open work",
                    f"{exact_percent(item.technical_risk)}; {F.open_size(ws, item):g} {_unit(w)}",
                    inputs=f"item {item.key}: technical_risk, estimates of its open items",
                    method="as entered by the team; open work = sum of likely estimates",
                ),
            }
        )
    risks.sort(key=lambda r: -int(r["severity"]))
    return risks


def _ancestors(ws: Workspace, item: Item) -> list[str]:
    return [a.key for a in ancestry(item, ws.item_by_key)[1:]]


@dataclass(frozen=True)
class CapacityGap:
    """A team short of capacity for more than a sprint or two: more work could start than it
    can do (demand over capacity) in :data:`SUSTAINED_SPRINTS` or more of the sprints shown, or
    in all of them together."""

    team: str
    periods: int
    over_periods: int
    excess: float
    unit: str


SUSTAINED_SPRINTS = 3


def _short(row: CapacityRow) -> bool:
    """A team-sprint where more work could start than the team can do, by more than 5% (a
    rounding of the capacity model is no shortfall)."""
    return row.capacity >= 0 and row.demand > row.capacity * 1.05


def capacity_gaps(w: Writer) -> dict[str, CapacityGap]:
    """Teams with periods where demand exceeds capacity by more than 5%, most excess first."""
    by_team: dict[str, list[CapacityRow]] = defaultdict(list)
    for row in w.facts.capacity:
        by_team[row.team].append(row)
    gaps: list[CapacityGap] = []
    for team, rows in by_team.items():
        over = [r for r in rows if _short(r)]
        total_over = sum(r.demand for r in rows) > 1.05 * sum(r.capacity for r in rows)
        # A sprint or two of queueing is normal; a gap is sustained, or more than fits at all.
        if len(over) >= SUSTAINED_SPRINTS or total_over:
            gaps.append(
                CapacityGap(
                    team=F.team_name(w.ws, team),
                    periods=len(rows),
                    over_periods=len(over),
                    excess=sum(r.demand - r.capacity for r in over),
                    unit=rows[0].unit,
                )
            )
    gaps.sort(key=lambda g: (-g.excess, g.team))
    return {g.team: g for g in gaps}


def _short_of_capacity(gaps: list[CapacityGap]) -> str:
    """The capacity headline for the teams of :func:`capacity_gaps`, in words that say what
    is measured: not "the bottleneck" (which a reader takes for the team that holds delivery
    back) but sprints in which more work could start than the team can do."""
    periods = max(g.periods for g in gaps)
    sustained = [g for g in gaps if g.over_periods >= SUSTAINED_SPRINTS]
    in_total = [g for g in gaps if g.over_periods < SUSTAINED_SPRINTS]
    parts = []
    if sustained:
        one = len(sustained) == 1
        counts = [g.over_periods for g in sustained]
        when = (
            f"in {counts[0]} of the next {periods} sprints{'' if one else ' each'}"
            if len(set(counts)) == 1
            else f"in {join_words([str(c) for c in counts])} of the next {periods} sprints"
        )
        parts.append(
            f"{join_words([user_text(g.team) for g in sustained])} "
            f"{'is' if one else 'are'} short of capacity for more than a sprint or two: more "
            f"work could start than {'it' if one else 'they'} can do {when}"
        )
    if in_total:
        one = len(in_total) == 1
        parts.append(
            f"{join_words([user_text(g.team) for g in in_total])} {'has' if one else 'have'} "
            f"more work than {'it' if one else 'they'} can do in the next {periods} sprints "
            "together"
        )
    return "; ".join(parts)


def _largest_shortfall(w: Writer) -> tuple[str, CapacityRow, int] | None:
    """The team-sprint where the work that could start most exceeds what the team can do
    (the capacity table's worst row), with the team's name and how many sprints it is short
    in; None when no sprint is short by more than 5%."""
    short = [r for r in w.facts.capacity if _short(r)]
    if not short:
        return None
    worst = max(short, key=lambda r: (r.demand - r.capacity, r.team))
    over = sum(1 for r in short if r.team == worst.team)
    return F.team_name(w.ws, worst.team), worst, over


def _unit(w: Writer) -> str:
    return F.work_unit(w.ws)


SEVERITY = {"4": Badge("high", "bad"), "3": Badge("medium", "warn"), "2": Badge("low", "neutral")}


def _hard_deadlines_together(w: Writer) -> tuple[str, Callable[[], str] | None]:
    """'; all 4 hard deadlines hold together in 76% of simulated futures', with its trace: a
    set of promised dates needs every one of them, which is less likely than each alone."""
    chances = w.facts.raw.get("hard_deadlines")
    if chances is None or len(chances.each) < 2:
        return "", None
    count = len(chances.each)
    key, lowest = chances.least_likely
    text = (
        f"; all {say_number(count)} hard deadlines hold together in "
        f"{chance_percent(chances.every)} of simulated futures"
    )
    ref = partial(
        w.trace.note,
        "Every hard deadline met together",
        f"{chance_percent(chances.every)} (least likely on its own: {key}, "
        f"{chance_percent(lowest)})",
        inputs=f"{count} open items with a hard deadline: {', '.join(sorted(chances.each))}"
        + (
            f"; not dated by the replay, so not counted: {', '.join(chances.not_replayed)}"
            if chances.not_replayed
            else ""
        ),
        method=f"{w.facts.forecast_method}; a trial counts when every one of them is done by "
        "its deadline (a parent when its last open item is)",
        seed=w.facts.seed,
    )
    return text, ref


def risks_section(w: Writer, *, limit: int | None = None, key: str = "risks") -> Section | None:
    risks = risk_rows(w)
    if not risks:
        return None
    shown = risks[:limit] if limit else risks
    deadlines = [r for r in risks if r["kind"] == "Deadline" and not r.get("undated")]
    unknown = sum(1 for r in risks if r.get("undated"))
    high = sum(1 for r in deadlines if r["severity"] == "4")
    if high:
        headline = f"{say_count(high, 'deadline')} likely to be missed"
        if len(deadlines) > high:
            headline += f", {len(deadlines) - high} more at risk"
    elif deadlines:
        headline = f"{say_count(len(deadlines), 'deadline')} at risk"
    elif w.facts.forecasts:
        headline = "No deadline is forecast to be missed"
    else:
        headline = f"{say_count(len(risks), 'risk')} to watch"
    if unknown:
        headline += f"; the work behind {say_count(unknown, 'deadline')} cannot be dated"
    headline += f"; {say_count(len(risks), 'risk')} in all"
    together, together_ref = _hard_deadlines_together(w)
    headline += together
    section = Section(key, "Top risks" if limit else "Risks", sentence(headline))
    # Only the risks shown are traced (a risk's reference is made when it is stated).
    refs = tuple(dict.fromkeys(r["ref"]() for r in shown if r.get("ref")))
    refs += (together_ref(),) if together_ref else ()
    if limit:
        section.add(
            Bullets(
                tuple(f"{strong(r['what'])} ({r['kind'].lower()}): {r['why']}" for r in shown),
                refs=refs,
            )
        )
    else:
        section.add(
            Table(
                ("Severity", "Kind", "What", "Why", "Team"),
                tuple(
                    (SEVERITY[r["severity"]], r["kind"], r["what"], r["why"], r["team"])
                    for r in shown
                ),
                refs=refs,
            )
        )
    return section


# --------------------------------------------------------------------------- executive summary


def build_executive(facts: Facts, glossary: Glossary) -> Report:
    w = Writer(facts, glossary)
    report = _report(w, "executive", "Executive summary", one_page=True)
    for section in (
        objectives_section(w, compact=True),
        ships_section(w, limit=5),
        risks_section(w, limit=3, key="top-risks"),
        decisions_section(w),
    ):
        if section:
            report.sections.append(section)
    return _finish(report, w)


def decisions_section(w: Writer) -> Section | None:
    """What we need from the reader: decisions the facts call for, and extra capacity."""
    asks: list[str] = []
    refs: list[str] = []
    ws = w.ws
    # The same late work as the risks, worst first, so the page tells one story.
    late = [r["what"] for r in risk_rows(w) if r["kind"] == "Deadline" and r["severity"] == "4"]
    if late:
        names = join_words(late[:3])
        more = f" and {len(late) - 3} more" if len(late) > 3 else ""
        asks.append(
            f"{strong('Decide')} for {names}{more}: move the date, cut scope, or add people; "
            f"at today's pace {'its deadline is' if len(late) == 1 else 'their deadlines are'} "
            "more likely missed than met."
        )
    option = best_resource_option(w)
    if option:
        asks.append(f"{strong('Resources')}: {option['text']}")
        refs.append(option["ref"])
    release = w.facts.release
    if release.get("left_out"):
        out = len(release["left_out"])
        asks.append(
            f"{strong('Scope')}: release {user_text(release['name'])} "
            f"({w.date(release['end'])}) holds "
            f"{say_count(len(release['items']), 'item')}; {say_count(out, 'candidate')} "
            f"{'does' if out == 1 else 'do'} not fit, the most valuable being "
            f"{user_text(release['left_out'][0])}. Confirm the cut or add capacity."
        )
        refs.append(release_ref(w))
    recent = sorted(
        (d for d in ws.decisions if (w.as_of - d.date).days <= 60),
        key=lambda d: d.date,
        reverse=True,
    )[:3]
    for d in recent:
        asks.append(
            f"Decided {w.date(d.date)}: {user_text(d.title)}"
            + (f" — {user_text(d.who)}" if d.who else "")
            + "."
        )
    if not asks:
        return None
    needed = sum(1 for a in asks if a.startswith(BOLD_OPEN))
    headline = (
        f"{say_count(needed, 'decision')} needed from you"
        if needed
        else "No decision needed this time"
    )
    section = Section("decisions", "Decisions and resources needed", sentence(headline))
    section.add(Bullets(tuple(asks), refs=tuple(refs)))
    return section


def release_ref(w: Writer) -> str:
    release = w.facts.release
    return w.trace.note(
        f"Release {release['name']}: items chosen",
        f"{len(release['items'])} of {release['candidates']} candidates, value "
        f"{release['value']:,.0f} (rank-and-fill: {release['greedy_value']:,.0f})",
        inputs="open items sized at the 80th percentile of their estimates, priority scores, "
        "team capacity in the release window, dependencies, deadlines, theme bounds",
        method=f"0-1 optimisation of the Next Release Problem, {release['quality']} "
        "(roadwise.engines.release)",
    )


def release_section(w: Writer) -> Section | None:
    """What fits the next release, and what 10% more capacity per team would add to it."""
    release = w.facts.release
    if not release:
        return None
    ref = release_ref(w)
    gain = release["value"] / release["greedy_value"] - 1 if release["greedy_value"] > 0 else 0.0
    name = user_text(release["name"])
    section = Section(
        "release",
        f"Release {name}",
        sentence(
            f"{say_count(len(release['items']), 'item')} fit release {name} "
            f"(until {w.date(release['end'])}); {say_count(len(release['left_out']), 'candidate')} "
            "wait"
        ),
    )
    if gain > 0.005:
        section.add(
            Paragraph(
                f"The chosen set is worth {say_percent(gain, word='about')} more than filling "
                "the release in priority order would give.",
                refs=(ref,),
            )
        )
    rows = []
    for g in sorted(release["gains"], key=lambda g: -g["gain"]):
        if g["team"] is None:
            continue
        added = join_words(g["added"][:3]) + (
            f" and {len(g['added']) - 3} more" if len(g["added"]) > 3 else ""
        )
        rows.append(
            (
                f"+10% for {F.team_name(w.ws, g['team'])}",
                f"{say_number(g['extra'])} points",
                added or "nothing more fits",
                say_percent(g["gain"] / release["value"], word="~") if release["value"] else "—",
            )
        )
    if rows:
        section.add(
            Table(
                ("Option", "Extra capacity", "Adds to the release", "Value gained"),
                tuple(rows),
                caption=f"What 10% more capacity would add to release {name}",
                refs=(ref,),
            )
        )
    return section


def _option_rank(option: dict[str, Any]) -> tuple[float, float]:
    """Most value first (cost of delay saved), then most weeks saved."""
    return float(option.get("value_gained", 0.0)), float(option.get("weeks_saved", 0.0))


def best_resource_option(w: Writer) -> dict[str, str] | None:
    options = w.facts.resource_options
    if not options:
        return None
    best = _best_option(options)
    if best is None:
        return None
    return {"text": best["text"], "ref": w.trace.note(**best["provenance"])}


def _best_option(options: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The most valuable option that changes something worth saying (value, or a week)."""
    worth = [o for o in options if o.get("value_gained", 0.0) > 0 or o.get("weeks_saved", 0) >= 1]
    return max(worth, key=_option_rank) if worth else None


# --------------------------------------------------------------------------- roadmap


def build_roadmap(facts: Facts, glossary: Glossary) -> Report:
    w = Writer(facts, glossary)
    report = _report(w, "roadmap", "Roadmap")
    items = F.deliverables(w.ws)
    groups: dict[str, list[Item]] = {"Now": [], "Next": [], "Later": []}
    for item in items:
        groups[F.horizon(w.ws, item, facts)].append(item)
    counts = {k: len(v) for k, v in groups.items()}
    basis = (
        "the delivery forecast"
        if facts.forecasts
        else "the planned schedule"
        if facts.schedule
        else "the status of each item's work"
    )
    overview = Section(
        "now-next-later",
        "Now, Next, Later",
        sentence(
            f"{say_count(counts['Now'], 'item')} now, "
            f"{counts['Next']} next and {counts['Later']} later"
        ),
    )
    overview.add(
        Paragraph(
            "Now is work under way or starting within a sprint, Next is work likely to start "
            f"within {F.NEXT_SPRINTS} sprints "
            f"({say_duration(F.NEXT_SPRINTS * w.ws.cycles.sprint_length_days)}), "
            f"Later is everything after that, according to {basis}."
            + (" Each date carries its confidence from the forecast." if facts.forecasts else "")
        )
    )
    report.sections.append(overview)
    for name, members in groups.items():
        if not members:
            continue
        ordered = _by_date(w, members)
        refs = [w.note_forecast(fc, i.title) for i in ordered if (fc := facts.forecasts.get(i.key))]
        section = Section(name.lower(), name)
        section.add(
            Table(
                _deliverable_columns(w),
                tuple(_deliverable_rows(w, ordered)),
                refs=tuple(refs) + demand_ref(w, ordered),
                numeric=(3,) if facts.demand else (),
            )
        )
        report.sections.append(section)
    matrix = priority_section(w)
    if matrix:
        report.sections.append(matrix)
    timeline = timeline_section(w, items, groups)
    if timeline:
        report.sections.append(timeline)
    burn = burn_up_section(w)
    if burn:
        report.sections.append(burn)
    return _finish(report, w)


QUADRANT_NAMES = {
    "quick win": "Quick win",
    "big bet": "Big bet",
    "fill-in": "Fill-in",
    "money pit": "Money pit",
}


def priority_section(w: Writer, *, label_top: int = 8) -> Section | None:
    """Value against effort for the ranked items, the top of the ranking labelled."""
    result = w.facts.raw.get("priority_result")
    if result is None:
        return None
    ranked = [r for r in result.items if r.effort is not None]
    if not ranked:
        return None
    quick = [r for r in ranked if r.quadrant == "quick win"]
    top = result.items[0]
    ref = w.trace.note(
        f"Priority of {top.title}",
        f"{top.expected:.3g} (90% interval {top.interval[0]:.3g}–{top.interval[1]:.3g}); "
        f"in the top {result.top_k} in {exact_percent(top.p_top_k)} of "
        f"{result.samples:,} samples",
        inputs=f"value inputs and estimates of {say_count(len(result.items), 'ranked item')}",
        method=w.facts.priority_method,
        seed=result.seed,
    )
    section = Section(
        "priorities",
        "Why this order",
        sentence(
            f"{user_text(top.title)} ranks first ({say_chance(top.p_top_k)} of staying in the top "
            f"{result.top_k}); {say_count(len(quick), 'quick win')} among "
            f"{say_count(len(ranked), 'ranked item')}"
        ),
    )
    meaning = FRAMEWORK_WORDS.get(result.framework)
    explained = f"The score is the team's {result.framework_label} score"
    explained += f" ({meaning}); higher comes first." if meaning else "; higher comes first."
    if result.samples:
        explained += (
            f" Its range is where the score fell in 90% of {result.samples:,} simulations of "
            "the uncertain inputs."
        )
    section.add(Paragraph(explained))
    flips = getattr(result, "coin_flips", ())
    if flips:
        first = flips[0]
        a = w.ws.item_by_key.get(first.above)
        b = w.ws.item_by_key.get(first.below)
        if a and b:
            section.add(
                Paragraph(
                    f"{say_count(len(flips), 'pair')} of items could go either way; for example "
                    f"“{user_text(a.title)}” comes before “{user_text(b.title)}” in "
                    f"{exact_percent(first.p_above)} "
                    "of the simulations. Better estimates would settle these."
                )
            )
    section.add(
        Chart(
            "priority-matrix",
            "Priority matrix",
            _charts("priority").priority_matrix(result, label_top=label_top),
            f"Each dot is a ranked item, larger when it is surer to stay in the top "
            f"{result.top_k}; the top {label_top} are named by key. Quick wins: high value for "
            "little effort.",
            refs=(ref,),
        )
    )
    shown = result.items[:label_top]
    # One number of decimals for the whole column: "9.8–18.0" beside "13.8–38.3".
    digits = _score_digits(max(max(r.interval[1], r.expected) for r in shown))
    top_rows = tuple(
        (
            str(r.rank),
            r.key,
            r.title,
            _score_range(r.expected, r.interval, digits),
            # As the headline says it: a simulated share is never a certainty.
            chance_percent(r.p_top_k),
        )
        for r in result.items[:label_top]
    )
    section.add(
        Table(
            (
                "Rank",
                "Key",
                "Item",
                "Priority score (90% range)",
                f"Chance of staying in the top {result.top_k}",
            ),
            top_rows,
            numeric=(0, 3, 4),
            refs=(ref,),
        )
    )
    return section


# What each prioritisation framework's score stands for, in a reader's words.
FRAMEWORK_WORDS = {
    "wsjf": "cost of delay divided by the size of the work",
    "cd3": "cost of delay divided by the time the work takes",
    "rice": "reach × impact × confidence ÷ effort",
    "ice": "impact × confidence × ease",
}


def _score_digits(largest: float) -> int:
    """Decimals that give the largest score three significant figures (none from 100 up)."""
    largest = abs(largest)
    return 0 if largest >= 100 or largest == 0 else max(0, 2 - int(np.floor(np.log10(largest))))


def _score_range(score: float, interval: tuple[float, float], digits: int) -> str:
    return f"{score:,.{digits}f} ({interval[0]:,.{digits}f}–{interval[1]:,.{digits}f})"


def timeline_rows(
    w: Writer, items: list[Item], groups: dict[str, list[Item]]
) -> list[dict[str, str]]:
    horizon_of = {i.key: name for name, members in groups.items() for i in members}
    rows: list[dict[str, str]] = []
    # Without a schedule, an item is drawn from when the team's previous item is likely done.
    previous_end: dict[str, dt.date] = {}
    for item in _by_date(w, items):
        fc = w.facts.forecasts.get(item.key)
        sch = w.facts.schedule.get(item.key)
        team = F.team_name(w.ws, F.owning_team(w.ws, item) or (sch.team if sch else None))
        if fc and not fc.dated:
            # No bar to the year 9999: the chart shows what can be dated.
            continue
        if fc:
            # The forecast's own start keeps the bars consistent with the dates beside them.
            start = w.facts.forecast_starts.get(item.key) or previous_end.get(team, w.as_of)
            end = max(fc.p50, start + dt.timedelta(days=3))
        elif sch:
            start, end = sch.start, sch.end
        else:
            continue
        previous_end[team] = end
        rows.append(
            {
                "item": clip(item.title, 48),
                "team": team,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "sure": (max(fc.p85, end).isoformat() if fc and fc.p85 != NEVER else ""),
                "horizon": horizon_of.get(item.key, "Later"),
                "confidence": w.when(fc) if fc else _planned(w, item),
            }
        )
    return rows


def timeline_section(w: Writer, items: list[Item], groups: dict[str, list[Item]]) -> Section | None:
    rows = timeline_rows(w, items, groups)
    if not rows:
        return None
    section = Section(
        "timeline",
        "Timeline by team",
        sentence(
            f"{say_count(len(rows), 'item')} across "
            f"{say_count(len({r['team'] for r in rows}), 'team')}"
        ),
    )
    caption = "Bars run to the likely date"
    if any(r["sure"] for r in rows):
        caption += "; the thin line runs on to the date we are 85% sure of"
    caption += "; the dashed red line is today."
    section.add(
        Chart(
            "timeline",
            "Roadmap timeline",
            charts.roadmap_timeline(
                rows,
                today=w.as_of.isoformat(),
                title="Roadmap by team: likely date, and the date we are 85% sure of",
            ),
            caption,
        )
    )
    return section


def burn_up_section(w: Writer) -> Section | None:
    raw = w.facts.raw.get("burn_up")
    if not raw:
        return None
    done, scope, cone = raw["done"], raw["scope"], raw["cone"]
    if not done:
        return None
    unit = raw.get("unit", "items")
    section = Section(
        "burn-up",
        "Progress and forecast",
        raw.get("headline", ""),
    )
    section.add(
        Chart(
            "burn-up",
            "Work finished and forecast",
            charts.burn_up(
                done, scope, cone, unit=unit, title=f"Work finished and forecast ({unit})"
            ),
            "Solid: work finished. Red: total scope. Shaded: the range of simulated futures "
            "(darker 15–85%, lighter 5–95%); dashed: the middle outcome.",
            refs=tuple(raw.get("refs", ())),
        )
    )
    return section


# --------------------------------------------------------------------------- status


def build_status(facts: Facts, glossary: Glossary) -> Report:
    w = Writer(facts, glossary)
    report = _report(w, "status", "Status report")
    objectives = objectives_section(w)
    if objectives:
        report.sections.append(objectives)
    rows: list[tuple[str | Badge, ...]] = []
    refs: list[str] = []
    tally: dict[str, int] = defaultdict(int)
    for item in F.initiatives(w.ws):
        status = item_status(w, item)
        if status is None:
            continue
        fc = facts.forecasts.get(item.key)
        leaves = [i for i in F.leaves_of(w.ws, item) if i.status != Status.DROPPED]
        done_text, done_ref = _work_done(w, item.title, leaves, f"under {item.key}")
        if done_ref:
            refs.append(done_ref)
        if fc:
            refs.append(w.note_forecast(fc, item.title))
        tally[status[0]] += 1
        rows.append(
            (
                item.title,
                F.team_name(w.ws, F.owning_team(w.ws, item)),
                done_text,
                _badge(status[0]),
                status[1],
            )
        )
    if rows:
        order = {OFF_TRACK: 0, AT_RISK: 1, UNDATED: 2, ON_TRACK: 3}
        rows.sort(key=lambda r: (order.get(str(r[3]), 4), str(r[0])))
        parts = [
            f"{tally[s]} {s}"
            for s in (ON_TRACK, AT_RISK, OFF_TRACK, UNDATED, NO_DEADLINE)
            if tally[s]
        ]
        section = Section(
            "initiatives",
            "Initiatives",
            sentence(f"Of {say_count(len(rows), 'epic')}: {join_words(parts)}"),
        )
        section.add(
            Paragraph(
                "Status is derived, never typed: on track when the forecast is at least 85% "
                "sure to meet the deadline, at risk when it is more likely met than not, "
                "off track otherwise."
                + (
                    " Cannot be dated: a team the work needs has no delivery history to "
                    "forecast from."
                    if tally[UNDATED]
                    else ""
                )
            )
        )
        section.add(
            Table(
                ("Epic", "Team", "Work done", "Status", "Why"),
                tuple(rows),
                refs=tuple(refs),
                numeric=(),
            )
        )
        report.sections.append(section)
    histogram = histogram_section(w)
    if histogram:
        report.sections.append(histogram)
    calibration = calibration_section(w)
    if calibration:
        report.sections.append(calibration)
    return _finish(report, w)


def histogram_section(w: Writer) -> Section | None:
    """The spread of finish dates of the initiative whose deadline is most in doubt."""
    distributions = w.facts.raw.get("finish_distributions") or {}
    candidates = []
    for item in F.initiatives(w.ws):
        fc = w.facts.forecasts.get(item.key)
        # Work never finished in the simulation has no spread of dates to draw.
        if fc is None or not fc.dated or item.key not in distributions:
            continue
        doubt = fc.p_deadline if fc.p_deadline is not None else 2.0
        candidates.append((doubt, fc.p50, item, fc))
    if not candidates:
        return None
    _, _, item, fc = min(candidates, key=lambda c: (c[0], c[1], c[2].key))
    days = np.asarray(distributions[item.key], dtype=float)
    days = days[np.isfinite(days)]
    if days.size == 0:
        return None
    weeks = np.floor(days / 7.0).astype(int)
    counts = np.bincount(weeks - weeks.min())
    rows = [
        {
            "date": (w.as_of + dt.timedelta(weeks=int(weeks.min()) + i)).isoformat(),
            "share": round(float(c) / days.size, 4),
        }
        for i, c in enumerate(counts)
        if c
    ]
    marks = [
        {"date": day.isoformat(), "label": label}
        for day, label in ((fc.p50, "50%"), (fc.p85, "85%"))
        if day != NEVER
    ]
    if fc.deadline:
        marks.append({"date": fc.deadline.isoformat(), "label": "deadline"})
    ref = w.note_forecast(fc, item.title)
    title = user_text(item.title)
    headline = f"{title}: {w.when(fc)}"
    if fc.deadline and fc.p_deadline is not None:
        headline += f"; {say_chance(fc.p_deadline)} of making the {w.date(fc.deadline)} deadline"
    section = Section("histogram", f"When will {title} be done?", sentence(headline))
    section.add(
        Chart(
            "forecast-histogram",
            f"When {title} may finish",
            charts.forecast_histogram(
                rows,
                marks=marks,
                title=f"When {item.title} may finish: share of simulated futures per week",
            ),
            f"How often each week came up as the finish in {w.facts.forecast_trials:,} "
            "simulated futures.",
            refs=(ref,),
        )
    )
    return section


def _trust(hit85: float) -> str:
    """What a reader should make of the backtest's hit rate of the 85% dates."""
    if hit85 >= 0.9:
        return "if anything, the dates are cautious"
    if hit85 >= 0.8:
        return "the dates keep their promise"
    return "treat the dates as optimistic"


def calibration_section(w: Writer) -> Section | None:
    cal = w.facts.calibration
    if cal is None or not cal.hits:
        return None
    hit85 = cal.hits.get(0.85)
    ref = w.trace.note(
        "Backtest: share of 85% dates met",
        exact_percent(hit85) if hit85 is not None else "—",
        inputs=f"{say_count(cal.cutoffs, 'cut-off date')} in the delivery history"
        + (f" ({cal.scope})" if cal.scope else ""),
        method="walk-forward backtest: forecast from the data before each cut-off, "
        "compare with what happened",
        seed=w.facts.seed,
    )
    headline = (
        "When we replayed the forecast on our own past work, dates stated as 85% sure were met "
        f"{exact_percent(hit85)} of the time: {_trust(hit85)}"
        if hit85 is not None
        else "How often our forecast dates were met when replayed on our own past work"
    )
    section = Section("calibration", "How far to trust these dates", sentence(headline))
    backtest = w.facts.raw.get("backtest_result")
    if backtest is not None:
        section.add(
            Chart(
                "calibration",
                "How often our dates were met",
                _charts("forecast").reliability([("Roadwise", backtest)]),
                "Points on the dashed diagonal mean the stated confidence is earned; the "
                "uncalibrated line is the plain simulation before Roadwise corrects it by its "
                "own past errors.",
                refs=(ref,),
            )
        )
        return section
    rows = [
        {"level": lvl, "hit": hit, "method": "Roadwise"} for lvl, hit in sorted(cal.hits.items())
    ]
    baseline = w.facts.raw.get("calibration_baseline")
    if baseline:
        rows += [
            {"level": lvl, "hit": hit, "method": "plain simulation (uncalibrated)"}
            for lvl, hit in sorted(baseline.items())
        ]
    section.add(
        Chart(
            "calibration",
            "How often our dates were met",
            charts.calibration(rows),
            "Points on the dashed diagonal mean the stated confidence is earned.",
            refs=(ref,),
        )
    )
    return section


# --------------------------------------------------------------------------- release notes


def _customer_title(item_title: str, kind: ItemKind) -> str:
    text = item_title.strip()
    while text.startswith("[") and "]" in text:
        text = text[text.index("]") + 1 :].strip()
    text = text.rstrip(".")
    text = text[:1].upper() + text[1:]
    return text


# Work customers do not see: listed as a count, not as news.
INTERNAL_WORDS = (
    "test",
    "tests",
    "regression",
    "refactor",
    "migrate",
    "migration",
    "upgrade",
    "internal",
    "data model",
    "feature flag",
    "audit-log",
    "usability test",
    "design:",
    "spike",
    "ci",
)


def is_internal(item: Item) -> bool:
    """Tech debt, and stories whose title says they are engineering or discovery work."""
    if item.kind == ItemKind.TECH_DEBT:
        return True
    words = item.title.lower()
    return (
        any(words.startswith(w) or f" {w} " in f" {words} " for w in INTERNAL_WORDS)
        and item.kind != ItemKind.FEATURE
    )


def _latest_shipped_release(ws: Workspace) -> str | None:
    """The most recent release (on or before today) that finished items are assigned to."""
    shipped = {
        release
        for i in ws.items
        if i.status.is_finished and (release := ws.inherited(i, "release"))
    }
    past = [r for r in ws.cycles.releases if r.key in shipped and r.date <= ws.as_of]
    return max(past, key=lambda r: r.date).key if past else None


def build_release_notes(
    facts: Facts, glossary: Glossary, *, since: dt.date | None = None
) -> Report:
    """What shipped, grouped by objective and worded for customers.

    The notes cover the latest release that finished items are assigned to; without one,
    what finished in the last quarter (or since ``since``). A finished feature stands for its
    stories; engineering-only work is counted, not listed.
    """
    w = Writer(facts, glossary)
    ws = w.ws
    release_key = None if since else _latest_shipped_release(ws)
    release = ws.release_by_key.get(release_key) if release_key else None
    finished = [i for i in ws.items if i.status.is_finished and i.kind != ItemKind.EPIC]
    if release is not None:
        shipped = [i for i in finished if ws.inherited(i, "release") == release.key]
        scope = f"finished items assigned to release {release.name}"
        title = f"Release notes {release.name}"
    else:
        start = since or (ws.as_of - dt.timedelta(days=91))
        shipped = [i for i in finished if i.done and start <= i.done.date() <= ws.as_of]
        scope = f"items finished between {start.isoformat()} and {ws.as_of.isoformat()}"
        title = "Release notes"
    report = _report(w, "release-notes", title)
    if release is not None:
        report.subtitle = f"Released {say_date(release.date)}"
    keys = {i.key for i in shipped}
    # A shipped feature carries its stories; a story is news only without its feature.
    news = [
        i
        for i in shipped
        if i.kind in (ItemKind.FEATURE, ItemKind.STORY)
        and not is_internal(i)
        and not (i.parent in keys and ws.item_by_key[i.parent].kind == ItemKind.FEATURE)
    ]
    fixed = [i for i in shipped if i.kind == ItemKind.BUG]
    upkeep = [i for i in shipped if i not in news and i not in fixed and i.parent not in keys]
    upkeep += [i for i in shipped if is_internal(i) and i.parent in keys]
    parts = len(shipped) - len(news) - len(fixed) - len(upkeep)
    ref = w.trace.note(
        "Items shipped",
        f"{len(shipped)} ({len(news)} news, {len(fixed)} fixes, {len(upkeep)} behind the scenes, "
        f"{parts} part of a new feature)",
        inputs=scope,
        method="count of finished items, epics excluded; a finished feature stands for its "
        "stories; tech debt and titles naming tests, migrations, design or internal work "
        "count as behind the scenes",
    )
    headline = say_count(len(news), "new capability", "new capabilities")
    if fixed:
        headline += f" and {say_count(len(fixed), 'fix', 'fixes')}"
    summary = Section("highlights", "Highlights", sentence(headline))
    # Only the kinds of change the release has: "0 fixes" tells a customer nothing.
    brings = [
        say_count(n, one, many)
        for n, one, many in (
            (len(news), "new capability", "new capabilities"),
            (len(fixed), "fix", "fixes"),
        )
        if n
    ]
    if upkeep:
        brings.append(
            f"{say_count(len(upkeep), 'behind-the-scenes improvement')} that keep the product "
            "fast and reliable"
            if len(upkeep) > 1
            else "1 behind-the-scenes improvement that keeps the product fast and reliable"
        )
    if brings:
        summary.add(Paragraph(f"This release brings {join_words(brings)}.", refs=(ref,)))
    asked = [i for i in news + fixed if w.facts.demand.get(i.key, {}).get("customers", 0) >= 1]
    if asked:
        customers = int(sum(w.facts.demand[i.key]["customers"] for i in asked))
        summary.add(
            Paragraph(
                f"{_which_of(len(asked), len(news) + len(fixed))} asked for by customers "
                f"({say_count(customers, 'customer')} in all, each counted once per change).",
                refs=demand_ref(w, asked),
            )
        )
    report.sections.append(summary)
    by_group: dict[str, list[Item]] = defaultdict(list)
    for item in news:
        by_group[_group_of(ws, item)].append(item)
    ordered_groups = sorted(by_group.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    for index, (group, members) in enumerate(ordered_groups):
        section = Section(f"new-{index}", user_text(group))
        section.add(Bullets(tuple(_note_line(w, i) for i in sorted(members, key=_feature_first))))
        report.sections.append(section)
    if fixed:
        section = Section("fixes", "Fixes")
        section.add(
            Bullets(
                tuple(
                    "Fixed: " + user_text(_customer_title(i.title, i.kind))
                    for i in sorted(fixed, key=lambda i: i.title)
                )
            )
        )
        report.sections.append(section)
    if release is not None:
        later = [
            i
            for i in finished
            if i.done
            and i.done.date() > release.date
            and ws.inherited(i, "release") != release.key
            and not is_internal(i)
        ]
        if later:
            section = Section(
                "coming",
                "Finished since, coming in the next release",
                sentence(
                    f"{say_count(len(later), 'change')} finished since {w.date(release.date)}"
                ),
            )
            section.add(
                Bullets(
                    tuple(
                        ("Fixed: " + user_text(_customer_title(i.title, i.kind)))
                        if i.kind == ItemKind.BUG
                        else user_text(_customer_title(i.title, i.kind))
                        for i in sorted(later, key=lambda i: (i.kind != ItemKind.BUG, i.title))
                    )
                )
            )
            report.sections.append(section)
    return _finish(report, w)


def _feature_first(item: Item) -> tuple[bool, str]:
    return item.kind != ItemKind.FEATURE, item.title


def _which_of(part: int, whole: int) -> str:
    """'It was', 'Both were', 'All 5 were', '2 of these 5 changes were'."""
    if part == whole == 1:
        return "It was"
    if part == whole == 2:
        return "Both were"
    if part == whole:
        return f"All {whole} were"
    return f"{part} of these {say_count(whole, 'change')} {'was' if part == 1 else 'were'}"


def _note_line(w: Writer, item: Item) -> str:
    text = strong(user_text(_customer_title(item.title, item.kind)))
    detail = _first_sentence(item.description)
    if detail:
        text += f": {user_text(detail)}"
    demand = w.facts.demand.get(item.key)
    if demand and demand["customers"] >= 1:
        text += f" (asked for by {say_count(int(demand['customers']), 'customer')})"
    return text


def _group_of(ws: Workspace, item: Item) -> str:
    """Customer-facing group: the objective served, else the top parent, else 'Improvements'."""
    node: Item | None = item
    while node is not None:
        if node.objectives:
            objective = ws.objective_by_key.get(node.objectives[0].objective)
            if objective:
                return objective.title
        node = ws.item_by_key.get(node.parent) if node.parent else None
    top = item
    while top.parent and top.parent in ws.item_by_key:
        top = ws.item_by_key[top.parent]
    return top.title if top is not item else "Improvements"


def _first_sentence(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    if not text:
        return ""
    end = text.find(". ")
    first = text if end < 0 else text[: end + 1]
    return first if len(first) <= limit else first[: limit - 1].rsplit(" ", 1)[0] + "…"


# --------------------------------------------------------------------------- risk register


def build_risks(facts: Facts, glossary: Glossary) -> Report:
    w = Writer(facts, glossary)
    report = _report(w, "risks", "Risk register")
    register = risks_section(w)
    if register:
        report.sections.append(register)
    chains = F.dependency_chains(w.ws, min_length=3)
    cross = F.cross_team_dependencies(w.ws)
    if chains or cross:
        waiting = Counter(F.team_name(w.ws, a.team) for a, _ in cross)
        most = waiting.most_common(1)
        section = Section(
            "dependencies",
            "Dependency chains and hand-overs" if chains and cross else "Dependency chains",
            sentence(
                (
                    f"{say_count(len(chains), 'chain')} of three or more items "
                    "that wait on each other; "
                    if chains
                    else ""
                )
                + f"{say_count(len(cross), 'hand-over')} between teams"
                + (
                    f", {most[0][1]} of them with {user_text(most[0][0])} waiting on another team"
                    if most and len(waiting) > 1
                    else ""
                )
            ),
        )
        rows = []
        for chain in chains[:CHAINS_SHOWN]:
            teams = sorted({F.team_name(w.ws, i.team) for i in chain if i.team})
            rows.append(
                (
                    chain[-1].title,
                    str(len(chain)),
                    " → ".join(i.key for i in chain),
                    join_words(teams),
                )
            )
        if rows:
            section.add(
                Table(
                    ("Ends with", "Length", "Chain", "Teams"),
                    tuple(rows),
                    numeric=(1,),
                    caption=_shown("Dependency chains", len(rows), len(chains)),
                )
            )
        if cross:
            # Grouped by the waiting team, then the team it waits on: who depends on whom.
            pairs = sorted(
                (
                    (a.title, F.team_name(w.ws, a.team), b.title, F.team_name(w.ws, b.team))
                    for a, b in cross
                ),
                key=lambda r: (-waiting[r[1]], r[1], r[3], r[0]),
            )[:HANDOVERS_SHOWN]
            section.add(
                Table(
                    ("Item", "Team", "Waits for", "Owned by"),
                    tuple(pairs),
                    caption=_shown(
                        "Hand-overs between teams (an item waiting on another team's work)",
                        len(pairs),
                        len(cross),
                    ),
                )
            )
        report.sections.append(section)
    capacity = capacity_section(w)
    if capacity:
        report.sections.append(capacity)
    return _finish(report, w)


CHAINS_SHOWN = 10
HANDOVERS_SHOWN = 12


def _shown(caption: str, shown: int, total: int) -> str:
    """A table caption that says when the table holds only part of what its headline counts."""
    return caption if shown >= total else f"{caption}: {shown} of {total} shown"


def capacity_section(w: Writer) -> Section | None:
    rows = w.facts.capacity
    if not rows:
        return None
    gaps = capacity_gaps(w)
    # Every team-sprint short of capacity, as the capacity table marks them: not only those of
    # the teams the headline names.
    short = sum(1 for r in rows if _short(r))
    ref = w.trace.note(
        "Capacity and demand per team",
        f"{len(rows)} team-sprints; over capacity in {short}",
        inputs="teams' people, availability, days off, public holidays; open items, estimates, "
        "dependencies",
        method=w.facts.capacity_method or "capacity model",
    )
    if gaps:
        headline = _short_of_capacity(list(gaps.values()))
        largest = _largest_shortfall(w)
        if largest is not None and largest[0] not in gaps:
            # The capacity table's worst sprint may be a team with a queue it clears within a
            # sprint or two: named, so the reader sees why it is not among those above.
            team, row, over = largest
            headline += (
                f"; the largest shortfall in a single sprint is {user_text(team)}'s "
                f"({say_number(row.demand)} {row.unit} of work could start in the sprint from "
                f"{w.date(row.period)}, against {say_number(row.capacity)} it can do), but "
                f"only for {say_count(over, 'sprint')}"
            )
    else:
        peak = max(
            (sum(1 for r in rows if r.team == t and _short(r)) for t in {r.team for r in rows}),
            default=0,
        )
        headline = (
            f"No team is short of capacity for long: work waits beyond capacity in at most "
            f"{say_count(peak, 'sprint')} of the next {len({r.period for r in rows})}"
            if peak
            else "Every team can take on its work as it comes in the next sprints"
        )
    section = Section("capacity", "Capacity against demand", sentence(headline))
    demand_rows = w.facts.raw.get("demand_rows")
    if demand_rows:
        section.add(
            Chart(
                "capacity",
                "Capacity vs demand",
                # Panels named as the report names the teams ("Mobile & Growth", not "mobile").
                _charts("capacity").capacity_chart(
                    [dataclasses.replace(r, team=F.team_name(w.ws, r.team)) for r in demand_rows]
                ),
                "Bars: the work each team would face if every item started as early as it "
                "could; lines: what the team can do (capacity) and what the plan gives it.",
                refs=(ref,),
            )
        )
        return section
    chart_rows = [
        {
            "team": F.team_name(w.ws, r.team),
            "period": r.period.isoformat(),
            "capacity": round(r.capacity, 1),
            "demand": round(r.demand, 1),
        }
        for r in rows
    ]
    section.add(
        Chart(
            "capacity",
            "Capacity vs demand",
            charts.capacity_vs_demand(chart_rows, unit=rows[0].unit),
            "Bars: planned work per period. Red line: what the team can deliver.",
            refs=(ref,),
        )
    )
    return section


# --------------------------------------------------------------------------- resource ask


def build_resources(facts: Facts, glossary: Glossary) -> Report:
    w = Writer(facts, glossary)
    report = _report(w, "resources", "Resource ask")
    options = facts.resource_options
    if options:
        best = _best_option(options)
        section = Section(
            "ask",
            "What extra capacity buys",
            sentence(best["text"])
            if best is not None
            else sentence("No single extra engineer moves the dates by a week or more"),
        )
        section.add(
            Table(
                (
                    "Option",
                    "All planned work done",
                    "Without the extra engineer",
                    "Earlier by",
                    "Value of finishing earlier",
                ),
                tuple(
                    (o["option"], o["when"], o.get("without", "—"), o["earlier"], o["value"])
                    for o in sorted(options, key=_option_rank, reverse=True)
                ),
                refs=tuple(w.trace.note(**o["provenance"]) for o in options),
            )
        )
        if facts.raw.get("resource_note"):
            section.add(Paragraph(facts.raw["resource_note"]))
        report.sections.append(section)
    release = release_section(w)
    if release:
        report.sections.append(release)
    capacity = capacity_section(w)
    if capacity:
        report.sections.append(capacity)
    load = team_load_section(w)
    if load:
        report.sections.append(load)
    return _finish(report, w)


def team_load_section(w: Writer) -> Section | None:
    load = w.facts.raw.get("team_load")
    if not load:
        return None
    section = Section(
        "load",
        "Work remaining per team",
        sentence(load["headline"]),
    )
    section.add(
        Table(
            tuple(load["columns"]),
            tuple(tuple(r) for r in load["rows"]),
            refs=tuple(w.trace.note(**p) for p in load["refs"]),
            numeric=tuple(load.get("numeric", ())),
        )
    )
    if load.get("note"):
        section.add(Paragraph(load["note"]))
    return section


# --------------------------------------------------------------------------- common


def _report(w: Writer, kind: str, title: str, *, one_page: bool = False) -> Report:
    return Report(
        kind=kind,
        title=f"{title}: {w.ws.name}",
        subtitle=f"As of {say_date(w.as_of)}",
        as_of=w.as_of,
        engines=dict(w.facts.engines),
        one_page=one_page,
        workspace=w.ws.name,
    )


def _finish(report: Report, w: Writer) -> Report:
    """Apply the glossary to generated prose (the team's own words in it left as written) and
    attach the provenance; the marks around those words go, so no reader ever sees them."""
    glossary = w.glossary

    def g(text: str) -> str:
        return without_user_marks(glossary(text))

    def cell(value: str | Badge) -> str | Badge:
        return value if isinstance(value, Badge) else without_user_marks(value)

    report.title = without_user_marks(report.title)
    report.subtitle = without_user_marks(report.subtitle)
    for section in report.sections:
        section.title = g(section.title)
        section.headline = g(section.headline)
        blocks = []
        for b in section.blocks:
            if isinstance(b, Paragraph):
                b = Paragraph(g(b.text), b.refs)
            elif isinstance(b, Bullets):
                b = Bullets(tuple(g(t) for t in b.items), b.refs)
            elif isinstance(b, Table):
                b = Table(
                    tuple(g(c) for c in b.columns),
                    tuple(tuple(cell(c) for c in row) for row in b.rows),
                    g(b.caption),
                    b.refs,
                    b.numeric,
                )
            elif isinstance(b, Chart):
                b = Chart(b.key, g(b.title), b.chart, g(b.caption), b.refs)
            blocks.append(b)
        section.blocks = blocks
    report.provenance = [
        Provenance(
            p.ref,
            without_user_marks(p.label),
            without_user_marks(p.value),
            without_user_marks(p.inputs),
            without_user_marks(p.method),
            p.seed,
        )
        for p in w.trace.entries
    ]
    return report


BUILDERS: dict[str, Callable[[Facts, Glossary], Report]] = {
    "executive": build_executive,
    "roadmap": build_roadmap,
    "status": build_status,
    "release-notes": build_release_notes,
    "risks": build_risks,
    "resources": build_resources,
}
