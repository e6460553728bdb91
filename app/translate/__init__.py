"""Translators' pages: what is translated, outdated or missing, and what changed since."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("translate", __name__, url_prefix="/translate")

from app.translate import routes  # noqa: E402,F401
