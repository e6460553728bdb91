"""Roles and the checks protected routes use: learner, instructor, translator, voice, admin.

An admin may do everything; other roles only what names them.

    @bp.get("/feedback")
    @role_required("instructor")          # instructors and admins
    def feedback(): ...

    bp.before_request(require_role("translator"))   # a whole blueprint
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.models import ROLES


def role_names() -> dict[str, str]:
    """Each role's name for people, in their language."""
    return {
        "learner": _l("Learner"),
        "instructor": _l("Instructor"),
        "translator": _l("Translator"),
        "voice": _l("Voice (records audio)"),
        "admin": _l("Administrator"),
    }


def refusal(roles: tuple[str, ...]) -> Any:
    """None when allowed; otherwise the response (login page) or a 403. No roles: anyone
    signed in."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if roles and not current_user.has_role(*roles):
        abort(403)
    return None


def _known(roles: tuple[str, ...]) -> tuple[str, ...]:
    unknown = [role for role in roles if role not in ROLES]
    if unknown or not roles:
        raise ValueError(f"unknown role(s) {unknown}; roles are {', '.join(ROLES)}")
    return roles


def role_required(*roles: str) -> Callable:
    """Let a view run only for signed-in users with one of `roles` (or admins)."""
    roles = _known(roles)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            denied = refusal(roles)
            return denied if denied is not None else view(*args, **kwargs)

        wrapped.required_roles = roles
        return wrapped

    return decorator


def require_role(*roles: str) -> Callable[[], Any]:
    """A `before_request` hook protecting every route of a blueprint."""
    roles = _known(roles)

    def hook() -> Any:
        return refusal(roles)

    return hook
