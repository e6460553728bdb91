"""A locale of the course as a cmi5 package: one AU (assignable unit) per module.

Each AU is a module page of `app.channels.module_pages` (the same self-contained
page as a SCORM SCO), with static/js/cmi5.js as its runtime: it follows the cmi5
launch (endpoint, fetch, actor, registration, activityId in the launch URL) and
sends the statements of a cmi5 session to the LMS's LRS. `cmi5.xml`
(`app.channels.cmi5_structure`) is at the root of the ZIP.
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

from flask import Flask, g

from app.channels.cmi5_structure import course_structure_xml
from app.channels.module_pages import PackageReport, Runtime, write_module_pages
from course import Course

RUNTIME = Runtime("js/cmi5.js")


def export_cmi5(app: Flask, course: Course, locale: str, site_url: str, out: Path) -> PackageReport:
    """Write the cmi5 package of `locale`'s modules to the ZIP file `out`.

    `site_url` (the web platform's public address, no trailing slash) makes the
    course's and the AUs' ids.
    """
    report = PackageReport()
    with tempfile.TemporaryDirectory(prefix="omnicourse-cmi5-") as folder:
        root = Path(folder)
        written = write_module_pages(app, course, locale, RUNTIME, root, report)
        tested = {r.module.slug for r in course.modules_for(locale) if r.module.quiz is not None}
        structure = course_structure_xml(
            site_url, locale, course.title(locale), _summary(app, locale), written.pages,
            course.pass_threshold, tested,
        )  # fmt: skip
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
            package.writestr("cmi5.xml", structure)
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                package.write(path, path.relative_to(root).as_posix())
                report.files += 1
    report.bytes = out.stat().st_size
    return report


def _summary(app: Flask, locale: str) -> str:
    """The course's one-sentence summary in `locale`, as its pages describe it."""
    from app.i18n import course_summary

    with app.test_request_context(f"/{locale}/"):
        app.preprocess_request()
        g.locale = locale
        return course_summary(locale)
