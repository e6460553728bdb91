"""Accounts: sign up and confirm the address, log in and out, sessions, passwords, deletion."""

from __future__ import annotations

from flask import Blueprint, Flask, flash, g, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager

from app.auth import devices, sessions
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
    app.after_request(devices.send_device_cookie)


@login_manager.user_loader
def load_user(session_token: str) -> User | None:
    """The account of a live server-side session (one indexed query), else nobody."""
    return sessions.load(get_session(), session_token)


@login_manager.unauthorized_handler
def unauthorized():
    if request.blueprint == "api":
        return json_response({"error": "unauthorized", "message": str(_l("Please log in."))}, 401)
    if g.get("session_timed_out"):
        flash(_l("Your session has ended. Please log in again."), "info")
    else:
        flash(_l("Please log in to see this page."), "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


from app.auth import recovery, routes, signup  # noqa: E402,F401
