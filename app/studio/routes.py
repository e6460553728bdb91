"""/studio/: the list of files one may edit, the editor with its live preview, the conflict
page, drafts' preview links, and each file's history with restore."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from app import ratelimit
from app.catalogues import CatalogueError
from app.content import get_course, live_content, problem_message
from app.db import get_session
from app.models import STUDIO_TEXT_MAX, Publication, StudioDraft
from app.roles import role_required
from app.studio import bp
from app.studio.files import (
    ModuleFile,
    draft_of,
    editable_files,
    find,
    history,
    mark_part_current,
    new_module_problem,
    publish_text,
    save_draft,
    start_module,
    starting_text,
    translation_parts,
)
from app.studio.forms import (
    EditorForm,
    MarkCurrentForm,
    MediaForm,
    NewLocaleForm,
    NewModuleForm,
    RestoreForm,
    markdown_text,
)
from app.translate.locales import is_valid_code, start_locale
from app.translate.routes import NO_DIFF_REASONS, STATE_LABELS
from app.web import accepts_upload, json_response, private_page, too_many_requests
from course import ContentError
from course.catalog import OUTDATED
from course.loader import load_module
from course.locales import display_name
from course.markdown import slugify
from course.media import NAME as media_name
from course.media import MediaRefused, clean_image, media_files
from course.media import store as store_image
from course.publishing import Conflict
from course.translation import text_diff

log = logging.getLogger(__name__)


@bp.context_processor
def _helpers() -> dict:
    return {"locale_name": display_name, "when": lambda stamp: format_datetime(stamp, "short")}


@bp.get("/")
def index():
    """Every module file the signed-in person may edit, with their drafts."""
    db = get_session()
    drafts = {
        (d.locale, d.slug): d for d in db.query(StudioDraft).filter_by(user_id=current_user.id)
    }
    files = editable_files(current_user)
    known = {(file.locale, file.slug) for file in files}
    started = [draft for key, draft in drafts.items() if key not in known]
    course = get_course()
    page = render_template(
        "studio/index.html", files=files, drafts=drafts, started=started,
        may_start=current_user.may_edit(course.source_locale, course.source_locale),
        may_add_locale=current_user.role == "admin",
    )  # fmt: skip
    return private_page(page)


@bp.route("/new", methods=["GET", "POST"])
def new_module():
    """Start a module in the source language: a draft from a valid starting text, opened
    in the editor; it becomes a file when it is published."""
    course = get_course()
    if not current_user.may_edit(course.source_locale, course.source_locale):
        abort(403)
    form = NewModuleForm()
    if form.is_submitted():
        db = get_session()
        if ratelimit.seconds_to_wait(db, ratelimit.STUDIO_WRITES, subject=str(current_user.id)):
            abort(429)
        if form.validate():
            slug = form.slug.data or slugify(form.title.data)
            problem = new_module_problem(db, slug)
            if problem is None:
                draft = start_module(db, slug, form.title.data)
                _count()
                flash(_("The module is started as your draft. Write it, then publish it."),
                      "success")  # fmt: skip
                return redirect(url_for("studio.edit", locale=draft.locale, slug=slug), 303)
            form.slug.errors.append(problem)
        return private_page(render_template("studio/new.html", form=form), 400)
    return private_page(render_template("studio/new.html", form=form))


@bp.route("/locales/new", methods=["GET", "POST"])
def new_locale():
    """Admins start a language, as `omnicourse i18n new-locale` does."""
    if current_user.role != "admin":
        abort(403)
    form = NewLocaleForm()
    if not form.is_submitted():
        return private_page(render_template("studio/new_locale.html", form=form))
    db = get_session()
    if ratelimit.seconds_to_wait(db, ratelimit.STUDIO_WRITES, subject=str(current_user.id)):
        abort(429)
    if form.validate():
        code = form.code.data
        course = get_course()
        if not is_valid_code(code):
            form.code.errors.append(_("This is not a language code, e.g. de, pt_BR or ar."))
        elif code in course.locales:
            form.code.errors.append(_("The course already has this language."))
        else:
            _count()
            try:
                start_locale(
                    course, code, form.title.data, Path(current_app.config["TRANSLATIONS_DIR"])
                )
            except CatalogueError:
                log.exception("starting the language %s", code)
                form.form_errors.append(_("The interface catalogue could not be made; the "
                                          "server log says why."))  # fmt: skip
                return private_page(render_template("studio/new_locale.html", form=form), 503)
            live_content().refresh()
            flash(_("The language %(code)s is started: its modules are copies to translate. "
                    "Give translators this language with `omnicourse users set-locales`.",
                    code=code), "success")  # fmt: skip
            return redirect(url_for("studio.index"), 303)
    return private_page(render_template("studio/new_locale.html", form=form), 400)


@bp.route("/media/", methods=["GET", "POST"])
@role_required("instructor", "translator")
@accepts_upload("MEDIA_MAX_BYTES")
def media():
    """The course's images, and a form to add one (made safe first; names are never
    reused, so an image a page shows is never replaced under it)."""
    form = MediaForm()
    content_dir = get_course().content_dir
    status = 200
    if form.is_submitted():
        db = get_session()
        if ratelimit.seconds_to_wait(db, ratelimit.STUDIO_WRITES, subject=str(current_user.id)):
            abort(429)
        if form.validate():
            added = _add_image(form, content_dir)
            if added is not None:
                _count()
                flash(_("The image is saved as %(name)s. Copy its Markdown into a module.",
                        name=added), "success")  # fmt: skip
                return redirect(url_for("studio.media", _anchor=f"image-{added}"), 303)
        status = 400
    megabytes = current_app.config["MEDIA_MAX_BYTES"] // 2**20
    page = render_template(
        "studio/media.html", form=form, images=media_files(content_dir), max_megabytes=megabytes
    )
    return private_page(page, status)


def _add_image(form: MediaForm, content_dir: Path) -> str | None:
    """Store the uploaded image; its name, or None with the reason on the form."""
    sent = form.image.data
    data = sent.read() if sent else b""
    if not data:
        form.image.errors.append(_("Choose an SVG or PNG file first."))
        return None
    try:
        kind, safe = clean_image(data)
    except MediaRefused as refused:
        form.image.errors.append(_media_refusal(refused.reason))
        return None
    stem = slugify(form.name.data or Path(getattr(sent, "filename", "") or "").stem)[:50]
    name = f"{stem or 'image'}.{kind}"
    if not media_name.match(name):
        form.name.errors.append(_("Use lowercase letters, digits and hyphens."))
        return None
    try:
        store_image(content_dir, name, safe)
    except FileExistsError:
        form.name.errors.append(_("The course already has an image called %(name)s. Give "
                                  "this one another name.", name=name))  # fmt: skip
        return None
    return name


def _media_refusal(reason: str) -> str:
    return {
        "not-an-image": _("This is not an SVG or PNG image."),
        "too-many-pixels": _("The image is too large: at most 5,000 × 5,000 pixels."),
        "doctype": _("SVG files with a DOCTYPE or entities are not accepted. Save the "
                     "drawing again as plain SVG."),
    }.get(reason, _("The image could not be read. Is the file complete?"))  # fmt: skip


@bp.get("/<locale>/<slug>/")
def edit(locale: str, slug: str):
    target, draft = _editable(locale, slug)
    form = EditorForm()
    on_disk = target.read()
    if draft is not None:
        form.text.data, form.base.data = draft.text, draft.base_hash
    else:
        text = on_disk if on_disk is not None else starting_text(target)
        form.text.data, form.base.data = text, target.hash()
    return _editor(target, form, draft)


@bp.post("/<locale>/<slug>/")
def change(locale: str, slug: str):
    """Save the draft, publish it, or discard it. The text sent is kept as the draft before
    anything else happens, so no outcome loses it."""
    target, draft = _editable(locale, slug)
    form = EditorForm()
    db = get_session()
    if (limited := _limited(target, form, draft)) is not None:
        return limited
    if not form.validate():
        return _editor(target, form, draft, status=400)
    if form.discard.data:
        if draft is not None:
            db.delete(draft)
        _count()
        flash(_("The draft was discarded; the published version is unchanged."), "success")
        return redirect(url_for("studio.edit", locale=locale, slug=slug), 303)
    draft = save_draft(db, target, form.text.data, form.base.data or "")
    _count()
    if not form.publish.data:
        flash(_("The draft is saved. Only staff can see it until it is published."), "success")
        return redirect(url_for("studio.edit", locale=locale, slug=slug), 303)
    if target.problems(form.text.data):
        db.commit()
        form.form_errors.append(_("Fix the problems listed under the text before publishing. "
                                  "Your draft is saved."))  # fmt: skip
        return _editor(target, form, draft, status=422)
    message = form.message.data or _("Edited in the studio")
    try:
        publish_text(db, target, form.text.data, form.base.data or "", message)
    except Conflict as conflict:
        db.commit()  # the draft stays
        return _conflict(target, form, conflict.current)
    db.commit()
    flash(_("Published. Learners see the new version now."), "success")
    return redirect(url_for("studio.edit", locale=locale, slug=slug), 303)


@bp.post("/<locale>/<slug>/preview")
def preview(locale: str, slug: str):
    """The text as learners would see it, and its problems by line (the editor's script)."""
    target, _draft = _editable(locale, slug)
    text = markdown_text(request.form.get("text", "")) or ""
    if len(text) > STUDIO_TEXT_MAX:
        return json_response({"error": _("The text is too long to preview.")}, 413)
    preview = _preview(target, text)
    preview["problems_html"] = render_template("studio/_problems.html", preview=preview)
    return json_response(preview)


@bp.get("/drafts/<int:draft_id>/")
def draft_preview(draft_id: int):
    """A draft as learners would see it once published: a link any staff member can open."""
    draft = get_session().get(StudioDraft, draft_id)
    target = draft and find(draft.locale, draft.slug, draft)
    if draft is None or target is None:
        abort(404)
    preview = _preview(target, draft.text)
    return private_page(render_template("studio/draft.html", draft=draft, target=target,
                                        preview=preview))  # fmt: skip


@bp.get("/<locale>/<slug>/history")
def file_history(locale: str, slug: str):
    target, _draft = _editable(locale, slug)
    publications = history(get_session(), locale, slug)
    page = render_template("studio/history.html", target=target, publications=publications)
    return private_page(page)


@bp.get("/publications/<int:publication_id>")
def publication(publication_id: int):
    found, target = _publication(publication_id)
    diff = text_diff(found.before_text, found.after_text, _("before"), _("after"))
    return private_page(render_template("studio/publication.html", publication=found,
                                        target=target, diff=diff, form=RestoreForm()))  # fmt: skip


@bp.post("/publications/<int:publication_id>/restore")
def restore(publication_id: int):
    """Publish again the text this publication wrote (itself a new publication)."""
    found, target = _publication(publication_id)
    form = RestoreForm()
    if not form.validate():
        abort(400)
    db = get_session()
    if ratelimit.seconds_to_wait(db, ratelimit.STUDIO_WRITES, subject=str(current_user.id)):
        abort(429)
    _count()
    problems = target.problems(found.after_text)
    if problems:
        flash(
            _(
                "This version has problems with today's course and cannot be restored as it is. "
                "It is open in the editor as a draft: fix it there, then publish."
            ),
            "error",
        )
        save_draft(db, target, found.after_text, target.hash())
        db.commit()
        return redirect(url_for("studio.edit", locale=target.locale, slug=target.slug), 303)
    message = _(
        "Restored the version of %(date)s", date=found.created_at.strftime("%Y-%m-%d %H:%M")
    )
    try:
        publish_text(db, target, found.after_text, target.hash(), message, drop_draft=False)
    except Conflict:  # published by someone else in the same instant: nothing was written
        flash(_("The file changed while restoring; nothing was changed. Try again."), "error")
        return redirect(url_for("studio.file_history", locale=target.locale, slug=target.slug), 303)
    db.commit()
    flash(_("The earlier version is published again."), "success")
    return redirect(url_for("studio.file_history", locale=target.locale, slug=target.slug), 303)


@bp.post("/<locale>/<slug>/current/<part>")
def mark_current(locale: str, slug: str, part: str):
    """A translator checked an outdated part against the source's change: record it."""
    target, _draft = _editable(locale, slug)
    found = next((p for p in translation_parts(target) if p.id == part), None)
    if found is None or found.state != OUTDATED:
        abort(404)
    if not MarkCurrentForm().validate():
        abort(400)
    db = get_session()
    if ratelimit.seconds_to_wait(db, ratelimit.STUDIO_WRITES, subject=str(current_user.id)):
        abort(429)
    _count()
    mark_part_current(db, target, found)
    db.commit()
    flash(_("“%(title)s” is marked as current.", title=found.title), "success")
    target_url = url_for("studio.edit", locale=locale, slug=slug, _anchor=f"part-{part}")
    return redirect(target_url, 303)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge):
    """A paste far larger than any module: say so; the draft and the published file stay."""
    message = _("What you sent is far larger than a module file, so it was not saved. Your last "
                "saved draft and the published version are unchanged.")  # fmt: skip
    if request.endpoint == "studio.preview":
        return json_response({"error": message}, 413)
    return private_page(render_template("studio/too_large.html", message=message), 413)


