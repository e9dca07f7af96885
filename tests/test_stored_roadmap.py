"""The roadmap of record shown as it was stored: the web app and the reports show the plan the
delivery forecast replays, not a fresh one, as long as it still fits the workspace."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from pathlib import Path
from typing import Any

import pytest

from roadwise.engines.schedule.roadmap import (
    Roadmap,
    RoadmapOptions,
    plan_roadmap,
    replan_gain,
    replay_roadmap,
)
from roadwise.sample import generate_sample
from roadwise.views.cli.roadmap import save_roadmap
from roadwise.views.reports import gather
from roadwise.views.stored_roadmap import (
    moved_on,
    replan_sentence,
    since_stored,
    stored_roadmap,
    stored_summary,
)
from roadwise.workspace import open_store, roadmap_of_record

OPTIONS = RoadmapOptions(time_limit=1.0, workers=2, baseline=False)


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any, Roadmap]:
    """The sample workspace, its store with a roadmap saved as `roadwise plan roadmap` does."""
    ws = generate_sample(seed=7)
    store = open_store(tmp_path_factory.mktemp("stored-roadmap") / "r.db")
    store.replace(ws)
    plan = plan_roadmap(ws, OPTIONS)
    save_roadmap(store, "roadmap", plan)
    return ws, store, plan


def _dates(roadmap: Roadmap) -> dict[str, tuple[str, dt.date, dt.date]]:
    return {s.key: (s.team, s.start, s.end) for s in (*roadmap.items, *roadmap.rollups)}


def test_the_stored_roadmap_comes_back_as_it_was_planned(stored: Any) -> None:
    ws, store, plan = stored
    record = roadmap_of_record(store, ws)
    assert record is not None and record.start == plan.start
    assert dict(record.placements) == dict(plan.placements)
    again = stored_roadmap(ws, record, OPTIONS)
    assert again is not None
    assert _dates(again) == _dates(plan)
    assert [s.people for s in again.items] == [s.people for s in plan.items]
    # the solver's verdict is the stored one; the totals are recomputed and agree
    for field in ("method", "proven_optimal", "seconds", "finish", "late_items", "status"):
        assert getattr(again.summary, field) == getattr(plan.summary, field), field
    assert again.summary.cost_of_delay == pytest.approx(plan.summary.cost_of_delay)
    assert again.summary.without_money == plan.summary.without_money
    assert again.summary.gap == pytest.approx(plan.summary.gap)


def test_a_stored_plan_that_no_longer_fits_is_not_shown(stored: Any) -> None:
    ws, store, plan = stored
    record = roadmap_of_record(store, ws)
    assert record is not None
    verdict = stored_summary(record.verdict)
    placements = dict(plan.placements)
    # another start day: every day index would mean another date
    assert replay_roadmap(ws, plan.start + dt.timedelta(days=1), placements, verdict) is None
    # an item on a team that cannot do it (any more)
    key = plan.items[0].key
    moved = {**placements, key: ("no-such-team", placements[key][1])}
    assert replay_roadmap(ws, plan.start, moved, verdict) is None
    # a team's items all on the same day: over its capacity
    crowded = {
        key: (label, tuple(0 for _ in starts)) if label == plan.items[0].team else (label, starts)
        for key, (label, starts) in placements.items()
    }
    assert replay_roadmap(ws, plan.start, crowded, verdict) is None
    # stored before placements were kept
    old = dataclasses.replace(record, placements={})
    assert stored_roadmap(ws, old) is None
    assert stored_roadmap(ws, None) is None


def test_items_added_since_come_after_the_stored_plan(stored: Any) -> None:
    """A new item (or one the stored plan lacks) does not make the stored plan go: it is
    placed after the stored work of its team, as the delivery forecast works it, and every
    stored item keeps its place."""
    ws, store, plan = stored
    record = roadmap_of_record(store, ws)
    assert record is not None
    leaf = ws.item_by_key[plan.items[0].key]
    new = leaf.model_copy(update={"key": "NEW-1", "title": "Added since", "dependencies": []})
    grown = ws.copy_with(items=[*ws.items, new])
    again = replay_roadmap(grown, plan.start, dict(plan.placements), stored_summary(record.verdict))
    assert again is not None
    shown = {s.key: s for s in again.items}
    assert {k: (s.team, s.start, s.end) for k, s in shown.items() if k != "NEW-1"} == {
        s.key: (s.team, s.start, s.end) for s in plan.items
    }
    team_done = max(s.end for s in plan.items if s.team == shown["NEW-1"].team)
    assert shown["NEW-1"].start >= team_done
    # named as added since; nothing moved on, and no proof claimed for a plan the solver
    # never saw whole
    assert again.replay is not None and again.replay.added == ("NEW-1",)
    assert again.replay.moved_days == 0 and moved_on(again) == ""
    assert not again.summary.proven_optimal
    assert since_stored(again).startswith("1 item added since (NEW-1) placed after it")
    # the reports still say they show the stored plan, and what was added after it
    facts = gather(grown, {"roadmap_of_record": record}, trials=200, steps=("roadmap",))
    assert facts.schedule_method.startswith(f"the {record.describe()} (1 item added since")
    assert "no solver verdict" in facts.engines["roadmap"]
    assert facts.schedule["NEW-1"].start == shown["NEW-1"].start
    # the same when a stored item is dropped from the stored placements (the last to finish:
    # nothing waits for it)
    key = max(plan.items, key=lambda s: (s.end, s.key)).key
    fewer = {k: v for k, v in plan.placements.items() if k != key}
    partial = replay_roadmap(ws, plan.start, fewer, stored_summary(record.verdict))
    assert partial is not None
    assert partial.item(key).start >= max(
        s.end for s in plan.items if s.team == partial.item(key).team and s.key != key
    )


def test_stored_summary_reads_what_was_written(stored: Any) -> None:
    ws, store, plan = stored
    record = roadmap_of_record(store, ws)
    assert record is not None
    summary = stored_summary(record.verdict)
    assert summary.method == plan.summary.method
    assert summary.finish == plan.summary.finish
    assert summary.cost_of_delay == pytest.approx(plan.summary.cost_of_delay)
    # a NaN (not a solver result) is stored as null and read back as NaN
    empty = stored_summary({"gap": None, "bound": None})
    assert math.isnan(empty.gap) and math.isnan(empty.bound) and empty.finish is None


def test_reports_show_the_stored_roadmap_and_say_so(stored: Any) -> None:
    ws, store, plan = stored
    record = roadmap_of_record(store, ws)
    facts = gather(ws, {"roadmap_of_record": record}, trials=200, steps=("roadmap",))
    assert {k: (s.team, s.start, s.end) for k, s in facts.schedule.items()} == _dates(plan)
    assert facts.schedule_method.startswith(f"the {record.describe()}: ")
    # without a stored roadmap the report plans afresh and does not claim to follow one
    fresh = gather(ws, {}, trials=200, steps=("roadmap",))
    assert fresh.schedule and not fresh.schedule_method.startswith("the stored roadmap")


def test_a_plan_stored_without_placements_still_replays_its_order(tmp_path: Path) -> None:
    """Roadmaps stored before this change have no placements: the forecast still follows
    them, and the views plan afresh."""
    ws = generate_sample(seed=7)
    store = open_store(tmp_path / "old.db")
    store.replace(ws)
    plan = plan_roadmap(ws, OPTIONS)
    saved = save_roadmap(store, "roadmap", plan)
    payload = {k: v for k, v in saved.payload.items() if k != "placements"}
    store.save_plan(saved.model_copy(update={"payload": payload}))
    record = roadmap_of_record(store, ws)
    assert record is not None and record.planned and not record.placements
    assert stored_roadmap(ws, record, OPTIONS) is None


@pytest.mark.parametrize("days", [1, 7, 30])
def test_a_stored_plan_moves_on_with_the_as_of_date(stored: Any, days: int) -> None:
    """A week later, with the stored plan untouched, the views still show it: the same teams,
    every item that can keep its date keeps it, and what moved is named with why."""
    ws, store, plan = stored
    record = roadmap_of_record(store, ws)
    assert record is not None
    later = ws.model_copy(update={"as_of": ws.as_of + dt.timedelta(days=days)})
    moved = stored_roadmap(later, record, OPTIONS)
    assert moved is not None and moved.replay is not None
    assert moved.start > plan.start and moved.replay.stored_start == plan.start
    assert moved.replay.moved_days == sum(
        1
        for n in range((moved.start - plan.start).days)
        if (plan.start + dt.timedelta(n)).weekday() < 5
    )
    before = {s.key: s for s in plan.items}
    replay = moved.replay
    named = {*replay.slipped, *replay.started, *replay.pushed}
    for s in moved.items:
        was = before[s.key]
        assert s.team == was.team  # same teams
        if s.key not in named:
            assert (s.start, s.end) == (was.start, was.end)
        assert s.start >= moved.start
    # what the plan started before the new first day: named, as under way (pinned to the
    # first day) or as slipped (whose stored start has passed), never both
    assert not set(replay.slipped) & set(replay.started)
    assert {*replay.slipped, *replay.started} == {
        s.key for s in plan.items if s.start < moved.start
    }
    for key in replay.started:
        assert shown_start(moved, key) == moved.start
    # dependencies still hold between the items shown
    shown = {s.key: s for s in moved.items}
    for s in moved.items:
        for dep in ws.item_by_key[s.key].dependencies:
            if dep.item in shown:
                assert s.start_day >= shown[dep.item].end_day, (dep.item, s.key)
    # no longer the solver's plan: no optimality claimed
    assert not moved.summary.proven_optimal and math.isnan(moved.summary.gap)
    sentence = moved_on(moved)
    assert sentence.startswith(f"moved on from {plan.start} to {moved.start}")
    assert f"{len(replay.slipped)} items" in sentence or not replay.slipped
    # the reports say they show it, and how it moved
    facts = gather(later, {"roadmap_of_record": record}, trials=200, steps=("roadmap",))
    assert facts.schedule_method.startswith(f"the {record.describe()} (moved on from")
    assert {k: v.start for k, v in facts.schedule.items() if k in shown} == {
        k: v.start for k, v in shown.items()
    }


def shown_start(roadmap: Roadmap, key: str) -> dt.date:
    return roadmap.item(key).start


def test_a_plan_is_not_moved_back_to_an_earlier_day(stored: Any) -> None:
    ws, store, _plan = stored
    record = roadmap_of_record(store, ws)
    earlier = ws.model_copy(update={"as_of": ws.as_of - dt.timedelta(days=7)})
    assert stored_roadmap(earlier, record, OPTIONS) is None
    # the same day: shown as stored, nothing moved
    same = stored_roadmap(ws, record, OPTIONS)
    assert same is not None and same.replay is None and moved_on(same) == ""


def test_replan_gain_measures_how_far_a_moved_on_plan_drifted(stored: Any) -> None:
    """A month on, a short local search from the plan shown finds a plan at least as good
    (deadlines first), and the gain is what separates the two; re-planning from the plan
    shown, as `roadwise plan roadmap` does, is never worse than it."""
    ws, store, _plan = stored
    record = roadmap_of_record(store, ws)
    later = ws.model_copy(update={"as_of": ws.as_of + dt.timedelta(days=30)})
    moved = stored_roadmap(later, record, OPTIONS)
    assert moved is not None and moved.replay is not None
    # The wall-clock cap is a safety net, not the budget: generous here, so that a loaded
    # machine (a parallel test run) cannot cut a round short and make the two runs differ.
    gain = replan_gain(later, moved, OPTIONS, rounds=8, time_limit=120)
    assert gain is not None and gain.rounds == 8
    # it starts from the plan shown
    assert gain.shown.cost_of_delay == pytest.approx(moved.summary.cost_of_delay)
    assert gain.shown.late_items == moved.summary.late_items
    # never worse in the solver's terms, and the numbers are the two plans' difference
    assert gain.replanned.model_objective <= gain.shown.model_objective
    assert gain.replanned.late_items <= gain.shown.late_items
    saved = gain.shown.cost_of_delay - gain.replanned.cost_of_delay
    assert gain.gain == pytest.approx(max(0.0, saved))
    assert gain.share == pytest.approx(gain.gain / gain.shown.cost_of_delay)
    assert gain.deadlines_met == gain.shown.late_items - gain.replanned.late_items
    assert (gain.items_moved > 0) == (gain.replanned.model_objective < gain.shown.model_objective)
    # deterministic: the rounds are the budget, not the clock
    again = replan_gain(later, moved, OPTIONS, rounds=8, time_limit=120)
    assert again is not None
    assert (again.replanned.model_objective, again.items_moved) == (
        gain.replanned.model_objective,
        gain.items_moved,
    )
    # a time limit that stops the search early is reported as the rounds that ran
    stopped = replan_gain(later, moved, OPTIONS, rounds=8, time_limit=0.0)
    assert stopped is not None and stopped.rounds == 0
    assert stopped.items_moved == 0 and stopped.gain == 0
    sentence = replan_sentence(gain, "USD")
    assert sentence.startswith("Worth re-planning" if gain.worth_it else "Re-planning would")
    # a re-plan that starts from the plan shown keeps at least its quality
    replanned = plan_roadmap(
        later, dataclasses.replace(OPTIONS, time_limit=0.5, warm_start=moved.placements)
    )
    assert replanned.summary.late_items <= moved.summary.late_items
    if moved.summary.late_items == 0:
        assert replanned.summary.model_objective <= moved.summary.model_objective
    # ... and one that starts from the plan the check found (as `plan roadmap` does) keeps
    # at least that plan's
    assert set(gain.placements) == set(moved.placements)
    from_check = plan_roadmap(
        later, dataclasses.replace(OPTIONS, time_limit=0.5, warm_start=gain.placements)
    )
    assert from_check.summary.late_items <= gain.replanned.late_items
    if gain.replanned.late_items == 0:
        assert from_check.summary.model_objective <= gain.replanned.model_objective
    # a plan of another workspace is not checked
    other = generate_sample(seed=8)
    assert replan_gain(other, moved, OPTIONS, rounds=1) is None
