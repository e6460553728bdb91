"""The `omnicourse` command group: thin wrappers around `course/` and the app."""

from __future__ import annotations

import multiprocessing
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from app import create_app
from app.content import get_course
from app.db_cli import db
from app.i18n_cli import i18n
from app.users_cli import prepare_database, users
from course import load_course
from course.audio import check_recordings
from course.build import PLANNERS, Job, plan, run
from course.translation import check_catalogues


def _create_app():
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Omnicourse: serve, check and build the omnichannel course."""


main.add_command(i18n)
main.add_command(users)
main.add_command(db)


@main.command()
@with_appcontext
def check() -> None:
    """Validate all content; list every problem as file:line: message."""
    course = load_course(current_app.config["CONTENT_DIR"])
    modules = sum(len(by_slug) for by_slug in course.modules.values())
    errors = [*course.errors, *check_catalogues(current_app.config["TRANSLATIONS_DIR"])]
    errors += check_recordings(course)
    for error in errors:
        click.echo(str(error), err=True)
    if errors:
        click.echo(f"{len(errors)} problem(s) found; {modules} module file(s) are fine.", err=True)
        sys.exit(1)
    click.echo(
        f"All content is valid: {modules} module file(s) in {len(course.locales)} locale(s)."
    )


@main.command()
@click.option("--audio", "kinds", flag_value="audio", multiple=True, help="Build audio only.")
@click.option("--pdf", "kinds", flag_value="pdf", multiple=True, help="Build PDFs only.")
@with_appcontext
def build(kinds: tuple[str, ...]) -> None:
    """Build audio and PDFs that are missing or out of date."""
    failed = build_artifacts(kinds or tuple(PLANNERS))
    if failed:
        sys.exit(1)


def build_artifacts(kinds: tuple[str, ...]) -> list[str]:
    """Plan and run the build with a progress bar; return the failures."""
    course = get_course()
    out_dir = Path(current_app.instance_path) / "build"
    jobs = plan(course, out_dir, kinds, current_app.config)
    if not jobs:
        click.echo(f"Up to date: {', '.join(kinds)}.")
        return []
    with click.progressbar(jobs, label="Building", item_show_func=_job_label) as bar:
        report = run(bar)
    for failure in report.failed:
        click.echo(f"failed: {failure}", err=True)
    click.echo(f"Built {len(report.built)} file(s), {len(report.failed)} failure(s).")
    return report.failed


def _job_label(job: Job | None) -> str:
    return job.label if job else ""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--workers", default=None, type=int, help="Worker processes (default: config WORKERS)."
)
@with_appcontext
def serve(host: str, port: int, workers: int | None) -> None:
    """Run the production server (gunicorn, several worker processes)."""
    from app.server import run_server

    prepare_database(current_app._get_current_object())
    if current_app.config["BUILD_ON_START"] and build_artifacts(tuple(PLANNERS)):
        click.echo("Some files could not be built; the server starts anyway.", err=True)

    count = workers or int(current_app.config["WORKERS"]) or multiprocessing.cpu_count() * 2
    click.echo(f"Serving on http://{host}:{port}/ with {count} worker processes")
    run_server(host, port, count)
