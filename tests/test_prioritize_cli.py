"""``roadwise prioritize`` end to end on a small stored workspace."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from roadwise.domain import Estimate, Item, Range, ValueInputs, Workspace
from roadwise.views.cli import app

runner = CliRunner()


@pytest.fixture()
def db(tmp_path: Path) -> str:
    from roadwise.workspace import open_store

    items = [
        Item(
            key="PAY-1",
            title="One-click checkout",
            estimate=Estimate(low=2, likely=3, high=8),
            value=ValueInputs(
                business_value=Range(low=5, likely=8, high=13),
                time_criticality=5,
                risk_reduction=3,
                reach=900,
                impact=2,
                confidence=0.8,
            ),
        ),
        Item(
            key="PAY-2",
            title="Invoices as PDF",
            estimate=Estimate(low=5, likely=8, high=13),
            value=ValueInputs(
                business_value=13,
                time_criticality=8,
                risk_reduction=5,
                reach=300,
                impact=1,
                confidence=0.5,
            ),
        ),
        Item(
            key="PAY-3",
            title="+ Dark mode",  # a title a spreadsheet would read as a formula
            estimate=Estimate(low=1, likely=2, high=3),
            value=ValueInputs(
                business_value=3,
                time_criticality=1,
                risk_reduction=1,
                reach=2000,
                impact=0.5,
                confidence=1.0,
            ),
        ),
        Item(key="PAY-4", title="Unestimated", value=ValueInputs(business_value=3)),
    ]
    path = tmp_path / "rw.db"
    store = open_store(str(path))
    store.replace(Workspace(name="test", items=items))
    return str(path)


def test_table_shows_the_ranking_with_uncertainty(db: str) -> None:
    out = runner.invoke(app, ["prioritize", "--db", db, "--top", "2", "--seed", "3"])
    assert out.exit_code == 0, out.output
    assert "WSJF: top 2 of 3 items" in out.output
    assert "P(top 2)" in out.output and "PAY-1" in out.output
    assert "Not scored" in out.output and "PAY-4" in out.output


def test_json_and_csv_agree(db: str) -> None:
    out = runner.invoke(
        app, ["prioritize", "--db", db, "--framework", "rice", "--json", "--samples", "300"]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["framework"] == "rice"
    assert data["items"][0]["key"] == "PAY-3"  # 2000 x 0.5 x 1 / 2 = 500
    assert data["items"][0]["score"] == pytest.approx(500)
    assert data["unscored"][0]["key"] == "PAY-4"
    out_csv = runner.invoke(
        app, ["prioritize", "--db", db, "--framework", "rice", "--csv", "--samples", "300"]
    )
    rows = list(csv.DictReader(io.StringIO(out_csv.output)))
    assert [r["key"] for r in rows] == [i["key"] for i in data["items"]]
    assert float(rows[0]["score"]) == pytest.approx(500)
    assert rows[0]["title"] == "'+ Dark mode"  # guarded, for whoever opens it in Excel


def test_explain_and_compare(db: str) -> None:
    out = runner.invoke(app, ["prioritize", "--db", db, "--explain", "PAY-1"])
    assert out.exit_code == 0, out.output
    assert "Contributions" in out.output and "Tornado" in out.output
    assert "(8 + 5 + 3) / 3" in out.output
    out = runner.invoke(
        app, ["prioritize", "--db", db, "--compare", "PAY-2", "PAY-1", "--samples", "0"]
    )
    assert out.exit_code == 0, out.output
    assert "PAY-1 (WSJF 5.33) ranks above PAY-2 (3.25)" in out.output
    assert "effort is smaller (3 vs 8)" in out.output


def test_user_errors_are_one_line(db: str) -> None:
    out = runner.invoke(app, ["prioritize", "--db", db, "--explain", "NOPE"])
    assert out.exit_code == 1
    assert "no item 'NOPE' in the workspace" in out.output
    assert "Traceback" not in out.output
    out = runner.invoke(app, ["prioritize", "--db", db, "--framework", "formula"])
    assert out.exit_code == 1 and "needs a formula" in out.output


def test_explain_and_compare_say_why_an_item_has_no_rank(db: str) -> None:
    """A typo, an epic, a done item and an unestimated one each get their own reason."""
    from roadwise.domain import ItemKind, Status
    from roadwise.workspace import open_store

    store = open_store(db, create=False)
    ws = store.load()
    items = [
        *(i.model_copy(update={"parent": "EPIC"}) if i.key == "PAY-2" else i for i in ws.items),
        Item(key="EPIC", title="Payments", kind=ItemKind.EPIC),
        Item(
            key="PAY-9",
            title="Shipped",
            status=Status.DONE,
            estimate=Estimate(low=1, likely=1, high=1),
            value=ValueInputs(business_value=1, time_criticality=1, risk_reduction=1),
        ),
    ]
    store.replace(Workspace(name="test", items=items))

    def error(*args: str) -> str:
        out = runner.invoke(app, ["prioritize", "--db", db, "--samples", "0", *args])
        assert out.exit_code == 1, out.output
        return " ".join(out.output.split())

    assert "field '--explain': no item 'PAY-11' in the workspace; did you mean PAY-1" in error(
        "--explain", "PAY-11"
    )
    epic = error("--compare", "PAY-1", "EPIC")
    assert "field '--compare': EPIC is an epic with items under it" in epic
    assert "its best-ranked open item is PAY-2" in epic
    assert "PAY-9 is done, not open" in error("--explain", "PAY-9")
    assert "item 'PAY-4' could not be scored" in error("--compare", "PAY-4", "PAY-1")


def test_feedback_supplies_reach_for_items_without_it(tmp_path: Path) -> None:
    import datetime as dt

    from roadwise.domain import Customer, Feedback, FeedbackLink
    from roadwise.workspace import open_store

    customers = [
        Customer(key=f"C{i}", name=f"Customer {i}", annual_revenue=100_000 * (i + 1))
        for i in range(3)
    ]
    feedback = [
        Feedback(
            key=f"F{i}",
            text="please add SSO",
            customer=f"C{i}",
            date=dt.date(2026, 5, 1),
            links=[FeedbackLink(item="SSO", confirmed=True)],
        )
        for i in range(3)
    ]
    items = [
        Item(
            key="SSO",
            title="Single sign-on",
            estimate=Estimate(low=2, likely=2, high=2),
            value=ValueInputs(impact=2, confidence=1.0),
        ),
        Item(
            key="CSV",
            title="CSV export",
            estimate=Estimate(low=1, likely=1, high=1),
            value=ValueInputs(reach=1, impact=1, confidence=1.0),
        ),
    ]
    path = tmp_path / "fb.db"
    open_store(str(path)).replace(Workspace(customers=customers, feedback=feedback, items=items))
    without = json.loads(
        runner.invoke(app, ["prioritize", "--db", str(path), "-f", "rice", "--json"]).output
    )
    assert [u["key"] for u in without["unscored"]] == ["SSO"]
    out = runner.invoke(
        app,
        ["prioritize", "--db", str(path), "-f", "rice", "--json", "--feedback", "--samples", "0"],
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["unscored"] == []
    sso = next(i for i in data["items"] if i["key"] == "SSO")
    assert sso["score"] == pytest.approx(3 * 2 * 1.0 / 2)  # three customers asked
    assert any("customer feedback" in note for note in data["notes"])


def _asked_workspace_db(tmp_path: Path) -> str:
    """Three customers ask for SSO (no reach of its own) and for CSV (reach 1 set on it);
    nobody asks for API. Every item has WSJF and RICE inputs."""
    import datetime as dt

    from roadwise.domain import Customer, Feedback, FeedbackLink
    from roadwise.workspace import open_store

    customers = [
        Customer(key=f"C{i}", name=f"Customer {i}", annual_revenue=100_000 * (i + 1))
        for i in range(3)
    ]
    feedback = [
        Feedback(
            key=f"F{i}-{item}",
            text=f"please add {item}",
            customer=f"C{i}",
            date=dt.date(2026, 5, 1),
            links=[FeedbackLink(item=item, confirmed=True)],
        )
        for i in range(3)
        for item in ("SSO", "CSV")
    ]
    wsjf = {"business_value": 5, "time_criticality": 3, "risk_reduction": 1}
    items = [
        Item(
            key="SSO",
            title="Single sign-on",
            estimate=Estimate(low=2, likely=2, high=2),
            value=ValueInputs(impact=2, confidence=1.0, **wsjf),
        ),
        Item(
            key="CSV",
            title="CSV export",
            estimate=Estimate(low=1, likely=1, high=1),
            value=ValueInputs(reach=1, impact=1, confidence=1.0, **wsjf),
        ),
        Item(
            key="API",
            title="Public API",
            estimate=Estimate(low=1, likely=1, high=1),
            value=ValueInputs(reach=4, impact=1, confidence=1.0, **wsjf),
        ),
    ]
    path = tmp_path / "asked.db"
    open_store(str(path)).replace(Workspace(customers=customers, feedback=feedback, items=items))
    return str(path)


def test_feedback_says_when_the_framework_uses_none_of_it(tmp_path: Path) -> None:
    """WSJF uses neither reach nor customer demand: --feedback changes nothing and says so,
    on stderr for --csv (stdout stays the same CSV) and under the table otherwise."""
    db = _asked_workspace_db(tmp_path)
    args = ["prioritize", "--db", db, "--samples", "0"]
    plain = runner.invoke(app, [*args, "--csv"])
    out = runner.invoke(app, [*args, "--csv", "--feedback"])
    assert out.exit_code == 0, out.output
    assert out.stdout == plain.stdout
    assert out.stderr.count("\n") == 1
    assert "customer demand and reach" in out.stderr
    assert "WSJF uses neither, so the ranking is unchanged" in out.stderr
    table = runner.invoke(app, [*args, "--feedback"])
    assert table.stderr == ""
    assert "WSJF uses neither" in table.stdout.splitlines()[-1]


def test_feedback_says_which_items_take_their_reach_from_it(tmp_path: Path) -> None:
    """With RICE, feedback fills the reach only where an item has none: SSO takes it, CSV
    keeps the reach set on it though customers asked, and API nobody asked for."""
    db = _asked_workspace_db(tmp_path)
    args = ["prioritize", "--db", db, "-f", "rice", "--samples", "0", "--json", "--feedback"]
    out = runner.invoke(app, args)
    assert out.exit_code == 0, out.output
    scores = {i["key"]: i["score"] for i in json.loads(out.stdout)["items"]}
    assert scores["CSV"] == pytest.approx(1.0)  # its own reach of 1, not the 3 who asked
    assert out.stderr.strip() == (
        "--feedback: reach from feedback for 1 item, the reach set on the item kept for "
        "1 item; RICE does not use customer demand"
    )


def test_feedback_that_only_meets_reach_set_on_the_items_says_nothing_changes(
    tmp_path: Path,
) -> None:
    """Every item customers asked for sets its own reach: the CSV is byte-identical to the
    run without --feedback, and the line says why."""
    from roadwise.workspace import open_store

    db = _asked_workspace_db(tmp_path)
    with open_store(db) as store:
        ws = store.load()
        sso = ws.item_by_key["SSO"]
        items = [
            i
            if i.key != "SSO"
            else sso.model_copy(update={"value": sso.value.model_copy(update={"reach": 7})})
            for i in ws.items
        ]
        store.replace(ws.model_copy(update={"items": items}))
    args = ["prioritize", "--db", db, "-f", "rice", "--samples", "0", "--csv"]
    plain = runner.invoke(app, args)
    out = runner.invoke(app, [*args, "--feedback"])
    assert out.exit_code == 0, out.output
    assert out.stdout == plain.stdout
    assert "reach from feedback for 0 items" in out.stderr
    assert "kept for 2 items, so the ranking is unchanged" in out.stderr


def test_feedback_says_customer_demand_is_zero_where_nobody_asked(tmp_path: Path) -> None:
    """A scorecard on customer demand cannot rank without --feedback; with it, an item nobody
    asked for has none. The line says so rather than call the ranking unchanged."""
    from roadwise.domain import ScorecardCriterion
    from roadwise.workspace import open_store

    db = _asked_workspace_db(tmp_path)
    criteria = [
        ScorecardCriterion(name="demand", field="customer_demand", weight=1),
        ScorecardCriterion(name="value", field="business_value", weight=1),
    ]
    with open_store(db) as store:
        ws = store.load()
        priority = ws.settings.priority.model_copy(update={"scorecard": criteria})
        settings = ws.settings.model_copy(update={"priority": priority})
        store.replace(ws.model_copy(update={"settings": settings}))
    args = ["prioritize", "--db", db, "-f", "scorecard", "--samples", "0", "--json"]
    out = runner.invoke(app, [*args, "--feedback"])
    assert out.exit_code == 0, out.output
    assert out.stderr.strip() == (
        "--feedback: customer demand from feedback for 2 items, 0 for the other 1 item; "
        "Scorecard does not use reach"
    )
    # Nobody's request confirmed: every item has 0 of it, and the line says that.
    with open_store(db) as store:
        ws = store.load()
        unconfirmed = [
            fb.model_copy(
                update={"links": [ln.model_copy(update={"confirmed": False}) for ln in fb.links]}
            )
            for fb in ws.feedback
        ]
        store.replace(ws.model_copy(update={"feedback": unconfirmed}))
    out = runner.invoke(app, [*args, "--feedback"])
    assert out.exit_code == 0, out.output
    assert "unchanged" not in out.stderr
    assert "customer demand is 0 for every item" in out.stderr
    assert runner.invoke(app, args).exit_code != 0  # and without --feedback it cannot rank


def test_feedback_on_a_dropped_item_is_no_demand() -> None:
    """A dropped item keeps the links a person confirmed, but --feedback hands no demand for
    it to the ranking, as the feedback analysis does."""
    import datetime as dt

    from roadwise.domain import Customer, Feedback, FeedbackLink, Status
    from roadwise.views.cli.prioritize import _feedback_inputs

    customers = [
        Customer(key=f"C{i}", name=f"Customer {i}", annual_revenue=100_000 * (i + 1))
        for i in range(3)
    ]
    feedback = [
        Feedback(
            key=f"F{i}",
            text="please add SSO, and bring back the old export",
            customer=f"C{i}",
            date=dt.date(2026, 5, 1),
            links=[
                FeedbackLink(item="SSO", confirmed=True),
                FeedbackLink(item="OLD", confirmed=True),
            ],
        )
        for i in range(3)
    ]
    items = [
        Item(key="SSO", title="Single sign-on"),
        Item(key="OLD", title="Old export", status=Status.DROPPED),
    ]
    ws = Workspace(customers=customers, feedback=feedback, items=items)
    inputs = _feedback_inputs(ws)
    assert set(inputs) == {"customer_demand", "reach"}
    for criterion in inputs.values():
        assert set(criterion) == {"SSO"}
    assert inputs["reach"]["SSO"].likely == 3
    assert inputs["customer_demand"]["SSO"].likely == pytest.approx(600_000)


def _epic_feedback_workspace() -> Workspace:
    """An epic with two stories and a dropped feature under it: C0 asked for the epic, C1
    for story A, C2 for both (one text linked to the epic and to A, another to A alone), C3
    for the dropped feature only."""
    import datetime as dt

    from roadwise.domain import Customer, Feedback, FeedbackLink, ItemKind, Status

    customers = [
        Customer(key=f"C{i}", name=f"Customer {i}", annual_revenue=100_000 * (i + 1))
        for i in range(4)
    ]
    asked = {
        "F0": ("C0", ["EPIC"]),
        "F1": ("C1", ["A"]),
        "F2": ("C2", ["EPIC", "A"]),
        "F3": ("C2", ["A"]),
        "F4": ("C3", ["OLD"]),
    }
    feedback = [
        Feedback(
            key=key,
            text="please make approvals faster",
            customer=customer,
            date=dt.date(2026, 5, 1),
            links=[FeedbackLink(item=item, confirmed=True) for item in items],
        )
        for key, (customer, items) in asked.items()
    ]
    story = {
        "estimate": Estimate(low=1, likely=1, high=1),
        "value": ValueInputs(impact=1, confidence=1.0),
    }
    items = [
        Item(key="EPIC", title="Approvals that scale", kind=ItemKind.EPIC),
        Item(key="A", title="Bulk approve", parent="EPIC", **story),
        Item(key="B", title="Approve from email", parent="EPIC", **story),
        Item(
            key="OLD",
            title="Approval chains",
            kind=ItemKind.FEATURE,
            parent="EPIC",
            status=Status.DROPPED,
        ),
        Item(key="L", title="Chain editor", parent="OLD", **story),
    ]
    return Workspace(customers=customers, feedback=feedback, items=items)


def test_feedback_on_an_epic_counts_for_each_of_its_stories_each_customer_once() -> None:
    """The ranking scores stories, not epics: a text linked to the epic asks for all of it, so
    its customer counts for every story under the epic, however deep (as the epic's team and
    deadline hold for them). A customer who asked for the epic and for a story is one customer
    of it; a dropped feature's own texts hold for no story under it."""
    from roadwise.views.cli.prioritize import _feedback_inputs

    ws = _epic_feedback_workspace()
    revenue = {c.key: c.annual_revenue for c in ws.customers}
    inputs = _feedback_inputs(ws)
    # The epic and the dropped feature are not ranked: their demand goes to the stories.
    assert set(inputs["reach"]) == set(inputs["customer_demand"]) == {"A", "B", "L"}
    assert inputs["reach"]["A"].likely == 3  # C0 via the epic, C1, C2 once for three texts
    assert inputs["customer_demand"]["A"].likely == pytest.approx(
        revenue["C0"] + revenue["C1"] + revenue["C2"]
    )
    for story in ("B", "L"):  # C0 and C2 through the epic; C3 asked for the dropped feature
        assert inputs["reach"][story].likely == 2
        assert inputs["customer_demand"][story].likely == pytest.approx(
            revenue["C0"] + revenue["C2"]
        )


