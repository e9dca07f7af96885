"""Jira: the CSV export and the REST client against a loopback server in Jira's shapes."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from roadwise.domain import ItemKind, Status, Team, Workspace
from roadwise.errors import RoadwiseError
from roadwise.sources import jira
from roadwise.sources.jira_csv import read_jira_csv
from roadwise.sources.tracker_mapping import TrackerMapping, load_mapping, merge_issues
from roadwise.views.cli import app
from roadwise.workspace import open_store
from tracker_server import Request, Response, serve

runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result.exit_code, result.output


# --------------------------------------------------------------------------- CSV export

# Jira's "Export CSV (all fields)": repeated Labels / Sprint / link columns, custom fields.
HEADER = (
    "Summary,Issue key,Issue id,Issue Type,Status,Status Category,Project key,Project name,"
    "Created,Updated,Resolved,Due Date,Labels,Labels,Sprint,Sprint,"
    "Custom field (Story Points),Custom field (Epic Link),Parent,"
    "Outward issue link (Blocks),Inward issue link (Blocks),Description"
)
ROWS = [
    "Checkout revamp,PAY-1,10001,Epic,In Progress,In Progress,PAY,Payments,"
    '02/Nov/25 9:00 AM,21/Nov/25 3:04 PM,,15/Jan/26 12:00 AM,checkout,,,,,,,,,"Epic, with comma"',
    "Card form,PAY-2,10002,Story,Done,Done,PAY,Payments,03/Nov/25 10:15 AM,"
    "20/Nov/25 5:00 PM,20/Nov/25 4:59 PM,,ui,frontend,Sprint 1,Sprint 2,5,PAY-1,,PAY-3,,",
    "3DS support,PAY-3,10003,Story,Code Review,In Progress,PAY,Payments,04/Nov/25 11:00 AM,"
    '21/Nov/25 1:00 PM,,,,,Sprint 2,,8,,10001,,,"multi\nline"',
    "Wrong total,PAY-4,10004,Bug,Won't Do,Done,PAY,Payments,05/Nov/25 8:00 PM,"
    "06/Nov/25 8:00 PM,06/Nov/25 8:00 PM,,,,,,,,,,,",
]


def write_csv(path: Path, rows: list[str] = ROWS, header: str = HEADER) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_jira_export_keeps_line_breaks_in_cells_and_names_the_line_of_a_bad_byte(
    tmp_path: Path,
) -> None:
    # Jira writes Windows line ends inside quoted descriptions; text mode made them "\n".
    path = tmp_path / "crlf.csv"
    path.write_bytes(
        (HEADER + "\r\n" + ROWS[2].replace('"multi\nline"', '"multi\r\nline"') + "\r\n").encode()
    )
    assert read_jira_csv(path).issues[0].description == "multi\r\nline"
    latin = tmp_path / "latin.csv"
    latin.write_bytes(
        (HEADER + "\n" + ROWS[1] + "\n").encode() + "Caf\xe9,PAY-9\n".encode("cp1252")
    )
    with pytest.raises(RoadwiseError) as caught:
        read_jira_csv(latin)
    assert caught.value.line == 3 and "not UTF-8" in caught.value.message


def test_csv_reads_repeated_columns_custom_fields_links_and_dates(tmp_path: Path) -> None:
    result = read_jira_csv(write_csv(tmp_path / "jira.csv"), base_url="https://acme.atlassian.net")
    assert result.date_format == "%d/%b/%y %I:%M %p"
    by_key = {i.key: i for i in result.issues}
    card = by_key["PAY-2"]
    assert card.labels == ("ui", "frontend")
    assert card.sprints == ("Sprint 1", "Sprint 2")
    assert card.estimate == 5.0
    assert card.parent == "PAY-1"  # from the Epic Link custom field
    assert card.created == dt.datetime(2025, 11, 3, 10, 15)
    assert card.done == dt.datetime(2025, 11, 20, 16, 59)
    # PAY-3's Parent column holds the parent's issue id, resolved to its key.
    assert by_key["PAY-3"].parent == "PAY-1"
    # "PAY-2 blocks PAY-3" is written on PAY-2's row; PAY-3 then waits for PAY-2.
    assert by_key["PAY-3"].blocked_by == ("PAY-2",)
    assert by_key["PAY-3"].description == "multi\nline"
    assert by_key["PAY-1"].due == dt.date(2026, 1, 15)
    assert by_key["PAY-1"].url == "https://acme.atlassian.net/browse/PAY-1"

    ws, diff = merge_issues(Workspace(), result.issues, TrackerMapping())
    items = ws.item_by_key
    assert diff.added == 4 and diff.teams_added == ["pay"]
    assert items["PAY-1"].kind == ItemKind.EPIC and items["PAY-1"].status == Status.IN_PROGRESS
    assert items["PAY-3"].status == Status.IN_PROGRESS  # "Code Review" is work in progress
    assert items["PAY-4"].status == Status.DROPPED
    assert [d.item for d in items["PAY-3"].dependencies] == ["PAY-2"]
    assert items["PAY-2"].tags == ["ui", "frontend", "sprint:Sprint 2"]
    assert items["PAY-2"].source is not None and items["PAY-2"].source.key == "PAY-2"
    assert [h.key for h in ws.history] == ["PAY-2"]  # only finished work is history


def test_csv_iso_dates_and_an_override(tmp_path: Path) -> None:
    header = "Summary,Issue key,Issue Type,Status,Created,Resolved"
    rows = ["A,X-1,Task,Done,2025-03-04 10:00,2025-03-06 12:30"]
    assert read_jira_csv(write_csv(tmp_path / "iso.csv", rows, header)).issues[0].done == (
        dt.datetime(2025, 3, 6, 12, 30)
    )
    rows = ["A,X-1,Task,Done,04.03.2025 10:00,06.03.2025 12:30"]
    path = write_csv(tmp_path / "de.csv", rows, header)
    forced = read_jira_csv(path, date_format="%d.%m.%Y %H:%M").issues[0]
    assert forced.created == dt.datetime(2025, 3, 4, 10, 0)
    with pytest.raises(RoadwiseError, match="row 2, field 'Created'"):
        read_jira_csv(path, date_format="%Y-%m-%d %H:%M")


def test_csv_errors_name_row_and_column(tmp_path: Path) -> None:
    bad = [*ROWS[:1], ROWS[1].replace(",5,PAY-1", ",five,PAY-1")]
    with pytest.raises(RoadwiseError, match=r"row 3, field 'Custom field \(Story Points\)'"):
        read_jira_csv(write_csv(tmp_path / "bad.csv", bad))
    with pytest.raises(RoadwiseError, match="does not look like a Jira CSV export"):
        read_jira_csv(write_csv(tmp_path / "other.csv", ["a,b"], "Title,Key"))
    mapping_file = tmp_path / "mapping.yaml"
    mapping_file.write_text("estimate_field: Story Points (old)\n")
    with pytest.raises(RoadwiseError, match="estimate_field 'Story Points \\(old\\)'"):
        read_jira_csv(write_csv(tmp_path / "ok.csv"), load_mapping(mapping_file, "jira"))


def test_csv_t_shirt_sizes_count_as_points(tmp_path: Path) -> None:
    sized = [*ROWS[:1], ROWS[1].replace(",5,PAY-1", ",m,PAY-1"), ROWS[2].replace(",8,", ",XL,")]
    path = write_csv(tmp_path / "sized.csv", sized)
    by_key = {i.key: i.estimate for i in read_jira_csv(path).issues}
    assert by_key == {"PAY-1": None, "PAY-2": 3.0, "PAY-3": 8.0}  # the default sizes
    mapping_file = tmp_path / "mapping.yaml"
    mapping_file.write_text("sizes: {M: 4, XL: 16}\n")
    mapping = load_mapping(mapping_file, "jira")
    assert [i.estimate for i in read_jira_csv(path, mapping).issues] == [None, 4.0, 16.0]
    mapping_file.write_text("sizes: {M: 4}\n")  # the mapping's sizes replace the default
    with pytest.raises(RoadwiseError, match=r"row 4, .*or a size of the mapping \(M 4\), got 'XL'"):
        read_jira_csv(path, load_mapping(mapping_file, "jira"))
    for bad, where in (("sizes: [S, M]", "field 'sizes'"), ("sizes: {M: -1}", "sizes.M")):
        mapping_file.write_text(bad + "\n")
        with pytest.raises(RoadwiseError, match=where):
            load_mapping(mapping_file, "jira")


def test_rest_select_field_sizes_count_as_points() -> None:
    from roadwise.sources.jira import JiraFields, to_tracker_issue

    def issue(value: Any) -> dict[str, Any]:
        return {"key": "PAY-9", "fields": {"summary": "Sized", "customfield_1": value}}

    fields = JiraFields(estimate="customfield_1")

    def estimate(value: Any, mapping: TrackerMapping | None = None) -> float | None:
        return to_tracker_issue(issue(value), [], fields, {}, "https://j", mapping).estimate

    assert estimate({"value": "L", "id": "10"}) == 5.0
    assert estimate("2.5") == 2.5 and estimate(3) == 3.0 and estimate(None) is None
    assert estimate({"value": "L"}, TrackerMapping(sizes={"l": 6})) == 6.0
    with pytest.raises(RoadwiseError, match=r"Jira issue PAY-9: expected a number \(such as"):
        estimate({"value": "Huge"})


def test_cli_import_jira_csv_keeps_yaml_import_and_changes_nothing_on_error(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "rw.db")
    path = write_csv(tmp_path / "jira.csv")
    code, out = run("import", "jira", str(path), "--db", db, "--dry-run", "--json")
    assert code == 0 and json.loads(out)["added"] == 4
    assert not open_store(db).is_initialized()  # a dry run stores nothing
    code, out = run("import", "jira", str(path), "--db", db, "--json")
    assert code == 0 and json.loads(out)["added"] == 4
    code, out = run("import", "jira", str(path), "--db", db, "--json")
    assert json.loads(out)["unchanged"] == 4

    mapping = tmp_path / "map.yaml"
    mapping.write_text('statuses: {"Code Review": ready}\nteams: {PAY: payments}\n')
    code, out = run("import", "jira", str(path), "--db", db, "--mapping", str(mapping), "--json")
    data = json.loads(out)
    assert code == 0 and data["updated"] == 4 and data["teams_added"] == ["payments"]
    assert open_store(db).load().item_by_key["PAY-3"].status == Status.READY

    before = open_store(db).load().model_dump()
    broken = write_csv(tmp_path / "broken.csv", [*ROWS, "X,PAY-9,10009,Story,Done,Done,PAY,P,bad"])
    code, out = run("import", "jira", str(broken), "--db", db)
    assert code == 1 and "row 6" in out and "Traceback" not in out
    assert open_store(db).load().model_dump() == before

    # The plain YAML import still works alongside the tracker sub-command.
    code, _ = run("export", str(tmp_path / "ws.yaml"), "--db", db)
    assert code == 0
    code, out = run("import", str(tmp_path / "ws.yaml"), "--db", str(tmp_path / "o.db"))
    assert code == 0 and "items added" in out


def test_csv_estimate_with_a_comma_is_a_decimal_unless_it_could_be_thousands(
    tmp_path: Path,
) -> None:
    def estimates(*values: str) -> list[float | None]:
        rows = [f'Story {n},PAY-{n},To Do,"{v}"' for n, v in enumerate(values, start=1)]
        header = "Summary,Issue key,Status,Custom field (Story Points)"
        return [
            i.estimate for i in read_jira_csv(write_csv(tmp_path / "e.csv", rows, header)).issues
        ]

    # A European export's decimal comma, and a comma that cannot be a thousands separator.
    assert estimates("2,5", "0,500", "12,25", "3") == [2.5, 0.5, 12.25, 3.0]
    # "1,000" is 1000 in an English export and 1 in a German one: refused, never a guess.
    for ambiguous, message in (("1,000", r"1000 or 1\.000;"), ("2,500", r"2500 or 2\.500;")):
        with pytest.raises(RoadwiseError) as err:
            estimates("3", ambiguous)
        assert err.value.row == 3 and err.value.field == "Custom field (Story Points)"
        expected = rf"expected a number, but '{ambiguous}' could be {message}"
        assert re.search(expected, str(err.value))


def test_csv_parent_id_outside_the_export_warns_and_keeps_a_stored_parent(
    tmp_path: Path,
) -> None:
    header = "Summary,Issue key,Issue id,Issue Type,Status,Project key,Parent,Parent summary"
    rows = [
        "Child story,PAY-5,10005,Story,To Do,PAY,10099,Checkout epic",
        "Other child,PAY-6,10006,Story,To Do,PAY,PAY-77,Checkout epic",
    ]
    issues = read_jira_csv(write_csv(tmp_path / "parent.csv", rows, header)).issues
    ws, diff = merge_issues(Workspace(), issues, TrackerMapping())
    assert diff.warnings == [
        "PAY-5: parent 10099 (an issue id) is not imported; left out",
        "PAY-6: parent PAY-77 is not imported; left out",
    ]
    assert ws.item_by_key["PAY-5"].parent is None

    # An earlier export held the epic: a later one without it keeps the stored parent.
    earlier = [
        "Checkout epic,PAY-1,10099,Epic,To Do,PAY,,",
        "Child story,PAY-5,10005,Story,To Do,PAY,10099,Checkout epic",
    ]
    stored, _ = merge_issues(
        Workspace(),
        read_jira_csv(write_csv(tmp_path / "earlier.csv", earlier, header)).issues,
        TrackerMapping(),
    )
    assert stored.item_by_key["PAY-5"].parent == "PAY-1"
    ws, diff = merge_issues(stored, issues, TrackerMapping())
    assert ws.item_by_key["PAY-5"].parent == "PAY-1"
    assert "PAY-5: parent 10099 (an issue id) is not imported; kept PAY-1" in diff.warnings


def test_csv_due_date_is_the_day_as_written(tmp_path: Path) -> None:
    header = "Summary,Issue key,Status,Created,Due Date"
    rows = ["A,X-1,To Do,2026-03-02T10:00:00+0200,2026-03-31T00:00:00+0200"]
    (issue,) = read_jira_csv(write_csv(tmp_path / "due.csv", rows, header)).issues
    assert issue.due == dt.date(2026, 3, 31)  # not the 30th, as in UTC
    assert issue.created == dt.datetime(2026, 3, 2, 8, 0)  # a timestamp is still UTC


def test_mapping_file_not_utf8_is_refused_naming_it(tmp_path: Path) -> None:
    mapping_file = tmp_path / "map.yaml"
    mapping_file.write_bytes(b'statuses:\n  "En r\xe9vision": in_progress\n')
    with pytest.raises(RoadwiseError, match=r"^.*map\.yaml: not UTF-8 text"):
        load_mapping(mapping_file, "jira")
    path = write_csv(tmp_path / "jira.csv")
    code, out = run(
        "import", "jira", str(path), "--db", str(tmp_path / "rw.db"), "--mapping", str(mapping_file)
    )
    assert code == 1 and "not UTF-8 text" in out and "Traceback" not in out


def test_mapping_team_without_a_key_is_refused(tmp_path: Path) -> None:
    mapping_file = tmp_path / "map.yaml"
    for text, got in (
        ("teams:\n  PAY:\n", "nothing"),
        ('teams: {PAY: ""}\n', "nothing"),
        ("jira:\n  teams: {PAY: [a, b]}\n", "a list"),
    ):
        mapping_file.write_text(text, encoding="utf-8")
        with pytest.raises(RoadwiseError) as err:
            load_mapping(mapping_file, "jira")
        assert err.value.field == "teams.PAY"
        assert str(err.value).endswith(
            f"map.yaml, field 'teams.PAY': expected a team key, got {got}"
        )
    # Not a team called "None": the import stops and stores nothing.
    mapping_file.write_text("teams:\n  PAY:\n", encoding="utf-8")
    db = str(tmp_path / "rw.db")
    path = write_csv(tmp_path / "jira.csv")
    code, out = run("import", "jira", str(path), "--db", db, "--mapping", str(mapping_file))
    assert code == 1 and "teams.PAY" in out and not open_store(db).is_initialized()


# --------------------------------------------------------------------------- REST


def jira_time(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


class FakeJira:
    """Jira's REST API in its documented shapes, with a small page size to force paging."""

    def __init__(self, *, version: str = "3", page_size: int = 2) -> None:
        self.version = version
        self.page_size = page_size
        self.issues: dict[str, dict[str, Any]] = {}
        self.token = "secret-token"
        self.email = "tpm@acme.test"
        self.fail: dict[str, Response] = {}  # path -> a response to give once
        self.puts: list[tuple[str, Any]] = []
        self.changelogs: dict[str, list[dict[str, Any]]] = {}
        self.rank: list[str] = []  # the board's order
        self.ranked: list[Any] = []
        self.sprints: list[dict[str, Any]] = []  # the board's active and future sprints
        self.moved: list[tuple[int, Any]] = []  # (sprint id, body) of each move into a sprint
        self.fields = [
            {"id": "summary", "name": "Summary"},
            {"id": "customfield_10016", "name": "Story Points"},
            {"id": "customfield_10020", "name": "Sprint"},
            {"id": "customfield_10014", "name": "Epic Link"},
        ]

    def add(
        self,
        key: str,
        *,
        updated: dt.datetime,
        status: str = "To Do",
        category: str = "new",
        points: float | None = None,
        parent: str | None = None,
        blocked_by: str | None = None,
        moves: list[tuple[dt.datetime, str]] = (),  # type: ignore[assignment]
        resolved: dt.datetime | None = None,
        kind: str = "Story",
        truncate: bool = False,
    ) -> None:
        histories = [
            {
                "id": str(n),
                "created": jira_time(when),
                "items": [{"field": "status", "fieldtype": "jira", "toString": to}],
            }
            for n, (when, to) in enumerate(moves)
        ]
        sprint: Any = [{"id": 7, "name": "Sprint 7", "state": "active"}]
        if self.version == "2":
            sprint = ["com.atlassian.greenhopper.service.sprint.Sprint@1a[id=7,name=Sprint 7,x=1]"]
        description: Any = {
            "type": "doc",
            "content": [
                {"type": "paragraph", "content": [{"type": "text", "text": f"About {key}"}]}
            ],
        }
        self.changelogs[key] = histories
        if key not in self.rank:
            self.rank.append(key)
        self.issues[key] = {
            "id": str(10000 + len(self.issues)),
            "key": key,
            "fields": {
                "summary": f"Issue {key}",
                "description": description if self.version == "3" else f"About {key}",
                "issuetype": {"name": kind},
                "status": {"name": status, "statusCategory": {"key": category}},
                "project": {"key": "PAY"},
                "labels": ["api"],
                "created": jira_time(dt.datetime(2025, 10, 1, 9)),
                "updated": jira_time(updated),
                "resolutiondate": jira_time(resolved) if resolved else None,
                "duedate": None,
                "parent": {"key": parent} if parent else None,
                "issuelinks": [
                    {
                        "type": {"name": "Blocks", "inward": "is blocked by", "outward": "blocks"},
                        "inwardIssue": {"key": blocked_by},
                    }
                ]
                if blocked_by
                else [],
                "customfield_10016": points,
                "customfield_10020": sprint,
            },
            "changelog": {
                "startAt": 0,
                "maxResults": 1 if truncate else 100,
                "total": len(histories),
                "histories": histories[:1] if truncate else histories,
            },
        }

    def authorised(self, request: Request) -> bool:
        auth = request.headers.get("authorization", "")
        if self.version == "3":
            expected = base64.b64encode(f"{self.email}:{self.token}".encode()).decode()
            return auth == f"Basic {expected}"
        return auth == f"Bearer {self.token}"

    def matching(self, jql: str) -> list[dict[str, Any]]:
        found = list(self.issues.values())
        keys = re.search(r"issuekey in \(([^)]*)\) ORDER BY Rank ASC", jql)
        if keys:
            wanted = {k.strip() for k in keys.group(1).split(",")}
            return [self.issues[k] for k in self.rank if k in wanted]
        match = re.search(r'updated >= "(\d{4}/\d\d/\d\d \d\d:\d\d)"', jql)
        if match:
            since = dt.datetime.strptime(match.group(1), "%Y/%m/%d %H:%M")
            found = [
                i
                for i in found
                if dt.datetime.strptime(i["fields"]["updated"][:16], "%Y-%m-%dT%H:%M") >= since
            ]
        return sorted(found, key=lambda i: i["fields"]["updated"])

    def __call__(self, request: Request) -> Response:
        if request.path in self.fail:
            return self.fail.pop(request.path)
        if not self.authorised(request):
            return Response(401, {"errorMessages": ["You are not authenticated."]})
        if request.path == "/rest/agile/1.0/issue/rank" and request.method == "PUT":
            self.ranked.append(request.body)
            return Response(204, raw=b"")
        if re.fullmatch(r"/rest/agile/1.0/board/12/sprint", request.path):
            start = int(request.query.get("startAt", 0))
            page = self.sprints[start : start + self.page_size]
            last = start + self.page_size >= len(self.sprints)
            return Response(body={"startAt": start, "isLast": last, "values": page})
        if request.path == "/rest/agile/1.0/sprint" and request.method == "POST":
            body = dict(request.body)
            assert body["originBoardId"] == 12
            sprint = {
                "id": 100 + len(self.sprints),
                "state": "future",
                "name": body["name"],
                "startDate": body["startDate"],
                "endDate": body["endDate"],
            }
            self.sprints.append(sprint)
            return Response(201, sprint)
        moved = re.fullmatch(r"/rest/agile/1.0/sprint/(\d+)/issue", request.path)
        if moved and request.method == "POST":
            self.moved.append((int(moved.group(1)), request.body))
            return Response(204, raw=b"")
        api = f"/rest/api/{self.version}"
        if request.path == f"{api}/field":
            return Response(body=self.fields)
        if request.path == f"{api}/status":
            return Response(
                body=[
                    {"name": "To Do", "statusCategory": {"key": "new"}},
                    {"name": "In Progress", "statusCategory": {"key": "indeterminate"}},
                    {"name": "In Review", "statusCategory": {"key": "indeterminate"}},
                    {"name": "Done", "statusCategory": {"key": "done"}},
                ]
            )
        if request.path == f"{api}/search/jql":
            found = self.matching(request.query["jql"])
            start = int(request.query.get("nextPageToken") or 0)
            page = found[start : start + self.page_size]
            nxt = start + self.page_size
            body: dict[str, Any] = {"issues": page, "isLast": nxt >= len(found)}
            if nxt < len(found):
                body["nextPageToken"] = str(nxt)
            return Response(body=body)
        if request.path == f"{api}/search":
            found = self.matching(request.query["jql"])
            start = int(request.query.get("startAt", 0))
            return Response(
                body={
                    "startAt": start,
                    "maxResults": self.page_size,
                    "total": len(found),
                    "issues": found[start : start + self.page_size],
                }
            )
        match = re.fullmatch(rf"{api}/issue/([A-Z]+-\d+)(/changelog)?", request.path)
        if match and not match.group(2) and request.method == "GET":
            key = match.group(1)
            issue = {**self.issues[key], "changelog": {"histories": self.changelogs[key]}}
            return Response(body=issue)
        if match and match.group(2):
            values = self.changelogs[match.group(1)]
            start = int(request.query.get("startAt", 0))
            return Response(
                body={
                    "startAt": start,
                    "maxResults": 1,
                    "total": len(values),
                    "isLast": start + 1 >= len(values),
                    "values": values[start : start + 1],
                }
            )
        if match and request.method == "PUT":
            self.puts.append((match.group(1), request.body))
            return Response(204, raw=b"")
        return Response(404, {"errorMessages": ["Not found"]})


