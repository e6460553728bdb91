"""The data layer: migrations, SQLite settings, PostgreSQL, the `omnicourse db` commands."""

from __future__ import annotations

import contextlib
import http.client
import json

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from app.cli.db import db as db_command
from app.db import make_engine, pending_migrations, upgrade
from app.models import Base, User
from tests.bench.server import running_server
from tests.conftest import make_app
from tests.databases import sqlite_url

TABLES = {"users", "learners", "progress", "section_reads", "quiz_attempts", "rate_limit_hits"}


def test_migrations_create_every_table_and_match_the_models(tmp_path, database_url):
    app = make_app(tmp_path, DATABASE_URL=database_url)
    engine = app.extensions["db_engine"]
    assert set(sa.inspect(engine).get_table_names()) >= TABLES
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == [], "the models changed without a migration: run `omnicourse db revision`"
    assert pending_migrations(app) == []


def test_upgrading_again_keeps_the_data(tmp_path, database_url):
    app = make_app(tmp_path, DATABASE_URL=database_url)
    with app.extensions["db_sessionmaker"]() as session:
        user = User(email="kept@example.com", role="admin")
        user.set_password("a long password")
        session.add(user)
        session.commit()
    upgrade(app)
    runner = app.test_cli_runner()
    result = runner.invoke(db_command, ["upgrade"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output
    with app.extensions["db_sessionmaker"]() as session:
        kept = session.scalar(sa.select(User))
        assert kept.email == "kept@example.com" and kept.check_password("a long password")


def test_db_upgrade_creates_a_new_database_and_says_how_to_make_an_admin(tmp_path, database_url):
    from app import create_app

    app = create_app(
        {"TESTING": True, "INSTANCE_PATH": str(tmp_path / "i"), "DATABASE_URL": database_url}
    )
    pending = pending_migrations(app)
    assert pending[0] == "0001"
    result = app.test_cli_runner().invoke(db_command, ["upgrade"])
    assert result.exit_code == 0, result.output
    assert f"Applying {len(pending)} database migration(s): 0001" in result.output
    assert "omnicourse users create EMAIL --role admin" in result.output
    assert pending_migrations(app) == []
    status = app.test_cli_runner().invoke(db_command, ["status"])
    assert "up to date" in status.output


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout_and_foreign_keys(tmp_path):
    engine = make_engine(sqlite_url(tmp_path))
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_the_database_url_comes_from_the_environment(tmp_path, monkeypatch):
    from app import create_app

    target = tmp_path / "elsewhere" / "course.db"
    monkeypatch.setenv("OMNICOURSE_DATABASE_URL", f"sqlite:///{target}")
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance")})
    upgrade(app)
    assert target.is_file()
    assert not (tmp_path / "instance" / "omnicourse.sqlite3").exists()


def test_a_page_that_needs_no_data_opens_no_connection(tmp_path):
    app = make_app(tmp_path)
    engine = app.extensions["db_engine"]
    engine.dispose()
    client = app.test_client()
    assert client.get("/en/").status_code == 200
    assert engine.pool.checkedin() == 0 and engine.pool.checkedout() == 0


def test_healthz_reports_an_unreachable_database(tmp_path):
    app = make_app(tmp_path)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the database folder should be")
    app.extensions["db_engine"] = sa.create_engine(f"sqlite:///{blocked / 'db.sqlite3'}")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["checks"]["database"] is False


def test_serve_applies_pending_migrations_before_it_listens(tmp_path):
    url = sqlite_url(tmp_path)
    env = {"OMNICOURSE_BUILD_ON_START": "false", "OMNICOURSE_DATABASE_URL": url}
    with running_server(workers=1, env=env) as port:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        with contextlib.closing(connection):
            connection.request("GET", "/healthz")
            health = json.loads(connection.getresponse().read())
    assert health["checks"]["database"] is True
    engine = make_engine(url)
    assert set(sa.inspect(engine).get_table_names()) >= TABLES
    engine.dispose()
