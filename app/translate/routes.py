"""/translate/: the translation status table and, for outdated modules, the source diff."""

from __future__ import annotations

import math
from pathlib import Path

from babel import Locale, UnknownLocaleError
from flask import current_app, render_template
from flask_babel import format_percent, get_locale
from flask_babel import lazy_gettext as _l

from app.content import get_course, problem_list, problem_message
from app.roles import role_required
from app.translate import bp
from app.translate.recordings import recording_problems
from app.web import private_page
from course.catalog import MISSING, OUTDATED, TRANSLATED
from course.locales import display_name
from course.translation import (
    NO_GIT,
    NO_SOURCE_HASH,
    NOT_IN_HISTORY,
    Coverage,
    source_changes,
    translation_report,
)

STATE_LABELS = {
    TRANSLATED: _l("Translated"),
    OUTDATED: _l("Outdated"),
    MISSING: _l("Missing"),
}
NO_DIFF_REASONS = {
    NO_SOURCE_HASH: _l(
        "The translation does not record which version of the source it was made from "
        "(no valid source_hash)."
    ),
    NO_GIT: _l("Git is not available on this server, so the earlier source text cannot be read."),
    NOT_IN_HISTORY: _l(
        "The source text it was translated from is not in this repository's history, "
        "so the changes cannot be shown."
    ),
}


@bp.get("/")
@role_required("translator")
def status():
    """The status of every locale and the recordings whose text has changed."""
    course = get_course()
    report = translation_report(
        course, current_app.config["TRANSLATIONS_DIR"], current_app.config["BABEL_DEFAULT_LOCALE"]
    )
    changes = source_changes(course)
    problems = problem_list(course)
    problems += [(_project_path(error.path, error.line), *problem_message(error))
                 for error in report.catalogue_errors]  # fmt: skip
    page = render_template(
        "translate/status.html",
        report=report,
        changes=changes,
        problems=problems,
        source_modules=course.source_modules(),
        locale_name=display_name,
        language_name=language_name,
        state_labels=STATE_LABELS,
        no_diff_reasons=NO_DIFF_REASONS,
        coverage_percent=coverage_percent,
        stale_recordings=recording_problems(),
    )
    return private_page(page)


def language_name(code: str) -> str:
    """The name of a language in the reader's language ("angielski" for en, to a Pole)."""
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(get_locale())
    except (UnknownLocaleError, ValueError):
        return code
    return name or code


def coverage_percent(coverage: Coverage) -> str:
    """The share translated, rounded down so that 100 % always means complete."""
    return format_percent(math.floor(coverage.percent) / 100)


def _project_path(path: Path, line: int) -> str:
    """The file relative to the translations folder, so the page shows no server paths."""
    root = Path(current_app.config["TRANSLATIONS_DIR"])
    name = path.relative_to(root) if path.is_relative_to(root) else path.name
    return f"{name}:{line}"
