"""Reports on large workspaces: each kind runs only the engines it reads."""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any

import pytest

from roadwise.domain import Workspace
from roadwise.engines.schedule.roadmap import RoadmapOptions, plan_roadmap
from roadwise.sample import generate_sample
from roadwise.views.reports import REPORT_KINDS, build_report, build_reports, gather, gather_steps

# The module, not the package's function of the same name.
gather_module = importlib.import_module("roadwise.views.reports.gather")

WITHOUT_HIRES = ("roadmap", "status", "release-notes", "risks")


@pytest.fixture(scope="module")
def ws() -> Workspace:
    return generate_sample(seed=7)


@pytest.fixture(scope="module")
def results(ws: Workspace) -> dict[str, Any]:
    # One roadmap for every gathering, so that the reports compared differ only by the steps.
    roadmap = plan_roadmap(ws, RoadmapOptions(time_limit=1.0, workers=1, seed=7, baseline=False))
    return {"roadmap": roadmap}


def _count_hire_replays(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    resources = gather_module._resources

    def counted(*args: Any) -> None:
        calls.append(1)
        resources(*args)

    monkeypatch.setattr(gather_module, "_resources", counted)
    return calls


def test_reports_without_hire_options_skip_the_replay_per_team(
    ws: Workspace, results: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The replay per team took 11 of the 11.5 minutes of `report roadmap` on 100 teams.
    everything = gather(ws, results, trials=300)
    calls = _count_hire_replays(monkeypatch)
    built = build_reports(ws, WITHOUT_HIRES, results=results, trials=300)
    assert calls == []
    for kind in WITHOUT_HIRES:
        full = build_report(kind, ws, facts=everything)
        # Every word and number the same; the footer no longer names an engine whose result
        # the report does not show.
        engines = {k: v for k, v in full.engines.items() if k != "resources"}
        assert built[kind] == dataclasses.replace(full, engines=engines), kind
        assert "resources" in full.engines


@pytest.mark.parametrize("kind", ["executive", "resources"])
def test_reports_that_say_what_a_hire_buys_still_work_it_out(
    ws: Workspace, results: dict[str, Any], monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    calls = _count_hire_replays(monkeypatch)
    facts = gather(ws, results, trials=300, steps=gather_steps([kind, "roadmap"]))
    assert calls == [1]
    assert facts.resource_options, "the sample's teams each have a hire option"


def test_every_step_is_run_for_all_kinds() -> None:
    assert gather_steps(REPORT_KINDS) == gather_module.GATHER_STEPS
    assert "resources" not in gather_steps(WITHOUT_HIRES)
