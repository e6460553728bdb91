"""The module's feedback form."""

from __future__ import annotations

from flask_babel import gettext as _

from app.learn import bp
from app.learn.routes import resolve_module
from app.learn.unavailable import not_available


@bp.get("/modules/<slug>/feedback")
def feedback(slug: str):
    resolve_module(slug)
    return not_available(_("The feedback form for this module is not available yet."))
