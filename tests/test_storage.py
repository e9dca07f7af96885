"""The workspace store on SQLite and (when ROADWISE_TEST_PG_URL is set) PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings

from roadwise.domain import Decision, Dependency, Item, Plan, Status, Workspace
from roadwise.errors import ConflictError, RoadwiseError, ValidationError
from roadwise.workspace import Store, open_store
from roadwise.workspace.schema import metadata
from roadwise.workspace.store import _head
from workspace_strategies import small_workspace, workspaces


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with open_store(db_url) as opened:
        yield opened


@pytest.fixture
def filled(store: Store) -> Store:
    store.replace(small_workspace(), actor="setup")
    return store


# --------------------------------------------------------------------------- schema


def test_migrations_build_exactly_the_declared_schema(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn)
        assert compare_metadata(context, metadata) == []
    assert store.schema_revision() == _head()


def test_an_old_database_is_brought_to_head_on_open(db_url: str) -> None:
    from alembic import command

    from roadwise.workspace.store import _alembic_config

    with open_store(db_url) as store:
        with store.engine.begin() as conn:
            command.downgrade(_alembic_config(conn), "base")
        raw = sa.create_engine(store.engine.url)
        with raw.connect() as conn:
            assert "items" not in sa.inspect(conn).get_table_names()
        raw.dispose()
    with open_store(db_url) as store:
        assert store.schema_revision() == _head()
        assert not store.is_initialized()
        assert store.load().items == []


def test_values_an_older_version_let_in_are_cleared_on_upgrade_and_audited(
    db_url: str,
) -> None:
    """A workspace stored before negative value inputs and unknown frameworks were refused
    still opens: the upgrade removes just those values and the audit log says so."""
    from alembic import command

    from roadwise.workspace.store import _alembic_config

    with open_store(db_url) as store:
        store.replace(small_workspace(), actor="setup")
        key = store.load().items[0].key
        with store.engine.begin() as conn:
            command.downgrade(_alembic_config(conn), "0002")
            items = sa.table("items", sa.column("key"), sa.column("data", sa.JSON))
            meta = sa.table("workspace_meta", sa.column("key"), sa.column("data", sa.JSON))
            data = conn.execute(sa.select(items.c.data).where(items.c.key == key)).scalar_one()
            data = dict(data if isinstance(data, dict) else json.loads(data))
            data["value"] = {
                **(data.get("value") or {}),
                "reach": -5,
                "cost_of_delay": {"low": -1, "likely": 2, "high": 3},
                "impact": 2,
            }
            conn.execute(items.update().where(items.c.key == key).values(data=data))
            conn.execute(
                meta.update()
                .where(meta.c.key == "settings")
                .values(data={"priority": {"framework": "magic", "top_k": 5}})
            )
    with open_store(db_url) as store:
        assert store.schema_revision() == _head()
        ws = store.load()
        item = ws.item_by_key[key]
        assert item.value.reach is None and item.value.cost_of_delay is None
        assert item.value.impact == 2  # what was not refused stays
        assert ws.settings.priority.framework == "wsjf" and ws.settings.priority.top_k == 5
        upgrade = [e for e in store.audit_entries() if e.actor == "roadwise upgrade"]
        by_key = {e.key: e for e in upgrade}
        assert set(by_key) == {key, "settings"}
        assert by_key[key].before == {
            "value.reach": -5,
            "value.cost_of_delay": {"low": -1, "likely": 2, "high": 3},
        }
        assert by_key["settings"].before == {"priority.framework": "magic"}


def test_feedback_labels_an_older_version_let_in_are_cleared_on_upgrade_and_audited(
    db_url: str,
) -> None:
    """An earlier web app stored any text as a feedback label, after which every feedback
    analysis failed; the upgrade removes just those labels and the audit log says so."""
    from alembic import command

    from roadwise.domain import Feedback
    from roadwise.workspace.store import _alembic_config

    texts = [
        Feedback(key=f"F{n}", text=f"text {n}", date=dt.date(2026, 1, n + 1)) for n in range(3)
    ]
    with open_store(db_url) as store:
        store.replace(small_workspace().copy_with(feedback=texts), actor="setup")
        with store.engine.begin() as conn:
            command.downgrade(_alembic_config(conn), "0003")
            table = sa.table("feedback", sa.column("key"), sa.column("data", sa.JSON))
            for key, label in (("F0", "urgent"), ("F1", "Bug")):
                raw = conn.execute(sa.select(table.c.data).where(table.c.key == key)).scalar_one()
                data = dict(raw if isinstance(raw, dict) else json.loads(raw))
                data.update(label=label, label_source="user")
                conn.execute(table.update().where(table.c.key == key).values(data=data))
    with open_store(db_url) as store:
        assert store.schema_revision() == _head()
        labels = {f.key: (f.label, f.label_source) for f in store.load().feedback}
        assert labels == {"F0": (None, None), "F1": ("bug", "user"), "F2": (None, None)}
        upgrade = [e for e in store.audit_entries() if e.actor == "roadwise upgrade"]
        assert [(e.entity, e.key, e.before) for e in upgrade] == [
            ("feedback", "F0", {"label": "urgent", "label_source": "user"})
        ]


def test_sqlite_uses_wal_and_a_busy_timeout(tmp_path: Path) -> None:
    with open_store(tmp_path / "w.db") as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 10_000


def test_opening_mistakes_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(RoadwiseError, match="does not exist"):
        open_store(tmp_path / "no" / "such" / "folder.db")
    with pytest.raises(RoadwiseError, match="no workspace at"):
        open_store(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()
    with pytest.raises(RoadwiseError, match=r"cannot open|driver|not a database"):
        open_store("nosuchdialect://x/y")


# --------------------------------------------------------------------------- whole workspace


def test_replace_then_load_gives_the_same_workspace(filled: Store) -> None:
    assert filled.load() == small_workspace()
    assert filled.is_initialized()


def test_empty_database_loads_an_empty_workspace(store: Store) -> None:
    assert not store.is_initialized()
    ws = store.load()
    assert ws.items == [] and ws.teams == []


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(ws=workspaces())
def test_any_workspace_survives_the_database(store: Store, ws: Workspace) -> None:
    # Start from an empty store each time: a record that exists already would get a new version.
    store.replace(Workspace(as_of=ws.as_of))
    store.replace(ws)
    assert store.load() == ws


def test_replace_bumps_versions_and_audits_only_what_changed(filled: Store) -> None:
    ws = filled.load()
    items = [
        i.model_copy(update={"status": Status.IN_PROGRESS}) if i.key == "S1" else i
        for i in ws.items
        if i.key != "B1"
    ]
    new = Item(key="N1", title="New")
    filled.replace(ws.copy_with(items=[*items, new]), actor="carol")
    versions = {i.key: i.version for i in filled.load().items}
    assert versions == {"E1": 1, "S1": 2, "S2": 1, "S3": 1, "N1": 1}
    entries = [(e.action, e.key) for e in filled.audit_entries(entity="item") if e.actor == "carol"]
    assert sorted(entries) == [("create", "N1"), ("delete", "B1"), ("update", "S1")]
    update = filled.audit_entries(entity="item", key="S1", limit=1)[0]
    assert update.changes() == ["status: 'ready' -> 'in_progress'"]


def test_a_change_to_the_workspace_fields_is_audited_before_and_after(filled: Store) -> None:
    ws = filled.load()
    later = ws.as_of + dt.timedelta(days=14)
    filled.modify(lambda w: w.copy_with(as_of=later), actor="erin")
    (update,) = [e for e in filled.audit_entries(entity="workspace") if e.action == "update"]
    assert (update.actor, update.key) == ("erin", ws.name)
    assert update.changes() == [f"as_of: {ws.as_of.isoformat()!r} -> {later.isoformat()!r}"]
    # storing the same workspace again audits no workspace change
    filled.replace(filled.load(), actor="erin")
    updates = [e for e in filled.audit_entries(entity="workspace") if e.action == "update"]
    assert len(updates) == 1


def test_postgres_refuses_nul_with_a_user_error(store: Store) -> None:
    if store.dialect != "postgresql":
        pytest.skip("SQLite stores NUL characters")
    with pytest.raises(RoadwiseError, match="NUL"):
        store.replace(Workspace(items=[Item(key="A", title="a\x00b")]))
    assert not store.is_initialized()


def test_a_failed_change_writes_nothing(filled: Store) -> None:
    before = filled.load()
    entries = len(filled.audit_entries())

    def broken(ws: Workspace) -> Workspace:
        filled_items = [*ws.items, Item(key="N1", title="x", team="nowhere")]
        return ws.copy_with(items=filled_items)  # raises: unknown team

    with pytest.raises(Exception, match="unknown team"):
        filled.modify(broken)
    assert filled.load() == before
    assert len(filled.audit_entries()) == entries


# --------------------------------------------------------------------------- items


def test_get_and_list_items_with_filters(filled: Store) -> None:
    assert filled.get_item("S1").title == "Card form"
    assert filled.find_item("nope") is None
    with pytest.raises(RoadwiseError, match="no item 'nope'"):
        filled.get_item("nope")
    keys = lambda **f: [i.key for i in filled.list_items(**f)]  # noqa: E731
    assert keys(team=["api"]) == ["S2", "S3"]
    assert keys(status=["ready", "done"]) == ["S1", "B1"]
    assert keys(kind=["epic"]) == ["E1"]
    assert keys(parent="E1") == ["S1", "S2", "S3"]
    assert keys(tag=["email"]) == ["S3"]
    assert keys(search="payment") == ["S2"]
    assert keys(theme=["features"]) == ["E1"]
    assert filled.list_items(parent="E1", team=["api"])[0].dependencies == [Dependency(item="S1")]


def test_upsert_adds_and_versions_an_item(filled: Store) -> None:
    added = filled.upsert_item(Item(key="N1", title="New", parent="E1"), expected_version=0)
    assert added.version == 1
    changed = filled.upsert_item(added.model_copy(update={"title": "Newer"}), expected_version=1)
    assert changed.version == 2
    assert filled.get_item("N1") == changed
    assert [i.key for i in filled.load().items][-1] == "N1"


def test_saving_an_item_unchanged_keeps_its_version_and_audits_nothing(filled: Store) -> None:
    item = filled.get_item("S2")  # one with a dependency, which is part of what is compared
    audited = len(filled.audit_entries())
    for expected in (item.version, None):
        again = filled.upsert_item(item.model_copy(), expected_version=expected, actor="gil")
        assert again == item and again.version == item.version
    assert filled.get_item("S2") == item
    assert len(filled.audit_entries()) == audited
    # a changed dependency lag is a change
    lagged = item.model_copy(update={"dependencies": [Dependency(item="S1", lag_days=2)]})
    saved = filled.upsert_item(lagged, expected_version=item.version, actor="gil")
    assert saved.version == item.version + 1
    assert len(filled.audit_entries()) == audited + 1
    # a stale version is refused even when the edit would change nothing
    with pytest.raises(ConflictError, match="you edited version 1, it is now version 2"):
        filled.upsert_item(saved, expected_version=item.version)
    assert filled.get_item("S2") == saved


def test_stale_edit_is_refused_and_names_the_other_change(filled: Store) -> None:
    mine = filled.get_item("S1")
    theirs = mine.model_copy(update={"status": Status.IN_PROGRESS})
    filled.upsert_item(theirs, expected_version=mine.version, actor="dana")
    with pytest.raises(ConflictError) as caught:
        filled.upsert_item(
            mine.model_copy(update={"title": "Mine"}), expected_version=mine.version, actor="eli"
        )
    message = str(caught.value)
    assert "dana" in message and "status: 'ready' -> 'in_progress'" in message
    assert "version 1" in message and "version 2" in message
    assert filled.get_item("S1").title == "Card form"  # my stale edit was not written


def test_adding_an_existing_key_or_editing_a_deleted_item_conflicts(filled: Store) -> None:
    with pytest.raises(ConflictError, match="exists already"):
        filled.upsert_item(Item(key="S1", title="again"), expected_version=0)
    filled.delete_item("S3", actor="fay")
    with pytest.raises(ConflictError, match=r"no longer exists.*deleted by fay"):
        filled.upsert_item(Item(key="S3", title="back"), expected_version=1)


def test_upsert_checks_the_workspace_rules(filled: Store) -> None:
    before = filled.load()
    with pytest.raises(ValidationError, match="unknown team 'ops'") as caught:
        filled.upsert_item(Item(key="N1", title="x", team="ops"))
    assert caught.value.field == "team"
    cycle = filled.get_item("S1").model_copy(update={"dependencies": [Dependency(item="S2")]})
    with pytest.raises(ValidationError, match="S1 -> S2 -> S1"):
        filled.upsert_item(cycle)
    assert filled.load() == before


def test_delete_refuses_while_referenced(filled: Store) -> None:
    with pytest.raises(ValidationError) as caught:
        filled.delete_item("S1")
    assert "dependencies of S2" in str(caught.value) and "decisions D1" in str(caught.value)
    with pytest.raises(ValidationError, match="child items S1, S2, S3"):
        filled.delete_item("E1")
    filled.delete_item("B1", actor="gus")
    assert filled.find_item("B1") is None
    entry = filled.audit_entries(entity="item", key="B1", limit=1)[0]
    assert (entry.action, entry.actor, entry.after) == ("delete", "gus", None)
    assert entry.before is not None and entry.before["title"] == "Fix rounding"


# --------------------------------------------------------------------------- plans, decisions


def test_plans_are_saved_listed_and_replaced(filled: Store) -> None:
    first = Plan(
        key="rel-1", kind="release", created=dt.datetime(2026, 3, 1), payload={"items": ["S1"]}
    )
    second = Plan(key="road-1", kind="roadmap", created=dt.datetime(2026, 3, 2), summary="Q2")
    filled.save_plan(first)
    filled.save_plan(second)
    assert [p.key for p in filled.list_plans()] == ["rel-1", "road-1"]
    assert filled.list_plans(kind="roadmap") == [second]
    filled.save_plan(first.model_copy(update={"summary": "again"}))
    assert filled.get_plan("rel-1").summary == "again"
    assert filled.get_plan("rel-1").payload == {"items": ["S1"]}
    with pytest.raises(RoadwiseError, match="no stored plan"):
        filled.get_plan("nope")
    assert len(filled.load().plans) == 2


def test_decisions_are_logged(filled: Store) -> None:
    decision = Decision(key="D2", date=dt.date(2026, 3, 3), title="Ship S2", items=["S2"])
    filled.add_decision(decision, actor="hal")
    assert filled.load().decisions[-1] == decision
    with pytest.raises(ConflictError):
        filled.add_decision(decision)
    with pytest.raises(ValidationError, match="unknown item 'S9'"):
        filled.add_decision(Decision(key="D3", date=dt.date(2026, 3, 3), title="x", items=["S9"]))
    assert filled.audit_entries(entity="decision", key="D2")[0].actor == "hal"


# --------------------------------------------------------------------------- two processes

_WRITER = textwrap.dedent(
    """
    import sys
    from roadwise.domain import Item
    from roadwise.workspace import open_store

    path, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = open_store(path)
    for i in range(count):
        store.upsert_item(Item(key=f"{name}-{i}", title=f"{name} {i}"), expected_version=0)
        # Read-modify-write of the whole workspace, racing the other process.
        store.modify(lambda ws: ws.copy_with(description=f"{name} {i}"))
    """
)


def test_two_processes_writing_one_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    with open_store(path) as store:
        store.init("shared")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent / "src")}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(path), name, "15"],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("A", "B")
    ]
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
    with open_store(path) as store:
        keys = {i.key for i in store.load().items}
        assert keys == {f"{n}-{i}" for n in "AB" for i in range(15)}
        assert len(store.audit_entries(entity="item")) == 30
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_threads_sharing_one_store(db_url: str) -> None:
    """A web server shares one Store between request threads."""
    from concurrent.futures import ThreadPoolExecutor

    with open_store(db_url) as store:
        store.init("threads")

        def add(thread: int) -> None:
            for i in range(5):
                store.upsert_item(Item(key=f"T{thread}-{i}", title="x"), expected_version=0)
                store.load()

        with ThreadPoolExecutor(3) as pool:
            list(pool.map(add, range(3)))
        assert len(store.load().items) == 15
