"""Certificates of completion: the learner's PDF in any language, and public verification.

Downloads live under `/<locale>/…` (the certificate's language), verification
at `/verify/<code>` in the visitor's language, so one blueprint handles both.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, g

from app.content import get_course

bp = Blueprint("certificates", __name__)


@bp.url_value_preprocessor
def _pull_locale(endpoint: str | None, values: dict[str, Any] | None) -> None:
    if values and "locale" in values:
        locale = values.pop("locale")
        if locale not in get_course().locales:
            abort(404)
        g.locale = locale


@bp.url_defaults
def _add_locale(endpoint: str, values: dict[str, Any]) -> None:
    if "locale" in values or not g.get("locale"):
        return
    if current_app.url_map.is_endpoint_expecting(endpoint, "locale"):
        values["locale"] = g.locale


from app.certificates import badge_routes, routes  # noqa: E402,F401
