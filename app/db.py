"""The database: one engine per app, a session per request, Alembic migrations.

SQLite (WAL, busy timeout) is the embedded default; `OMNICOURSE_DATABASE_URL`
points at PostgreSQL. A request opens a connection only when it uses the
session, so pages that need no data cost no query.
"""

from __future__ import annotations

import fcntl
import logging
import threading
from functools import partial
from pathlib import Path

from flask import Flask, current_app, g
from sqlalchemy import Engine, Table, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 15_000


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["db_engine"] = engine
    app.extensions["db_sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)
    if app.config.get("MIGRATE_ON_FIRST_REQUEST", True):
        app.before_request(partial(_migrate_once, app))


_migrated: set[int] = set()  # apps (by id) whose database this process has brought up to date
_migrating = threading.Lock()


def _migrate_once(app: Flask) -> None:
    """`omnicourse serve` migrates before it listens; a server started another way
    (`flask run`, gunicorn) does it before its first request, one process at a time."""
    if id(app) in _migrated:
        return
    with _migrating:
        if id(app) in _migrated:
            return
        lock_path = Path(app.instance_path) / "migrate.lock"
        with lock_path.open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # other workers wait, then find nothing to do
            if pending_migrations(app):
                log.info("applying database migrations before the first request")
                upgrade(app)
        _migrated.add(id(app))


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, a busy timeout and foreign keys."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _configure_sqlite)
    return engine


def _configure_sqlite(dbapi_connection, connection_record) -> None:
    # WAL lets readers run while one process writes; the busy timeout makes a
    # second writer wait for the lock instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def get_session() -> Session:
    """The request's session, opened on first use and closed at teardown."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["db_sessionmaker"]()
    return g.db_session


def dialect_name(session: Session) -> str:
    return session.get_bind().dialect.name


def upsert_insert(dialect: str, table: Table):
    """An INSERT for `dialect` that can end in ON CONFLICT DO UPDATE (PostgreSQL or SQLite)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql as chosen
    else:
        from sqlalchemy.dialects import sqlite as chosen
    return chosen.insert(table)


def _close_session(exception: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


# Alembic is imported where migrations are handled only: it takes a third of a second,
# and commands such as `omnicourse users` should answer at once.


def alembic_config(app: Flask):
    """Alembic's configuration for this app: no alembic.ini, the app's database."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["flask_app"] = app
    return config


def upgrade(app: Flask, revision: str = "head") -> None:
    """Apply pending migrations (creating the database on first run)."""
    from alembic import command

    with app.app_context():
        command.upgrade(alembic_config(app), revision)
    # Forked server workers must not inherit the connections used here.
    app.extensions["db_engine"].dispose()


def pending_migrations(app: Flask) -> list[str]:
    """Revisions not yet applied to the app's database, oldest first."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(app))
    with app.extensions["db_engine"].connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    pending = []
    for revision in script.walk_revisions():
        if revision.revision in current:
            break
        pending.append(revision.revision)
    return list(reversed(pending))
