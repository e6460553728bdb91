"""Alembic environment: the database and the models come from the Flask app."""

from __future__ import annotations

from alembic import context
from flask import current_app

# The package imports every model module, so Base.metadata holds every table.
from app.models import Base

config = context.config


def _skip_empty(context, revision, directives) -> None:
    """Write no file when --autogenerate finds nothing to change."""
    if config.attributes.get("autogenerate") and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        print("The models and the database agree: no migration written.")


def run_migrations() -> None:
    app = config.attributes.get("flask_app") or current_app._get_current_object()
    engine = app.extensions["db_engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            # SQLite cannot ALTER most things: batch mode copies the table instead.
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            process_revision_directives=_skip_empty,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Offline migrations are not supported: run `omnicourse db upgrade`.")
run_migrations()
