"""Workspace storage: SQLAlchemy 2 on SQLite (default) or PostgreSQL, migrated by Alembic.

store = open_store("roadwise.db")        # or "postgresql+psycopg://user@host/db"
ws = store.load()
store.replace(ws)                         # one transaction
"""

from roadwise.workspace.plans import RoadmapOfRecord, roadmap_of_record
from roadwise.workspace.store import (
    AUDITED_KINDS,
    AuditEntry,
    Store,
    current_actor,
    database_url,
    describe_changes,
    open_store,
)

__all__ = [
    "AUDITED_KINDS",
    "AuditEntry",
    "RoadmapOfRecord",
    "Store",
    "current_actor",
    "database_url",
    "describe_changes",
    "open_store",
    "roadmap_of_record",
]
