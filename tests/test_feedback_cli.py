"""``roadwise feedback …`` end to end on a small stored workspace."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from roadwise.domain import Workspace
from roadwise.engines.feedback import synthetic as syn
from roadwise.views.cli import app
from roadwise.workspace import open_store

runner = CliRunner()
AS_OF = dt.date(2026, 6, 30)


@pytest.fixture
def db(tmp_path: Path) -> str:
    customers = syn.customers(20)
    feedback, _ = syn.feedback_records(
        300, customer_keys=[c.key for c in customers], confirmed_share=0.2, as_of=AS_OF
    )
    ws = Workspace(
        name="cli", as_of=AS_OF, customers=customers, items=syn.backlog_items(), feedback=feedback
    )
    path = str(tmp_path / "w.db")
    open_store(path).replace(ws)
    return path


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_import_refuses_bad_rows_unless_asked(db: str, tmp_path: Path) -> None:
    path = tmp_path / "tickets.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["ticket", "body", "created_at", "account", "stars"])
        writer.writerow(["T1", "Please add a gantt chart", "2026-06-01", "Customer 3 Inc", 4])
        writer.writerow(["T2", "", "2026-06-02", "Customer 4", 2])
        writer.writerow(["T3", "Search is slow", "2026-06-03", "Nobody", 2])
    before = len(open_store(db).load().feedback)
    refused = runner.invoke(app, ["feedback", "import", str(path), "--db", db, "--prefix", "ZD"])
    assert refused.exit_code == 1
    assert "row 3" in refused.output and "nothing was imported" in refused.output
    assert len(open_store(db).load().feedback) == before

    out = invoke(
        "feedback",
        "import",
        str(path),
        "--db",
        db,
        "--prefix",
        "ZD",
        "--skip-bad-rows",
        "--mapping",
        "id=ticket",
        "--json",
    )
    summary = json.loads(out)
    assert summary["imported"] == 2 and summary["bad_rows"] == 1
    assert summary["unmatched_customers"] == 1
    stored = {f.key: f for f in open_store(db).load().feedback}
    assert stored["ZD-T1"].customer == "C003" and stored["ZD-T1"].rating == 4


@pytest.mark.parametrize("skip", [[], ["--skip-bad-rows"]])
def test_import_refuses_a_csv_whose_quote_is_never_closed(
    db: str, tmp_path: Path, skip: list[str]
) -> None:
    """The rows after the quote were stored inside its text and the import said all was well."""
    path = tmp_path / "tickets.csv"
    path.write_text(
        "id,date,customer,text\n"
        "W1,2026-06-01,Customer 3,fine\n"
        'W2,2026-06-01,Customer 3,"never closed quote\n'
        "W3,2026-06-02,Customer 3,third\n"
        "W4,2026-06-03,Customer 3,fourth\n",
        encoding="utf-8",
    )
    before = open_store(db).load().feedback
    refused = runner.invoke(app, ["feedback", "import", str(path), "--db", db, *skip])
    said = " ".join(refused.output.split())
    assert refused.exit_code == 1, said
    assert f"{path}, row 3: a double quote opened in this row is never closed" in said
    assert "nothing was imported" in said
    assert open_store(db).load().feedback == before


def test_link_refuses_to_confirm_and_reject_the_same_pair(db: str) -> None:
    ws = open_store(db).load()
    text, other = ws.feedback[0].key, ws.feedback[1].key
    item = ws.items[0].key
    decisions = ["-c", f"{text}={item}", "-r", f"{text}={item}"]
    decisions += ["--reject", f"{other}={item}", "--confirm", f"{other}={item}"]
    refused = runner.invoke(app, ["feedback", "link", "--db", db, *decisions])
    assert refused.exit_code == 1
    assert " ".join(refused.output.split()) == (
        f"error: field '--confirm/--reject': {text}={item}, {other}={item} cannot be both "
        "confirmed and rejected"
    )
    assert open_store(db).load().feedback == ws.feedback
    # The same decision twice is no conflict.
    invoke("feedback", "link", "--db", db, "--confirm", f"{text}={item}", "-c", f"{text}={item}")
    links = next(f for f in open_store(db).load().feedback if f.key == text).links
    assert [x.confirmed for x in links if x.item == item] == [True]


def test_classify_refuses_two_labels_for_one_text(db: str) -> None:
    ws = open_store(db).load()
    text = ws.feedback[0].key
    refused = runner.invoke(
        app,
        ["feedback", "classify", "--db", db, "--label", f"{text}=bug", "-l", f"{text}=Praise"],
    )
    assert refused.exit_code == 1
    assert " ".join(refused.output.split()) == (
        f"error: field '--label': more than one label for a text: {text} bug and praise; "
        "give each text one"
    )
    assert open_store(db).load().feedback == ws.feedback


def test_classify_link_themes_demand(db: str) -> None:
    store = open_store(db)
    keys = [f.key for f in store.load().feedback]
    out = json.loads(
        invoke("feedback", "classify", "--db", db, "--label", f"{keys[0]}=praise", "--json")
    )
    assert out["labels_used"] == 1 and not out["learned"]
    ws = store.load()
    first = next(f for f in ws.feedback if f.key == keys[0])
    assert first.label == "praise" and first.label_source == "user"
    assert all(f.label for f in ws.feedback)

    proposals = json.loads(invoke("feedback", "link", "--db", db, "--json"))["proposed"]
    assert proposals
    target = proposals[0]
    invoke("feedback", "link", "--db", db, "--reject", f"{target['feedback']}={target['item']}")
    ws = store.load()
    links = next(f for f in ws.feedback if f.key == target["feedback"]).links
    assert any(x.item == target["item"] and x.confirmed is False for x in links)

    themes = json.loads(invoke("feedback", "themes", "--db", db, "--json"))
    assert themes and all(t["quotes"] for t in themes)
    demand = json.loads(invoke("feedback", "demand", "--db", db, "--json"))["items"]
    revenues = [d["revenue"] for d in demand]
    assert revenues == sorted(revenues, reverse=True)
    assert all(d["revenue_interval"][0] <= d["revenue_interval"][1] for d in demand)

    bad = runner.invoke(app, ["feedback", "classify", "--db", db, "--label", f"{keys[0]}=rant"])
    assert bad.exit_code == 1 and "unknown label 'rant'" in bad.output


def test_import_summary_is_the_first_line_when_not_on_a_terminal(db: str, tmp_path: Path) -> None:
    path = tmp_path / "tickets.csv"
    path.write_text("text,date\nPlease add a gantt chart,2026-06-01\n", encoding="utf-8")
    out = invoke("feedback", "import", str(path), "--db", db, "--prefix", "ZD")
    # No progress bar (nor the empty line it leaves behind) in a pipe or a log file.
    assert out.startswith("Imported 1 of 1 rows"), repr(out[:80])


def _right_aligned(lines: list[str], header: str, column: str, rows: str) -> int:
    """Every table row's number ends where the column's header ends; the number of rows."""
    end = next(x for x in lines if f" {column}" in x).index(column) + len(column)
    table = itertools.takewhile(
        lambda x: x.strip() and not x.startswith(("Per theme", "Top segments")),
        lines[lines.index(header) + 2 :],
    )
    body = [x for x in table if re.match(rows, x)]
    for line in body:
        assert line[end - 1].isdigit() and line[end : end + 1] in ("", " "), line
    return len(body)


def test_themes_and_demand_read_at_80_columns(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from roadwise.views.cli._common import console

    monkeypatch.setattr(console, "_width", 80)
    data = json.loads(invoke("feedback", "themes", "--db", db, "--json"))
    out = invoke("feedback", "themes", "--db", db)
    lines = out.splitlines()
    assert all(len(x.rstrip()) <= 80 for x in lines)
    header = next(x for x in lines if x.startswith("theme "))
    # One line per theme in the table, numbers right-aligned under their headers.
    for column in ("texts", "customers"):
        assert _right_aligned(lines, header, column, r"T\d+ ") == len(data)
    # Nothing is lost: each theme's whole name, rate ratio and first quote's start are shown.
    text = " ".join(out.split())
    for theme in data:
        assert f"{theme['name']} (×{theme['rate_ratio']:g}," in text
        assert " ".join(theme["quotes"][0].split()[:3]) in text

    out = invoke("feedback", "demand", "--db", db, "--top", "5")
    lines = out.splitlines()
    assert all(len(x.rstrip()) <= 80 for x in lines)
    header = next(x for x in lines if x.startswith("item "))
    for column in ("texts", "customers"):
        assert _right_aligned(lines, header, column, r"\S+-\d+ ") == 5
    # Each item's top segment is still shown, on its own line under the table.
    for d in json.loads(invoke("feedback", "demand", "--db", db, "--json"))["items"][:5]:
        if d["segments"]:
            top = next(iter(d["segments"]))
            assert any(x.startswith(f"{d['item']}  {top} ") for x in lines), d["item"]


def test_demand_says_apart_what_customers_ask_of_a_dropped_item(db: str) -> None:
    """Dropping an item takes its demand out of the ranking, not out of sight: `feedback
    demand` says in one line how many texts and customers still ask for it, and --json gives
    its row under "dropped", with the demand it had in the ranking."""
    before = json.loads(invoke("feedback", "demand", "--db", db, "--json"))
    assert before["dropped"] == {"texts": 0, "customers": 0, "items": []}
    assert "dropped" not in invoke("feedback", "demand", "--db", db)
    ranked = {row["item"]: row for row in before["items"]}
    ws = open_store(db).load()
    confirmed = {link.item for f in ws.feedback for link in f.links if link.confirmed}
    key = next(row["item"] for row in before["items"] if row["item"] in confirmed)
    invoke("items", "edit", key, "--status", "dropped", "--db", db)

    after = json.loads(invoke("feedback", "demand", "--db", db, "--json"))
    assert key not in {row["item"] for row in after["items"]}
    linked = {f.key for f in ws.feedback if any(x.item == key and x.confirmed for x in f.links)}
    (row,) = after["dropped"]["items"]
    # Nothing is proposed for a dropped item: the texts a person linked to it stay its demand.
    assert row["item"] == key and row["mentions"] == len(linked)
    known = {c.key for c in ws.customers}
    assert row["customers"] == len(
        {c for f in ws.feedback if f.key in linked and (c := f.customer) in known}
    )
    assert after["dropped"]["texts"] == row["mentions"]
    assert after["dropped"]["customers"] == row["customers"]
    assert row["mentions"] <= ranked[key]["mentions"]  # its proposals are gone
    out = " ".join(invoke("feedback", "demand", "--db", db).split())
    texts, customers = row["mentions"], row["customers"]
    assert (
        f"{texts} texts from {customers} customers ask for a dropped item: {key} ({texts} "
        f"texts, {customers} customers); it is not in the ranking." in out
    )


def test_money_in_the_tables_has_its_currency_first(db: str) -> None:
    from roadwise.views.reports.wording import short_money

    assert short_money(3_354_000, "USD", interval=(2_540_000, 4_250_000)) == "$3.35M (2.54–4.25M)"
    assert short_money(835_200, "EUR") == "€835k"
    assert short_money(900_000, "GBP", interval=(650_000, 1_200_000)) == "£900k (650k–1.2M)"
    assert short_money(2_000_000, "CHF") == "CHF 2M"
    demand = json.loads(invoke("feedback", "demand", "--db", db, "--json"))["items"][:3]
    out = invoke("feedback", "demand", "--db", db, "--top", "3")
    for d in demand:
        assert short_money(d["revenue"], "USD", interval=tuple(d["revenue_interval"])) in out
    themes = json.loads(invoke("feedback", "themes", "--db", db, "--json"))
    out = invoke("feedback", "themes", "--db", db)
    assert all(short_money(t["revenue"], "USD") in out for t in themes)


def test_a_theme_is_made_a_backlog_item(db: str) -> None:
    themes = json.loads(invoke("feedback", "themes", "--db", db, "--json"))
    first = themes[0]
    out = invoke(
        "feedback",
        "theme-item",
        first["theme"],
        "--key",
        "NEW-7",
        "--title",
        "Gantt view",
        "--name",
        first["name"],
        "--db",
        db,
    )
    # the theme is named beside its key: keys are per analysis, so the user sees which it was
    said = f"from theme {first['theme']} ({first['name']}): {first['texts']} texts"
    assert f"Created NEW-7 “Gantt view” {said}" in " ".join(out.split())
    ws = open_store(db).load()
    item = ws.item_by_key["NEW-7"]
    assert item.title == "Gantt view" and len(item.customers) == first["customers"]
    linked = [f for f in ws.feedback if any(x.item == "NEW-7" and x.confirmed for x in f.links)]
    assert len(linked) == first["texts"]
    # the same key again, or a theme that is not listed: a clear error, nothing written
    again = runner.invoke(
        app, ["feedback", "theme-item", first["theme"], "--key", "NEW-7", "--db", db]
    )
    assert again.exit_code == 1 and "NEW-7 already exists" in again.output
    missing = runner.invoke(app, ["feedback", "theme-item", "T999", "--key", "NEW-8", "--db", db])
    assert missing.exit_code == 1 and "no theme T999" in missing.output
    # a theme that no longer has the name it was listed with (the feedback changed)
    renamed = runner.invoke(
        app, ["feedback", "theme-item", "T1", "--key", "NEW-8", "--name", "not it", "--db", db]
    )
    assert renamed.exit_code == 1 and "not “not it”" in renamed.output
    assert "NEW-8" not in open_store(db).load().item_by_key
