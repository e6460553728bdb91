"""The studio: instructors and translators edit the course's Markdown in the browser,
preview it as learners will see it, and publish it to the content files."""

from __future__ import annotations

from flask import Blueprint

from app.content import live_content
from app.roles import require_role

bp = Blueprint("studio", __name__, url_prefix="/studio")
# Instructors, translators and admins; each file narrows it (User.may_edit).
bp.before_request(require_role("instructor", "translator"))


@bp.before_request
def _read_the_files_now() -> None:
    """Staff see the files as they are on disk, even just after another server process
    published (its change reaches this process's watcher a moment later)."""
    live_content().refresh()


from app.studio import routes  # noqa: E402,F401
