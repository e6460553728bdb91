"""`omnicourse export site|scorm12|scorm2004|cmi5`: the course as files for other channels.

`site` is the whole anonymous course for any static host; the packages are one
module per SCO (SCORM) or AU (cmi5) for an LMS.

Audio and PDFs that are missing or out of date are built first (as `omnicourse
build` does); the pages are rendered by a copy of the app in static mode.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
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
    from app.static_site import export_site

    app = current_app._get_current_object()
    _prepare(app, no_build)
    static_app = _static_app(app)
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


def _scorm_options(command):
    """The options every LMS package (SCORM 1.2, 2004, cmi5) takes."""
    options = (
        click.option("--locale", help="The language to package (default: the source language)."),
        click.option("--all-locales", is_flag=True, help="One package per language."),
        click.option(
            "--out",
            "out",
            type=click.Path(path_type=Path),
            help="The ZIP file to write (with --all-locales: the folder for them); "
            "default: omnicourse-LOCALE-KIND.zip here (KIND: scorm12, scorm2004, cmi5).",
        ),
        click.option("--no-build", is_flag=True, help="Use the audio and PDFs already built."),
    )
    for option in reversed(options):
        command = option(command)
    return command


@export.command("scorm12")
@_scorm_options
@with_appcontext
def scorm12(locale: str | None, all_locales: bool, out: Path | None, no_build: bool) -> None:
    """A SCORM 1.2 package: one SCO per module, for any LMS (Moodle: add a SCORM package)."""
    _export_scorm("scorm12", locale, all_locales, out, no_build)


@export.command("scorm2004")
@_scorm_options
@with_appcontext
def scorm2004(locale: str | None, all_locales: bool, out: Path | None, no_build: bool) -> None:
    """A SCORM 2004 (4th Edition) package: one SCO per module, for any LMS."""
    _export_scorm("scorm2004", locale, all_locales, out, no_build)


@export.command("cmi5")
@_scorm_options
@with_appcontext
def cmi5(locale: str | None, all_locales: bool, out: Path | None, no_build: bool) -> None:
    """A cmi5 package: cmi5.xml and one AU per module, reporting xAPI statements to the LMS."""
    from app.channels.cmi5 import export_cmi5
    from app.proxy import public_base_url

    site_url = public_base_url()  # the AUs' ids are the web platform's activity ids

    def write(package_app: Flask, course, code: str, target: Path):
        return export_cmi5(package_app, course, code, site_url, target)

    _export_packages("cmi5", "AUs", write, locale, all_locales, out, no_build)


def _export_scorm(
    version: str, locale: str | None, all_locales: bool, out: Path | None, no_build: bool
) -> None:
    from app.channels.scorm import export_scorm

    def write(package_app: Flask, course, code: str, target: Path):
        return export_scorm(package_app, course, version, code, target)

    _export_packages(version, "SCOs", write, locale, all_locales, out, no_build)


def _export_packages(
    kind: str, units: str, write, locale: str | None, all_locales: bool, out: Path | None,
    no_build: bool,
) -> None:  # fmt: skip
    """One package per locale asked for, written by `write(app, course, locale, target)`."""
    if locale and all_locales:
        raise click.UsageError("Give --locale or --all-locales, not both.")
    app = current_app._get_current_object()
    _prepare(app, no_build)
    package_app = _static_app(app, SCORM_PACKAGE=True)
    course = package_app.extensions["content"].course
    locales = list(course.locales) if all_locales else [locale or course.source_locale]
    unknown = [code for code in locales if code not in course.locales]
    if unknown:
        raise click.BadParameter(f"{unknown[0]} (the course has {', '.join(course.locales)})",
                                 param_hint="--locale")  # fmt: skip
    for code in locales:
        name = f"omnicourse-{code}-{kind}.zip"
        target = (out or Path()) / name if all_locales or out is None else out
        report = write(package_app, course, code, target.resolve())
        click.echo(f"Wrote {target}: {report.modules} {units}, {report.files} files "
                   f"({report.bytes / 1_000_000:.1f} MB).")  # fmt: skip
        for address in report.missing:
            click.echo(f"  not packaged (not found or not built): {address}", err=True)


def _prepare(app: Flask, no_build: bool) -> None:
    """The database ready, and the audio and PDFs built unless told not to."""
    prepare_database(app)
    if not no_build and build_artifacts(tuple(PLANNERS)):
        click.echo("Some audio or PDFs could not be built: the export goes on without them.",
                   err=True)  # fmt: skip


def _static_app(app: Flask, **config: object) -> Flask:
    """A copy of the app that renders pages for files: static mode, no background work."""
    from app import create_app

    return create_app({
        "INSTANCE_PATH": app.instance_path, "STATIC_SITE": True, "PAGE_CACHE": False,
        "CONTENT_WATCH": False, "BUILD_ON_START": False, "MAIL_WORKER": False,
        "ACCEL_REDIRECT": "", "SERVER_NAME": None, "CONTENT_DIR": app.config["CONTENT_DIR"],
        "TRANSLATIONS_DIR": app.config["TRANSLATIONS_DIR"], **config,
    })  # fmt: skip
