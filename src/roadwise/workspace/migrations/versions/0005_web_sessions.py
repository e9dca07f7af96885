"""Web app sessions kept on the server, so that signing out ends a session for good.

Before this revision a browser session lived only in its signed cookie: signing out cleared the
browser's copy, but a copy of the cookie kept working until it expired. Now the cookie carries
a random session id and this table the live ones (as SHA-256 hashes, like API tokens), with
the account and the end of the session; signing out or removing the account deletes the rows.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("session_hash", sa.String(64), primary_key=True),
        sa.Column("user", sa.String(100), nullable=False),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("expires", sa.DateTime, nullable=False),
    )
    op.create_index("ix_web_sessions_user", "web_sessions", ["user"])
    op.create_index("ix_web_sessions_expires", "web_sessions", ["expires"])


def downgrade() -> None:
    op.drop_table("web_sessions")
