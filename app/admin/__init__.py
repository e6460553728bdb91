"""The review desk for instructors and admins: feedback, its CSV export, analytics.

Its URLs carry no /<locale>/ prefix: the language the admin came from travels in
`?lang=` (app/i18n.py adds it to links), and the desk's GET forms send it on too.
"""

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, request

from app.content import get_course
from app.roles import require_role

LANG = "lang"

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(require_role("instructor"))  # and admins, who may do everything


def page_lang() -> dict[str, str]:
    """`lang` of this request as query arguments, for links that name a `locale` filter
    (app/i18n.py does not add `lang` beside a `locale`)."""
    lang = request.args.get(LANG)
    return {LANG: lang} if lang in get_course().locales else {}


@bp.context_processor
def _language_context() -> dict[str, Any]:
    return {"page_lang": page_lang().get(LANG), "alternate_url": _alternate_url}


def _alternate_url(code: str) -> str:
    """This desk page in another language: the same address with `lang` changed (the
    language switcher's target; the old `lang` would otherwise win over the new choice)."""
    args = [(key, value) for key, value in request.args.items(multi=True) if key != LANG]
    return f"{request.path}?{urlencode([*args, (LANG, code)])}"


from app.admin import analytics, routes  # noqa: E402,F401