T0 = dt.datetime(2025, 11, 20, 10, 0)


def seeded(version: str = "3") -> FakeJira:
    fake = FakeJira(version=version)
    fake.add("PAY-1", updated=T0, status="In Progress", category="indeterminate", kind="Epic")
    fake.add(
        "PAY-2",
        updated=T0 + dt.timedelta(minutes=5),
        status="Done",
        category="done",
        points=5,
        parent="PAY-1",
        resolved=dt.datetime(2025, 11, 10, 17),
        moves=[
            (dt.datetime(2025, 11, 3, 9), "In Progress"),
            (dt.datetime(2025, 11, 6, 9), "In Review"),
            (dt.datetime(2025, 11, 10, 17), "Done"),
        ],
        truncate=True,
    )
    fake.add("PAY-3", updated=T0 + dt.timedelta(minutes=9), points=3, blocked_by="PAY-2")
    return fake


def sync_jira(url: str, db: str, *extra: str, version: str = "3") -> tuple[int, str]:
    env = {"ROADWISE_JIRA_TOKEN": "secret-token"}
    if version == "3":
        env["ROADWISE_JIRA_EMAIL"] = "tpm@acme.test"
    return run("sync", "jira", "--url", url, "--project", "PAY", "--db", db, *extra, env=env)


