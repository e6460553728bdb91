"""The learner's certificate PDFs and the public page that checks a code.

A certificate is made on request: one page takes WeasyPrint well under a
second once a worker has loaded the fonts, and making it fresh means the
current display name is always printed and no copy with a learner's name is
left on disk after the account is deleted.
"""

from __future__ import annotations

import io

from flask import (
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_babel import to_user_timezone
from flask_login import current_user, login_required

from app.certificates import bp
from app.certificates.issue import entries_for, find_by_code, find_issued, issue, progress_of
from app.config import pdf_settings
from app.content import get_course
from app.i18n import current_locale
from app.models import WHOLE_COURSE, Certificate
from app.proxy import external_url
from course import Course
from course.certificate import CertificateText, format_code, render_certificate
from course.markdown import slugify
from course.progress import ModuleProgress, all_completed

TYPED_CODE_SHOWN = 40  # characters of a mistyped code repeated back on the page


@bp.get("/<locale>/modules/<slug>/certificate.pdf")
@login_required
def module_certificate(slug: str):
    if get_course().resolve(g.locale, slug) is None:
        abort(404)
    return _download(slug)


@bp.get("/<locale>/certificate.pdf")
@login_required
def course_certificate():
    return _download(WHOLE_COURSE)


@bp.get("/verify")
def check():
    """A form to type a code from a printed certificate (a GET form: it changes nothing)."""
    typed = request.args.get("code", "").strip()
    if not typed:
        return page("certificates/verify.html", 200, certificate=None, typed=None)
    certificate = find_by_code(typed)
    if certificate is None:
        return _not_valid(typed)
    return redirect(url_for("certificates.verify", code=format_code(certificate.code)))


# <path:…>: whatever follows /verify/, slashes included, gets the "not valid" page.
@bp.get("/verify/<path:code>")
def verify(code: str):
    certificate = find_by_code(code)
    if certificate is None:
        return _not_valid(code)
    title, title_locale = title_of(get_course(), certificate.subject, current_locale())
    return page(
        "certificates/verify.html",
        200,
        certificate=certificate,
        code=format_code(certificate.code),
        holder=certificate.user.display_name,  # None: the page says the name is withheld
        title=title,
        title_locale=title_locale,
        typed=None,
    )


def earned(subject: str) -> Certificate | Response:
    """The signed-in learner's certificate for `subject`, issued now if just earned; or
    the page to show instead (what is left to do, confirm the address, the name to print)."""
    course = get_course()
    user = current_user._get_current_object()
    certificate = find_issued(user, subject)
    if certificate is None:
        entries = entries_for(subject, progress_of(user, course))
        if not all_completed(entries):
            return _not_ready(course, subject, entries)
    # Earned: it goes to a confirmed address, and prints the name its holder chose.
    if not user.email_verified:
        return redirect(url_for("auth.verify_needed"))
    if not user.display_name:
        flash(_("Which name should your certificate show? Enter it, then download it."), "info")
        return redirect(url_for("auth.display_name", next=request.path))
    if certificate is None:
        certificate = issue(user, subject, g.locale, entries)
    return certificate


def _download(subject: str):
    """The signed-in learner's certificate for `subject` as a PDF."""
    course = get_course()
    certificate = earned(subject)
    if not isinstance(certificate, Certificate):
        return certificate
    pdf = render_certificate(
        _text(course, certificate, g.locale),
        g.locale,
        pdf_settings(current_app.config),
    )
    response = send_file(
        io.BytesIO(pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=_file_name(course, subject, g.locale),
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _text(course: Course, certificate: Certificate, locale: str) -> CertificateText:
    """What the PDF says, in `locale` (a module not translated yet keeps its own language)."""
    title, title_locale = title_of(course, certificate.subject, locale)
    module = None if certificate.whole_course else course.resolve(locale, certificate.subject)
    return CertificateText(
        holder=certificate.user.display_name or "",
        course_title=course.title(locale),
        title=title,
        title_locale=title_locale,
        completed_on=to_user_timezone(certificate.completed_at).date(),  # the site's day
        code=certificate.code,
        verify_url=external_url("certificates.verify", code=format_code(certificate.code)),
        whole_course=certificate.whole_course,
        module_number=module.module.order if module else None,
        eqf=module.module.eqf if module else None,
        modules=[(r.module.title, r.module.locale) for r in course.modules_for(locale)]
        if certificate.whole_course
        else [],
    )


def title_of(course: Course, subject: str, locale: str) -> tuple[str, str]:
    """The course's or module's title in `locale` and the language it is written in."""
    if subject == WHOLE_COURSE:
        return course.title(locale), locale
    resolved = course.resolve(locale, subject)
    if resolved is None:  # a module since removed from the course: its certificate stays valid
        return subject, locale
    return resolved.module.title, resolved.module.locale


def _file_name(course: Course, subject: str, locale: str) -> str:
    """omnichannel-strategy-certificate-principles-en.pdf (or …-certificate-en.pdf)."""
    name = slugify(course.title(course.source_locale))
    what = "" if subject == WHOLE_COURSE else f"-{subject}"
    return f"{name}-certificate{what}-{locale}.pdf"


def _not_ready(course: Course, subject: str, entries: list[ModuleProgress]):
    """A friendly 404: there is no certificate yet, and what is left to do."""
    if not entries:
        abort(404)
    left = [
        (course.resolve(g.locale, entry.module.slug), entry)
        for entry in entries
        if not entry.completed
    ]
    return page(
        "certificates/not_ready.html",
        404,
        whole_course=subject == WHOLE_COURSE,
        left=[(resolved, entry) for resolved, entry in left if resolved is not None],
        pass_percent=round(course.pass_threshold * 100),
    )


def _not_valid(typed: str):
    return page(
        "certificates/verify.html",
        404,
        certificate=None,
        typed=typed[:TYPED_CODE_SHOWN] + ("…" if len(typed) > TYPED_CODE_SHOWN else ""),
    )


def page(template: str, status: int, **context):
    response = make_response(render_template(template, **context), status)
    # Personal: a learner's progress, or a holder's name that disappears with the account.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
