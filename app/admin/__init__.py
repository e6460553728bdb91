"""The review desk for instructors and admins: feedback, its CSV export, analytics.

Its URLs carry no /<locale>/ prefix: the language the admin came from travels in
`?lang=` (app/i18n.py adds it to links; the desk's GET forms send it on too).
"""

from flask import Blueprint

from app.roles import require_role

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(require_role("instructor"))  # and admins, who may do everything


from app.admin import analytics, routes  # noqa: E402,F401
