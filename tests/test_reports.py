"""Stakeholder reports: each kind builds, renders offline, and traces its numbers."""

from __future__ import annotations

import datetime as dt
import errno
import math
import re
import shutil
import subprocess
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from roadwise.domain import (
    Cycles,
    Deadline,
    Decision,
    Dependency,
    Estimate,
    HistoryRecord,
    Item,
    ItemKind,
    KeyResult,
    Objective,
    ObjectiveLink,
    Person,
    Release,
    Settings,
    Status,
    Team,
    ValueInputs,
    Workspace,
)
from roadwise.views.reports import (
    REPORT_KINDS,
    build_report,
    build_reports,
    derive_status,
    gather,
    write_report,
)
from roadwise.views.reports.facts import DateForecast
from roadwise.views.reports.model import (
    Bullets,
    Chart,
    Paragraph,
    Report,
    Section,
    without_marks,
)
from roadwise.views.reports.render import render_html

# --------------------------------------------------------------------------- workspaces


def small_workspace(seed: int = 3) -> Workspace:
    """Two teams, three epics, a dependency chain, a contract deadline, two years of history."""
    rng = np.random.default_rng(seed)
    as_of = dt.date(2026, 3, 2)
    teams = [
        Team(
            key="core",
            name="Core",
            people=[
                Person(key=f"c{i}", name=f"Core dev {i}", skills=["backend"]) for i in range(4)
            ],
        ),
        Team(
            key="web",
            name="Web",
            people=[
                Person(key=f"w{i}", name=f"Web dev {i}", skills=["frontend"]) for i in range(3)
            ],
        ),
    ]
    objectives = [
        Objective(
            key="grow",
            title="Grow enterprise revenue",
            due=dt.date(2026, 6, 30),
            key_results=[KeyResult(key="arr", metric="ARR", baseline=10, target=14, current=11.5)],
        ),
        Objective(
            key="fast",
            title="Make checkout fast",
            due=dt.date(2026, 4, 15),
            key_results=[KeyResult(key="p95", metric="p95", baseline=900, target=300, current=700)],
        ),
    ]
    items: list[Item] = []
    epics = [("SSO for enterprises", "grow", "core"), ("Faster checkout", "fast", "web")]
    epics.append(("Team billing", "grow", "web"))
    for e, (title, objective, team) in enumerate(epics):
        items.append(
            Item(
                key=f"E{e}",
                title=f"{title} epic",
                kind=ItemKind.EPIC,
                status=Status.IN_PROGRESS if e < 2 else Status.IDEA,
                objectives=[ObjectiveLink(objective=objective)],
                team=team,
            )
        )
        for f in range(3):
            status = [Status.IN_PROGRESS, Status.READY, Status.IDEA][f]
            items.append(
                Item(
                    key=f"F{e}{f}",
                    title=f"{title}: part {f + 1}",
                    kind=ItemKind.FEATURE,
                    parent=f"E{e}",
                    status=status,
                    team=team,
                    value=ValueInputs(cost_of_delay=float(rng.integers(1000, 9000))),
                    technical_risk=[0.1, 0.6, 0.8][f] if e == 0 else 0.2,
                    deadline=Deadline(date=dt.date(2026, 3, 20), hard=True, reason="contract")
                    if (e, f) == (1, 1)
                    else None,
                )
            )
            for s in range(4):
                done = f == 0 and s < 2
                st = Status.DONE if done else (status if s == 2 else Status.READY)
                items.append(
                    Item(
                        key=f"S{e}{f}{s}",
                        title=f"Story {e}.{f}.{s}",
                        description="Customers can now do this faster. More detail follows.",
                        kind=ItemKind.BUG if (f, s) == (0, 1) else ItemKind.STORY,
                        parent=f"F{e}{f}",
                        team=team,
                        status=st,
                        estimate=Estimate(low=2, likely=3 + s, high=8 + s),
                        value=ValueInputs(
                            business_value=float(rng.integers(1, 13)),
                            time_criticality=float(rng.integers(1, 8)),
                            risk_reduction=float(rng.integers(1, 5)),
                        ),
                        created=dt.datetime(2026, 1, 5) if done else None,
                        started=dt.datetime(2026, 2, 1) if done else None,
                        done=dt.datetime(2026, 2, 10 + s) if done else None,
                        # Each part waits on the previous part: chains across the epic.
                        dependencies=[Dependency(item=f"S{e}{f - 1}2")]
                        if f and s == 0
                        else [Dependency(item=f"S{e}{f}0")]
                        if f and s == 2
                        else [],
                    )
                )
    history: list[HistoryRecord] = []
    for team, gap in (("core", 1.6), ("web", 2.2)):
        day = dt.datetime(2024, 3, 1)
        while True:
            day += dt.timedelta(days=float(rng.exponential(gap)))
            if day.date() >= as_of:
                break
            created = day - dt.timedelta(days=float(rng.integers(3, 30)))
            history.append(
                HistoryRecord(
                    key=f"H{len(history)}",
                    title=f"Delivered {len(history)}",
                    team=team,
                    points=float(rng.choice([1, 2, 3, 5, 8])),
                    created=created,
                    started=created + dt.timedelta(days=1),
                    done=day,
                )
            )
    return Workspace(
        name="Acme Pay",
        as_of=as_of,
        teams=teams,
        objectives=objectives,
        items=items,
        history=history,
        decisions=[
            Decision(key="D1", date=dt.date(2026, 2, 20), title="SSO before billing", who="CPO")
        ],
        cycles=Cycles(
            releases=[
                Release(key="R1", name="2026.1", date=dt.date(2026, 1, 31)),
                Release(key="R2", name="2026.2", date=dt.date(2026, 4, 30)),
            ]
        ),
        settings=Settings(seed=7, glossary={"checkout": "payment page"}),
    )


def _workspace() -> Workspace:
    try:
        from roadwise.sample import generate_sample
    except ImportError:
        return small_workspace()
    return generate_sample(seed=7)


@pytest.fixture(scope="module")
def ws() -> Workspace:
    return _workspace()


@pytest.fixture(scope="module")
def reports(ws: Workspace) -> dict:
    # Fewer trials and a shorter solver limit than the CLI: the same code, faster.
    facts = gather(ws, trials=500, schedule_seconds=1.0)
    return {kind: build_report(kind, ws, facts=facts) for kind in REPORT_KINDS}


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("reports")


# --------------------------------------------------------------------------- HTML checks


class _References(HTMLParser):
    """Collects every resource reference an HTML document makes, and its section ids."""

    ATTRIBUTES = ("src", "href", "srcset", "action", "poster", "data", "xlink:href", "formaction")

    def __init__(self) -> None:
        super().__init__()
        self.references: list[str] = []
        self.ids: set[str] = set()
        self.styles: list[str] = []
        self._in_style = False
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if value is None:
                continue
            if name == "id":
                self.ids.add(value)
            if name in self.ATTRIBUTES:
                self.references.append(value)
            if name == "style":
                self.styles.append(value)
        if tag == "style":
            self._in_style = True

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


def external_references(document: str) -> list[str]:
    """Every src/href/url(...)/@import in a document that points outside it."""
    parser = _References()
    parser.feed(document)
    found = [r for r in parser.references if not _is_local(r)]
    for style in parser.styles:
        found += [u for u in re.findall(r"url\(\s*['\"]?([^'\")]+)", style) if not _is_local(u)]
        found += re.findall(r"@import\s+[^;]+", style)
    return found


def _is_local(reference: str) -> bool:
    reference = reference.strip()
    return reference.startswith(("#", "data:")) or reference == ""


def _parse(document: str) -> _References:
    parser = _References()
    parser.feed(document)
    return parser


def test_the_external_reference_check_can_fail() -> None:
    bad = (
        '<html><head><link rel="stylesheet" href="https://cdn.example/x.css">'
        "<style>body{background:url('http://x/y.png')}</style></head>"
        '<body><img src="//cdn/x.png"><a href="#local">ok</a>'
        '<img src="data:image/png;base64,AAAA"><div style="background: url(img.png)"></div>'
        "</body></html>"
    )
    assert external_references(bad) == [
        "https://cdn.example/x.css",
        "//cdn/x.png",
        "http://x/y.png",
        "img.png",
    ]


# --------------------------------------------------------------------------- building


def test_every_kind_builds_with_sections_and_traced_numbers(reports: dict) -> None:
    assert set(reports) == set(REPORT_KINDS)
    for kind, report in reports.items():
        assert report.sections, kind
        known = {p.ref for p in report.provenance}
        for section in report.sections:
            assert section.title
            for block in section.blocks:
                refs = getattr(block, "refs", ())
                assert set(refs) <= known, (kind, section.key, refs)
        for entry in report.provenance:
            assert entry.inputs and entry.method and entry.value, entry


def test_executive_summary_covers_objectives_dates_risks_and_asks(reports: dict) -> None:
    report = reports["executive"]
    keys = [s.key for s in report.sections]
    assert keys[0] == "objectives"
    assert {"ships", "top-risks", "decisions"} <= set(keys)
    ships = report.section("ships")
    assert ships is not None
    table = ships.tables[0]
    assert table.rows and all("likely by" in str(row[2]) for row in table.rows)
    # Stated with confidence, and every date traced.
    assert all("85% sure by" in str(row[2]) or "(85% sure)" in str(row[2]) for row in table.rows)
    # One provenance entry per date, plus one for the customer counts when shown.
    assert len(table.refs) == len(table.rows) + ("Customers" in table.columns)
    assert report.one_page