def test_prioritize_feedback_ranks_stories_with_their_epics_demand(tmp_path: Path) -> None:
    """End to end: with --feedback, a story nobody linked a text to directly is ranked on the
    customers who asked for its epic, and the story both were asked of ranks first."""
    from roadwise.workspace import open_store

    path = str(tmp_path / "epic.db")
    open_store(path).replace(_epic_feedback_workspace())
    out = runner.invoke(
        app, ["prioritize", "--db", path, "-f", "rice", "--json", "--feedback", "--samples", "0"]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    # RICE with impact, confidence and effort 1: the score is the customers asking.
    scores = {i["key"]: i["score"] for i in data["items"]}
    assert scores == {"A": pytest.approx(3), "B": pytest.approx(2), "L": pytest.approx(2)}
    assert data["unscored"] == []
    assert data["items"][0]["key"] == "A"


@pytest.fixture()
def skewed_db(tmp_path: Path) -> str:
    """Two items whose point scores and expected scores disagree: LONG is 16 WSJF at its
    likely job size of 1 (20 x 0.8 feasibility), but the job might take 10, so its expected
    WSJF (about 8) is far below SURE's exact 12."""
    from roadwise.workspace import open_store

    items = [
        Item(
            key="LONG",
            title="Long tail",
            estimate=Estimate(low=1, likely=1, high=10),
            technical_risk=0.4,
            value=ValueInputs(business_value=20, time_criticality=0, risk_reduction=0),
        ),
        Item(
            key="SURE",
            title="Well known",
            estimate=Estimate(low=2, likely=2, high=2),
            value=ValueInputs(business_value=24, time_criticality=0, risk_reduction=0),
        ),
    ]
    path = tmp_path / "skewed.db"
    open_store(str(path)).replace(Workspace(name="skewed", items=items))
    return str(path)


def _table(output: str) -> tuple[list[str], list[dict[str, str]]]:
    """The ranking table's header and rows (the columns of a simple Rich table)."""
    import re

    lines = output.splitlines()
    rule = next(i for i, line in enumerate(lines) if line.strip().startswith("──"))
    header = re.split(r"\s{2,}", lines[rule - 1].strip())
    rows = []
    for line in lines[rule + 1 :]:
        if not line.strip():
            break
        rows.append(dict(zip(header, re.split(r"\s{2,}", line.strip()), strict=True)))
    return header, rows


def test_the_ranking_column_comes_first_and_the_point_score_is_named(skewed_db: str) -> None:
    """Ranked by expected score: that is the first number of a row and it never rises down
    the table; the point score (most likely values) is a separate, named column."""
    out = runner.invoke(app, ["prioritize", "--db", skewed_db, "--top", "1", "--seed", "1"])
    assert out.exit_code == 0, out.output
    header, rows = _table(out.output)
    numbers = [h for h in header if h not in ("#", "item", "title", "quadrant")]
    assert numbers[0] == "expected" and "point score" in numbers and "score" not in numbers
    assert [r["item"] for r in rows] == ["SURE", "LONG"]
    expected = [float(r["expected"]) for r in rows]
    assert expected == sorted(expected, reverse=True)
    # The case that made the old table confusing: the first item has the lower point score.
    assert float(rows[0]["point score"]) < float(rows[1]["point score"])
    text = " ".join(out.output.split())
    assert "by expected WSJF" in text and "which the ranking orders by" in text

    data = json.loads(
        runner.invoke(app, ["prioritize", "--db", skewed_db, "--json", "--seed", "1"]).output
    )
    assert data["ranked_by"] == "expected"
    assert {"score", "expected"} <= set(data["field_meanings"])
    ranked = [i[data["ranked_by"]] for i in data["items"]]
    assert ranked == sorted(ranked, reverse=True)
    assert data["items"][0]["score"] < data["items"][1]["score"]  # score is the point score


def test_without_samples_the_uncertainty_columns_are_left_out(skewed_db: str) -> None:
    base = ["prioritize", "--db", skewed_db, "--samples", "0"]
    out = runner.invoke(app, base)
    assert out.exit_code == 0, out.output
    header, rows = _table(out.output)
    assert "score" in header
    for gone in ("expected", "90% interval", "P(top 2)", "exp. rank", "point score"):
        assert gone not in header
    assert [r["item"] for r in rows] == ["LONG", "SURE"]  # by the point score, 16 > 12
    assert "Nothing was sampled" in " ".join(out.output.split())

    data = json.loads(runner.invoke(app, [*base, "--json", "--explain", "LONG"]).output)
    assert data["ranked_by"] == "score" and data["samples"] == 0
    for item in [*data["items"], data["explain"]["item"]]:
        assert {"interval", "p_top_k", "expected_rank"}.isdisjoint(item)
    assert {"interval", "p_top_k", "expected_rank"}.isdisjoint(data["field_meanings"])
    rows_csv = list(csv.DictReader(io.StringIO(runner.invoke(app, [*base, "--csv"]).output)))
    assert {"interval_low", "interval_high", "p_top_k", "expected_rank"}.isdisjoint(rows_csv[0])
    explained = runner.invoke(app, [*base, "--explain", "LONG"]).output
    assert "P(top" not in explained and "interval" not in explained
    assert "rank 1 of 2 by WSJF" in explained

    # With samples they are all there.
    sampled = json.loads(runner.invoke(app, ["prioritize", "--db", skewed_db, "--json"]).output)
    assert {"interval", "p_top_k", "expected_rank"} <= set(sampled["items"][0])
    header, _ = _table(runner.invoke(app, ["prioritize", "--db", skewed_db]).output)
    assert {"expected", "90% interval", "P(top 2)", "exp. rank"} <= set(header)


def test_explain_shows_what_each_factor_puts_into_the_formula(skewed_db: str) -> None:
    """The feasibility multiplies by 1 - 0.5 x 40 % = 0.8, not by the 40 % risk; every
    column of both tables has a header."""
    out = runner.invoke(app, ["prioritize", "--db", skewed_db, "--explain", "LONG"])
    assert out.exit_code == 0, out.output
    assert "feasibility: 1 − 0.5 × technical risk 40%" in " ".join(
        c.strip() for line in out.output.splitlines() for c in line.split("│") if c.strip()
    )
    feasibility = next(line for line in out.output.splitlines() if "feasibility" in line)
    cells = [c.strip() for c in feasibility.split("│") if c.strip()]
    assert cells[1:] == ["40%", "multiplies", "× 0.8"]  # the label may wrap
    job = next(line for line in out.output.splitlines() if "job size" in line)
    assert [c.strip() for c in job.split("│") if c.strip()] == ["job size", "1", "divides", "÷ 1"]
    headers = [line for line in out.output.splitlines() if line.startswith("┃")]
    assert len(headers) == 2  # contributions and tornado
    for line in headers:
        names = [c.strip() for c in line.strip("┃").split("┃")]
        assert all(names), line
    assert "swing" in headers[1]
    assert "(20 + 0 + 0) / 1 × 0.8 = 16" in out.output


def test_an_unknown_framework_or_moscow_mode_is_one_line(db: str) -> None:
    for args, expected in (
        (["--framework", "foo"], "unknown framework 'foo'; use one of rice, ice, wsjf, cd3"),
        (["--moscow", "maybe"], "unknown MoSCoW mode 'maybe'; use one of tie_break, constraint"),
    ):
        out = runner.invoke(app, ["prioritize", "--db", db, *args])
        assert out.exit_code == 1, out.output
        assert expected in " ".join(out.output.split())
        assert "Value error" not in out.output and "Usage" not in out.output


@pytest.mark.parametrize(
    ("top", "title", "rows"),
    [
        (3, "WSJF: top 3 of 20 items and the next 5", 8),
        (18, "WSJF: top 18 of 20 items and the next 2", 20),
        (20, "WSJF: all 20 items", 20),
        (30, "WSJF: all 20 items", 20),
    ],
)
def test_the_title_counts_the_rows_the_table_shows(
    tmp_path: Path, top: int, title: str, rows: int
) -> None:
    """The table shows the top k and up to five more, for how close they come; the title
    says so instead of claiming only the top k."""
    from roadwise.workspace import open_store

    items = [
        Item(
            key=f"I{n}",
            title=f"Item {n}",
            estimate=Estimate(low=1, likely=1, high=1),
            value=ValueInputs(business_value=n + 1, time_criticality=0, risk_reduction=0),
        )
        for n in range(20)
    ]
    path = str(tmp_path / "many.db")
    open_store(path).replace(Workspace(items=items))
    out = runner.invoke(
        app, ["prioritize", "--db", path, "--samples", "0", "--top", str(top)], terminal_width=150
    )
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[0].strip() == title
    assert len(_table(out.output)[1]) == rows
