"""PDF versions of modules, made with WeasyPrint from Jinja2 templates.

Two layers: `render_html` + `write_pdf` turn any template under
`course/templates/pdf/` into a PDF with the shipped fonts, the print
stylesheet and translated labels (a certificate is one more template and a
call to them); the rest plans, names and builds the module PDFs, keyed by a
hash of everything they are made from so only what changed is rebuilt.

Run `python -m course.pdf CONTENT_DIR OUT_DIR LOCALE SLUG` to build one PDF.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import jinja2
from babel.support import NullTranslations, Translations

from course.build import Job
from course.catalog import Course, load_course
from course.glossary import Glossary, linked_sections, used_terms
from course.locales import text_direction
from course.markdown import slugify
from course.media import folder as media_folder
from course.media import with_media_urls
from course.quiz import print_order

log = logging.getLogger(__name__)

FORMAT_VERSION = "3"  # bump when a change in this file alters the output
TEMPLATES = Path(__file__).resolve().parent / "templates"
PRINT_CSS = TEMPLATES / "pdf" / "print.css"
PAGE_SIZES = {"a4": "A4", "letter": "letter"}
MISSING_GLYPH = ".notdef glyph rendered"


# --- Rendering any document --------------------------------------------------------------


@dataclass(frozen=True)
class PdfSettings:
    """What every PDF is made with besides its content: fonts, catalogues, paper.

    `fonts_css` is a stylesheet of @font-face rules whose fonts lie beside it
    (or in a sibling folder); `translations_dir` holds gettext catalogues
    (`<locale>/LC_MESSAGES/messages.mo`) for the labels; without one they are English.
    """

    fonts_css: Path
    translations_dir: Path | None = None
    page_size: str = "A4"

    def __post_init__(self) -> None:
        if self.page_size.lower() not in PAGE_SIZES:
            raise ValueError(f"page size {self.page_size!r} is not A4 or letter")
        object.__setattr__(self, "page_size", PAGE_SIZES[self.page_size.lower()])

    def catalogue(self, locale: str) -> Path | None:
        if self.translations_dir is None:
            return None
        path = self.translations_dir / locale / "LC_MESSAGES" / "messages.mo"
        return path if path.is_file() else None

    def fingerprint(self, locale: str) -> str:
        """Hash of the templates, stylesheets, fonts and the locale's catalogue."""
        catalogue = self.catalogue(locale)
        files = [*_toolkit_files(self.fonts_css), *([catalogue] if catalogue else [])]
        return _hash_files(_stamp(files)) + self.page_size


@lru_cache(maxsize=4)
def _toolkit_files(fonts_css: Path) -> tuple[Path, ...]:
    """The templates, the fonts' stylesheet and the font files it names."""
    css = fonts_css.read_text(encoding="utf-8") if fonts_css.is_file() else ""
    fonts = {(fonts_css.parent / name).resolve() for name in re.findall(r'url\("?([^")?]+)', css)}
    return (*sorted(p for p in TEMPLATES.rglob("*") if p.is_file()), fonts_css, *sorted(fonts))


