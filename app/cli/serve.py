"""`omnicourse serve`: the production server, Granian with the app factory and several workers."""

from __future__ import annotations

import copy
import multiprocessing
import os
import socket

import click
from flask import current_app
from flask.cli import with_appcontext

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
    """Run the production server (Granian, several worker processes); it listens at once
    while missing audio and PDFs are built in the background."""
    app = current_app._get_current_object()
    count = workers or _setting("WORKERS") or multiprocessing.cpu_count()
    threads = _setting("THREADS") or 2 * multiprocessing.cpu_count() + 1
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


def worker_app():
    """The app of one server process (Granian calls this in each worker)."""
    from app import create_app

    app = create_app()
    app.extensions["content"].watch()  # each worker reloads content changes on its own
    return app


# Granian's access line, close to the common log format, with the time taken.
ACCESS_FORMAT = '[%(time)s] %(addr)s "%(method)s %(path)s %(protocol)s" %(status)d %(dt_ms).1f ms'


def run_server(host: str, port: int, workers: int, access_log: str, threads: int) -> None:
    """Serve with Granian: its HTTP layer is compiled (Rust), so an answer the app has
    ready (a cached page) costs a fraction of what a pure-Python server spends on it."""
    from granian.constants import Interfaces
    from granian.log import LOGGING_CONFIG

    logging_config = copy.deepcopy(LOGGING_CONFIG)
    # The server's own lines go with the app's, to stderr; access lines to stdout.
    logging_config["handlers"]["console"]["stream"] = "ext://sys.stderr"
    if access_log not in ("", "-"):  # a file: the access lines go there
        logging_config["handlers"]["access"] = {
            "class": "logging.FileHandler",
            "formatter": "access",
            "filename": access_log,
        }
    _server_class()(
        "app.cli.serve:worker_app",
        factory=True,
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        # Threads for requests that wait on the database or make a certificate.
        blocking_threads=threads,
        log_access=bool(access_log),
        log_access_format=ACCESS_FORMAT,
        log_dictconfig=logging_config,
        respawn_failed_workers=True,  # a worker that dies is replaced
        workers_kill_timeout=10,  # on stop, requests in flight get 10 s to finish
        websockets=False,
    ).serve()


def _server_class():
    """Granian's process server, with one listening socket opened by the main process.

    On Linux Granian lets each worker bind the port itself (SO_REUSEPORT). Then the
    port refuses connections until a worker has loaded the app, a second server
    started on the same port joins silently instead of failing, and connections
    waiting for a worker that dies are reset. One socket shared by all workers, as
    on other systems, avoids the three.
    """
    from granian.net import SocketHolder
    from granian.server import MPServer

    class SharedSocketServer(MPServer):
        def _init_shared_socket(self) -> None:
            family = socket.AF_INET6 if ":" in self.bind_addr else socket.AF_INET
            listener = socket.socket(family, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                listener.bind((self.bind_addr, self.bind_port))
            except OSError as error:
                listener.close()
                raise click.ClickException(
                    f"cannot listen on {self.bind_addr}:{self.bind_port}: {error.strerror}"
                ) from None
            listener.listen(self.backlog)
            listener.set_inheritable(True)
            self._ssp, self._sso, self._sfd = None, listener, listener.fileno()
            self._shd = SocketHolder(self._sfd, False, self.backlog)

    return SharedSocketServer