def test_roadmap_has_now_next_later_and_a_timeline(reports: dict, ws: Workspace) -> None:
    report = reports["roadmap"]
    keys = [s.key for s in report.sections]
    assert "now-next-later" in keys and "timeline" in keys
    listed = sum(
        len(t.rows) for s in report.sections if s.key in ("now", "next", "later") for t in s.tables
    )
    from roadwise.views.reports.facts import deliverables

    assert listed == len(deliverables(ws))
    assert {c.key for c in report.charts} >= {"timeline", "burn-up"}


def test_status_is_derived_and_explained(reports: dict) -> None:
    report = reports["status"]
    section = report.section("initiatives")
    assert section is not None
    rows = section.tables[0].rows
    assert rows
    for row in rows:
        badge = row[3]
        assert str(badge) in ("on track", "at risk", "off track", "no deadline")
        reason = str(row[4])
        assert reason.endswith(".") and reason.count(". ") == 0  # one sentence


def test_release_notes_list_shipped_work_for_customers(reports: dict) -> None:
    report = reports["release-notes"]
    highlights = report.section("highlights")
    assert highlights is not None
    bullets = [b for s in report.sections for b in s.blocks if isinstance(b, Bullets)]
    assert bullets and all(item for b in bullets for item in b.items)


def test_risk_register_and_resource_ask_have_content(reports: dict) -> None:
    risks = reports["risks"]
    assert risks.section("risks") is not None
    assert risks.section("dependencies") is not None
    resources = reports["resources"]
    ask = resources.section("ask")
    assert ask is not None and ask.tables[0].rows
    assert all(row[0].startswith("+1 engineer in") for row in ask.tables[0].rows)


def test_a_hires_worth_says_it_is_on_the_teams_own_items(ws: Workspace) -> None:
    """The reports price a hire on the team's own items at the forecast's pace, which is not
    what `capacity --what-if` prices (the whole roadmap re-planned): the sentence says so."""
    facts = gather(ws, trials=300, schedule_seconds=1.0)
    priced = [o for o in facts.resource_options if o["value_gained"] > 0]
    assert priced
    for option in priced:
        assert f"worth {option['value']} in cost of delay on its own items" in option["text"]


def test_sections_need_their_engines(ws: Workspace) -> None:
    """Without engine results, sections built on them are left out, not faked."""
    bare = gather(ws, steps=())
    executive = build_report("executive", ws, facts=bare)
    assert executive.section("ships") is None
    assert executive.section("objectives") is not None
    roadmap = build_report("roadmap", ws, facts=bare)
    assert roadmap.section("timeline") is None and not roadmap.charts
    status = build_report("status", ws, facts=bare)
    assert status.section("initiatives") is None
    resources = build_report("resources", ws, facts=bare)
    assert resources.section("ask") is None


def test_workspace_glossary_turns_terms_into_business_words() -> None:
    ws = small_workspace()
    report = build_report("status", ws, facts=gather(ws, steps=("forecast",)))
    prose = " ".join(
        [s.headline for s in report.sections]
        + [b.text for s in report.sections for b in s.blocks if isinstance(b, Paragraph)]
        + [c for s in report.sections for t in s.tables for c in t.columns]
    )
    # Titles are the team's own words, left as written; the glossary changes the rest.
    assert "Faster checkout epic" in prose
    for title in [i.title for i in ws.items] + [o.title for o in ws.objectives]:
        prose = prose.replace(title, "")
    # The default glossary says "initiative" for "epic"; the workspace adds its own term.
    assert "initiative" in prose.lower() and "epic" not in prose.lower()
    objectives = report.section("objectives")
    assert objectives is not None
    paragraph_text = " ".join(b.text for b in objectives.blocks if isinstance(b, Paragraph))
    assert "payment page" not in paragraph_text or "checkout" not in paragraph_text


# --------------------------------------------------------------------------- status rule


def _fc(p50: dt.date, p85: dt.date, p: float | None = None) -> DateForecast:
    return DateForecast(key="x", p50=p50, p85=p85, p_deadline=p)


def test_derive_status_rule() -> None:
    today = dt.date(2026, 3, 1)
    due = dt.date(2026, 5, 1)
    assert derive_status(None, due, today) is None
    early = derive_status(_fc(dt.date(2026, 4, 1), dt.date(2026, 4, 10)), due, today)
    assert early is not None and early[0] == "on track" and "1 May" in early[1]
    tight = derive_status(_fc(dt.date(2026, 4, 20), dt.date(2026, 5, 10)), due, today)
    assert tight is not None and tight[0] == "at risk"
    late = derive_status(_fc(dt.date(2026, 5, 20), dt.date(2026, 6, 10)), due, today)
    assert late is not None and late[0] == "off track" and "late" in late[1]
    # A probability from the simulation wins over the dates.
    assert derive_status(_fc(dt.date(2026, 4, 1), dt.date(2026, 4, 10), 0.6), due, today)[0] == (
        "at risk"
    )
    assert derive_status(_fc(dt.date(2026, 4, 1), dt.date(2026, 4, 10)), None, today)[0] == (
        "no deadline"
    )


# --------------------------------------------------------------------------- rendering


SECTIONS = {
    "executive": {"objectives", "ships", "top-risks", "decisions", "sources"},
    "roadmap": {"now-next-later", "timeline", "sources"},
    "status": {"objectives", "initiatives", "sources"},
    "release-notes": {"highlights", "sources"},
    "risks": {"risks", "dependencies", "sources"},
    "resources": {"ask", "sources"},
}


@pytest.mark.parametrize("kind", REPORT_KINDS)
def test_html_is_self_contained_with_its_sections(
    kind: str, reports: dict, ws: Workspace, out_dir: Path
) -> None:
    path = write_report(reports[kind], out_dir / f"{kind}.html", "html", ws)
    document = path.read_text(encoding="utf-8")
    assert external_references(document) == []
    parsed = _parse(document)
    assert SECTIONS[kind] <= parsed.ids
    assert "link" not in parsed.tags  # no stylesheet or font loaded from anywhere
    for chart in reports[kind].charts:
        assert f"vis-{chart.key}" in parsed.ids
    if reports[kind].charts:
        # Interactive: the Vega runtime is inlined once, charts are also inline SVG.
        assert document.count("vegaEmbed(") >= 1 and "<svg" in document


def test_markdown_writes_charts_beside_it(reports: dict, ws: Workspace, out_dir: Path) -> None:
    path = write_report(reports["roadmap"], out_dir / "roadmap.md", "md", ws)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Roadmap")
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert images and all((path.parent / image).is_file() for image in images)
    assert all((path.parent / image).read_text().lstrip().startswith("<svg") for image in images)
    assert "## Where the numbers come from" in text and "| N1 |" not in text  # anchored refs


def _png_pixels(path: Path) -> np.ndarray:
    """Greyscale pixels of a PNG page (Pillow comes with WeasyPrint)."""
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("L"), dtype=float)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) missing")
@pytest.mark.parametrize("kind", ["executive", "roadmap"])
def test_pdf_pages_are_not_blank(kind: str, reports: dict, ws: Workspace, out_dir: Path) -> None:
    pdf = write_report(reports[kind], out_dir / f"{kind}.pdf", "pdf", ws)
    assert pdf.read_bytes().startswith(b"%PDF")
    prefix = out_dir / f"{kind}-page"
    subprocess.run(
        ["pdftoppm", "-r", "30", "-png", str(pdf), str(prefix)], check=True, capture_output=True
    )
    pages = sorted(out_dir.glob(f"{kind}-page*.png"))
    assert pages
    # A blank page is one flat colour; text, tables and charts give ink and variance.
    for page in pages:
        pixels = _png_pixels(page)
        assert pixels.std() > 5, page.name
        assert (pixels < 200).mean() > 0.002, page.name
    first = _png_pixels(pages[0])
    assert first.std() > 10
    if kind == "executive":
        from pypdf import PdfReader

        text = PdfReader(str(pdf)).pages[0].extract_text()
        assert "Where we stand" in text and "likely by" in text


# --------------------------------------------------------------------------- API and CLI


def test_build_reports_shares_one_gathering() -> None:
    ws = small_workspace()
    reports = build_reports(ws, ["executive", "risks"])
    assert set(reports) == {"executive", "risks"}
    assert reports["executive"].engines == reports["risks"].engines
    with pytest.raises(ValueError, match="unknown report kind"):
        build_report("weekly", ws)


def test_report_escapes_what_people_typed() -> None:
    ws = small_workspace()
    feature = next(i for i in ws.items if i.kind == ItemKind.FEATURE)
    evil = feature.model_copy(update={"title": "<script>alert(1)</script> **bold**"})
    ws = ws.copy_with(items=[evil if i.key == feature.key else i for i in ws.items])
    report = build_report("roadmap", ws, facts=gather(ws, steps=()))
    document = render_html(report, interactive=False)
    assert "<script>alert(1)" not in document
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in document
    assert "from workspace “Acme Pay”" in document


