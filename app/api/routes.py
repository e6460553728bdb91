"""`/api/progress`: read the learner's progress, record section and audio events."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError, generate_csrf
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from app import ratelimit
from app.api import bp
from app.content import get_course
from app.db import get_session
from app.i18n import duration_text
from app.progress.learners import browser_key_or_new, current_learner_id, ensure_current_learner
from app.progress.reading import keep_reading_message
from app.progress.store import AUDIO_LISTENED, EVENTS, Event, progress_for, record_reading
from app.web import is_anonymous_request, json_response, too_many_requests
from course.progress import ModuleProgress, Score

MAX_BODY_BYTES = 8 * 1024
MAX_EVENTS = 50


class ApiError(Exception):
    """A request the API refuses: 400 with a code for scripts and a message for people."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    return json_response({"error": error.code, "message": error.message}, error.status)


@bp.errorhandler(CSRFError)
def _csrf_error(error: CSRFError):
    message = _("The security token is missing or has expired. Reload the page and try again.")
    return json_response({"error": "csrf", "message": message}, 400)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    status = error.code or 500
    if status == 413:  # over MAX_CONTENT_LENGTH, refused before the view could
        return _api_error(_too_large())
    if status == 401:
        return json_response({"error": "unauthorized", "message": _("Please log in.")}, 401)
    if status == 429:
        return _slow_down(int(getattr(error, "retry_after", None) or 60))
    return json_response({"error": "http", "message": error.name}, status)


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
            slug: _module_json(entry) for slug, entry in progress_for(learner_id, course).items()
        },
    }
    if not is_anonymous_request():
        data["csrf_token"] = generate_csrf()  # the session exists: no new cookie for this
    return json_response(data)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") + "Z" if value else None


def _score_json(score: Score | None) -> dict[str, Any] | None:
    if score is None:
        return None
    return {
        "score": score.score,
        "total": score.total,
        "percent": score.percent,
        "submitted_at": _iso(score.submitted_at),
    }


def _module_json(entry: ModuleProgress) -> dict[str, Any]:
    """One module's progress as the README's Progress API documents it."""
    quiz = entry.quiz
    return {
        "sections": {
            s.id: {
                "opened": s.id in entry.opened,
                "read": s.id in entry.read,
                "audio": s.id in entry.listened,
            }
            for s in entry.module.sections
        },
        "sections_read": entry.sections_read,
        "sections_total": entry.sections_total,
        "audio_listened": entry.audio_listened,
        "next_section": entry.next_section,
        "last_section": entry.last_section,
        "quiz": None
        if entry.module.quiz is None
        else {
            "attempts": quiz.attempts,
            "best": _score_json(quiz.best),
            "last": _score_json(quiz.last),
            "passed": entry.quiz_passed,
        },
        "completed": entry.completed,
        "updated_at": _iso(entry.updated_at),
    }


@bp.get("/token")
def token():
    """A CSRF token for the `X-CSRFToken` header of the POSTs that follow."""
    return json_response({"csrf_token": generate_csrf()})


@bp.post("/progress")
def post_progress():
    """Record one event, or `{"events": [...]}`; all are checked before any is saved."""
    events = [_parse_event(item) for item in _event_list(_readjson_response())]
    db = get_session()
    # Counted per account, or per browser (the same before and after it becomes a learner).
    writer = f"user:{current_user.id}" if current_user.is_authenticated else browser_key_or_new()
    wait = ratelimit.seconds_to_wait(db, ratelimit.API_WRITES, subject=writer)
    if wait:
        return _slow_down(wait)
    try:
        learner_id = ensure_current_learner()
        ratelimit.record(db, ratelimit.API_WRITES, subject=writer)
        early = record_reading(learner_id, events, get_course())
    except IntegrityError:
        # The browser's learner was merged into an account by a concurrent login.
        get_session().rollback()
        raise ApiError(
            "conflict", _("Your progress was just moved to your account. Try again."), 409
        ) from None
    # A section closed sooner than anyone reads it is not read yet: say how long to wait.
    not_yet = [
        {
            "module": event.module,
            "section": event.section,
            "wait": wait,
            "message": keep_reading_message(wait),
        }
        for event, wait in early.items()
    ]
    return json_response({"recorded": len(events) - len(early), "not_yet": not_yet})


def _slow_down(seconds: int):
    message = _(
        "Too many requests. Please wait %(time)s and try again.", time=duration_text(seconds)
    )
    response = json_response(
        {"error": "too-many-requests", "message": message, "wait": seconds}, 429
    )
    return too_many_requests(response, seconds)


def _readjson_response() -> Any:
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
    except (ValueError, UnicodeDecodeError, RecursionError):  # nested thousands deep
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
