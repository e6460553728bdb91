"""Defaults that work with no configuration; OMNICOURSE_* environment variables override."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def instance_path() -> Path:
    return Path(os.environ.get("OMNICOURSE_INSTANCE_PATH") or PROJECT_ROOT / "instance").resolve()


def defaults(instance: Path) -> dict:
    return {
        "CONTENT_DIR": str(PROJECT_ROOT / "content"),
        "TRANSLATIONS_DIR": str(PROJECT_ROOT / "translations"),
        "DATABASE_URL": f"sqlite:///{instance / 'omnicourse.sqlite3'}",
        "TTS_ENGINES": "recording,gtts,espeak",
        "WORKERS": 4,
        "BUILD_ON_START": True,
        "PAGE_MAX_AGE": 300,
        "STATIC_MAX_AGE": 365 * 24 * 3600,
        "SESSION_COOKIE_NAME": "omnicourse_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=2),
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "en",
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