def _editable(locale: str, slug: str) -> tuple[ModuleFile, StudioDraft | None]:
    """The file and the user's draft of it; 404 when neither exists, 403 when not theirs."""
    draft = draft_of(get_session(), current_user.id, locale, slug)
    target = find(locale, slug, draft)
    if target is None:
        abort(404)
    if not current_user.may_edit(locale, get_course().source_locale):
        abort(403)
    return target, draft


def _publication(publication_id: int) -> tuple[Publication, ModuleFile]:
    found = get_session().get(Publication, publication_id)
    if found is None:
        abort(404)
    target = find(found.locale, found.slug)
    if target is None:
        abort(404)
    if not current_user.may_edit(found.locale, get_course().source_locale):
        abort(403)
    return found, target


def _limited(target: ModuleFile, form: EditorForm, draft: StudioDraft | None):
    wait = ratelimit.seconds_to_wait(get_session(), ratelimit.STUDIO_WRITES,
                                     subject=str(current_user.id))  # fmt: skip
    if not wait:
        return None
    form.form_errors.append(_("Too many requests. Wait a minute and try again."))
    return too_many_requests(_editor(target, form, draft, status=429), wait)


def _count() -> None:
    ratelimit.record(get_session(), ratelimit.STUDIO_WRITES, subject=str(current_user.id))
    get_session().commit()


