"""Open Badges: the learner's certificate as a signed credential, the issuer's public key
and profile, and `/verify` checking a credential pasted or uploaded."""

from __future__ import annotations

from flask import abort, g, make_response, request
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.exceptions import RequestEntityTooLarge

from app import ratelimit
from app.certificates import badges, bp
from app.certificates.issue import find_by_code
from app.certificates.routes import earned, page, title_of
from app.content import get_course
from app.db import get_session
from app.i18n import current_locale
from app.models import WHOLE_COURSE, Certificate
from app.proxy import external_url
from app.web import json_response, too_many_requests
from course.certificate import format_code
from course.markdown import slugify

BADGE_CHECKS = (
    ratelimit.Limit("badge-check", ratelimit.PER_CLIENT, "BADGE_CHECKS_PER_ADDRESS", 30,
                    "BADGE_CHECK_WINDOW_SECONDS", 600),
)  # fmt: skip
PUBLIC_MAX_AGE = 3600  # seconds a cache may keep the public key and the issuer's profile
# HTTP status of each refusal: the text could not be read, or it was read and is not ours.
STATUS = {badges.EMPTY: 400, badges.MALFORMED: 400, badges.TOO_LARGE: 413}


@bp.get("/<locale>/modules/<slug>/badge.jwt")
@login_required
def module_badge(slug: str):
    if get_course().resolve(g.locale, slug) is None:
        abort(404)
    return _download(slug)


@bp.get("/<locale>/badge.jwt")
@login_required
def course_badge():
    return _download(WHOLE_COURSE)


@bp.get("/.well-known/jwks.json")
def jwks():
    """The public key that checks every credential this site signs."""
    return _public({"keys": [badges.public_jwk()]})


@bp.get("/badges/issuer")
def badge_issuer():
    """The issuer's Open Badges Profile, with its public key."""
    course = get_course()
    issuer = _issuer()
    jwk = badges.public_jwk()
    return _public(
        {
            "@context": badges.CONTEXTS,
            "id": issuer.id,
            "type": ["Profile"],
            "name": issuer.name,
            "url": issuer.url,
            "description": course.title(course.source_locale),
            "verificationMethod": [
                {
                    "id": f"{issuer.id}#{jwk['kid']}",
                    "type": "JsonWebKey",
                    "controller": issuer.id,
                    "publicKeyJwk": {k: jwk[k] for k in ("kty", "crv", "x")},
                }
            ],
            "jwks_uri": external_url("certificates.jwks", lang=None),
        }
    )


@bp.get("/verify/badge")  # a static rule: it wins over /verify/<path:code>
def badge_form():
    """The form to check an Open Badge (apart from /verify, which sets no cookie)."""
    return _result(refused=None, status=200, blank=True)


@bp.post("/verify")
def check_credential():
    """Check an Open Badges credential, pasted or uploaded, and say what it is."""
    db = get_session()
    wait = ratelimit.seconds_to_wait(db, BADGE_CHECKS)
    if wait:
        return too_many_requests(_result(refused=None, status=429, slow_down=True), wait)
    ratelimit.record(db, BADGE_CHECKS)
    db.commit()
    upload = request.files.get("file")
    text = request.form.get("credential", "")
    if upload is not None and upload.filename:
        data = upload.read(badges.MAX_CHARS + 1)
        text = data.decode("utf-8", errors="replace")
    try:
        payload = badges.verify(text, _issuer().id)
    except badges.Refused as refusal:
        return _result(refused=refusal.reason, status=STATUS.get(refusal.reason, 422))
    certificate = _certificate_of(payload)
    if certificate is None:
        return _result(refused=None, withdrawn=True, status=404)
    title, title_locale = title_of(get_course(), certificate.subject, current_locale())
    return _result(
        refused=None,
        status=200,
        certificate=certificate,
        code=format_code(certificate.code),
        holder=certificate.user.display_name,
        title=title,
        title_locale=title_locale,
        badge_name=payload.get("name"),
    )


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge):
    if request.endpoint != "certificates.check_credential":
        return error
    return _result(refused=badges.TOO_LARGE, status=413)


def _download(subject: str):
    certificate = earned(subject)
    if not isinstance(certificate, Certificate):
        return certificate
    token = badges.sign(_credential(certificate, g.locale))
    response = make_response(token)
    response.mimetype = "application/vc+jwt"
    course = get_course()
    name = slugify(course.title(course.source_locale))
    what = "" if subject == WHOLE_COURSE else f"-{subject}"
    response.headers["Content-Disposition"] = (
        f"attachment; filename={name}-badge{what}-{g.locale}.jwt"
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _credential(certificate: Certificate, locale: str) -> dict:
    course = get_course()
    percent = round(course.pass_threshold * 100)
    title, title_locale = title_of(course, certificate.subject, locale)
    if certificate.whole_course:
        achievement_id = external_url("learn.home", locale=course.source_locale)
        description = _("Certificate of completion of the course %(course)s.", course=title)
        criteria = _(
            "Complete every module of the course: read every section and pass each "
            "self-test with at least %(percent)d%%.",
            percent=percent,
        )
    else:
        resolved = course.resolve(locale, certificate.subject)
        achievement_id = external_url(
            "learn.module", locale=course.source_locale, slug=certificate.subject
        )
        description = resolved.module.description.strip() if resolved else title
        criteria = _(
            "Read every section of the module and pass its self-test with at least %(percent)d%%.",
            percent=percent,
        )
    achievement = badges.Achievement(
        id=achievement_id,
        name=title,
        description=description,
        criteria=criteria,
        locale=title_locale,
    )
    credential_id = external_url(
        "certificates.verify", code=format_code(certificate.code), lang=None
    )
    return badges.credential(certificate, credential_id, _issuer(), achievement)


def _issuer() -> badges.Issuer:
    course = get_course()
    return badges.Issuer(
        id=external_url("certificates.badge_issuer", lang=None),
        name=course.title(course.source_locale),
        url=external_url("main.index"),
    )


def _certificate_of(payload: dict) -> Certificate | None:
    """The certificate a checked credential is: its id ends with the certificate's code."""
    credential_id = payload.get("id")
    if not isinstance(credential_id, str):
        return None
    return find_by_code(credential_id.rstrip("/").rsplit("/", 1)[-1])


def _result(refused: str | None, status: int, **context):
    return page(
        "certificates/badge_check.html",
        status,
        refused=refused,
        certificate=context.pop("certificate", None),
        withdrawn=context.pop("withdrawn", False),
        slow_down=context.pop("slow_down", False),
        blank=context.pop("blank", False),
        **context,
    )


def _public(data: dict):
    response = json_response(data)
    response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    response.headers["Access-Control-Allow-Origin"] = "*"  # verifiers fetch it from anywhere
    return response
