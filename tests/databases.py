"""The databases tests run against: SQLite always, PostgreSQL when a server is reachable.

The server's URL comes from OMNICOURSE_TEST_POSTGRES_URL or from .ci/postgres.env,
which `bash .ci/start-postgres` writes (CI runs it before pytest). Each test gets
a database of its own, dropped afterwards, so parallel runs never meet.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine, make_url

from app.config import PROJECT_ROOT

POSTGRES_ENV_FILE = PROJECT_ROOT / ".ci" / "postgres.env"
ENV_NAME = "OMNICOURSE_TEST_POSTGRES_URL"


def postgres_server_url() -> str | None:
    if os.environ.get(ENV_NAME):
        return os.environ[ENV_NAME]
    if POSTGRES_ENV_FILE.is_file():
        for line in POSTGRES_ENV_FILE.read_text().splitlines():
            name, _, value = line.partition("=")
            if name.strip() == ENV_NAME and value.strip():
                return value.strip()
    return None


def _libpq(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


@functools.cache
def postgres_unavailable() -> str | None:
    """Why the PostgreSQL tests cannot run here, or None when they can."""
    url = postgres_server_url()
    if url is None:
        return f"no PostgreSQL configured: set {ENV_NAME} or run `bash .ci/start-postgres`"
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install -e '.[test]')"
    try:
        psycopg.connect(_libpq(url), connect_timeout=3).close()
    except psycopg.Error as error:
        return f"PostgreSQL at {make_url(url).render_as_string()} is not reachable: {error}"
    return None


@contextlib.contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """Create an empty database on the test server; yield its URL; drop it afterwards."""
    import psycopg

    reason = postgres_unavailable()
    if reason:
        pytest.skip(reason)
    server = postgres_server_url()
    name = f"omnicourse_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq(server), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        _close_engines(name)
        with psycopg.connect(_libpq(server), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _close_engines(database: str) -> None:
    """Close the pooled connections of the apps that used `database` before dropping it."""
    for candidate in gc.get_objects():
        if isinstance(candidate, Engine) and candidate.url.database == database:
            candidate.dispose()


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'omnicourse.sqlite3'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database: SQLite, then PostgreSQL (skipped without a server)."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "db")
        return
    with fresh_postgres_database() as url:
        yield url
