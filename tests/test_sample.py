"""The sample product: deterministic, big enough, coherent and realistic enough to plan with."""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
import re
import statistics
from collections import Counter, defaultdict

import holidays
import pytest

from roadwise.domain import (
    ItemKind,
    Status,
    Workspace,
    check_rules,
    topological_order,
)
from roadwise.sample import DEFAULT_AS_OF, generate_sample

# Words too common to show that a text is about a particular item.
STOPWORDS = frozenset(
    re.findall(
        r"\w+",
        "this that with what when from have your they them their there would could should "
        "about into more than just only also been were will does like make need want please "
        "thanks thank still really after before every which while other some same then team "
        "teams request requests kitewire",
    )
)


@pytest.fixture(scope="module")
def ws() -> Workspace:
    return generate_sample(seed=7)


def _stems(text: str) -> set[str]:
    return {w[:5] for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in STOPWORDS}


# --------------------------------------------------------------------------- determinism


def test_same_seed_gives_the_same_workspace_byte_for_byte(ws: Workspace) -> None:
    again = generate_sample(seed=7)
    assert again.model_dump_json() == ws.model_dump_json()


def test_another_seed_gives_another_workspace(ws: Workspace) -> None:
    other = generate_sample(seed=8)
    assert other.model_dump_json() != ws.model_dump_json()
    assert [i.title for i in other.items] != [i.title for i in ws.items]


def test_default_as_of_is_fixed_and_can_be_moved(ws: Workspace) -> None:
    assert ws.as_of == DEFAULT_AS_OF
    assert ws.as_of.weekday() == 0
    moved = generate_sample(seed=7, as_of=dt.date(2025, 3, 3))
    assert moved.as_of == dt.date(2025, 3, 3)
    assert max(r.done for r in moved.history).date() <= moved.as_of
    assert max(f.date for f in moved.feedback) <= moved.as_of
    assert all(r.date > moved.as_of for r in moved.cycles.releases[1:])


# --------------------------------------------------------------------------- rules and counts


def test_every_workspace_rule_holds_and_survives_a_round_trip(ws: Workspace) -> None:
    check_rules(ws)
    reloaded = Workspace.model_validate(ws.model_dump())
    assert reloaded.model_dump_json() == ws.model_dump_json()
    assert len(topological_order(ws.items)) == len(ws.items)


def test_counts_meet_the_minimums(ws: Workspace) -> None:
    assert 3 <= len(ws.objectives) <= 4
    assert all(len(o.key_results) >= 2 for o in ws.objectives)
    for kr in (kr for o in ws.objectives for kr in o.key_results):
        assert kr.current is not None and kr.unit is not None and kr.baseline != kr.target
    assert len(ws.open_items()) >= 150
    assert len(ws.teams) == 4
    assert all(len(t.people) >= 4 for t in ws.teams)
    assert len(ws.customers) >= 60
    assert len(ws.history) >= 2000
    assert len(ws.feedback) >= 2000
    assert len(ws.decisions) >= 3
    kinds = Counter(i.kind for i in ws.open_items())
    assert kinds[ItemKind.BUG] >= 5 and kinds[ItemKind.TECH_DEBT] >= 5


def test_themes_shares_are_sensible(ws: Workspace) -> None:
    keys = {t.key for t in ws.themes}
    assert {"new_features", "tech_debt", "reliability"} <= keys
    assert sum(t.target_share or 0 for t in ws.themes) == pytest.approx(1.0)
    assert sum(t.min_share for t in ws.themes) < 1.0
    assert {i.theme for i in ws.open_items()} <= keys


def test_cycles_have_two_week_sprints_and_quarterly_releases(ws: Workspace) -> None:
    assert ws.cycles.sprint_length_days == 14
    future = [r for r in ws.cycles.releases if r.date > ws.as_of]
    assert len(future) >= 4
    gaps = [(b.date - a.date).days for a, b in itertools.pairwise(future)]
    assert all(85 <= g <= 98 for g in gaps)
    assert future[-1].date <= ws.as_of + dt.timedelta(days=400)


