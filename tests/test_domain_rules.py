"""Every workspace rule, broken in a file: the error names the file, line and field, and the
stored workspace is left exactly as it was."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from roadwise.errors import RoadwiseError
from roadwise.sources.yaml_file import (
    dump_workspace_yaml,
    merge_workspace_yaml,
    read_workspace_yaml,
)
from roadwise.workspace import Store, open_store
from workspace_strategies import small_workspace

GOOD = dump_workspace_yaml(small_workspace())


@dataclass(frozen=True)
class Case:
    name: str
    old: str  # text in the good file ...
    new: str  # ... replaced by this
    line: int  # where the error must point (in the edited file)
    field: str
    fragment: str  # part of the message


CASES = [
    # unique keys
    Case("duplicate item", "- key: S3\n", "- key: S1\n", 72, "items.3.key", "duplicate key 'S1'"),
    Case(
        "duplicate team",
        "- key: api\n  name: API",
        "- key: web\n  name: API",
        26,
        "teams.1.key",
        "duplicate key 'web'",
    ),
    Case(
        "duplicate person",
        "  - key: bo\n",
        "  - key: ana\n",
        29,
        "teams.1.people.0.key",
        "duplicate key 'ana'",
    ),
    Case(
        "duplicate key result",
        "    target: 2.0\n",
        "    target: 2.0\n  - key: KR1\n    metric: NPS\n    baseline: 1\n    target: 2\n",
        14,
        "objectives.0.key_results.1.key",
        "duplicate key 'KR1'",
    ),
    # references
    Case(
        "unknown dependency",
        "  - item: S1\n  team: api",
        "  - item: NOPE\n  team: api",
        67,
        "items.2.dependencies.0.item",
        "unknown item 'NOPE'",
    ),
    Case(
        "unknown parent",
        "  parent: E1\n  team: api\n  tags",
        "  parent: E9\n  team: api\n  tags",
        74,
        "items.3.parent",
        "unknown parent item 'E9'",
    ),
    Case(
        "unknown team",
        "  team: api\n  tags:\n  - email",
        "  team: ops\n  tags:\n  - email",
        75,
        "items.3.team",
        "unknown team 'ops'",
    ),
    Case(
        "unknown person",
        "  title: Receipts\n",
        "  title: Receipts\n  assignee: zed\n",
        74,
        "items.3.assignee",
        "unknown person 'zed'",
    ),
    Case(
        "unknown theme",
        "  theme: features\n- key: S1",
        "  theme: growth\n- key: S1",
        48,
        "items.0.theme",
        "unknown theme 'growth'",
    ),
    Case(
        "unknown objective",
        "  - objective: O1",
        "  - objective: O9",
        59,
        "items.1.objectives.0",
        "unknown objective 'O9'",
    ),
    Case(
        "unknown customer",
        "  - C1\n  release",
        "  - C9\n  release",
        70,
        "items.2.customers.0",
        "unknown customer 'C9'",
    ),
    Case("unknown release", "  release: R1", "  release: R9", 71, "items.2.release", "'R9'"),
    Case(
        "unknown feedback link",
        "  - item: S2\n    confirmed",
        "  - item: S9\n    confirmed",
        88,
        "feedback.0.links.0.item",
        "unknown item 'S9'",
    ),
    Case(
        "unknown feedback customer",
        "  customer: C1\n  date: 2026-02-01",
        "  customer: C9\n  date: 2026-02-01",
        85,
        "feedback.0.customer",
        "unknown customer 'C9'",
    ),
    Case(
        "unknown history team",
        "- key: H1\n  team: web",
        "- key: H1\n  team: ops",
        92,
        "history.0.team",
        "unknown team 'ops'",
    ),
    Case(
        "unknown decision item",
        "  items:\n  - S1\n",
        "  items:\n  - S9\n",
        100,
        "decisions.0.items.0",
        "unknown item 'S9'",
    ),
    # cycles
    Case(
        "dependency cycle",
        "  title: Card form\n",
        "  title: Card form\n  dependencies:\n  - item: S2\n",
        52,
        "items.1.dependencies.0.item",
        "dependency cycle: S1 -> S2 -> S1",
    ),
    Case(
        "long dependency cycle",
        "  title: Card form\n",
        "  title: Card form\n  dependencies:\n  - item: S3\n",
        0,  # filled below: S3 also gets a dependency on S2
        "",
        "dependency cycle: S1 -> S3 -> S2 -> S1",
    ),
    Case(
        "self dependency",
        "  - item: S1\n  team: api",
        "  - item: S2\n  team: api",
        63,
        "items.2",
        "cannot depend on itself",
    ),
    Case(
        "parent cycle",
        "  kind: epic\n",
        "  kind: epic\n  parent: S1\n",
        47,
        "items.0.parent",
        "parent cycle: E1 -> S1 -> E1",
    ),
    Case(
        "own parent",
        "  parent: E1\n  team: api\n  tags",
        "  parent: S3\n  team: api\n  tags",
        72,
        "items.3",
        "cannot be its own parent",
    ),
    # ranges
    Case(
        "unordered estimate",
        "    high: 5.0",
        "    high: 1.0",
        54,
        "items.1.estimate",
        "low <= likely <= high",
    ),
    Case(
        "unordered value range",
        "  status: done\n",
        "  status: done\n  value:\n    reach:\n      low: 5\n      likely: 2\n      high: 9\n",
        84,
        "items.4.value.reach",
        "low <= likely <= high",
    ),
    Case(
        "negative estimate",
        "    low: 2.0",
        "    low: -2.0",
        54,
        "items.1.estimate.low",
        "greater than or equal to 0",
    ),
    # shares
    Case(
        "technical risk above 1",
        "  status: done\n",
        "  status: done\n  technical_risk: 1.5\n",
        82,
        "items.4.technical_risk",
        "less than or equal to 1",
    ),
    Case(
        "confidence above 1",
        "  status: done\n",
        "  status: done\n  value:\n    confidence: 1.5\n",
        83,
        "items.4.value.confidence",
        "confidence is a share",
    ),
    Case(
        "contribution above 1",
        "    contribution: 0.5",
        "    contribution: 2",
        60,
        "items.1.objectives.0.contribution",
        "less than or equal to 1",
    ),
    Case(
        "theme share above 1",
        "  target_share: 0.6",
        "  target_share: 1.5",
        17,
        "themes.0.target_share",
        "less than or equal to 1",
    ),
    Case(
        "theme min above max",
        "  target_share: 0.6",
        "  min_share: 0.8\n  max_share: 0.5",
        15,
        "themes.0",
        "must not exceed max_share",
    ),
    Case(
        "theme targets above 1",
        "  target_share: 0.6\n",
        "  target_share: 0.6\n- key: debt\n  name: Tech debt\n  target_share: 0.6\n",
        15,
        "themes",
        "target_share values add up to 1.20",
    ),
    Case(
        "theme minimums above 1",
        "  target_share: 0.6\n",
        "  min_share: 0.7\n- key: debt\n  name: Tech debt\n  min_share: 0.7\n",
        15,
        "themes",
        "min_share values add up to 1.40",
    ),
    # dates
    Case("impossible date", "as_of: 2026-03-02", "as_of: 2026-02-30", 5, "as_of", "date"),
    Case(
        "not a date-time",
        "  created: 2026-01-05T09:00:00",
        "  created: yesterday",
        93,
        "history.0.created",
        "datetime",
    ),
    Case(
        "history done before created",
        "  done: 2026-01-09T17:00:00",
        "  done: 2026-01-01T17:00:00",
        91,
        "history.0",
        "done must not be before created",
    ),
    Case(
        "item done before started",
        "  status: done\n",
        "  status: done\n  started: 2026-02-01T00:00:00\n  done: 2026-01-01T00:00:00\n",
        78,
        "items.4",
        "done must not be before started",
    ),
    Case(
        "release starts after its date",
        "    date: 2026-04-30\n",
        "    date: 2026-04-30\n    start: 2026-05-10\n",
        35,
        "cycles.releases.0",
        "start must not be after its date",
    ),
    Case(
        "person leaves before joining",
        "    - go\n",
        "    - go\n    joins: 2026-01-01\n    leaves: 2025-01-01\n",
        29,
        "teams.1.people.0",
        "leaves must not be before joins",
    ),
    Case(
        "days off end before start",
        "    - ui\n",
        "    - ui\n    days_off:\n    - start: 2026-05-02\n      end: 2026-05-01\n",
        27,
        "teams.0.people.0.days_off.0",
        "must not be before start",
    ),
    Case(
        "sprint length zero",
        "cycles:\n",
        "cycles:\n  sprint_length_days: 0\n",
        34,
        "cycles.sprint_length_days",
        "greater than or equal to 1",
    ),
]


def _edited(case: Case) -> str:
    assert case.old in GOOD, case.name
    text = GOOD.replace(case.old, case.new, 1)
    if case.name == "long dependency cycle":
        text = text.replace(
            "  title: Receipts\n", "  title: Receipts\n  dependencies:\n  - item: S2\n"
        )
    return text


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with open_store(tmp_path_factory.mktemp("rules") / "roadwise.db") as store:
        store.replace(small_workspace(), actor="setup")
        yield store


def _expected(case: Case, text: str) -> tuple[int, str]:
    if case.name == "long dependency cycle":
        # Pinned on S1's dependency on S3, the first edge of the cycle.
        lines = text.splitlines()
        return lines.index("  - item: S3") + 1, "items.1.dependencies.0.item"
    return case.line, case.field


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_broken_rule_names_file_line_field_and_writes_nothing(
    case: Case, store: Store, tmp_path: Path
) -> None:
    text = _edited(case)
    path = tmp_path / "workspace.yaml"
    path.write_text(text, encoding="utf-8")
    line, field = _expected(case, text)
    before = store.load()
    audit_before = len(store.audit_entries())

    # Reading the file on its own (import --replace) ...
    with pytest.raises(RoadwiseError) as read_error:
        read_workspace_yaml(path)
    # ... and merging it into the stored workspace (import) report the same place.
    with pytest.raises(RoadwiseError) as merge_error:
        store.modify(lambda ws: merge_workspace_yaml(ws, path), actor="test")

    for caught in (read_error.value, merge_error.value):
        assert caught.file == str(path)
        assert (caught.line, caught.field) == (line, field), str(caught)
        assert case.fragment in caught.message
        assert f"line {line}" in str(caught) and f"field '{field}'" in str(caught)
    assert store.load() == before
    assert len(store.audit_entries()) == audit_before


def test_the_good_file_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "workspace.yaml"
    path.write_text(GOOD, encoding="utf-8")
    assert read_workspace_yaml(path) == small_workspace()


def test_inherited_takes_the_nearest_ancestors_value() -> None:
    import datetime as dt

    from roadwise.domain import Cycles, Item, ItemKind, Release, Theme, Workspace

    ws = Workspace(
        name="t",
        themes=[Theme(key="growth", name="Growth")],
        cycles=Cycles(
            releases=[
                Release(key="R1", name="1", date=dt.date(2026, 3, 1)),
                Release(key="R2", name="2", date=dt.date(2026, 6, 1)),
            ]
        ),
        items=[
            Item(key="E", title="Epic", kind=ItemKind.EPIC, theme="growth", release="R1"),
            Item(key="F", title="Feature", kind=ItemKind.FEATURE, parent="E", release="R2"),
            Item(key="S", title="Story", kind=ItemKind.STORY, parent="F"),
        ],
    )
    story = ws.item_by_key["S"]
    assert ws.inherited(story, "release") == "R2"  # the feature's, not the epic's
    assert ws.inherited(story, "theme") == "growth"
    assert ws.inherited(story, "team") is None
    assert ws.inherited(ws.item_by_key["E"], "release") == "R1"


def test_ancestor_keys_nearest_first_and_the_walk_up_agrees() -> None:
    """The prioritisation's ancestors and the roadmap's has_ancestor walk the same chain: the
    parents' keys, nearest first, ending at a parent the workspace lacks (a partial view)."""
    from roadwise.domain import Item, ItemKind
    from roadwise.domain.workspace import ancestor_keys, ancestry
    from roadwise.engines.schedule.roadmap import has_ancestor

    epic = Item(key="E", title="epic", kind=ItemKind.EPIC, parent="GONE")
    feature = Item(key="F", title="feature", kind=ItemKind.FEATURE, parent="E")
    story = Item(key="S", title="story", parent="F")
    by_key = {i.key: i for i in (epic, feature, story)}
    assert ancestor_keys(story, by_key) == ("F", "E", "GONE")
    assert [a.key for a in ancestry(story, by_key)[1:]] == ["F", "E"]
    assert (
        ancestor_keys(epic, by_key) == ("GONE",)
        and ancestor_keys(Item(key="X", title="x"), by_key) == ()
    )
    for keys in ({"F"}, {"E"}, {"GONE"}):
        assert has_ancestor(story, keys, by_key)
    assert not has_ancestor(story, {"S", "X"}, by_key)