@pytest.mark.parametrize("version", ["3", "2"])
def test_rest_sync_pages_changelog_links_fields(tmp_path: Path, version: str) -> None:
    fake = seeded(version)
    db = str(tmp_path / "rw.db")
    with serve(fake) as server:
        code, out = sync_jira(server.url, db, "--json", version=version)
        assert code == 0, out
        data = json.loads(out)
        # Two pages of two and one; the truncated changelog was fetched separately.
        search = "search/jql" if version == "3" else "search"
        pages = [r for r in server.requests if r.path.endswith(search)]
        assert len(pages) == 2
        # Cloud pages the changelog endpoint; Data Center re-reads the issue with its history.
        tail = "/issue/PAY-2/changelog" if version == "3" else "/issue/PAY-2"
        assert any(r.path.endswith(tail) for r in server.requests)
        assert "secret-token" not in out
    assert data["added"] == 3 and data["incremental"] is False
    ws = open_store(db).load()
    card = ws.item_by_key["PAY-2"]
    assert card.started == dt.datetime(2025, 11, 3, 9)  # first move into an in-progress status
    assert card.done == dt.datetime(2025, 11, 10, 17)
    assert card.estimate is not None and card.estimate.likely == 5
    assert card.parent == "PAY-1" and card.status == Status.DONE
    assert card.tags == ["api", "sprint:Sprint 7"]
    assert card.description.strip() == "About PAY-2"
    assert [d.item for d in ws.item_by_key["PAY-3"].dependencies] == ["PAY-2"]
    assert card.source is not None and card.source.url == f"{server.url}/browse/PAY-2"
    assert [h.key for h in ws.history] == ["PAY-2"]
    assert ws.history[0].started == dt.datetime(2025, 11, 3, 9)


