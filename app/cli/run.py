"""`omnicourse run`: Flask's development server, plus live content and a mail catcher.

The server prints a content problem the moment a file is saved broken, and
an open page reloads itself when its content changes. Unless
OMNICOURSE_MAIL_HOST names a mail server, a local one on the loopback receives
the platform's emails and prints them in the console.
"""

from __future__ import annotations

import os

import click
from flask.cli import run_command

from app.config import instance_path


@click.pass_context
def _run(ctx: click.Context, **options: object) -> None:
    os.environ["OMNICOURSE_LIVE_RELOAD"] = "true"  # read by create_app in the serving process
    host = str(options.get("host") or "127.0.0.1")
    # Links in emails point here unless OMNICOURSE_SERVER_NAME says otherwise.
    os.environ.setdefault(
        "OMNICOURSE_LOCAL_SERVER_NAME",
        f"{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{options.get('port') or 5000}",
    )
    # With the reloader, this runs again in the child: the parent's server serves both.
    if not os.environ.get("OMNICOURSE_MAIL_HOST") and not os.environ.get("WERKZEUG_RUN_MAIN"):
        from app.mail import devserver

        port = devserver.free_port()
        devserver.start(instance_path() / "mail", port)
        os.environ["OMNICOURSE_MAIL_HOST"] = "127.0.0.1"
        os.environ["OMNICOURSE_MAIL_PORT"] = str(port)
        os.environ["OMNICOURSE_MAIL_TLS"] = "none"
        click.echo(f"Emails go to a local mail server on 127.0.0.1:{port} and are printed here.")
    ctx.invoke(run_command, **options)


run = click.Command(
    "run",
    callback=_run,
    params=run_command.params,
    help="Run the development server; pages reload when content changes, emails print here.",
)
