"""`omnicourse run`: Flask's development server, plus live content.

The server prints a content problem the moment a file is saved broken, and
an open page reloads itself when its content changes.
"""

from __future__ import annotations

import os

import click
from flask.cli import run_command


@click.pass_context
def _run(ctx: click.Context, **options: object) -> None:
    os.environ["OMNICOURSE_LIVE_RELOAD"] = "true"  # read by create_app in the serving process
    ctx.invoke(run_command, **options)


run = click.Command(
    "run",
    callback=_run,
    params=run_command.params,
    help="Run the development server; pages reload when content changes.",
)