def test_incremental_sync_fetches_only_what_changed(tmp_path: Path) -> None:
    fake = seeded()
    db = str(tmp_path / "rw.db")
    with serve(fake) as server:
        assert sync_jira(server.url, db)[0] == 0
        first_requests = len(server.requests)
        fake.add(
            "PAY-3",
            updated=T0 + dt.timedelta(hours=2),
            status="In Progress",
            category="indeterminate",
            points=8,
            blocked_by="PAY-2",
            moves=[(T0 + dt.timedelta(hours=2), "In Progress")],
        )
        code, out = sync_jira(server.url, db, "--json")
        assert code == 0, out
        data = json.loads(out)
        searches = [r for r in server.requests[first_requests:] if "search" in r.path]
        assert 'updated >= "2025/11/20 10:09"' in searches[0].query["jql"]
        # --full reads everything again.
        code, full = sync_jira(server.url, db, "--json", "--full")
    assert json.loads(full)["fetched"] == 3 and json.loads(full)["unchanged"] == 3
    # The boundary minute is read again (PAY-3's old copy sat in it); only PAY-3 came back.
    assert data["incremental"] is True and data["fetched"] == 1
    assert data["updated"] == 1 and data["added"] == 0
    fields = {f["field"] for f in data["changes"][0]["fields"]}
    assert {"status", "estimate", "started"} <= fields
    item = open_store(db).load().item_by_key["PAY-3"]
    assert item.status == Status.IN_PROGRESS and item.estimate and item.estimate.likely == 8


