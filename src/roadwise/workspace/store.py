"""The workspace store: a workspace kept in SQLite (default) or PostgreSQL.

Every write is one transaction. Items carry a ``version`` for optimistic concurrency: an edit
based on version 3 is refused once someone else has saved version 4, with a message that shows
what they changed. Every change to a record is written to the ``audit_log`` table.

SQLite runs in WAL mode with a busy timeout, and write transactions start with
``BEGIN IMMEDIATE`` so two processes writing one file queue up instead of failing half-way.
On PostgreSQL writers take a transaction-scoped advisory lock for the same effect.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

from roadwise.domain import Decision, Item, Plan, Workspace
from roadwise.domain.model import KEY_RULE
from roadwise.domain.workspace import references_to_items
from roadwise.errors import ConflictError, RoadwiseError, ValidationError
from roadwise.workspace import schema as s

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Any fixed number: the advisory lock that serialises writers on one PostgreSQL database.
_PG_WRITE_LOCK = 0x524F4144
_BUSY_TIMEOUT_S = 30.0


# --------------------------------------------------------------------------- entity kinds


@dataclass(frozen=True)
class _Kind:
    """How one kind of record maps to its table."""

    entity: str  # the name used in the audit log
    collection: str  # where the records live in a workspace
    table: sa.Table
    columns: tuple[str, ...]  # model fields stored in their own columns
    exclude: tuple[str, ...] = ()  # model fields stored elsewhere (people, dependencies)
    audited: bool = True  # bulk records (history, feedback) are not audited one by one


OBJECTIVE = _Kind("objective", "objectives", s.objectives, ("title", "due"))
THEME = _Kind("theme", "themes", s.themes, ("name",))
TEAM = _Kind("team", "teams", s.teams, ("name",), exclude=("people",))
PERSON = _Kind("person", "people", s.people, ("name",))
RELEASE = _Kind("release", "releases", s.releases, ("name", "date", "start"))
CUSTOMER = _Kind(
    "customer", "customers", s.customers, ("name", "segment", "tier", "annual_revenue")
)
ITEM = _Kind(
    "item",
    "items",
    s.items,
    (
        "title",
        "kind",
        "status",
        "parent",
        "team",
        "theme",
        "release",
        "assignee",
        "created",
        "started",
        "done",
    ),
    exclude=("dependencies", "version"),
)
FEEDBACK = _Kind("feedback", "feedback", s.feedback, ("customer", "source", "date"), audited=False)
HISTORY = _Kind(
    "history", "history", s.history, ("team", "kind", "created", "started", "done"), audited=False
)
SCENARIO = _Kind("scenario", "scenarios", s.scenarios, ("name",))
DECISION = _Kind("decision", "decisions", s.decisions, ("date", "title"))
PLAN = _Kind("plan", "plans", s.plans, ("kind", "created", "scenario"), audited=False)

KINDS = (
    OBJECTIVE,
    THEME,
    TEAM,
    PERSON,
    RELEASE,
    CUSTOMER,
    ITEM,
    FEEDBACK,
    HISTORY,
    SCENARIO,
    DECISION,
    PLAN,
)
AUDITED_KINDS: tuple[str, ...] = (
    *(k.entity for k in KINDS if k.audited),
    PLAN.entity,  # written one by one as they are saved (save_plan)
    "workspace",  # its own name and settings, and every whole replace
)
"""Every kind of record the audit log (history) names."""
# What an item may refer to: enough to validate one item without loading history or feedback.
_REFERENCE_KINDS = (OBJECTIVE, THEME, TEAM, PERSON, RELEASE, CUSTOMER, ITEM)


@dataclass(frozen=True)
class AuditEntry:
    """One change to one record: who made it, when, and the record before and after."""

    id: int
    at: dt.datetime
    actor: str
    action: str  # create, update, delete
    entity: str  # item, team, ...
    key: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    def changes(self) -> list[str]:
        """Human-readable field changes, e.g. ``status: ready -> in_progress``."""
        return describe_changes(self.before, self.after)


def describe_changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    if before is None and after is None:
        return []
    if before is None:
        return ["created"]
    if after is None:
        return ["deleted"]
    flat_before, flat_after = _flatten(before), _flatten(after)
    lines = []
    for field in sorted(set(flat_before) | set(flat_after)):
        old, new = flat_before.get(field), flat_after.get(field)
        if old != new and field not in ("version", "updated_at"):
            lines.append(f"{field}: {_short(old)} -> {_short(new)}")
    return lines


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested maps as dotted fields, so a change reads ``value.reach: None -> 500.0``."""
    flat: dict[str, Any] = {}
    for name, value in data.items():
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = value
    return flat


