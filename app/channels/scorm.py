"""A locale of the course as a SCORM 1.2 or 2004 package: one SCO per module, for any LMS.

Each SCO is the module's page as the static copy of the site shows it
(`app.static_site`), rendered with `SCORM_PACKAGE` on (no site navigation, no
service worker), with one draw of its self-test written into the page. The
self-test is graded in the page by static/js/static-quiz.js, so its answer key
and explanations are in the package; static/js/scorm.js finds the LMS's API and
reports status, score, one interaction per question and the session time, and
keeps the learner's place and answers in suspend_data.

A package holds nothing it loads from outside: the module's audio and PDF (when
built), the styles, scripts, fonts and images of static/, and the schemas of its
SCORM version beside `imsmanifest.xml`. A link to a page that is not in the
package (the glossary, the course home) is kept as its text.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, g, render_template

from app.channels.scorm_manifest import Sco, manifest_xml, schema_files
from app.static_site import LINK, copy_static, quiz_draws, relativise
from course import Course
from course.catalog import Resolved

SELF_TEST_PLACE = "<!-- omnicourse:self-test -->"  # where module.html leaves room for it
ANCHOR = re.compile(r'<a\b[^>]*?\bhref="(?P<url>/[^"]*)"[^>]*>(?P<text>.*?)</a>', re.DOTALL)
PAGE = re.compile(r"(?:/|\.html)$")


@dataclass
class PackageReport:
    scos: int = 0
    files: int = 0
    bytes: int = 0
    missing: list[str] = field(default_factory=list)  # linked, but not built or not found


def export_scorm(app: Flask, course: Course, version: str, locale: str, out: Path) -> PackageReport:
    """Write the package of `locale`'s modules for SCORM `version` to the ZIP file `out`."""
    report = PackageReport()
    with tempfile.TemporaryDirectory(prefix="omnicourse-scorm-") as folder:
        root = Path(folder)
        scos = [
            _write_sco(app, course, version, resolved, root, report)
            for resolved in course.modules_for(locale)
        ]
        copy_static(app, root)
        shared = sorted(
            p.relative_to(root).as_posix() for p in root.rglob("*")
            if p.is_file() and not p.relative_to(root).as_posix().startswith(f"{locale}/")
        )  # fmt: skip
        for sco in scos:
            relativise(root / sco.href, root)
        manifest = manifest_xml(
            version, f"omnicourse-{locale}", course.title(locale), scos, shared,
            course.pass_threshold,
        )  # fmt: skip
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
            package.writestr("imsmanifest.xml", manifest)
            for schema in schema_files(version):
                package.write(schema, schema.name)
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                package.write(path, path.relative_to(root).as_posix())
                report.files += 1
    report.scos = len(scos)
    report.bytes = out.stat().st_size
    return report


def _write_sco(
    app: Flask, course: Course, version: str, resolved: Resolved, root: Path,
    report: PackageReport,
) -> Sco:  # fmt: skip
    """The module's page with its self-test, and the media it links to, written under `root`."""
    module = resolved.module
    locale = resolved.requested_locale
    href = f"{locale}/modules/{module.slug}/index.html"
    client = app.test_client()
    response = client.get(f"/{locale}/modules/{module.slug}/")
    if response.status_code != 200:
        raise ValueError(f"/{locale}/modules/{module.slug}/ answered {response.status_code}")
    page = response.get_data(as_text=True)
    page = page.replace(SELF_TEST_PLACE, _self_test(app, course, version, locale, resolved))
    files = [href]
    written: set[str] = set()
    for match in LINK.finditer(page):
        path = urlsplit(match["url"]).path
        if path in written or path.startswith("/static/") or path == "/favicon.ico":
            continue
        if PAGE.search(path):
            continue  # a page of the site, not of the package: its link is kept as text below
        with client.get(path) as media:  # a file response: closed once read
            if media.status_code != 200 or media.mimetype == "text/html":
                report.missing.append(path)
                continue
            target = root / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(media.get_data())
        written.add(path)
        files.append(path.lstrip("/"))
    page = _links_to_pages_as_text(page, written)
    target = root / href
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page, encoding="utf-8")
    return Sco(module.slug, module.title, href, tuple(files))


def _self_test(app: Flask, course: Course, version: str, locale: str, resolved: Resolved) -> str:
    """The module's self-test as one draw graded in the page (no self-test: nothing)."""
    module = resolved.module
    if module.quiz is None:
        return ""
    result, key = next(quiz_draws(course, locale, resolved, 1))
    key["retry"] = "in-place"  # no other draw to go to: "again" clears the answers
    with app.test_request_context(f"/{locale}/modules/{module.slug}/"):
        app.preprocess_request()
        g.locale = locale
        return render_template(
            "export/sco_self_test.html", resolved=resolved, module=module, result=result,
            static_quiz=key, scorm_version=version,
        )  # fmt: skip


def _links_to_pages_as_text(page: str, kept: set[str]) -> str:
    """Links to what the package does not hold become their text (in-page links stay)."""

    def unwrap(match: re.Match) -> str:
        if urlsplit(match["url"]).path in kept or match["url"].startswith("/static/"):
            return match[0]
        return f"<span>{match['text']}</span>"

    return ANCHOR.sub(unwrap, page)