@pytest.mark.parametrize("title", ["", "   ", "\t\n"])
def test_a_blank_title_is_refused_where_items_are_made(title: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from roadwise.domain import Item
    from roadwise.views.cli import app

    with pytest.raises(ValueError, match=r"must not be blank|at least 1 character"):
        Item(key="A-1", title=title)
    db = str(tmp_path / "ws.db")
    open_store(db).replace(small_workspace())
    result = CliRunner().invoke(app, ["items", "add", "NEW-1", "--title", title, "--db", db])
    assert result.exit_code != 0
    assert "field 'title'" in result.output
    assert all(i.key != "NEW-1" for i in open_store(db).load().items)


def test_a_broken_copy_names_the_record_by_key_in_plain_words() -> None:
    from roadwise.errors import ValidationError

    ws = small_workspace()
    feedback = [{**f.model_dump(), "label": "nonsense"} for f in ws.feedback]
    with pytest.raises(ValidationError) as caught:
        ws.copy_with(feedback=feedback)
    assert caught.value.field == "feedback[F1].label"
    assert caught.value.message.startswith("unknown label 'nonsense'")
    with pytest.raises(ValidationError) as caught:
        ws.copy_with(teams=[*ws.teams, ws.teams[0]])
    assert caught.value.field == f"teams[{ws.teams[0].key}].key"
    assert caught.value.message == (
        f"duplicate key '{ws.teams[0].key}': teams has it twice; keys must be unique"
    )


def test_history_by_team_keeps_every_record_in_order() -> None:
    from roadwise.sample import generate_sample

    ws = generate_sample()
    grouped = ws.history_by_team
    assert sum(len(v) for v in grouped.values()) == len(ws.history)
    for team, records in grouped.items():
        assert records == [r for r in ws.history if r.team == team]
