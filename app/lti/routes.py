"""The LTI 1.3 endpoints: login initiation, launch, the teacher's module picker, the key set.

Login initiation and launch are posted by the platform from another site, so they
carry no CSRF token: the launch is protected by the state (a cookie set at login),
the one-time nonce and the platform's signature instead. Each refusal is a page in
the reader's language saying what went wrong, with a 4xx status.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs, urlsplit

import flask_babel
import jwt
from flask import Response, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException, OIDCException
from pylti1p3.lineitem import LineItem

from app import ratelimit
from app.content import get_course
from app.db import get_session
from app.extensions import csrf
from app.lti import bp
from app.lti.forms import DeepLinkForm
from app.lti.grades import SCORE_MAXIMUM, SCORE_SCOPE, queue_best_score
from app.lti.learners import learner_of, remember_grade_column, sign_in
from app.lti.tool import (
    LAUNCH_DATA_SECONDS,
    DbLaunchStorage,
    OneTimeNonces,
    ToolConf,
    find_platform,
    http_session,
    public_jwks,
)
from app.models.lti import ID_MAX, URL_MAX
from app.proxy import external_url
from app.security import CONTENT_SECURITY_POLICY
from app.web import private_page, too_many_requests

log = logging.getLogger(__name__)

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
DEEP_LINKING_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
LINE_ITEM_TAG = "self-test"

# What went wrong, for the page that says so: status, title, message.
PROBLEMS = {
    "unknown-platform": (403, _l("Unknown learning platform"), _l(
        "This learning platform is not registered with the course (or not with this client "
        "id). Ask the course's administrator to register it.")),
    "bad-signature": (403, _l("Launch refused"), _l(
        "The launch was not signed by the learning platform it names, so it was refused. "
        "Nothing was recorded.")),
    "expired": (403, _l("This launch has expired"), _l(
        "Please go back to your learning platform and open the activity again.")),
    "replayed": (403, _l("This launch was already used"), _l(
        "Each launch works once. Please go back to your learning platform and open the "
        "activity again.")),
    "deployment": (403, _l("Unknown deployment"), _l(
        "This deployment of the course on your learning platform is not registered. Ask "
        "the course's administrator to add it.")),
    "state": (400, _l("The launch could not be completed"), _l(
        "The course could not match the launch with this browser, usually because cookies "
        "are blocked inside a frame. Ask for the activity to open in a new window, or go "
        "back to your learning platform and open it again.")),
    "keys": (502, _l("The learning platform did not answer"), _l(
        "The course could not fetch the learning platform's public keys to check the "
        "launch. Please try again in a moment.")),
    "invalid": (400, _l("The launch could not be understood"), _l(
        "The learning platform sent a launch the course does not understand.")),
    "unknown-module": (404, _l("Unknown module"), _l(
        "This link names a module the course does not have. Ask your teacher to choose "
        "the module again.")),
    "picker-expired": (400, _l("This choice has expired"), _l(
        "Please go back to your learning platform and add the activity again.")),
}  # fmt: skip


def problem_page(kind: str) -> Response:
    status, title, message = PROBLEMS[kind]
    page = render_template("errors/error.html", status=status, title=title, message=message)
    return private_page(page, status)


def _over_the_limit() -> Response | None:
    db = get_session()
    wait = ratelimit.seconds_to_wait(db, ratelimit.LTI_REQUESTS)
    if wait:
        page = render_template(
            "errors/error.html",
            status=429,
            title=_("Please slow down"),
            message=_("Too many requests. Wait a minute and try again."),
        )
        return too_many_requests(private_page(page, 429), wait)
    ratelimit.record(db, ratelimit.LTI_REQUESTS)
    db.commit()
    return None


def _pylti(db, flask_request: FlaskRequest) -> dict:
    return {
        "session_service": OneTimeNonces(flask_request),
        "launch_data_storage": DbLaunchStorage(db),
    }


@bp.route("/login", methods=["GET", "POST"])
@csrf.exempt
def login():
    """OIDC login initiation: send the browser to the platform's authorisation URL."""
    if (refused := _over_the_limit()) is not None:
        return refused
    db = get_session()
    flask_request = FlaskRequest()
    if not flask_request.get_param("iss") or not flask_request.get_param("login_hint"):
        return problem_page("invalid")
    oidc = FlaskOIDCLogin(flask_request, ToolConf(db), **_pylti(db, flask_request))
    try:
        response = oidc.redirect(external_url("lti.launch"))
    except (OIDCException, LtiException) as error:
        log.info("LTI login refused: %s", error)
        return problem_page("unknown-platform")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/launch")
