"""LTI 1.3: a real test platform (lti1p3platform, tests/lti_platform.py) launches the tool,
deep-links a module and receives the best self-test score, all over HTTP on the loopback.

The tool runs as a live werkzeug server (its own thread) so that the platform can
fetch the tool's key set and the tool can fetch the platform's and post scores;
a `requests` session plays the learner's or the teacher's browser.
"""

from __future__ import annotations

import stat
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import sqlalchemy as sa
from werkzeug.serving import make_server

from app.cli.lti import lti as lti_command
from app.lti.grades import send_due
from app.models import Learner, LtiLink, LtiScore, LtiUser, QuizAttempt
from tests.bench.server import free_port
from tests.conftest import csrf_token, make_app
from tests.learners import PASSWORD, add_user
from tests.lti_platform import (
    CLIENT_ID,
    DEPLOYMENT_ID,
    STUDENT,
    TEACHER,
    Launch,
    TestPlatform,
    form_of,
    new_private_key,
)
from tests.quizzes import answer_form

pytestmark = pytest.mark.slow


class Tool:
    """The course as a live server at http://127.0.0.1:<port>."""

    def __init__(self, tmp_path: Path, **config) -> None:
        self.port = free_port()
        self.root = f"http://127.0.0.1:{self.port}"
        self.app = make_app(tmp_path, SERVER_NAME=f"127.0.0.1:{self.port}", **config)
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def db(self):
        return self.app.extensions["db_sessionmaker"]()

    def count(self, table) -> int:
        with self.db() as db:
            return db.scalar(sa.select(sa.func.count()).select_from(table))

    def module(self, locale: str = "en"):
        course = self.app.extensions["content"].course
        source = course.source_modules()[0]
        return course.resolve(locale, source.slug).module


@pytest.fixture
def tool(tmp_path):
    running = Tool(tmp_path)
    yield running
    running.stop()


@pytest.fixture
def platform(tool):
    lms = TestPlatform(tool.root).start()
    result = tool.app.test_cli_runner().invoke(lti_command, lms.add_platform_args())
    assert result.exit_code == 0, result.output
    yield lms
    lms.stop()


def browser() -> requests.Session:
    return requests.Session()


def launch(platform: TestPlatform, launch: Launch, session: requests.Session | None = None):
    """Open the tool from the platform as a user's browser does: login initiation, the
    platform's authorisation, the auto-posted id_token; the tool's answer to it."""
    session = session or browser()
    to_platform = session.get(platform.login_url(launch), allow_redirects=False, timeout=30)
    assert to_platform.status_code == 302, to_platform.text
    form_page = session.get(to_platform.headers["Location"], timeout=30)
    assert form_page.status_code == 200, form_page.text
    action, fields = form_of(form_page.text)
    return session.post(action, data=fields, allow_redirects=False, timeout=30), session


def student(module: str, **more) -> Launch:
    return Launch(sub="student-42", roles=[STUDENT], custom={"module": module}, **more)


# -- registering a platform ---------------------------------------------------------------


def test_add_platform_registers_a_platform_and_rejects_bad_input(tool):
    lms = TestPlatform(tool.root)
    runner = tool.app.test_cli_runner()
    added = runner.invoke(lti_command, lms.add_platform_args())
    assert added.exit_code == 0, added.output
    assert f"Registered {lms.issuer}" in added.output
    assert f"{tool.root}/lti/login" in added.output  # what to give the platform
    listed = runner.invoke(lti_command, ["list"])
    assert lms.issuer in listed.output
    assert CLIENT_ID in listed.output and DEPLOYMENT_ID in listed.output

    again = runner.invoke(lti_command, lms.add_platform_args())
    assert again.exit_code != 0
    assert "registered already" in again.output
    args = lms.add_platform_args()
    args[args.index("--keys-url") + 1] = "ftp://lms.example.org/keys"
    bad = runner.invoke(lti_command, [*args[:2], "https://other.example.org", *args[3:]])
    assert bad.exit_code == 2
    assert "--keys-url" in bad.output and "https://" in bad.output
    missing = runner.invoke(lti_command, lms.add_platform_args()[:-2])  # no --deployment
    assert missing.exit_code == 2
    assert "--deployment" in missing.output

    removed = runner.invoke(lti_command, ["remove-platform", "--issuer", lms.issuer,
                                  "--client-id", CLIENT_ID])  # fmt: skip
    assert removed.exit_code == 0, removed.output
    assert lms.issuer not in runner.invoke(lti_command, ["list"]).output


