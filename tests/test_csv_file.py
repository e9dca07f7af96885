"""Items to and from CSV: lossless round-trips, column mappings, errors naming row and column."""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from roadwise.domain import (
    Deadline,
    Dependency,
    Estimate,
    Item,
    Range,
    SourceRef,
    Status,
    ValueInputs,
    Workspace,
)
from roadwise.errors import RoadwiseError
from roadwise.sources.csv_file import (
    import_items_csv,
    items_to_csv,
    parse_mapping,
    read_items_csv,
    write_items_csv,
)
from roadwise.sources.yaml_file import read_workspace_yaml
from roadwise.views.cli import app
from roadwise.workspace import open_store
from workspace_strategies import items, keys, small_workspace


@st.composite
def backlogs(draw: st.DrawFn) -> list[Item]:
    item_keys = draw(st.lists(keys, unique=True, min_size=1, max_size=5))
    return draw(
        items(
            item_keys,
            teams=["web"],
            people=["ana"],
            themes=["new"],
            objectives=["O1"],
            customers=["C1"],
            releases=["R1"],
        )
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(backlogs())
def test_round_trip_is_lossless(backlog: list[Item]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = write_items_csv(backlog, Path(folder) / "items.csv")
        assert read_items_csv(path) == backlog
        assert items_to_csv(read_items_csv(path)).encode() == path.read_bytes()


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_mapping_reads_a_tracker_export(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "jira.csv",
        "Issue key,Summary,Story Points,Status,Labels,Sprint\n"
        "PAY-1,Card form,5,In Progress,ui; payments,Sprint 3\n"
        "PAY-2,Refunds,2/3/8,To Do,,Sprint 4\n",
    )
    mapping = parse_mapping(
        "Issue key=key,Summary=title,Story Points=estimate,Status=status,Labels=tags"
    )
    first, second = read_items_csv(path, mapping)
    assert (first.key, first.title, first.status) == ("PAY-1", "Card form", Status.IN_PROGRESS)
    assert first.estimate == Estimate(low=5, likely=5, high=5)
    assert first.tags == ["ui", "payments"]
    assert second.status == Status.READY
    assert second.estimate == Estimate(low=2, likely=3, high=8)


def test_mapping_file_and_reversed_pairs(tmp_path: Path) -> None:
    mapping_file = _write(tmp_path / "map.yaml", "Issue key: key\nSummary: title\nNotes: '-'\n")
    assert parse_mapping(mapping_file) == {"Issue key": "key", "Summary": "title", "Notes": "-"}
    # field=Column, the way `roadwise history import` takes it, is understood too
    assert parse_mapping("key=Issue key,title=Summary") == {
        "Issue key": "key",
        "Summary": "title",
    }
    with pytest.raises(RoadwiseError, match="not an item field"):
        parse_mapping("Summary=titel")


def test_value_ranges_and_links(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "items.csv",
        "key,title,reach,confidence,dependencies,objectives,deadline,deadline_hard\n"
        "A,First,100/200/400 triangular,0.8,,O1:0.5,2026-06-30,yes\n"
        "B,Second,,,A:3,,,\n",
    )
    first, second = read_items_csv(path)
    assert first.value.reach == Range(low=100, likely=200, high=400, distribution="triangular")
    assert first.value.confidence == 0.8
    assert first.objectives[0].contribution == 0.5
    assert first.deadline is not None and first.deadline.hard
    assert second.dependencies[0].item == "A" and second.dependencies[0].lag_days == 3


@pytest.mark.parametrize(
    ("text", "row", "column", "fragment"),
    [
        ("key,title,estimate_low\nA,First,three\n", 2, "estimate_low", "expected a number"),
        ("key,title,estimate\nA,First,5/3/1\n", 2, "estimate", "low <= likely <= high"),
        # Only a likely size: "missing required field 'low'" named no column the file has.
        (
            "key,title,estimate_likely\nA,First,\nB,Second,3\n",
            3,
            "estimate_likely",
            "estimate_low and estimate_high are empty: a size needs estimate_low, "
            "estimate_likely and estimate_high, or one 'estimate' column",
        ),
        (
            "key,title,estimate_low,estimate_likely,estimate_high\nA,First,1,,3\n",
            2,
            "estimate_low",
            "estimate_likely is empty",
        ),
        ("key,title,status\nA,First,shipped\n", 2, "status", "Input should be"),
        ("key,title,technical_risk\nA,First,1.5\n", 2, "technical_risk", "less than or equal"),
        ("key,title,created\nA,First,2026-02-30\n", 2, "created", "ISO date-time"),
        ("key,title,deadline\nA,First,soon\n", 2, "deadline", "ISO date"),
        ("key,title,dependencies\nA,First,B:x\n", 2, "dependencies", "the lag in 'B:x'"),
        ("key,title\nA,First\nB,Second\nA,Again\n", 4, "key", "duplicate key 'A'"),
        ("key,title\nA,\n", 2, "title", "missing required field 'title'"),
        ("key,title\nA,First,extra\n", 2, None, "only 2 columns"),
        ("key,titel\nA,First\n", 1, "titel", "unknown column 'titel'"),
        ("key,description\nA,First\n", 1, None, "no column gives the item's 'title'"),
    ],
)
def test_malformed_rows_name_row_and_column(
    tmp_path: Path, text: str, row: int, column: str | None, fragment: str
) -> None:
    path = _write(tmp_path / "items.csv", text)
    with pytest.raises(RoadwiseError) as caught:
        read_items_csv(path)
    assert (caught.value.file, caught.value.row, caught.value.field) == (str(path), row, column)
    assert fragment in caught.value.message


@pytest.mark.parametrize(
    ("text", "row", "column", "fragment"),
    [
        ("key,title,team\nN1,New,web\nN2,Other,ops\n", 3, "team", "unknown team 'ops'"),
        ("key,title,parent\nN1,New,E9\n", 2, "parent", "unknown parent item 'E9'"),
        ("key,title,dependencies\nN1,New,S9\n", 2, "dependencies", "unknown item 'S9'"),
        ("key,title,customers\nN1,New,C1;C9\n", 2, "customers", "unknown customer 'C9'"),
        ("key,title,objectives\nN1,New,O7\n", 2, "objectives", "unknown objective 'O7'"),
        (
            "key,title,dependencies\nS1,Card form,S2\n",
            2,
            "dependencies",
            "dependency cycle: S1 -> S2 -> S1",
        ),
        ("key,title,parent\nE1,Checkout,S1\n", 2, "parent", "parent cycle: E1 -> S1 -> E1"),
    ],
)
def test_workspace_rules_on_import_name_row_and_column_and_write_nothing(
    tmp_path: Path, text: str, row: int, column: str, fragment: str
) -> None:
    path = _write(tmp_path / "items.csv", text)
    with open_store(tmp_path / "roadwise.db") as store:
        store.replace(small_workspace())
        before = store.load()
        with pytest.raises(RoadwiseError) as caught:
            store.modify(lambda ws: import_items_csv(ws, path))
        assert (caught.value.row, caught.value.field) == (row, column), str(caught.value)
        assert caught.value.file == str(path)
        assert fragment in caught.value.message
        assert store.load() == before


def test_a_file_not_in_utf8_names_the_line_of_the_first_bad_byte(tmp_path: Path) -> None:
    """Excel's plain "CSV" is Windows-1252: mostly ASCII, so the line says where to look."""
    path = tmp_path / "items.csv"
    path.write_bytes("key,title\nA,Plain\nB,Café\n".encode("cp1252"))
    with pytest.raises(RoadwiseError) as caught:
        read_items_csv(path)
    assert (caught.value.file, caught.value.line) == (str(path), 3)
    assert caught.value.message.startswith("not UTF-8 text (invalid continuation byte)")
    workspace = tmp_path / "ws.yaml"
    workspace.write_bytes("name: Acme\ndescription: Caf\xe9s\n".encode("latin-1"))
    with pytest.raises(RoadwiseError) as caught:
        read_workspace_yaml(workspace)
    assert (caught.value.file, caught.value.line) == (str(workspace), 2)


def test_a_cycle_a_row_closes_with_stored_items_is_reported_at_the_row(tmp_path: Path) -> None:
    """The cycle was pinned on its first edge in key order, a stored one here (S1 -> S3), so
    the error named '(stored) items[S1].dependencies.item' and no row of the file."""
    ws = small_workspace()
    ws = ws.copy_with(
        items=[
            i.model_copy(update={"dependencies": [Dependency(item="S3")]}) if i.key == "S1" else i
            for i in ws.items
        ]
    )
    path = _write(tmp_path / "items.csv", "key,title,team,dependencies\nS3,Receipts,api,S1\n")
    with pytest.raises(RoadwiseError) as caught:
        import_items_csv(ws, path)
    assert (caught.value.file, caught.value.row, caught.value.field) == (
        str(path),
        2,
        "dependencies",
    )
    assert "dependency cycle: S1 -> S3 -> S1" in caught.value.message


def test_import_merges_by_key_or_replaces(tmp_path: Path) -> None:
    ws = small_workspace()
    path = _write(tmp_path / "items.csv", "key,title,team\nS3,Receipts v2,api\nN1,New,web\n")
    merged = import_items_csv(ws, path)
    assert [i.key for i in merged.items] == ["E1", "S1", "S2", "S3", "B1", "N1"]
    assert merged.item_by_key["S3"].title == "Receipts v2"
    assert merged.item_by_key["S3"].parent == "E1"  # the file has no parent column: kept
    # Replacing every item must still satisfy feedback links and decisions.
    with pytest.raises(RoadwiseError) as caught:
        import_items_csv(ws, path, replace=True)
    assert caught.value.file == str(path) and caught.value.field is None
    assert caught.value.message == (
        "--replace would remove 2 items that the workspace still refers to: S1 (decision D1) "
        "and S2 (1 feedback link: F1); keep their rows (with status dropped if they are no "
        "longer wanted: planning leaves dropped items out)"
    )
    bare = Workspace(teams=ws.teams)
    assert [i.key for i in import_items_csv(bare, path, replace=True).items] == ["S3", "N1"]


def test_merging_changes_only_what_the_files_columns_fill(tmp_path: Path) -> None:
    """A spreadsheet of keys and titles (a bulk rename) must not wipe what it has no column
    for: teams, estimates, value inputs, deadlines, dependencies, tracker links."""
    ws = small_workspace()
    s1 = ws.item_by_key["S1"].model_copy(
        update={
            "deadline": Deadline(date=dt.date(2026, 6, 1), hard=True, reason="contract"),
            "value": ValueInputs(reach=500, impact=2),
            "source": SourceRef(system="jira", key="PAY-1", url="https://x.example/PAY-1"),
        }
    )
    ws = ws.copy_with(items=[s1 if i.key == "S1" else i for i in ws.items])
    rename = _write(tmp_path / "titles.csv", "key,title\nS1,Card form v2\nS2,Payments\n")
    merged = import_items_csv(ws, rename)
    for key, title in (("S1", "Card form v2"), ("S2", "Payments")):
        before, after = ws.item_by_key[key], merged.item_by_key[key]
        assert after.title == title
        assert after.model_dump(exclude={"title"}) == before.model_dump(exclude={"title"})

    # A column the file has sets its field, and an empty cell in it clears it; a part of a
    # deadline or estimate the file has no column for keeps its stored value.
    edit = _write(
        tmp_path / "edit.csv",
        "key,title,team,deadline,estimate,reach\n"
        "S1,Card form,,2026-07-01,8,\n"
        "S2,Payment API,web,,,900\n",
    )
    merged = import_items_csv(ws, edit)
    s1, s2 = merged.item_by_key["S1"], merged.item_by_key["S2"]
    assert s1.team is None and s2.team == "web"
    assert s1.deadline is not None
    assert (s1.deadline.date, s1.deadline.hard, s1.deadline.reason) == (
        dt.date(2026, 7, 1),
        True,
        "contract",
    )
    assert s1.estimate is not None and (s1.estimate.low, s1.estimate.high) == (8, 8)
    assert s1.value.reach is None and s1.value.impact == 2  # reach cleared, impact kept
    assert s1.source == ws.item_by_key["S1"].source and s1.tags == ["payments"]
    assert s2.value.reach == 900 and s2.dependencies == ws.item_by_key["S2"].dependencies
    assert s2.estimate is None and s2.deadline is None

    # What `export` writes comes back unchanged: every column is there.
    exported = tmp_path / "all.csv"
    write_items_csv(ws.items, exported)
    again = import_items_csv(ws, exported)
    assert [i.model_dump() for i in again.items] == [i.model_dump() for i in ws.items]


@pytest.mark.parametrize(
    ("columns", "cells", "changed"),
    [
        ("deadline_hard", "false", {"deadline": {"hard": False}}),
        ("deadline_reason", "board ask", {"deadline": {"reason": "board ask"}}),
        ("source_url", "https://y.example/PAY-1", {"source": {"url": "https://y.example/PAY-1"}}),
        ("estimate_unit", "person days", {"estimate": {"unit": "person_days"}}),
        ("estimate_high", "13", {"estimate": {"high": 13.0}}),
    ],
)
def test_merging_a_part_keeps_the_stored_rest(
    tmp_path: Path, columns: str, cells: str, changed: dict[str, dict[str, object]]
) -> None:
    """A column for one part of a deadline, estimate or tracker link changes that part of a
    stored item; the row alone was validated as a whole item, so `key,title,deadline_hard`
    stopped at "missing required field 'date'" though S1 has its date."""
    ws = small_workspace()
    s1 = ws.item_by_key["S1"].model_copy(
        update={
            "deadline": Deadline(date=dt.date(2026, 6, 1), hard=True, reason="contract"),
            "estimate": Estimate(low=2, likely=3, high=5),
            "source": SourceRef(system="jira", key="PAY-1", url="https://x.example/PAY-1"),
        }
    )
    ws = ws.copy_with(items=[s1 if i.key == "S1" else i for i in ws.items])
    path = _write(tmp_path / "part.csv", f"key,title,{columns}\nS1,{s1.title},{cells}\n")
    after = import_items_csv(ws, path).item_by_key["S1"].model_dump()
    expected = s1.model_dump()
    for top, parts in changed.items():
        expected[top] = {**expected[top], **parts}
    assert after == expected
    # `roadwise import` checks the file before its transaction: there too, with what is stored
    db = str(tmp_path / "roadwise.db")
    with open_store(db) as store:
        store.replace(ws)
    out = CliRunner().invoke(app, ["import", str(path), "--db", db])
    assert out.exit_code == 0, out.output
    with open_store(db) as store:
        assert store.load().item_by_key["S1"].model_dump(exclude={"version"}) == {
            k: v for k, v in expected.items() if k != "version"
        }

    # An item without the rest stored is refused naming the column, not stored without it.
    s2 = ws.item_by_key["S2"]
    assert s2.deadline is None and s2.source is None and s2.estimate is None
    path = _write(tmp_path / "part.csv", f"key,title,{columns}\nS2,{s2.title},{cells}\n")
    with pytest.raises(RoadwiseError) as caught:
        import_items_csv(ws, path)
    assert (caught.value.row, caught.value.field) == (2, columns)


def test_excel_bom_and_semicolons(tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_bytes("\ufeffkey;title;tags\r\nA;First;x;y\r\n".encode())
    with pytest.raises(RoadwiseError, match="only 3 columns"):
        read_items_csv(path)
    path.write_bytes('\ufeffkey;title;tags\r\nA;"Line one\r\nline two";"x;y"\r\n'.encode())
    (item,) = read_items_csv(path)
    assert item.title == "Line one\r\nline two" and item.tags == ["x", "y"]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1234.5", 1234.5),
        ("1,234.5", 1234.5),  # US: the last separator is the decimal point
        ("1.234,5", 1234.5),  # European: the same number
        ("12.500,00", 12500.0),
        ("1,234,567.25", 1234567.25),
        ("1.234.567,25", 1234567.25),
        ("2,5", 2.5),  # a decimal comma alone: a comma before three digits could be grouping
        ("0,125 ", 0.125),  # no thousands group starts with 0
        ("1234,567", 1234.567),  # nor holds four digits
    ],
)
def test_numbers_with_separators_are_read_by_position(
    tmp_path: Path, cell: str, expected: float
) -> None:
    path = _write(tmp_path / "items.csv", f'key;title;reach;estimate\nA;First;"{cell}";{cell}\n')
    (item,) = read_items_csv(path)
    assert item.value.reach == expected
    assert item.estimate == Estimate(low=expected, likely=expected, high=expected)


@pytest.mark.parametrize(
    ("cell", "fragment"),
    [
        ("1,234", "'1,234' could be 1234 or 1.234"),
        ("12,500", "'12,500' could be 12500 or 12.500"),
        ("1,234,567", "expected a number"),
        ("1.2.3,4", "groups of three digits"),
        ("1,23.4", "groups of three digits"),
        ("1.234,5,6", "expected a number"),
        ("1.234,", "expected a number"),
        ("1.234.5", "expected a number"),
    ],
)
def test_numbers_that_could_be_misread_are_refused_by_row_and_column(
    tmp_path: Path, cell: str, fragment: str
) -> None:
    path = _write(tmp_path / "items.csv", f'key,title,cost_of_delay\nA,First,"{cell}"\n')
    with pytest.raises(RoadwiseError) as caught:
        read_items_csv(path)
    assert (caught.value.file, caught.value.row, caught.value.field) == (
        str(path),
        2,
        "cost_of_delay",
    )
    assert fragment in caught.value.message


def test_a_folder_or_a_mapping_that_is_not_utf8_is_refused_by_name(tmp_path: Path) -> None:
    folder = tmp_path / "dir.csv"
    folder.mkdir()
    with pytest.raises(RoadwiseError, match=r"dir\.csv: cannot read the file: Is a directory"):
        read_items_csv(folder)
    mapping = tmp_path / "map.yaml"
    mapping.write_bytes(b"R\xe9sum\xe9: title\n")
    with pytest.raises(RoadwiseError, match=r"map\.yaml: not UTF-8 text \(invalid"):
        parse_mapping(mapping)


def test_a_cell_over_the_csv_modules_default_limit_reads_back(tmp_path: Path) -> None:
    long = Item(key="L-1", title="Long spec", description="x" * 140_000)
    path = write_items_csv([long], tmp_path / "items.csv")
    assert read_items_csv(path) == [long]


colon_keys = st.from_regex(r"[A-Z]{1,2}(:[0-9]{1,2}){0,2}", fullmatch=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(colon_keys, unique=True, min_size=1, max_size=5).flatmap(
        lambda item_keys: items(item_keys, objectives=["O1", "O:1", "O:1:2"])
    )
)
def test_keys_with_colons_round_trip_with_their_lags_and_contributions(
    backlog: list[Item],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = write_items_csv(backlog, Path(folder) / "items.csv")
        assert read_items_csv(path) == backlog


def test_a_dependency_on_a_key_with_a_colon_is_told_from_a_lag(tmp_path: Path) -> None:
    backlog = [
        Item(key="X", title="x"),
        Item(key="X:5", title="x5"),
        Item(key="B", title="b", dependencies=[Dependency(item="X:5")]),
        Item(key="C", title="c", dependencies=[Dependency(item="X", lag_days=5)]),
    ]
    path = write_items_csv(backlog, tmp_path / "items.csv")
    assert read_items_csv(path) == backlog
    # Files written before keys with ':' were written apart: KEY:LAG reads as it did.
    older = _write(tmp_path / "old.csv", "key,title,dependencies\nB,b,X:5\nD,d,X:5:2;X\n")
    first, second = read_items_csv(older)
    assert [(d.item, d.lag_days) for d in first.dependencies] == [("X", 5)]
    assert [(d.item, d.lag_days) for d in second.dependencies] == [("X:5", 2), ("X", 0)]


def test_reversed_pairs_take_the_reading_whose_column_the_file_has(tmp_path: Path) -> None:
    spec = "key=Issue key,title=Summary,status=Status"
    columns = ["Issue key", "Summary", "Status"]
    assert parse_mapping(spec, columns=columns) == {
        "Issue key": "key",
        "Summary": "title",
        "Status": "status",
    }
    # both ways round name a column of the file: the documented Column=field reading wins
    assert parse_mapping("title=description", columns=["title", "description"]) == {
        "title": "description"
    }
    assert parse_mapping("title=description", columns=["description", "key"]) == {
        "description": "title"
    }
    path = _write(tmp_path / "jira.csv", "Issue key,Summary,Status\nQ-1,Thing,In Review\n")
    db = str(tmp_path / "rw.db")
    out = CliRunner().invoke(app, ["import", str(path), "--mapping", spec, "--db", db])
    assert out.exit_code == 0, out.output
    assert open_store(db).load().item_by_key["Q-1"].status == Status.IN_PROGRESS


@pytest.mark.parametrize(
    ("text", "column"),
    [("key,title,\nE-1,Beta,important note\n", 3), ("key,,title\nE-1,important note,Beta\n", 2)],
)
def test_data_under_a_column_with_no_name_is_refused(
    tmp_path: Path, text: str, column: int
) -> None:
    path = _write(tmp_path / "items.csv", text)
    with pytest.raises(RoadwiseError) as caught:
        read_items_csv(path)
    assert (caught.value.row, caught.value.field) == (2, None)
    assert f"column {column}" in caught.value.message
    assert "no name" in caught.value.message
    # an empty cell under it is fine: spreadsheets often end the header with a comma
    (item,) = read_items_csv(_write(tmp_path / "fine.csv", "key,title,\nE-1,Beta,\n"))
    assert item.title == "Beta"


@pytest.mark.parametrize(
    ("field", "word", "read_back"),
    [
        ("tags", "api;ui", "'api' and 'ui'"),
        ("tags", " lead", "'lead'"),
        ("tags", "trail\t", "'trail'"),
        ("tags", "", "nothing"),
        ("tags", " ; ", "nothing"),
        ("skills", "go;rust", "'go' and 'rust'"),
    ],
)
def test_export_refuses_a_tag_the_csv_cannot_read_back_and_writes_nothing(
    tmp_path: Path, field: str, word: str, read_back: str
) -> None:
    fine = Item(key="OK-1", title="Fine", tags=["needs design"], skills=["ui"])
    bad = Item(key="PAY-7", title="Receipts", **{field: ["email", word]})
    target = tmp_path / "items.csv"
    target.write_text("an earlier export\n", encoding="utf-8")
    with pytest.raises(RoadwiseError) as caught:
        write_items_csv([fine, bad], target)
    error = caught.value
    assert (error.file, error.row, error.field) == (str(target), None, field)
    assert error.message.startswith(f"item PAY-7: {field.removesuffix('s')} {word!r} cannot")
    assert f"would read back as {read_back}" in error.message
    assert target.read_text(encoding="utf-8") == "an earlier export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["items.csv"]  # no temporary file left


tag_texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(tag_texts, max_size=4), st.lists(tag_texts, max_size=3))
def test_tags_and_skills_round_trip_or_the_export_says_which_does_not(
    tags: list[str], skills: list[str]
) -> None:
    item = Item(key="T-1", title="Tagged", tags=tags, skills=skills)
    with tempfile.TemporaryDirectory() as folder:
        try:
            path = write_items_csv([item], Path(folder) / "items.csv")
        except RoadwiseError as refused:
            words = tags if refused.field == "tags" else skills
            unreadable = [w for w in words if ";" in w or w != w.strip() or not w]
            assert unreadable and repr(unreadable[0]) in refused.message
            assert "item T-1" in refused.message
            return
        assert read_items_csv(path) == [item]


def test_cli_export_names_the_item_and_tag_and_writes_no_file(tmp_path: Path) -> None:
    db = str(tmp_path / "rw.db")
    with open_store(db) as store:
        store.replace(Workspace(items=[Item(key="S-1", title="Split", tags=["a;b"])]))
    target = tmp_path / "items.csv"
    out = CliRunner().invoke(app, ["export", str(target), "--db", db])
    flat = " ".join(out.output.split())
    assert out.exit_code == 1, out.output
    assert "item S-1: tag 'a;b' cannot be written to CSV" in flat and "Traceback" not in flat
    assert not target.exists()
    # once renamed, the export writes and the import reads back the same items
    with open_store(db) as store:
        store.replace(Workspace(items=[Item(key="S-1", title="Split", tags=["a", "b c"])]))
    assert CliRunner().invoke(app, ["export", str(target), "--db", db]).exit_code == 0
    assert [i.tags for i in read_items_csv(target)] == [["a", "b c"]]


def test_replace_names_the_removed_item_and_what_still_refers_to_it_and_writes_nothing(
    tmp_path: Path,
) -> None:
    """A row deleted from an exported file, imported with --replace: one message names the
    item, counts the feedback links and names the decision that still refer to it (by key,
    not by position in the stored lists), and the workspace is unchanged. Keeping the row with
    status dropped, as the message says, imports."""
    import datetime as dt

    from roadwise.domain.model import Decision, Feedback, FeedbackLink

    ws = small_workspace()
    texts = [
        Feedback(key=f"F{n}", text="Pay by card", date=dt.date(2026, 2, 1), links=[link])
        for n in (2, 3, 4)
        for link in [FeedbackLink(item="S2")]
    ]
    decision = Decision(key="D2", date=dt.date(2026, 2, 4), title="API first", items=["S2"])
    ws = ws.copy_with(feedback=[*ws.feedback, *texts], decisions=[*ws.decisions, decision])
    db = str(tmp_path / "rw.db")
    with open_store(db) as store:
        store.replace(ws)
        before = store.load()
    exported = tmp_path / "items.csv"
    assert CliRunner().invoke(app, ["export", str(exported), "--db", db]).exit_code == 0
    lines = exported.read_text(encoding="utf-8").splitlines(keepends=True)
    without_s2 = _write(tmp_path / "sub.csv", "".join(x for x in lines if not x.startswith("S2,")))
    out = CliRunner().invoke(app, ["import", str(without_s2), "--replace", "--db", db])
    assert out.exit_code == 1, out.output
    assert " ".join(out.output.split()) == (
        f"error: {without_s2}: --replace would remove S2, but 4 feedback links (F1, F2 and 2 "
        "more) and decision D2 refer to it; keep its row (with status dropped if it is no "
        "longer wanted: planning leaves dropped items out)"
    )
    with open_store(db) as store:
        assert store.load() == before
    with exported.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["status"] = "dropped" if row["key"] == "S2" else row["status"]
    dropped = tmp_path / "dropped.csv"
    with dropped.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    out = CliRunner().invoke(app, ["import", str(dropped), "--replace", "--db", db])
    assert out.exit_code == 0, out.output
    with open_store(db) as store:
        assert store.load().item_by_key["S2"].status == Status.DROPPED
