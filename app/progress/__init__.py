"""Learner progress: the progress page, "mark as read" without JavaScript, past attempts."""

from app.i18n import localized_blueprint
from app.progress.learners import remember_browser

bp = localized_blueprint("progress", __name__)
bp.after_app_request(remember_browser)

from app.progress import routes  # noqa: E402,F401
