"""Delivery history: throughput, cycle and lead time, flow data, and the CSV importer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roadwise.domain.model import HistoryRecord, Item, ItemKind, Status
from roadwise.engines.history import (
    cumulative_flow,
    cycle_time_scatter,
    cycle_times,
    lead_times,
    select,
    summarise,
    throughput,
    week_start,
    wip_ageing,
)
from roadwise.errors import RoadwiseError
from roadwise.sources.history_csv import ColumnMapping, read_history_csv

MON = dt.datetime(2025, 3, 3, 10)  # a Monday


def rec(
    key: str,
    done_day: int,
    *,
    team: str = "a",
    kind: ItemKind = ItemKind.STORY,
    points: float | None = 3.0,
    cycle: float | None = 2.0,
    lead: float = 5.0,
) -> HistoryRecord:
    done = MON + dt.timedelta(days=done_day)
    return HistoryRecord(
        key=key,
        team=team,
        kind=kind,
        points=points,
        created=done - dt.timedelta(days=lead),
        started=None if cycle is None else done - dt.timedelta(days=cycle),
        done=done,
    )


def test_weekly_throughput_counts_items_and_points_with_empty_weeks() -> None:
    recs = [rec("A", 0), rec("B", 1, points=5), rec("C", 15)]
    tp = throughput(recs)
    assert tp.starts[0] == dt.date(2025, 3, 3)
    assert tp.items.tolist() == [2.0, 0.0, 1.0]
    assert tp.points.tolist() == [8.0, 0.0, 3.0]
    daily = throughput(recs, period="day")
    assert daily.total_items == 3 and daily.items.size == 16


def test_cycle_and_lead_times_and_percentiles() -> None:
    recs = [rec(f"K{i}", i, cycle=float(i + 1), lead=float(2 * i + 2)) for i in range(10)]
    assert cycle_times(recs).tolist() == pytest.approx([float(i + 1) for i in range(10)])
    assert lead_times(recs).tolist() == pytest.approx([float(2 * i + 2) for i in range(10)])
    recs.append(rec("nostart", 3, cycle=None))
    assert cycle_times(recs).size == 10
    stats = summarise(recs)
    overall = next(s for s in stats if s.kind is None)
    assert overall.items == 11
    assert overall.cycle_time[50] == pytest.approx(5.5)


def test_summary_splits_by_team_and_kind() -> None:
    recs = [
        rec("A1", 0, team="a"),
        rec("B1", 0, team="b", kind=ItemKind.BUG),
        rec("B2", 7, team="b"),
    ]
    stats = summarise(recs)
    keys = {(s.team, s.kind) for s in stats}
    assert keys == {("a", None), ("a", "story"), ("b", None), ("b", "bug"), ("b", "story")}
    assert len(select(recs, team="b", kinds=[ItemKind.BUG])) == 1


def test_cumulative_flow_and_wip_ageing() -> None:
    recs = [rec(f"R{i}", i * 3, lead=4, cycle=2) for i in range(10)]
    wip = Item(
        key="W1",
        title="in flight",
        status=Status.IN_PROGRESS,
        team="a",
        created=MON,
        started=MON + dt.timedelta(days=1),
    )
    flow = cumulative_flow(recs, [wip], step_days=1)
    done_counts = [d.done for d in flow]
    assert done_counts == sorted(done_counts) and done_counts[-1] == 10
    assert all(d.to_do >= 0 and d.in_progress >= 0 for d in flow)
    ageing = wip_ageing(recs, [wip], MON + dt.timedelta(days=11))
    assert ageing.items[0].age_days == pytest.approx(10.0)
    assert ageing.items[0].percentile_rank == 1.0  # older than every past cycle time
    scatter = cycle_time_scatter(recs)
    assert len(scatter.points) == 10 and scatter.percentiles[85] == pytest.approx(2.0)


@settings(max_examples=40, deadline=None)
@given(days=st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=80))
def test_throughput_conserves_items(days: list[int]) -> None:
    recs = [rec(f"P{i}", d) for i, d in enumerate(days)]
    tp = throughput(recs)
    assert tp.total_items == len(days)
    assert tp.total_points == pytest.approx(3.0 * len(days))
    assert all(s == week_start(s) for s in tp.starts)
    assert np.all(tp.items >= 0)


# --------------------------------------------------------------------------- CSV import

TAWOS_HEADER = (
    "ID,Issue_Key,Type,Status,Resolution,Creation_Date,Resolution_Date,Story_Point,Timespent,"
    "In_Progress_Minutes,Total_Effort_Minutes,Resolution_Time_Minutes\n"
)


def write(tmp_path: Path, rows: list[str], header: str = TAWOS_HEADER) -> Path:
    path = tmp_path / "PROJ.csv"
    path.write_text(header + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def test_tawos_layout_imports_with_null_literals(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            '1,PROJ-1,Bug,Closed,Fixed,"2020-01-01 10:00:00","2020-01-03 10:00:00",3,NULL,'
            "60,0,2880",
            '2,PROJ-2,Story,Closed,Fixed,"2020-01-02 10:00:00",NULL,5,NULL,0,0,0',
            '3,PROJ-3,"Technical task",Closed,Done,"2020-01-02 09:00:00",'
            '"2020-01-09 09:00:00",NULL,NULL,0,0,10080',
        ],
    )
    result = read_history_csv(path, "tawos", team="proj")
    assert result.rows == 3 and result.skipped_unresolved == 1
    first, third = result.records
    assert first.kind == ItemKind.BUG and first.points == 3.0 and first.team == "proj"
    assert first.started == dt.datetime(2020, 1, 3, 9)  # 60 in-progress minutes before done
    assert third.kind == ItemKind.TECH_DEBT and third.points is None and third.started is None


def test_errors_name_the_row_and_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            '1,PROJ-1,Bug,Closed,Fixed,"2020-01-01 10:00:00","2020-01-03 10:00:00",3,NULL,0,0,0',
            '2,PROJ-2,Bug,Closed,Fixed,"yesterday","2020-01-03 10:00:00",3,NULL,0,0,0',
        ],
    )
    with pytest.raises(RoadwiseError) as err:
        read_history_csv(path, "tawos")
    assert err.value.row == 3 and err.value.field == "Creation_Date"
    assert "row 3" in str(err.value) and "yesterday" in str(err.value)

    path = write(
        tmp_path,
        [
            '1,PROJ-1,Bug,Closed,Fixed,"2020-01-01 10:00:00","2020-01-03 10:00:00",three,'
            "NULL,0,0,0",
        ],
    )
    with pytest.raises(RoadwiseError, match=r"row 2.*Story_Point.*expected a number.*'three'"):
        read_history_csv(path, "tawos")

    path = write(
        tmp_path,
        [
            '1,PROJ-1,Bug,Closed,Fixed,"2020-01-05 10:00:00","2020-01-03 10:00:00",3,NULL,0,0,0',
        ],
    )
    with pytest.raises(RoadwiseError, match=r"row 2.*before created"):
        read_history_csv(path, "tawos")


def test_a_start_outside_created_and_resolved_names_the_row_and_dates(tmp_path: Path) -> None:
    header = "Key,Created,Resolved,Started\n"
    mapping = "key=Key,created=Created,resolved=Resolved,started=Started"
    for started in ("2024-01-09", "2023-12-30"):  # after resolved, before created
        path = write(
            tmp_path,
            ["A-1,2024-01-02,2024-01-02,2024-01-02", f"A-2,2024-01-01,2024-01-05,{started}"],
            header=header,
        )
        with pytest.raises(RoadwiseError) as err:
            read_history_csv(path, mapping)
        assert (err.value.row, err.value.field) == (3, "Started")
        assert err.value.message == (
            f"started {started} must lie between created 2024-01-01 and resolved 2024-01-05 for A-2"
        )
    # A start from in-progress minutes is put within created..resolved, as before.
    path = write(
        tmp_path,
        ["A-1,2024-01-02 00:00:00,2024-01-02 01:00:00,600"],
        header="Key,Created,Resolved,Minutes\n",
    )
    (record,) = read_history_csv(
        path, "key=Key,created=Created,resolved=Resolved,cycle_minutes=Minutes"
    ).records
    assert record.started == dt.datetime(2024, 1, 2)


def test_minutes_in_progress_are_read_as_numbers_and_never_overflow(tmp_path: Path) -> None:
    mapping = "key=Key,created=Created,resolved=Resolved,cycle_minutes=Minutes"
    header = "Key,Created,Resolved,Minutes\n"
    created, done = dt.datetime(2024, 1, 1, 1), dt.datetime(2024, 1, 2, 1)
    # A European export's decimal comma: 1,5 minutes is 90 seconds. More minutes than any
    # calendar holds (a data error, or an issue reopened for years) start it when created.
    for minutes, started in (("1,5", done - dt.timedelta(seconds=90)), ("1e300", created)):
        path = write(tmp_path, [f'A-1,{created},{done},"{minutes}"'], header=header)
        (record,) = read_history_csv(path, mapping).records
        assert record.started == started
    for cell in ("inf", "-30"):
        path = write(tmp_path, [f"A-1,2024-01-01,2024-01-02,{cell}"], header=header)
        with pytest.raises(RoadwiseError) as err:
            read_history_csv(path, mapping)
        assert (err.value.file, err.value.row, err.value.field) == (str(path), 2, "Minutes")
        assert f"got '{cell}'" in err.value.message


def test_custom_mapping_and_missing_columns(tmp_path: Path) -> None:
    header = "Key,Opened,Began,Closed,Points,Squad\n"
    path = write(tmp_path, ["X-1,2024-05-01,2024-05-02,2024-05-06,2,core"], header=header)
    mapping = ColumnMapping.parse(
        "key=Key,created=Opened,started=Began,resolved=Closed,size=Points,team=Squad"
    )
    (r,) = read_history_csv(path, mapping).records
    assert (r.team, r.points, r.started) == ("core", 2.0, dt.datetime(2024, 5, 2))
    with pytest.raises(RoadwiseError, match=r"line 1.*'Resolved'"):
        read_history_csv(path, "created=Opened,resolved=Resolved")
    with pytest.raises(RoadwiseError, match="unknown field 'finish'"):
        ColumnMapping.parse("finish=Closed")
    with pytest.raises(RoadwiseError, match="unknown mapping preset"):
        ColumnMapping.parse("linear")


def test_shared_tawos_files_import_when_present() -> None:
    folder = (
        Path(__file__).resolve().parents[2]
        / "shared"
        / "datasets"
        / "history"
        / "tawosi2022_sp_vs_effort"
        / "rq2_rq3"
    )
    if not folder.is_dir():
        pytest.skip("../shared datasets not available")
    result = read_history_csv(folder / "APIKIT.csv", "tawos", team="APIKIT")
    assert result.skipped_unresolved == 1  # the README: one APIKIT row has no resolution date
    assert len(result.records) == 404