def test_expired_token_malformed_page_and_changed_field_change_nothing(tmp_path: Path) -> None:
    fake = seeded()
    db = str(tmp_path / "rw.db")
    with open_store(db) as store:
        store.replace(Workspace(name="acme", teams=[Team(key="pay", name="Payments")]))
    before = open_store(db).load().model_dump()
    with serve(fake) as server:
        fake.token = "rotated"
        code, out = sync_jira(server.url, db)
        assert code == 1 and "401" in out and "ROADWISE_JIRA_TOKEN" in out
        assert len(out.strip().splitlines()) == 1 and "secret-token" not in out
        fake.token = "secret-token"

        # Page two is not a search page: the first page's issues must not be stored either.
        real = fake.__call__

        def broken(request: Request) -> Response:
            if request.query.get("nextPageToken") == "2":
                return Response(200, {"unexpected": True})
            return real(request)

    with serve(broken) as server:
        code, out = sync_jira(server.url, db)
        assert code == 1 and "cannot read" in out and "Traceback" not in out
    mapping = tmp_path / "m.yaml"
    mapping.write_text("estimate_field: Story Pointz\n")
    with serve(fake) as server:
        code, out = sync_jira(server.url, db, "--mapping", str(mapping))
        assert code == 1 and "no field 'Story Pointz'" in out and "estimate_field" in out
    assert open_store(db).load().model_dump() == before


def test_a_failed_or_dry_run_sync_into_a_new_database_leaves_no_file(tmp_path: Path) -> None:
    """The database is created only when a sync stores something: a failed sync (bad token),
    a dry run or a refused export left an empty database file, which then "holds no
    workspace yet" for every command."""
    fake = seeded()
    db = tmp_path / "new.db"
    with serve(fake) as server:
        fake.token = "rotated"
        code, out = sync_jira(server.url, str(db))
        assert code == 1 and "401" in out
        assert not db.exists()
        fake.token = "secret-token"
        code, out = sync_jira(server.url, str(db), "--dry-run")
        assert code == 0 and "3 added" in out
        assert not db.exists()
        code, out = run("export", "jira", "--db", str(db))
        assert code == 1 and "holds no workspace yet" in out
        assert not db.exists()
        code, out = sync_jira(server.url, str(db))
        assert code == 0 and "3 added" in out
    assert len(open_store(db).load().items) == 3


@pytest.mark.parametrize(
    ("source", "option"),
    [
        ("jira", ("--repo", "acme/app")),
        ("jira", ("--team", "ENG")),
        ("jira", ("--pull-requests",)),
        ("github", ("--jql", "project = PAY")),
        ("github", ("--api-version", "2")),
        ("linear", ("--project", "PAY")),
    ],
)
def test_another_trackers_sync_options_are_refused(
    tmp_path: Path, source: str, option: tuple[str, ...]
) -> None:
    """`sync jira --repo …` synced the project and ignored --repo without a word."""
    db = tmp_path / "rw.db"
    # Refused before anything is fetched: nothing listens on port 9.
    code, out = run("sync", source, "--url", "http://127.0.0.1:9", *option, "--db", str(db))
    assert code == 1 and f"field '{option[0]}': {option[0]} applies to `roadwise sync " in out
    assert f"not to `sync {source}`" in out
    assert not db.exists()