# --------------------------------------------------------------------------- backlog


def test_hierarchy_is_epic_feature_story(ws: Workspace) -> None:
    by_key = ws.item_by_key
    stories = [i for i in ws.items if i.kind == ItemKind.STORY]
    assert stories and all(i.parent for i in stories)
    for story in stories:
        feature = by_key[story.parent or ""]
        assert feature.kind == ItemKind.FEATURE
        assert by_key[feature.parent or ""].kind == ItemKind.EPIC
    assert all(i.parent is None for i in ws.items if i.kind == ItemKind.EPIC)
    depth3 = [s for s in stories if s.is_open]
    assert len(depth3) >= 60


def test_open_leaf_items_carry_estimates_skewed_right(ws: Workspace) -> None:
    leaves = ws.leaf_items(ws.open_items())
    leaves = [i for i in leaves if i.kind != ItemKind.EPIC]
    assert all(i.estimate is not None for i in leaves)
    skewed = [
        i
        for i in leaves
        if i.estimate and i.estimate.high - i.estimate.likely > i.estimate.likely - i.estimate.low
    ]
    assert len(skewed) / len(leaves) > 0.8


def test_value_inputs_are_complete_and_some_are_uncertain(ws: Workspace) -> None:
    scored = [i for i in ws.open_items() if i.kind != ItemKind.EPIC]
    for item in scored:
        v = item.value
        assert None not in (
            v.reach,
            v.impact,
            v.confidence,
            v.ease,
            v.business_value,
            v.time_criticality,
            v.risk_reduction,
            v.cost_of_delay,
            v.kano,
            v.moscow,
        )
    ranges = [
        i
        for i in scored
        if not isinstance(i.value.reach, float) or not isinstance(i.value.cost_of_delay, float)
    ]
    assert 0.1 < len(ranges) / len(scored) < 0.8
    assert len({i.technical_risk for i in scored}) > 10


def test_about_fifteen_percent_of_leaves_depend_on_others_some_across_teams(
    ws: Workspace,
) -> None:
    leaves = ws.leaf_items(ws.open_items())
    share = sum(1 for i in leaves if i.dependencies) / len(leaves)
    assert 0.10 <= share <= 0.20
    by_key = ws.item_by_key
    cross = [(i, d) for i in ws.items for d in i.dependencies if by_key[d.item].team != i.team]
    assert len(cross) >= 3


def test_deadlines_skills_teams_objectives_and_customers_are_coherent(ws: Workspace) -> None:
    deadlines = [i.deadline for i in ws.items if i.deadline]
    assert 3 <= len(deadlines) <= 15
    assert any(d.hard for d in deadlines) and any(not d.hard for d in deadlines)
    assert all(d.date > ws.as_of and d.reason for d in deadlines)
    teams = ws.team_by_key
    for item in ws.items:
        assert item.team in teams
        assert set(item.skills) <= teams[item.team].skills
    open_features = [i for i in ws.open_items() if i.kind == ItemKind.FEATURE]
    assert all(i.objectives for i in open_features)
    assert sum(1 for i in open_features if i.customers) >= len(open_features) // 2


def test_work_in_flight_and_recent_deliveries(ws: Workspace) -> None:
    in_flight = [i for i in ws.leaf_items() if i.status == Status.IN_PROGRESS]
    assert 3 <= len(in_flight) <= 20
    assert all(i.started and i.assignee for i in in_flight)
    finished = [i for i in ws.items if i.status.is_finished]
    assert len(finished) >= 5
    assert all(i.done and i.done.date() <= ws.as_of for i in finished)
    assert all(ws.as_of - i.done.date() < dt.timedelta(days=90) for i in finished if i.done)
    shipped = ws.cycles.releases[0]
    assert shipped.date <= ws.as_of
    assert any(i.status == Status.LAUNCHED and i.release == shipped.key for i in finished)
    history_keys = {r.key for r in ws.history}
    assert all(i.key in history_keys for i in ws.leaf_items(finished))