def _short(value: Any, width: int = 60) -> str:
    text = "(none)" if value is None else repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def current_actor() -> str:
    """Who is writing: ``ROADWISE_USER``, else the login name."""
    name = os.environ.get("ROADWISE_USER")
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


# --------------------------------------------------------------------------- opening


def _is_url(target: str) -> bool:
    return "://" in target


def database_url(target: str | Path) -> str:
    """A SQLAlchemy URL for a URL or a plain file path (a path means SQLite)."""
    text = str(target)
    if text in (":memory:", "sqlite://", "sqlite:///:memory:"):
        return "sqlite://"
    if _is_url(text):
        return text
    return "sqlite:///" + str(Path(text).expanduser().resolve())


def open_store(target: str | Path, *, create: bool = True) -> Store:
    """Open the workspace database at ``target`` (a file path or SQLAlchemy URL).

    The schema is created or migrated to the newest version on open. With ``create=False`` a
    SQLite file that does not exist yet is an error instead of being created.
    """
    url = database_url(target)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if not create and not path.exists():
            raise RoadwiseError(
                f"no workspace at {path}; create one with `roadwise init` or `roadwise sample`, "
                "or point --db / ROADWISE_DB at an existing one"
            )
        if not path.parent.is_dir():
            raise RoadwiseError(f"folder {path.parent} does not exist", file=str(path))
    try:
        engine = _make_engine(url)
        _migrate(engine)
    except sa.exc.ArgumentError as exc:
        raise RoadwiseError(f"not a database URL or path: {target} ({exc})") from None
    except sa.exc.OperationalError as exc:
        raise RoadwiseError(
            f"cannot open the workspace database {_safe(url)}: {exc.orig}"
        ) from None
    except ModuleNotFoundError as exc:
        raise RoadwiseError(f"no database driver for {_safe(url)}: {exc}") from None
    return Store(engine)


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


def _make_engine(url: str) -> Engine:
    # hide_parameters: a database error's message must never carry the values it was given
    # (a password hash being stored, a token's hash) into a traceback or a log.
    if not url.startswith("sqlite"):
        return sa.create_engine(url, pool_pre_ping=True, hide_parameters=True)
    if url == "sqlite://":
        engine = sa.create_engine(
            url,
            poolclass=StaticPool,
            connect_args={"check_same_thread": False},
            hide_parameters=True,
        )
    else:
        engine = sa.create_engine(
            url, connect_args={"timeout": _BUSY_TIMEOUT_S}, hide_parameters=True
        )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN out of pysqlite's hands so we choose DEFERRED or IMMEDIATE ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(_BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A writer takes the write lock up front: upgrading a read lock later can fail at once
        # in WAL mode, whereas waiting for the lock at BEGIN honours the busy timeout.
        write = conn.get_execution_options().get("roadwise_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


_HEAD: str | None = None


def _alembic_config(connection: Connection | None = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _head() -> str:
    global _HEAD
    if _HEAD is None:
        from alembic.script import ScriptDirectory

        _HEAD = ScriptDirectory.from_config(_alembic_config()).get_current_head()
        assert _HEAD is not None
    return _HEAD


def _current_revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def _migrate(engine: Engine) -> None:
    """Bring the database to the newest schema (a no-op when it is there already)."""
    from alembic import command
    from alembic.script import ScriptDirectory

    head = _head()
    with engine.connect() as conn:
        current = _current_revision(conn)
    if current == head:
        return
    known = {s.revision for s in ScriptDirectory.from_config(_alembic_config()).walk_revisions()}
    if current is not None and current not in known:
        raise RoadwiseError(
            f"the workspace database has schema revision {current}, which this version of "
            "Roadwise does not know; upgrade Roadwise"
        )
    with _write_connection(engine) as conn:
        command.upgrade(_alembic_config(conn), "head")


@contextmanager
def _write_connection(engine: Engine) -> Iterator[Connection]:
    try:
        with engine.connect() as conn:
            conn.execution_options(roadwise_write=True)
            with conn.begin():
                if engine.dialect.name == "postgresql":
                    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_WRITE_LOCK)))
                yield conn
    except sa.exc.DataError as exc:
        if "NUL" in str(exc.orig):
            raise RoadwiseError(
                "PostgreSQL cannot store the NUL character (\\x00) in text; remove it from the "
                "workspace (SQLite can store it)"
            ) from None
        raise RoadwiseError(f"the database refused a value: {exc.orig}") from None
    except sa.exc.OperationalError as exc:
        if "locked" in str(exc.orig) or "busy" in str(exc.orig):
            raise RoadwiseError(
                f"the workspace is busy (another process kept it locked for more than "
                f"{_BUSY_TIMEOUT_S:.0f} s); try again"
            ) from None
        raise


