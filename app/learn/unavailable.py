"""A friendly 'not available yet' page for things a later build or feature provides."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _


def not_available(message: str, status: int = 404):
    page = render_template(
        "errors/error.html", status=status, title=_("Not available yet"), message=message
    )
    return page, status
