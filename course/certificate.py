"""Certificates of completion: verification codes and the one-page PDF.

Plain values in, PDF bytes out: the web app decides who may have a
certificate and stores its code; this module only writes the document, with
the same fonts, catalogues and page size as the module PDFs.
"""

from __future__ import annotations

import logging
import re
import secrets
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date

from course.pdf import TEMPLATES, PdfSettings, render_html, write_pdf

log = logging.getLogger(__name__)

# course.pdf keeps one font configuration per process, and the server's worker
# threads could otherwise lay out two documents with it at once; a certificate
# takes tens of milliseconds, so taking turns costs little.
_RENDERING = threading.Lock()

# Crockford's base 32: no I, L, O or U, so a code read off paper is not mistyped.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 20  # 100 random bits
CODE_GROUP = 4
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s-]")
_CODE = re.compile(rf"^[{ALPHABET}]{{{CODE_LENGTH}}}$")


def new_code() -> str:
    """A random verification code: 20 letters and digits (100 bits), easy to type back."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str | None:
    """The stored form of a code as someone typed it (any case, dashes, spaces), or None."""
    code = _SEPARATORS.sub("", text).upper().translate(_LOOKALIKES)
    return code if _CODE.match(code) else None


def format_code(code: str) -> str:
    """The code in groups of four, as printed: ABCD-EFGH-…"""
    return "-".join(code[i : i + CODE_GROUP] for i in range(0, len(code), CODE_GROUP))


def format_day(day: date, locale: str) -> str:
    """The date as `locale` writes it in full ("25 listopada 2026"); ISO for unknown locales."""
    try:
        return format_date(day, "long", locale=Locale.parse(locale.replace("-", "_")))
    except (UnknownLocaleError, ValueError):
        return day.isoformat()


@dataclass(frozen=True)
class CertificateText:
    """What a certificate says; `title_locale` is the title's language (a fallback's may differ)."""

    holder: str
    course_title: str
    title: str
    title_locale: str
    completed_on: date
    code: str
    verify_url: str
    whole_course: bool = False
    module_number: int | None = None
    eqf: str | None = None
    modules: list[tuple[str, str]] = field(default_factory=list)  # (title, its locale)


def render_certificate(text: CertificateText, locale: str, settings: PdfSettings) -> bytes:
    """The certificate as a one-page PDF in `locale`; the holder's name is text, never markup."""
    html = render_html(
        "pdf/certificate.html",
        locale,
        settings,
        certificate=text,
        code=format_code(text.code),
        completed_on=format_day(text.completed_on, locale),
        page_size=settings.page_size,
    )
    with tempfile.TemporaryDirectory(prefix="certificate-") as folder:
        target = Path(folder) / "certificate.pdf"
        # Nothing of the course's files is needed: only the fonts are fetched.
        with _RENDERING:
            missing = write_pdf(html, target, settings, base_dir=TEMPLATES)
        if missing:  # a name in a script the shipped fonts lack: worth knowing, not fatal
            log.warning(
                "certificate %s: no font for %s", text.code, ", ".join(sorted(set(missing)))
            )
        return target.read_bytes()
