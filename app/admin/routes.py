"""The feedback desk: the filtered list, one feedback with its trail, status, notes, CSV."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app.admin import bp
from app.admin.desk import (
    FeedbackFilters,
    add_note,
    change_status,
    csv_lines,
    export_rows,
    feedback_page,
)
from app.admin.forms import FeedbackFilterForm, NoteForm, StatusForm, status_names
from app.content import get_course
from app.db import get_session
from app.i18n import current_locale
from app.models import RATING_SCALE, Feedback, utcnow
from app.web import private_page
from course.locales import display_name

LIST_PATH = "/admin/feedback"


def module_titles() -> dict[str, str]:
    """Module titles by slug, in the reader's language where translated."""
    course = get_course()
    return {r.module.slug: r.module.title for r in course.modules_for(current_locale())}


def locale_choices() -> list[tuple[str, str]]:
    return [(code, f"{display_name(code)} ({code})") for code in get_course().locales]


def filter_form(form_class, every_module: bool = True):
    """A filter form read from the query string, with its choices for this course
    ("All" modules only when `every_module`: analytics shows one at a time)."""
    form = form_class(formdata=request.args)
    every = [SelectChoice("", _("All"))]
    modules = [SelectChoice(*item) for item in module_titles().items()]
    form.module.choices = (every if every_module else []) + modules
    form.locale.choices = every + [SelectChoice(*item) for item in locale_choices()]
    if "rating" in form:
        form.rating.choices = every + [SelectChoice(str(n)) for n in RATING_SCALE]
    if "status" in form:
        form.status.choices = every + [
            SelectChoice(key, name) for key, name in status_names().items()
        ]
    form.validate()
    return form


def feedback_filters(form: FeedbackFilterForm) -> FeedbackFilters:
    rating = form.valid("rating")
    return FeedbackFilters(
        module=form.valid("module"),
        locale=form.valid("locale"),
        rating=int(rating) if rating else None,
        status=form.valid("status"),
        date_from=form.valid("date_from"),
        date_to=form.valid("date_to"),
        q=form.valid("q"),
    )


def page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 7 else 1


def safe_back(value: str | None) -> str:
    """The list page the reader came from (with its filters), never another site."""
    if value and (value == LIST_PATH or value.startswith(LIST_PATH + "?")) and "\\" not in value:
        return value
    return url_for("admin.feedback_list")


@bp.context_processor
def _desk_context() -> dict:
    return {"locale_name": display_name, "statuses": status_names()}


@bp.get("/")
def index():
    return redirect(url_for("admin.feedback_list"))


@bp.get("/feedback")
def feedback_list():
    form = filter_form(FeedbackFilterForm)
    filters = feedback_filters(form)
    page = feedback_page(get_session(), filters, page_number())
    return private_page(
        render_template(
            "admin/feedback_list.html",
            form=form,
            page=page,
            filters=filters,
            query_args=filters.query_args(),
            titles=module_titles(),
            here=request.full_path.rstrip("?"),
        )
    )


def _feedback_or_404(feedback_id: int) -> Feedback:
    feedback = get_session().get(Feedback, feedback_id)
    if feedback is None:
        abort(404)
    return feedback


def _detail(feedback: Feedback, status_form=None, note_form=None, code: int = 200):
    status_form = status_form or StatusForm(formdata=None, status=feedback.status)
    return private_page(
        render_template(
            "admin/feedback_detail.html",
            feedback=feedback,
            status_form=status_form,
            note_form=note_form or NoteForm(formdata=None),
            titles=module_titles(),
            content_changed=_content_changed(feedback),
            back=safe_back(request.args.get("back")),
        ),
        code,
    )


def _content_changed(feedback: Feedback) -> bool:
    resolved = get_course().resolve(feedback.locale, feedback.module_slug)
    return resolved is not None and resolved.module.content_hash != feedback.content_hash


@bp.get("/feedback/<id:feedback_id>")
def feedback_detail(feedback_id: int):
    return _detail(_feedback_or_404(feedback_id))


@bp.post("/feedback/<id:feedback_id>/status")
def feedback_status(feedback_id: int):
    feedback = _feedback_or_404(feedback_id)
    form = StatusForm()
    if not form.validate_on_submit():
        return _detail(feedback, status_form=form, code=400)
    name = status_names()[form.status.data]
    from_list = request.args.get("to") == "list"  # a card's button on the list
    if change_status(get_session(), feedback, form.status.data, current_user):
        if from_list:
            message = _("Feedback #%(n)d is now “%(status)s”.", n=feedback.id, status=name)
        else:
            message = _("The status is now “%(status)s”.", status=name)
        flash(message, "success")
    else:
        flash(_("The status was already “%(status)s”.", status=name), "info")
    if from_list:
        return redirect(safe_back(request.args.get("back")))
    return redirect(_detail_url(feedback.id))


@bp.post("/feedback/<id:feedback_id>/notes")
def feedback_note(feedback_id: int):
    feedback = _feedback_or_404(feedback_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return _detail(feedback, note_form=form, code=400)
    add_note(get_session(), feedback, form.note.data, current_user)
    flash(_("Your note is added."), "success")
    return redirect(_detail_url(feedback.id))


def _detail_url(feedback_id: int) -> str:
    back = request.args.get("back")
    return url_for("admin.feedback_detail", feedback_id=feedback_id, back=back or None)


@bp.get("/feedback.csv")
def feedback_csv():
    form = filter_form(FeedbackFilterForm)
    filters = feedback_filters(form)
    names = {key: str(name) for key, name in status_names().items()}
    header = [
        _("Number"),
        _("Received (UTC)"),
        _("Module"),
        _("Language"),
        _("Content version"),
        _("Rating"),
        _("Clarity"),
        _("Usefulness"),
        _("What should we improve?"),
        _("Comment"),
        _("Email for a reply"),
        _("Consent to a reply"),
        _("Account"),
        _("Status"),
    ]
    yes, no = _("yes"), _("no")

    def rows():
        for item in export_rows(get_session(), filters):
            yield [
                item.id,
                item.created_at.isoformat(sep=" ", timespec="seconds"),
                item.module_slug,
                item.locale,
                item.content_hash[:12],
                item.rating,
                item.clarity or "",
                item.usefulness or "",
                item.improve,
                item.comment,
                item.email or "",
                yes if item.contact_consent else no,
                item.user.email if item.user else "",
                names.get(item.status, item.status),
            ]

    response = Response(stream_with_context(csv_lines(header, rows())))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    response.headers["Content-Disposition"] = f'attachment; filename="feedback-{stamp}.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
