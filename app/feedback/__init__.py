"""Learners' feedback: the module's feedback form and "was this section helpful?".

Reviewing it is the admin desk's work (app/admin/).
"""

from app.i18n import localized_blueprint

bp = localized_blueprint("feedback", __name__)

from app.feedback import routes  # noqa: E402,F401
