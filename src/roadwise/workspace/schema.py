"""The database schema: one table per kind of entity, plus workspace metadata and an audit log.

Columns that are filtered, joined or sorted on (key, status, kind, team, parent, dates) are real
columns; everything else about a record lives in its ``data`` JSON column so that adding an
optional field to the domain model needs no migration. Every table keeps the record's
``position`` in its workspace list, so a workspace loads back in exactly the order it was saved.

This module describes the *current* schema (used by tests to check that the migrations build
it); the database itself is only ever created and changed by the Alembic migrations.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

# JSONB on PostgreSQL (indexable, compact); plain JSON text elsewhere.
Json = JSON().with_variant(JSONB(), "postgresql")
KEY = 100


def _record(name: str, *columns: Column, indexes: tuple[str, ...] = ()) -> Table:
    table = Table(
        name,
        metadata,
        Column("key", String(KEY), primary_key=True),
        Column("position", Integer, nullable=False),
        *columns,
        Column("data", Json, nullable=False),
        Column("version", Integer, nullable=False, server_default="1"),
        Column("updated_at", DateTime, nullable=False),
    )
    for column in indexes:
        Index(f"ix_{name}_{column}", table.c[column])
    return table


meta = Table(
    "workspace_meta",
    metadata,
    Column("key", String(KEY), primary_key=True),
    Column("data", Json, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("updated_at", DateTime, nullable=False),
)

objectives = _record("objectives", Column("title", Text, nullable=False), Column("due", Date))
themes = _record("themes", Column("name", Text, nullable=False))
teams = _record("teams", Column("name", Text, nullable=False))
people = _record(
    "people",
    Column("team", String(KEY), nullable=False),
    Column("name", Text, nullable=False),
    indexes=("team",),
)
releases = _record(
    "releases",
    Column("name", Text, nullable=False),
    Column("date", Date, nullable=False),
    Column("start", Date),
    indexes=("date",),
)
customers = _record(
    "customers",
    Column("name", Text, nullable=False),
    Column("segment", Text, nullable=False),
    Column("tier", String(20), nullable=False),
    Column("annual_revenue", Float, nullable=False),
    indexes=("tier",),
)
items = _record(
    "items",
    Column("title", Text, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("parent", String(KEY)),
    Column("team", String(KEY)),
    Column("theme", String(KEY)),
    Column("release", String(KEY)),
    Column("assignee", String(KEY)),
    Column("created", DateTime),
    Column("started", DateTime),
    Column("done", DateTime),
    indexes=("kind", "status", "parent", "team", "theme", "release"),
)
item_dependencies = Table(
    "item_dependencies",
    metadata,
    Column("item", String(KEY), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("depends_on", String(KEY), nullable=False),
    Column("type", String(30), nullable=False),
    Column("lag_days", Integer, nullable=False),
    Index("ix_item_dependencies_depends_on", "depends_on"),
)
feedback = _record(
    "feedback",
    Column("customer", String(KEY)),
    Column("source", String(20), nullable=False),
    Column("date", Date, nullable=False),
    indexes=("customer", "date"),
)
history = _record(
    "history",
    Column("team", String(KEY)),
    Column("kind", String(20), nullable=False),
    Column("created", DateTime, nullable=False),
    Column("started", DateTime),
    Column("done", DateTime, nullable=False),
    indexes=("team", "done"),
)
scenarios = _record("scenarios", Column("name", Text, nullable=False))
decisions = _record(
    "decisions", Column("date", Date, nullable=False), Column("title", Text, nullable=False)
)
plans = _record(
    "plans",
    Column("kind", String(50), nullable=False),
    Column("created", DateTime, nullable=False),
    Column("scenario", String(KEY)),
    indexes=("kind", "created"),
)
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", String(20), nullable=False),
    Column("entity", String(30), nullable=False),
    Column("key", String(KEY), nullable=False),
    Column("before", Json),
    Column("after", Json),
    Index("ix_audit_log_entity_key", "entity", "key"),
)
# Web app accounts (migration 0002): passwords as argon2 hashes, API tokens as SHA-256 hashes.
web_users = Table(
    "web_users",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("role", String(20), nullable=False),
    Column("created", DateTime, nullable=False),
)
web_tokens = Table(
    "web_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user", String(100), nullable=False),
    Column("label", Text, nullable=False),
    Column("created", DateTime, nullable=False),
    Index("ix_web_tokens_user", "user"),
)
# Live web sessions (migration 0005): the cookie holds a random id, this table its SHA-256, so
# signing out ends the session on the server and a copied cookie stops working.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("session_hash", String(64), primary_key=True),
    Column("user", String(100), nullable=False),
    Column("created", DateTime, nullable=False),
    Column("expires", DateTime, nullable=False),
    Index("ix_web_sessions_user", "user"),
    Index("ix_web_sessions_expires", "expires"),
)
