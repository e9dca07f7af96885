"""Alembic migrations of the workspace database (run by :func:`roadwise.workspace.open_store`)."""
