"""Scheduling on large backlogs: work that must grow with the backlog, not with its square."""

from __future__ import annotations

import pytest

from roadwise.engines.schedule import (
    Milestone,
    Mode,
    Precedence,
    Problem,
    Resource,
    Task,
    listsched,
)
from roadwise.engines.schedule.listsched import priority_order


def _mode(days: int) -> tuple[Mode, ...]:
    return (Mode(label="team", pieces=(days,), demands=((0, 100),)),)


def _deadlines_problem() -> Problem:
    """Five tasks: deadlines, a target, a milestone deadline and one passed back by a
    dependency, so every source of a due date is in the order."""
    tasks = (
        Task(key="free", modes=_mode(3)),  # 0: no due date
        Task(key="late-deadline", modes=_mode(2), deadline=40),  # 1
        Task(key="target", modes=_mode(2), target=20),  # 2
        Task(key="feeds-deadline", modes=_mode(4)),  # 3: before 4 (due 12 - 5 - 1 = 6)
        Task(key="deadline", modes=_mode(5), deadline=12),  # 4
        Task(key="in-milestone", modes=_mode(1)),  # 5: its milestone is due on day 9
    )
    return Problem(
        tasks=tasks,
        resources=(Resource(key="team", capacity=(100,)),),
        precedences=(Precedence(before=3, after=4, lag=1),),
        milestones=(Milestone(key="epic", tasks=(5,), deadline=9),),
    )


def test_earliest_due_date_order_follows_every_due_date() -> None:
    # Due dates: 3 -> 6 (passed back from 4), 5 -> 9, 4 -> 12, 2 -> 20, 1 -> 40, 0 -> none.
    assert priority_order(_deadlines_problem(), "edd") == [3, 5, 4, 2, 1, 0]


def test_earliest_due_date_order_works_out_due_dates_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Working the due dates out once per task made the order quadratic in the backlog: on
    # 3,400 items, 49 of the 62 seconds of `plan roadmap --time-limit 30`.
    calls = 0
    due_dates = listsched._due_dates

    def counted(problem: Problem) -> list[float]:
        nonlocal calls
        calls += 1
        return due_dates(problem)

    monkeypatch.setattr(listsched, "_due_dates", counted)
    assert priority_order(_deadlines_problem(), "edd") == [3, 5, 4, 2, 1, 0]
    assert calls == 1


def test_a_resources_capacity_until_a_day_is_its_capacity_day_by_day() -> None:
    resource = Resource("team", (3, 0, 2))
    for days in (0, 2, 3, 7):
        assert resource.until(days) == tuple(resource.at(t) for t in range(days))
