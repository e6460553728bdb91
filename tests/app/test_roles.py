"""Roles: the checks, a sweep of every route against every role, `omnicourse users`."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Blueprint

from app.cli.db import db as db_command
from app.cli.users import users as users_command
from app.models import ROLES, User
from app.roles import require_role, role_required
from tests.conftest import make_app
from tests.learners import PASSWORD, add_user, api_token, login

ANONYMOUS = "anonymous"
EVERYONE = (ANONYMOUS, *ROLES)
PUBLIC, SIGNED_IN = "public", "signed in"

# Who may use each endpoint of the app: PUBLIC, SIGNED_IN, or a tuple of roles
# (admins may always). A new route must be added here, or the sweep fails.
ACCESS: dict[str, str | tuple[str, ...]] = {
    "static": PUBLIC,
    "main.index": PUBLIC,
    "main.set_language": PUBLIC,
    "main.healthz": PUBLIC,
    "main.content_version": PUBLIC,  # a 404 unless `omnicourse run`
    "main.favicon": PUBLIC,
    "main.media": PUBLIC,  # a 404 until an image is uploaded
    "learn.manifest": PUBLIC,
    "learn.home": PUBLIC,
    "learn.module": PUBLIC,
    "learn.glossary": PUBLIC,
    "learn.quiz": PUBLIC,
    "learn.audio": PUBLIC,
    "learn.audio_cues": PUBLIC,
    "learn.section_audio": PUBLIC,
    "learn.pdf": PUBLIC,
    "learn.podcast": PUBLIC,
    "learn.chapters": PUBLIC,
    "learn.transcript": PUBLIC,
    "learn.pdf_answers": ("instructor",),
    "feedback.form": PUBLIC,
    "auth.register": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": PUBLIC,
    "auth.account": SIGNED_IN,
    "auth.change_password": SIGNED_IN,
    "auth.delete_account": SIGNED_IN,
    "auth.end_sessions": SIGNED_IN,
    "auth.check_inbox": PUBLIC,
    "auth.resend_verification": PUBLIC,  # the signed-in account's, or an address typed
    "auth.verify": PUBLIC,  # anyone with the link sent by email
    "auth.verify_needed": SIGNED_IN,
    "auth.reset_request": PUBLIC,
    "auth.reset_sent": PUBLIC,
    "auth.reset": PUBLIC,  # anyone with the link sent by email
    "auth.change_email": SIGNED_IN,
    "auth.change_email_sent": SIGNED_IN,
    "auth.confirm_email": PUBLIC,  # anyone with the link sent to the new address
    "progress.page": PUBLIC,  # a guest's progress is kept for the browser
    "progress.mark_read": PUBLIC,
    "progress.attempt": PUBLIC,  # but only the learner's own attempts: others are a 404
    "api.get_progress": PUBLIC,
    "api.token": PUBLIC,
    "api.post_progress": PUBLIC,
    "translate.status": ("translator",),
    "translate.recordings": ("translator", "voice"),
    "translate.record": ("translator", "voice"),
    "translate.recording_file": ("translator", "voice"),  # a 404 until one is recorded
    "translate.upload": ("translator", "voice"),
    "translate.remove": ("translator", "voice"),
    "translate.accept": (),  # admins only
    "feedback.thanks": PUBLIC,
    "feedback.section_vote": PUBLIC,
    "admin.index": ("instructor",),
    "admin.feedback_list": ("instructor",),
    "admin.feedback_detail": ("instructor",),
    "admin.feedback_status": ("instructor",),
    "admin.feedback_note": ("instructor",),
    "admin.feedback_csv": ("instructor",),
    "admin.analytics": ("instructor",),
    "auth.display_name": SIGNED_IN,
    "certificates.module_certificate": SIGNED_IN,  # the learner's own, once earned
    "certificates.course_certificate": SIGNED_IN,
    "certificates.check": PUBLIC,
    "certificates.verify": PUBLIC,
    "certificates.module_badge": SIGNED_IN,  # the learner's own, like the PDF
    "certificates.course_badge": SIGNED_IN,
    "certificates.badge_form": PUBLIC,
    "certificates.check_credential": PUBLIC,  # POST /verify: an Open Badge to check
    "certificates.jwks": PUBLIC,
    "certificates.badge_issuer": PUBLIC,
    # The studio: translators reach it, but edit only the languages given to them (none
    # here), so the source files the sweep opens are refused to them.
    "studio.index": ("instructor", "translator"),
    "studio.media": ("instructor", "translator"),
    "studio.new_module": ("instructor",),
    "studio.new_locale": (),  # admins only
    "studio.edit": ("instructor",),
    "studio.change": ("instructor",),
    "studio.preview": ("instructor",),
    "studio.file_history": ("instructor",),
    "studio.mark_current": ("instructor",),  # a 404: a source file has nothing to mark
    "studio.draft_preview": ("instructor", "translator"),  # a 404 until a draft is saved
    "studio.publication": ("instructor", "translator"),  # a 404 until a publication
    "studio.restore": ("instructor", "translator"),
    # LTI 1.3: posted by a learning platform, checked by its signature (a launch without
    # one is a 400), and the tool's public key set.
    "lti.login": PUBLIC,
    "lti.launch": PUBLIC,
    "lti.deep_link": PUBLIC,
    "lti.jwks": PUBLIC,
}


def may(role: str, rule: str | tuple[str, ...]) -> bool:
    if rule == PUBLIC:
        return True
    if role == ANONYMOUS:
        return False
    return rule == SIGNED_IN or role == "admin" or role in rule


def denied(response) -> bool:
    to_login = response.status_code == 302 and response.location.startswith("/auth/login")
    return to_login or response.status_code in (401, 403)


def url_values(app) -> dict[str, str]:
    module = app.extensions["content"].course.source_modules()[0]
    return {
        "locale": "en",
        "language": "en",
        "slug": module.slug,
        "part": module.sections[0].id,
        "section_id": module.sections[0].id,
        "question_id": module.quiz.questions[0].id,
        "code": "pl",
        "filename": "css/site.css",
        "attempt_id": "1",
        "feedback_id": "1",
        "draft_id": "1",
        "publication_id": "1",
        "name": "journey-map.svg",
        "token": "a-link-token-that-was-never-sent-by-email-0",
    }


def signed_in_client(app, role: str):
    client = app.test_client()
    if role != ANONYMOUS:
        assert login(client, f"{role}@example.com").status_code == 302
    return client


def signed_in(client) -> bool:
    with client.session_transaction() as session:
        return "_user_id" in session


def test_every_route_allows_and_denies_the_expected_roles(tmp_path):
    app = make_app(tmp_path)
    for role in ROLES:
        add_user(app, f"{role}@example.com", role)
    values = url_values(app)
    undeclared = sorted({r.endpoint for r in app.url_map.iter_rules()} - ACCESS.keys())
    assert not undeclared, f"declare who may use {undeclared} in ACCESS (tests/app/test_roles.py)"
    checked = 0
    for role in EVERYONE:
        client = signed_in_client(app, role)
        for rule in app.url_map.iter_rules():
            with app.test_request_context():
                url = app.url_map.bind("localhost").build(
                    rule.endpoint, {name: values[name] for name in rule.arguments}
                )
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                data = {}
                if method != "GET":
                    data = {"csrf_token": api_token(client)}
                response = client.open(
                    url,
                    method=method,
                    data=data,
                    headers={"X-CSRFToken": data.get("csrf_token", "")},
                )
                expected = may(role, ACCESS[rule.endpoint])
                what = f"{role} {method} {url} -> {response.status_code}"
                assert response.status_code != 500, what
                assert b"This form has expired" not in response.data, what
                assert denied(response) is not expected, what
                response.close()
                checked += 1
                if role != ANONYMOUS and not signed_in(client):  # logged out by that POST
                    client = signed_in_client(app, role)
    assert checked >= len(EVERYONE) * len(ACCESS)


@pytest.fixture
def guarded(tmp_path):
    app = make_app(tmp_path)
    bp = Blueprint("guarded", __name__, url_prefix="/guarded")

    @bp.get("/instructors")
    @role_required("instructor")
    def instructors():
        return "instructors' page"

    @bp.get("/staff")
    @role_required("instructor", "translator")
    def staff():
        return "staff page"

    admin_bp = Blueprint("admin_only", __name__, url_prefix="/admin-only")
    admin_bp.before_request(require_role("admin"))

    @admin_bp.get("/")
    def admin_page():
        return "admins' page"

    app.register_blueprint(bp)
    app.register_blueprint(admin_bp)
    for role in ROLES:
        add_user(app, f"{role}@example.com", role)
    return app


@pytest.mark.parametrize(
    ("role", "instructors", "staff", "admin"),
    [
        (ANONYMOUS, 302, 302, 302),
        ("learner", 403, 403, 403),
        ("instructor", 200, 200, 403),
        ("translator", 403, 200, 403),
        ("admin", 200, 200, 200),
    ],
)
def test_role_checks(guarded, role, instructors, staff, admin):
    client = signed_in_client(guarded, role)
    for url, status in (
        ("/guarded/instructors", instructors),
        ("/guarded/staff", staff),
        ("/admin-only/", admin),
    ):
        response = client.get(url)
        assert response.status_code == status, (role, url)
        if status == 302:
            assert response.location.startswith(f"/auth/login?next={url}")
        if status == 403:
            assert b"Your account does not give access to this page." in response.data


def test_a_misspelt_role_is_caught_when_the_route_is_defined():
    with pytest.raises(ValueError, match="unknown role"):
        role_required("admni")
    with pytest.raises(ValueError, match="unknown role"):
        require_role()


def accounts(app) -> dict[str, str]:
    with app.extensions["db_sessionmaker"]() as session:
        return {u.email: u.role for u in session.scalars(sa.select(User))}


def test_users_create_reads_the_password_from_stdin(app, runner):
    result = runner.invoke(
        users_command,
        ["create", "Ada@Example.com", "--role", "admin", "--password-stdin"],
        input=f"{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created ada@example.com with the role admin." in result.output
    assert accounts(app) == {"ada@example.com": "admin"}
    assert login(app.test_client(), "ada@example.com").status_code == 302


def test_users_create_prompts_for_the_password_twice(app, runner):
    result = runner.invoke(
        users_command, ["create", "bob@example.com"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("Password") == 1 and "Repeat for confirmation" in result.output
    assert accounts(app) == {"bob@example.com": "learner"}


@pytest.mark.parametrize(
    ("arguments", "password", "message"),
    [
        (["create", "not-an-email", "--password-stdin"], PASSWORD, "Invalid value for EMAIL"),
        (["create", "a@example.com", "--password-stdin"], "short", "Use at least 12 characters"),
        (
            ["create", "a@example.com", "--role", "boss", "--password-stdin"],
            PASSWORD,
            "'boss' is not one of",
        ),
    ],
)
def test_users_create_refuses_bad_input(app, runner, arguments, password, message):
    result = runner.invoke(users_command, arguments, input=f"{password}\n")
    assert result.exit_code != 0
    assert message in result.output
    assert accounts(app) == {}


def test_users_create_refuses_an_existing_address(app, runner):
    add_user(app, "ada@example.com")
    result = runner.invoke(
        users_command, ["create", "ada@example.com", "--password-stdin"], input=f"{PASSWORD}\n"
    )
    assert result.exit_code == 1 and "already exists" in result.output


def test_users_set_role_and_list(app, runner):
    add_user(app, "ada@example.com")
    result = runner.invoke(users_command, ["set-role", "ada@example.com", "translator"])
    assert result.exit_code == 0, result.output
    assert accounts(app) == {"ada@example.com": "translator"}
    client = signed_in_client(app, ANONYMOUS)
    login(client, "ada@example.com")
    assert client.get("/translate/").status_code == 200
    missing = runner.invoke(users_command, ["set-role", "nobody@example.com", "admin"])
    assert missing.exit_code == 1 and "no account for nobody@example.com" in missing.output
    listing = runner.invoke(users_command, ["list"])
    assert "ada@example.com\ttranslator" in listing.output


def test_the_console_says_how_to_create_the_first_admin(app, runner):
    first = runner.invoke(db_command, ["upgrade"])
    assert "omnicourse users create EMAIL --role admin" in first.output
    add_user(app, "boss@example.com", "admin")
    later = runner.invoke(db_command, ["upgrade"])
    assert "--role admin" not in later.output