def test_rate_limit_is_waited_out_then_bounded() -> None:
    fake = seeded()
    waits: list[float] = []
    with serve(fake) as server:
        for path in ("/rest/api/3/field", "/rest/api/3/status"):
            fake.fail[path] = Response(429, {"errorMessages": ["slow down"]}, {"Retry-After": "3"})
        client = jira.JiraClient(server.url, "secret-token", email=fake.email, sleep=waits.append)
        fetched = jira.fetch_jira(client, TrackerMapping(), project="PAY")
        assert len(fetched.issues) == 3 and waits == [3.0, 3.0]

        always = Response(429, {}, {"Retry-After": "1"})

        def limited(request: Request) -> Response:
            return always

    with serve(limited) as server:
        client = jira.JiraClient(server.url, "t", email="e", sleep=waits.append)
        with pytest.raises(RoadwiseError, match="kept rate-limiting"):
            client.fields()
        assert len(server.requests) == 6  # the first try and five retries


def test_write_back_is_a_dry_run_unless_applied(tmp_path: Path) -> None:
    from roadwise.domain import Plan

    fake = seeded()
    db = str(tmp_path / "rw.db")
    rows = [
        {"item": "PAY-3", "start": "2026-01-05", "end": "2026-01-16", "level": "leaf"},
        {"item": "PAY-2", "start": "2026-01-12", "end": "2026-01-20", "level": "leaf"},
        {"item": "PAY-1", "start": "2026-01-05", "end": "2026-01-20", "level": "rollup"},
    ]
    with serve(fake) as server:
        assert sync_jira(server.url, db)[0] == 0
        with open_store(db) as store:
            plan = Plan(
                key="rm-1",
                kind="roadmap",
                created=dt.datetime(2025, 11, 21),
                payload={"items": rows},
            )
            store.save_plan(plan)
        env = {"ROADWISE_JIRA_TOKEN": "secret-token", "ROADWISE_JIRA_EMAIL": fake.email}
        code, out = run("export", "jira", "--db", db, "--url", server.url, "--json", env=env)
        assert code == 0 and json.loads(out)["applied"] is False
        changes = json.loads(out)["changes"]
        assert {"issue": "PAY-3", "field": "duedate", "current": "", "planned": "2026-01-16"} in (
            changes
        )
        # The board has PAY-2 above PAY-3; the roadmap starts PAY-3 first.
        assert {"issue": "PAY-3", "field": "rank", "current": "2", "planned": "1"} in changes
        assert len(changes) == 5  # three due dates, two ranks
        assert fake.puts == [] and fake.ranked == []
        code, out = run("export", "jira", "--apply", "--db", db, "--url", server.url, env=env)
        assert code == 0, out
    assert ("PAY-3", {"fields": {"duedate": "2026-01-16"}}) in fake.puts
    assert len(fake.puts) == 3
    assert fake.ranked == [{"issues": ["PAY-2"], "rankAfterIssue": "PAY-3"}]


def synced_with_roadmap(url: str, db: str, rows: list[dict[str, Any]]) -> None:
    """A workspace synced from the fake Jira, with a stored roadmap of these rows."""
    from roadwise.domain import Plan

    assert sync_jira(url, db)[0] == 0
    with open_store(db) as store:
        store.save_plan(
            Plan(
                key="rm", kind="roadmap", created=dt.datetime(2025, 11, 21), payload={"items": rows}
            )
        )


def test_sprint_write_back_puts_issues_into_the_boards_planned_sprints(tmp_path: Path) -> None:
    """Each planned issue goes into the board sprint whose dates hold its planned sprint's first
    day, else the one of the same name; an issue already there is left alone, and a planned
    sprint the board lacks is named, not invented. Nothing moves without --apply."""

    fake = seeded()
    for key in ("PAY-4", "PAY-5", "PAY-6"):
        fake.add(key, updated=T0 + dt.timedelta(minutes=10), points=2)
    # The workspace's sprint 0 starts 2026-01-05 (default cadence: 14 days); sprint -3 is
    # 2025-11-24, inside the active "Sprint 7" every synced issue is in.
    fake.sprints = [
        {
            "id": 7,
            "name": "Sprint 7",
            "state": "active",
            "startDate": "2025-11-17T09:00:00.000Z",
            "endDate": "2025-12-01T17:00:00.000Z",
        },
        {
            "id": 8,
            "name": "PAY sprint 8",
            "state": "future",
            "startDate": "2026-01-05T09:00:00.000Z",
            "endDate": "2026-01-19T17:00:00.000Z",
        },
        {"id": 9, "name": "Sprint 2", "state": "future"},  # no dates yet: matched by name
    ]
    rows = [
        {"item": "PAY-3", "start": "2026-01-05", "end": "2026-01-16", "level": "leaf", "sprint": 0},
        {"item": "PAY-4", "start": "2026-02-02", "end": "2026-02-06", "level": "leaf", "sprint": 2},
        {"item": "PAY-5", "start": "2026-03-02", "end": "2026-03-06", "level": "leaf", "sprint": 4},
        {
            "item": "PAY-6",
            "start": "2025-11-24",
            "end": "2025-11-28",
            "level": "leaf",
            "sprint": -3,
        },
        {
            "item": "PAY-1",
            "start": "2026-01-05",
            "end": "2026-02-06",
            "level": "rollup",
            "sprint": 0,
        },
    ]
    env = {"ROADWISE_JIRA_TOKEN": "secret-token", "ROADWISE_JIRA_EMAIL": fake.email}
    db = str(tmp_path / "rw.db")
    with serve(fake) as server:
        synced_with_roadmap(server.url, db, rows)
        args = ["export", "jira", "--db", db, "--url", server.url, "--board", "12"]
        code, out = run(*args, "--json", env=env)
        assert code == 0, out
        data = json.loads(out)
        sprints = [c for c in data["changes"] if c["field"] == "sprint"]
        assert sprints == [
            {"issue": "PAY-3", "field": "sprint", "current": "Sprint 7", "planned": "PAY sprint 8"},
            {"issue": "PAY-4", "field": "sprint", "current": "Sprint 7", "planned": "Sprint 2"},
        ]
        assert data["unmatched"] == [{"sprint": "Sprint 4", "start": "2026-03-02", "issues": 1}]
        assert fake.moved == []
        code, out = run(*args, env=env)
        assert code == 0 and "Sprint 4 (from 2026-03-02): board 12 has no sprint" in " ".join(
            out.split()
        )
        code, out = run(*args, "--apply", env=env)
        assert code == 0, out
    assert fake.moved == [(8, {"issues": ["PAY-3"]}), (9, {"issues": ["PAY-4"]})]
    # the board needs the site
    code, out = run("export", "jira", "--db", db, "--board", "12", env=env)
    assert code == 1 and "--url" in out