def test_cli_writes_a_report_and_explains_a_missing_workspace(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from roadwise.views.cli import app
    from roadwise.workspace import open_store

    db = tmp_path / "ws.db"
    open_store(str(db)).replace(small_workspace())
    runner = CliRunner()
    out = tmp_path / "out" / "summary.md"
    result = runner.invoke(
        app, ["report", "executive", "--format", "md", "--out", str(out), "--db", str(db)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("# Executive summary: Acme Pay")
    missing = runner.invoke(app, ["report", "status", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 1
    assert "Traceback" not in missing.output


def test_cli_refuses_an_unknown_report_kind_or_format_in_one_line(tmp_path: Path) -> None:
    """Not Typer's usage panel ("Value error, 'foo' is not one of …", exit 2): one line that
    lists the kinds, exit 1, like the other commands' errors; --help names KIND and the kinds."""
    from typer.testing import CliRunner

    from roadwise.views.cli import app

    runner = CliRunner()
    db = str(tmp_path / "ws.db")
    for args, expected in (
        (
            ["report", "foo"],
            "unknown report kind 'foo'; use one of executive, roadmap, status, "
            "release-notes, risks, resources, all",
        ),
        (
            ["report", "status", "--format", "docx"],
            "unknown report format 'docx'; use one of html, md, pdf",
        ),
    ):
        result = runner.invoke(app, [*args, "--db", db])
        assert result.exit_code == 1, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0], result.output
        assert "Value error" not in result.output and "Usage" not in result.output
    usage = runner.invoke(app, ["report", "--help"]).output
    assert "roadwise report [OPTIONS] {KIND}" in usage and "{kind}" not in usage
    words = re.sub(r"[\s│]+", " ", usage)  # the help panel wraps at the terminal's width
    assert "executive, roadmap, status, release-notes, risks, resources, all" in words


def test_risk_register_names_schedule_misses_and_sustained_bottlenecks() -> None:
    from types import SimpleNamespace

    from roadwise.views.reports.facts import CapacityRow

    ws = small_workspace()
    facts = gather(ws, steps=())
    item = ws.item_by_key["F21"]
    facts.raw["roadmap_result"] = SimpleNamespace(
        lateness=[
            SimpleNamespace(
                item="F21",
                deadline=dt.date(2026, 4, 1),
                planned_end=dt.date(2026, 4, 20),
                late_days=19,
                cause="capacity",
                chain=[SimpleNamespace(item="S202"), SimpleNamespace(item="S210")],
            )
        ]
    )
    start = dt.date(2026, 3, 2)
    # Web is over capacity in 4 of 6 sprints (sustained); Core only in one (a normal queue).
    for sprint in range(6):
        day = start + dt.timedelta(days=14 * sprint)
        facts.capacity.append(CapacityRow("web", day, 20.0, 30.0 if sprint < 4 else 5.0))
        facts.capacity.append(CapacityRow("core", day, 20.0, 30.0 if sprint == 0 else 10.0))
    report = build_report("risks", ws, facts=facts)
    register = report.section("risks")
    assert register is not None
    rows = register.tables[0].rows
    miss = next(r for r in rows if r[2] == item.title)
    assert str(miss[0]) == "high" and "capacity" in str(miss[3]) and "S210" in str(miss[3])
    short = [r for r in rows if r[1] == "Capacity"]
    assert [r[2] for r in short] == ["Web is short of capacity"]
    capacity = report.section("capacity")
    assert capacity is not None and "Web" in capacity.headline


def test_capacity_headline_says_what_it_measures_and_names_the_largest_shortfall() -> None:
    """Being short of capacity is a count of sprints where more work could start than the team
    can do; the team with the largest shortfall in one sprint (the capacity table's worst row)
    is named too when its shortfall is short-lived, rather than the headline calling other
    teams "the bottlenecks" without saying in what sense."""
    from roadwise.views.reports.facts import CapacityRow
    from roadwise.views.reports.wording import say_number

    ws = small_workspace()
    facts = gather(ws, steps=())
    start = dt.date(2026, 3, 2)
    # Web: a little more than it can do in 3 of 13 sprints. Core: far more in the first
    # sprint, some more in the second, then nothing: the largest shortfall, over 2 sprints.
    core_demand = [200.0, 40.0] + [0.0] * 11
    for sprint in range(13):
        day = start + dt.timedelta(days=14 * sprint)
        facts.capacity.append(CapacityRow("web", day, 20.0, 30.0 if sprint < 3 else 5.0))
        facts.capacity.append(CapacityRow("core", day, 30.0, core_demand[sprint]))
    for kind in ("resources", "risks"):
        report = build_report(kind, ws, facts=facts)
        section = report.section("capacity")
        assert section is not None
        headline = section.headline
        assert "bottleneck" not in headline.lower(), headline
        assert headline.startswith(
            "Web is short of capacity for more than a sprint or two: more work could start "
            "than it can do in 3 of the next 13 sprints"
        ), headline
        worst = max(facts.capacity, key=lambda r: r.demand - r.capacity)
        assert worst.team == "core"
        assert (
            f"the largest shortfall in a single sprint is Core's ({say_number(worst.demand)} "
            f"{worst.unit} of work could start" in headline
        ), headline
        assert f"against {say_number(worst.capacity)} it can do), but only for 2 sprints" in (
            headline
        )
        # The trace counts every short team-sprint, not only those of the teams named.
        short = sum(1 for r in facts.capacity if r.demand > r.capacity * 1.05)
        traced = next(p for p in report.provenance if p.label == "Capacity and demand per team")
        assert traced.value.endswith(f"over capacity in {short}"), traced.value


def test_same_workspace_and_seed_give_the_same_report() -> None:
    ws = small_workspace()
    first = build_report("executive", ws, facts=gather(ws, steps=("priorities", "forecast")))
    again = build_report("executive", ws, facts=gather(ws, steps=("priorities", "forecast")))
    assert [(p.label, p.value) for p in first.provenance] == [
        (p.label, p.value) for p in again.provenance
    ]
    assert [s.headline for s in first.sections] == [s.headline for s in again.sections]


def test_progress_counts_person_days_and_points_in_one_unit() -> None:
    from roadwise.domain import EstimateUnit
    from roadwise.views.reports import facts as F

    base = small_workspace()
    rate = 2.5
    teams = [t.model_copy(update={"points_per_person_day": rate}) for t in base.teams]
    epic = base.item_by_key["E0"]
    done_before, total_before = F.progress(base, epic)
    # The same work, with the finished stories estimated in person-days instead of points.
    items = [
        i.model_copy(
            update={
                "estimate": Estimate(
                    low=i.estimate.low / rate,
                    likely=i.estimate.likely / rate,
                    high=i.estimate.high / rate,
                    unit=EstimateUnit.PERSON_DAYS,
                )
            }
        )
        if i.estimate and i.status == Status.DONE
        else i
        for i in base.items
    ]
    mixed = base.copy_with(teams=teams, items=items)
    assert F.work_unit(mixed) == "points"
    done, total = F.progress(mixed, mixed.item_by_key["E0"])
    assert done == pytest.approx(done_before) and total == pytest.approx(total_before)
    assert done > 0
    # All in person-days: counted as person-days, unconverted.
    only_days = base.copy_with(
        items=[
            i.model_copy(
                update={
                    "estimate": i.estimate.model_copy(update={"unit": EstimateUnit.PERSON_DAYS})
                }
            )
            if i.estimate
            else i
            for i in base.items
        ]
    )
    assert F.work_unit(only_days) == "person-days"
    assert F.progress(only_days, only_days.item_by_key["E0"]) == (done_before, total_before)


# --------------------------------------------------------------------------- read as a VP would

_LIKELY = re.compile(r"likely by (\d{1,2} [A-Z][a-z]+(?: \d{4})?)")


def _likely_date(text: str, as_of: dt.date) -> dt.date:
    found = _LIKELY.search(text)
    assert found, text
    words = found.group(1).split()
    year = int(words[2]) if len(words) == 3 else as_of.year
    return dt.datetime.strptime(f"{words[0]} {words[1]} {year}", "%d %B %Y").date()


def test_resource_ask_says_earlier_by_what_its_two_dates_differ(reports: dict) -> None:
    from roadwise.views.reports.wording import say_duration

    report = reports["resources"]
    ask = report.section("ask")
    assert ask is not None
    table = ask.tables[0]
    assert "Without the extra engineer" in table.columns
    col = table.columns.index
    for row in table.rows:
        with_hire = _likely_date(str(row[col("All planned work done")]), report.as_of)
        without = _likely_date(str(row[col("Without the extra engineer")]), report.as_of)
        days = (without - with_hire).days
        assert str(row[col("Earlier by")]) == (say_duration(days) if days >= 1 else "no change")
    # The headline names both dates, and the note says what the value of finishing earlier is.
    assert " instead of " in ask.headline
    note = " ".join(b.text for b in ask.blocks if isinstance(b, Paragraph))
    assert "cost of delay (what the business loses for every week" in note


def test_team_load_headline_names_the_last_team_to_finish_by_date(reports: dict) -> None:
    report = reports["resources"]
    load = report.section("load")
    assert load is not None
    table = load.tables[0]
    latest = max(_likely_date(str(r[3]), report.as_of) for r in table.rows)
    # Teams can finish the same day (one waits for the other's last item): any of them.
    last = [r[0] for r in table.rows if _likely_date(str(r[3]), report.as_of) == latest]
    assert any(load.headline.startswith(f"{t} is the last to finish its planned") for t in last)
    # "queue" is the sample's own glossary word (a customer's requests), not ours.
    assert "queue" not in load.headline


def test_reports_explain_cost_of_delay_points_and_85_percent_in_their_glossary(
    reports: dict, ws: Workspace, out_dir: Path
) -> None:
    executive = write_report(reports["executive"], out_dir / "gl-executive.md", "md", ws)
    text = executive.read_text(encoding="utf-8")
    glossary = text[text.index("**Glossary.**") :]
    assert "in cost of delay" in text and "*cost of delay*: what the business loses" in glossary
    assert "*85% sure*: the date the work was done by in 85 of every 100" in glossary
    # A word used only in a table cell ("about 300 points") is explained too.
    resources = write_report(reports["resources"], out_dir / "gl-resources.md", "md", ws)
    text = resources.read_text(encoding="utf-8")
    assert " points |" in text and "*points*: the teams' own unit" in text


def test_status_states_a_deadline_chance_in_the_same_words_everywhere(reports: dict) -> None:
    report = reports["status"]
    histogram = report.section("histogram")
    assert histogram is not None
    headline = histogram.headline
    found = re.search(r"; (almost no chance|over 99% chance|\d+% chance) of making the", headline)
    assert found, headline
    assert "; 0% chance" not in headline and "; 100% chance" not in headline
    title = headline.split(":")[0]
    rows = {str(r[0]): str(r[4]) for r in report.section("initiatives").tables[0].rows}
    if title in rows and "chance of making it" in rows[title]:
        assert f"{found.group(1)} of making it" in rows[title]


def test_dependency_tables_say_when_they_show_part_of_what_the_headline_counts(
    reports: dict,
) -> None:
    section = reports["risks"].section("dependencies")
    assert section is not None
    found = re.search(r"(\d+) hand-overs? between teams", section.headline)
    assert found, section.headline
    total = int(found.group(1))
    table = next(t for t in section.tables if t.columns[0] == "Item")
    if len(table.rows) < total:
        assert table.caption.endswith(f": {len(table.rows)} of {total} shown")
    else:
        assert "shown" not in table.caption
    # Grouped by the waiting team, the busiest first, as the headline names it.
    teams = [str(r[1]) for r in table.rows]
    assert teams == sorted(teams, key=lambda t: teams.index(t))
    if ", " in section.headline and "waiting on another team" in section.headline:
        assert section.headline.split(" of them with ")[1].startswith(teams[0])


def test_release_notes_read_as_written_for_customers(reports: dict, ws: Workspace) -> None:
    report = reports["release-notes"]
    highlights = report.section("highlights")
    assert highlights is not None
    texts = [b.text for b in highlights.blocks if isinstance(b, Paragraph)]
    brings = next(t for t in texts if t.startswith("This release brings"))
    assert not re.search(r"\b0 \w", brings), brings  # no "0 fixes"
    assert not any(re.match(r"\d+ changes? of these", t) for t in texts), texts
    # Fixes keep the team's capitals ("Jira", "SSO"), as written.
    titles = {i.title.strip().rstrip(".") for i in ws.items}
    for section in report.sections:
        for block in section.blocks:
            if isinstance(block, Bullets):
                for line in block.items:
                    if line.startswith("Fixed: "):
                        fixed = line.removeprefix("Fixed: ")
                        assert any(t[:1].upper() + t[1:] == fixed for t in titles), line


def test_release_notes_say_how_many_of_the_changes_customers_asked_for() -> None:
    from roadwise.views.reports.builders import _which_of

    assert _which_of(1, 1) == "It was"
    assert _which_of(2, 2) == "Both were"
    assert _which_of(5, 5) == "All 5 were"
    assert _which_of(1, 5) == "1 of these 5 changes was"
    assert _which_of(2, 5) == "2 of these 5 changes were"


def test_every_chart_carries_its_title_and_dated_axes_say_the_year(reports: dict) -> None:
    """A chart copied into a slide keeps its title; a 'Feb' axis would read as this year's."""
    seen = 0
    for kind, report in reports.items():
        for chart in report.charts:
            spec = chart.chart.to_dict()
            title = spec.get("title")
            text = title.get("text") if isinstance(title, dict) else title
            assert text, (kind, chart.key)
            seen += 1
            for layer in spec.get("layer", [spec]):
                x = layer.get("encoding", {}).get("x", {})
                if x.get("type") == "temporal" and x.get("axis", {}).get("format"):
                    assert "%Y" in x["axis"]["format"], (kind, chart.key, x)
    assert seen >= 5


def test_why_this_order_explains_the_score_and_reads_consistently(reports: dict) -> None:
    section = reports["roadmap"].section("priorities")
    assert section is not None
    texts = [b.text for b in section.blocks if isinstance(b, Paragraph)]
    assert any(
        t.startswith("The score is the team's ") and "higher comes first" in t for t in texts
    )
    # Item titles inside a sentence are quoted, so "Design: flows …" does not read as prose.
    flips = [t for t in texts if "could go either way" in t]
    assert all(t.count("“") == 2 and t.count("”") == 2 for t in flips)
    table = section.tables[0]
    scores = [str(r[3]) for r in table.rows]
    decimals = {
        len(n.split(".")[1]) if "." in n else 0 for s in scores for n in re.findall(r"[\d.]+", s)
    }
    assert len(decimals) == 1, scores  # one number of decimals in the column
    assert "100%" not in [str(r[4]) for r in table.rows] and "100% sure" not in section.headline
    # The appendix says the share in words, not as P(top k).
    assert not any("P(top" in p.value for p in reports["roadmap"].provenance)


@pytest.mark.parametrize("kind", ["executive", "roadmap", "resources"])
def test_markdown_links_every_traced_number_from_the_text(
    kind: str, reports: dict, ws: Workspace, out_dir: Path
) -> None:
    """Tables and charts link their numbers to the appendix in Markdown too, as in HTML."""
    path = write_report(reports[kind], out_dir / f"traced-{kind}.md", "md", ws)
    body, appendix = path.read_text(encoding="utf-8").split("## Where the numbers come from")
    listed = set(re.findall(r'<a id="(n\d+)"></a>', appendix))
    linked = set(re.findall(r"\]\(#(n\d+)\)", body))
    assert listed and listed <= linked, sorted(listed - linked)


def test_objective_table_headers_say_what_their_numbers_are(reports: dict) -> None:
    for kind in ("executive", "status"):
        section = reports[kind].section("objectives")
        assert section is not None
        columns = section.tables[0].columns
        assert "All open work done" in columns
        assert "Remaining work done" not in columns


def test_capacity_chart_names_the_teams_as_the_report_does(reports: dict, ws: Workspace) -> None:
    chart = next(c for c in reports["resources"].charts if c.key == "capacity")
    spec = chart.chart.to_dict()
    values = spec.get("data", {}).get("values") or next(
        d for d in spec.get("datasets", {}).values()
    )
    teams = {str(v["team"]) for v in values if "team" in v}
    names = {t.name for t in ws.teams}
    assert teams and teams <= names, teams


def test_trust_section_says_what_the_hit_rate_means_without_jargon(reports: dict) -> None:
    from roadwise.views.reports.builders import _trust

    section = reports["status"].section("calibration")
    assert section is not None
    assert "backtest" not in section.headline.lower()
    found = re.search(r"were met (\d+)% of the time: (.+)\.$", section.headline)
    assert found, section.headline
    assert found.group(2) == _trust(int(found.group(1)) / 100)
    assert _trust(0.95) == "if anything, the dates are cautious"
    assert _trust(0.84) == "the dates keep their promise"
    assert _trust(0.6) == "treat the dates as optimistic"


def test_executive_summary_fits_its_first_pdf_page(
    reports: dict, ws: Workspace, out_dir: Path
) -> None:
    """The one-page promise: everything before the appendix is on page 1."""
    from pypdf import PdfReader

    report = reports["executive"]
    pdf = write_report(report, out_dir / "one-page-executive.pdf", "pdf", ws)
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(str(pdf)).pages]
    assert len(pages) >= 2 and "Where the numbers come from" not in pages[0]
    assert pages[1].lstrip().startswith("Where the numbers come from"), pages[1][:200]


# --------------------------------------------------------------------------- audit fixes


def _with_new_team(ws: Workspace) -> Workspace:
    """``ws`` plus a team with no delivery history, owning a feature due on 1 June."""
    qa = Team(key="qa", name="QA", people=[Person(key="qa1", name="Q A")])
    feature = Item(
        key="QA-F",
        title="Accessibility audit fixes",
        kind=ItemKind.FEATURE,
        status=Status.READY,
        team="qa",
        deadline=Deadline(date=dt.date(2026, 6, 1), hard=False),
    )
    story = Item(
        key="QA-1",
        title="Fix contrast issues",
        kind=ItemKind.STORY,
        status=Status.READY,
        team="qa",
        parent="QA-F",
        estimate=Estimate(low=2, likely=3, high=5),
    )
    return ws.copy_with(teams=[*ws.teams, qa], items=[*ws.items, feature, story])


def test_work_of_a_team_without_history_is_said_to_be_undatable(tmp_path: Path) -> None:
    """No year-9999 date, no "years late": the reports say why there is no date."""
    ws = _with_new_team(small_workspace())
    facts = gather(ws, trials=300, steps=("forecast", "resources"))
    why = "cannot be dated (no delivery history for team QA)"
    for kind in ("roadmap", "risks", "resources", "executive"):
        report = build_report(kind, ws, facts=facts)
        text = write_report(report, tmp_path / f"{kind}.md", "md", ws).read_text()
        assert "9999" not in text and "years late" not in text, kind
    roadmap = build_report("roadmap", ws, facts=facts)
    rows = [
        r
        for s in roadmap.sections
        for t in s.tables
        for r in t.rows
        if r[0] == "Accessibility audit fixes"
    ]
    assert [str(c) for c in rows[0][2:]] == [why, "cannot be dated"]
    assert any(p.value == why for p in roadmap.provenance)
    assert (
        "no delivery history for team QA"
        in (roadmap.section("burn-up") or Section("", "")).headline
    )
    risks = build_report("risks", ws, facts=facts)
    register = risks.section("risks")
    assert register is not None and "cannot be dated" in register.headline
    row = next(r for r in register.tables[0].rows if r[2] == "Accessibility audit fixes")
    assert str(row[0]) == "medium" and "no delivery history for team QA" in str(row[3])
    # No engineer to offer a team whose pace is unknown; its load says why it has no date.
    resources = build_report("resources", ws, facts=facts)
    assert not any("QA" in o["option"] for o in facts.resource_options)
    load = resources.section("load")
    assert load is not None and [why] == [str(r[3]) for r in load.tables[0].rows if r[0] == "QA"]
    undated = without_marks(facts.forecasts["QA-F"].undated)
    assert undated == "no delivery history for team QA"


def test_work_waiting_on_an_undatable_team_prices_no_hire_as_infinite() -> None:
    """A team whose work waits on a team without history never finishes in the replay,
    with or without a hire: there are no weeks gained to price (inf - inf is no number)."""
    import warnings

    from roadwise.domain.model import Dependency

    ws = _with_new_team(small_workspace())
    # A story of web's feature F11 (which has a cost of delay) now waits on QA's story.
    story = ws.item_by_key["S110"]
    waiting = story.model_copy(
        update={"dependencies": [*story.dependencies, Dependency(item="QA-1")]}
    )
    ws = ws.copy_with(items=[waiting if i.key == "S110" else i for i in ws.items])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        facts = gather(ws, trials=200, steps=("forecast", "resources"))
    assert facts.resource_options
    for option in facts.resource_options:
        assert all(math.isfinite(v) for v in option.values() if isinstance(v, float)), option
        assert "inf" not in str(option.get("text", "")), option


def _waiting_on_new_team() -> Workspace:
    """``_with_new_team`` where web's story S110 (feature F11, hard deadline, objective
    "fast") waits on QA's story: Web has a pace, QA has none."""
    from roadwise.domain.model import Dependency

    ws = _with_new_team(small_workspace())
    story = ws.item_by_key["S110"]
    waiting = story.model_copy(
        update={"dependencies": [*story.dependencies, Dependency(item="QA-1")]}
    )
    return ws.copy_with(items=[waiting if i.key == "S110" else i for i in ws.items])


def test_work_waiting_on_a_team_without_history_cannot_be_dated_either(tmp_path: Path) -> None:
    """Web's work that waits on QA's is never done in the replay because of QA, not because it
    is too much for ten years: it reads "cannot be dated", naming QA, not "not within 10
    years" (nor "off track"); what waits on nothing undated reads as before."""
    ws = _waiting_on_new_team()
    facts = gather(ws, trials=200, steps=("forecast", "resources"))
    plain = gather(_with_new_team(small_workspace()), trials=200, steps=("forecast", "resources"))
    waits = "waits on work of team QA, which has no delivery history"
    # F11 holds S110; F12 and the rest of E1 wait on it; E1 is all that serves "fast".
    for key in ("F11", "E1", "objective:fast"):
        fc = facts.forecasts[key]
        assert not fc.dated and without_marks(fc.undated) == waits, key
        assert plain.forecasts[key].dated and not plain.forecasts[key].undated, key
    assert without_marks(facts.forecasts["QA-F"].undated) == "no delivery history for team QA"
    for key in ("F10", "E0", "E2", "objective:grow"):  # wait on nothing undated: as before
        fc = facts.forecasts[key]
        assert fc.dated and not fc.undated and fc.p85 == plain.forecasts[key].p85, key

    status = build_report("status", ws, facts=facts)
    text = write_report(status, tmp_path / "status.md", "md", ws).read_text()
    assert f"Cannot be dated: {waits}." in " ".join(text.split())
    roadmap = build_report("roadmap", ws, facts=facts)
    row = next(
        r
        for s in roadmap.sections
        for t in s.tables
        for r in t.rows
        if r[0] == "Faster checkout: part 2"
    )
    assert str(row[2]) == f"cannot be dated ({waits})"
    # The team load: Web cannot be dated either, so no engineer is offered there.
    load = build_report("resources", ws, facts=facts).section("load")
    assert load is not None
    web = next(r for r in load.tables[0].rows if r[0] == "Web")
    assert str(web[3]) == f"cannot be dated ({waits})"
    assert "nor can the work of Web, which waits on it" in without_marks(load.headline)
    assert [o["option"] for o in facts.resource_options] == ["+1 engineer in Core"]
    assert "+1 engineer in Web" in [o["option"] for o in plain.resource_options]


def test_the_teams_waited_on_are_worded_once_for_every_view() -> None:
    """A team named for its own work is not named again for what waits on it; the teams
    waited on read after it, those with no history before those with only old history."""
    from roadwise.engines.forecast.objectives import DELIVERY_WINDOW
    from roadwise.views.reports.facts import undated_reason
    from roadwise.views.reports.model import user_text

    ws = _with_new_team(small_workspace())
    ws = ws.copy_with(
        teams=[*ws.teams, Team(key="ops", name="Ops", people=[Person(key="o1", name="O P")])]
    )
    weeks = DELIVERY_WINDOW.weeks
    assert undated_reason(ws, {}, waits_on={"qa": False}) == (
        "waits on work of team QA, which has no delivery history"
    )
    assert undated_reason(ws, {}, waits_on={"qa": False, "ops": False}) == (
        "waits on work of teams Ops and QA, which have no delivery history"
    )
    assert undated_reason(ws, {}, waits_on={"qa": True, "ops": False}) == (
        "waits on work of team Ops, which has no delivery history, and of team QA, which "
        f"finished nothing in the last {weeks} weeks"
    )
    assert undated_reason(ws, {"qa": False}, waits_on={"qa": False, "ops": False}) == (
        "no delivery history for team QA and waits on work of team Ops, which has no "
        "delivery history"
    )
    assert undated_reason(ws, {"qa": False}, waits_on={"qa": False}) == (
        "no delivery history for team QA"
    )
    marked = undated_reason(ws, {}, waits_on={"qa": False}, mark=user_text)
    assert marked != without_marks(marked)
    assert without_marks(marked) == "waits on work of team QA, which has no delivery history"


def test_a_team_whose_history_is_all_older_than_the_window_is_named_for_that() -> None:
    from roadwise.engines.forecast.objectives import DELIVERY_WINDOW

    ws = _with_new_team(small_workspace())
    long_ago = dt.datetime.combine(ws.as_of, dt.time()) - dt.timedelta(weeks=150)
    old = HistoryRecord(
        key="QA-OLD", title="Old work", team="qa", points=3.0, created=long_ago, done=long_ago
    )
    ws = ws.copy_with(history=[*ws.history, old])
    facts = gather(ws, trials=200, steps=("forecast",))
    assert without_marks(facts.forecasts["QA-F"].undated) == (
        f"nothing finished by team QA in the last {DELIVERY_WINDOW.weeks} weeks"
    )


def test_the_reason_work_cannot_be_dated_is_worded_once_for_every_view() -> None:
    """The reports, the web app's objectives and team rows read one wording: teams with no
    history first, then those whose history is all older than the window, names sorted, and
    the reports' marks only around the names."""
    from roadwise.engines.forecast.objectives import DELIVERY_WINDOW
    from roadwise.views.reports.facts import undated_reason
    from roadwise.views.reports.model import user_text

    ws = _with_new_team(small_workspace())
    ws = ws.copy_with(
        teams=[
            *ws.teams,
            Team(key="ops", name="Ops", people=[Person(key="o1", name="O P")]),
            Team(key="data", name="Data", people=[Person(key="d1", name="D A")]),
        ]
    )
    weeks = DELIVERY_WINDOW.weeks
    assert undated_reason(ws, {"qa": False}) == "no delivery history for team QA"
    assert undated_reason(ws, {"qa": False, "ops": False, "data": True}) == (
        f"no delivery history for teams Ops and QA and nothing finished by team Data in the "
        f"last {weeks} weeks"
    )
    marked = undated_reason(ws, {"qa": True}, mark=user_text)
    assert marked != without_marks(marked)
    assert without_marks(marked) == f"nothing finished by team QA in the last {weeks} weeks"
    assert undated_reason(ws, {}) == ""


def _feedback_workspace() -> Workspace:
    """Customers, 400 texts (a fifth of them linked by a person) and an epic over three of
    the backlog's features."""
    from roadwise.engines.feedback import synthetic as syn

    customers = syn.customers(25)
    as_of = dt.date(2026, 6, 30)
    feedback, _ = syn.feedback_records(
        400, customer_keys=[c.key for c in customers], confirmed_share=0.2, as_of=as_of
    )
    epic = Item(key="EPIC-1", title="Security and compliance", kind=ItemKind.EPIC)
    items = [
        i.model_copy(update={"parent": "EPIC-1"}) if i.key in ("SSO-1", "2FA-1", "AUD-1") else i
        for i in syn.backlog_items()
    ]
    return Workspace(
        name="t", as_of=as_of, customers=customers, items=[epic, *items], feedback=feedback
    )


def test_without_a_feedback_analysis_the_demand_leaves_dropped_items_out() -> None:
    """The reports count demand over the confirmed links when no analysis is handed in: as
    the feedback analysis counts it, a dropped item is no demand and its texts do not count
    for its epic."""
    from roadwise.engines.feedback import FeedbackSettings, LexicalBackend, analyse_feedback

    ws = _feedback_workspace()
    linked = {link.item for f in ws.feedback for link in f.links if link.confirmed}
    assert {"SSO-1", "DARK-1"} <= linked  # a story of the epic and a stand-alone item
    ws = ws.copy_with(
        items=[
            i.model_copy(update={"status": Status.DROPPED}) if i.key in ("SSO-1", "DARK-1") else i
            for i in ws.items
        ]
    )
    facts = gather(ws, steps=("feedback",))
    assert facts.demand and not {"SSO-1", "DARK-1"} & set(facts.demand)
    confirmed_only = FeedbackSettings(include_proposed=False, bootstrap_samples=50)
    analysis = analyse_feedback(ws, LexicalBackend(), confirmed_only)
    engine = {k: d for k, d in analysis.item_demand.items() if d.mentions}
    assert set(facts.demand) == set(engine)
    for key, d in engine.items():
        row = facts.demand[key]
        assert (row["mentions"], row["customers"], row["revenue"]) == (
            d.mentions,
            d.reach,
            pytest.approx(d.revenue),
        ), key
    # The epic holds the texts of its remaining stories (and its own), none of SSO-1's alone.
    sso = {f.key for f in ws.feedback if any(x.item == "SSO-1" and x.confirmed for x in f.links)}
    rest = {
        f.key
        for f in ws.feedback
        if any(x.item in ("EPIC-1", "2FA-1", "AUD-1") and x.confirmed for x in f.links)
    }
    assert sso - rest and facts.demand["EPIC-1"]["mentions"] == len(rest)


def test_a_forecast_that_never_finishes_has_a_status_in_words() -> None:
    today = dt.date(2026, 3, 1)
    due = dt.date(2026, 5, 1)
    never = dt.date.max
    undated = DateForecast(
        key="x", p50=never, p85=never, p_deadline=0.0, undated="no delivery history for team QA"
    )
    assert derive_status(undated, due, today) == (
        "cannot be dated",
        "Cannot be dated: no delivery history for team QA.",
    )
    assert derive_status(undated, None, today)[0] == "cannot be dated"
    # With history but beyond the simulated ten years: off track, said without a date.
    beyond = DateForecast(key="x", p50=never, p85=never, p_deadline=0.0)
    status = derive_status(beyond, due, today)
    assert status is not None and status[0] == "off track"
    assert "not likely done within 10 years" in status[1].lower() and "9999" not in status[1]


def test_a_chance_just_short_of_85_percent_is_not_said_as_85() -> None:
    """At risk below 85% must not read "only 85% sure" (the on-track threshold)."""
    today = dt.date(2026, 11, 23)
    due = dt.date(2027, 3, 1)
    fc = DateForecast(
        key="x", p50=dt.date(2027, 2, 1), p85=dt.date(2027, 3, 2), p_deadline=1694 / 2000
    )
    status = derive_status(fc, due, today)
    assert status is not None and status[0] == "at risk"
    assert "only 84.7% sure" in status[1], status[1]
    assert "only 85% sure" not in status[1]
    late = derive_status(_fc(dt.date(2027, 2, 1), dt.date(2027, 3, 9), 0.4996), due, today)
    assert late is not None and late[0] == "off track" and "50% sure" not in late[1]


def _tiny_report() -> Report:
    report = Report(
        kind="status",
        title="Status report: Acme",
        subtitle="As of 2 March",
        as_of=dt.date(2026, 3, 2),
    )
    report.sections.append(Section("s", "A section", "All fine.", [Paragraph("Nothing more.")]))
    return report


@pytest.mark.parametrize("fmt", ["html", "md", "pdf"])
def test_a_failed_write_leaves_the_previous_report_whole(
    fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Disk full or a file-size limit half-way: the old report stays, no partial file."""
    import errno
    import os

    import weasyprint

    from roadwise.views.reports.render import write

    target = tmp_path / f"status.{fmt}"
    target.write_bytes(b"the previous, complete report")
    os.chmod(target, 0o640)

    def half_then_fail(written: Path, data: bytes) -> None:
        Path(written).write_bytes(data[: len(data) // 2])
        raise OSError(errno.EFBIG, "File too large")

    if fmt == "pdf":
        monkeypatch.setattr(
            weasyprint.HTML,
            "write_pdf",
            lambda self, target=None, **kw: half_then_fail(target, b"%PDF-1.7 " * 1000),
        )
    else:
        monkeypatch.setattr(
            Path,
            "write_text",
            lambda self, text, *a, **kw: half_then_fail(self, text.encode()),
        )
    with pytest.raises(OSError, match="too large"):
        write(_tiny_report(), target, fmt)
    assert target.read_bytes() == b"the previous, complete report"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary file left
    monkeypatch.undo()
    write(_tiny_report(), target, fmt)
    assert target.read_bytes()[:5] in (b"<!DOC", b"# Sta", b"%PDF-")
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
    assert target.stat().st_mode & 0o777 == 0o640  # replaced, with the file's own mode


def _report_with_charts() -> Report:
    """The tiny status report with two small charts, written to SVG files beside its .md."""
    import altair as alt

    report = _tiny_report()
    for key, height in (("burn-up", 3), ("load", 5)):
        chart = (
            alt.Chart(alt.Data(values=[{"week": w, "done": w * height} for w in range(4)]))
            .mark_line()
            .encode(x="week:Q", y="done:Q")
        )
        report.sections[0].blocks.append(Chart(key, f"Chart {key}", chart, "A caption."))
    return report


def _folder(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (hidden ones too) with its bytes; folders end in "/"."""
    return {
        str(p.relative_to(root)) + ("/" if p.is_dir() else ""): b""
        if p.is_dir()
        else p.read_bytes()
        for p in sorted(root.rglob("*"))
    }


def _fail_writing(suffix: str, last_of: int = 1) -> Callable[..., object]:
    """``Path.write_text`` that fails when writing the ``last_of``-th file ending in
    ``suffix`` (temporary names keep the target's suffix), after half its bytes."""
    real = Path.write_text
    seen: list[Path] = []

    def write_text(self: Path, text: str, *args: object, **kwargs: object) -> int:
        if self.suffix == suffix:
            seen.append(self)
            if len(seen) == last_of:
                self.write_bytes(text.encode()[: len(text) // 2])
                raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, text, *args, **kwargs)  # type: ignore[arg-type]

    return write_text


@pytest.mark.parametrize("previous", [True, False], ids=["over-a-report", "into-an-empty-folder"])
@pytest.mark.parametrize(("suffix", "last_of"), [(".md", 1), (".svg", 2)], ids=["md", "chart"])
def test_a_failed_markdown_write_leaves_the_folder_as_it_was(
    previous: bool, suffix: str, last_of: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The .md and its charts land together or not at all: a failure writing the .md (or a
    later chart) keeps the charts already drawn out of the folder, and every old file whole."""
    from roadwise.views.reports.render import write

    target = tmp_path / "status.md"
    if previous:
        target.write_text("the previous report", encoding="utf-8")
        (tmp_path / "status_files").mkdir()
        for key in ("burn-up", "load", "an-older-chart"):
            (tmp_path / "status_files" / f"{key}.svg").write_text(f"<svg>old {key}</svg>")
    before = _folder(tmp_path)
    monkeypatch.setattr(Path, "write_text", _fail_writing(suffix, last_of))
    with pytest.raises(OSError, match="No space left"):
        write(_report_with_charts(), target, "md")
    monkeypatch.undo()
    assert _folder(tmp_path) == before  # same files, same bytes, no temporaries or folders
    # and once the disk has room, the whole report is written
    write(_report_with_charts(), target, "md")
    charts = sorted(p.name for p in (tmp_path / "status_files").iterdir())
    assert {"burn-up.svg", "load.svg"} <= set(charts) and not [c for c in charts if c[0] == "."]
    assert all(
        (tmp_path / "status_files" / name).read_text().lstrip().startswith("<svg")
        for name in ("burn-up.svg", "load.svg")
    )
    assert "status_files/load.svg" in target.read_text(encoding="utf-8")


def test_a_report_whose_last_file_cannot_be_moved_into_place_puts_the_old_ones_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The charts are already renamed into place when the .md's rename fails: they are
    taken back, the previous ones restored."""
    import os

    from roadwise.views.reports.render import write

    target = tmp_path / "status.md"
    target.write_text("the previous report", encoding="utf-8")
    (tmp_path / "status_files").mkdir()
    (tmp_path / "status_files" / "burn-up.svg").write_text("<svg>old</svg>")
    before = _folder(tmp_path)
    real = os.replace

    def replace(source: str | Path, destination: str | Path) -> None:
        if Path(destination) == target and ".tmp" in Path(source).name:
            raise OSError(errno.EIO, "Input/output error")
        real(source, destination)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError, match="Input/output"):
        write(_report_with_charts(), target, "md")
    monkeypatch.undo()
    assert _folder(tmp_path) == before


TYPED = "Win | <i>big</i> *fast* **tech debt** epic\nline2"


@pytest.fixture(scope="module")
def typed() -> tuple[Workspace, Report]:
    """A status report whose objective title holds markup, glossary words and a line break."""
    ws = small_workspace()
    ws = ws.copy_with(
        objectives=[
            o.model_copy(update={"title": TYPED}) if o.key == "grow" else o for o in ws.objectives
        ]
    )
    return ws, build_report("status", ws, facts=gather(ws, trials=300, steps=("forecast",)))


def test_the_glossary_leaves_titles_in_sentences_as_typed(typed: tuple) -> None:
    _, report = typed
    objectives = report.section("objectives")
    assert objectives is not None
    prose = [b.text for b in objectives.blocks if isinstance(b, Paragraph)]
    # "tech debt" -> "engineering upkeep" and "epic" -> "initiative" apply to the report's
    # own words only; the table beside the sentence shows the same title.
    assert any(TYPED in text for text in prose), prose
    assert not any("engineering upkeep" in text for text in prose)
    assert TYPED in [str(row[0]) for row in objectives.tables[0].rows]


def test_markdown_escapes_titles_and_keeps_rows_whole(typed: tuple, tmp_path: Path) -> None:
    ws, report = typed
    md = write_report(report, tmp_path / "status.md", "md", ws).read_text(encoding="utf-8")
    assert "<i>big</i>" not in md and "\\<i\\>big\\</i\\>" in md
    assert "\\*fast\\*" in md and "\\*\\*tech debt\\*\\*" in md
    assert "Win \\|" in md
    # The line break in the title splits no table row (the appendix's included) or sentence.
    assert all("Win" in line for line in md.splitlines() if "line2" in line)
    assert md.count("line2") >= 3  # table, sentence, appendix


def test_html_bolds_only_the_reports_own_emphasis(typed: tuple, tmp_path: Path) -> None:
    ws, report = typed
    document = write_report(report, tmp_path / "status.html", "html", ws).read_text("utf-8")
    assert "<strong>tech debt</strong>" not in document and "**tech debt**" in document
    assert "<i>big" not in document and "&lt;i&gt;big&lt;/i&gt;" in document
    # The report's own bold (the objective's name before its status) still is.
    assert "<strong>Win | &lt;i&gt;big" in document


def test_markdown_escape_rules() -> None:
    from roadwise.views.reports.model import strong, user_text
    from roadwise.views.reports.render import _md_escape, _md_text

    assert _md_escape("1. first | *x* <b> [a](b) #2 & `c`\nnext") == (
        "1\\. first \\| \\*x\\* \\<b\\> \\[a\\](b) \\#2 \\& \\`c\\` next"
    )
    assert _md_escape("- not a list") == "\\- not a list"
    assert _md_text(f"{strong(user_text('**x**'))}: said") == "**\\*\\*x\\*\\***: said"


def test_burn_up_headline_dates_the_work_as_the_forecast_roadmap_does() -> None:
    """Rounded up to a day, like every other date: the engine's own 50% date."""
    from roadwise.views.reports.wording import say_date

    ws = small_workspace()
    facts = gather(ws, trials=500, steps=("forecast",))
    burn = facts.raw["burn_up"]
    expected = facts.raw["roadmap_forecast"].finish_all[50]
    assert burn["finish"] == expected
    assert f"likely done by {say_date(expected, ws.as_of)}," in burn["headline"]


def test_objectives_without_due_dates_are_not_counted_as_off_track() -> None:
    ws = small_workspace()
    undated = ws.copy_with(objectives=[o.model_copy(update={"due": None}) for o in ws.objectives])
    facts = gather(undated, trials=300, steps=("forecast",))
    headline = build_report("executive", undated, facts=facts).section("objectives").headline
    assert not headline.startswith("0 of"), headline
    assert headline.startswith("No objective has a due date to be on track against"), headline
    one = ws.copy_with(
        objectives=[
            o.model_copy(update={"due": None}) if o.key == "grow" else o for o in ws.objectives
        ]
    )
    facts = gather(one, trials=300, steps=("forecast",))
    headline = build_report("status", one, facts=facts).section("objectives").headline
    assert re.match(
        r"[01] of 1 objective with a due date on track \(1 more has none\)", headline
    ), headline


def test_resource_ask_table_and_sentence_say_the_same_gain() -> None:
    """A gain of a day or three is said in the table as in the sentence, not "no change"."""
    from roadwise.views.reports.wording import say_duration

    ws = small_workspace()
    # Large teams: one more engineer moves their dates by days, not weeks.
    teams = [
        t.model_copy(update={"people": [Person(key=f"{t.key}{i}", name=f"P{i}") for i in range(n)]})
        for t, n in zip(ws.teams, (40, 80), strict=True)
    ]
    ws = ws.copy_with(teams=teams)
    facts = gather(ws, trials=500, steps=("forecast", "resources"))
    gains = []
    for option in facts.resource_options:
        days = round(option["weeks_saved"] * 7)
        gains.append(days)
        if days:
            assert option["earlier"] == say_duration(days)
            assert f"{say_duration(days)} earlier" in option["text"]
        else:
            assert option["earlier"] == "no change"
            assert "earlier:" not in option["text"]
    assert any(1 <= d <= 3 for d in gains), gains


def test_forecast_method_names_the_history_windows_the_replay_draws_from() -> None:
    """The windows the method states are those the replay can draw from the history it reads:
    a window longer than that history is all of it, never more weeks than were read."""
    from roadwise.engines.forecast.objectives import DELIVERY_WINDOW
    from roadwise.engines.forecast.simulate import Sampling, _window_lengths

    read = DELIVERY_WINDOW.weeks
    drawn = np.unique(
        _window_lengths(np.ones(read), 4000, Sampling(), np.random.default_rng(1))
    ).tolist()
    facts = gather(small_workspace(), trials=300, steps=("forecast",))
    method = facts.forecast_method
    windows = method[method.index("resampled") : method.index("each team's pace")]
    shorter = [str(w) for w in drawn if w < read]
    assert shorter and f"last {', '.join(shorter[:-1])} or {shorter[-1]} weeks" in windows
    assert read in drawn and "all the history the forecast reads" in windows
    assert f"the last {read} weeks at most" in windows
    stated = [int(n) for n in re.findall(r"(\d+) weeks", windows)]
    assert max(stated) == read, windows
    assert "12/26/52" not in method


def _dashboard_counts(ws: Workspace, facts: object) -> dict[str, tuple[int, int]]:
    """Per objective title: (items open, items) as the web app's dashboard says them."""
    from roadwise.views.web.pages import objective_status

    rows = objective_status(ws, facts.raw["delivery_forecast"])  # type: ignore[attr-defined]
    return {row["objective"].title: (row["open"], row["total"]) for row in rows}


def test_work_done_says_items_as_the_dashboard_and_a_traced_share_of_the_points() -> None:
    """A share of the points once read as a share of the items ("~6% of 75 items"): the cell
    says what the share is of, counts the items as the dashboard does, and traces both."""
    from roadwise.views.reports import facts as F
    from roadwise.views.reports.wording import say_percent

    base = small_workspace()
    # Small items finished first: a share of the items far above the share of the work.
    small = Estimate(low=1, likely=1, high=2)
    ws = base.copy_with(
        items=[
            i.model_copy(update={"estimate": small}) if i.status.is_finished else i
            for i in base.items
        ]
    )
    facts = gather(ws, trials=300, steps=("forecast",))
    report = build_report("status", ws, facts=facts)
    table = report.section("objectives").tables[0]
    column = table.columns.index("Work done")
    dashboard = _dashboard_counts(ws, facts)
    notes = {p.label: p for p in report.provenance}
    assert len(table.rows) == len(ws.objectives)
    for objective, row in zip(ws.objectives, table.rows, strict=True):
        title, cell = objective.title, str(row[column])
        assert str(row[0]) == title
        found = re.fullmatch(r"(\d+) of (\d+) items? done, (.+) of the points", cell)
        assert found, cell
        open_items, total = dashboard[title]
        assert (int(found[1]), int(found[2])) == (total - open_items, total)
        serving = [i for i in F.objective_items(ws, objective.key) if i.status != Status.DROPPED]
        leaves = ws.leaf_items(serving)
        points = sum(i.estimate.likely for i in leaves if i.estimate)
        done = sum(i.estimate.likely for i in leaves if i.estimate and i.status.is_finished)
        assert found[3] == say_percent(done / points, word="~")
        # The share of the points differs from the share of the items here: saying which one
        # it is matters.
        assert found[3] != say_percent((total - open_items) / total, word="~")
        note = notes[f"{title}: work done"]
        assert note.ref in table.refs
        assert note.value.startswith(f"{total - open_items} of {total} items; ")
        assert "of the points" in note.value and "estimate" in note.method


def test_initiatives_say_work_done_in_items_and_a_traced_share_of_the_points(
    ws: Workspace, reports: dict
) -> None:
    """The status report's epics say what their share is of, as the objectives do, and each
    is traced (it read "~6%", a share of points, with no note)."""
    from roadwise.views.reports import facts as F

    report = reports["status"]
    section = report.section("initiatives")
    table = section.tables[0]
    column = table.columns.index("Work done")
    notes = {p.label: p for p in report.provenance}
    epics = {i.title: i for i in F.initiatives(ws)}
    assert table.rows
    for row in table.rows:
        epic = epics[str(row[0])]
        leaves = [i for i in F.leaves_of(ws, epic) if i.status != Status.DROPPED]
        finished = sum(1 for i in leaves if i.status.is_finished)
        assert str(row[column]).startswith(f"{finished} of {len(leaves)} item"), row
        assert "of the points" in str(row[column]) or str(row[column]) == "no work linked"
        note = notes[f"{epic.title}: work done"]
        assert note.ref in table.refs and f"under {epic.key}" in note.inputs


def test_the_one_page_summary_traces_no_work_done_it_leaves_out(reports: dict) -> None:
    section = reports["executive"].section("objectives")
    assert "Work done" not in section.tables[0].columns
    assert not [p for p in reports["executive"].provenance if p.label.endswith(": work done")]
    assert [p for p in reports["status"].provenance if p.label.endswith(": work done")]


def _load_dates(report: Report) -> list[tuple[str, dt.date, dt.date]]:
    """(team, likely date, 85% date) per dated row of the resources report's team load."""
    load = report.section("load")
    assert load is not None
    rows = []
    for team, *_, when in load.tables[0].rows:
        found = re.fullmatch(
            r"likely by (\d{1,2} \w+(?: \d{4})?)"
            r"(?:; 85% sure by (\d{1,2} \w+(?: \d{4})?)| \(85% sure\))?",
            str(when),
        )
        if not found:
            continue
        likely = _likely_date(f"likely by {found[1]}", report.as_of)
        sure = _likely_date(f"likely by {found[2]}", report.as_of) if found[2] else likely
        rows.append((str(team), likely, sure))
    return rows


def _assert_load_headline_agrees_with_the_table(report: Report) -> None:
    """The team named last is last by the likely dates, and every team with the latest 85%
    date is named too: the sentence contradicts neither column of dates."""
    load = report.section("load")
    assert load is not None
    rows = _load_dates(report)
    assert rows
    latest_likely = max(likely for _, likely, _ in rows)
    latest_sure = max(sure for _, _, sure in rows)
    assert any(
        load.headline.startswith(f"{team} is the last to finish its planned work")
        for team, likely, _ in rows
        if likely == latest_likely
    ), load.headline
    for team, _, sure in rows:
        if sure == latest_sure:
            assert team in load.headline, (team, load.headline)


def _bursty_team_workspace() -> Workspace:
    """Web finishes 20 items a week for six weeks, then nothing for six: an early likely date
    and a late 85% one. Core, with a third of its history, is later by the likely dates."""
    ws = small_workspace()
    history = [h for h in ws.history if h.team == "core"][::3]
    rng = np.random.default_rng(5)
    day, end = dt.datetime(2024, 3, 4), dt.datetime(2026, 3, 1)
    while day < end:
        for week in range(6):
            for _ in range(20):
                done = day + dt.timedelta(weeks=week, days=float(rng.uniform(0, 5)))
                if done < end:
                    history.append(
                        HistoryRecord(
                            key=f"W{len(history)}",
                            title=f"Delivered {len(history)}",
                            team="web",
                            points=float(rng.choice([2, 3, 5])),
                            created=done - dt.timedelta(days=10),
                            started=done - dt.timedelta(days=3),
                            done=done,
                        )
                    )
        day += dt.timedelta(weeks=12)
    return ws.copy_with(history=history)


def test_team_load_headline_agrees_with_both_dates_of_the_table(reports: dict) -> None:
    _assert_load_headline_agrees_with_the_table(reports["resources"])
    # A team last by the likely dates whose 85% date is not the latest.
    ws = _bursty_team_workspace()
    report = build_report(
        "resources", ws, facts=gather(ws, trials=500, steps=("forecast", "resources"))
    )
    rows = {team: (likely, sure) for team, likely, sure in _load_dates(report)}
    assert rows["Core"][0] > rows["Web"][0] and rows["Web"][1] > rows["Core"][1], rows
    _assert_load_headline_agrees_with_the_table(report)


def test_team_load_headline_names_the_later_85_percent_dates() -> None:
    from roadwise.views.reports.gather import _last_to_finish

    ws = small_workspace()
    day = dt.date
    teams = ["Insights", "Mobile", "Platform", "Workflow"]
    finishes = [
        (day(2027, 6, 14), day(2027, 8, 3), 0),
        (day(2027, 5, 19), day(2027, 8, 9), 1),
        (day(2027, 5, 10), day(2027, 8, 9), 2),
        (day(2027, 6, 9), day(2027, 7, 26), 3),
    ]
    headline = without_marks(_last_to_finish(ws, finishes, teams))
    assert headline.startswith("Insights is the last to finish its planned work going by the ")
    assert "likely by 14 June 2027; 85% sure by 3 August 2027" in headline
    assert headline.endswith(
        "going by the 85% dates, Mobile and Platform are last (85% sure by 9 August 2027)"
    )
    assert "Workflow" not in headline
    # The same team last by both dates: one plain claim.
    agreed = [(day(2027, 6, 14), day(2027, 8, 10), 0), *finishes[1:]]
    assert without_marks(_last_to_finish(ws, agreed, teams)) == (
        "Insights is the last to finish its planned work "
        "(likely by 14 June 2027; 85% sure by 10 August 2027)"
    )
    # Tied on the likely date: the one that is also last by the 85% date is named.
    tied = [(day(2027, 6, 14), day(2027, 8, 3), 0), (day(2027, 6, 14), day(2027, 8, 9), 1)]
    assert without_marks(_last_to_finish(ws, tied, teams[:2])).startswith(
        "Mobile is the last to finish its planned work (likely"
    )


def test_hire_method_divides_by_the_full_time_equivalents_it_computes_with() -> None:
    """The engine counts people by availability; the method and inputs say so."""
    ws = small_workspace()
    core = ws.teams[0]
    people = [
        p.model_copy(update={"availability": 0.5}) if i == 0 else p
        for i, p in enumerate(core.people)
    ]
    ws = ws.copy_with(teams=[core.model_copy(update={"people": people}), *ws.teams[1:]])
    facts = gather(ws, trials=300, steps=("forecast", "resources"))
    option = next(o for o in facts.resource_options if o["option"].endswith("Core"))
    provenance = option["provenance"]
    assert "4 people (3.5 full-time equivalents by availability)" in provenance["inputs"]
    assert "÷ the team's full-time equivalents" in provenance["method"]
    assert "÷ people" not in provenance["method"]


def test_hire_options_date_the_team_on_the_days_it_works(monkeypatch: pytest.MonkeyPatch) -> None:
    """The resources report's dates for a team, with and without the hire, are working days
    of that team, as the delivery forecast's own team dates are: here a team that works
    Fridays only, so every date is a Friday and "without" is the forecast's team date."""
    import sys

    import roadwise.engines.forecast.objectives as objectives
    from roadwise.engines.forecast.calendar import WorkCalendar
    from roadwise.views.reports.wording import date_with_confidence

    ws = small_workspace()
    start = ws.as_of
    days = (start + dt.timedelta(days=d) for d in range(12 * 366))
    fridays_only = WorkCalendar(None, frozenset(d for d in days if d.weekday() < 4))
    monkeypatch.setattr(objectives, "work_calendar", lambda ws, team: fridays_only)
    # (the package's `gather` is the function; the module is only reachable this way)
    gather_module = sys.modules["roadwise.views.reports.gather"]
    monkeypatch.setattr(
        gather_module, "work_calendar", lambda ws, team: fridays_only, raising=False
    )
    facts = gather(ws, trials=300, steps=("forecast", "resources"))
    teams = facts.raw["delivery_forecast"].teams
    assert facts.resource_options
    for option in facts.resource_options:
        team = next(t for t in ws.teams if option["option"] == f"+1 engineer in {t.name}")
        forecast = teams[team.key]
        assert forecast.p50.weekday() == 4
        assert option["without"] == date_with_confidence(forecast.p50, forecast.p85, as_of=ws.as_of)
        for found in re.findall(r"\d{4}-\d{2}-\d{2}", option["when"]):
            assert dt.date.fromisoformat(found).weekday() == 4, option["when"]
