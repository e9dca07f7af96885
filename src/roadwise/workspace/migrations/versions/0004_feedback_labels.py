"""Feedback labels this version refuses, cleared from workspaces an earlier version stored.

Since this revision a feedback text's label must be one of the kinds the classifier knows
(bug, feature, praise, question, other; any case). An earlier version let the web app store
any text, after which every feedback analysis failed. Such a label is removed (the text is
unlabelled again, and the next classification run labels it), and the audit log says what was
removed, by whom ("roadwise upgrade") and when.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ACTOR = "roadwise upgrade"
# As in roadwise.domain.model, copied: a migration must not change when the code does.
LABELS = ("bug", "feature", "praise", "question", "other")


def _data(raw: Any) -> Any:
    return json.loads(raw) if isinstance(raw, str) else raw


def upgrade() -> None:
    conn = op.get_bind()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    # The tables as this revision knows them (not reflected: JSON must stay JSON on SQLite).
    meta = sa.MetaData()
    json_type = sa.JSON().with_variant(JSONB(), "postgresql")
    feedback = sa.Table(
        "feedback",
        meta,
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("data", json_type),
        sa.Column("version", sa.Integer),
        sa.Column("updated_at", sa.DateTime),
    )
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
    stored = conn.execute(sa.select(feedback.c.key, feedback.c.data, feedback.c.version)).all()
    for key, raw, version in stored:
        data = _data(raw)
        label = data.get("label")
        if not isinstance(label, str) or label.strip().lower() in LABELS:
            continue
        data = {**data, "label": None, "label_source": None}
        conn.execute(
            feedback.update()
            .where(feedback.c.key == key)
            .values(data=data, version=version + 1, updated_at=now)
        )
        entries.append(
            {
                "entity": "feedback",
                "key": key,
                "before": {"label": label, "label_source": _data(raw).get("label_source")},
                "after": {"label": None, "label_source": None},
            }
        )
    if entries:
        conn.execute(
            audit.insert(),
            [{"at": now, "actor": ACTOR, "action": "update", **entry} for entry in entries],
        )


def downgrade() -> None:
    """Nothing to undo: the removed labels were ones every analysis of the older version
    failed on."""