def test_planned_sprints_the_board_lacks_are_created_only_when_asked(tmp_path: Path) -> None:
    """With --create-sprints, a planned sprint the board has no sprint for is created there
    (its name and dates) before issues move into it; a dry run shows both and writes nothing."""

    fake = seeded()
    fake.add("PAY-5", updated=T0 + dt.timedelta(minutes=10), points=2)
    fake.sprints = [
        {
            "id": 8,
            "name": "PAY sprint 8",
            "state": "future",
            "startDate": "2026-01-05T09:00:00.000Z",
            "endDate": "2026-01-19T17:00:00.000Z",
        }
    ]
    rows = [
        {"item": "PAY-3", "start": "2026-01-05", "end": "2026-01-16", "level": "leaf", "sprint": 0},
        {"item": "PAY-5", "start": "2026-03-02", "end": "2026-03-06", "level": "leaf", "sprint": 4},
    ]
    env = {"ROADWISE_JIRA_TOKEN": "secret-token", "ROADWISE_JIRA_EMAIL": fake.email}
    db = str(tmp_path / "rw.db")
    with serve(fake) as server:
        synced_with_roadmap(server.url, db, rows)
        args = ["export", "jira", "--db", db, "--url", server.url, "--board", "12"]
        code, out = run(*args, "--create-sprints", "--json", env=env)
        assert code == 0, out
        data = json.loads(out)
        assert data["created_sprints"] == [
            {"sprint": "Sprint 4", "start": "2026-03-02", "end": "2026-03-15", "issues": 1}
        ]
        assert data["unmatched"] == []
        assert {
            "issue": "PAY-5",
            "field": "sprint",
            "current": "Sprint 7",
            "planned": "Sprint 4",
        } in (data["changes"])
        assert len(fake.sprints) == 1 and fake.moved == []  # a dry run creates nothing
        code, out = run(*args, "--create-sprints", "--apply", env=env)
        assert code == 0, out
        assert "Sprint 4 (2026-03-02 to 2026-03-15) created on board 12" in " ".join(out.split())
    created = fake.sprints[1]
    assert created["name"] == "Sprint 4"
    assert created["startDate"].startswith("2026-03-02") and created["endDate"].startswith(
        "2026-03-15"
    )
    assert fake.moved == [(8, {"issues": ["PAY-3"]}), (created["id"], {"issues": ["PAY-5"]})]
    # without a board there is nowhere to create them
    code, out = run("export", "jira", "--db", db, "--url", "http://x", "--create-sprints", env=env)
    assert code == 1 and "--board" in out


def test_incremental_bound_is_kept_in_jiras_own_time_zone() -> None:
    fake = seeded()
    # Jira writes timestamps in the user's zone, and reads JQL dates in that same zone.
    fake.issues["PAY-3"]["fields"]["updated"] = "2025-11-20T23:30:00.000-0500"
    with serve(fake) as server:
        client = jira.JiraClient(server.url, "secret-token", email=fake.email)
        fetched = jira.fetch_jira(client, TrackerMapping(), project="PAY")
    assert fetched.last_updated == dt.datetime(2025, 11, 20, 23, 30)
    by_key = {i.key: i for i in fetched.issues}
    assert by_key["PAY-3"].updated == dt.datetime(2025, 11, 21, 4, 30)  # stored as UTC
    assert 'updated >= "2025/11/20 23:30"' in jira.jql_for("PAY", None, fetched.last_updated)


@settings(max_examples=30, deadline=None)
@given(
    statuses=st.lists(
        st.sampled_from(["To Do", "In Progress", "Code Review", "Done", "Won't Do", "Odd"]),
        min_size=1,
        max_size=6,
    ),
    points=st.lists(st.none() | st.integers(0, 21), min_size=6, max_size=6),
)
def test_merging_the_same_issues_again_changes_nothing(
    statuses: list[str], points: list[int | None]
) -> None:
    from roadwise.sources.tracker_mapping import TrackerIssue

    issues = [
        TrackerIssue(
            system="jira",
            key=f"P-{n}",
            title=f"Issue {n}",
            status=status,
            estimate=None if points[n] is None else float(points[n]),  # type: ignore[arg-type]
            parent="P-0" if n else None,
            blocked_by=(f"P-{n - 1}",) if n > 1 else (),
            created=dt.datetime(2025, 1, 1),
            done=dt.datetime(2025, 2, 1) if status == "Done" else None,
        )
        for n, status in enumerate(statuses)
    ]
    first, diff = merge_issues(Workspace(), issues, TrackerMapping())
    assert diff.added == len(issues) and diff.updated == 0
    again, diff2 = merge_issues(first, issues, TrackerMapping())
    assert diff2.added == diff2.updated == 0 and diff2.unchanged == len(issues)
    assert again.model_dump() == first.model_dump()
    # Finished work (and only that) is history; each issue keeps its source.
    finished = {i.key for i in first.items if i.status.is_finished}
    assert {h.key for h in first.history} == finished
    assert all(i.source is not None and i.source.key == i.key for i in first.items)


def test_jql_from_the_user_keeps_its_filter_and_drops_its_order() -> None:
    since = dt.datetime(2025, 11, 20, 10, 9)
    query = jira.jql_for(None, "project = PAY AND fixVersion = 2.4 order by Rank", since)
    assert query == (
        '(project = PAY AND fixVersion = 2.4) AND updated >= "2025/11/20 10:09"'
        " ORDER BY updated ASC"
    )
    with pytest.raises(RoadwiseError, match="--project"):
        jira.jql_for(None, None, None)


# --------------------------------------------------------------------------- gone issues


def remembered(db: str, url: str) -> list[str]:
    entry = open_store(db).load().settings.extra["sync"]["jira"][f"{url} PAY"]
    return list(entry["keys"])


