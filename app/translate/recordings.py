"""/translate/recordings/: people with the voice or translator role record the course.

A speaker opens a module in their language, reads each section aloud in the
browser (static/js/recorder.js: MediaRecorder, a level meter, playback before
saving) or uploads a file, and the server turns it into the MP3 the course
serves (course/audio_import.py), stored in content/<locale>/audio/ with who
recorded it and a hash of the text it reads (course/audio_recordings.py).
The background build then puts it into the module's audio. When the text
changes the recording is stale; an admin may accept it for the new text.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_datetime, format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from app import ratelimit
from app.content import get_course
from app.db import get_session
from app.roles import role_required
from app.translate import bp
from app.web import accepts_upload, json_response, private_page, too_many_requests
from course.audio_import import (
    NOT_AUDIO,
    SILENT,
    TOO_LONG,
    TOO_SHORT,
    RecordingRefused,
    import_recording,
)
from course.audio_recordings import (
    STALE,
    accept_recording,
    find_recording,
    module_recordings,
    recording_report,
    remove_recording,
    save_recording,
)
from course.locales import display_name
from course.model import Module, Section

log = logging.getLogger(__name__)

RECORDING_ROLES = ("translator", "voice")
WHOLE = "_module"  # the part name of a recording of the whole module
# Microphone for this site only, on the pages that record; the default header denies it.
MICROPHONE_POLICY = "camera=(), microphone=(self), geolocation=()"
REFUSALS = {
    NOT_AUDIO: _l("This file is not a recording we can read. Send an audio file "
                  "(WebM, Ogg, MP3, M4A or WAV)."),
    TOO_SHORT: _l("The recording is too short. Read the whole section, then stop."),
    SILENT: _l("The recording is silent. Check that the right microphone is chosen and not "
               "muted, then record again."),
}  # fmt: skip


@bp.get("/recordings/")
@role_required(*RECORDING_ROLES)
def recordings():
    """Every locale and module, with how much of it is recorded and what is stale."""
    course = get_course()
    rows = []
    for locale in course.locales:
        for module in sorted(course.modules.get(locale, {}).values(), key=lambda m: m.order):
            if module.untranslated:
                continue
            found = module_recordings(course.content_dir, module)
            own = [s for s in module.sections if _is_own(module, s)]
            recorded = sum(1 for s in own if s.id in found)
            stale = sum(1 for status in found.values() if status.state == STALE)
            rows.append((locale, module, recorded, len(own), stale))
    page = render_template("translate/recordings.html", rows=rows, locale_name=display_name)
    return private_page(page)


@bp.get("/recordings/<language>/<slug>")
@role_required(*RECORDING_ROLES)
def record(language: str, slug: str):
    """One module's sections: the text to read, the recording, and the recorder."""
    module = _module(language, slug)
    return _record_page(module)


def _record_page(module: Module, error: str | None = None, status: int = 200):
    course = get_course()
    page = render_template(
        "translate/record.html",
        module=module,
        sections=[s for s in module.sections if _is_own(module, s)],
        borrowed=[s for s in module.sections if not _is_own(module, s)],
        found=module_recordings(course.content_dir, module),
        whole=WHOLE,
        error=error,
        locale_name=display_name,
        credit=current_user.display_name,
        max_megabytes=max_megabytes(),
    )
    response = private_page(page, status)
    response.headers["Permissions-Policy"] = MICROPHONE_POLICY
    return response


@bp.get("/recordings/<language>/<slug>/<part>.mp3")
@role_required(*RECORDING_ROLES)
def recording_file(language: str, slug: str, part: str):
    """The stored recording itself, to listen to before and after it is built in."""
    module = _module(language, slug)
    section_id = _part(module, part)
    recording = find_recording(get_course().content_dir, language, slug, section_id)
    if recording is None:
        abort(404)
    response = send_file(recording.path, mimetype="audio/mpeg", conditional=True)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.post("/recordings/<language>/<slug>/<part>")
@role_required(*RECORDING_ROLES)
@accepts_upload("RECORDING_MAX_BYTES")
def upload(language: str, slug: str, part: str):
    """Save a recording of one section (a browser recording or an uploaded file)."""
    module = _module(language, slug)
    section_id = _part(module, part, sections_only=True)
    slow_down = _over_the_limit(module)
    if slow_down:
        return slow_down
    sent = request.files.get("audio")
    data = sent.read() if sent else b""
    if not data:
        return _refuse(module, _("Choose or record a recording first."))
    try:
        imported = import_recording(data, float(current_app.config["RECORDING_MAX_SECONDS"]))
    except RecordingRefused as refused:
        log.info("recording of %s/%s#%s refused: %s", language, slug, section_id, refused)
        return _refuse(module, _refusal(refused.reason))
    try:
        save_recording(
            get_course().content_dir, module, section_id, imported.mp3,
            current_user.display_name, f"user:{current_user.id}",
        )  # fmt: skip
    except OSError:
        log.exception("could not store the recording of %s/%s#%s", language, slug, section_id)
        return _refuse(module, _("The recording could not be saved just now. Nothing was "
                                 "changed; please save it again."), 503)  # fmt: skip
    _count()
    title = module.section(section_id).title
    return _done(module, _("Saved: “%(title)s”. The module's audio now includes it.", title=title))