@csrf.exempt
def launch():
    """A launch: check it, then open the module (a learner) or the picker (deep linking)."""
    if (refused := _over_the_limit()) is not None:
        return refused
    db = get_session()
    flask_request = FlaskRequest()
    try:
        message = FlaskMessageLaunch(
            flask_request, ToolConf(db), requests_session=http_session(),
            **_pylti(db, flask_request),
        )  # fmt: skip
    except LtiException:  # over HTTPS: the launch cookie set at login is missing
        return problem_page("state")
    message.set_launch_data_lifetime(LAUNCH_DATA_SECONDS)
    message.set_auto_validation(enable=False)
    problem = _validate(message)
    if problem:
        return problem_page(problem)
    data = message.get_launch_data()
    _speak_the_platforms_language(data)
    if message.is_deep_link_launch():
        form = DeepLinkForm(launch_id=message.get_launch_id(), formdata=None)
        return _picker(form)
    sub = data.get("sub")
    if not message.is_resource_launch() or not isinstance(sub, str) or not 0 < len(sub) <= ID_MAX:
        return problem_page("invalid")
    slug = module_named(data)
    if slug is None:
        return problem_page("unknown-module")
    platform = find_platform(db, message.get_iss(), message.get_client_id())
    assert platform is not None  # validated above
    user = learner_of(db, platform, sub)
    grades = claim(data, AGS_CLAIM)
    lineitem, scopes = grades.get("lineitem"), grades.get("scope")
    if (
        isinstance(lineitem, str)
        and 0 < len(lineitem) <= URL_MAX
        and isinstance(scopes, list)
        and SCORE_SCOPE in scopes
    ):
        remember_grade_column(db, user, slug, lineitem)
        db.flush()
        queue_best_score(db, user.learner_id, slug)  # a new column gets a score earned before
    sign_in(db, user)
    db.commit()
    return redirect(url_for("learn.module", locale=g.locale, slug=slug), 303)


def _validate(message: FlaskMessageLaunch) -> str | None:
    """pylti1p3's checks of a launch, in an order that says what failed; the signature is
    checked before the nonce is used, so a forged token cannot spend a browser's nonce."""
    steps = (
        (message.validate_jwt_format, "invalid"),
        (message.validate_registration, "unknown-platform"),
        (message.validate_jwt_signature, "bad-signature"),
        (message.validate_deployment, "deployment"),
        (message.validate_state, "state"),
        (message.validate_nonce, "replayed"),
        (message.validate_message, "invalid"),
        (message.save_launch_data, "invalid"),
    )
    for step, problem in steps:
        try:
            step()
        except (LtiException, ValueError, TypeError, KeyError, AttributeError) as error:
            # pylti1p3 raises LtiException for what it checks, the others for a token
            # whose claims are not even of the right kinds.
            log.info("LTI launch refused (%s): %s", problem, error)
            cause = error.__cause__
            if isinstance(cause, jwt.ExpiredSignatureError):
                return "expired"
            if isinstance(cause, jwt.InvalidTokenError) and not isinstance(
                cause, jwt.InvalidSignatureError | jwt.DecodeError
            ):
                return "invalid"  # signed, but a claim PyJWT checks is malformed
            if str(error).startswith("Error during fetch URL"):
                return "keys"
            return problem
    return None


