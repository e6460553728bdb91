"""Translators' pages: what is translated, outdated or missing, and what changed since."""

from __future__ import annotations

from flask import Blueprint

from app.roles import require_role

bp = Blueprint("translate", __name__, url_prefix="/translate")
# Translators and admins; anyone else signed in gets a 403, anonymous visitors the login page.
bp.before_request(require_role("translator"))

from app.translate import routes  # noqa: E402,F401