@bp.post("/recordings/<language>/<slug>/<part>/accept")
@role_required("admin")
def accept(language: str, slug: str, part: str):
    """Keep a stale recording for the text as it is now."""
    module = _module(language, slug)
    section_id = _part(module, part)
    slow_down = _over_the_limit(module)
    if slow_down:
        return slow_down
    if not accept_recording(
        get_course().content_dir, module, section_id, f"user:{current_user.id}"
    ):
        abort(404)
    _count()
    return _done(module, _("The recording is kept for the current text."))


@bp.post("/recordings/<language>/<slug>/<part>/remove")
@role_required(*RECORDING_ROLES)
def remove(language: str, slug: str, part: str):
    """Delete a recording: the synthetic voice reads that part again."""
    module = _module(language, slug)
    section_id = _part(module, part)
    slow_down = _over_the_limit(module)
    if slow_down:
        return slow_down
    if not remove_recording(get_course().content_dir, module, section_id):
        abort(404)
    _count()
    return _done(module, _("The recording was removed; the synthetic voice reads this part."))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge):
    """A recording over the size limit: say so on the recording page."""
    message = _("The recording is larger than %(size)s MB. Record one section at a time.",
                size=max_megabytes())  # fmt: skip
    args = request.view_args or {}
    course = get_course()
    module = course.modules.get(args.get("language", ""), {}).get(args.get("slug", ""))
    if request.endpoint != "translate.upload" or module is None or not _allowed():
        return error
    return _refuse(module, message, 413)


@bp.app_template_filter("recording_time")
def recording_time(stamp: str) -> str:
    """An ISO time from a sidecar, in the reader's language and the site's time zone."""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)  # Babel takes naive times as UTC
    return format_datetime(moment, "medium")


def recording_problems() -> list:
    """The stale recordings of the course (for the translation status page)."""
    return [status for status in recording_report(get_course()) if status.state == STALE]


def _allowed() -> bool:
    return current_user.is_authenticated and current_user.has_role(*RECORDING_ROLES)


def _module(language: str, slug: str) -> Module:
    module = get_course().modules.get(language, {}).get(slug)
    if module is None or module.untranslated:
        abort(404)
    return module


def _part(module: Module, part: str, sections_only: bool = False) -> str | None:
    """The section id named by `part` (None for the whole module), or a 404."""
    if part == WHOLE and not sections_only:
        return None
    section = module.section(part)
    if section is None or not _is_own(module, section):
        abort(404)
    return section.id


def _is_own(module: Module, section: Section) -> bool:
    """True when the section is written in the module's language (not borrowed)."""
    return not section.locale or section.locale == module.locale


def _refusal(reason: str) -> str:
    if reason == TOO_LONG:
        return ngettext(
            "The recording is longer than %(num)d minute. Record one section at a time.",
            "The recording is longer than %(num)d minutes. Record one section at a time.",
            _max_minutes(),
        )
    return str(REFUSALS[reason])


def max_megabytes() -> str:
    """The size limit of a recording in MB, as the reader writes numbers ("2,5" in Polish)."""
    return format_decimal(int(current_app.config["RECORDING_MAX_BYTES"]) / 1024**2, "#,##0.#")


def _max_minutes() -> int:
    return int(current_app.config["RECORDING_MAX_SECONDS"]) // 60


def _over_the_limit(module: Module):
    """A 429 saying when to try again, if this account or address saved too often."""
    wait = ratelimit.seconds_to_wait(
        get_session(), ratelimit.RECORDING_WRITES, subject=str(current_user.id)
    )
    if not wait:
        return None
    message = _("Too many requests. Wait a minute and try again.")
    return too_many_requests(_refuse(module, message, 429), wait)


def _count() -> None:
    db = get_session()
    ratelimit.record(db, ratelimit.RECORDING_WRITES, subject=str(current_user.id))
    db.commit()


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _refuse(module: Module, message: str, status: int = 400):
    if _wants_json():
        return json_response({"error": message}, status)
    return _record_page(module, message, status)


def _done(module: Module, message: str):
    target = url_for("translate.record", language=module.locale, slug=module.slug)
    flash(message, "success")  # shown on the page the browser (or the script) opens next
    if _wants_json():
        return json_response({"message": message, "location": target})
    return redirect(target, 303)
