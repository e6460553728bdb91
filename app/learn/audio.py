"""The module's audio version."""

from __future__ import annotations

from flask_babel import gettext as _

from app.learn import bp
from app.learn.routes import resolve_module
from app.learn.unavailable import not_available


@bp.get("/modules/<slug>/audio.mp3")
def audio(slug: str):
    resolve_module(slug)
    return not_available(_("There is no audio for this module in this language yet."))