def _preview(target: ModuleFile, text: str) -> dict:
    """The learner's view of `text` (as HTML, by the site's own parser) and its problems."""
    try:
        module = load_module(target.path, target.locale, text.encode("utf-8"))
    except ContentError as error:
        return {"html": "", "problems": [_problem(error)]}
    html = render_template("studio/_preview.html", module=module)
    return {"html": html, "problems": [_problem(p) for p in module.problems]}


def _problem(error: ContentError) -> dict:
    """A problem for the editor, in the author's interface language where it is translated."""
    message, translated = problem_message(error)
    return {"line": error.line, "message": message, "translated": translated}


def _editor(target: ModuleFile, form: EditorForm, draft: StudioDraft | None, status: int = 200):
    text = form.text.data or ""
    preview = (
        _preview(target, text) if len(text) <= STUDIO_TEXT_MAX else {"html": "", "problems": []}
    )
    page = render_template(
        "studio/edit.html", target=target, form=form, draft=draft, preview=preview,
        changed_on_disk=draft is not None and draft.base_hash != target.hash(),
        deleted=target.read() is None, max_length=STUDIO_TEXT_MAX,
        parts=translation_parts(target), state_labels=STATE_LABELS,
        source_locale=get_course().source_locale,
        no_diff_reasons=NO_DIFF_REASONS, mark_form=MarkCurrentForm(),
    )  # fmt: skip
    return private_page(page, status)


def _conflict(target: ModuleFile, form: EditorForm, current: str | None):
    """Both versions, and the editor set to publish over the one now on disk."""
    theirs = current or ""
    diff = text_diff(theirs, form.text.data, _("published now"), _("your version"))
    form.base.data = target.hash()
    page = render_template("studio/conflict.html", target=target, form=form, theirs=current,
                           diff=diff)  # fmt: skip
    return private_page(page, 409)
