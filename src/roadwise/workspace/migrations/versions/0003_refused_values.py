"""Values this version refuses, cleared from workspaces an earlier version stored.

Since this revision a value input (reach, impact, ease, the WSJF inputs, cost of delay) must
not be negative, and the default prioritisation framework must be one Roadwise has. A stored
workspace holding either would no longer load, and so could not be repaired from Roadwise
itself. Each such value is removed (the field's default applies: no value, or WSJF), and the
audit log says what was removed, by whom ("roadwise upgrade") and when.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ACTOR = "roadwise upgrade"
# As in roadwise.domain.model, copied: a migration must not change when the code does.
AMOUNTS = (
    "reach",
    "impact",
    "ease",
    "business_value",
    "time_criticality",
    "risk_reduction",
    "cost_of_delay",
)
FRAMEWORKS = ("rice", "ice", "wsjf", "cd3", "scorecard", "formula")


def _negative(value: Any) -> bool:
    if isinstance(value, dict):
        value = value.get("low")
    return isinstance(value, int | float) and not isinstance(value, bool) and value < 0


def _data(raw: Any) -> Any:
    return json.loads(raw) if isinstance(raw, str) else raw


def upgrade() -> None:
    conn = op.get_bind()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    # The tables as this revision knows them (not reflected: JSON must stay JSON on SQLite).
    meta = sa.MetaData()
    json_type = sa.JSON().with_variant(JSONB(), "postgresql")

    def record(name: str) -> sa.Table:
        return sa.Table(
            name,
            meta,
            sa.Column("key", sa.String(100), primary_key=True),
            sa.Column("data", json_type),
            sa.Column("version", sa.Integer),
            sa.Column("updated_at", sa.DateTime),
        )

    items, workspace_meta = record("items"), record("workspace_meta")
    audit = sa.Table(
        "audit_log",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime),
        sa.Column("actor", sa.Text),
        sa.Column("action", sa.String(20)),
        sa.Column("entity", sa.String(30)),
        sa.Column("key", sa.String(100)),
        sa.Column("before", json_type),
        sa.Column("after", json_type),
    )
    entries: list[dict[str, Any]] = []

    # read whole before writing: no cursor stays open over the rows being updated
    stored = conn.execute(sa.select(items.c.key, items.c.data, items.c.version)).all()
    for key, raw, version in stored:
        data = _data(raw)
        value = dict(data.get("value") or {})
        removed = {name: value.pop(name) for name in AMOUNTS if _negative(value.get(name))}
        if not removed:
            continue
        data = {**data, "value": value}
        conn.execute(
            items.update()
            .where(items.c.key == key)
            .values(data=data, version=version + 1, updated_at=now)
        )
        entries.append(
            {
                "entity": "item",
                "key": key,
                "before": {f"value.{name}": v for name, v in removed.items()},
                "after": {f"value.{name}": None for name in removed},
            }
        )

    row = conn.execute(
        sa.select(workspace_meta.c.data, workspace_meta.c.version).where(
            workspace_meta.c.key == "settings"
        )
    ).first()
    if row is not None:
        settings = _data(row.data)
        priority = dict(settings.get("priority") or {})
        name = priority.get("framework")
        if isinstance(name, str) and name.strip().lower() not in FRAMEWORKS:
            priority.pop("framework")
            conn.execute(
                workspace_meta.update()
                .where(workspace_meta.c.key == "settings")
                .values(
                    data={**settings, "priority": priority},
                    version=row.version + 1,
                    updated_at=now,
                )
            )
            entries.append(
                {
                    "entity": "workspace",
                    "key": "settings",
                    "before": {"priority.framework": name},
                    "after": {"priority.framework": "wsjf"},
                }
            )

    if entries:
        conn.execute(
            audit.insert(),
            [{"at": now, "actor": ACTOR, "action": "update", **entry} for entry in entries],
        )


def downgrade() -> None:
    """Nothing to undo: the removed values were ones the older version already misread."""