# --------------------------------------------------------------------------- rows


def _column_value(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def _row(kind: _Kind, obj: BaseModel, position: int, now: dt.datetime) -> dict[str, Any]:
    row: dict[str, Any] = {"key": obj.key, "position": position}  # type: ignore[attr-defined]
    for column in kind.columns:
        row[column] = _column_value(getattr(obj, column))
    row["data"] = obj.model_dump(mode="json", exclude={"key", *kind.columns, *kind.exclude})
    row["version"] = getattr(obj, "version", 1) if kind is ITEM else 1
    row["updated_at"] = now
    return row


def _dependency_rows(item: Item) -> list[dict[str, Any]]:
    return [
        {
            "item": item.key,
            "position": index,
            "depends_on": dep.item,
            "type": dep.type.value,
            "lag_days": dep.lag_days,
        }
        for index, dep in enumerate(item.dependencies)
    ]


def _record(kind: _Kind, row: Any) -> dict[str, Any]:
    """A record as the domain model reads it, from a table row."""
    record = dict(row.data)
    record["key"] = row.key
    for column in kind.columns:
        record[column] = getattr(row, column)
    return record


def _record_json(record: dict[str, Any]) -> dict[str, Any]:
    return {k: _jsonable(v) for k, v in record.items()}


# --------------------------------------------------------------------------- the store


class Store:
    """A workspace in a database. Open one with :func:`open_store`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    # ------------------------------------------------------------------ transactions

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def _write(self) -> Any:
        return _write_connection(self.engine)

    def write_transaction(self) -> Any:
        """A write transaction (a context manager giving the connection), queued behind other
        writers like every change the store makes, for tables the store does not manage
        itself (the web app's accounts)."""
        return _write_connection(self.engine)

    def schema_revision(self) -> str | None:
        with self.engine.connect() as conn:
            return _current_revision(conn)

    # ------------------------------------------------------------------ whole workspace

    def is_initialized(self) -> bool:
        """Whether a workspace has been saved here (by init, sample, import or replace)."""
        with self._read() as conn:
            found = conn.execute(sa.select(s.meta.c.key).where(s.meta.c.key == "workspace")).first()
        return found is not None

    def load(self) -> Workspace:
        """The whole workspace (an empty one if nothing has been saved yet)."""
        with self._read() as conn:
            data = self._load_data(conn, KINDS)
        return self._validate(data, "the stored workspace")

    def replace(self, ws: Workspace, actor: str | None = None) -> None:
        """Store ``ws`` in place of whatever is stored, in one transaction.

        Records whose content changed get a new version and an audit entry.
        """
        with self._write() as conn:
            self._replace(conn, ws, actor or current_actor())

    def modify(
        self, change: Callable[[Workspace], Workspace], actor: str | None = None
    ) -> Workspace:
        """Load, change and store the workspace in one transaction (no lost updates)."""
        with self._write() as conn:
            current = self._validate(self._load_data(conn, KINDS), "the stored workspace")
            updated = change(current)
            self._replace(conn, updated, actor or current_actor())
        return updated

    def init(self, name: str, description: str = "", actor: str | None = None) -> Workspace:
        """Start an empty workspace called ``name``; an error if one exists already."""
        ws = Workspace(name=name, description=description)
        with self._write() as conn:
            if conn.execute(sa.select(s.meta.c.key).where(s.meta.c.key == "workspace")).first():
                raise RoadwiseError(
                    f"{self.url} already holds a workspace; use `roadwise import --replace` "
                    "or another --db to start afresh"
                )
            self._replace(conn, ws, actor or current_actor())
        return ws

    # ------------------------------------------------------------------ items

    def get_item(self, key: str) -> Item:
        item = self.find_item(key)
        if item is None:
            raise RoadwiseError(f"no item '{key}' in the workspace", field="key")
        return item

    def find_item(self, key: str) -> Item | None:
        with self._read() as conn:
            row = conn.execute(sa.select(s.items).where(s.items.c.key == key)).first()
            if row is None:
                return None
            deps = self._dependencies(conn, [key])
        return Item.model_validate(self._item_record(row, deps))

    def list_items(
        self,
        *,
        status: Sequence[str] = (),
        kind: Sequence[str] = (),
        team: Sequence[str] = (),
        theme: Sequence[str] = (),
        parent: str | None = None,
        tag: Sequence[str] = (),
        search: str | None = None,
    ) -> list[Item]:
        """Items matching every given filter (each filter matches any of its values)."""
        t = s.items
        query = sa.select(t).order_by(t.c.position)
        for column, values in (
            (t.c.status, status),
            (t.c.kind, kind),
            (t.c.team, team),
            (t.c.theme, theme),
        ):
            if values:
                query = query.where(column.in_(list(values)))
        if parent is not None:
            query = query.where(t.c.parent == parent)
        with self._read() as conn:
            rows = conn.execute(query).all()
            deps = self._dependencies(conn, [r.key for r in rows])
        items = [Item.model_validate(self._item_record(r, deps)) for r in rows]
        if tag:
            wanted = set(tag)
            items = [i for i in items if wanted & set(i.tags)]
        if search:
            needle = search.casefold()
            items = [
                i
                for i in items
                if needle in i.key.casefold()
                or needle in i.title.casefold()
                or needle in i.description.casefold()
            ]
        return items

    def upsert_item(
        self, item: Item, expected_version: int | None = None, actor: str | None = None
    ) -> Item:
        """Add or change one item and return it with its new version.

        ``expected_version`` is the version the edit was based on: ``None`` writes regardless,
        ``0`` means the item must be new, ``n`` means it must still be at version ``n``;
        otherwise :class:`ConflictError` says who changed it and how.
        """
        actor = actor or current_actor()
        with self._write() as conn:
            current = conn.execute(sa.select(s.items).where(s.items.c.key == item.key)).first()
            before = None
            if current is not None:
                before = self._item_record(current, self._dependencies(conn, [item.key]))
            self._check_version(conn, "item", item.key, current, expected_version)
            if current is not None and _same_item(current, before, item):
                # A save that changes nothing (a form or PATCH sent back as it was read) is not
                # a change: a new version would make others' edits look stale, and an audit
                # entry would record a change that did not happen.
                return Item.model_validate(before)

            data = self._load_data(conn, _REFERENCE_KINDS)
            new_record = item.model_dump(mode="json")
            keys = [i["key"] for i in data["items"]]
            if item.key in keys:
                index = keys.index(item.key)
                data["items"][index] = new_record
            else:
                index = len(keys)
                data["items"].append(new_record)
            self._validate(data, f"item {item.key}", item_index=index)

            version = current.version + 1 if current is not None else 1
            saved = item.model_copy(update={"version": version})
            now = _now()
            if current is not None:
                row = _row(ITEM, saved, current.position, now)
                result = conn.execute(
                    s.items.update()
                    .where(s.items.c.key == item.key, s.items.c.version == current.version)
                    .values(**row)
                )
                if result.rowcount != 1:  # pragma: no cover - the write lock prevents this
                    raise ConflictError(f"item {item.key} changed while saving; try again")
                conn.execute(
                    s.item_dependencies.delete().where(s.item_dependencies.c.item == item.key)
                )
            else:
                position = conn.execute(sa.select(sa.func.max(s.items.c.position))).scalar()
                conn.execute(s.items.insert().values(**_row(ITEM, saved, (position or 0) + 1, now)))
            dep_rows = _dependency_rows(saved)
            if dep_rows:
                conn.execute(s.item_dependencies.insert(), dep_rows)
            after = self._item_json(saved)
            self._audit(
                conn,
                actor,
                [
                    (
                        "update" if before else "create",
                        "item",
                        item.key,
                        before and _record_json(before),
                        after,
                    )
                ],
            )
        return saved

    def delete_item(
        self, key: str, expected_version: int | None = None, actor: str | None = None
    ) -> None:
        """Delete an item nothing refers to any more (children, dependents, feedback, decisions)."""
        actor = actor or current_actor()
        with self._write() as conn:
            current = conn.execute(sa.select(s.items).where(s.items.c.key == key)).first()
            if current is None:
                raise RoadwiseError(f"no item '{key}' in the workspace", field="key")
            self._check_version(conn, "item", key, current, expected_version)
            data = self._load_data(conn, KINDS)
            users = _references_to(data, key)
            if users:
                raise ValidationError(
                    f"item {key} is still referred to by "
                    + "; ".join(users)
                    + "; remove those references first",
                    field="key",
                )
            before = self._item_record(current, self._dependencies(conn, [key]))
            conn.execute(s.items.delete().where(s.items.c.key == key))
            conn.execute(s.item_dependencies.delete().where(s.item_dependencies.c.item == key))
            self._audit(conn, actor, [("delete", "item", key, _record_json(before), None)])

    # ------------------------------------------------------------------ plans and decisions

    def save_plan(self, plan: Plan, actor: str | None = None) -> Plan:
        """Store an engine result under its key (replacing an older plan with that key)."""
        with self._write() as conn:
            current = conn.execute(sa.select(s.plans).where(s.plans.c.key == plan.key)).first()
            now = _now()
            if current is not None:
                row = _row(PLAN, plan, current.position, now)
                row["version"] = current.version + 1
                conn.execute(s.plans.update().where(s.plans.c.key == plan.key).values(**row))
            else:
                position = conn.execute(sa.select(sa.func.max(s.plans.c.position))).scalar()
                conn.execute(s.plans.insert().values(**_row(PLAN, plan, (position or 0) + 1, now)))
            self._audit(
                conn,
                actor or current_actor(),
                [
                    (
                        "update" if current else "create",
                        "plan",
                        plan.key,
                        None,
                        {"kind": plan.kind, "summary": plan.summary},
                    )
                ],
            )
        return plan

    def list_plans(self, kind: str | None = None) -> list[Plan]:
        """Stored plans, oldest first (optionally only one kind)."""
        query = sa.select(s.plans).order_by(s.plans.c.created, s.plans.c.position)
        if kind is not None:
            query = query.where(s.plans.c.kind == kind)
        with self._read() as conn:
            rows = conn.execute(query).all()
        return [Plan.model_validate(_record(PLAN, r)) for r in rows]

    def get_plan(self, key: str) -> Plan:
        with self._read() as conn:
            row = conn.execute(sa.select(s.plans).where(s.plans.c.key == key)).first()
        if row is None:
            raise RoadwiseError(f"no stored plan '{key}'", field="key")
        return Plan.model_validate(_record(PLAN, row))

    def log_decision(
        self,
        title: str,
        rationale: str = "",
        items: Sequence[str] = (),
        who: str | None = None,
        date: dt.date | None = None,
        key: str | None = None,
        actor: str | None = None,
    ) -> Decision:
        """Log a new decision (by ``who``, default :func:`current_actor`; on ``date``, default
        today), keyed after the log's latest key (``D-7`` after ``D-6``; ``D-1`` for the first)
        unless ``key`` is given. The audit log names ``actor``, who logs it (the web app's
        signed-in user; default :func:`current_actor`), which ``who`` may not be."""
        actor = actor or current_actor()
        who = who or actor
        if not title.strip():
            raise ValidationError("a decision needs a title: what was decided", field="title")
        for attempt in range(1 if key is not None else 10):
            chosen = key
            if chosen is None:
                with self._read() as conn:
                    logged = sa.select(s.decisions.c.key).order_by(s.decisions.c.position)
                    chosen = _next_decision_key(list(conn.execute(logged).scalars()))
            try:
                decision = Decision(
                    key=chosen,
                    date=date or dt.date.today(),
                    title=title,
                    rationale=rationale,
                    who=who,
                    items=list(items),
                )
            except PydanticValidationError as exc:
                error = exc.errors()[0]
                field = ".".join(str(p) for p in error["loc"]) or None
                message = f"not a valid decision: {error['msg']}"
                if error["type"] == "string_pattern_mismatch":  # the rule, not its regex
                    message = f"{KEY_RULE} (got {error.get('input')!r})"
                raise ValidationError(message, field=field) from None
            try:
                # The audit log names who logged it; ``who`` is whom the decision is by.
                return self.add_decision(decision, actor=actor)
            except ConflictError:
                if key is not None or attempt == 9:
                    raise
                # another process logged the key chosen meanwhile: choose the next one
        raise AssertionError("unreachable")  # pragma: no cover

    def add_decision(self, decision: Decision, actor: str | None = None) -> Decision:
        """Log a decision; the items it names must exist and its key must be new."""
        with self._write() as conn:
            if conn.execute(
                sa.select(s.decisions.c.key).where(s.decisions.c.key == decision.key)
            ).first():
                raise ConflictError(f"a decision with key '{decision.key}' exists already")
            known = set(
                conn.execute(
                    sa.select(s.items.c.key).where(s.items.c.key.in_(decision.items))
                ).scalars()
            )
            for index, key in enumerate(decision.items):
                if key not in known:
                    raise ValidationError(f"unknown item '{key}'", field=f"items.{index}")
            position = conn.execute(sa.select(sa.func.max(s.decisions.c.position))).scalar()
            conn.execute(
                s.decisions.insert().values(**_row(DECISION, decision, (position or 0) + 1, _now()))
            )
            self._audit(
                conn,
                actor or current_actor(),
                [("create", "decision", decision.key, None, decision.model_dump(mode="json"))],
            )
        return decision

    def audit_entries(
        self, entity: str | None = None, key: str | None = None, limit: int | None = None
    ) -> list[AuditEntry]:
        """The audit log, newest first, optionally for one entity kind and key."""
        t = s.audit_log
        query = sa.select(t).order_by(t.c.id.desc())
        if entity is not None:
            query = query.where(t.c.entity == entity)
        if key is not None:
            query = query.where(t.c.key == key)
        if limit is not None:
            query = query.limit(limit)
        with self._read() as conn:
            rows = conn.execute(query).all()
        return [
            AuditEntry(r.id, r.at, r.actor, r.action, r.entity, r.key, r.before, r.after)
            for r in rows
        ]

    # ------------------------------------------------------------------ internals

    def _check_version(
        self,
        conn: Connection,
        entity: str,
        key: str,
        current: Any,
        expected: int | None,
    ) -> None:
        if expected is None:
            return
        if expected == 0 and current is not None:
            raise ConflictError(
                f"{entity} {key} exists already (version {current.version}); "
                "edit it instead of adding it",
                field="key",
            )
        if expected > 0 and current is None:
            raise ConflictError(
                f"{entity} {key} no longer exists{self._last_change(conn, entity, key)}",
                field="key",
            )
        if current is not None and expected > current.version:
            # A version it never had is a typo, not someone else's change.
            raise ConflictError(
                f"{entity} {key} has no version {expected} yet: it is at version "
                f"{current.version}; give the version it was shown with",
                field="version",
            )
        if current is not None and expected > 0 and current.version != expected:
            raise ConflictError(
                f"{entity} {key} was changed after you read it (you edited version {expected}, "
                f"it is now version {current.version})"
                f"{self._last_change(conn, entity, key)}. "
                "Reload it and apply your change again.",
                field="version",
            )

    def _last_change(self, conn: Connection, entity: str, key: str) -> str:
        t = s.audit_log
        row = conn.execute(
            sa.select(t)
            .where(t.c.entity == entity, t.c.key == key)
            .order_by(t.c.id.desc())
            .limit(1)
        ).first()
        if row is None:
            return ""
        changes = describe_changes(row.before, row.after)
        what = "; ".join(changes) if changes else "no visible change"
        verb = {"delete": "deleted", "create": "created"}.get(row.action, "changed")
        return f": {verb} by {row.actor} at {row.at:%Y-%m-%d %H:%M} ({what})"

    def _validate(
        self, data: dict[str, Any], what: str, item_index: int | None = None
    ) -> Workspace:
        try:
            return Workspace.model_validate(data)
        except PydanticValidationError as exc:
            raise _store_validation_error(exc, data, what, item_index) from None

    def _dependencies(
        self, conn: Connection, keys: Sequence[str] | None
    ) -> dict[str, list[dict[str, Any]]]:
        t = s.item_dependencies
        query = sa.select(t).order_by(t.c.item, t.c.position)
        if keys is not None and len(keys) < 500:
            query = query.where(t.c.item.in_(list(keys)))
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in conn.execute(query):
            grouped[row.item].append(
                {"item": row.depends_on, "type": row.type, "lag_days": row.lag_days}
            )
        return grouped

    def _item_record(self, row: Any, deps: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
        record = _record(ITEM, row)
        record["dependencies"] = deps.get(row.key, [])
        record["version"] = row.version
        return record

    def _item_json(self, item: Item) -> dict[str, Any]:
        return item.model_dump(mode="json")

    def _load_data(self, conn: Connection, kinds: Iterable[_Kind]) -> dict[str, Any]:
        """The workspace as plain data (not validated), with the collections of ``kinds``."""
        meta = {r.key: r.data for r in conn.execute(sa.select(s.meta))}
        data: dict[str, Any] = dict(meta.get("workspace", {}))
        data["settings"] = meta.get("settings", {})
        data["cycles"] = dict(meta.get("cycles", {}))
        kinds = tuple(kinds)
        rows: dict[str, list[Any]] = {}
        for kind in kinds:
            rows[kind.entity] = list(
                conn.execute(sa.select(kind.table).order_by(kind.table.c.position))
            )
        people: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in rows.get("person", []):
            people[row.team].append(_record(PERSON, row))
        for kind in kinds:
            if kind is PERSON:
                continue
            if kind is ITEM:
                deps = self._dependencies(conn, None)
                records = [self._item_record(r, deps) for r in rows["item"]]
            else:
                records = [_record(kind, r) for r in rows[kind.entity]]
            if kind is TEAM:
                for record in records:
                    record["people"] = people.get(record["key"], [])
            if kind is RELEASE:
                data["cycles"]["releases"] = records
            else:
                data[kind.collection] = records
        return data

    def _existing(self, conn: Connection, kind: _Kind) -> dict[str, Any]:
        return {r.key: r for r in conn.execute(sa.select(kind.table))}

    def _replace(self, conn: Connection, ws: Workspace, actor: str) -> None:
        now = _now()
        audit: list[tuple[str, str, str, dict[str, Any] | None, dict[str, Any] | None]] = []
        existing_deps = self._dependencies(conn, None)
        collections: list[tuple[_Kind, list[Any]]] = [
            (OBJECTIVE, ws.objectives),
            (THEME, ws.themes),
            (TEAM, ws.teams),
            (PERSON, [p for t in ws.teams for p in t.people]),
            (RELEASE, ws.cycles.releases),
            (CUSTOMER, ws.customers),
            (ITEM, ws.items),
            (FEEDBACK, ws.feedback),
            (HISTORY, ws.history),
            (SCENARIO, ws.scenarios),
            (DECISION, ws.decisions),
            (PLAN, ws.plans),
        ]
        person_team = {p.key: t.key for t in ws.teams for p in t.people}
        dependency_rows: list[dict[str, Any]] = []
        for kind, objects in collections:
            old = self._existing(conn, kind)
            rows = []
            for position, obj in enumerate(objects):
                row = _row(kind, obj, position, now)
                if kind is PERSON:
                    row["team"] = person_team[obj.key]
                before = old.pop(obj.key, None)
                if before is not None:
                    old_content = _content(kind, before._mapping, existing_deps)
                    new_content = _content(
                        kind, row, {obj.key: _dependency_rows_as_dicts(obj)} if kind is ITEM else {}
                    )
                    if old_content == new_content:
                        row["version"] = before.version
                        row["updated_at"] = before.updated_at
                    else:
                        row["version"] = before.version + 1
                        if kind.audited:
                            audit.append(("update", kind.entity, obj.key, old_content, new_content))
                elif kind.audited:
                    new_content = _content(
                        kind, row, {obj.key: _dependency_rows_as_dicts(obj)} if kind is ITEM else {}
                    )
                    audit.append(("create", kind.entity, obj.key, None, new_content))
                rows.append(row)
                if kind is ITEM:
                    dependency_rows.extend(_dependency_rows(obj))
            if kind.audited:
                for key, row in old.items():
                    audit.append(
                        (
                            "delete",
                            kind.entity,
                            key,
                            _content(kind, row._mapping, existing_deps),
                            None,
                        )
                    )
            conn.execute(kind.table.delete())
            if rows:
                conn.execute(kind.table.insert(), rows)
        conn.execute(s.item_dependencies.delete())
        if dependency_rows:
            conn.execute(s.item_dependencies.insert(), dependency_rows)

        meta = {
            "workspace": {
                "schema_version": ws.schema_version,
                "name": ws.name,
                "description": ws.description,
                "as_of": ws.as_of.isoformat(),
            },
            "settings": ws.settings.model_dump(mode="json"),
            "cycles": ws.cycles.model_dump(mode="json", exclude={"releases"}),
        }
        old_meta = {r.key: r for r in conn.execute(sa.select(s.meta))}
        conn.execute(s.meta.delete())
        conn.execute(
            s.meta.insert(),
            [
                {
                    "key": key,
                    "data": value,
                    "version": _bump(old_meta.get(key), value),
                    "updated_at": now,
                }
                for key, value in meta.items()
            ],
        )
        # The workspace's own fields (its as-of date, name, settings) are a record too: a change
        # to them is audited like an item's, so moving the as-of date says from what to what.
        old_fields = _workspace_fields({key: row.data for key, row in old_meta.items()})
        new_fields = _workspace_fields(meta)
        if old_meta and old_fields != new_fields:
            audit.append(("update", "workspace", ws.name, old_fields, new_fields))
        audit.append(
            (
                "replace",
                "workspace",
                ws.name,
                None,
                {
                    "items": len(ws.items),
                    "history": len(ws.history),
                    "feedback": len(ws.feedback),
                },
            )
        )
        self._audit(conn, actor, audit)

    def _audit(
        self,
        conn: Connection,
        actor: str,
        entries: Sequence[tuple[str, str, str, dict[str, Any] | None, dict[str, Any] | None]],
    ) -> None:
        if not entries:
            return
        now = _now()
        conn.execute(
            s.audit_log.insert(),
            [
                {
                    "at": now,
                    "actor": actor,
                    "action": action,
                    "entity": entity,
                    "key": key,
                    "before": before,
                    "after": after,
                }
                for action, entity, key, before, after in entries
            ],
        )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _same_item(row: Any, record: dict[str, Any] | None, item: Item) -> bool:
    """Whether storing ``item`` would leave the stored ``row`` (and its dependencies) as is.

    Both sides are compared as stored (columns, JSON data and dependency rows), the way
    :meth:`Store.replace` tells a change, so the two ways of saving an item agree on it.
    """
    stored_deps = {row.key: (record or {}).get("dependencies", [])}
    new_row = _row(ITEM, item, row.position, row.updated_at)
    new_deps = {item.key: _dependency_rows_as_dicts(item)}
    return _content(ITEM, row._mapping, stored_deps) == _content(ITEM, new_row, new_deps)


def _bump(old: Any, value: dict[str, Any]) -> int:
    if old is None:
        return 1
    return int(old.version) + (0 if old.data == value else 1)


def _workspace_fields(meta: dict[str, Any]) -> dict[str, Any]:
    """The workspace meta rows as one record, so its audit entry reads ``as_of: … -> …`` and
    ``settings.currency: … -> …``."""
    return {
        **meta.get("workspace", {}),
        "settings": meta.get("settings", {}),
        "cycles": meta.get("cycles", {}),
    }


def _dependency_rows_as_dicts(item: Item) -> list[dict[str, Any]]:
    return [
        {"item": d.item, "type": d.type.value, "lag_days": d.lag_days} for d in item.dependencies
    ]


def _content(kind: _Kind, row: Any, deps: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """A record's content as JSON (what the audit log shows and change detection compares)."""
    content: dict[str, Any] = {"key": row["key"]}
    for column in kind.columns:
        content[column] = _jsonable(row[column])
    if kind is PERSON:
        content["team"] = row["team"]
    content.update(row["data"])
    if kind is ITEM:
        content["dependencies"] = deps.get(row["key"], [])
    return content


def _references_to(data: dict[str, Any], key: str) -> list[str]:
    found = references_to_items(data, [key]).get(key, {})
    # one referring record once, however many of its references name the item
    named = {kind: list(dict.fromkeys(keys)) for kind, keys in found.items()}
    words: list[str] = []
    if "child" in named:
        words.append("child items " + ", ".join(named["child"]))
    if "dependent" in named:
        words.append("dependencies of " + ", ".join(named["dependent"]))
    if "link" in named:
        feedback = named["link"]
        words.append(f"{len(feedback)} feedback links ({', '.join(feedback[:5])})")
    if "decision" in named:
        words.append("decisions " + ", ".join(named["decision"]))
    return words


def _next_decision_key(keys: Sequence[str]) -> str:
    """The key after the latest numbered one (same prefix, the prefix's highest number + 1)."""
    numbered = [m for k in keys if (m := re.fullmatch(r"(.*?)(\d+)", k))]
    prefix = numbered[-1].group(1) if numbered else "D-"
    n = max((int(m.group(2)) for m in numbered if m.group(1) == prefix), default=0) + 1
    while f"{prefix}{n}" in keys:
        n += 1
    return f"{prefix}{n}"


def _store_validation_error(
    exc: PydanticValidationError, data: dict[str, Any], what: str, item_index: int | None
) -> ValidationError:
    error = exc.errors()[0]
    loc = [str(p) for p in error["loc"]]
    message = str(error["msg"])
    if error["type"] == "workspace_rule":
        ctx = error.get("ctx") or {}
        message = str(ctx.get("message", message))
        loc = str(ctx.get("field", "")).split(".") if ctx.get("field") else []
    if message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    if item_index is not None and loc[:2] == ["items", str(item_index)]:
        return ValidationError(f"{what}: {message}", field=".".join(loc[2:]) or None)
    if item_index is not None and len(loc) == 2 and loc[0] == "items" and not loc[1].isdigit():
        return ValidationError(f"{what}: {message}", field=loc[1])  # a cycle through the item
    field = _keyed_path(data, loc)
    return ValidationError(f"{what}: {message}", field=field or None)


def _keyed_path(data: Any, loc: Sequence[str]) -> str:
    """``items.3.team`` becomes ``items[PAY-3].team``: a key means more than a position."""
    parts: list[str] = []
    node = data
    for part in loc:
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
            key = node.get("key") if isinstance(node, dict) else None
            if key is not None and parts:
                parts[-1] = f"{parts[-1]}[{key}]"
            else:
                parts.append(part)
            continue
        parts.append(part)
        node = node.get(part) if isinstance(node, dict) else None
    return ".".join(parts)
