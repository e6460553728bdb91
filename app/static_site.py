"""The course as static files: every anonymous page, audio and PDF, for any static host.

`export_site` asks the app for each page a guest can reach (starting from each
locale's home, following links), writes it as a file, and rewrites every link
to a relative one, so the folder works from a web server, a CDN or a USB stick
(opened as files). Pages are rendered with `STATIC_SITE` on: no sign-in, no
forms that post, language links that go to the same page in another locale,
and progress kept in the browser (static/js/progress.js).

Self-tests: for each module and locale, `DRAWS` attempts are drawn from the
bank with the server's own `draw` and rendered by the server's template; the
page carries each drawn question's answer key, and static/js/static-quiz.js
grades it by the server's rules (`course.quiz`) and shows the explanations.
So the answers are in the page: fit for self-study, not for a certificate.

A service worker (`sw.js`, from static/js/service-worker.js) keeps every page
and asset for offline use once a page has been opened over HTTP(S); audio and
PDFs are kept as they are first used, and audio Range requests are answered
from what is kept.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import random
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, g, render_template

from course import Course, grade
from course.catalog import Resolved
from course.quiz import QuizResult, draw

DRAWS = 12  # self-test attempts written per module and locale
MARKER = ".omnicourse-site"  # a folder with this file may be emptied by the next export
LINK = re.compile(r'(?P<attr>\b(?:href|src|action|poster|data-[\w-]+))="(?P<url>/[^"]*)"')
FOLLOWED = re.compile(r"\.(?:html|mp3|pdf|png|svg|vtt|webmanifest|xml|json|txt)$|/$")
PODCAST = re.compile(r"/([\w-]+)/podcast\.xml")  # written only with --base-url
NOT_EXPORTED = (
    "/api/", "/auth/", "/admin/", "/translate/", "/progress", "/language/", "/certificates",
    "/verify", "/healthz", "/_content/", "/account",
)  # fmt: skip
MEDIA = (".mp3", ".pdf", ".png", ".svg")


@dataclass
class ExportReport:
    pages: int = 0
    quizzes: int = 0
    media: int = 0
    static: int = 0
    bytes: int = 0
    missing: list[str] = field(default_factory=list)  # linked, but not built or not found


def export_site(app: Flask, out: Path, course: Course, base_url: str = "") -> ExportReport:
    """Write the course into `out` (emptied first, if it is an earlier export or empty)."""
    _prepare(out)
    report = ExportReport()
    client = app.test_client()
    queue = [f"/{locale}/" for locale in course.locales]
    if base_url:  # a podcast needs absolute URLs: only where the site will be is known
        queue += [f"/{locale}/podcast.xml" for locale in course.locales]
    seen = set(queue)
    podcasts: list[str] = []
    while queue:
        address = queue.pop(0)
        podcast = PODCAST.fullmatch(urlsplit(address).path)
        if podcast:
            if base_url:
                links = _write_podcast(app, podcast[1], base_url, out)
                podcasts.append(podcast[1])
                report.pages += 1
                queue += [link for link in links if link not in seen]
                seen.update(links)
            continue
        quiz_slug = _quiz_slug(address)
        if quiz_slug:
            locale = address.split("/")[1]
            report.quizzes += _write_quizzes(app, course, locale, quiz_slug, out)
            continue
        response = client.get(address)
        if response.status_code != 200:
            report.missing.append(address)
            continue
        body = response.get_data()
        target = out / _file_for(address).lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        if address.endswith(MEDIA):
            report.media += 1
        else:
            report.pages += 1
        if response.mimetype == "text/html":
            for link in _links(body.decode()):
                if link not in seen and _exported(link):
                    seen.add(link)
                    queue.append(link)
    report.static += copy_static(app, out)
    _write_root(app, course, out, podcasts)
    files = sorted(p for p in out.rglob("*") if p.is_file() and p.name != MARKER)
    for path in files:
        if path.suffix == ".html":
            relativise(path, out)
    _write_service_worker(app, out, files)
    if base_url:
        _write_sitemap(out, base_url, files)
    report.bytes = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return report


def _prepare(out: Path) -> None:
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).is_file():
            raise ValueError(f"{out} is not empty and is not an earlier export: choose another")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("Made by `omnicourse export site`: the next export empties it.\n")


def _quiz_slug(address: str) -> str | None:
    match = re.fullmatch(r"/[\w-]+/modules/([\w-]+)/quiz", address)
    return match[1] if match else None


def _exported(address: str) -> bool:
    path = urlsplit(address).path
    if any(part in path for part in NOT_EXPORTED) or path.startswith("/static/"):
        return False
    return bool(_quiz_slug(path) or FOLLOWED.search(path))


def _links(html: str) -> list[str]:
    return [match["url"].split("#")[0] for match in LINK.finditer(html)]


def _file_for(address: str) -> str:
    """Where an address is written: a folder's page is its index.html."""
    path = urlsplit(address).path
    return path + "index.html" if path.endswith("/") else path