@lru_cache(maxsize=64)
def _hash_files(stamp: tuple[tuple[str, int, int], ...]) -> str:
    digest = hashlib.sha256()
    for name, _mtime, _size in stamp:
        path = Path(name)
        digest.update(path.name.encode())  # not the whole path: moving the project keeps the PDFs
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@lru_cache(maxsize=32)
def _environment(locale: str, catalogue: Path | None, _mtime: int) -> jinja2.Environment:
    """A Jinja2 environment whose `_()` speaks `locale` (English when there is no catalogue)."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
    )
    translations: NullTranslations = NullTranslations()
    if catalogue is not None:
        with catalogue.open("rb") as file:
            translations = Translations(file, domain="messages")
    environment.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    environment.globals["print_order"] = print_order
    return environment


def render_html(template: str, locale: str, settings: PdfSettings, **context: Any) -> str:
    """Render a template of `course/templates/` with labels in `locale`."""
    catalogue = settings.catalogue(locale)
    mtime = catalogue.stat().st_mtime_ns if catalogue else 0
    environment = _environment(locale, catalogue, mtime)
    return environment.get_template(template).render(
        locale=locale, direction=text_direction(locale), **context
    )


def write_pdf(
    html: str, target: Path, settings: PdfSettings, base_dir: Path, *more_dirs: Path
) -> list[str]:
    """Write `html` as a PDF at `target` (atomically); return any characters drawn as boxes.

    Only local files under `base_dir`, `more_dirs` and the fonts' folder can be fetched: a
    build never goes to the network, and content cannot pull in other files.
    """
    from weasyprint import HTML

    _keep_tone_marks_on_letters()
    fonts, stylesheets = _stylesheets(settings, _stamp([settings.fonts_css, PRINT_CSS]))
    roots = (base_dir, *more_dirs, settings.fonts_css.parent.parent)
    fetcher = _local_fetcher(tuple(root.resolve() for root in roots))
    target.parent.mkdir(parents=True, exist_ok=True)
    partial_file = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    missing = _MissingGlyphs()
    logging.getLogger("weasyprint").addHandler(missing)
    try:
        base_url = base_dir.resolve().as_uri() + "/"
        document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
        document.write_pdf(partial_file, stylesheets=stylesheets, font_config=fonts, pdf_tags=True)
        os.replace(partial_file, target)
    finally:
        logging.getLogger("weasyprint").removeHandler(missing)
        partial_file.unlink(missing_ok=True)
    return missing.characters


@lru_cache(maxsize=4)
def _stylesheets(settings: PdfSettings, _stamp: tuple) -> tuple[Any, list[Any]]:
    """Fonts and stylesheets, parsed once per process: decoding the fonts is the slow part."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    fetcher = _local_fetcher((settings.fonts_css.parent.parent.resolve(), TEMPLATES))
    fonts = FontConfiguration()
    stylesheets = [
        CSS(filename=str(settings.fonts_css), font_config=fonts, url_fetcher=fetcher),
        CSS(filename=str(PRINT_CSS), font_config=fonts, url_fetcher=fetcher),
        CSS(string=f"@page {{ size: {settings.page_size}; }}", font_config=fonts),
    ]
    return fonts, stylesheets


class _Graphemes(str):
    """A text that iterates by letter with its combining marks, not by code point."""

    def __iter__(self):  # type: ignore[override]
        letter = ""
        for char in str.__iter__(self):
            if letter and not unicodedata.combining(char):
                yield letter
                letter = ""
            letter += char
        if letter:
            yield letter


@lru_cache(maxsize=1)
def _keep_tone_marks_on_letters() -> None:
    """WeasyPrint draws SVG text (the diagrams' labels) one code point at a time, so a
    tone mark with no precomposed letter (Yoruba ẹ̀, ọ́) is drawn on a dotted circle beside
    its letter. Hand it each letter with its marks instead."""
    import weasyprint.svg as svg

    draw_text = svg.text
    if not all(svg.TAGS.get(tag) is draw_text for tag in ("text", "tspan")):
        log.warning("unknown WeasyPrint SVG text drawing: tone marks may be drawn apart")
        return

    def draw_graphemes(drawing: Any, node: Any, font_size: float) -> Any:
        if node.text:
            node._etree_node.text = _Graphemes(unicodedata.normalize("NFC", node.text))
        return draw_text(drawing, node, font_size)

    for tag, draw in list(svg.TAGS.items()):
        if draw is draw_text:
            svg.TAGS[tag] = draw_graphemes
    svg.text = draw_graphemes  # which WeasyPrint compares with to anchor text


def _stamp(paths: list[Path]) -> tuple[tuple[str, int, int], ...]:
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in paths if p.is_file())


