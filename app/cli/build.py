"""`omnicourse build`: audio and PDFs that are missing or out of date, with a progress bar."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.config import build_settings
from app.content import get_course
from course.build import PLANNERS, Job, plan, run


@click.command()
@click.option("--audio", "kinds", flag_value="audio", multiple=True, help="Build audio only.")
@click.option("--pdf", "kinds", flag_value="pdf", multiple=True, help="Build PDFs only.")
@with_appcontext
def build(kinds: tuple[str, ...]) -> None:
    """Build audio and PDFs that are missing or out of date."""
    if build_artifacts(kinds or tuple(PLANNERS)):
        sys.exit(1)


def build_artifacts(kinds: tuple[str, ...]) -> list[str]:
    """Plan and run the build with a progress bar; return the failures."""
    try:
        settings = build_settings(current_app.config)
    except ValueError as error:
        click.echo(f"failed: {error}", err=True)
        return [str(error)]
    out_dir = Path(current_app.instance_path) / "build"
    jobs = plan(get_course(), out_dir, kinds, settings)
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
