"""Translators' pages: what is translated, outdated or missing, and what changed since;
and the recording pages, where translators and voices record the course's audio."""

from __future__ import annotations

from flask import Blueprint

from app.roles import require_role

bp = Blueprint("translate", __name__, url_prefix="/translate")
# Translators, voices and admins (each route narrows it); anyone else signed in gets a
# 403, anonymous visitors the login page.
bp.before_request(require_role("translator", "voice"))

from app.translate import recordings, routes  # noqa: E402,F401
