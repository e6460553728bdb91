"""`omnicourse i18n`: the translator's commands (catalogues via pybabel, status, new locales)."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app import catalogues
from app.catalogues import MAPPING, CatalogueError, run_pybabel
from app.content import get_course
from app.translate.locales import is_valid_code, needs_title, start_locale
from course.audio_recordings import STALE, recording_report
from course.authoring import mark_translation_current
from course.catalog import MISSING, OUTDATED, TRANSLATED
from course.translation import (
    TEMPLATE,
    UNAVAILABLE,
    SourceChange,
    TranslationReport,
    catalogue_path,
    source_changes,
    translation_report,
)


def _translations_dir() -> Path:
    return Path(current_app.config["TRANSLATIONS_DIR"])


def pybabel(*args: str) -> None:
    """Run a pybabel command; stop with its message when it fails."""
    try:
        lines = run_pybabel(*args)
    except CatalogueError as error:
        raise click.ClickException(str(error)) from None
    if lines:
        click.echo("\n".join(lines))


@click.group()
def i18n() -> None:
    """Translate the interface and the course: catalogues, status, new languages."""


@i18n.command()
@with_appcontext
def extract() -> None:
    """Collect the interface strings into translations/messages.pot."""
    if not MAPPING.is_file():
        raise click.ClickException(f"{MAPPING} not found: run this from a source checkout.")
    _extract(_translations_dir())


def _extract(translations: Path) -> None:
    try:
        lines = catalogues.extract(translations)
    except CatalogueError as error:
        raise click.ClickException(str(error)) from None
    if lines:
        click.echo("\n".join(lines))


@i18n.command()
@with_appcontext
def update() -> None:
    """Merge new and changed strings from messages.pot into every catalogue."""
    translations = _translations_dir()
    if not (translations / TEMPLATE).is_file():
        raise click.ClickException("No messages.pot yet: run `omnicourse i18n extract` first.")
    pybabel("update", "-i", str(translations / TEMPLATE), "-d", str(translations),
            "--ignore-obsolete")  # fmt: skip


@i18n.command()
@with_appcontext
def compile() -> None:
    """Compile every catalogue to the .mo file the server reads."""
    pybabel("compile", "-d", str(_translations_dir()), "--statistics")


@i18n.command()
@click.option("--strict", is_flag=True, help="Exit 1 if anything is missing or outdated.")
@with_appcontext
def status(strict: bool) -> None:
    """Show which modules and interface strings are translated in each locale."""
    report = translation_report(
        get_course(), _translations_dir(), current_app.config["BABEL_DEFAULT_LOCALE"]
    )
    click.echo(format_report(report))
    if strict and not report.complete:
        sys.exit(1)


STATE_STYLE = {TRANSLATED: "green", OUTDATED: "yellow", MISSING: "red"}


def format_report(report: TranslationReport) -> str:
    """The status as a table: a row per module, a column per locale, then the catalogues."""
    course = get_course()
    lines = [f"Translation status (source locale: {report.source_locale})", ""]
    if not report.locales:
        return "\n".join([*lines, "No translated locale yet."])
    slugs = [m.slug for m in course.source_modules()]
    first = max([len("interface strings"), *(len(s) for s in slugs)]) + 2
    width = max(16, *(len(s.locale) + 2 for s in report.locales))
    header = "module".ljust(first) + "".join(s.locale.ljust(width) for s in report.locales)
    lines += [header.rstrip(), "-" * len(header.rstrip())]
    for index, slug in enumerate(slugs):
        states = [status.modules[index].state for status in report.locales]
        cells = [click.style(state, fg=STATE_STYLE[state]) for state in states]
        pads = [" " * (width - len(state)) for state in states]
        row = "".join(cell + pad for cell, pad in zip(cells, pads, strict=True))
        lines.append((slug.ljust(first) + row).rstrip())
    coverage = "".join(_coverage_cell(status).ljust(width) for status in report.locales)
    lines += [("interface strings".ljust(first) + coverage).rstrip(), ""]

    for status in report.locales:
        for module in status.modules:
            if module.problem:
                lines.append(f"{status.locale}/{module.slug}: {module.problem}")
            behind = [p for p in module.parts if p.state != TRANSLATED]
            if module.state == OUTDATED and behind:
                lines.append(f"{status.locale}/{module.slug}:")
                lines += [f"  {part.id:<28} {click.style(part.state, fg=STATE_STYLE[part.state])}"
                          for part in behind]  # fmt: skip
    lines += [str(error) for error in report.catalogue_errors]
    for change in source_changes(course):
        lines += ["", format_change(change)]
    lines += format_stale_recordings(course)
    missing = sum(s.count(MISSING) for s in report.locales)
    outdated = sum(s.count(OUTDATED) for s in report.locales)
    verdict = "everything is translated" if report.complete else "translation incomplete"
    lines.append("")
    lines.append(
        f"{len(report.locales)} locale(s): {missing} module(s) missing, {outdated} outdated; "
        f"{verdict}."
    )
    if outdated:
        lines.append("After review: omnicourse i18n mark-current LOCALE MODULE [SECTION]")
    return "\n".join(lines)


def format_stale_recordings(course) -> list[str]:
    """The recordings whose text changed since they were recorded, one per line."""
    stale = [status for status in recording_report(course) if status.state == STALE]
    if not stale:
        return []
    lines = [
        "",
        click.style(
            f"{len(stale)} recording(s) read text that has changed; the "
            "synthetic voice reads them until they are recorded again "
            "(/translate/recordings/) or an admin keeps them:",
            bold=True,
        ),
    ]
    for status in stale:
        by = f" by {status.recorded_by}" if status.recorded_by else ""
        lines.append(f"  {status.name:<40} {status.title}{by}")
    return lines


def format_change(change: SourceChange, width: int = 100) -> str:
    """One source change: where, which translations it affects, and the diff, wrapped."""
    head = (
        f"{change.source_file} # {change.part} ({change.title}) changed; "
        f"outdated in {', '.join(change.files)}"
    )
    lines = [click.style(head, bold=True)]
    if change.unavailable:
        return "\n".join([*lines, f"  no diff: {UNAVAILABLE[change.unavailable]}"])
    styles = {"added": "green", "removed": "red", "hunk": "cyan"}
    for line in change.lines:
        pieces = textwrap.wrap(line.text, width, subsequent_indent="  ", drop_whitespace=False,
                               replace_whitespace=False) or [""]  # fmt: skip
        lines += [click.style(piece, fg=styles.get(line.kind)) for piece in pieces]
    return "\n".join(lines)


def _coverage_cell(status) -> str:
    coverage = status.coverage
    if not status.needs_catalogue:
        return "(source)"
    if coverage is None:
        return "no catalogue"
    # Rounded down, so that 100% always means complete.
    return f"{int(coverage.percent)}% ({coverage.translated}/{coverage.total})"


@i18n.command("mark-current")
@click.argument("locale")
@click.argument("module")
@click.argument("section", required=False)
@with_appcontext
def mark_current(locale: str, module: str, section: str | None) -> None:
    """Record that a translation (or one SECTION of it) is up to date with its source.

    MODULE is the module's slug or file name; SECTION a section id, the self-test's
    id, or _meta for the front matter. Run it after reviewing the change.
    """
    course = get_course()
    source = next((m for m in course.source_modules()
                   if module in (m.slug, m.path.name, m.path.stem)), None)  # fmt: skip
    translation = course.modules.get(locale, {}).get(source.slug) if source else None
    if source is None or locale == course.source_locale:
        raise click.ClickException(f"no module '{module}' to translate into '{locale}'")
    if translation is None or translation.untranslated:
        raise click.ClickException(
            f"{locale}/{source.path.name} is not translated yet (or does not load: "
            "run `omnicourse check`)"
        )
    own = {part for part, state in translation.part_states.items() if state != MISSING}
    wanted = [section] if section else sorted(own, key=list(source.part_hashes).index)
    unknown = [part for part in wanted if part not in source.part_hashes]
    if unknown:
        raise click.ClickException(
            f"'{unknown[0]}' is not a part of {source.path.name}; its parts are: "
            + ", ".join(source.part_hashes)
        )
    if section and section not in own:
        raise click.ClickException(
            f"{locale}/{translation.path.name} has no section '{section}' yet: translate it first"
        )
    mark_translation_current(source, translation, wanted, whole=section is None)
    names = ", ".join(wanted)
    click.echo(f"{locale}/{translation.path.name}: marked current: {names}")
    left = set(source.part_hashes) - own
    if left:
        click.echo(f"still missing (not in the translation): {', '.join(sorted(left))}")


@i18n.command("new-locale")
@click.argument("code")
@click.option("--title", help="The course's title in the new language (asked if not given).")
@with_appcontext
def new_locale(code: str, title: str | None) -> None:
    """Start a new language: content/CODE/ with untranslated copies, and its catalogue."""
    course = get_course()
    if not is_valid_code(code):
        raise click.ClickException(
            f"'{code}' is not a language code Babel knows (e.g. de, pt_BR, ar)."
        )
    if needs_title(course, code) and title is None:
        source_title = course.title(course.source_locale)
        title = click.prompt(
            f"The course's title in {code} (now '{source_title}')", default=source_title
        )
    try:
        started = start_locale(course, code, title, _translations_dir())
    except CatalogueError as error:
        raise click.ClickException(str(error)) from None
    if started.title is not None:
        click.echo(f"course.yaml: title in {code}: {started.title}")
    for path in started.kept:
        click.echo(f"kept {path} (already there)")
    click.echo(f"{Path(course.content_dir) / code}: {len(started.created)} module(s) to translate.")
    if not started.catalogue_created:
        click.echo(f"kept {catalogue_path(_translations_dir(), code)} (already there)")
    click.echo("Next: translate the files and the catalogue, then `omnicourse i18n compile` "
               "and `omnicourse i18n status`.")  # fmt: skip
