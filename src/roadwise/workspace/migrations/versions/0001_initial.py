"""The first schema: workspace metadata, one table per entity kind, and the audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

KEY = 100
Json = sa.JSON().with_variant(JSONB(), "postgresql")


def _record(name: str, *columns: sa.Column, indexes: tuple[str, ...] = ()) -> None:
    """A keyed record table: key, position in its list, own columns, JSON data, version."""
    op.create_table(
        name,
        sa.Column("key", sa.String(KEY), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        *columns,
        sa.Column("data", Json, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    for column in indexes:
        op.create_index(f"ix_{name}_{column}", name, [column])


def upgrade() -> None:
    op.create_table(
        "workspace_meta",
        sa.Column("key", sa.String(KEY), primary_key=True),
        sa.Column("data", Json, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    _record("objectives", sa.Column("title", sa.Text, nullable=False), sa.Column("due", sa.Date))
    _record("themes", sa.Column("name", sa.Text, nullable=False))
    _record("teams", sa.Column("name", sa.Text, nullable=False))
    _record(
        "people",
        sa.Column("team", sa.String(KEY), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        indexes=("team",),
    )
    _record(
        "releases",
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("start", sa.Date),
        indexes=("date",),
    )
    _record(
        "customers",
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("segment", sa.Text, nullable=False),
        sa.Column("tier", sa.String(20), nullable=False),
        sa.Column("annual_revenue", sa.Float, nullable=False),
        indexes=("tier",),
    )
    _record(
        "items",
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("parent", sa.String(KEY)),
        sa.Column("team", sa.String(KEY)),
        sa.Column("theme", sa.String(KEY)),
        sa.Column("release", sa.String(KEY)),
        sa.Column("assignee", sa.String(KEY)),
        sa.Column("created", sa.DateTime),
        sa.Column("started", sa.DateTime),
        sa.Column("done", sa.DateTime),
        indexes=("kind", "status", "parent", "team", "theme", "release"),
    )
    op.create_table(
        "item_dependencies",
        sa.Column("item", sa.String(KEY), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("depends_on", sa.String(KEY), nullable=False),
        sa.Column("type", sa.String(30), nullable=False),
        sa.Column("lag_days", sa.Integer, nullable=False),
    )
    op.create_index("ix_item_dependencies_depends_on", "item_dependencies", ["depends_on"])
    _record(
        "feedback",
        sa.Column("customer", sa.String(KEY)),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        indexes=("customer", "date"),
    )
    _record(
        "history",
        sa.Column("team", sa.String(KEY)),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("started", sa.DateTime),
        sa.Column("done", sa.DateTime, nullable=False),
        indexes=("team", "done"),
    )
    _record("scenarios", sa.Column("name", sa.Text, nullable=False))
    _record(
        "decisions",
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
    )
    _record(
        "plans",
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("scenario", sa.String(KEY)),
        indexes=("kind", "created"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("entity", sa.String(30), nullable=False),
        sa.Column("key", sa.String(KEY), nullable=False),
        sa.Column("before", Json),
        sa.Column("after", Json),
    )
    op.create_index("ix_audit_log_entity_key", "audit_log", ["entity", "key"])


def downgrade() -> None:
    for name in (
        "audit_log",
        "plans",
        "decisions",
        "scenarios",
        "history",
        "feedback",
        "item_dependencies",
        "items",
        "customers",
        "releases",
        "people",
        "teams",
        "themes",
        "objectives",
        "workspace_meta",
    ):
        op.drop_table(name)
