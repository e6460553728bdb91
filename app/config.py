"""Defaults that work with no configuration; OMNICOURSE_* environment variables override."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytz

from course.build import BuildSettings
from course.pdf import PAGE_SIZES, PdfSettings
from course.tts import parse_chain

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FONTS_CSS = PROJECT_ROOT / "static" / "css" / "fonts.css"  # @font-face rules of static/fonts


def instance_path() -> Path:
    return Path(os.environ.get("OMNICOURSE_INSTANCE_PATH") or PROJECT_ROOT / "instance").resolve()


def defaults(instance: Path) -> dict:
    return {
        "CONTENT_DIR": str(PROJECT_ROOT / "content"),
        "TRANSLATIONS_DIR": str(PROJECT_ROOT / "translations"),
        "DATABASE_URL": f"sqlite:///{instance / 'omnicourse.sqlite3'}",
        "TTS_ENGINES": "recording,gtts,piper,espeak",
        "PDF_PAGE_SIZE": "A4",
        "PDF_FONTS_CSS": str(FONTS_CSS),
        "WORKERS": 0,  # `omnicourse serve`'s processes; 0: one per processor core
        "THREADS": 0,  # request threads in each of them; 0: twice the cores, plus one
        "ACCESS_LOG": "-",
        # Behind nginx: the internal location that serves instance/build/ (X-Accel-Redirect).
        "ACCEL_REDIRECT": "",  # a line per request on standard output; "" for none (nginx logs)
        "BUILD_ON_START": True,
        "STATIC_SITE": False,  # set by `omnicourse export site`: pages fit for a static host
        "SCORM_PACKAGE": False,  # set by `omnicourse export scorm…`: a module page for an LMS
        "PAGE_MAX_AGE": 300,
        "SESSION_COOKIE_NAME": "omnicourse_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Signed-in sessions live on the server (app/auth/sessions.py): they end after
        # this long without a request, and this long after they began, whatever happens.
        "SESSION_IDLE_MINUTES": 30,
        "SESSION_LIFETIME_HOURS": 12,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "SESSION_REFRESH_EACH_REQUEST": False,
        "WTF_CSRF_TIME_LIMIT": None,
        # The public address for links in emails and on certificates, e.g.
        # https://course.example.org; with it, other Host headers are refused.
        "SERVER_NAME": None,
        "TRUSTED_HOSTS": None,  # more host names to accept, comma-separated
        # Behind a reverse proxy: how many proxies set each X-Forwarded-* header.
        "PROXY_FIX_X_FOR": 0,
        "PROXY_FIX_X_PROTO": 0,
        "PROXY_FIX_X_HOST": 0,
        "PROXY_FIX_X_PORT": 0,
        "PROXY_FIX_X_PREFIX": 0,
        # Email (app/mail/): with no MAIL_HOST, messages are written to instance/mail/.
        "MAIL_HOST": "",
        "MAIL_PORT": 0,  # 0: 25, 465 with MAIL_TLS=ssl, 587 with starttls
        "MAIL_TLS": "starttls",  # starttls, ssl or none
        "MAIL_USER": "",
        "MAIL_PASSWORD": "",
        "MAIL_SENDER": "",  # default: no-reply@ the server's name
        "MAIL_TIMEOUT_SECONDS": 10,
        "MAIL_WORKER": True,  # each server process sends from the outbox in the background
        "MAIL_POLL_SECONDS": 15,
        "MAIL_MAX_ATTEMPTS": 12,
        # Learning records (app/xapi/): with an LRS's endpoint (e.g. https://lrs.example.org/xAPI),
        # learners' progress is sent as xAPI statements; without one, nothing is recorded.
        "XAPI_ENDPOINT": "",
        "XAPI_KEY": "",  # HTTP Basic user name and password at the LRS
        "XAPI_SECRET": "",
        "XAPI_TIMEOUT_SECONDS": 10,
        "XAPI_WORKER": True,  # each server process sends from the outbox in the background
        "XAPI_POLL_SECONDS": 15,
        "XAPI_MAX_ATTEMPTS": 12,
        "XAPI_BATCH": 50,  # statements per request to the LRS
        # LTI 1.3 (app/lti/): grade passback to the platforms, from an outbox.
        "LTI_WORKER": True,  # each server process sends scores in the background
        "LTI_POLL_SECONDS": 15,
        "LTI_MAX_ATTEMPTS": 12,
        "LTI_TIMEOUT_SECONDS": 10,  # each request to a platform (keys, token, scores)
        # How long the links sent by email work.
        "VERIFY_EMAIL_HOURS": 48,
        "RESET_PASSWORD_MINUTES": 60,
        "CHANGE_EMAIL_HOURS": 24,
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        # A recording of one section sent from the browser: its size and length at most.
        "RECORDING_MAX_BYTES": 25 * 1024 * 1024,
        "RECORDING_MAX_SECONDS": 30 * 60,
        # An image uploaded in the studio (content/media/).
        "MEDIA_MAX_BYTES": 2 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "en",
        # The site's time zone (an IANA name such as Europe/Warsaw): stored times are UTC,
        # pages show them, and count days, in this zone.
        "TIME_ZONE": "UTC",
        "LOCALE_COOKIE": "omnicourse_locale",
    }


def secret_key(instance: Path) -> str:
    """Read the instance's secret key, creating it on first run."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def pdf_settings(config: Mapping[str, Any]) -> PdfSettings:
    """The PDFs' fonts, catalogues and paper from the app's settings."""
    size = str(config.get("PDF_PAGE_SIZE") or "A4")
    if size.lower() not in PAGE_SIZES:
        log.warning("OMNICOURSE_PDF_PAGE_SIZE %r is not A4 or letter; using A4", size)
        size = "A4"
    translations = config.get("TRANSLATIONS_DIR")
    return PdfSettings(
        fonts_css=Path(config.get("PDF_FONTS_CSS") or FONTS_CSS),
        translations_dir=Path(translations) if translations else None,
        page_size=size,
    )


def time_zone(config: Mapping[str, Any]) -> str:
    """The site's time zone name; ValueError names a bad OMNICOURSE_TIME_ZONE."""
    name = str(config.get("TIME_ZONE") or "UTC").strip()
    try:
        pytz.timezone(name)
    except (pytz.UnknownTimeZoneError, ValueError):
        raise ValueError(
            f"OMNICOURSE_TIME_ZONE: {name!r} is not a time zone name of the IANA database, "
            "such as Europe/Warsaw, America/New_York or UTC"
        ) from None
    return name


def build_settings(config: Mapping[str, Any]) -> BuildSettings:
    """Everything `omnicourse build` needs; ValueError names a bad OMNICOURSE_TTS_ENGINES."""
    try:
        engines = parse_chain(str(config.get("TTS_ENGINES", "recording,gtts,piper,espeak")))
    except ValueError as error:
        raise ValueError(f"OMNICOURSE_TTS_ENGINES: {error}") from None
    return BuildSettings(pdf=pdf_settings(config), tts_engines=tuple(engines))
