"""`omnicourse serve`: the production server, gunicorn with the app factory and several workers."""

from __future__ import annotations

import multiprocessing
import os

import click
from flask import current_app
from flask.cli import with_appcontext
from gunicorn.app.base import BaseApplication

from app.cli.db import prepare_database
from app.rebuild import start_background_build


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--workers", default=None, type=int, help="Worker processes (default: config WORKERS)."
)
@with_appcontext
def serve(host: str, port: int, workers: int | None) -> None:
    """Run the production server (gunicorn, several worker processes); it listens at once
    while missing audio and PDFs are built in the background."""
    app = current_app._get_current_object()
    count = workers or _setting("WORKERS") or multiprocessing.cpu_count()
    threads = _setting("THREADS") or 8
    prepare_database(app)
    if app.config["BUILD_ON_START"]:
        # Listen at once: audio and PDFs are made beside the server, one file at a time.
        start_background_build(app)

    if not current_app.config.get("SERVER_NAME"):
        # Links in emails and on certificates need an address: this one, until one is set.
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        os.environ["OMNICOURSE_LOCAL_SERVER_NAME"] = f"{shown}:{port}"
        click.echo(
            f"Links in emails and on certificates point to http://{shown}:{port}/: set "
            "OMNICOURSE_SERVER_NAME to the address learners use (e.g. https://course.example.org).",
            err=True,
        )
    click.echo(f"Serving on http://{host}:{port}/ with {count} worker processes")
    run_server(
        host, port, count, str(current_app.config.get("ACCESS_LOG", "-")),
        threads,
    )  # fmt: skip


def _setting(name: str) -> int:
    """A whole-number setting (0 when unset), or a clear error naming the variable."""
    value = current_app.config.get(name) or 0
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise click.UsageError(f"OMNICOURSE_{name} must be a whole number, not {value!r}")
    return value


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from app import create_app

        app = create_app()
        app.extensions["content"].watch()  # each worker reloads content changes on its own
        return app


def run_server(host: str, port: int, workers: int, access_log: str = "-", threads: int = 8) -> None:
    _Gunicorn(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "gthread",
            # One process per core, each with threads for requests that wait on the
            # database: more processes than cores only lengthen the slowest answers.
            "threads": threads,
            "accesslog": access_log or None,
            "timeout": 60,
            # Longer than browsers' idle reuse, so a kept-alive connection is not
            # closed by the server just as the client sends on it.
            "keepalive": 75,
            "graceful_timeout": 10,
        }
    ).run()
