"""Accounts: register, log in and out, change the password, delete the account."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Flask, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager

from app.db import get_session
from app.models import User
from app.web import json_response

bp = Blueprint("auth", __name__, url_prefix="/auth")
login_manager = LoginManager()
login_manager.login_view = "auth.login"
# "basic" protection only marks sessions not fresh, which nothing here uses,
# and would write the session cookie of anonymous visitors.
login_manager.session_protection = None


@bp.record_once
def _init_login(state) -> None:
    app: Flask = state.app
    login_manager.init_app(app)


@login_manager.user_loader
def load_user(session_token: str) -> User | None:
    """One indexed query: the account (and its learner) by the session's token."""
    return get_session().scalar(sa.select(User).where(User.session_token == session_token))


@login_manager.unauthorized_handler
def unauthorized():
    if request.blueprint == "api":
        return json_response({"error": "unauthorized", "message": str(_l("Please log in."))}, 401)
    flash(_l("Please log in to see this page."), "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


from app.auth import routes  # noqa: E402,F401
