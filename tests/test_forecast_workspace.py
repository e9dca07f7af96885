"""The workspace's roadmap run: one engine function behind the reports, the web app, the CLI's
``forecast roadmap`` and the demo, called the same way by all of them (the order of work and the
history window stay inputs of the engine)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roadwise.domain import Workspace
from roadwise.domain.model import (
    Deadline,
    Dependency,
    Estimate,
    EstimateUnit,
    HistoryRecord,
    Item,
    ItemKind,
    Status,
    Team,
)
from roadwise.engines.forecast.objectives import (
    DELIVERY_WINDOW,
    HistoryWindow,
    QueueOrder,
    Unit,
    UnitRule,
    forecast_delivery,
    leaf_size,
    planned_leaves,
    simulate_workspace,
    team_flow,
    work_queues,
)
from roadwise.sample import generate_sample

AS_OF = dt.date(2025, 6, 2)  # a Monday: calendar weeks and seven-day periods coincide
TRIALS = 400
CALENDAR = HistoryWindow("calendar", 104)  # Monday-to-Sunday weeks: the engine still offers it


def _history(as_of: dt.date, weeks: int = 104) -> list[HistoryRecord]:
    """Two teams finishing an uneven amount every week for exactly ``weeks`` weeks."""
    start = dt.datetime.combine(as_of, dt.time()) - dt.timedelta(weeks=weeks)
    records = []
    for week in range(weeks):
        for team, base in (("api", 1), ("web", 2)):
            for k in range(base + (week * 7) % 4):
                # The very first record at the window's first instant: both windows start there.
                done = start + dt.timedelta(weeks=week, days=k, hours=0 if week == k == 0 else 9)
                records.append(
                    HistoryRecord(
                        key=f"H-{team}-{week}-{k}",
                        team=team,
                        points=float(1 + (week + k) % 5),
                        estimate=Estimate(low=1, likely=2, high=4),
                        created=done - dt.timedelta(days=5),
                        done=done,
                    )
                )
    return records


def _workspace(as_of: dt.date = AS_OF, extra: list[HistoryRecord] | None = None) -> Workspace:
    """Open stories whose backlog order is also their queue order (keys in backlog order)."""
    items = []
    for team, prefix in (("api", "A"), ("web", "W")):
        for k in range(5):
            items.append(
                Item(
                    key=f"{prefix}-{k}",
                    title=f"{team} story {k}",
                    team=team,
                    status=Status.READY,
                    estimate=Estimate(low=1, likely=3, high=8),
                    # On the first item of a team: a dated commitment keeps it first in the queue.
                    deadline=Deadline(date=as_of + dt.timedelta(weeks=3)) if k == 0 else None,
                    dependencies=[Dependency(item="A-2")] if (prefix, k) == ("W", 1) else [],
                )
            )
    return Workspace(
        name="agree",
        as_of=as_of,
        teams=[Team(key="api", name="API"), Team(key="web", name="Web")],
        items=items,
        history=_history(as_of) + (extra or []),
    )


def _view_run(ws: Workspace, seed: int = 11) -> np.ndarray:
    """The run every view makes (the CLI's ``forecast roadmap``, the demo, reports, web)."""
    run = simulate_workspace(ws, QueueOrder(), trials=TRIALS, seed=seed)
    return np.asarray(run.forecast.finish_days)


def test_the_delivery_forecast_is_the_run_every_view_makes() -> None:
    ws = _workspace()
    reports = forecast_delivery(ws, None, trials=TRIALS, seed=11).simulation
    cli = simulate_workspace(ws, QueueOrder(), trials=TRIALS, seed=11)
    assert reports.roadmap is not None
    assert [o.key for o in reports.roadmap.items] == [o.key for o in cli.forecast.items]
    assert reports.unit == cli.unit == "points"
    assert cli.window == DELIVERY_WINDOW
    # Same items in the same order and the same weeks of history: the very same trials.
    assert np.array_equal(reports.roadmap.finish_days, cli.forecast.finish_days)
    assert reports.roadmap.finish_all == cli.forecast.finish_all
    assert np.isfinite(cli.forecast.finish_days).all()


def test_the_two_windows_see_the_same_weeks_only_when_they_should() -> None:
    ws = _workspace()
    for team in ("api", "web"):
        calendar = team_flow(ws, team, "points", CALENDAR)
        rolling = team_flow(ws, team, "points", DELIVERY_WINDOW)
        assert calendar.history.size == rolling.history.size == 104
        assert np.array_equal(calendar.history, rolling.history)
        assert calendar.default_size == rolling.default_size
    # A Tuesday: the calendar window has this week's Monday as a short week of its own; the
    # delivery window's seven-day periods end at as_of and have none.
    tuesday = _workspace(AS_OF + dt.timedelta(days=1))
    calendar = team_flow(tuesday, "web", "points", CALENDAR)
    rolling = team_flow(tuesday, "web", "points", DELIVERY_WINDOW)
    assert not np.array_equal(calendar.history, rolling.history)
    assert np.array_equal(_view_run(tuesday), _view_run(ws))


def test_work_finished_after_as_of_teaches_neither_window() -> None:
    later = dt.datetime.combine(AS_OF, dt.time()) + dt.timedelta(days=2)
    slow = [
        HistoryRecord(
            key=f"LATE-{k}",
            team="web",
            points=40.0,
            estimate=Estimate(low=1, likely=2, high=4),
            created=later - dt.timedelta(days=1),
            done=later,
        )
        for k in range(60)
    ]
    ws, plain = _workspace(extra=slow), _workspace()
    # A forecast dated as_of learns nothing from what finished after it: not the throughput,
    # not the estimate bias (60 stories at 20x their estimate would move it a lot).
    for window in (CALENDAR, DELIVERY_WINDOW):
        late, clean = (
            team_flow(ws, "web", "points", window),
            team_flow(plain, "web", "points", window),
        )
        assert np.array_equal(late.history, clean.history)
        assert late.bias is not None and clean.bias is not None
        assert np.array_equal(late.bias.ratios, clean.bias.ratios)
        assert late.default_size == clean.default_size
    assert np.array_equal(_view_run(ws), _view_run(plain))


def test_a_stored_roadmap_sets_the_order_and_work_it_lacks_comes_after() -> None:
    ws = _workspace()
    queue = simulate_workspace(ws, QueueOrder(), trials=TRIALS, seed=3)
    assert queue.source == "queue order per team"
    assert list(queue.flows) == ["api", "web"]  # key order, not a set's order
    # The scheduler starts web's stories in the reverse order, and has not seen W-0 (added
    # since); it put A-4 on team web.
    late = AS_OF + dt.timedelta(days=60)
    planned = (
        *((f"W-{k}", "web", AS_OF + dt.timedelta(days=10 * (5 - k)), late) for k in range(1, 5)),
        ("A-4", "web", AS_OF + dt.timedelta(days=25), AS_OF + dt.timedelta(days=30)),
    )
    plan = QueueOrder(planned=planned)
    run = simulate_workspace(ws, plan, trials=TRIALS, seed=3)
    web = [i.key for i in run.items if i.team == "web"]
    assert web == ["W-4", "W-3", "A-4", "W-2", "W-1", "W-0"]
    assert [q.item.key for q in run.queues["api"]] == [f"A-{k}" for k in range(4)]
    assert run.source == "the roadmap's order, 5 item(s) not in it after"
    ends = {o.key: o.planned_end for o in run.forecast.items}
    assert ends["W-3"] == AS_OF + dt.timedelta(days=60)
    assert ends["A-4"] == AS_OF + dt.timedelta(days=30) and ends["W-0"] is None
    again = simulate_workspace(ws, plan, trials=TRIALS, seed=3)
    assert np.array_equal(run.forecast.finish_days, again.forecast.finish_days)
    # The plan's order is also the delivery forecast's, and so the reports' and the web app's.
    delivery = forecast_delivery(ws, None, trials=TRIALS, seed=3, planned=planned).simulation
    assert delivery.roadmap is not None and delivery.planned == planned
    assert np.array_equal(delivery.roadmap.finish_days, run.forecast.finish_days)
    assert planned_leaves(None) == ()


@pytest.mark.parametrize("unit", ["history", "points", "items"])
def test_queue_order_resolves_the_unit_rule(unit: Unit | UnitRule) -> None:
    ws = generate_sample(seed=7)
    run = simulate_workspace(ws, QueueOrder(), unit=unit, trials=50, seed=1)
    assert run.unit == ("items" if unit == "items" else "points")
    assert run.source == "queue order per team"
    assert [i.key for i in run.items] == [
        q.item.key for team in sorted(run.queues) for q in run.queues[team]
    ]
    # Counting items drops the estimates: every replayed item is one unit of throughput.
    assert all((i.estimate is None) == (run.unit == "items") for i in run.items)


def test_a_team_without_finished_work_has_no_whole_history() -> None:
    ws = _workspace()
    ws = Workspace.model_validate(
        {**ws.model_dump(), "history": [r.model_dump() for r in ws.history if r.team != "web"]}
    )
    flow = team_flow(ws, "web", "points", DELIVERY_WINDOW)
    assert flow.history.size == 0 and flow.bias is None
    assert team_flow(ws, "web", "points", CALENDAR).history.sum() == 0
    run = simulate_workspace(ws, QueueOrder(), trials=TRIALS, seed=2)
    web = [o for o in run.forecast.items if o.team == "web"]
    assert web and all(o.finish[50] is None for o in web)
    assert isinstance(run.window, HistoryWindow)


ORDERS: list[tuple[QueueOrder, HistoryWindow]] = [
    (QueueOrder(), DELIVERY_WINDOW),  # every view
    (  # a stored roadmap's order, over calendar weeks
        QueueOrder(planned=(("W-3", "web", AS_OF, AS_OF + dt.timedelta(days=9)),)),
        CALENDAR,
    ),
]


def _estimated(
    ws: Workspace, unit: EstimateUnit, scale: float, rate: float, drop: frozenset[int] = frozenset()
) -> Workspace:
    """``ws`` with every team at ``rate`` points per person-day and every story's estimate
    multiplied by ``scale`` and stated in ``unit`` (the stories numbered in ``drop``: none)."""
    data = ws.model_dump()
    for team in data["teams"]:
        team["points_per_person_day"] = rate
    for k, item in enumerate(data["items"]):
        est = item["estimate"]
        item["estimate"] = (
            None
            if k in drop
            else {
                "low": est["low"] * scale,
                "likely": est["likely"] * scale,
                "high": est["high"] * scale,
                "unit": unit.value,
            }
        )
    return Workspace.model_validate(data)


@settings(max_examples=8, deadline=None)
@given(
    person_days=st.sampled_from([0.25, 0.5, 1.0, 3.0]),
    rate=st.sampled_from([0.5, 1.3, 2.0, 4.0]),
    which=st.sampled_from([0, 1]),
)
def test_person_days_are_replayed_as_their_points_when_counting_points(
    person_days: float, rate: float, which: int
) -> None:
    order, window = ORDERS[which]
    in_days = _estimated(_workspace(), EstimateUnit.PERSON_DAYS, person_days, rate)
    in_points = _estimated(_workspace(), EstimateUnit.POINTS, person_days * rate, rate)
    days = simulate_workspace(in_days, order, window=window, unit="points", trials=200, seed=5)
    points = simulate_workspace(in_points, order, window=window, unit="points", trials=200, seed=5)
    # The same work stated in two units is the same forecast, trial by trial.
    assert np.array_equal(days.forecast.finish_days, points.forecast.finish_days)
    assert all(i.estimate is not None and i.estimate.unit == "points" for i in days.items)
    # The size a report shows for a queued story is the size the run replays.
    for team, queue in days.queues.items():
        replayed = {i.key: i.estimate for i in days.items if i.team == team}
        for q in queue:
            est = replayed[q.item.key]
            assert est is not None and est.likely == pytest.approx(q.size)
            assert q.size == pytest.approx(leaf_size(in_points, q.item, "points"))


@pytest.mark.parametrize("which", [0, 1])
def test_counting_items_every_item_is_one_whatever_its_estimate(which: int) -> None:
    order, window = ORDERS[which]
    runs = [
        simulate_workspace(ws, order, window=window, unit="items", trials=300, seed=9)
        for ws in (
            _estimated(_workspace(), EstimateUnit.POINTS, 1.0, 1.0, frozenset(range(10))),
            _estimated(_workspace(), EstimateUnit.POINTS, 5.0, 1.0),
            _estimated(_workspace(), EstimateUnit.PERSON_DAYS, 3.0, 2.0, frozenset({1, 7})),
        )
    ]
    assert all(run.unit == "items" for run in runs)
    assert all(i.estimate is None for run in runs for i in run.items)
    for run in runs[1:]:
        assert np.array_equal(run.forecast.finish_days, runs[0].forecast.finish_days)
    assert np.isfinite(runs[0].forecast.finish_days).all()


def test_work_outside_every_feature_is_in_its_teams_queue() -> None:
    """A stand-alone bug takes its team's time, and work that depends on it waits for it."""
    feature = Item(key="F-1", title="feature", kind=ItemKind.FEATURE, team="api")
    stories = [
        Item(
            key=f"S-{k}",
            title=f"story {k}",
            parent="F-1",
            status=Status.READY,
            estimate=Estimate(low=2, likely=3, high=5),
            dependencies=[Dependency(item="BUG-1")] if k == 2 else [],
        )
        for k in range(3)
    ]
    bug = Item(
        key="BUG-1",
        title="a bug under no feature",
        kind=ItemKind.BUG,
        team="api",
        status=Status.READY,
        estimate=Estimate(low=5, likely=8, high=13),
    )
    with_bug = Workspace(
        name="loose",
        as_of=AS_OF,
        teams=[Team(key="api", name="API")],
        items=[feature, *stories, bug],
        history=[r for r in _history(AS_OF) if r.team == "api"],
    )
    queue = work_queues(with_bug)["api"]
    assert {q.item.key for q in queue} == {"S-0", "S-1", "S-2", "BUG-1"}
    assert next(q for q in queue if q.item.key == "BUG-1").deliverable == "BUG-1"
    without = with_bug.copy_with(
        items=[feature, *stories[:2], stories[2].model_copy(update={"dependencies": []})]
    )
    later = forecast_delivery(with_bug, trials=TRIALS, seed=3).teams["api"].dates[50]
    sooner = forecast_delivery(without, trials=TRIALS, seed=3).teams["api"].dates[50]
    assert later > sooner


def test_work_waiting_on_a_team_without_history_is_what_the_replay_never_finishes() -> None:
    """Web has a pace, but W-1 waits on API's A-2 and W-3 on W-1: the replay never finishes
    either, because API has no history; they are the web items named as waiting on API, and
    the rest of web's queue is dated as before."""
    from roadwise.engines.forecast.objectives import teams_waited_on, teams_without_history

    ws = _workspace()
    w3 = ws.item_by_key["W-3"].model_copy(update={"dependencies": [Dependency(item="W-1")]})
    ws = ws.copy_with(
        items=[w3 if i.key == "W-3" else i for i in ws.items],
        history=[r for r in ws.history if r.team != "api"],
    )
    run = simulate_workspace(ws, QueueOrder(), trials=TRIALS, seed=5)
    idle = teams_without_history(ws, run.queues, run.unit)
    assert idle == {"api": False}
    waiting = teams_waited_on(run.queues, idle)
    assert waiting == {"W-1": frozenset({"api"}), "W-3": frozenset({"api"})}
    never = {o.key for o in run.forecast.items if o.team == "web" and o.finish[50] is None}
    assert never == set(waiting)
    # With API's history back, nothing waits on a team without history.
    assert teams_waited_on(run.queues, {}) == {}


def test_waiting_is_followed_through_chains_and_never_names_the_items_own_team() -> None:
    """A leaf of a team without history waits on another such team's work (its own is named
    for it already); a dependency cycle, which the replay refuses, still ends the walk."""
    from roadwise.engines.forecast.objectives import QueuedItem, teams_waited_on

    def leaf(key: str, team: str, *after: str) -> tuple[str, QueuedItem]:
        item = Item(
            key=key,
            title=key,
            team=team,
            status=Status.READY,
            dependencies=[Dependency(item=k) for k in after],
        )
        return team, QueuedItem(key, item, 1.0)

    leaves = [
        leaf("B-1", "b", "C-1"),
        leaf("C-1", "c"),
        leaf("A-1", "a", "A-2"),
        leaf("A-2", "a", "B-1", "GONE"),  # GONE: not in any queue (done, say): not waited on
        leaf("A-3", "a"),
        leaf("X-1", "a", "X-2"),
        leaf("X-2", "a", "X-1", "C-1"),
    ]
    queues: dict[str, list[QueuedItem]] = {}
    for team, q in leaves:
        queues.setdefault(team, []).append(q)
    found = teams_waited_on(queues, {"b", "c"})
    assert found["B-1"] == {"c"}  # not b: B-1 is b's own work
    assert found["A-1"] == found["A-2"] == {"b", "c"}
    assert "A-3" not in found and "C-1" not in found
    assert found["X-2"] == {"c"}
