"""``roadwise plan release`` end to end on a small stored workspace."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from roadwise.views.cli import app
from roadwise.workspace import open_store
from test_release_workspace import small_workspace

runner = CliRunner()


@pytest.fixture()
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "ws.db")
    open_store(path).replace(small_workspace())
    return path


def test_plan_release_json_and_stored_plan(db: str) -> None:
    result = runner.invoke(
        app,
        [
            "plan",
            "release",
            "--db",
            db,
            "--releases",
            "2",
            "--capacity",
            "20",
            "--json",
            "--explain",
            "--pareto",
            "--name",
            "q1",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["key"] == "q1"
    assert data["proven_optimal"] is True
    assert data["selection"]["assignment"]["S3"] == "R1"  # pinned
    assert data["value"] >= data["greedy"]["value"]
    assert {"why_out", "capacity_gains", "drop_to_fit", "pareto"} <= set(data)
    stored = open_store(db).get_plan("q1")
    assert stored.kind == "release"
    assert stored.payload["selection"]["assignment"] == data["selection"]["assignment"]


def test_plan_release_tables(db: str) -> None:
    result = runner.invoke(
        app, ["plan", "release", "--db", db, "--capacity", "20", "--baseline", "--no-save"]
    )
    assert result.exit_code == 0, result.output
    assert "proven optimal" in result.output
    assert "Rank-and-fill" in result.output
    with pytest.raises(Exception, match="no stored plan"):
        open_store(db).get_plan("release-R1")


def test_conflict_is_reported_in_user_terms(db: str) -> None:
    result = runner.invoke(app, ["plan", "release", "--db", db, "--must", "S2", "--no-save"])
    assert result.exit_code == 1
    assert "S3 pinned to release R1" in result.output
    assert "skill backend capacity" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--capacity", "lots"], "'lots' is not a capacity"),
        (["--capacity", "nope=3"], "unknown team 'nope'"),
        (["--percentile", "150"], "percentile 150 must be above 0 and below 100"),
        (["--must", "NOPE"], "unknown item 'NOPE'"),
    ],
)
def test_user_mistakes_get_one_line(db: str, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["plan", "release", "--db", db, "--no-save", *args])
    assert result.exit_code == 1
    assert message in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--must", "S11"], "field '--must': unknown item 'S11'; did you mean S1?"),
        (["--exclude", "NOPE"], "field '--exclude': unknown item 'NOPE'"),
        (["--capacity", "Web=3"], "field '--capacity': unknown team 'Web' (teams: web)"),
        (["--must", "DONE"], "field '--must': DONE is done; only open items can be planned"),
        (["--must", "EPIC"], "field '--must': EPIC has items under it"),
        (["--must", "S1", "--exclude", "S1"], "S1 cannot both ship and be left out"),
    ],
)
def test_mistakes_name_the_option_and_what_exists(db: str, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["plan", "release", "--db", db, "--no-save", *args])
    assert result.exit_code == 1, result.output
    assert message in " ".join(result.output.split())


@pytest.mark.parametrize("cut", ["150", "0", "-20"])
def test_a_capacity_cut_outside_1_to_100_percent_is_refused(db: str, cut: str) -> None:
    result = runner.invoke(
        app, ["plan", "release", "--db", db, "--no-save", "--explain", "--cut", cut]
    )
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--cut'" in result.output and "Traceback" not in result.output


def test_a_capacity_cut_of_1_percent_is_accepted(db: str) -> None:
    args = ["plan", "release", "--db", db, "--no-save", "--capacity", "20", "--json"]
    result = runner.invoke(app, [*args, "--explain", "--cut", "1"])
    assert result.exit_code == 0, result.output
    drop = json.loads(result.stdout)["drop_to_fit"]
    assert drop["cut"] == 0.01 and drop["proven_optimal"] is True


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (
            "--objective",
            "field '--objective': unknown objective 'foo'; use one of scores, customers, both",
        ),
        ("--solver", "field '--solver': unknown solver 'foo'; use one of highs, cpsat"),
    ],
)
def test_a_choice_typo_is_one_line_listing_the_choices(db: str, option: str, message: str) -> None:
    """Not Typer's usage panel ("Value error, 'foo' is not one of …", exit 2)."""
    result = runner.invoke(app, ["plan", "release", "--db", db, "--no-save", option, "foo"])
    assert result.exit_code == 1, result.output
    assert message in " ".join(result.output.split())
    assert "Value error" not in result.output and "Usage" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_choices_still_work_and_show_in_help(db: str) -> None:
    result = runner.invoke(
        app,
        [
            "plan",
            "release",
            "--db",
            db,
            "--no-save",
            "--capacity",
            "20",
            "--json",
            "--objective",
            "both",
            "--solver",
            "cpsat",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["solver"] == "cpsat"
    help_text = runner.invoke(app, ["plan", "release", "--help"], env={"COLUMNS": "200"}).output
    assert "scores|customers|both" in help_text and "highs|cpsat" in help_text


def test_earlier_date_keeps_a_team_capacity_the_user_typed() -> None:
    """--by shortens the first release: a derived team capacity is recomputed for the shorter
    window, a typed one is scaled by the working days kept (it has no calendar behind it)."""
    import datetime as dt

    from roadwise.engines.release import (
        ReleaseOptions,
        release_problem,
        team_capacity,
        working_days,
    )
    from roadwise.views.cli.plan_release import _earlier

    ws = small_workspace()
    typed = release_problem(ws, None, ReleaseOptions(team_capacity={"web": 30.0}))
    derived = release_problem(ws, None, ReleaseOptions())
    for wp, given in ((typed, {"web"}), (derived, set())):
        first = wp.problem.releases[0]
        start, end = wp.windows[first.key]
        by = start + (end - start) / 2
        shorter = _earlier(ws, wp.problem, first, start, by, given)[0]
        kept = working_days(start, by) / working_days(start, end)
        if given:
            assert shorter.team_capacity["web"] == pytest.approx(30.0 * kept)
        else:
            team = ws.teams[0]
            assert shorter.team_capacity["web"] == pytest.approx(team_capacity(team, start, by))
        assert shorter.end == by and isinstance(by, dt.date)


def test_explain_still_shows_the_plan_when_a_what_if_cannot_hold_the_pins(db: str) -> None:
    """S3 is pinned to R1 and needs S1 and S2: a 99% cut, or shipping R1 by its second day,
    cannot hold them. That answer says why; the plan and the other answers are still shown."""
    args = ["plan", "release", "--db", db, "--no-save", "--capacity", "20", "--explain"]
    result = runner.invoke(
        app, [*args, "--cut", "99", "--by", "2027-01-05"], env={"COLUMNS": "300"}
    )
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "proven optimal" in text and "What 10% more capacity would buy" in text
    assert (
        "A 99% capacity cut cannot hold the pinned item(s) S3: total capacity at 1% (0.2 points): "
        in text
    )
    assert "S2 (5 points, a prerequisite of pinned S3)" in text
    assert (
        "Shipping release R1 by 2027-01-05 cannot hold the pinned item(s) S3: total capacity "
        "to ship by 2027-01-05 (4 points)"
    ) in text
    assert "unpin some of them, or choose a later date" in text
    assert "error" not in text

    data = json.loads(runner.invoke(app, [*args, "--cut", "99", "--json"]).stdout)
    drop = data["drop_to_fit"]
    assert drop["dropped"] is None and drop["value_lost"] is None
    assert drop["unavailable"].startswith("A 99% capacity cut cannot hold the pinned item(s) S3")
    assert "S3 pinned to release R1" in drop["conflict"]
    assert data["selection"]["assignment"]["S3"] == "R1"


def test_an_answerable_cut_says_it_is_available(db: str) -> None:
    args = ["plan", "release", "--db", db, "--no-save", "--capacity", "20", "--json"]
    drop = json.loads(runner.invoke(app, [*args, "--explain", "--cut", "10"]).stdout)["drop_to_fit"]
    assert drop["unavailable"] is None and drop["conflict"] == []
    assert isinstance(drop["dropped"], list)


def test_a_conflict_charges_a_team_only_with_its_own_items(db: str) -> None:
    """S3 (web, pinned) needs S1 and S2; only S2 is backend work, and the backend pool (1.5
    points, from Bob's half time) is charged with S2's own 5 points, not with S3's size and
    everything it needs, under S3's team."""
    result = runner.invoke(app, ["plan", "release", "--db", db, "--no-save"])
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert (
        "skill backend capacity (1.5 points): S2 (5 points, a prerequisite of pinned S3); 3.5 over"
    ) in text
    assert "S3 with prerequisites" not in text


def test_by_on_the_release_date_says_the_date_itself_is_refused(db: str) -> None:
    result = runner.invoke(
        app,
        ["plan", "release", "--db", db, "--no-save", "--explain", "--by", "2027-01-15"],
        env={"COLUMNS": "300"},
    )
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert (
        "--by 2027-01-15 must be an earlier date for release R1: on or after 2027-01-04 (when "
        "its window starts) and before 2027-01-15 (when it ends)"
    ) in text
    assert "Traceback" not in text


def test_percentile_100_names_the_real_limits(db: str) -> None:
    result = runner.invoke(app, ["plan", "release", "--db", db, "--no-save", "--percentile", "100"])
    assert result.exit_code == 1
    assert "percentile 100 must be above 0 and below 100" in " ".join(result.output.split())


def test_cut_and_by_without_explain_are_refused_not_ignored(db: str) -> None:
    base = ["plan", "release", "--db", db, "--no-save"]
    for extra in (["--by", "2026-03-20"], ["--cut", "30"]):
        result = runner.invoke(app, [*base, *extra])
        assert result.exit_code == 1, result.output
        assert f"{extra[0]} is a question of --explain" in " ".join(result.output.split())
    explained = runner.invoke(app, [*base, "--capacity", "20", "--explain", "--cut", "30"])
    assert explained.exit_code == 0, explained.output


def test_an_item_whose_hard_deadline_has_passed_is_named(tmp_path: Path) -> None:
    import datetime as dt

    from roadwise.domain import Deadline

    ws = small_workspace()
    s8 = ws.item_by_key["S8"]
    s8.deadline = Deadline(date=dt.date(2020, 1, 1), hard=True)
    path = str(tmp_path / "late.db")
    open_store(path).replace(ws)
    args = ["plan", "release", "--db", path, "--no-save", "--capacity", "20"]
    result = runner.invoke(app, args, env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert (
        "Not planned: 1 item(s) with a hard deadline before release R1's window opens "
        "(2027-01-04), which no release can meet: S8 (2020-01-01)."
    ) in text
    data = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    assert data["hard_deadline_out_of_reach"] == {"S8": "2020-01-01"}
    assert "S8" not in data["selection"]["assignment"]


def test_no_people_names_the_capacity_option_here_and_no_flag_in_the_engine(
    tmp_path: Path,
) -> None:
    from roadwise.domain import Team
    from roadwise.engines.release import release_problem
    from roadwise.errors import ValidationError

    bare = small_workspace().copy_with(teams=[Team(key="web", name="Web")])
    with pytest.raises(ValidationError) as error:
        release_problem(bare)
    # the web app shows the engine's words too, and has no --capacity
    assert "--" not in error.value.message
    path = str(tmp_path / "bare.db")
    open_store(path).replace(bare)
    result = runner.invoke(app, ["plan", "release", "--db", path, "--no-save"])
    assert result.exit_code != 0
    assert "no capacity to plan with" in result.output
    assert "--capacity 120" in result.output


def test_limit_lists_the_most_valuable_items_and_says_how_many_more(db: str) -> None:
    full = runner.invoke(
        app, ["plan", "release", "--db", db, "--capacity", "20", "--no-save", "--json"]
    )
    chosen = json.loads(full.stdout)["selection"]["releases"][0]["items"]
    assert len(chosen) >= 2
    result = runner.invoke(
        app, ["plan", "release", "--db", db, "--capacity", "20", "--no-save", "--limit", "1"]
    )
    assert result.exit_code == 0, result.output
    listed = [k for k in chosen if f"\n│ {k} " in result.output or f"\n {k} " in result.output]
    assert len(listed) == 1
    assert f"… and {len(chosen) - 1} more in release" in result.output