def test_full_sync_reports_gone_issues_and_prunes_only_when_asked(tmp_path: Path) -> None:
    from roadwise.domain import Dependency, Item

    fake = seeded()
    db = str(tmp_path / "rw.db")
    with serve(fake) as server:
        assert sync_jira(server.url, db)[0] == 0
        assert remembered(db, server.url) == ["PAY-1", "PAY-2", "PAY-3"]
        # Items nobody synced: one hangs under the epic and waits for it, one stands alone.
        with open_store(db) as store:
            store.modify(
                lambda ws: ws.copy_with(
                    items=[
                        *ws.items,
                        Item(
                            key="HAND-1",
                            title="Rollout plan",
                            parent="PAY-1",
                            dependencies=[Dependency(item="PAY-1")],
                        ),
                        Item(key="HAND-2", title="Pricing study"),
                    ]
                )
            )
        del fake.issues["PAY-1"]  # the epic was deleted in Jira

        # An incremental sync only sees what changed: it never calls anything gone.
        code, out = sync_jira(server.url, db, "--json")
        assert code == 0, out
        assert json.loads(out)["gone"] == [] and json.loads(out)["incremental"] is True

        code, out = sync_jira(server.url, db, "--full", "--json")
        assert code == 0, out
        data = json.loads(out)
        assert data["gone"] == ["PAY-1"] and data["pruned"] == []
        ws = open_store(db).load()
        assert "PAY-1" in ws.item_by_key  # reported, kept
        assert remembered(db, server.url) == ["PAY-1", "PAY-2", "PAY-3"]
        code, out = sync_jira(server.url, db, "--full")
        assert code == 0 and "1 item gone from the tracker (kept" in out and "PAY-1" in out

        before = open_store(db).load().model_dump()
        code, out = sync_jira(server.url, db, "--prune")
        assert code == 1 and "--prune needs --full" in out and "incremental" in out
        code, out = sync_jira(server.url, db, "--full", "--prune", "--dry-run", "--json")
        assert code == 0, out
        data = json.loads(out)
        assert data["dry_run"] is True and data["pruned"] == ["PAY-1"]
        assert open_store(db).load().model_dump() == before  # a dry run stores nothing
        code, out = sync_jira(server.url, db, "--full", "--prune", "--dry-run")
        assert "would be removed" in out and "PAY-1" in out

        code, out = sync_jira(server.url, db, "--full", "--prune", "--json")
        assert code == 0, out
        data = json.loads(out)
        assert data["gone"] == data["pruned"] == ["PAY-1"]
        assert any("HAND-1" in w and "PAY-1" in w for w in data["warnings"])
        assert remembered(db, server.url) == ["PAY-2", "PAY-3"]
        # Gone for good: the next full sync has nothing to report.
        code, out = sync_jira(server.url, db, "--full", "--json")
        assert json.loads(out)["gone"] == []
    ws = open_store(db).load()
    items = ws.item_by_key
    assert "PAY-1" not in items
    assert items["HAND-1"].parent is None and items["HAND-1"].dependencies == []
    assert items["HAND-2"].model_dump() == before_item(before, "HAND-2")
    assert items["PAY-2"].parent is None  # the tracker's child stays, with no parent
    assert [d.item for d in items["PAY-3"].dependencies] == ["PAY-2"]
    assert [h.key for h in ws.history] == ["PAY-2"]


def before_item(dump: dict[str, Any], key: str) -> dict[str, Any]:
    return next(i for i in dump["items"] if i["key"] == key)


def test_pruning_drops_dependencies_feedback_links_and_decision_mentions() -> None:
    from roadwise.domain import Decision, Dependency, Feedback, FeedbackLink, Item
    from roadwise.sources.tracker_mapping import prune_items

    ws = Workspace(
        items=[
            Item(key="A", title="A"),
            Item(key="B", title="B", parent="A", dependencies=[Dependency(item="A")]),
            Item(key="C", title="C", dependencies=[Dependency(item="B")]),
        ],
        feedback=[
            Feedback(
                key="F1", text="please", date=dt.date(2025, 11, 1), links=[FeedbackLink(item="A")]
            )
        ],
        decisions=[
            Decision(key="D1", date=dt.date(2025, 11, 2), title="do A and C", items=["A", "C"])
        ],
    )
    pruned, warnings = prune_items(ws, ["A", "missing"])
    assert [i.key for i in pruned.items] == ["B", "C"]
    assert pruned.item_by_key["B"].parent is None and pruned.item_by_key["B"].dependencies == []
    assert pruned.item_by_key["C"].dependencies == ws.item_by_key["C"].dependencies
    assert pruned.feedback[0].links == [] and pruned.decisions[0].items == ["C"]
    assert len(warnings) == 4 and all("A" in w for w in warnings)
    assert prune_items(ws, []) == (ws, [])


def test_only_synced_items_of_this_scope_can_be_gone() -> None:
    from roadwise.domain import Item, SourceRef
    from roadwise.sources.tracker_mapping import TrackerIssue, sync_issues, with_sync_state

    def issue(key: str) -> TrackerIssue:
        return TrackerIssue(system="jira", key=key, title=key)

    ws, _ = merge_issues(Workspace(), [issue(k) for k in ("P-1", "P-2", "P-3")], TrackerMapping())
    # P-3 also matches another query; P-2 was deleted from the workspace by hand meanwhile;
    # X-1 came from a CSV import, never through this scope.
    ws = ws.copy_with(
        items=[
            *(i for i in ws.items if i.key != "P-2"),
            Item(key="X-1", title="x", source=SourceRef(system="jira", key="X-1")),
        ]
    )
    extra = with_sync_state(ws, "jira", "q1", {"keys": ["P-1", "P-2", "P-3"]})
    extra["sync"]["jira"]["q2"] = {"keys": ["P-3"]}
    ws = ws.copy_with(settings=ws.settings.model_copy(update={"extra": extra}))

    def sync(issues: list[TrackerIssue], *, full: bool, prune: bool = False) -> Any:
        return sync_issues(
            ws,
            issues,
            TrackerMapping(),
            source="jira",
            scope="q1",
            entry={},
            full=full,
            prune=prune,
        )

    after, diff = sync([issue("P-1")], full=True)
    assert diff.gone == [] and diff.pruned == []
    assert after.settings.extra["sync"]["jira"]["q1"]["keys"] == ["P-1"]
    after, diff = sync([], full=True, prune=True)
    assert diff.gone == diff.pruned == ["P-1"] and "X-1" in after.item_by_key
    assert "P-3" in after.item_by_key  # still held by the other query
    assert after.settings.extra["sync"]["jira"]["q1"]["keys"] == []
    # An incremental sync only adds keys.
    after, diff = sync([issue("P-4")], full=False)
    assert diff.gone == [] and "P-1" in after.item_by_key
    assert after.settings.extra["sync"]["jira"]["q1"]["keys"] == ["P-1", "P-2", "P-3", "P-4"]
    with pytest.raises(RoadwiseError, match="--prune needs --full"):
        sync([], full=False, prune=True)