def _write_quizzes(app: Flask, course: Course, locale: str, slug: str, out: Path) -> int:
    """DRAWS attempts at a self-test, each a page graded in the browser."""
    resolved = course.resolve(locale, slug)
    if resolved is None or resolved.module.quiz is None:
        return 0
    module = resolved.module
    folder = out / locale / "modules" / slug / "quiz"
    for number, (result, key) in enumerate(quiz_draws(course, locale, resolved, DRAWS), 1):
        with app.test_request_context(f"/{locale}/modules/{slug}/quiz"):
            app.preprocess_request()
            g.locale = locale
            html = render_template(
                "learn/quiz.html", resolved=resolved, module=module, result=result,
                draw_token="", graded=False, missing=False, notice=None, scores=None,
                static_quiz=key,
            )  # fmt: skip
        target = folder / str(number) / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
        if number == 1:  # the self-test's own address opens the first draw
            (folder / "index.html").write_text(html, encoding="utf-8")
    return DRAWS


def quiz_draws(
    course: Course, locale: str, resolved: Resolved, count: int
) -> Iterator[tuple[QuizResult, dict]]:
    """`count` draws of a module's self-test, each as an ungraded result and the answer key
    static/js/static-quiz.js grades it by; the same draws on each export."""
    module = resolved.module
    quiz = module.quiz
    assert quiz is not None
    rng = random.Random(f"{locale}/{module.slug}/{module.content_hash}")
    for number in range(1, count + 1):
        drawn = draw(quiz, rng, course.draw_size, course.draw_per_outcome)
        key = {
            "module": module.slug,
            "threshold": course.pass_threshold,
            "draws": count,
            "draw": number,
            "questions": [
                {
                    "id": shown.id,
                    "kind": question.kind,
                    "keys": list(question.keys),
                    "order": list(shown.order),
                    "correct": sorted(question.correct_keys),
                }
                for shown in drawn
                if (question := quiz.question(shown.id))
            ],
        }
        yield grade(quiz, {}, course.pass_threshold, drawn), key


def copy_static(app: Flask, out: Path) -> int:
    source = Path(app.static_folder or "static")
    target = out / "static"
    shutil.copytree(
        source, target, ignore=shutil.ignore_patterns("*.py", "*.map", "live-reload.js")
    )
    shutil.copyfile(source / "img" / "favicon.ico", out / "favicon.ico")  # asked for at the top
    return sum(1 for p in target.rglob("*") if p.is_file())


def _write_podcast(app: Flask, locale: str, base_url: str, out: Path) -> list[str]:
    """The locale's podcast feed with its URLs under `base_url`; the addresses it links to."""
    from app.learn.podcast import render_feed

    with app.test_request_context(f"/{locale}/podcast.xml"):
        app.preprocess_request()
        g.locale = locale
        xml = render_feed(locale, base_url)
    target = out / locale / "podcast.xml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(xml, encoding="utf-8")
    base = re.escape(base_url.rstrip("/"))
    return sorted(set(re.findall(rf'url="{base}(/[^"?]*\.(?:json|txt|vtt))', xml)))


def _write_root(app: Flask, course: Course, out: Path, podcasts: list[str] | None = None) -> None:
    """index.html at the top: the learner's language if the course has it, else a choice."""
    with app.test_request_context("/"):
        g.locale = course.source_locale
        html = render_template("export/root.html", course=course, podcasts=podcasts or [])
    (out / "index.html").write_text(html, encoding="utf-8")


def relativise(page: Path, out: Path) -> None:
    """Every /absolute link made relative to the page, folders to their index.html."""
    here = posixpath.dirname("/" + page.relative_to(out).as_posix())

    def relative(match: re.Match) -> str:
        url = match["url"]
        parts = urlsplit(url)
        if parts.netloc or url.startswith("//"):
            return match[0]
        path = _file_for(parts.path) if parts.path.endswith("/") else parts.path
        if (out / path.lstrip("/") / "index.html").is_file():  # a folder named without its /
            path = path.rstrip("/") + "/index.html"
        link = posixpath.relpath(path, here)
        if parts.query:
            link += "?" + parts.query
        if parts.fragment:
            link += "#" + parts.fragment
        return f'{match["attr"]}="{link}"'

    page.write_text(LINK.sub(relative, page.read_text(encoding="utf-8")), encoding="utf-8")


def _write_service_worker(app: Flask, out: Path, files: list[Path]) -> None:
    """sw.js at the top, with the files it keeps at once and a version of them all."""
    core = []
    digest = hashlib.sha256()
    for path in files:
        name = path.relative_to(out).as_posix()
        digest.update(name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
        if not name.endswith(MEDIA):
            core.append(name)
    script = Path(app.static_folder or "static") / "js" / "service-worker.js"
    head = (
        f"var VERSION = {json.dumps(digest.hexdigest()[:16])};\n"
        f"var CORE = {json.dumps(core, ensure_ascii=False)};\n"
    )
    (out / "sw.js").write_text(head + script.read_text(encoding="utf-8"), encoding="utf-8")


def _write_sitemap(out: Path, base_url: str, files: list[Path]) -> None:
    base = base_url.rstrip("/") + "/"
    pages = [
        base + p.relative_to(out).as_posix().removesuffix("index.html")
        for p in files
        if p.name == "index.html" and "/quiz/" not in p.as_posix()
    ]
    lines = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']  # fmt: skip
    lines += [f"  <url><loc>{_xml(page)}</loc></url>" for page in pages]
    lines.append("</urlset>")
    (out / "sitemap.xml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