# --------------------------------------------------------------------------- people


def test_teams_have_named_people_with_skills_calendars_and_a_new_hire(ws: Workspace) -> None:
    people = [p for t in ws.teams for p in t.people]
    assert len({p.name for p in people}) == len(people)
    assert all(" " in p.name and p.skills and p.cost_per_day > 0 for p in people)
    countries = {p.country for p in people}
    assert len(countries) >= 3
    for country in countries:
        assert holidays.country_holidays(country, years=ws.as_of.year)
    assert any(p.days_off for p in people)
    hires = [p for p in people if p.joins and p.joins > ws.as_of]
    assert hires and all(p.ramp_up_days > 0 for p in hires)
    skills = set().union(*(t.skills for t in ws.teams))
    assert {"backend", "frontend", "mobile", "data", "infra", "design", "qa"} <= skills
    assert len({t.points_per_person_day for t in ws.teams}) >= 3


def test_customer_revenue_is_heavy_tailed(ws: Workspace) -> None:
    revenue = sorted((c.annual_revenue for c in ws.customers), reverse=True)
    top_tenth = sum(revenue[: len(revenue) // 10])
    assert top_tenth / sum(revenue) > 0.25
    assert statistics.mean(revenue) > statistics.median(revenue)
    assert len({c.tier for c in ws.customers}) >= 3
    assert len({c.segment for c in ws.customers}) >= 6


# --------------------------------------------------------------------------- history


def _weekly(ws: Workspace, team: str | None = None) -> dict[dt.date, int]:
    counts: dict[dt.date, int] = defaultdict(int)
    for r in ws.history:
        if team is None or r.team == team:
            day = r.done.date()
            counts[day - dt.timedelta(days=day.weekday())] += 1
    return counts


def test_history_spans_two_years_with_ordered_timestamps(ws: Workspace) -> None:
    first = min(r.done for r in ws.history).date()
    assert (ws.as_of - first).days >= 700
    assert all(r.started and r.created <= r.started <= r.done for r in ws.history)
    weekend = sum(1 for r in ws.history if r.done.weekday() >= 5)
    assert weekend / len(ws.history) < 0.03
    assert {r.team for r in ws.history} == {t.key for t in ws.teams}


def test_throughput_dips_at_christmas(ws: Workspace) -> None:
    weekly = _weekly(ws)
    typical = statistics.median(weekly.values())
    holiday_weeks = [
        count
        for monday, count in weekly.items()
        if (monday.month == 12 and monday.day >= 21) or (monday.month == 1 and monday.day <= 1)
    ]
    assert holiday_weeks
    assert statistics.mean(holiday_weeks) < 0.6 * typical


def test_teams_differ_in_throughput_cycle_time_and_estimation_bias(ws: Workspace) -> None:
    per_team = {t.key: sum(_weekly(ws, t.key).values()) for t in ws.teams}
    assert max(per_team.values()) > 1.3 * min(per_team.values())
    cycle = {
        t.key: statistics.median(
            (r.done - r.started).total_seconds() / 86400
            for r in ws.history
            if r.team == t.key and r.started
        )
        for t in ws.teams
    }
    assert max(cycle.values()) > 1.2 * min(cycle.values())
    bias = {
        t.key: statistics.mean(
            (r.points or 0) / r.estimate.likely
            for r in ws.history
            if r.team == t.key and r.estimate
        )
        for t in ws.teams
    }
    assert max(bias.values()) > 1.2 * min(bias.values())
    sizes = {r.points for r in ws.history}
    assert sizes <= {1, 2, 3, 5, 8, 13, 21}


def test_cycle_times_are_right_skewed(ws: Workspace) -> None:
    days = [(r.done - r.started).total_seconds() / 86400 for r in ws.history if r.started]
    assert statistics.mean(days) > 1.1 * statistics.median(days)


def test_throughput_varies_week_to_week(ws: Workspace) -> None:
    counts = list(_weekly(ws, "workflow").values())
    assert statistics.pstdev(counts) / statistics.mean(counts) > 0.2


# --------------------------------------------------------------------------- feedback


def test_feedback_has_ground_truth_labels_sentiment_and_ratings(ws: Workspace) -> None:
    labels = Counter(f.label for f in ws.feedback)
    assert set(labels) == {"bug", "feature", "praise", "question", "other"}
    assert all(labels[k] >= 50 for k in labels)
    assert {f.sentiment for f in ws.feedback} == {"positive", "neutral", "negative"}
    reviews = [f for f in ws.feedback if f.source.value == "app_review"]
    assert reviews and all(f.rating for f in reviews)
    praise = [f.rating for f in reviews if f.label == "praise" and f.rating]
    bugs = [f.rating for f in reviews if f.label == "bug" and f.rating]
    assert statistics.mean(praise) > statistics.mean(bugs) + 2
    assert len({f.source for f in ws.feedback}) >= 5
    tied = sum(1 for f in ws.feedback if f.customer)
    assert tied / len(ws.feedback) > 0.8


def test_feedback_dates_cover_the_last_eighteen_months(ws: Workspace) -> None:
    days = [(ws.as_of - f.date).days for f in ws.feedback]
    assert min(days) >= 0 and max(days) <= 560
    assert max(days) > 450


def test_linked_feedback_talks_about_its_item_in_its_own_words(ws: Workspace) -> None:
    linked = [f for f in ws.feedback if f.links]
    assert len(linked) >= 500
    assert all(link.confirmed is True for f in linked for link in f.links)
    by_key = ws.item_by_key
    related = sum(
        1
        for f in linked
        if _stems(f.text)
        & _stems(by_key[f.links[0].item].title + " " + by_key[f.links[0].item].description)
    )
    assert related / len(linked) > 0.85
    verbatim = sum(1 for f in linked if by_key[f.links[0].item].title.lower() in f.text.lower())
    assert verbatim / len(linked) < 0.15


def test_feedback_contains_exact_and_near_duplicates(ws: Workspace) -> None:
    texts = Counter(f.text for f in ws.feedback)
    assert sum(1 for c in texts.values() if c > 1) >= 20
    groups: dict[tuple[str | None, str], list[str]] = defaultdict(list)
    for f in ws.feedback:
        if f.links:
            groups[(f.customer, f.links[0].item)].append(f.text)
    near = 0
    for group in groups.values():
        unique = sorted(set(group))
        for i, a in enumerate(unique):
            for b in unique[i + 1 :]:
                if difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio() > 0.9:
                    near += 1
    assert near >= 10
    assert len(texts) / len(ws.feedback) > 0.8


def test_feedback_raises_topics_outside_the_backlog_some_rising(ws: Workspace) -> None:
    unlinked_requests = [f for f in ws.feedback if f.label == "feature" and not f.links]
    assert len(unlinked_requests) >= 100

    def mentions(start: int, end: int) -> int:
        return sum(
            1
            for f in unlinked_requests
            if start <= (ws.as_of - f.date).days < end
            and re.search(r"WhatsApp|\bAI\b|satisfaction|CSAT", f.text)
        )

    assert mentions(0, 180) > 2 * mentions(180, 360)


def test_text_reads_like_people_wrote_it(ws: Workspace) -> None:
    texts = [f.text for f in ws.feedback]
    texts += [t for i in ws.items for t in (i.title, i.description)]
    texts += [r.title for r in ws.history]
    texts += [t for d in ws.decisions for t in (d.title, d.rationale)]
    for text in texts:
        assert text.strip() == text and text
        assert not re.search(r"[{}]|\bNone\b|\bnan\b|\s\s|\.\.(?!\.)", text), text
    open_titles = [i.title for i in ws.open_items()]
    assert len(set(open_titles)) / len(open_titles) > 0.95
    assert not any(re.fullmatch(r"(Item|Story|Feature) \d+", t) for t in open_titles)
    words = Counter(w for i in ws.open_items() for w in re.findall(r"[a-z]+", i.title.lower()))
    assert len(words) > 250
