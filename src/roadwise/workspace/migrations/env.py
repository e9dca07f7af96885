"""Alembic environment: always run on the connection handed over by ``open_store``."""

from alembic import context

from roadwise.workspace.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
