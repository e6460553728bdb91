"""The module's PDF download."""

from __future__ import annotations

from flask_babel import gettext as _

from app.learn import bp
from app.learn.routes import resolve_module
from app.learn.unavailable import not_available


@bp.get("/modules/<slug>.pdf")
def pdf(slug: str):
    resolve_module(slug)
    return not_available(_("The PDF of this module is not available yet."))
