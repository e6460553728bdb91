"""`/api/progress`: read the learner's progress, record section and audio events."""

from __future__ import annotations

import json
from typing import Any

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError, generate_csrf
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from app.api import bp
from app.caching import is_anonymous_request
from app.content import get_course
from app.db import get_session
from app.progress.store import (
    AUDIO_LISTENED,
    EVENTS,
    Event,
    current_learner_id,
    progress_for,
    record_events,
)

MAX_BODY_BYTES = 8 * 1024
MAX_EVENTS = 50


class ApiError(Exception):
    """A request the API refuses: 400 with a code for scripts and a message for people."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _json(data: dict[str, Any], status: int = 200):
    response = jsonify(data)
    response.status_code = status
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    return _json({"error": error.code, "message": error.message}, error.status)


@bp.errorhandler(CSRFError)
def _csrf_error(error: CSRFError):
    message = _("The security token is missing or has expired. Reload the page and try again.")
    return _json({"error": "csrf", "message": message}, 400)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    status = error.code or 500
    if status == 413:  # over MAX_CONTENT_LENGTH, refused before the view could
        return _api_error(_too_large())
    if status == 401:
        return _json({"error": "unauthorized", "message": _("Please log in.")}, 401)
    return _json({"error": "http", "message": error.name}, status)


@bp.get("/progress")
def get_progress():
    """The learner's progress in every module (empty for a browser with none yet)."""
    learner_id = current_learner_id()
    course = get_course()
    data: dict[str, Any] = {
        "learner": learner_id is not None,
        "authenticated": current_user.is_authenticated,
        "pass_threshold": course.pass_threshold,
        "modules": {
            slug: entry.to_json() for slug, entry in progress_for(learner_id, course).items()
        },
    }
    if not is_anonymous_request():
        data["csrf_token"] = generate_csrf()  # the session exists: no new cookie for this
    return _json(data)


@bp.get("/token")
def token():
    """A CSRF token for the `X-CSRFToken` header of the POSTs that follow."""
    return _json({"csrf_token": generate_csrf()})


@bp.post("/progress")
def post_progress():
    """Record one event, or `{"events": [...]}`; all are checked before any is saved."""
    events = [_parse_event(item) for item in _event_list(_read_json())]
    try:
        record_events(current_learner_id(create=True), events)
    except IntegrityError:
        # The browser's learner was merged into an account by a concurrent login.
        get_session().rollback()
        raise ApiError(
            "conflict", _("Your progress was just moved to your account. Try again."), 409
        ) from None
    return _json({"recorded": len(events)})


def _read_json() -> Any:
    if request.mimetype != "application/json":
        raise ApiError("not-json", _("Send the events as JSON (Content-Type: application/json)."))
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise _too_large()
    try:
        raw = request.stream.read(MAX_BODY_BYTES + 1)
    except RequestEntityTooLarge:
        raise _too_large() from None
    if len(raw) > MAX_BODY_BYTES:
        raise _too_large()
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError("malformed", _("The request is not valid JSON.")) from None


def _too_large() -> ApiError:
    return ApiError(
        "too-large", _("The request is too large (at most %(n)d bytes).", n=MAX_BODY_BYTES)
    )


def _event_list(body: Any) -> list[Any]:
    if isinstance(body, dict) and "events" in body:
        events = body["events"]
        if not isinstance(events, list) or not events:
            raise ApiError("malformed", _("“events” must be a non-empty list."))
        if len(events) > MAX_EVENTS:
            raise ApiError("too-many", _("Send at most %(n)d events at once.", n=MAX_EVENTS))
        return events
    return [body]


def _parse_event(item: Any) -> Event:
    if not isinstance(item, dict):
        raise ApiError("malformed", _("An event must be a JSON object."))
    kind, slug, section = item.get("event"), item.get("module"), item.get("section")
    if kind not in EVENTS:
        raise ApiError(
            "unknown-event",
            _("Unknown event. Use one of: %(events)s.", events=", ".join(EVENTS)),
        )
    course = get_course()
    resolved = course.resolve(course.source_locale, slug) if isinstance(slug, str) else None
    if resolved is None:
        raise ApiError("unknown-module", _("There is no module with this name."))
    if section is None and kind != AUDIO_LISTENED:
        raise ApiError("missing-section", _("This event needs a section."))
    if section is not None and (
        not isinstance(section, str) or resolved.module.section(section) is None
    ):
        raise ApiError("unknown-section", _("This module has no section with this id."))
    return Event(kind, slug, section)