class _MissingGlyphs(logging.Handler):
    """Collects WeasyPrint's warnings about characters no font could draw."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.characters: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith(MISSING_GLYPH):
            self.characters.append(message.partition(": ")[2])


def _local_fetcher(roots: tuple[Path, ...]) -> Any:
    """A WeasyPrint URL fetcher limited to files under `roots` (imported late: it is slow)."""
    from weasyprint.urls import URLFetcher

    class LocalFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("file:"):
                path = Path(url2pathname(urlsplit(url).path)).resolve()
                if not any(path.is_relative_to(root) for root in roots):
                    raise ValueError(f"not a file of the course: {url}")
            return super().fetch(url, headers)

    return LocalFetcher(allowed_protocols={"file", "data"})


# --- Module PDFs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModulePdf:
    """One module PDF: which one, the key of what it is made from, and where it goes."""

    locale: str
    slug: str
    answers: bool
    key: str
    path: Path
    source: Path

    @property
    def label(self) -> str:
        return f"{self.locale}/{self.slug}{'-answers' if self.answers else ''}.pdf"


def module_pdf(
    course: Course, locale: str, slug: str, out_dir: Path, settings: PdfSettings,
    answers: bool = False,
) -> ModulePdf | None:  # fmt: skip
    """The PDF of a module in a locale, or None if there is no such module (or answer key)."""
    resolved = course.resolve(locale, slug) if locale in course.locales else None
    if resolved is None or (answers and resolved.module.quiz is None):
        return None
    module = resolved.module
    parts = [
        FORMAT_VERSION, module.content_hash, module.locale, locale, answers,
        course.title(locale), course.is_outdated(module), settings.fingerprint(locale),
        _weasyprint_version(), course.glossary(module.locale).digest,
        course.glossaries.get(course.source_locale, Glossary("")).digest,
    ]  # fmt: skip
    key = hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]
    name = f"{slug}.answers.{key}.pdf" if answers else f"{slug}.{key}.pdf"
    return ModulePdf(locale, slug, answers, key, Path(out_dir) / locale / name, module.path)


def download_name(course: Course, target: ModulePdf) -> str:
    """A file name a learner recognises: omnichannel-strategy-principles-en.pdf."""
    course_name = slugify(course.title(course.source_locale))
    suffix = "-answers" if target.answers else ""
    return f"{course_name}-{target.slug}-{target.locale}{suffix}.pdf"


def build_module_pdf(course: Course, target: ModulePdf, settings: PdfSettings) -> list[str]:
    """Write one module PDF and drop its older versions; return characters drawn as boxes."""
    resolved = course.resolve(target.locale, target.slug)
    if resolved is None:
        raise LookupError(f"no module '{target.slug}' in the course")
    module = resolved.module
    glossary = course.glossary(module.locale)
    media = media_folder(course.content_dir).resolve()
    section_html = {
        section_id: with_media_urls(html, lambda name: (media / name).as_uri())
        for section_id, html in linked_sections(
            module, glossary, lambda term_id: f"#term-{term_id}"
        ).items()
    }
    html = render_html(
        "pdf/module.html",
        target.locale,
        settings,
        course_title=course.title(target.locale),
        module=module,
        section_html=section_html,
        glossary_terms=used_terms(glossary, section_html.values()),
        is_fallback=resolved.is_fallback,
        outdated=course.is_outdated(module),
        answers=target.answers,
    )
    missing = write_pdf(html, target.path, settings, module.path.parent, media)
    for old in target.path.parent.glob(f"{target.slug}.*.pdf"):
        if old != target.path and _is_answer_key(old) == target.answers:
            old.unlink(missing_ok=True)
    if missing:
        log.warning("%s: no font for %s", target.label, ", ".join(sorted(set(missing))))
    return missing


def plan_pdfs(course: Course, out_dir: Path, settings: PdfSettings) -> list[Job]:
    """Jobs that build missing or stale PDFs: each module in each locale, and its answer key."""
    jobs = []
    for locale in course.locales:
        for source in course.source_modules():
            for answers in (False, True):
                target = module_pdf(course, locale, source.slug, out_dir, settings, answers)
                if target is not None and not target.path.is_file():
                    run = partial(build_module_pdf, course, target, settings)
                    module = f"{target.locale}/{target.slug}"
                    jobs.append(Job(target.label, target.source, run, module))
    return jobs


def _is_answer_key(path: Path) -> bool:
    return path.name.split(".")[1] == "answers"


@lru_cache(maxsize=1)
def _weasyprint_version() -> str:
    from importlib.metadata import version

    return version("weasyprint")


def main(argv: list[str] | None = None) -> int:
    """Build one module PDF (the web app runs this in the background for a missing PDF)."""
    parser = argparse.ArgumentParser(prog="python -m course.pdf", description=main.__doc__)
    parser.add_argument("content_dir", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("locale")
    parser.add_argument("slug")
    parser.add_argument("--answers", action="store_true", help="the answer-key variant")
    parser.add_argument("--translations", type=Path, help="folder of gettext catalogues")
    parser.add_argument(
        "--fonts-css", type=Path, required=True, help="stylesheet with the @font-face rules"
    )
    parser.add_argument("--page-size", default="A4", choices=["A4", "letter"])
    arguments = parser.parse_args(argv)
    settings = PdfSettings(arguments.fonts_css, arguments.translations, arguments.page_size)
    course = load_course(arguments.content_dir)
    target = module_pdf(
        course, arguments.locale, arguments.slug, arguments.out_dir, settings, arguments.answers
    )
    if target is None:
        parser.error(f"no module '{arguments.slug}' in locale '{arguments.locale}'")
    build_module_pdf(course, target, settings)
    print(target.path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
