"""What the web app shows, computed by the engines once per workspace state and cached.

Every page reads the same workspace; loading it and running the engines on each request would
be slow, so results are kept until the stored workspace changes (a cheap fingerprint query:
the newest audit entry and the newest item and feedback writes).
"""

from __future__ import annotations

import datetime as dt
import gc
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa

from roadwise.domain import Plan, Workspace
from roadwise.workspace import Store
from roadwise.workspace import schema as s

if TYPE_CHECKING:
    from roadwise.engines.forecast.objectives import DeliveryForecast

T = TypeVar("T")

# Short solver limits: a page should answer in seconds; the CLI defaults to longer runs.
ROADMAP_TIME_LIMIT = 2.0
RELEASE_TIME_LIMIT = 5.0
CAPACITY_SPRINTS = 13  # the Capacity page's sprints: about half a year


class Service:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.RLock()
        self._key: tuple[Any, ...] | None = None
        self._cache: dict[str, Any] = {}
        self._gates: dict[str, threading.Lock] = {}
        # Sizes are learned from the history alone, which edits to items do not change: kept
        # across them, keyed by the history itself (fitting takes about a second).
        self._sizes: tuple[int, Any] | None = None
        # The reports' number of trials: the same seed and trials give the same dates.
        from roadwise.engines.forecast.objectives import PRIORITY_SAMPLES, TRIALS

        self.trials: int = TRIALS
        # Monte Carlo samples of the priorities' estimate ranges (0: point scores only).
        self.priority_samples: int = PRIORITY_SAMPLES

    def fingerprint(self) -> tuple[Any, ...]:
        # Every write through the store leaves an audit entry (a whole-workspace replace too,
        # and it rewrites the metadata rows), so these two primary-key-sized reads see any change.
        with self.store.engine.connect() as conn:
            row = conn.execute(
                sa.select(
                    sa.select(sa.func.max(s.audit_log.c.id)).scalar_subquery(),
                    sa.select(sa.func.max(s.meta.c.updated_at)).scalar_subquery(),
                )
            ).one()
        return tuple(row)

    def _cached(self, name: str, compute: Callable[[], T]) -> T:
        """``compute()``'s result for the workspace as it is now, computed once.

        One result is computed at a time per name, while every other is served: a slow one
        (a feedback analysis of many texts, a roadmap) does not hold up the other pages.
        """
        key = self.fingerprint()
        with self._lock:
            if key != self._key:
                gc.unfreeze()  # the old results may go now
                self._cache = {}
                self._gates = {}
                self._key = key
            if name in self._cache:
                found: T = self._cache[name]
                return found
            gate = self._gates.setdefault(name, threading.Lock())
        with gate:
            with self._lock:  # computed by another request while this one waited
                if self._key == key and name in self._cache:
                    done: T = self._cache[name]
                    return done
            result = compute()
            with self._lock:
                if self._key == key:  # not for a workspace that changed meanwhile
                    self._cache[name] = result
                    # A workspace is hundreds of thousands of long-lived objects: keep them
                    # out of the collector's sweeps, which otherwise stall every request.
                    gc.collect()
                    gc.freeze()
            return result

    def cached(self, name: str, compute: Callable[[], T]) -> T:
        """Anything derived from the workspace, kept until it changes."""
        return self._cached(name, compute)

    def workspace(self) -> Workspace:
        return self._cached("ws", self.store.load)

    def evidence(self) -> dict[str, list[Any]]:
        """Feedback per linked item, newest first."""
        ws = self.workspace()

        def compute() -> dict[str, list[Any]]:
            index: dict[str, list[Any]] = {}
            for f in sorted(ws.feedback, key=lambda f: f.date, reverse=True):
                for item in {link.item for link in f.links}:
                    index.setdefault(item, []).append(f)
            return index

        return self._cached("evidence", compute)

    def undated(self) -> Any:
        """What of the delivery forecast's work cannot be dated, and why (``UndatedWork``)."""
        from roadwise.views.reports.facts import undated_work

        ws, delivery = self.workspace(), self.delivery()
        return self._cached("undated work", lambda: undated_work(ws, delivery))

    def objectives(self) -> list[dict[str, Any]]:
        from roadwise.views.web.pages import objective_status

        ws, delivery, undated = self.workspace(), self.delivery(), self.undated()
        return self._cached("objectives", lambda: objective_status(ws, delivery, undated))

    def priorities(self) -> Any:
        from roadwise.engines.prioritize import prioritize

        ws = self.workspace()
        # As the reports do: no more samples than forecast trials, so the queues match.
        samples = min(self.trials, self.priority_samples)
        return self._cached(
            "priorities", lambda: prioritize(ws, samples=samples, seed=ws.settings.seed)
        )

    def size_model(self) -> Any:
        """Sizes learned from the delivery history (:func:`roadwise.engines.estimate.fit_sizes`),
        or None where it holds too little finished work with points."""
        from roadwise.engines.estimate import finished_work, fit_sizes
        from roadwise.errors import ValidationError

        ws = self.workspace()
        # Once per workspace state: the history of a big workspace takes tens of ms to hash.
        finished, key = self._cached(
            "finished_work", lambda: (found := finished_work(ws), hash(tuple(found)))
        )
        known = self._sizes
        if known is not None and known[0] == key:
            return known[1]
        try:
            model = fit_sizes(finished)
        except ValidationError:
            model = None
        self._sizes = (key, model)
        return model

    def suggested_size(self, key: str) -> Any:
        """The suggested size of item ``key`` (:func:`suggest_sizes`), or None without a model."""
        from roadwise.engines.estimate import item_work, suggest_sizes

        model = self.size_model()
        item = self.workspace().item_by_key.get(key)
        if model is None or item is None:
            return None
        return self._cached(f"size:{key}", lambda: suggest_sizes(model, [item_work(item)])[0])

    def priority_by_key(self) -> dict[str, Any]:
        result = self.priorities()
        return self._cached("priority_by_key", lambda: {r.key: r for r in result.items})

    def roadmap(self) -> Any:
        """The roadmap of record (the plan every delivery forecast replays) where it still
        fits the workspace; otherwise a fresh plan (:meth:`roadmap_is_of_record` says which)."""
        return self._roadmap()[0]

    def roadmap_is_of_record(self) -> bool:
        """Whether :meth:`roadmap` is the stored roadmap of record (not planned afresh)."""
        return self._roadmap()[1]

    def _roadmap(self) -> tuple[Any, bool]:
        from roadwise.engines.schedule.roadmap import RoadmapOptions, plan_roadmap
        from roadwise.views.stored_roadmap import stored_roadmap

        ws, record = self.workspace(), self.roadmap_of_record()
        options = RoadmapOptions(time_limit=ROADMAP_TIME_LIMIT, workers=4)

        def compute() -> tuple[Any, bool]:
            stored = stored_roadmap(ws, record, options)
            return (stored, True) if stored is not None else (plan_roadmap(ws, options), False)

        return self._cached("roadmap", compute)

    def replan_gain(self) -> Any:
        """What re-planning would gain over the roadmap shown, where that is the stored plan
        and it changed since it was solved (moved on, or items added); else None."""
        from roadwise.engines.schedule.roadmap import RoadmapOptions, replan_gain

        roadmap, of_record = self._roadmap()
        if not of_record or roadmap.replay is None:
            return None
        ws = self.workspace()
        # A plan made holding targets is checked against a re-plan that holds them too.
        options = RoadmapOptions(
            time_limit=ROADMAP_TIME_LIMIT, workers=4, targets=roadmap.summary.targets_held
        )
        return self._cached("replan_gain", lambda: replan_gain(ws, roadmap, options))

    def delivery(self) -> DeliveryForecast:
        """Objective, deliverable and team dates: the forecast the reports show."""
        from roadwise.engines.forecast.objectives import forecast_delivery, ranks_from
        from roadwise.errors import RoadwiseError

        ws = self.workspace()
        try:
            ranks = ranks_from(self.priorities().items)
        except RoadwiseError:
            ranks = {}  # a workspace the framework cannot score: queues by status and deadline
        record = self.roadmap_of_record()
        planned = record.planned if record else ()
        return self._cached(
            "delivery",
            lambda: forecast_delivery(
                ws, ranks, trials=self.trials, seed=ws.settings.seed, planned=planned
            ),
        )

    def roadmap_of_record(self) -> Any:
        """The stored roadmap every delivery forecast replays (``None``: the priority queue)."""
        from roadwise.workspace import roadmap_of_record

        ws = self.workspace()
        return self._cached("roadmap_of_record", lambda: roadmap_of_record(self.store, ws))

    def count_forecasts(self) -> dict[str, Any]:
        """Per team: when its open items are done counting items, with measured calibration.

        Throughput only (every item counts as one): the answer to "when will the next N items
        be done?", shown beside the delivery forecast and labelled as such.
        """
        from roadwise.engines.forecast import ForecastOptions, forecast_when
        from roadwise.engines.forecast.objectives import work_calendar

        ws = self.workspace()

        def compute() -> dict[str, Any]:
            # As `roadwise forecast when --items N --team TEAM` runs (its trials, its
            # backtest's trials, the workspace's seed): the page and the command agree.
            options = ForecastOptions(seed=ws.settings.seed)
            parents = {i.parent for i in ws.items if i.parent}
            out: dict[str, Any] = {}
            for team in ws.teams:
                recs = [r for r in ws.history if r.team == team.key]
                leaves = [i for i in ws.open_items() if i.team == team.key and i.key not in parents]
                if recs and leaves:
                    out[team.key] = forecast_when(
                        recs,
                        len(leaves),
                        ws.as_of,
                        options,
                        team.key,
                        work_calendar(ws, team.key),
                    )
            return out

        return self._cached("count_forecasts", compute)

    def deadline_confidence(self) -> dict[str, Any] | None:
        """How likely every hard deadline is met in the delivery forecast's replay (same order,
        trials and seed as :meth:`delivery`), and the fewest hires that make it 85 % likely;
        ``None`` without hard deadlines or delivery history."""
        from roadwise.engines.forecast.objectives import (
            QueueOrder,
            deadline_chances_in,
            deadline_work_first_replay,
            ranks_from,
        )
        from roadwise.engines.schedule.needs import CONFIDENCE_TARGET, hires_for_confidence
        from roadwise.errors import RoadwiseError
        from roadwise.views.reports.wording import chance_below, say_money

        ws = self.workspace()
        try:
            ranks = ranks_from(self.priorities().items)
        except RoadwiseError:
            ranks = {}
        record = self.roadmap_of_record()
        order = QueueOrder(ranks, record.planned if record else ())

        def compute() -> dict[str, Any] | None:
            # The delivery forecast is the replay in this very order (same trials and seed):
            # its chances, and its measured errors for every replay below.
            simulation = self.delivery().simulation
            replayed, errors = simulation.roadmap, simulation.calibrations
            if replayed is None:
                return None
            chances = deadline_chances_in(ws, replayed)
            if chances is None:
                return None
            more, reached, short_because = hires_for_confidence(
                ws, order, chances.every, trials=self.trials, calibrations=errors
            )
            # With a roadmap of record: the same plan, each team starting its hard-deadline
            # work first (the priority queue starts dated commitments first already).
            first, first_cost = None, 0.0
            if record:
                found, first_cost = deadline_work_first_replay(
                    ws,
                    order,
                    replayed,
                    trials=self.trials,
                    seed=ws.settings.seed,
                    calibrations=errors,
                )
                first = found.every if found is not None else None
            return {
                "chances": chances,
                "target": CONFIDENCE_TARGET,
                "trials": self.trials,
                "more_hires": more,
                "with_more_hires": reached if more else None,
                "short_because": short_because,
                "reached_said": chance_below(reached, CONFIDENCE_TARGET),
                "plan": "the roadmap of record" if record else "the priority queue",
                "deadline_first": first if first is not None and first > chances.every else None,
                "deadline_first_cost": first_cost,
                "deadline_first_cost_said": say_money(abs(first_cost), ws.settings.currency),
            }

        return self._cached("deadline_confidence", compute)

    def capacity(self) -> list[Any]:
        from roadwise.engines.schedule.needs import capacity_vs_demand

        ws, roadmap = self.workspace(), self.roadmap()
        return self._cached(
            "capacity", lambda: capacity_vs_demand(ws, roadmap, sprints=CAPACITY_SPRINTS)
        )

    def over_allocated(self) -> tuple[list[Any], int, tuple[int, int]]:
        """People over-allocated in the Capacity page's sprints, as ``roadwise capacity``
        finds them: the person-sprints there, how many more come later, and the first and
        last sprint shown."""
        from roadwise.engines.schedule.needs import over_allocated_in

        ws, roadmap = self.workspace(), self.roadmap()
        return self._cached(
            "over_allocated", lambda: over_allocated_in(ws, roadmap, CAPACITY_SPRINTS)
        )

    def run_release(self, percentile: float = 0.8) -> tuple[Any, Any]:
        """Solve the next release now (HiGHS) and store the plan; returns (problem, plan)."""
        from roadwise.engines.release import ReleaseOptions, plan_release, release_problem

        ws = self.workspace()
        result = self.priorities()
        scores = {r.key: float(r.value if r.value > 0 else max(r.score, 0.0)) for r in result.items}
        wp = release_problem(ws, scores, ReleaseOptions(percentile=percentile))
        plan = plan_release(wp.problem, time_limit=RELEASE_TIME_LIMIT)
        return wp, plan

    def save_release(self, wp: Any, plan: Any, percentile: float, actor: str) -> Plan:
        import dataclasses

        from roadwise.engines.release import pareto_front
        from roadwise.views.cli.plan_release import plain_json, plan_payload

        # The options slide: the most value for each cap on points used (a few quick solves).
        front = pareto_front(wp.problem, plan, "cost", points=5, time_limit=1.0)
        extras = {
            "percentile": percentile,
            "pareto": {"cost": [dataclasses.asdict(point) for point in front]},
        }
        content = plan.selection.releases[0]
        verdict = "proven optimal" if plan.proven_optimal else f"gap {plan.gap:.1%}"
        stored = Plan(
            key=f"release-{content.release}",
            kind="release",
            created=dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0),
            summary=f"{len(plan.selection.items)} items, value {plan.value:,.0f} ({verdict}); "
            f"rank-and-fill {plan.greedy.value:,.0f}",
            payload=plain_json(plan_payload(wp, plan, extras)),
        )
        return self.store.save_plan(stored, actor=actor)

    def latest_release_plan(self) -> Plan | None:
        plans = self.store.list_plans("release")
        return plans[-1] if plans else None

    def feedback_analysis(self) -> Any:
        """The workspace's feedback analysed (classified, linked, themes, demand), or None
        without feedback; steps whose inputs are unchanged come from the analysis cache."""
        return self._cached("feedback", self._analyse_feedback)

    def _analyse_feedback(self) -> Any:
        from roadwise.engines.feedback import analyse_feedback
        from roadwise.sources.analysis_cache import analysis_cache
        from roadwise.sources.text_models import make_backend
        from roadwise.views.feedback_rows import feedback_settings

        ws = self.workspace()
        if not ws.feedback:
            return None
        settings = feedback_settings(ws)
        backend = make_backend(settings.backend, settings.model, settings.seed)
        return analyse_feedback(ws, backend, settings, cache=analysis_cache())

    def theme_item(self, theme: str, name: str, key: str, title: str | None, actor: str) -> Any:
        """Make theme ``theme`` (still named ``name``: theme keys are per analysis) a backlog
        item ``key``; the new item."""
        from roadwise.engines.feedback import theme_to_item
        from roadwise.views.feedback_rows import listed_theme

        summary = listed_theme(
            self.feedback_analysis(), theme, name, "reload the page (or list the themes again)"
        )
        currency = self.workspace().settings.currency
        ws = self.store.modify(
            lambda current: theme_to_item(current, summary, key, title, currency), actor=actor
        )
        return ws.item_by_key[key.strip()]

    def propose_links(self, actor: str) -> int:
        """Run the feedback linker and store its new proposals (decided links are kept)."""
        from roadwise.engines.feedback import updated_feedback

        ws = self.workspace()
        analysis = self.feedback_analysis()
        if analysis is None:
            return 0
        updated = {f.key: f for f in updated_feedback(ws, analysis)}

        def write(current: Workspace) -> Workspace:
            merged = []
            for f in current.feedback:
                new = updated.get(f.key)
                if new is not None:
                    decided = [x for x in f.links if x.confirmed is not None]
                    seen = {x.item for x in decided}
                    fresh = [x for x in new.links if x.confirmed is None and x.item not in seen]
                    f = f.model_copy(update={"links": decided + fresh})
                merged.append(f)
            return current.copy_with(feedback=merged)

        self.store.modify(write, actor=actor)
        return len(analysis.proposed)

    def compare_scenario(self, key: str) -> Any:
        """The workspace as is beside scenario ``key``: two roadmaps, what moved and why."""

        from roadwise.engines.scenario import (
            apply_scenario,
            compare_scenarios,
            without_missing_items,
        )
        from roadwise.views.stored_roadmap import targets_held_by

        ws = self.workspace()
        scenario = next((sc for sc in ws.scenarios if sc.key == key), None)
        if scenario is None:
            return None

        def compute() -> Any:
            # Changes to items removed since the scenario was saved are skipped (the page says so)
            changed = apply_scenario(ws, without_missing_items(ws, scenario)[0])
            # Both sides by the same deterministic search, as `roadwise scenario compare`: the
            # scenario planned from the "as is" plan would get that search and its own on top,
            # and come out cheaper even where it changes nothing. Targets are held where the
            # roadmap of record held them, as the Roadmap page holds them.
            held = targets_held_by(self.roadmap_of_record())
            comparison, _, _ = compare_scenarios(
                ws, changed, "as is", scenario.name, seed=ws.settings.seed, targets=held
            )
            return comparison

        return self._cached(f"scenario:{key}", compute)

    def chart(self, name: str, make: Callable[[], Any]) -> str | None:
        """An Altair chart as inline SVG (vl-convert, offline), cached with the workspace."""

        def compute() -> str | None:
            from roadwise.views.charts import to_svg

            try:
                return to_svg(make())
            except Exception:  # a chart is a nicety: the page still has the numbers
                return None

        return self._cached(f"chart:{name}", compute)
