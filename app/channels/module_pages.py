"""A locale's module pages as self-contained files, for a package an LMS runs (SCORM, cmi5).

Each module's page is the one the static copy of the site shows (`app.static_site`),
rendered with `SCORM_PACKAGE` on (no site navigation, no service worker), with one
draw of its self-test written into the page, graded in the page by
static/js/static-quiz.js, and the package's runtime script (static/js/scorm.js or
static/js/cmi5.js) that reports to the LMS. The module's audio and PDF (when built)
and the styles, scripts, fonts and images of static/ are written beside it; a link
to a page that is not in the package (the glossary, the course home) is kept as its
text, and every address is made relative.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, g, render_template

from app.static_site import LINK, copy_static, quiz_draws, relativise
from course import Course
from course.catalog import Resolved

SELF_TEST_PLACE = "<!-- omnicourse:self-test -->"  # where module.html leaves room for it
ANCHOR = re.compile(r'<a\b[^>]*?\bhref="(?P<url>/[^"]*)"[^>]*>(?P<text>.*?)</a>', re.DOTALL)
PAGE = re.compile(r"(?:/|\.html)$")


@dataclass(frozen=True)
class Runtime:
    """The script that tells the LMS what the learner does: static/`script`, with data-*."""

    script: str
    data: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ModulePage:
    """One module in a package: its launch page and the files only it uses."""

    slug: str
    title: str
    description: str
    href: str
    files: tuple[str, ...]


@dataclass
class PackageReport:
    modules: int = 0
    files: int = 0
    bytes: int = 0
    missing: list[str] = field(default_factory=list)  # linked, but not built or not found


@dataclass
class PackageFiles:
    """What `write_module_pages` wrote: the module pages and the files they all share."""

    pages: list[ModulePage]
    shared: list[str]


def write_module_pages(
    app: Flask, course: Course, locale: str, runtime: Runtime, root: Path, report: PackageReport
) -> PackageFiles:
    """Every module of `locale` and the static files under `root`, with relative addresses."""
    pages = [
        _write_page(app, course, resolved, runtime, root, report)
        for resolved in course.modules_for(locale)
    ]
    copy_static(app, root)
    shared = sorted(
        p.relative_to(root).as_posix() for p in root.rglob("*")
        if p.is_file() and not p.relative_to(root).as_posix().startswith(f"{locale}/")
    )  # fmt: skip
    for page in pages:
        relativise(root / page.href, root)
    report.modules = len(pages)
    return PackageFiles(pages, shared)


def _write_page(
    app: Flask, course: Course, resolved: Resolved, runtime: Runtime, root: Path,
    report: PackageReport,
) -> ModulePage:  # fmt: skip
    """The module's page with its self-test, and the media it links to, written under `root`."""
    module = resolved.module
    locale = resolved.requested_locale
    href = f"{locale}/modules/{module.slug}/index.html"
    client = app.test_client()
    response = client.get(f"/{locale}/modules/{module.slug}/")
    if response.status_code != 200:
        raise ValueError(f"/{locale}/modules/{module.slug}/ answered {response.status_code}")
    page = response.get_data(as_text=True)
    page = page.replace(SELF_TEST_PLACE, _self_test_and_runtime(app, course, locale, resolved,
                                                                runtime))  # fmt: skip
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
    return ModulePage(module.slug, module.title, module.description, href, tuple(files))


def _self_test_and_runtime(
    app: Flask, course: Course, locale: str, resolved: Resolved, runtime: Runtime
) -> str:
    """One draw of the module's self-test graded in the page (if it has one), then the runtime."""
    module = resolved.module
    with app.test_request_context(f"/{locale}/modules/{module.slug}/"):
        app.preprocess_request()
        g.locale = locale
        html = render_template("export/package_runtime.html", runtime=runtime)
        if module.quiz is None:
            return html
        result, key = next(quiz_draws(course, locale, resolved, 1))
        key["retry"] = "in-place"  # no other draw to go to: "again" clears the answers
        return render_template(
            "export/sco_self_test.html", resolved=resolved, module=module, result=result,
            static_quiz=key,
        ) + html  # fmt: skip


def _links_to_pages_as_text(page: str, kept: set[str]) -> str:
    """Links to what the package does not hold become their text (in-page links stay)."""

    def unwrap(match: re.Match) -> str:
        if urlsplit(match["url"]).path in kept or match["url"].startswith("/static/"):
            return match[0]
        return f"<span>{match['text']}</span>"

    return ANCHOR.sub(unwrap, page)
