"""`omnicourse build`: audio and PDFs that are missing or out of date, with a progress bar.

One build runs at a time per instance (a second one waits for the first). While it
runs, `instance/build/progress.json` says which modules it is making and how far
it is: module pages say their audio and PDF are being prepared, /healthz says
`degraded` with the count. `--background` (what `omnicourse serve` starts) logs a
line per file instead of drawing a bar.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.config import build_settings
from app.content import get_course
from app.rebuild import end_progress, one_build_at_a_time, write_progress
from course.build import PLANNERS, BuildReport, Job, plan, run


@click.command()
@click.option("--audio", "kinds", flag_value="audio", multiple=True, help="Build audio only.")
@click.option("--pdf", "kinds", flag_value="pdf", multiple=True, help="Build PDFs only.")
@click.option("--background", is_flag=True, help="Log a line per file instead of a progress bar.")
@with_appcontext
def build(kinds: tuple[str, ...], background: bool) -> None:
    """Build audio and PDFs that are missing or out of date."""
    if build_artifacts(kinds or tuple(PLANNERS), background):
        sys.exit(1)


def build_artifacts(kinds: tuple[str, ...], background: bool = False) -> list[str]:
    """Plan and run the build, showing its progress; return the failures."""
    try:
        settings = build_settings(current_app.config)
    except ValueError as error:
        click.echo(f"failed: {error}", err=True)
        return [str(error)]
    instance = Path(current_app.instance_path)
    with one_build_at_a_time(instance):
        try:
            jobs = plan(get_course(), instance / "build", kinds, settings)
            if not jobs:
                if not background:
                    click.echo(f"Up to date: {', '.join(kinds)}.")
                return []
            report = _run_with_progress(instance, jobs, background)
        finally:
            end_progress(instance)
    for failure in report.failed:
        click.echo(f"failed: {failure}", err=True)
    click.echo(
        f"Built {len(report.built)} file(s), {len(report.failed)} failure(s).", err=background
    )
    return report.failed


def _run_with_progress(instance: Path, jobs: list[Job], background: bool) -> BuildReport:
    modules = sorted({job.module for job in jobs if job.module})
    total = len(jobs)
    finished: list[Job] = []

    def done(job: Job) -> None:
        finished.append(job)
        write_progress(instance, modules, len(finished), total, job.label)
        if background:
            click.echo(f"Built {len(finished)}/{total}: {job.label}", err=True)

    write_progress(instance, modules, 0, total, "")
    if background:
        click.echo(f"Building {total} audio and PDF file(s) in the background.", err=True)
        return run(jobs, done)
    with click.progressbar(jobs, label="Building", item_show_func=_job_label) as bar:
        return run(bar, done)


def _job_label(job: Job | None) -> str:
    return job.label if job else ""