# -- the tool's key --------------------------------------------------------------------------


def test_the_key_set_serves_the_public_key_only(tool):
    answer = requests.get(f"{tool.root}/lti/jwks", timeout=30)
    assert answer.status_code == 200
    (key,) = answer.json()["keys"]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig"
    assert key["kid"] and key["n"] and key["e"]
    assert not {"d", "p", "q", "dp", "dq", "qi"} & key.keys()
    assert requests.get(f"{tool.root}/lti/jwks.json", timeout=30).json() == answer.json()
    private = Path(tool.app.instance_path) / "lti" / "private_key.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600


# -- launching a module ------------------------------------------------------------------------


def test_login_initiation_sends_the_browser_to_the_platform_with_state_and_nonce(tool, platform):
    slug = tool.module().slug
    answer = browser().get(platform.login_url(student(slug)), allow_redirects=False, timeout=30)
    assert answer.status_code == 302
    target = urlsplit(answer.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == platform.url("/auth")
    params = {name: values[0] for name, values in parse_qs(target.query).items()}
    assert params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == f"{tool.root}/lti/launch"
    assert params["state"] and params["nonce"]
    assert params["login_hint"] == "student-42"
    assert params["response_mode"] == "form_post" and params["scope"] == "openid"


def test_unknown_platform_is_refused_at_login(tool, platform):
    launch_ = student(tool.module().slug)
    url = platform.login_url(launch_).replace("iss=http", "iss=https")
    answer = browser().get(url, allow_redirects=False, timeout=30)
    assert answer.status_code == 403
    assert "not registered" in answer.text


def test_a_launch_opens_the_module_in_the_platforms_language_without_signing_up(tool, platform):
    module = tool.module("pl")
    answer, session = launch(platform, student(module.slug, locale="pl-PL"))
    assert answer.status_code == 303, answer.text
    assert urlsplit(answer.headers["Location"]).path == f"/pl/modules/{module.slug}/"
    page = session.get(tool.root + answer.headers["Location"], timeout=30)
    assert page.status_code == 200
    assert 'lang="pl"' in page.text and module.title in page.text
    assert "/auth/register" not in urlsplit(page.url).path  # no sign-up on the way

    # The self-test is the learner's own, and the next launch is the same learner.
    quiz_url = f"{tool.root}/pl/modules/{module.slug}/quiz"
    form = session.get(quiz_url, timeout=30).text
    assert session.post(quiz_url, data=answer_form(form, module.quiz), timeout=30).ok
    again, other_browser = launch(platform, student(module.slug, locale="zh-CN"))
    assert urlsplit(again.headers["Location"]).path == f"/zh/modules/{module.slug}/"
    assert tool.count(LtiUser) == 1 and tool.count(Learner) == 1
    progress = other_browser.get(f"{tool.root}/en/progress", timeout=30)
    assert progress.status_code == 200
    with tool.db() as db:
        (learner_id,) = db.scalars(sa.select(QuizAttempt.learner_id)).all()
        assert db.scalar(sa.select(LtiUser.learner_id)) == learner_id


def test_a_launch_in_a_browser_signed_in_to_an_account_makes_it_the_lti_learner(tool, platform):
    add_user(tool.app, "owner@example.com")
    session = browser()
    form = session.get(f"{tool.root}/auth/login", timeout=30).text
    signed_in = session.post(
        f"{tool.root}/auth/login",
        data={"csrf_token": csrf_token(form), "email": "owner@example.com", "password": PASSWORD},
        timeout=30,
    )
    assert signed_in.ok and "/auth/logout" in signed_in.text
    module = tool.module("pl")
    launch(platform, student(module.slug, locale="pl"), session)
    take_quiz(tool, session, module, True)
    with tool.db() as db:
        (learner_id,) = db.scalars(sa.select(QuizAttempt.learner_id)).all()
        assert db.scalar(sa.select(LtiUser.learner_id)) == learner_id  # not the account's
    account = session.get(f"{tool.root}/auth/account", allow_redirects=False, timeout=30)
    assert account.status_code == 302  # the account's session ended here


def test_an_unknown_locale_falls_back_to_the_course_language(tool, platform):
    module = tool.module()
    answer, _ = launch(platform, student(module.slug, locale="de-DE"))
    assert urlsplit(answer.headers["Location"]).path == f"/en/modules/{module.slug}/"


def test_a_link_to_a_module_the_course_lacks_is_a_clear_404(tool, platform):
    answer, _ = launch(platform, student("no-such-module", locale="pl"))
    assert answer.status_code == 404
    assert "Traceback" not in answer.text
    assert tool.count(LtiUser) == 0


# -- deep linking ------------------------------------------------------------------------------


def test_the_teacher_picks_a_module_and_the_platform_gets_a_signed_link(tool, platform):
    module = tool.module("pl")
    teacher = Launch(sub="teacher-1", roles=[TEACHER], deep_linking=True, locale="pl")
    picker, session = launch(platform, teacher)
    assert picker.status_code == 200, picker.text
    assert module.title in picker.text
    assert "<fieldset" in picker.text and "<legend>" in picker.text
    assert f'value="{module.slug}"' in picker.text
    _, fields = form_of(picker.text)
    chosen = session.post(
        f"{tool.root}/lti/deep-link",
        data={"csrf_token": csrf_token(picker.text), "launch_id": fields["launch_id"],
              "module": module.slug},
        timeout=30,
    )  # fmt: skip
    assert chosen.status_code == 200, chosen.text
    assert platform.root in chosen.headers["Content-Security-Policy"]  # the form may go there
    action, response_fields = form_of(chosen.text)
    assert action == platform.url("/deep-link-return")
    returned = session.post(action, data=response_fields, timeout=30)
    assert returned.status_code == 200, returned.text  # the platform checked the signature
    ((item,),) = platform.deep_link_items
    assert item["type"] == "ltiResourceLink"
    assert item["url"] == f"{tool.root}/lti/launch"
    assert item["custom"] == {"module": module.slug}
    assert item["lineItem"]["scoreMaximum"] == 100
    assert item["lineItem"]["resourceId"] == module.slug
    assert tool.count(LtiUser) == 0  # a teacher choosing a module is no learner


def test_a_deep_link_pick_without_the_form_token_is_refused(tool, platform):
    teacher = Launch(sub="teacher-1", roles=[TEACHER], deep_linking=True)
    picker, session = launch(platform, teacher)
    _, fields = form_of(picker.text)
    refused = session.post(
        f"{tool.root}/lti/deep-link",
        data={"launch_id": fields["launch_id"], "module": tool.module().slug},
        timeout=30,
    )
    assert refused.status_code == 400
    assert not platform.deep_link_items


# -- grade passback ----------------------------------------------------------------------------


def take_quiz(tool, session, module, right) -> None:
    url = f"{tool.root}/pl/modules/{module.slug}/quiz"
    page = session.get(url, timeout=30).text
    answered = session.post(url, data=answer_form(page, module.quiz, right), timeout=30)
    assert answered.status_code == 200, answered.text


def test_the_platform_receives_the_best_score_once_even_when_it_was_down(tool, platform):
    module = tool.module("pl")
    lineitem = platform.lineitem("quiz-1")
    _, session = launch(platform, student(module.slug, locale="pl", lineitem=lineitem))
    assert tool.count(LtiLink) == 1

    first = [False] + [True] * 9  # 9 of 10
    take_quiz(tool, session, module, first)
    assert send_due(tool.app) == 1
    (score,) = platform.scores_for(lineitem)
    assert score["userId"] == "student-42"
    assert score["scoreMaximum"] == 100
    assert 0 < score["scoreGiven"] < 100
    assert score["activityProgress"] == "Completed"
    assert score["gradingProgress"] == "FullyGraded"
    best_so_far = score["scoreGiven"]

    take_quiz(tool, session, module, False)  # worse: the platform keeps the better one
    assert send_due(tool.app) == 0
    assert [s["scoreGiven"] for s in platform.scores_for(lineitem)] == [best_so_far]

    platform.stop()  # the LMS is away: the score waits in the outbox
    take_quiz(tool, session, module, True)
    assert send_due(tool.app) == 0
    with tool.db() as db:
        row = db.scalar(sa.select(LtiScore))
        assert row.sent_at is None and row.failed_at is None and row.last_error
    platform.start()
    assert send_due(tool.app, waiting_too=True) == 1
    assert send_due(tool.app, waiting_too=True) == 0
    assert [s["scoreGiven"] for s in platform.scores_for(lineitem)] == [best_so_far, 100]


def test_the_sender_thread_posts_the_score_after_the_request(tmp_path):
    tool = Tool(tmp_path, LTI_WORKER=True)
    platform = TestPlatform(tool.root).start()
    try:
        added = tool.app.test_cli_runner().invoke(lti_command, platform.add_platform_args())
        assert added.exit_code == 0, added.output
        module = tool.module("pl")
        lineitem = platform.lineitem("quiz-3")
        _, session = launch(platform, student(module.slug, locale="pl", lineitem=lineitem))
        take_quiz(tool, session, module, True)  # answered at once; the score follows
        assert platform.score_arrived.wait(timeout=60)
        assert [s["scoreGiven"] for s in platform.scores_for(lineitem)] == [100]
    finally:
        platform.stop()
        tool.stop()


def test_a_new_grade_column_gets_the_score_earned_before(tool, platform):
    module = tool.module("pl")
    _, session = launch(platform, student(module.slug, locale="pl"))
    take_quiz(tool, session, module, True)
    assert send_due(tool.app) == 0  # no grade column yet
    lineitem = platform.lineitem("quiz-2")
    launch(platform, student(module.slug, locale="pl", lineitem=lineitem))
    assert send_due(tool.app) == 1
    assert [s["scoreGiven"] for s in platform.scores_for(lineitem)] == [100]


# -- attacks -------------------------------------------------------------------------------------


def nothing_recorded(tool, answer) -> None:
    assert 400 <= answer.status_code < 500, answer.status_code
    assert "Traceback" not in answer.text
    assert "omnicourse_learner" not in answer.cookies
    assert tool.count(LtiUser) == 0 and tool.count(Learner) == 0


@pytest.mark.parametrize(
    ("tampered", "message"),
    [
        ({"signing_key": new_private_key()}, "not signed by the learning platform"),
        ({"claims": {"aud": "another-tool"}}, "not registered"),
        ({"claims": {"iss": "https://unknown.example.org"}}, "not registered"),
        ({"claims": {"https://purl.imsglobal.org/spec/lti/claim/deployment_id": "other"}},
         "deployment"),
        ({"expires_in": -120}, "expired"),
        ({"claims": {"sub": ["not", "a", "user", "id"]}}, "does not understand"),
    ],
    ids=["wrong key", "unknown client id", "unknown issuer", "unknown deployment", "expired",
         "malformed"],
)  # fmt: skip
def test_a_forged_or_stale_launch_is_refused_and_records_nothing(tool, platform, tampered, message):
    answer, _ = launch(platform, student(tool.module().slug, **tampered))
    nothing_recorded(tool, answer)
    assert message in answer.text


def test_a_replayed_id_token_is_refused(tool, platform):
    session = browser()
    first = platform.login_url(student(tool.module().slug))
    to_platform = session.get(first, allow_redirects=False, timeout=30)
    action, fields = form_of(session.get(to_platform.headers["Location"], timeout=30).text)
    assert session.post(action, data=fields, allow_redirects=False, timeout=30).status_code == 303
    replayed = session.post(action, data=fields, allow_redirects=False, timeout=30)
    assert replayed.status_code == 403
    assert "already used" in replayed.text
    assert tool.count(LtiUser) == 1  # only the first launch counted


def test_a_launch_with_another_state_is_refused(tool, platform):
    session = browser()
    to_platform = session.get(
        platform.login_url(student(tool.module().slug)), allow_redirects=False, timeout=30
    )
    action, fields = form_of(session.get(to_platform.headers["Location"], timeout=30).text)
    fields["state"] = "state-made-up-by-an-attacker"
    answer = session.post(action, data=fields, allow_redirects=False, timeout=30)
    nothing_recorded(tool, answer)
    assert "new window" in answer.text
