"""Shared fixtures.

``db_url`` runs a test once on SQLite and once on PostgreSQL when ``ROADWISE_TEST_PG_URL``
points at a server (``.ci/run`` starts one); each PostgreSQL test gets its own fresh database,
so tests can run in parallel (pytest-xdist).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_URL_VARIABLE = "ROADWISE_TEST_PG_URL"


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Sentence vectors the tests compute are kept in a temporary folder, not the user's."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ROADWISE_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty workspace database: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield str(tmp_path / "roadwise.db")
        return
    server = os.environ.get(PG_URL_VARIABLE)
    if not server:
        pytest.skip(f"{PG_URL_VARIABLE} is not set (.ci/run starts PostgreSQL and sets it)")
    import sqlalchemy as sa

    name = f"roadwise_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield sa.make_url(server).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()
