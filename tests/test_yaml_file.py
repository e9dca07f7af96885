"""The workspace YAML file: lossless, stable round-trips and errors that point at the line."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from roadwise.domain import Dependency, Item, Workspace
from roadwise.errors import RoadwiseError
from roadwise.sources.yaml_file import (
    dump_workspace_yaml,
    merge_workspace_yaml,
    read_workspace_yaml,
    write_workspace_yaml,
)
from workspace_strategies import small_workspace, workspaces


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workspaces())
def test_round_trip_is_lossless_and_stable(ws: Workspace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ws.yaml"
        write_workspace_yaml(ws, path)
        back = read_workspace_yaml(path)
        assert back == ws
        # Writing what was read gives the same bytes: the file is a stable, diffable form.
        assert dump_workspace_yaml(back) == path.read_text(encoding="utf-8")


def test_file_leaves_out_defaults_and_keeps_field_order(tmp_path: Path) -> None:
    path = write_workspace_yaml(small_workspace(), tmp_path / "ws.yaml")
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert "as_of: 2026-03-02" in lines  # ISO dates, always written
    assert "kind: story" not in text  # the default kind is left out
    assert "value:" not in text  # so are empty value inputs
    # key then title, in the model's order, for every item
    first_item = lines.index("items:") + 1
    assert lines[first_item : first_item + 2] == ["- key: E1", "  title: Checkout"]


def test_one_change_is_a_one_line_diff(tmp_path: Path) -> None:
    ws = small_workspace()
    before = dump_workspace_yaml(ws).splitlines()
    items = [
        i.model_copy(update={"title": "Card form v2"}) if i.key == "S1" else i for i in ws.items
    ]
    after = dump_workspace_yaml(ws.copy_with(items=items)).splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [("  title: Card form", "  title: Card form v2")]


def test_multiline_text_is_a_block_and_dates_are_iso(tmp_path: Path) -> None:
    ws = small_workspace()
    item = Item(
        key="N1",
        title="2026-01-01",  # looks like a date, must stay text
        description="first line\nsecond line",
        created=dt.datetime(2026, 1, 2, 9, 30),
    )
    ws = ws.copy_with(items=[*ws.items, item])
    path = write_workspace_yaml(ws, tmp_path / "ws.yaml")
    text = path.read_text(encoding="utf-8")
    assert "description: |-\n    first line\n    second line" in text
    assert "created: 2026-01-02T09:30:00" in text
    assert read_workspace_yaml(path).item_by_key["N1"].title == "2026-01-01"


def test_time_zones_become_utc(tmp_path: Path) -> None:
    path = tmp_path / "ws.yaml"
    path.write_text(
        "name: x\nas_of: 2026-01-01\nitems:\n- key: A\n  title: a\n"
        "  created: 2026-01-02T10:00:00+02:00\n",
        encoding="utf-8",
    )
    assert read_workspace_yaml(path).items[0].created == dt.datetime(2026, 1, 2, 8, 0)


def test_text_that_looks_like_a_moment_with_a_time_zone_stays_text(tmp_path: Path) -> None:
    """Only moments become UTC: a title or a setting is kept exactly as written."""
    path = tmp_path / "ws.yaml"
    path.write_text(
        "name: x\nas_of: 2026-01-01\nitems:\n- key: A\n"
        '  title: "2026-03-02T09:30+02:00"\n'
        '  created: "2026-01-02T10:00:00+02:00"\n'
        "settings:\n  extra:\n    launch: '2026-03-02 09:30:00Z'\n",
        encoding="utf-8",
    )
    ws = read_workspace_yaml(path)
    assert ws.items[0].title == "2026-03-02T09:30+02:00"
    assert ws.items[0].created == dt.datetime(2026, 1, 2, 8, 0)  # quoted, still a moment
    assert ws.settings.extra["launch"] == "2026-03-02 09:30:00Z"


@pytest.mark.parametrize(
    ("content", "line", "fragment"),
    [
        ("name: x\nitems:\n- key: A\n  title: [unclosed\n", 5, "not valid YAML"),
        ("name: x\nname: y\n", 2, "appears twice"),
        ("- just\n- a list\n", 1, "must be a mapping"),
        ("name: x\nitems:\n- key: A\n  titel: typo\n", 4, "unknown field 'titel'"),
        ("name: x\nitems:\n- key: A\n", 3, "missing required field 'title'"),
    ],
)
def test_malformed_files_name_the_line(
    tmp_path: Path, content: str, line: int, fragment: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RoadwiseError) as caught:
        read_workspace_yaml(path)
    assert caught.value.file == str(path)
    assert caught.value.line == line
    assert fragment in caught.value.message


def test_missing_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(RoadwiseError, match="file not found"):
        read_workspace_yaml(tmp_path / "nope.yaml")


def test_merge_replaces_by_key_and_keeps_the_rest(tmp_path: Path) -> None:
    ws = small_workspace()
    path = tmp_path / "part.yaml"
    path.write_text(
        "items:\n"
        "- key: S3\n  title: Receipts by email\n  parent: E1\n  team: api\n"
        "- key: N1\n  title: New one\n  dependencies:\n  - item: S2\n",
        encoding="utf-8",
    )
    merged = merge_workspace_yaml(ws, path)
    assert [i.key for i in merged.items] == ["E1", "S1", "S2", "S3", "B1", "N1"]
    assert merged.item_by_key["S3"].title == "Receipts by email"
    assert merged.teams == ws.teams and merged.name == ws.name


def test_merge_error_points_at_the_file_line(tmp_path: Path) -> None:
    path = tmp_path / "part.yaml"
    path.write_text("items:\n- key: N1\n  title: New\n  team: nowhere\n", encoding="utf-8")
    with pytest.raises(RoadwiseError) as caught:
        merge_workspace_yaml(small_workspace(), path)
    assert (caught.value.line, caught.value.field) == (4, "items.0.team")
    assert "unknown team 'nowhere'" in caught.value.message


def test_a_cycle_the_file_closes_with_stored_items_is_reported_at_its_line(
    tmp_path: Path,
) -> None:
    """Stored S1 waits for S3 and the file makes S3 wait for S1: the error named the stored
    edge, first in key order ('(stored) items[S1]…'), and no line of the file."""
    ws = small_workspace()
    ws = ws.copy_with(
        items=[
            i.model_copy(update={"dependencies": [Dependency(item="S3")]}) if i.key == "S1" else i
            for i in ws.items
        ]
    )
    path = tmp_path / "part.yaml"
    path.write_text(
        "items:\n- key: S3\n  title: Receipts\n  dependencies:\n  - item: S1\n",
        encoding="utf-8",
    )
    with pytest.raises(RoadwiseError) as caught:
        merge_workspace_yaml(ws, path)
    assert (caught.value.line, caught.value.field) == (5, "items.0.dependencies.0.item")
    assert "dependency cycle: S1 -> S3 -> S1" in caught.value.message


def test_an_empty_file_is_called_empty(tmp_path: Path) -> None:
    """It was "a workspace file must be a mapping of fields", at line 1 of a file with none."""
    path = tmp_path / "ws.yaml"
    for text in ("", "# nothing yet\n"):
        path.write_text(text, encoding="utf-8")
        for read in (
            lambda: merge_workspace_yaml(small_workspace(), path),
            lambda: read_workspace_yaml(path),
        ):
            with pytest.raises(RoadwiseError) as caught:
                read()
            assert (caught.value.line, caught.value.message) == (
                None,
                "the file is empty; a workspace file holds fields such as name: and items:",
            )


def test_a_key_given_twice_names_both_lines(tmp_path: Path) -> None:
    """The rule named the first one by its position in the list ("also at position 5" for the
    file's first item: counted from 0, and after the stored items when merged)."""
    path = tmp_path / "part.yaml"
    path.write_text(
        "items:\n- key: N1\n  title: New\n- key: N1\n  title: Again\n"
        "teams:\n- key: web\n  name: Web\n  people:\n  - key: ana\n    name: Ana\n"
        "- key: ops\n  name: Ops\n  people:\n  - key: ana\n    name: Ana too\n",
        encoding="utf-8",
    )
    for read in (
        lambda: merge_workspace_yaml(small_workspace(), path),
        lambda: read_workspace_yaml(path),
    ):
        with pytest.raises(RoadwiseError) as caught:
            read()
        assert (caught.value.line, caught.value.field) == (4, "items.1.key")
        assert caught.value.message.startswith("duplicate key 'N1' (also at line 2);")
    path.write_text(path.read_text().replace("- key: N1\n  title: Again\n", ""))
    with pytest.raises(RoadwiseError) as caught:
        read_workspace_yaml(path)
    assert (caught.value.line, caught.value.field) == (13, "teams.1.people.0.key")
    assert caught.value.message.startswith("duplicate key 'ana' (also at line 8);")


def test_a_merge_breaking_a_stored_record_names_it_by_key(tmp_path: Path) -> None:
    """A file's team without Ana leaves a stored item assigned to nobody known: the error
    names that item by its key, not by its position in the stored list."""
    ws = small_workspace()
    ws = ws.copy_with(
        items=[i.model_copy(update={"assignee": "ana"}) if i.key == "S1" else i for i in ws.items]
    )
    path = tmp_path / "part.yaml"
    path.write_text("teams:\n- key: web\n  name: Web\n", encoding="utf-8")
    with pytest.raises(RoadwiseError) as caught:
        merge_workspace_yaml(ws, path)
    assert (caught.value.line, caught.value.field) == (None, "(stored) items[S1].assignee")
    assert caught.value.message == "unknown person 'ana'"


def _models(model: type, seen: set[type]) -> set[type]:
    """Every model reachable from ``model`` through its fields."""
    import typing

    from pydantic import BaseModel

    seen.add(model)
    for field in model.model_fields.values():  # type: ignore[attr-defined]
        stack = [field.annotation]
        while stack:
            annotation = stack.pop()
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                if annotation not in seen:
                    _models(annotation, seen)
            else:
                stack.extend(typing.get_args(annotation))
    return seen


def test_docs_describe_every_field_of_every_entity() -> None:
    doc = Path(__file__).resolve().parent.parent / "docs" / "workspace.md"
    text = doc.read_text(encoding="utf-8")
    missing = [
        f"{model.__name__}.{name}"
        for model in _models(Workspace, set())
        for name in model.model_fields
        if f"| `{name}` |" not in text
    ]
    assert missing == [], "docs/workspace.md does not describe: " + ", ".join(sorted(missing))


def test_the_example_in_the_docs_is_a_valid_workspace(tmp_path: Path) -> None:
    doc = Path(__file__).resolve().parent.parent / "docs" / "workspace.md"
    text = doc.read_text(encoding="utf-8")
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "example.yaml"
    path.write_text(example, encoding="utf-8")
    ws = read_workspace_yaml(path)
    assert [i.key for i in ws.items] == ["E1", "S1", "S2"]
    assert ws.item_by_key["S1"].dependencies[0].lag_days == 2