def claim(data: dict, name: str) -> dict:
    """A claim that should be an object: {} when it is missing or is not one."""
    value = data.get(name)
    return value if isinstance(value, dict) else {}


def platform_locale(tag: object) -> str:
    """The course's language for the platform's locale ("pl-PL" → pl, "zh-CN" → zh); the
    course's source language for one it does not have."""
    course = get_course()
    if isinstance(tag, str) and tag:
        wanted = tag.replace("-", "_").lower()
        by_code = {code.lower(): code for code in course.locales}
        for candidate in (wanted, wanted.split("_")[0]):
            if candidate in by_code:
                return by_code[candidate]
    return course.source_locale


def module_named(data: dict) -> str | None:
    """The module a launch opens: the `module` custom parameter a deep link set, else
    `?module=` in the target link; None if the course has no such module."""
    slug = claim(data, CLAIM + "custom").get("module")
    if not slug:
        target = str(data.get(CLAIM + "target_link_uri") or "")
        slug = (parse_qs(urlsplit(target).query).get("module") or [None])[0]
    if not isinstance(slug, str):
        return None
    slugs = {module.slug for module in get_course().source_modules()}
    return slug if slug in slugs else None


def _speak_the_platforms_language(data: dict) -> None:
    """Answer in the language the platform names (Flask-Babel may have chosen one already)."""
    g.locale = platform_locale(claim(data, CLAIM + "launch_presentation").get("locale"))
    flask_babel.refresh()


def _modules() -> list[tuple[str, str]]:
    course = get_course()
    shown = []
    for source in course.source_modules():
        resolved = course.resolve(g.locale, source.slug)
        shown.append((source.slug, (resolved.module if resolved else source).title))
    return shown


def _picker(form: DeepLinkForm, status: int = 200) -> Response:
    form.module.choices = _modules()
    return private_page(render_template("lti/deep_link.html", form=form), status)


@bp.post("/deep-link")
def deep_link():
    """The teacher's pick: a signed deep-linking response, posted back to the platform."""
    if (refused := _over_the_limit()) is not None:
        return refused
    db = get_session()
    form = DeepLinkForm()
    flask_request = FlaskRequest()
    try:
        message = FlaskMessageLaunch.from_cache(
            form.launch_id.data or "", flask_request, ToolConf(db),
            requests_session=http_session(), **_pylti(db, flask_request),
        )  # fmt: skip
        if not message.is_deep_link_launch():
            raise LtiException("not a deep-linking launch")
    except LtiException as error:
        log.info("LTI deep link refused: %s", error)
        return problem_page("picker-expired")
    data = message.get_launch_data()
    _speak_the_platforms_language(data)
    form.module.choices = _modules()
    if not form.validate():
        return _picker(form, 422)
    slug = form.module.data
    title = dict(form.module.choices)[slug]
    item = (
        DeepLinkResource()
        .set_url(external_url("lti.launch"))
        .set_custom_params({"module": slug})
        .set_title(title)
        .set_lineitem(
            LineItem()
            .set_score_maximum(SCORE_MAXIMUM)
            .set_label(title)
            .set_resource_id(slug)
            .set_tag(LINE_ITEM_TAG)
        )
    )
    token = message.get_deep_link().get_response_jwt([item])
    return_url = str(claim(data, DEEP_LINKING_CLAIM).get("deep_link_return_url") or "")
    parts = urlsplit(return_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return problem_page("invalid")
    page = render_template(
        "lti/deep_link_return.html", return_url=return_url, token=token, title=title
    )
    response = private_page(page)
    # The form goes to the platform: this page may post there, and only there.
    origin = f"{parts.scheme}://{parts.netloc}"
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", f"form-action 'self' {origin}"
    )
    return response


@bp.get("/jwks")
@bp.get("/jwks.json")
def jwks():
    """The tool's public key set, for platforms to check what the tool signs."""
    response = Response(json.dumps(public_jwks()), mimetype="application/json")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
