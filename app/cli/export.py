"""`omnicourse export site`: the whole anonymous course as files for any static host.

Audio and PDFs that are missing or out of date are built first (as `omnicourse
build` does); the pages are rendered by a copy of the app in static mode.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.cli.build import build_artifacts
from app.cli.db import prepare_database
from course.build import PLANNERS


@click.group()
def export() -> None:
    """Write the course out for other channels."""


@export.command("site")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder to write (emptied first if it holds an earlier export).",
)
@click.option(
    "--base-url",
    default="",
    help="Where it will be served, for sitemap.xml and the podcast feeds (written only with it), "
    "e.g. https://course.example.org/ (links stay relative without it).",
)
@click.option("--no-build", is_flag=True, help="Use the audio and PDFs already built.")
@with_appcontext
def site(out: Path, base_url: str, no_build: bool) -> None:
    """Every locale's pages, audio, PDFs and self-tests (graded in the browser), offline-ready."""
    from app import create_app
    from app.static_site import export_site

    app = current_app._get_current_object()
    prepare_database(app)
    if not no_build and build_artifacts(tuple(PLANNERS)):
        click.echo("Some audio or PDFs could not be built: the export goes on without them.",
                   err=True)  # fmt: skip
    static_app = create_app({
        "INSTANCE_PATH": app.instance_path, "STATIC_SITE": True, "PAGE_CACHE": False,
        "CONTENT_WATCH": False, "BUILD_ON_START": False, "MAIL_WORKER": False,
        "ACCEL_REDIRECT": "", "SERVER_NAME": None, "CONTENT_DIR": app.config["CONTENT_DIR"],
        "TRANSLATIONS_DIR": app.config["TRANSLATIONS_DIR"],
    })  # fmt: skip
    # No app context around the export: each page has its own, as each request has (the
    # interface's language is kept in it).
    course = static_app.extensions["content"].course
    try:
        report = export_site(static_app, out.resolve(), course, base_url)
    except ValueError as error:
        click.echo(f"failed: {error}", err=True)
        sys.exit(1)
    click.echo(
        f"Wrote {out}: {report.pages} pages, {report.quizzes} self-test pages, "
        f"{report.media} audio and PDF files, {report.static} static files "
        f"({report.bytes / 1_000_000:.1f} MB)."
    )
    for address in report.missing:
        click.echo(f"  not exported (not found or not built): {address}", err=True)
