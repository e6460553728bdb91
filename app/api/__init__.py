"""The JSON API: progress events from the pages' script (documented in the README)."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from app.api import routes  # noqa: E402,F401
